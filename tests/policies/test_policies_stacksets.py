"""The pack on an organization that fans out with StackSets (issue 11): the member
accounts' recorder, delivery channel and root-activity forwarder are resources of a
template body, landed by a StackSet's instances in the accounts of its target OUs (and by
a plain stack in the management account); the root-MFA rule comes from the organization.

Every coverage policy is shown on one such organization that passes, and on a twin that
lacks one thing and fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from policykit import UNKNOWN_STRING, Stack, aws_provider, urn

from policies.rootguard_policies.config_rules import config_ordering
from policies.rootguard_policies.cost import cost_anomaly_alerts_present
from policies.rootguard_policies.delivery import config_delivery_bucket_secure
from policies.rootguard_policies.delivery_writable import config_delivery_writable
from policies.rootguard_policies.root_activity import root_activity_alarmed
from policies.rootguard_policies.root_mfa import root_mfa_rule_present
from policies.rootguard_policies.stack import StackIndex
from policies.rootguard_policies.templates import (
    MEMBER_ACCOUNT,
    MEMBER_ACCOUNT_ID,
    UNRESOLVED,
    Reference,
    deployments,
    parse_template,
    template_resources,
)
from policies.rootguard_policies.tokens import (
    ANOMALY_MONITOR,
    ANOMALY_SUBSCRIPTION,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    EVENT_BUS,
    EVENT_RULE,
    EVENT_TARGET,
    ORG_MANAGED_RULE,
    STACK,
    STACK_SET,
    STACK_SET_INSTANCE,
)

MANAGEMENT, LOG_ARCHIVE, SECURITY = "999999999999", "555555555555", "777777777777"
ORG = "o-abcdef1234"
HOME = aws_provider(MANAGEMENT, "us-east-1", name="management")
LOGS = aws_provider(LOG_ARCHIVE, "us-east-1", name="log-archive")
SEC = aws_provider(SECURITY, "us-east-1", name="security")
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_NAME = "rootguard-config-org"
BUS_NAME = "rootguard-root-activity"
BUS_ARN = f"arn:aws:events:us-east-1:{SECURITY}:event-bus/{BUS_NAME}"
ALL = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
ROOT_PATTERN = {
    "detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
}
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}


def member_template(*, forwarder: bool = True, state: str = ALL) -> dict[str, Any]:
    """A member baseline as rootguard's is written: the recorder with its role and the
    delivery channel (unless RecorderMode is skip), and a forwarder on the default bus."""
    delivery_statement = {
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": {
            "Fn::Sub": "arn:${AWS::Partition}:s3:::${DeliveryBucketName}/AWSLogs/"
            "${AWS::AccountId}/Config/*"
        },
    }
    resources: dict[str, Any] = {
        "RecorderRole": {
            "Type": "AWS::IAM::Role",
            "Condition": "CreateRecorder",
            "Properties": {
                "RoleName": {"Fn::Sub": "rootguard-config-recorder-${AWS::Region}"},
                "ManagedPolicyArns": [
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWS_ConfigRole"}
                ],
                "Policies": [
                    {
                        "PolicyName": "delivery",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [delivery_statement],
                        },
                    }
                ],
            },
        },
        "ConfigurationRecorder": {
            "Type": "AWS::Config::ConfigurationRecorder",
            "Condition": "CreateRecorder",
            "Properties": {
                "RoleARN": {"Fn::GetAtt": ["RecorderRole", "Arn"]},
                "RecordingGroup": {"AllSupported": True},
            },
        },
        "DeliveryChannel": {
            "Type": "AWS::Config::DeliveryChannel",
            "Condition": "CreateRecorder",
            "Properties": {"S3BucketName": {"Ref": "DeliveryBucketName"}},
        },
    }
    if forwarder:
        resources["RootActivityForwarder"] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": "default",
                "State": state,
                "EventPattern": ROOT_PATTERN,
                "Targets": [
                    {
                        "Id": "organization-bus",
                        "Arn": {"Ref": "EventBusArn"},
                        "RoleArn": {"Fn::GetAtt": ["ForwarderRole", "Arn"]},
                    }
                ],
            },
        }
        resources["ForwarderRole"] = {"Type": "AWS::IAM::Role", "Properties": {}}
    return {
        "Parameters": {
            "DeliveryBucketName": {"Type": "String"},
            "EventBusArn": {"Type": "String"},
            "RecorderMode": {"Type": "String", "Default": "create"},
        },
        "Conditions": {"CreateRecorder": {"Fn::Equals": [{"Ref": "RecorderMode"}, "create"]}},
        "Resources": resources,
    }


def bucket_policy(*, source: dict[str, Any] | None = None, tls: bool = True) -> str:
    """The central bucket's policy: Config's writes for this organization's accounts
    (`source` replaces the organization condition), and the TLS-only deny."""
    condition = source or {"StringEquals": {"aws:SourceOrgID": ORG}}
    arn = f"arn:aws:s3:::{BUCKET_NAME}"
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": arn,
            "Condition": condition,
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/AWSLogs/*/Config/*",
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    **condition["StringEquals"],
                }
            },
        },
    ]
    if tls:
        statements.append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def add_stack_set(
    stack: Stack,
    name: str,
    body: str,
    parameters: dict[str, Any],
    *,
    ou: str,
    overrides: dict[str, Any] | None = None,
    sources: dict[str, Any] | None = None,
) -> Any:
    """A service-managed StackSet called as SELF, with one instance in us-east-1 for the
    accounts of `ou`; returns the instance."""
    stack_set = stack.add(
        STACK_SET,
        name,
        {
            "name": f"rootguard-{name}",
            "permissionModel": "SERVICE_MANAGED",
            "callAs": "SELF",
            "templateBody": body,
            "parameters": parameters,
        },
        provider=HOME,
        prop_deps=sources,
    )
    return stack.add(
        STACK_SET_INSTANCE,
        f"{name}-us-east-1",
        {
            "stackSetName": f"rootguard-{name}",
            "stackSetInstanceRegion": "us-east-1",
            "deploymentTargets": {"organizationalUnitIds": [ou]},
            **({"parameterOverrides": overrides} if overrides else {}),
        },
        provider=HOME,
        prop_deps={"stackSetName": [stack_set]},
    )


def organization(
    *,
    template: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    rule_waits: bool = True,
    mfa_rule: bool = True,
    linked_accounts: bool = True,
    block: bool = True,
    policy: str | None = None,
    bus_target: bool = True,
    preview: bool = False,
) -> Stack:
    """An organization stack in StackSet mode as rootguard plans it, with one thing
    changed at a time."""
    stack = Stack()
    body = json.dumps(template or member_template())
    bucket = stack.add(BUCKET, "central-bucket", {"bucket": BUCKET_NAME}, provider=LOGS)
    stack.add(
        BUCKET_PUBLIC_ACCESS_BLOCK,
        "central-bucket-pab",
        {"bucket": BUCKET_NAME, **(ALL_BLOCKED if block else {})},
        provider=LOGS,
        prop_deps={"bucket": [bucket]},
    )
    stack.add(
        BUCKET_POLICY,
        "central-bucket-policy",
        {"bucket": BUCKET_NAME, "policy": policy or bucket_policy()},
        provider=LOGS,
        prop_deps={"bucket": [bucket]},
    )
    bus = stack.add(EVENT_BUS, "central-bus", {"name": BUS_NAME, "arn": BUS_ARN}, provider=SEC)
    stack.add(
        EVENT_RULE,
        "central-rule",
        {
            "name": "root-activity",
            "eventBusName": BUS_NAME,
            "eventPattern": json.dumps(ROOT_PATTERN),
        },
        provider=SEC,
        prop_deps={"eventBusName": [bus]},
    )
    if bus_target:
        stack.add(
            EVENT_TARGET,
            "central-rule-target",
            {
                "rule": "root-activity",
                "eventBusName": BUS_NAME,
                "arn": f"arn:aws:sns:us-east-1:{SECURITY}:root-activity",
            },
            provider=SEC,
        )
    values = {
        "DeliveryBucketName": UNKNOWN_STRING if preview else BUCKET_NAME,
        # Written from the bus's name and account (known in a preview), as rootguard does.
        "EventBusArn": BUS_ARN,
        **(parameters or {}),
    }
    parameter_sources = {"parameters": [bucket, bus]}
    instance = add_stack_set(
        stack,
        "member-baseline",
        body,
        values,
        ou="r-ab12",
        overrides=overrides,
        sources=parameter_sources,
    )
    own = stack.add(
        STACK,
        "management-baseline-us-east-1",
        {"name": "rootguard-member-baseline", "templateBody": body, "parameters": values},
        provider=HOME,
        prop_deps=parameter_sources,
    )
    if mfa_rule:
        stack.add(
            ORG_MANAGED_RULE,
            "root-mfa",
            {"ruleIdentifier": "ROOT_ACCOUNT_MFA_ENABLED", "name": "root-mfa"},
            provider=HOME,
            depends_on=[instance, own] if rule_waits else [],
        )
    monitor = stack.add(
        ANOMALY_MONITOR,
        "payer-monitor",
        {
            "monitorType": "DIMENSIONAL",
            "monitorDimension": "LINKED_ACCOUNT" if linked_accounts else "SERVICE",
        },
        provider=HOME,
    )
    stack.add(
        ANOMALY_SUBSCRIPTION,
        "payer-subscription",
        {
            "monitorArnLists": [f"arn:aws:ce::{MANAGEMENT}:anomalymonitor/payer"],
            "frequency": "DAILY",
        },
        provider=HOME,
        prop_deps={"monitorArnLists": [monitor]},
    )
    return stack


COVERAGE = [
    config_ordering,
    config_delivery_bucket_secure,
    config_delivery_writable,
    root_mfa_rule_present,
    root_activity_alarmed,
    cost_anomaly_alerts_present,
]


# --- the passing organization ---------------------------------------------------------------


@pytest.mark.parametrize("policy", COVERAGE, ids=lambda p: p.name)
def test_stackset_organization_passes(policy: Any) -> None:
    assert organization().check(policy).violations == []


@pytest.mark.parametrize("policy", COVERAGE, ids=lambda p: p.name)
def test_stackset_organization_in_a_preview_passes(policy: Any) -> None:
    # The parameters are outputs of the central bucket and bus: unknown in a preview,
    # traced to them by the StackSet's property dependencies.
    stack = organization(preview=True)
    assert stack.check(policy).violations == []


# --- config-ordering -----------------------------------------------------------------------------


def test_stackset_organization_rule_not_waiting_for_the_instances_fails() -> None:
    reporter = organization(rule_waits=False).check(config_ordering)
    assert reporter.messages == [
        "The organization rule or conformance pack root-mfa must depend on the CloudFormation "
        "stacks that create the AWS Config recorders of us-east-1 (management-baseline-us-east-1, "
        "member-baseline-us-east-1); AWS creates its rules in every member account, and "
        "they fail where no recorder exists yet."
    ]


def test_stackset_organization_rule_need_not_wait_for_forwarding_only_stacks_passes() -> None:
    # RecorderMode skip: the template creates no recorder, so there is nothing to wait for.
    stack = organization(rule_waits=False, parameters={"RecorderMode": "skip"})
    assert stack.check(config_ordering).violations == []


# --- config-delivery-bucket-secure -------------------------------------------------------------


def test_stackset_central_bucket_without_public_access_block_fails() -> None:
    # The stack declares no delivery channel: the template's, landed by the StackSet, names
    # the central bucket (a parameter), which therefore is a delivery bucket.
    reporter = organization(block=False).check(config_delivery_bucket_secure)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(
        f"The AWS Config delivery bucket {BUCKET_NAME} must have a public access block"
    )


def test_stackset_central_bucket_without_tls_deny_fails() -> None:
    reporter = organization(policy=bucket_policy(tls=False)).check(config_delivery_bucket_secure)
    assert len(reporter.violations) == 1
    assert "aws:SecureTransport" in reporter.messages[0]


def test_stackset_insecure_bucket_no_template_channel_names_passes() -> None:
    # Forwarding only (RecorderMode skip everywhere): no channel writes the bucket.
    stack = organization(block=False, parameters={"RecorderMode": "skip"})
    assert stack.check(config_delivery_bucket_secure).violations == []


# --- config-delivery-writable --------------------------------------------------------------------


def test_stackset_central_bucket_admitting_one_account_only_fails() -> None:
    # A bucket policy written for an account stack (aws:SourceAccount of one account): the
    # member accounts' Config may not write there.
    only_one = bucket_policy(source={"StringEquals": {"aws:SourceAccount": LOG_ARCHIVE}})
    reporter = organization(policy=only_one).check(config_delivery_writable)
    # The members, and the management account's own stack.
    assert len(reporter.violations) == 2
    message = next(m for m in reporter.messages if "target OUs" in m)
    assert message.startswith(
        "The AWS Config delivery channel member-baseline/DeliveryChannel (the accounts the "
        "StackSet member-baseline reaches through its target OUs, us-east-1) must be able to "
        f"write to bucket {BUCKET_NAME}"
    )
    assert "config.amazonaws.com" in message


def test_stackset_central_bucket_admitting_no_config_fails() -> None:
    tls_only = {"Statement": [json.loads(bucket_policy())["Statement"][2]]}
    reporter = organization(policy=json.dumps(tls_only)).check(config_delivery_writable)
    assert reporter.violations


# --- root-mfa-rule-present -----------------------------------------------------------------------


def test_stackset_organization_without_root_mfa_rule_fails() -> None:
    reporter = organization(mfa_rule=False).check(root_mfa_rule_present)
    subjects = sorted(m.split(" must ")[0] for m in reporter.messages)
    assert subjects == sorted(
        [
            "The accounts the StackSet member-baseline reaches through its target OUs",
            f"The account {MANAGEMENT}",
            f"The account {LOG_ARCHIVE}",
            f"The account {SECURITY}",
        ]
    )


def test_stackset_root_mfa_rule_in_the_template_passes() -> None:
    template = member_template()
    template["Resources"]["RootMfa"] = {
        "Type": "AWS::Config::ConfigRule",
        "Properties": {"Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}},
    }
    stack = organization(mfa_rule=False, template=template)
    assert stack.check(root_mfa_rule_present).violations == []


# --- root-activity-alarmed -----------------------------------------------------------------------


def test_stackset_template_without_forwarder_fails() -> None:
    reporter = organization(template=member_template(forwarder=False)).check(root_activity_alarmed)
    subjects = sorted(m.split(" must ")[0] for m in reporter.messages)
    assert "The accounts the StackSet member-baseline reaches through its target OUs" in subjects
    assert f"The account {MANAGEMENT}" in subjects


def test_stackset_forwarder_without_read_only_calls_fails() -> None:
    template = member_template(state="ENABLED")
    reporter = organization(template=template).check(root_activity_alarmed)
    assert any(m.startswith("The accounts the StackSet member-baseline") for m in reporter.messages)


def test_stackset_forwarding_to_a_bus_whose_rule_has_no_target_fails() -> None:
    reporter = organization(bus_target=False).check(root_activity_alarmed)
    assert any(m.startswith("The accounts the StackSet member-baseline") for m in reporter.messages)


def test_stackset_forwarding_to_a_bus_arn_unknown_in_a_preview_is_undecided() -> None:
    # Were the ARN the bus's `arn` output, a preview could not tell where members forward:
    # undecided (advisory), not a pass and not a violation.
    stack = organization(parameters={"EventBusArn": UNKNOWN_STRING})
    reporter, err = stack.check_preview(root_activity_alarmed)
    assert reporter.violations == []
    assert err.props[1:] == ["arn"]


def _second_stack_set(stack: Stack, template: dict[str, Any]) -> None:
    """A second StackSet for another OU (rootguard's forwarding-only one, for accounts
    that record already)."""
    parameters = {"EventBusArn": BUS_ARN, "RecorderMode": "skip"}
    add_stack_set(
        stack, "member-forwarding", json.dumps(template), parameters, ou="ou-ab12-controltower"
    )


def test_stackset_second_stackset_without_forwarder_fails() -> None:
    # Its OU's accounts get its stacks only: the first StackSet's forwarder is not theirs.
    stack = organization()
    _second_stack_set(stack, member_template(forwarder=False))
    reporter = stack.check(root_activity_alarmed)
    assert [m.split(" must ")[0] for m in reporter.messages] == [
        "The accounts the StackSet member-forwarding reaches through its target OUs"
    ]
    assert reporter.urns == [urn(STACK_SET, "member-forwarding")]


def test_stackset_second_stackset_with_forwarder_passes() -> None:
    stack = organization()
    _second_stack_set(stack, member_template())
    assert stack.check(root_activity_alarmed).violations == []


# --- cost-anomaly-alerts-present -----------------------------------------------------------------


def test_stackset_payer_monitor_of_one_account_fails() -> None:
    reporter = organization(linked_accounts=False).check(cost_anomaly_alerts_present)
    assert any(
        m.startswith("The accounts the StackSet member-baseline reaches through its target OUs")
        and "LINKED_ACCOUNT" in m
        for m in reporter.messages
    )


# --- where templates land and what they create ---------------------------------------------------


def _index(stack: Stack) -> StackIndex:
    return StackIndex(stack.resources)


def test_templates_stackset_never_reaches_the_management_account() -> None:
    index = _index(organization())
    stack_set = next(d for d in deployments(index) if d.source.name == "member-baseline")
    (target,) = stack_set.targets
    assert target.reaches(MEMBER_ACCOUNT) and target.reaches(LOG_ARCHIVE)
    assert not target.reaches(MANAGEMENT)  # service-managed, called as SELF


def test_templates_account_filter_difference_leaves_the_accounts_out() -> None:
    stack = organization()
    instance = next(r for r in stack.resources if r.resource_type == STACK_SET_INSTANCE)
    instance.props["deploymentTargets"]["accounts"] = [SECURITY]
    instance.props["deploymentTargets"]["accountFilterType"] = "DIFFERENCE"
    (target,) = next(
        d for d in deployments(_index(stack)) if d.source.name == "member-baseline"
    ).targets
    assert not target.reaches(SECURITY) and target.reaches(LOG_ARCHIVE)


def test_templates_parameter_override_decides_the_condition() -> None:
    # A per-OU or per-account skip (Control Tower accounts): the override wins.
    index = _index(organization(overrides={"RecorderMode": "skip"}))
    recorders = list(
        template_resources(index, "AWS::Config::ConfigurationRecorder", MEMBER_ACCOUNT)
    )
    assert [r.created for r in recorders] == [False]


def test_templates_intrinsics_evaluate_for_the_account_and_region() -> None:
    index = _index(organization())
    (channel,) = template_resources(index, "AWS::Config::DeliveryChannel", MEMBER_ACCOUNT)
    assert channel.properties["S3BucketName"] == BUCKET_NAME
    roles = template_resources(index, "AWS::IAM::Role", LOG_ARCHIVE, "us-east-1")
    role = next(r for r in roles if r.logical_id == "RecorderRole")
    assert role.properties["RoleName"] == "rootguard-config-recorder-us-east-1"
    statement = role.properties["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"] == (f"arn:aws:s3:::{BUCKET_NAME}/AWSLogs/{LOG_ARCHIVE}/Config/*")
    (recorder,) = template_resources(index, "AWS::Config::ConfigurationRecorder", MEMBER_ACCOUNT)
    assert recorder.properties["RoleARN"] == Reference("RecorderRole", "Arn")


def test_templates_member_account_evaluates_with_its_stand_in_id() -> None:
    index = _index(organization())
    roles = template_resources(index, "AWS::IAM::Role", MEMBER_ACCOUNT)
    recorder_role = next(r for r in roles if r.logical_id == "RecorderRole")
    resource = recorder_role.properties["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert f"/AWSLogs/{MEMBER_ACCOUNT_ID}/Config/" in resource["Resource"]


def test_templates_unknown_parameter_stays_unknown_and_pseudo_parameters_unresolved() -> None:
    index = _index(organization(preview=True))
    (channel,) = template_resources(index, "AWS::Config::DeliveryChannel", MEMBER_ACCOUNT)
    assert channel.properties["S3BucketName"] == UNKNOWN_STRING
    template = {"Resources": {"R": {"Type": "X", "Properties": {"N": {"Ref": "AWS::StackName"}}}}}
    stack = organization(template=template)
    (resource,) = template_resources(_index(stack), "X", MEMBER_ACCOUNT)
    assert resource.properties["N"] is UNRESOLVED


def test_templates_yaml_short_forms_parse() -> None:
    parsed = parse_template(
        "Resources:\n  R:\n    Type: X\n    Properties:\n      A: !Ref P\n      B: !GetAtt R.Arn\n"
    )
    assert parsed is not None
    assert parsed["Resources"]["R"]["Properties"] == {
        "A": {"Ref": "P"},
        "B": {"Fn::GetAtt": "R.Arn"},
    }
