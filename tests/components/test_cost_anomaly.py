"""CostAnomalyAlerts: monitor or existing ARN, subscription shapes, SNS topic policy."""

from __future__ import annotations

import pytest
from rootguard.components import CostAnomalyAlerts, CostAnomalyAlertsArgs

from tests.conftest import Recorder, policy_document

ACCOUNT = "111111111111"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
EXISTING = "arn:aws:ce::111111111111:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def _run(mocks: Recorder, **overrides: object) -> None:
    args: CostAnomalyAlertsArgs = {
        "account_id": ACCOUNT,
        "home_region": "eu-west-1",
        "threshold_usd": 100,
        "emails": ["secops@example.com", "finops@example.com"],
    }
    args.update(overrides)  # type: ignore[typeddict-item]
    mocks.run(lambda: CostAnomalyAlerts("acct-cost", args))


def _subscription(mocks: Recorder, frequency: str) -> dict:
    (found,) = [s for s in mocks.of_type(SUBSCRIPTION) if s.inputs["frequency"] == frequency]
    return found.inputs


def test_cost_anomaly_creates_aws_services_monitor(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    monitor = pulumi_mocks.one(MONITOR)
    assert monitor.inputs["monitorType"] == "DIMENSIONAL"
    assert monitor.inputs["monitorDimension"] == "SERVICE"
    for subscription in pulumi_mocks.of_type(SUBSCRIPTION):
        assert subscription.property_dependencies["monitorArnLists"] == [monitor.urn]


def test_cost_anomaly_existing_monitor_arn_creates_no_monitor(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks, monitor_arn=EXISTING)
    assert pulumi_mocks.of_type(MONITOR) == []
    for subscription in pulumi_mocks.of_type(SUBSCRIPTION):
        assert subscription.inputs["monitorArnLists"] == [EXISTING]


def test_cost_anomaly_daily_subscription_emails_with_threshold_expression(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks, threshold_usd=250)
    daily = _subscription(pulumi_mocks, "DAILY")
    assert daily["subscribers"] == [
        {"type": "EMAIL", "address": "secops@example.com"},
        {"type": "EMAIL", "address": "finops@example.com"},
    ]
    assert daily["thresholdExpression"] == {
        "dimension": {
            "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            "matchOptions": ["GREATER_THAN_OR_EQUAL"],
            "values": ["250"],
        }
    }
    assert "threshold" not in daily


def test_cost_anomaly_fractional_threshold_kept(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks, threshold_usd=99.5)
    values = _subscription(pulumi_mocks, "DAILY")["thresholdExpression"]["dimension"]["values"]
    assert values == ["99.5"]


def test_cost_anomaly_no_emails_means_no_daily_subscription(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks, emails=[])
    frequencies = [s.inputs["frequency"] for s in pulumi_mocks.of_type(SUBSCRIPTION)]
    assert frequencies == ["IMMEDIATE"]


def test_cost_anomaly_immediate_subscription_goes_to_sns_topic(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    topic = pulumi_mocks.one(TOPIC)
    (immediate,) = [
        s for s in pulumi_mocks.of_type(SUBSCRIPTION) if s.inputs["frequency"] == "IMMEDIATE"
    ]
    (subscriber,) = immediate.inputs["subscribers"]
    assert subscriber["type"] == "SNS"
    assert immediate.property_dependencies["subscribers"] == [topic.urn]
    assert pulumi_mocks.one(TOPIC_POLICY).urn in immediate.dependencies
    assert "threshold" not in immediate.inputs
    assert immediate.inputs["thresholdExpression"]["dimension"]["values"] == ["100"]


def test_cost_anomaly_topic_policy_for_costalerts_of_this_account(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    topic = pulumi_mocks.one(TOPIC)
    policy = pulumi_mocks.one(TOPIC_POLICY)
    assert topic.inputs["region"] == "eu-west-1"
    assert policy.inputs["region"] == "eu-west-1"
    assert policy.property_dependencies["arn"] == [topic.urn]
    (statement,) = policy_document(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "costalerts.amazonaws.com"}
    assert statement["Action"] == "SNS:Publish"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_cost_anomaly_children_parented_to_component(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    component = pulumi_mocks.one("rootguard:cost_anomaly:CostAnomalyAlerts")
    children = [reg for reg in pulumi_mocks.registrations if reg is not component]
    assert {reg.parent for reg in children} == {component.urn}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"emails": [f"ops{i}@example.com" for i in range(11)]}, "at most 10"),
        ({"threshold_usd": 0}, "greater than 0"),
    ],
)
def test_cost_anomaly_bad_args_raise(
    pulumi_mocks: Recorder, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _run(pulumi_mocks, **overrides)
