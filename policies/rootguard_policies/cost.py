"""Cost Anomaly Detection: every account alerts someone, and subscriptions are valid.

A subscription naming a linked-account monitor (DIMENSIONAL, dimension LINKED_ACCOUNT)
covers every account of the organization: "AWS managed monitors automatically track up
to the top 5,000 values by cost within a dimension ... If you start incurring cost in a
new value of your chosen dimension, it will automatically be analyzed" (Billing and Cost
Management API reference, AnomalyMonitor `MonitorType`). It sees the linked accounts
when it is in the management (payer) account, where an organization stack puts it; so
it covers too the accounts a StackSet reaches through its target OUs (`templates`).
"""

from __future__ import annotations

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

from .placement import the_account
from .stack import StackIndex, account_urn, display_name, of_types, sources_of
from .templates import MEMBER_ACCOUNT, reaches_members, the_accounts_reached
from .tokens import ANOMALY_MONITOR, ANOMALY_SUBSCRIPTION
from .values import Undecided, as_list, is_unknown, read

LINKED_ACCOUNT = ("DIMENSIONAL", "LINKED_ACCOUNT")
"""(monitorType, monitorDimension) of a monitor that evaluates every linked account."""

MAX_EMAIL_SUBSCRIBERS = 10
EMAIL_FREQUENCIES = ("DAILY", "WEEKLY")


# --- cost-anomaly-alerts-present ---------------------------------------------------------


def _named_monitors(
    stack: StackIndex, subscription: PolicyResource, monitors: list[PolicyResource]
) -> tuple[list[PolicyResource], bool, Any]:
    """The stack's monitors a subscription names, whether it names any monitor at all
    (a known non-empty list or a graph edge), and the sentinel when its list is unknown.

    An unknown list is decided by the graph: every stack monitor whose ARN flows into it
    is one of its property dependencies."""
    arns = stack.props(subscription).get("monitorArnLists")
    named = sources_of(subscription, "monitorArnLists", of_types(ANOMALY_MONITOR))
    known = [a for a in as_list(arns) if isinstance(a, str) and not is_unknown(a)]
    for monitor in monitors:
        arn = stack.props(monitor).get("arn")
        if monitor not in named and isinstance(arn, str) and arn in known:
            named.append(monitor)
    unknown = arns if is_unknown(arns) else next((a for a in as_list(arns) if is_unknown(a)), None)
    return named, bool(named or known), unknown


def _linked_accounts(stack: StackIndex, monitors: list[PolicyResource]) -> Any:
    """True when one of the monitors evaluates every linked account, False when none
    does, the sentinel of an unknown type or dimension that may decide it."""
    pending: Any = False
    for monitor in monitors:
        props = stack.props(monitor)
        kind = (props.get("monitorType"), props.get("monitorDimension"))
        if kind == LINKED_ACCOUNT:
            return True
        unknown = next((v for v in kind if is_unknown(v)), None)
        if unknown is not None and pending is False:
            pending = unknown
    return pending


def _subscription_account(stack: StackIndex, subscription: PolicyResource) -> str | None:
    account_id = stack.props(subscription).get("accountId")
    if isinstance(account_id, str) and account_id and not is_unknown(account_id):
        return account_id
    return stack.account(subscription)


