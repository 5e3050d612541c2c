"""Cost Anomaly Detection alerts for one account.

An AWS-services monitor (DIMENSIONAL / SERVICE) - or an existing one, since AWS allows only
one per account and new accounts may already have it - a DAILY digest to up to 10 email
addresses, and an SNS topic with an IMMEDIATE subscription for chat or paging. Both
subscriptions report anomalies whose total impact is at least `threshold_usd`.
Cost Explorer is a global service (its endpoint is us-east-1); the topic lives in the home
region.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired, TypedDict

from .validation import (
    MAX_ALERT_EMAILS,
    MONITOR_ARN,
    REGION,
    InvalidArgument,
    check_account_id,
    check_emails,
)

TYPE = "rootguard:cost_anomaly:CostAnomalyAlerts"
MAX_EMAILS = MAX_ALERT_EMAILS
COST_ALERTS_SERVICE = "costalerts.amazonaws.com"
MONITOR_NAMES = {"SERVICE": "aws-services", "LINKED_ACCOUNT": "linked-accounts"}
"""The AWS-managed monitor dimensions rootguard uses, and the monitor name of each."""


class CostAnomalyAlertsArgs(TypedDict):
    account_id: pulumi.Input[str]
    """The account whose cost anomalies may publish to the topic (aws:SourceAccount)."""
    home_region: str
    """Region of the SNS topic."""
    threshold_usd: float
    """Report anomalies with a total impact of at least this many US dollars."""
    emails: NotRequired[Sequence[str]]
    """Receivers of the DAILY digest, at most 10; none means no email subscription."""
    monitor_arn: NotRequired[str]
    """An existing AWS-services monitor to subscribe to; when set no monitor is created."""
    name_prefix: NotRequired[str]
    """Prefix of the monitor and subscription names (default "rootguard-")."""
    monitor_dimension: NotRequired[str]
    """`SERVICE` (default): an AWS-services monitor of this account. `LINKED_ACCOUNT`, in the
    management (payer) account: one AWS-managed monitor that evaluates every linked
    account on its own, new accounts included (AnomalyMonitor, Cost Explorer API
    reference: "up to the top 5,000 values by cost within a dimension")."""


class CostAnomalyAlerts(pulumi.ComponentResource):
    """Monitor (or an existing one), DAILY email digest and IMMEDIATE SNS alerts."""

    monitor_arn: pulumi.Output[str]
    """ARN of the monitor the subscriptions watch (created or given)."""
    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic receiving IMMEDIATE alerts: subscribe chat or paging to it."""
    subscriptions: dict[str, aws.costexplorer.AnomalySubscription]
    """Subscriptions by frequency ("DAILY" only with emails, "IMMEDIATE" always)."""

    def __init__(
        self,
        name: str,
        args: CostAnomalyAlertsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        super().__init__(TYPE, name, None, opts)
        emails = list(args.get("emails", []))
        prefix = args.get("name_prefix", "rootguard-")
        home_region = args["home_region"]
        child = pulumi.ResourceOptions(parent=self)

        dimension = args.get("monitor_dimension", "SERVICE")
        existing = args.get("monitor_arn")
        if existing is None:
            monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-monitor",
                name=f"{prefix}{MONITOR_NAMES[dimension]}",
                monitor_type="DIMENSIONAL",
                monitor_dimension=dimension,
                opts=child,
            )
            self.monitor_arn = monitor.arn
        else:
            self.monitor_arn = pulumi.Output.from_input(existing)

        threshold = threshold_expression(args["threshold_usd"])
        self.subscriptions = {}
        if emails:
            self.subscriptions["DAILY"] = aws.costexplorer.AnomalySubscription(
                f"{name}-daily",
                name=f"{prefix}daily",
                frequency="DAILY",
                monitor_arn_lists=[self.monitor_arn],
                subscribers=[
                    aws.costexplorer.AnomalySubscriptionSubscriberArgs(type="EMAIL", address=email)
                    for email in emails
                ],
                threshold_expression=threshold,
                opts=child,
            )

        topic = aws.sns.Topic(f"{name}-topic", region=home_region, opts=child)
        topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, args["account_id"]).apply(
                lambda values: json.dumps(cost_alerts_topic_policy(values[0], values[1]))
            ),
            region=home_region,
            opts=child,
        )
        self.subscriptions["IMMEDIATE"] = aws.costexplorer.AnomalySubscription(
            f"{name}-immediate",
            name=f"{prefix}immediate",
            frequency="IMMEDIATE",
            monitor_arn_lists=[self.monitor_arn],
            subscribers=[
                aws.costexplorer.AnomalySubscriptionSubscriberArgs(type="SNS", address=topic.arn)
            ],
            threshold_expression=threshold,
            # Cost Anomaly Detection checks that it may publish to the topic when the
            # subscription is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[topic_policy]),
        )
        self.topic_arn = topic.arn
        self.register_outputs({"monitor_arn": self.monitor_arn, "topic_arn": self.topic_arn})


def validate_args(args: CostAnomalyAlertsArgs) -> None:
    """Reject malformed args before anything is registered (the stack config's rules)."""
    check_account_id(args["account_id"], "CostAnomalyAlerts account_id")
    REGION.check(args["home_region"], "CostAnomalyAlerts home_region")
    threshold = args["threshold_usd"]
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 < threshold < float("inf")
    ):
        raise InvalidArgument(
            "CostAnomalyAlerts threshold_usd", threshold, "a number of US dollars greater than 0"
        )
    # AWS refuses a subscription with more than 10 subscribers, or one listed twice.
    check_emails(list(args.get("emails", [])), "CostAnomalyAlerts emails", limit=MAX_EMAILS)
    monitor = args.get("monitor_arn")
    if monitor is not None:
        MONITOR_ARN.check(monitor, "CostAnomalyAlerts monitor_arn")
    dimension = args.get("monitor_dimension", "SERVICE")
    if dimension not in MONITOR_NAMES:
        raise InvalidArgument(
            "CostAnomalyAlerts monitor_dimension", dimension, "one of " + ", ".join(MONITOR_NAMES)
        )


def threshold_expression(
    threshold_usd: float,
) -> aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs:
    """Total impact >= threshold_usd (the non-deprecated form of a dollar threshold)."""
    return aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
        dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
            key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            match_options=["GREATER_THAN_OR_EQUAL"],
            values=[_dollars(threshold_usd)],
        )
    )


def _dollars(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def cost_alerts_topic_policy(topic_arn: str, account_id: str) -> dict[str, Any]:
    """Lets Cost Anomaly Detection of `account_id` (only) publish to the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCostAnomalyDetection",
                "Effect": "Allow",
                "Principal": {"Service": COST_ALERTS_SERVICE},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
