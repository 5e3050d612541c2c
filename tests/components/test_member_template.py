"""The member-baseline template: cfn-lint finds no error in what ships or what is rendered,
rootguard's own check (rootguard.stackset_template, from botocore's models) passes and
catches what it is for, and the documents inside say what AWS requires."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from rootguard.components.member_template import (
    MAX_SELF_RECORDING_ACCOUNTS,
    MAX_TEMPLATE_BODY_BYTES,
    parameter_names,
    render_template,
    stack_parameters,
    template,
    template_text,
)
from rootguard.components.root_signin_alarm import root_activity_event_pattern

from rootguard.stackset_template import MEMBER_RESOURCES, check_template
from tests.cfn_lint import cfn_lint_problems as lint_problems
from tests.iam_lint import serious_findings

# A region launched after February 2022 (no global IAM types there) among the lint regions.
LINT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-4"]
SHIPPED = template_text()
MANY = [f"{index:012d}" for index in range(1, 26)]


def cfn_lint_problems(body: str) -> tuple[str, ...]:
    return lint_problems(body, LINT_REGIONS)


def resources(body: str = SHIPPED) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(body)["Resources"]
    return parsed


# ----------------------------------------------------------------- lint and model checks


@pytest.mark.parametrize(
    "accounts", [[], ["111111111111"], MANY], ids=["shipped-form", "one-account", "25-accounts"]
)
def test_member_template_rendered_passes_cfn_lint_and_our_check(accounts: list[str]) -> None:
    body = render_template(accounts)
    assert cfn_lint_problems(body) == ()
    assert check_template(body) == []
    assert len(body.encode("utf-8")) <= MAX_TEMPLATE_BODY_BYTES


def test_member_template_shipped_file_passes_cfn_lint_and_our_check() -> None:
    assert cfn_lint_problems(SHIPPED) == ()
    assert check_template(SHIPPED) == []


def test_member_template_holds_only_member_resource_types() -> None:
    types = {resource["Type"] for resource in resources().values()}
    assert types == set(MEMBER_RESOURCES)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("AllSupported: true", "AllSuported: true"), "RecordingGroup.AllSuported is not a known"),
        (
            ("State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "State: ENABLED_ALL"),
            "State 'ENABLED_ALL' is not valid",
        ),
        (("Type: AWS::Events::Rule", "Type: AWS::SNS::Topic"), "is not part of the member"),
        (("S3BucketName:", "BucketName:"), "DeliveryChannel.Properties.BucketName is not"),
        (("- Id: organization-event-bus", "- Ident: organization-event-bus"), "Targets[0].Ident"),
        (("PolicyName: rootguard-config-delivery", "Name: x"), "Policies[0].Name is not"),
    ],
    ids=[
        "misspelt-nested-key",
        "bad-rule-state",
        "foreign-type",
        "misspelt-key",
        "target-key",
        "inline-policy-key",
    ],
)
def test_member_template_check_catches(edit: tuple[str, str], problem: str) -> None:
    assert SHIPPED.count(edit[0]) == 1
    problems = check_template(SHIPPED.replace(*edit))
    assert any(problem in line for line in problems), problems


def test_member_template_check_catches_an_oversized_body() -> None:
    body = SHIPPED + "#" + "x" * MAX_TEMPLATE_BODY_BYTES + "\n"
    assert any("TemplateBody takes at most 51200" in line for line in check_template(body))


def test_member_template_render_refuses_too_many_accounts() -> None:
    accounts = [f"{index:012d}" for index in range(MAX_SELF_RECORDING_ACCOUNTS + 1)]
    with pytest.raises(ValueError, match=f"at most {MAX_SELF_RECORDING_ACCOUNTS} accounts"):
        render_template(accounts)


def test_member_template_render_refuses_a_malformed_account() -> None:
    with pytest.raises(ValueError, match="'12345' is not valid; expected a 12-digit AWS"):
        render_template(["12345"])


def test_member_template_at_most_accounts_fits_the_limit() -> None:
    accounts = [f"{index:012d}" for index in range(MAX_SELF_RECORDING_ACCOUNTS)]
    assert len(render_template(accounts).encode("utf-8")) <= MAX_TEMPLATE_BODY_BYTES


# --------------------------------------------------------------- what the resources say


def test_member_template_records_global_types_in_home_region_only() -> None:
    body = template()
    group = body["Resources"]["ConfigurationRecorder"]["Properties"]["RecordingGroup"]
    assert group["AllSupported"] is True
    assert group["IncludeGlobalResourceTypes"] == {"Fn::If": ["RecordGlobalTypes", True, False]}
    assert body["Conditions"]["RecordGlobalTypes"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "HomeRegion"}]
    }


def test_member_template_channel_waits_for_recorder_and_uses_central_bucket() -> None:
    channel = resources()["DeliveryChannel"]
    assert channel["DependsOn"] == "ConfigurationRecorder"
    assert channel["Properties"]["S3BucketName"] == {"Ref": "DeliveryBucketName"}


def test_member_template_recorder_role_trust_is_config_for_this_account() -> None:
    statement = resources()["RecorderRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]


def test_member_template_recorder_role_can_write_its_prefix_of_the_bucket() -> None:
    policy = resources()["RecorderRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    prefix = "arn:${AWS::Partition}:s3:::${DeliveryBucketName}"
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    put = by_sid["DeliverConfigurationHistoryAndSnapshots"]
    assert put["Action"] == ["s3:PutObject", "s3:PutObjectAcl"]
    assert put["Resource"] == {"Fn::Sub": prefix + "/AWSLogs/${AWS::AccountId}/Config/*"}
    assert put["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
    check = by_sid["CheckDeliveryBucket"]
    assert check["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]
    assert check["Resource"] == {"Fn::Sub": prefix}


def test_member_template_recorder_role_asks_what_an_account_recorder_role_asks() -> None:
    # One set of statements for delivering, the account stacks' and the template's.
    from rootguard.components.config_recorder import recorder_delivery_policy

    policy = resources()["RecorderRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    bucket = "rootguard-org-config-555555555555-us-east-1"
    expected = recorder_delivery_policy(bucket, "111111111111")
    assert _resolved(policy) == expected


def _resolved(document: Any) -> Any:
    """A template IAM document with its Fn::Sub / Ref placeholders filled in."""
    values = {
        "AWS::Partition": "aws",
        "AWS::AccountId": "111111111111",
        "AWS::Region": "eu-west-1",
        "DeliveryBucketName": "rootguard-org-config-555555555555-us-east-1",
        "EventBusArn": "arn:aws:events:us-east-1:777777777777:event-bus/rootguard-root-activity",
    }
    if isinstance(document, dict):
        if set(document) == {"Ref"}:
            return values[document["Ref"]]
        if set(document) == {"Fn::Sub"}:
            text = document["Fn::Sub"]
            for key, value in values.items():
                text = text.replace("${" + key + "}", value)
            return text
        return {key: _resolved(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_resolved(item) for item in document]
    return document


@pytest.mark.parametrize("role", ["RecorderRole", "ForwarderRole"])
def test_member_template_role_policies_pass_parliament(role: str) -> None:
    for policy in resources()[role]["Properties"]["Policies"]:
        assert serious_findings(_resolved(policy["PolicyDocument"])) == [], policy["PolicyName"]


def test_member_template_forwarder_sends_read_only_root_calls_to_the_bus() -> None:
    rule = resources()["RootActivityForwarder"]["Properties"]
    assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert rule["EventBusName"] == "default"
    assert rule["Targets"] == [
        {
            "Id": "organization-event-bus",
            "Arn": {"Ref": "EventBusArn"},
            "RoleArn": {"Fn::GetAtt": ["ForwarderRole", "Arn"]},
        }
    ]


def test_member_template_forwarder_matches_what_an_account_alarm_matches() -> None:
    pattern = resources()["RootActivityForwarder"]["Properties"]["EventPattern"]
    expected = root_activity_event_pattern("111111111111")
    expected["account"] = [{"Ref": "AWS::AccountId"}]
    assert json.dumps(pattern, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_member_template_forwarder_role_puts_events_on_the_bus_only() -> None:
    from rootguard.components.trust import service_trust_policy

    properties = resources()["ForwarderRole"]["Properties"]
    # As an account stack's forwarding role: no source key EventBridge does not document.
    assert properties["AssumeRolePolicyDocument"] == service_trust_policy("events.amazonaws.com")
    statements = properties["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements == [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": {"Ref": "EventBusArn"}}
    ]


def test_member_template_parameters_are_exactly_what_stack_parameters_sets() -> None:
    values = stack_parameters(home_region="us-east-1", delivery_bucket="b", event_bus_arn="arn")
    assert sorted(values) == sorted(parameter_names())


def test_member_template_stack_parameters_refuse_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="must be one of create, skip"):
        stack_parameters(
            home_region="us-east-1", delivery_bucket="b", event_bus_arn="a", recorder_mode="adopt"
        )


# ---------------------------------------------------- which accounts record with the stack


def evaluate(condition: Any, conditions: dict[str, Any], values: dict[str, str]) -> bool:
    """CloudFormation's condition functions, as far as the template uses them."""
    ((function, argument),) = condition.items()
    if function == "Condition":
        return evaluate(conditions[argument], conditions, values)
    if function == "Fn::Equals":
        left, right = (values[a["Ref"]] if isinstance(a, dict) else a for a in argument)
        return bool(left == right)
    if function == "Fn::Not":
        return not evaluate(argument[0], conditions, values)
    if function == "Fn::And":
        return all(evaluate(item, conditions, values) for item in argument)
    if function == "Fn::Or":
        assert 2 <= len(argument) <= 10, "Fn::Or takes 2 to 10 conditions"
        return any(evaluate(item, conditions, values) for item in argument)
    raise AssertionError(f"unexpected {function}")


