"""`RootSigninAlarm`: the root activity alarm of one account. Every root console sign-in and
every root API call, read-only ones included, in every region the account can be used
in, reaches one SNS topic in us-east-1.

Why it takes a rule per region, and what each rule must be (all from the EventBridge
user guide):

- "Rules in EventBridge only work in the Region where they're created ... you must create
  a separate rule in each Region that you want to track" ("Tutorial: Create an Amazon
  EventBridge rule for AWS CloudTrail API calls"). A root call to a regional service lands
  on that region's default bus; root console sign-ins and calls to IAM (a global service)
  land in us-east-1.
- An `ENABLED` rule matches events "except for read-only AWS management events delivered
  through CloudTrail"; `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` matches those too
  ("Receiving read-only management events from AWS services"). Root listing the account's
  resources is exactly what must alarm.
- A rule in another region forwards to the us-east-1 default bus: "Specifying an event
  bus in another AWS Region as a target is part of creating the rule" ("Sending and
  receiving events between AWS Regions"), with a role that may `events:PutEvents` there.
- "To record events with a detail-type value of AWS API Call via CloudTrail, a CloudTrail
  trail with logging enabled is required": the account needs a trail (an organization
  trail counts); this component does not create one.

Cost, per account: $0.00 a month in practice. AWS Knowledge Center, "Why was I charged for
EventBridge usage": "Events originating from other AWS services are free ... events from
another event bus incur a charge" (custom events, $1.00 per million): only the forwarded
root events are billed, a handful a month. Read-only management events come "at no
additional charge" (EventBridge announcement of read-only events). SNS email beyond its
free tier and the trail's own S3 storage are the only other costs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .trust import service_trust_policy
from .validation import (
    DEFAULT_ENABLED_REGIONS,
    REGION,
    InvalidArgument,
    check_account_id,
    check_emails,
    check_regions,
)

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:root_signin_alarm:RootSigninAlarm"

ALARM_REGION = "us-east-1"
"""Where CloudTrail delivers root console sign-in events (and IAM's) to EventBridge."""
EVENT_RULE_NAME = "rootguard-root-activity"
TOPIC_NAME = "rootguard-root-activity"
RULE_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
"""Read-only management events included (an `ENABLED` rule skips them)."""
EVENTS_SERVICE = "events.amazonaws.com"


class RootSigninAlarmArgs(TypedDict):
    account_id: pulumi.Input[str]
    """Twelve-digit id of the watched account; the rules match only its events."""
    region: NotRequired[str]
    """Region of the topic and of the rule that publishes to it. Default us-east-1, where
    root sign-ins are recorded; any other region gets a forwarding rule in us-east-1."""
    regions: NotRequired[Sequence[str]]
    """Every region the account can be used in: root API calls there alarm. Default (and
    always included) the regions enabled by default in every account; add the opt-in
    regions the account has enabled."""
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
                "Principal": {"Service": EVENTS_SERVICE},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": event_rule_arn}},
            }
        ],
    }


def declare_alarm_topic(
    parent: pulumi.Resource,
    name: str,
    *,
    topic_name: str,
    rule: aws.cloudwatch.EventRule,
    region: str,
    emails: Sequence[str],
    event_bus_name: pulumi.Input[str] | None = None,
) -> aws.sns.Topic:
    """Children of `parent`: the topic `{name}-topic` that only `rule` may publish to, its
    policy, the rule's target and one email subscription per address."""
    child = pulumi.ResourceOptions(parent=parent)
    topic = aws.sns.Topic(f"{name}-topic", name=topic_name, region=region, opts=child)
    policy = aws.sns.TopicPolicy(
        f"{name}-topic-policy",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, rule.arn).apply(
            lambda arns: json.dumps(topic_policy(arns[0], arns[1]))
        ),
        region=region,
        opts=child,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.name,
        event_bus_name=event_bus_name,
        arn=topic.arn,
        region=region,
        # Events delivered before the topic policy exists are dropped (AccessDenied).
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
    )
    for email in emails:
        # Named by address: reordering the list replaces nothing.
        aws.sns.TopicSubscription(
            f"{name}-email-{email}",
            topic=topic.arn,
            protocol="email",
            endpoint=email,
            region=region,
            opts=child,
        )
    return topic


