"""AWS Config rules and conformance packs: creation order, custom-rule invocation and
the organization conformance pack's delivery bucket.

Ordering covers organization rules and packs too, where the stack creates the member
accounts' recorders with CloudFormation (a StackSet's instances, a management account's
stacks, see `templates`): "Every Organization account except those configured in the
excludedAccounts argument must have a Configuration Recorder ... before the rule will
successfully create or update" (pulumi-aws, aws.cfg.OrganizationManagedRule).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .placement import DEFAULT_ACCOUNT, Placement
from .stack import StackIndex, depends_on, display_name
from .templates import creating_targets
from .tokens import (
    CONFIG_RULE,
    DELIVERY_CHANNEL,
    LAMBDA_FUNCTION,
    LAMBDA_PERMISSION,
    ORG_CONFORMANCE_PACK,
    ORG_CUSTOM_RULE,
    ORG_MANAGED_RULE,
    RECORDER,
    RECORDER_STATUS,
)
from .values import Undecided, dig, is_unknown

CONFIG_PRINCIPAL = "config.amazonaws.com"
CONFORMS_PREFIX = "awsconfigconforms"


# --- config-ordering ---------------------------------------------------------------------


def config_ordering_validator(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    _check_order(
        stack,
        undecided,
        report_violation,
        dependents=stack.of_type(CONFIG_RULE),
        prerequisites=stack.of_type(RECORDER),
        message=(
            "The AWS Config rule {name} must depend on the configuration recorder of "
            "{place} ({target}); without it AWS may create the rule first and fail with "
            "NoAvailableConfigurationRecorderException."
        ),
    )
    _check_order(
        stack,
        undecided,
        report_violation,
        dependents=stack.of_type(RECORDER_STATUS),
        prerequisites=stack.of_type(DELIVERY_CHANNEL),
        message=(
            "The AWS Config recorder status {name} must depend on the delivery channel of "
            "{place} ({target}); starting a recorder without a channel fails with "
            "NoAvailableDeliveryChannelException."
        ),
    )
    _check_organization_order(stack, undecided, report_violation)
    undecided.settle()


RECORDER_TEMPLATE_TYPE = "AWS::Config::ConfigurationRecorder"


def _check_organization_order(
    stack: StackIndex, undecided: Undecided, report_violation: ReportViolation
) -> None:
    """Each organization rule or pack must depend on every Stack and StackSetInstance of
    its region whose template creates a recorder."""
    recording = creating_targets(stack, RECORDER_TEMPLATE_TYPE)
    if not recording:
        return
    for rule in stack.of_type(ORG_CONFORMANCE_PACK, ORG_MANAGED_RULE, ORG_CUSTOM_RULE):
        place = stack.placement(rule)
        if place is None:
            if any(not depends_on(rule, [target.resource]) for target, _ in recording):
                undecided.note_error(stack.unplaced_reason(rule), rule.name)
            continue
        missing = [
            target.resource.name
            for target, _ in recording
            if target.region == place.region and not depends_on(rule, [target.resource])
        ]
        if missing:
            report_violation(
                f"The organization rule or conformance pack {rule.name} must depend on the "
                f"CloudFormation stacks that create the AWS Config recorders of "
                f"{place.region_label} ({', '.join(missing)}); AWS creates its rules in "
                "every member account, and they fail where no recorder exists yet.",
                rule.urn,
            )


def _check_order(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    *,
    dependents: list[PolicyResource],
    prerequisites: list[PolicyResource],
    message: str,
) -> None:
    """Each dependent must reach a prerequisite of its own account and region, when the
    stack declares one there. Unknown placements defer the verdict only where they can
    change it: a dependent of unknown region that reaches a prerequisite in every place
    it could be, or a prerequisite of unknown place it does not reach, decide nothing."""
    if not prerequisites:
        return
    by_place: dict[Placement, list[PolicyResource]] = defaultdict(list)
    unplaced: list[PolicyResource] = []
    for prerequisite in prerequisites:
        place = stack.placement(prerequisite)
        if place is None:
            unplaced.append(prerequisite)
        else:
            by_place[place].append(prerequisite)
    for dependent in dependents:
        place = stack.placement(dependent)
        if place is None:
            # Wherever it is, it is fine if it reaches a prerequisite of that place.
            account = stack.account(dependent)
            places = [p for p in by_place if account is None or p.account == account]
            if unplaced or any(not depends_on(dependent, by_place[p]) for p in places):
                undecided.note_error(stack.unplaced_reason(dependent), dependent.name)
            continue
        same_place = by_place.get(place, [])
        if same_place and depends_on(dependent, same_place):
            continue
        reached_unplaced = [p for p in unplaced if depends_on(dependent, [p])]
        if reached_unplaced:
            # The prerequisite it waits for may be the one of its place.
            undecided.note_error(
                stack.unplaced_reason(reached_unplaced[0]), reached_unplaced[0].name
            )
        elif same_place:
            report_violation(
                message.format(
                    name=dependent.name,
                    place=place,
                    target=", ".join(p.name for p in same_place),
                ),
                dependent.urn,
            )
        elif unplaced:
            # One of these might turn out to live in the dependent's account and region.
            undecided.note_error(stack.unplaced_reason(unplaced[0]), unplaced[0].name)


config_ordering = StackValidationPolicy(
    name="config-ordering",
    description=(
        "AWS Config rules must depend on their account and region's recorder, and recorder "
        "statuses on the delivery channel, so that AWS creates them in a working order."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_ordering_validator,
)


# --- custom-rule-invocable ---------------------------------------------------------------


def custom_rule_invocable_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    functions = stack.of_type(LAMBDA_FUNCTION)
    for rule in stack.of_type(CONFIG_RULE):
        props = stack.props(rule)
        owner = dig(props, "source", "owner")
        if is_unknown(owner):
            undecided.note(owner, rule.name, "source", "owner")
            continue
        if owner != "CUSTOM_LAMBDA":
            continue
        targets = [f for f in functions if f in stack.references(rule, "source", LAMBDA_FUNCTION)]
        identifier = dig(props, "source", "sourceIdentifier")
        if isinstance(identifier, str) and not is_unknown(identifier):
            named = stack.references_value(identifier, LAMBDA_FUNCTION)
            targets += [f for f in named if f not in targets]
        for function in targets:
            _check_invocable(stack, undecided, report_violation, rule, function)
    undecided.settle()


INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:*", "*")
"""Lambda permission actions that let the principal invoke the function."""


def _scope_problem(stack: StackIndex, permission: PolicyResource, rule: PolicyResource) -> Any:
    """Why the permission does not keep invocations to the rule's own account: a
    sentence, None when it does, or (sentinel, *path) while an unknown value decides it.

    `sourceAccount` must be the rule's account. A `sourceArn` naming Config rules of
    that account (`arn:aws:config:<region>:<account>:config-rule/...`, wildcards
    allowed) is accepted instead: Lambda matches it as `aws:SourceArn`, which AWS
    documents beside `aws:SourceAccount` as confused-deputy protection.
    """
    props = stack.props(permission)
    account = stack.account(rule)
    source_account, source_arn = props.get("sourceAccount"), props.get("sourceArn")
    if source_account is None and source_arn is None:
        return "names no sourceAccount or sourceArn, so any account's AWS Config could invoke it"
    for key, value in (("sourceAccount", source_account), ("sourceArn", source_arn)):
        if is_unknown(value):
            return (value, permission.name, key)
        if value is None:
            continue
        named = str(value) if key == "sourceAccount" else _config_rule_arn_account(str(value))
        if named is None:
            return f"has sourceArn {value}, which names no Config rule of one account"
        if account is None:
            reason = stack.unaccounted_reason(rule)
            return (reason.unknown_type_sentinel, rule.name, *reason.props)
        if account != DEFAULT_ACCOUNT and named != account:
            return f"has {key} {value}, another account than the rule's {account}"
    return None


def _config_rule_arn_account(arn: str) -> str | None:
    """The account of a Config rule ARN (pattern), None when it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "config":
        return None
    if not parts[5].startswith("config-rule/"):
        return None
    return parts[4] if parts[4].isdigit() and len(parts[4]) == 12 else None


