"""`RootSigninAlarm`: an EventBridge rule on root activity, publishing to an SNS topic."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .validation import check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:root_signin_alarm:RootSigninAlarm"

ALARM_REGION = "us-east-1"
"""Where CloudTrail delivers root console sign-in events to EventBridge."""
EVENT_RULE_NAME = "rootguard-root-activity"
TOPIC_NAME = "rootguard-root-activity"


class RootSigninAlarmArgs(TypedDict):
    account_id: pulumi.Input[str]
    """Twelve-digit id of the watched account; the rule matches only its events."""
    region: NotRequired[str]
    """Region of the rule and topic. Default us-east-1, where root sign-ins are recorded."""
    alarm_emails: NotRequired[Sequence[str]]
    """Email addresses subscribed to the topic (each confirms once). Default none."""


def root_activity_event_pattern(account_id: str) -> dict[str, Any]:
    """Root console sign-ins and root API calls, not those an AWS service made for root."""
    return {
        "account": [account_id],
        "detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
        "detail": {
            "userIdentity": {
                "type": ["Root"],
                "invokedBy": [{"exists": False}],
            }
        },
    }


def topic_policy(topic_arn: str, event_rule_arn: str) -> dict[str, Any]:
    """Only this EventBridge rule may publish to the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RootActivityRulePublishes",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": event_rule_arn}},
            }
        ],
    }


class RootSigninAlarm(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic that receives every root activity event."""
    event_rule_arn: pulumi.Output[str]
    """ARN of the EventBridge rule."""

    def __init__(
        self,
        name: str,
        args: RootSigninAlarmArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        account_id = args["account_id"]
        check_account_id(account_id)
        super().__init__(TYPE, name, None, opts)
        region = args.get("region", ALARM_REGION)
        child = pulumi.ResourceOptions(parent=self)

        topic = aws.sns.Topic(f"{name}-topic", name=TOPIC_NAME, region=region, opts=child)
        event_rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=EVENT_RULE_NAME,
            description="Root user console sign-in or API call (rootguard).",
            event_pattern=pulumi.Output.from_input(account_id).apply(
                lambda account: json.dumps(root_activity_event_pattern(account))
            ),
            region=region,
            opts=child,
        )
        policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, event_rule.arn).apply(
                lambda arns: json.dumps(topic_policy(arns[0], arns[1]))
            ),
            region=region,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=event_rule.name,
            arn=topic.arn,
            region=region,
            # Events delivered before the topic policy exists are dropped (AccessDenied).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        for email in args.get("alarm_emails", []):
            # Named by address: reordering the list replaces nothing.
            aws.sns.TopicSubscription(
                f"{name}-email-{email}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                region=region,
                opts=child,
            )

        self.topic_arn = topic.arn
        self.event_rule_arn = event_rule.arn
        self.register_outputs({"topic_arn": self.topic_arn, "event_rule_arn": self.event_rule_arn})
