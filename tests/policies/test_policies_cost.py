"""cost-anomaly-alerts-present, cost-anomaly-subscription-valid."""

from typing import Any

from policykit import (
    PROD,
    STAGING,
    UNKNOWN_ARRAY,
    UNKNOWN_STRING,
    Stack,
    aws_provider,
    check_resource,
    check_resource_preview,
)

from policies.rootguard_policies.cost import (
    cost_anomaly_alerts_present,
    cost_anomaly_subscription_valid,
)
from policies.rootguard_policies.tokens import ANOMALY_MONITOR, ANOMALY_SUBSCRIPTION, RECORDER

PROD_P, STAGING_P = aws_provider(PROD), aws_provider(STAGING)
THRESHOLD = {"dimension": {"key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "values": ["100"]}}


def _alerting(stack: Stack, provider: Any, *, preview: bool = True, name: str = "prod") -> None:
    monitor = stack.add(
        ANOMALY_MONITOR,
        f"{name}-monitor",
        {"monitorType": "DIMENSIONAL", "monitorDimension": "SERVICE"},
        provider=provider,
    )
    arns = UNKNOWN_ARRAY if preview else [f"arn:aws:ce::{PROD}:anomalymonitor/{name}"]
    stack.add(
        ANOMALY_SUBSCRIPTION,
        f"{name}-subscription",
        {"monitorArnLists": arns, "frequency": "DAILY"},
        provider=provider,
        prop_deps={"monitorArnLists": [monitor]},
    )


# --- cost-anomaly-alerts-present


def test_cost_anomaly_alerts_present_every_account_alerting_passes() -> None:
    stack = Stack()
    _alerting(stack, PROD_P)
    _alerting(stack, STAGING_P, name="staging", preview=False)
    stack.add(RECORDER, "recorder", {}, provider=STAGING_P)
    assert not stack.check(cost_anomaly_alerts_present).violations


def test_cost_anomaly_alerts_present_account_without_subscription_fails() -> None:
    stack = Stack()
    _alerting(stack, PROD_P)
    stack.add(RECORDER, "recorder", {}, provider=STAGING_P)
    reporter = stack.check(cost_anomaly_alerts_present)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(
        f"The account {STAGING} must have a Cost Anomaly Detection subscription"
    )
    assert reporter.urns == [STAGING_P.urn]


def test_cost_anomaly_alerts_present_monitor_in_no_subscription_fails() -> None:
    stack = Stack()
    _alerting(stack, PROD_P)
    stack.add(ANOMALY_MONITOR, "orphan", {"name": "orphan"}, provider=PROD_P)
    reporter = stack.check(cost_anomaly_alerts_present)
    assert reporter.messages == [
        "The anomaly monitor orphan must be named by an anomaly subscription; a monitor "
        "without one detects anomalies that nobody hears about."
    ]


def test_cost_anomaly_alerts_present_subscription_without_monitor_fails() -> None:
    stack = Stack()
    stack.add(ANOMALY_SUBSCRIPTION, "empty", {"monitorArnLists": []}, provider=PROD_P)
    assert len(stack.check(cost_anomaly_alerts_present).violations) == 1


def test_cost_anomaly_alerts_present_unknown_arns_without_graph_raises_unknown() -> None:
    stack = Stack()
    stack.add(ANOMALY_SUBSCRIPTION, "s", {"monitorArnLists": UNKNOWN_ARRAY}, provider=PROD_P)
    reporter, err = stack.check_preview(cost_anomaly_alerts_present)
    assert not reporter.violations
    assert err.props == ["s", "monitorArnLists"]


# --- cost-anomaly-subscription-valid


def _subscription(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "frequency": "DAILY",
        "monitorArnLists": ["arn:aws:ce::1:anomalymonitor/x"],
        "subscribers": [{"type": "EMAIL", "address": "secops@example.com"}],
        "thresholdExpression": THRESHOLD,
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def _violations(**overrides: Any) -> list[str]:
    props = _subscription(**overrides)
    return check_resource(cost_anomaly_subscription_valid, ANOMALY_SUBSCRIPTION, props).messages


def test_cost_anomaly_subscription_valid_daily_email_passes() -> None:
    assert _violations() == []


def test_cost_anomaly_subscription_valid_immediate_sns_passes() -> None:
    sns = [{"type": "SNS", "address": "arn:aws:sns:us-east-1:1:alerts"}]
    assert _violations(frequency="IMMEDIATE", subscribers=sns) == []


def test_cost_anomaly_subscription_valid_deprecated_threshold_fails() -> None:
    assert _violations(threshold=100) == [
        "The anomaly subscription must use `thresholdExpression`, not the deprecated `threshold`."
    ]


def test_cost_anomaly_subscription_valid_no_threshold_expression_fails() -> None:
    assert len(_violations(thresholdExpression=None)) == 1


def test_cost_anomaly_subscription_valid_no_subscriber_fails() -> None:
    assert _violations(subscribers=[]) == [
        "The anomaly subscription must have at least one subscriber."
    ]


def test_cost_anomaly_subscription_valid_sns_daily_fails() -> None:
    sns = [{"type": "SNS", "address": "arn:aws:sns:us-east-1:1:alerts"}]
    messages = _violations(subscribers=sns)
    assert len(messages) == 1 and "IMMEDIATE" in messages[0]


def test_cost_anomaly_subscription_valid_email_immediate_fails() -> None:
    messages = _violations(frequency="IMMEDIATE")
    assert len(messages) == 1 and "DAILY or WEEKLY" in messages[0]


def test_cost_anomaly_subscription_valid_eleven_emails_fails() -> None:
    emails = [{"type": "EMAIL", "address": f"a{i}@example.com"} for i in range(11)]
    messages = _violations(subscribers=emails)
    assert messages == [
        "The anomaly subscription must have at most 10 EMAIL subscribers; it has 11."
    ]


def test_cost_anomaly_subscription_valid_ten_emails_passes() -> None:
    emails = [{"type": "EMAIL", "address": f"a{i}@example.com"} for i in range(10)]
    assert _violations(subscribers=emails, frequency="WEEKLY") == []


def test_cost_anomaly_subscription_valid_sns_and_email_fails() -> None:
    mixed = [
        {"type": "SNS", "address": "arn:aws:sns:us-east-1:1:t"},
        {"type": "EMAIL", "address": "a@b.c"},
    ]
    messages = _violations(subscribers=mixed, frequency="IMMEDIATE")
    assert any("not both" in m for m in messages)


def test_cost_anomaly_subscription_valid_two_sns_fails() -> None:
    sns = [{"type": "SNS", "address": f"arn:aws:sns:us-east-1:1:t{i}"} for i in range(2)]
    assert _violations(subscribers=sns, frequency="IMMEDIATE") == [
        "The anomaly subscription must have exactly one SNS subscriber, not several."
    ]


def test_cost_anomaly_subscription_valid_unknown_frequency_raises_unknown() -> None:
    props = _subscription(frequency=UNKNOWN_STRING)
    reporter, err = check_resource_preview(
        cost_anomaly_subscription_valid, ANOMALY_SUBSCRIPTION, props
    )
    assert not reporter.violations
    assert err.props == ["frequency"]


def test_cost_anomaly_subscription_valid_unknown_address_passes() -> None:
    # The topic ARN is unknown on a first preview; only the type matters.
    sns = [{"type": "SNS", "address": UNKNOWN_STRING}]
    assert _violations(frequency="IMMEDIATE", subscribers=sns) == []


def test_cost_anomaly_subscription_valid_other_type_ignored_passes() -> None:
    reporter = check_resource(cost_anomaly_subscription_valid, ANOMALY_MONITOR, {"threshold": 1})
    assert not reporter.violations
