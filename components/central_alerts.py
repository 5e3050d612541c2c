"""`CentralRootActivity`: the organization's one root-activity alarm.

Every member's forwarding rules (the member-baseline template) put root console sign-ins
and root API calls on this custom event bus; one rule on it publishes to one SNS topic
with one set of email subscriptions, so each address confirms once for the whole
organization. The bus accepts events only from principals of this organization. Give it
the security account's provider (`opts=ResourceOptions(provider=...)`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .root_signin_alarm import RULE_STATE, declare_alarm_topic, root_activity_event_pattern
from .validation import PARTITION, REGION, check_emails

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:central_alerts:CentralRootActivity"
BUS_NAME = "rootguard-root-activity"
RULE_NAME = "rootguard-organization-root-activity"
TOPIC_NAME = "rootguard-organization-root-activity"


class CentralRootActivityArgs(TypedDict):
    organization_id: pulumi.Input[str]
    """The organization whose accounts may put events on the bus (`o-...`)."""
    account_id: pulumi.Input[str]
    """The account the bus is in (the security account's provider's)."""
    region: str
    """Region of the bus, rule and topic (the home region): every member region forwards
    here."""
    alarm_emails: NotRequired[Sequence[str]]
    """Subscribed to the topic once each (default none)."""


def organization_root_activity_pattern() -> dict[str, Any]:
    """The events an account's own alarm matches, from any account: the bus policy
    already admits only this organization."""
    pattern = root_activity_event_pattern("000000000000")
    del pattern["account"]
    return pattern


def organization_bus_policy(bus_arn: str, organization_id: str) -> dict[str, Any]:
    """Principals of this organization (only) may put events on the bus.

    EventBridge grants a whole organization with principal `*` and `aws:PrincipalOrgID`;
    the senders' rules must then name a role (EventBridge API reference, PutPermission),
    which the member template's forwarders do.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OrganizationRootActivity",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": bus_arn,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            }
        ],
    }


class CentralRootActivity(pulumi.ComponentResource):
    """The organization's event bus for root activity, its rule, topic and subscriptions."""

    event_bus_arn: pulumi.Output[str]
    """ARN of the bus: the member template's EventBusArn."""
    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic every root-activity event is published to."""

    def __init__(
        self,
        name: str,
        args: CentralRootActivityArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        REGION.check(args["region"], "CentralRootActivity region")
        check_emails(list(args.get("alarm_emails", [])), "CentralRootActivity alarm_emails")
        super().__init__(TYPE, name, None, opts)
        region = args["region"]
        child = pulumi.ResourceOptions(parent=self)

        bus = aws.cloudwatch.EventBus(f"{name}-bus", name=BUS_NAME, region=region, opts=child)
        # Written from the bus's name and account, not its `arn` output: known during a
        # preview, so the members' forwarding target (and the policy pack's verdict on
        # it) is too. Format: arn:${Partition}:events:${Region}:${Account}:event-bus/
        # ${EventBusName} (Service Authorization Reference, Amazon EventBridge).
        bus_arn = pulumi.Output.all(bus.name, args["account_id"]).apply(
            lambda values: f"arn:{PARTITION}:events:{region}:{values[1]}:event-bus/{values[0]}"
        )
        self.bus_policy: aws.cloudwatch.EventBusPolicy = aws.cloudwatch.EventBusPolicy(
            f"{name}-bus-policy",
            event_bus_name=bus.name,
            policy=pulumi.Output.all(bus_arn, args["organization_id"]).apply(
                lambda values: json.dumps(organization_bus_policy(values[0], values[1]))
            ),
            region=region,
            opts=child,
        )
        """Members' forwarders fail to deliver until it exists."""
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=RULE_NAME,
            description="Root user console sign-in or API call in any account (rootguard).",
            event_bus_name=bus.name,
            event_pattern=json.dumps(organization_root_activity_pattern()),
            # Read-only calls too: the state is valid on custom buses as well (EventBridge
            # user guide, "Receiving read-only management events").
            state=RULE_STATE,
            region=region,
            opts=child,
        )
        topic = declare_alarm_topic(
            self,
            name,
            topic_name=TOPIC_NAME,
            rule=rule,
            region=region,
            emails=args.get("alarm_emails", []),
            event_bus_name=bus.name,
        )

        self.event_bus_arn = bus_arn
        self.topic_arn = topic.arn
        self.register_outputs({"event_bus_arn": self.event_bus_arn, "topic_arn": self.topic_arn})