def creates_recorder(
    body: str, account: str, mode: str = "create", region: str = "us-east-1"
) -> bool:
    conditions = yaml.safe_load(body)["Conditions"]
    values = {"RecorderMode": mode, "AWS::AccountId": account, "AWS::Region": region}
    return evaluate(conditions["CreateRecorder"], conditions, values)


@pytest.mark.parametrize("accounts", [["111111111111"], MANY], ids=["one", "25-nested"])
def test_member_template_accounts_with_their_own_recorder_get_none(accounts: list[str]) -> None:
    body = render_template(accounts)
    assert not any(creates_recorder(body, account) for account in accounts)
    assert creates_recorder(body, "999999999999")
    assert not creates_recorder(body, "999999999999", mode="skip")


def test_member_template_only_recording_regions_get_a_recorder() -> None:
    body = render_template([], ["us-east-1", "eu-west-1"])
    assert creates_recorder(body, "999999999999", region="eu-west-1")
    assert not creates_recorder(body, "999999999999", region="ap-south-1")
    assert creates_recorder(render_template(), "999999999999", region="ap-south-1")


def test_member_template_regions_and_accounts_combine() -> None:
    body = render_template(["111111111111"], ["us-east-1"])
    assert not creates_recorder(body, "111111111111", region="us-east-1")
    assert not creates_recorder(body, "999999999999", region="eu-west-1")
    assert creates_recorder(body, "999999999999", region="us-east-1")
    assert cfn_lint_problems(body) == ()
    assert check_template(body) == []


def test_member_template_roles_are_named_for_the_guardrails() -> None:
    # rootguard-* roles: the protect-rootguard SCP keeps them from being changed.
    for logical_id in ("RecorderRole", "ForwarderRole"):
        name = resources()[logical_id]["Properties"]["RoleName"]["Fn::Sub"]
        assert name.startswith("rootguard-") and name.endswith("-${AWS::Region}")
        assert len(name.replace("${AWS::Region}", "ap-southeast-2")) <= 64  # IAM's limit


def test_member_template_recorder_resources_all_follow_create_recorder() -> None:
    conditional = {
        name for name, r in resources().items() if r.get("Condition") == "CreateRecorder"
    }
    assert conditional == {"RecorderRole", "ConfigurationRecorder", "DeliveryChannel"}