def _check_invocable(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    rule: PolicyResource,
    function: PolicyResource,
) -> None:
    granting: list[PolicyResource] = []
    problems: list[str] = []
    maybe: tuple[Any, ...] | None = None
    for permission in stack.referrers(function, LAMBDA_PERMISSION, "function", LAMBDA_FUNCTION):
        props = stack.props(permission)
        principal, action = props.get("principal"), props.get("action")
        unknown = next(
            (
                (v, permission.name, k)
                for k, v in (("principal", principal), ("action", action))
                if is_unknown(v)
            ),
            None,
        )
        if unknown is None and principal != CONFIG_PRINCIPAL:
            continue
        if unknown is None and str(action).lower() not in INVOKE_ACTIONS:
            problems.append(f"{permission.name} allows {action}, not lambda:InvokeFunction")
            continue
        problem = unknown or _scope_problem(stack, permission, rule)
        if problem is None:
            granting.append(permission)
        elif isinstance(problem, tuple):
            maybe = maybe or problem
        else:
            problems.append(f"{permission.name} {problem}")
    fn_name = display_name(function, stack.props(function))
    if not granting:
        if maybe is not None:
            undecided.note(*maybe)
            return
        why = f" ({'; '.join(problems)})" if problems else ""
        report_violation(
            f"The Lambda function {fn_name} of CUSTOM_LAMBDA rule {rule.name} must have a "
            f"lambda.Permission letting {CONFIG_PRINCIPAL} call lambda:InvokeFunction, "
            "scoped to the rule's own account with `sourceAccount` (or a `sourceArn` of "
            f"that account's Config rules){why}; otherwise AWS Config cannot invoke it, or "
            "any account's Config could.",
            rule.urn,
        )
    elif not depends_on(rule, granting):
        report_violation(
            f"The CUSTOM_LAMBDA rule {rule.name} must depend on the lambda.Permission "
            f"({', '.join(p.name for p in granting)}) that lets AWS Config invoke {fn_name}; "
            "otherwise its first evaluations can fail before the permission exists.",
            rule.urn,
        )


