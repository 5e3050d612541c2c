"""AWS Config rules and conformance packs: creation order, custom-rule invocation and
the organization conformance pack's delivery bucket."""

from __future__ import annotations

from collections import defaultdict

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .placement import Placement
from .stack import StackIndex, depends_on, display_name, of_types, sources_of
from .tokens import (
    CONFIG_RULE,
    DELIVERY_CHANNEL,
    LAMBDA_FUNCTION,
    LAMBDA_PERMISSION,
    ORG_CONFORMANCE_PACK,
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
    undecided.settle()


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
    stack declares one there."""
    if not prerequisites:
        return
    by_place: dict[Placement | None, list[PolicyResource]] = defaultdict(list)
    for prerequisite in prerequisites:
        by_place[stack.placement(prerequisite)].append(prerequisite)
    unplaced = by_place.get(None, [])
    for dependent in dependents:
        place = stack.placement(dependent)
        if place is None:
            undecided.note_error(stack.unplaced_reason(dependent), dependent.name)
            continue
        same_place = by_place.get(place, [])
        if same_place:
            if not depends_on(dependent, same_place):
                report_violation(
                    message.format(
                        name=dependent.name,
                        place=place,
                        target=", ".join(p.name for p in same_place),
                    ),
                    dependent.urn,
                )
        elif unplaced and not depends_on(dependent, unplaced):
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
    permissions = stack.of_type(LAMBDA_PERMISSION)
    for rule in stack.of_type(CONFIG_RULE):
        props = stack.props(rule)
        owner = dig(props, "source", "owner")
        if is_unknown(owner):
            undecided.note(owner, rule.name, "source", "owner")
            continue
        if owner != "CUSTOM_LAMBDA":
            continue
        identifier = dig(props, "source", "sourceIdentifier")
        targets = sources_of(rule, "source", of_types(LAMBDA_FUNCTION))
        targets += [
            f for f in functions if f not in targets and _names_function(stack, identifier, f)
        ]
        for function in targets:
            _check_invocable(stack, undecided, report_violation, rule, function, permissions)
    undecided.settle()


def _function_names(stack: StackIndex, function: PolicyResource) -> set[str]:
    """Known strings that identify a function: its name, its ARN."""
    props = stack.props(function)
    names = {props.get("name"), props.get("arn")}
    return {n for n in names if isinstance(n, str) and n and not is_unknown(n)}


def _names_function(stack: StackIndex, value: object, function: PolicyResource) -> bool:
    """True when a known string (a name or ARN) names `function`."""
    if not isinstance(value, str) or is_unknown(value):
        return False
    names = _function_names(stack, function)
    short = value.split(":function:", 1)[1].split(":")[0] if ":function:" in value else value
    return value in names or short in names


def _check_invocable(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    rule: PolicyResource,
    function: PolicyResource,
    permissions: list[PolicyResource],
) -> None:
    granting: list[PolicyResource] = []
    maybe = False
    for permission in permissions:
        props = stack.props(permission)
        on_function = function in sources_of(
            permission, "function", of_types(LAMBDA_FUNCTION)
        ) or _names_function(stack, props.get("function"), function)
        if not on_function:
            continue
        principal, source_account = props.get("principal"), props.get("sourceAccount")
        if is_unknown(principal) or is_unknown(source_account):
            maybe = True
            undecided.note(
                principal if is_unknown(principal) else source_account,
                permission.name,
                "principal" if is_unknown(principal) else "sourceAccount",
            )
        elif principal == CONFIG_PRINCIPAL and isinstance(source_account, str) and source_account:
            granting.append(permission)
    fn_name = display_name(function, stack.props(function))
    if not granting:
        if not maybe:
            report_violation(
                f"The Lambda function {fn_name} of CUSTOM_LAMBDA rule {rule.name} must have "
                f"a lambda.Permission for {CONFIG_PRINCIPAL} with `sourceAccount` set; "
                "otherwise AWS Config cannot invoke it (or any account's Config could).",
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
        "AWS Config: a config.amazonaws.com permission with sourceAccount, created first."
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