def cost_anomaly_alerts_present_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    monitors = stack.of_type(ANOMALY_MONITOR)
    alerting: set[str] = set()
    maybe_alerting: dict[str | None, tuple[Any, ...]] = {}
    in_subscription: set[str] = set()
    everywhere: Any = False  # a subscription naming a linked-account monitor
    for subscription in stack.of_type(ANOMALY_SUBSCRIPTION):
        named, names_any, unknown = _named_monitors(stack, subscription, monitors)
        in_subscription.update(m.urn for m in named)
        linked = _linked_accounts(stack, named)
        if linked is True or (is_unknown(linked) and everywhere is False):
            everywhere = linked
        if is_unknown(linked):
            maybe_alerting[None] = (linked, subscription.name, "monitorArnLists")
        account = _subscription_account(stack, subscription)
        if account is None:
            reason = stack.unaccounted_reason(subscription)
            maybe_alerting[None] = (reason.unknown_type_sentinel, subscription.name, *reason.props)
        elif names_any:
            alerting.add(account)
        elif unknown is not None:
            maybe_alerting[account] = (unknown, subscription.name, "monitorArnLists")

    first_of_account, unaccounted = stack.first_of_each_account()
    if everywhere is not True:
        for resource in unaccounted:
            undecided.note_error(stack.unaccounted_reason(resource), resource.name)
    members = reaches_members(stack)
    judged: dict[str, PolicyResource] = dict(first_of_account)
    if members:
        judged[MEMBER_ACCOUNT] = members[0].source
    for account, resource in judged.items():
        if account in alerting or everywhere is True:
            continue
        if account == MEMBER_ACCOUNT:
            if is_unknown(everywhere):
                undecided.note(everywhere, resource.name, "monitorType")
                continue
            report_violation(
                f"{the_accounts_reached(members)} must be watched by a Cost Anomaly "
                "Detection subscription naming a linked-account monitor (monitorType "
                "DIMENSIONAL, monitorDimension LINKED_ACCOUNT) in the management account; "
                "a monitor of one account does not see the others' bills.",
                resource.urn,
            )
            continue
        maybe = maybe_alerting.get(account) or maybe_alerting.get(None)
        if maybe is not None:
            undecided.note(*maybe)
            continue
        report_violation(
            f"{the_account(account)} must have a Cost Anomaly Detection subscription that "
            "names at least one anomaly monitor; otherwise a runaway bill (often the first "
            "sign of stolen credentials) alerts nobody.",
            account_urn(resource),
        )
    for monitor in monitors:
        if monitor.urn in in_subscription:
            continue
        report_violation(
            f"The anomaly monitor {display_name(monitor, stack.props(monitor))} must be "
            "named by an anomaly subscription; a monitor without one detects anomalies "
            "that nobody hears about.",
            monitor.urn,
        )
    undecided.settle()


cost_anomaly_alerts_present = StackValidationPolicy(
    name="cost-anomaly-alerts-present",
    description=(
        "Every account the stack deploys into must have a Cost Anomaly Detection "
        "subscription naming a monitor, and every monitor must be in a subscription."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=cost_anomaly_alerts_present_validator,
)


# --- cost-anomaly-subscription-valid -----------------------------------------------------


def cost_anomaly_subscription_valid_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type != ANOMALY_SUBSCRIPTION:
        return
    undecided = Undecided()

    def violation(message: str) -> None:
        report_violation(message, args.urn)

    threshold = read(args.props, "threshold")
    if threshold is not None:
        violation(
            "The anomaly subscription must use `thresholdExpression`, not the deprecated "
            "`threshold`."
        )
    if read(args.props, "thresholdExpression") is None:
        violation(
            "The anomaly subscription must set a `thresholdExpression`, so that it alerts on "
            "anomalies that matter rather than on every cent."
        )

    subscribers = read(args.props, "subscribers")
    frequency = read(args.props, "frequency")
    if is_unknown(subscribers):
        undecided.note(subscribers, "subscribers")
        undecided.settle()
    types = [s.get("type") if isinstance(s, dict) else s for s in as_list(subscribers)]
    if not types:
        violation("The anomaly subscription must have at least one subscriber.")
    unknown_types = [t for t in types if is_unknown(t)]
    emails = sum(1 for t in types if t == "EMAIL")
    sns = sum(1 for t in types if t == "SNS")
    if emails and sns:
        violation(
            "The anomaly subscription must have EMAIL subscribers or one SNS subscriber, not both."
        )
    if sns > 1:
        violation("The anomaly subscription must have exactly one SNS subscriber, not several.")
    if emails > MAX_EMAIL_SUBSCRIBERS:
        violation(
            f"The anomaly subscription must have at most {MAX_EMAIL_SUBSCRIBERS} EMAIL "
            f"subscribers; it has {emails}."
        )
    if is_unknown(frequency):
        if emails or sns or unknown_types:
            undecided.note(frequency, "frequency")
    else:
        if sns and frequency != "IMMEDIATE":
            violation(
                "The anomaly subscription must use frequency IMMEDIATE with an SNS "
                f"subscriber; it uses {frequency or 'none'}."
            )
        if emails and frequency not in EMAIL_FREQUENCIES:
            violation(
                "The anomaly subscription must use frequency DAILY or WEEKLY with EMAIL "
                f"subscribers; it uses {frequency or 'none'}."
            )
    if unknown_types:
        undecided.note(unknown_types[0], "subscribers", "type")
    undecided.settle()


cost_anomaly_subscription_valid = ResourceValidationPolicy(
    name="cost-anomaly-subscription-valid",
    description=(
        "Cost anomaly subscriptions must be valid: a thresholdExpression (not the "
        "deprecated threshold), subscribers, and a frequency their type allows."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=cost_anomaly_subscription_valid_validator,
)