custom_rule_invocable = StackValidationPolicy(
    name="custom-rule-invocable",
    description=(
        "A CUSTOM_LAMBDA Config rule whose function is in the stack must be invocable by "
        "AWS Config of its own account only: a config.amazonaws.com lambda:InvokeFunction "
        "permission with that account's sourceAccount (or Config rule sourceArn), created "
        "first."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=custom_rule_invocable_validator,
)


# --- conformance-pack-bucket-prefix ------------------------------------------------------


def conformance_pack_bucket_prefix_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type != ORG_CONFORMANCE_PACK:
        return
    # Raises UnknownValueError (advisory) while the bucket name is unknown.
    bucket = args.props.get("deliveryS3Bucket")
    if isinstance(bucket, str) and bucket and not bucket.startswith(CONFORMS_PREFIX):
        report_violation(
            f"The organization conformance pack's delivery bucket must start with "
            f"`{CONFORMS_PREFIX}`; AWS rejects `{bucket}`.",
            args.urn,
        )


conformance_pack_bucket_prefix = ResourceValidationPolicy(
    name="conformance-pack-bucket-prefix",
    description=(
        "An organization conformance pack's delivery bucket, when set, must start with "
        "`awsconfigconforms`, as AWS requires."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=conformance_pack_bucket_prefix_validator,
)