def default_bus_arn(region: str, account_id: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/default"


def forwarding_policy(region: str, account_id: str) -> dict[str, Any]:
    """Put events on the alarm region's default bus, and nowhere else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ForwardRootActivity",
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": default_bus_arn(region, account_id),
            }
        ],
    }


def covered_regions(args: RootSigninAlarmArgs) -> list[str]:
    """The regions whose root activity alarms, sorted: `regions`, the regions enabled by
    default, the alarm region and us-east-1."""
    region = args.get("region", ALARM_REGION)
    return sorted({*args.get("regions", ()), *DEFAULT_ENABLED_REGIONS, ALARM_REGION, region})


def validate_args(args: RootSigninAlarmArgs) -> None:
    """Reject malformed args before anything is registered (the stack config's rules)."""
    check_account_id(args["account_id"], "RootSigninAlarm account_id")
    REGION.check(args.get("region", ALARM_REGION), "RootSigninAlarm region")
    regions = args.get("regions", ())
    if isinstance(regions, str):
        raise InvalidArgument("RootSigninAlarm regions", regions, "a list of AWS region names")
    check_regions(list(regions), "RootSigninAlarm regions")
    check_emails(list(args.get("alarm_emails", [])), "RootSigninAlarm alarm_emails")


class RootSigninAlarm(pulumi.ComponentResource):
    """Root console sign-ins and root API calls (read-only ones too) from every region the
    account can be used in, published to one SNS topic (see the module docstring)."""

    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic that receives every root activity event."""
    event_rule_arn: pulumi.Output[str]
    """ARN of the EventBridge rule that publishes to the topic."""

    def __init__(
        self,
        name: str,
        args: RootSigninAlarmArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        account_id = args["account_id"]
        super().__init__(TYPE, name, None, opts)
        region = args.get("region", ALARM_REGION)
        child = pulumi.ResourceOptions(parent=self)
        pattern = pulumi.Output.from_input(account_id).apply(
            lambda account: json.dumps(root_activity_event_pattern(account))
        )

        event_rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=EVENT_RULE_NAME,
            description="Root user console sign-in or API call (rootguard).",
            event_pattern=pattern,
            state=RULE_STATE,
            region=region,
            opts=child,
        )
        topic = declare_alarm_topic(
            self,
            name,
            topic_name=TOPIC_NAME,
            rule=event_rule,
            region=region,
            emails=args.get("alarm_emails", []),
        )

        sources = [r for r in covered_regions(args) if r != region]
        if sources:
            self._forward(name, account_id, region, sources, pattern, event_rule)

        self.topic_arn = topic.arn
        self.event_rule_arn = event_rule.arn
        self.register_outputs({"topic_arn": self.topic_arn, "event_rule_arn": self.event_rule_arn})

    def _forward(
        self,
        name: str,
        account_id: pulumi.Input[str],
        region: str,
        sources: list[str],
        pattern: pulumi.Output[str],
        central_rule: aws.cloudwatch.EventRule,
    ) -> None:
        """In every other region, a rule sending root activity to `region`'s default bus."""
        child = pulumi.ResourceOptions(parent=self)
        account = pulumi.Output.from_input(account_id)
        role = aws.iam.Role(
            f"{name}-forward-role",
            # No aws:SourceAccount: EventBridge documents none for target roles. The role
            # can only put events on this account's own bus, and only a principal of this
            # account may pass it to a rule (iam:PassRole).
            assume_role_policy=json.dumps(service_trust_policy(EVENTS_SERVICE)),
            description="Forwards root activity to the us-east-1 event bus (rootguard).",
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-forward-role-policy",
            role=role.id,
            policy=account.apply(lambda a: json.dumps(forwarding_policy(region, a))),
            opts=child,
        )
        bus = account.apply(lambda a: default_bus_arn(region, a))
        for source in sources:
            rule = aws.cloudwatch.EventRule(
                f"{name}-forward-{source}",
                name=EVENT_RULE_NAME,
                description=f"Root user activity, forwarded to {region} (rootguard).",
                event_pattern=pattern,
                state=RULE_STATE,
                region=source,
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-forward-{source}-target",
                rule=rule.name,
                arn=bus,
                role_arn=role.arn,
                region=source,
                # The first forwarded event must find the role allowed to put it, and a
                # rule publishing on the other side.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, central_rule]),
            )
