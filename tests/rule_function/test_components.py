"""RootGuardRule and RootSigninAlarm under the recording mock pulumi_mocks: placement,
dependencies, the invoke permission, the periodic trigger, the alarm's pattern."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from moto.events.models import EventPattern, EventPatternParser
from rootguard.components.root_guard_rule import (
    FUNCTION_NAME,
    HANDLER,
    LOG_GROUP_NAME,
    TIMEOUT_SECONDS,
    RootGuardRule,
    rule_function_files,
)
from rootguard.components.root_signin_alarm import RootSigninAlarm
from rootguard.components.validation import DEFAULT_ENABLED_REGIONS

from tests.conftest import MOCK_ORGANIZATION, Recorder

from .conftest import ACCOUNT

HOME = "eu-west-1"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
CONFIG_RULE = "aws:cfg/rule:Rule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RECORDER = "aws:cfg/recorder:Recorder"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ROLE = "aws:iam/role:Role"
US_EAST_1_BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"


def declare_rule(mocks: Recorder, *, with_recorder: bool = True, **extra: Any) -> None:
    def program() -> None:
        provider = aws.Provider(
            "acct",
            region=HOME,
            allowed_account_ids=[ACCOUNT],
            assume_roles=[
                {"role_arn": f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"}
            ],
        )
        args: dict[str, Any] = {"account_id": ACCOUNT, "region": HOME, **extra}
        if with_recorder:
            args["recorder"] = aws.cfg.Recorder(
                "recorder",
                role_arn=f"arn:aws:iam::{ACCOUNT}:role/config",
                region=HOME,
                opts=pulumi.ResourceOptions(provider=provider),
            )
        RootGuardRule("root-rule", args, pulumi.ResourceOptions(provider=provider))

    mocks.run(program)


# --- RootGuardRule ---------------------------------------------------------------


def test_rule_children_parented_on_account_provider_in_home_region(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks)
    rule_component = pulumi_mocks.one("rootguard:root_guard_rule:RootGuardRule")
    provider = pulumi_mocks.one("pulumi:providers:aws")
    children = [r for r in pulumi_mocks.registrations if r.parent == rule_component.urn]
    assert {r.type for r in children} == {
        LOG_GROUP,
        "aws:iam/role:Role",
        ROLE_POLICY,
        FUNCTION,
        PERMISSION,
        CONFIG_RULE,
    }
    for child in children:
        assert child.provider.startswith(provider.urn + "::"), child.type
        if child.type != "aws:iam/role:Role" and child.type != ROLE_POLICY:
            assert child.inputs["region"] == HOME, child.type


def test_rule_function_runtime_arm64_small_timeout_covers_report_wait(
    pulumi_mocks: Recorder, rule: ModuleType
) -> None:
    declare_rule(pulumi_mocks)
    function = pulumi_mocks.one(FUNCTION)
    inputs = function.inputs
    major, minor = (int(part) for part in inputs["runtime"].removeprefix("python").split("."))
    assert (major, minor) >= (3, 12)
    assert inputs["architectures"] == ["arm64"]
    assert inputs["memorySize"] <= 256
    # The bounded report wait, plus room for the other calls and their retries.
    assert inputs["timeout"] == TIMEOUT_SECONDS >= rule.REPORT_WAIT_SECONDS + 30
    assert inputs["handler"] == HANDLER
    assert inputs["name"] == FUNCTION_NAME


def test_rule_function_code_is_the_shipped_archive(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks)
    code = pulumi_mocks.one(FUNCTION).inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert all(isinstance(asset, pulumi.StringAsset) for asset in code.assets.values())
    shipped = {name: asset.text for name, asset in code.assets.items()}  # type: ignore[union-attr]
    assert shipped == rule_function_files()
    module = HANDLER.split(".")[0]
    assert f"{module}.py" in shipped
    assert "def lambda_handler(event" in shipped[f"{module}.py"]


def test_rule_function_logs_to_own_group_with_retention(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks, log_retention_days=90)
    log_group = pulumi_mocks.one(LOG_GROUP)
    function = pulumi_mocks.one(FUNCTION)
    assert log_group.inputs["name"] == LOG_GROUP_NAME
    assert log_group.inputs["retentionInDays"] == 90
    assert function.inputs["loggingConfig"]["logGroup"] == LOG_GROUP_NAME
    assert log_group.urn in function.property_dependencies["loggingConfig"]
    assert pulumi_mocks.one(ROLE_POLICY).urn in function.dependencies


def test_rule_permission_lets_only_config_of_this_account_invoke(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks)
    permission = pulumi_mocks.one(PERMISSION)
    function = pulumi_mocks.one(FUNCTION)
    assert permission.inputs["principal"] == "config.amazonaws.com"
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["sourceAccount"] == ACCOUNT
    assert permission.inputs["function"] == FUNCTION_NAME
    assert function.urn in permission.property_dependencies["function"]


def test_rule_custom_lambda_periodic_trigger_after_permission_and_recorder(
    pulumi_mocks: Recorder,
) -> None:
    declare_rule(pulumi_mocks, maximum_execution_frequency="Twelve_Hours")
    config_rule = pulumi_mocks.one(CONFIG_RULE)
    source = config_rule.inputs["source"]
    assert source["owner"] == "CUSTOM_LAMBDA"
    assert source["sourceDetails"] == [
        {
            "eventSource": "aws.config",
            "messageType": "ScheduledNotification",
            "maximumExecutionFrequency": "Twelve_Hours",
        }
    ]
    assert pulumi_mocks.one(FUNCTION).urn in config_rule.property_dependencies["source"]
    assert pulumi_mocks.one(PERMISSION).urn in config_rule.dependencies
    assert pulumi_mocks.one(RECORDER).urn in config_rule.dependencies


def test_rule_without_recorder_depends_on_permission_only(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks, with_recorder=False)
    config_rule = pulumi_mocks.one(CONFIG_RULE)
    assert pulumi_mocks.of_type(RECORDER) == []
    assert set(config_rule.dependencies) == {
        pulumi_mocks.one(PERMISSION).urn,
        pulumi_mocks.one(FUNCTION).urn,
    }


@pytest.mark.parametrize(
    ("extra", "parameters"),
    [
        ({}, {"RequireHardwareMfa": "false", "RootUseWindowDays": "0"}),
        (
            {
                "require_hardware_mfa": True,
                "root_use_window_days": 30,
                "execution_role_name": "RootGuardAudit",
                "organization_id": MOCK_ORGANIZATION,
            },
            {
                "RequireHardwareMfa": "true",
                "RootUseWindowDays": "30",
                "ExecutionRoleName": "RootGuardAudit",
            },
        ),
        (
            {"root_credentials_managed": True},
            {
                "RequireHardwareMfa": "false",
                "RootUseWindowDays": "0",
                "RootCredentialsManaged": "true",
            },
        ),
    ],
)
def test_rule_input_parameters_are_what_the_handler_parses(
    pulumi_mocks: Recorder, rule: ModuleType, extra: dict[str, Any], parameters: dict[str, str]
) -> None:
    declare_rule(pulumi_mocks, **extra)
    raw = pulumi_mocks.one(CONFIG_RULE).inputs["inputParameters"]
    assert json.loads(raw) == parameters
    parsed = rule.parse_rule_parameters(raw)
    assert parsed.require_hardware_mfa is bool(extra.get("require_hardware_mfa"))
    assert parsed.root_use_window_days == extra.get("root_use_window_days", 0)
    assert parsed.root_credentials_managed is bool(extra.get("root_credentials_managed"))


def test_rule_negative_window_rejected(pulumi_mocks: Recorder) -> None:
    with pytest.raises(ValueError, match=r"^RootGuardRule root_use_window_days: -1 is not valid"):
        RootGuardRule("bad", {"account_id": ACCOUNT, "region": HOME, "root_use_window_days": -1})


def test_rule_execution_role_needs_the_organization_that_bounds_it(pulumi_mocks: Recorder) -> None:
    args: Any = {"account_id": ACCOUNT, "region": HOME, "execution_role_name": "RootGuardAudit"}
    with pytest.raises(ValueError, match=r"^RootGuardRule organization_id: None is not valid"):
        RootGuardRule("bad", args)
    assert pulumi_mocks.registrations == []


@pytest.mark.parametrize("account_id", ["1234", "11111111111a"])
def test_components_reject_malformed_account_id(pulumi_mocks: Recorder, account_id: str) -> None:
    with pytest.raises(ValueError, match="12-digit"):
        RootGuardRule("bad-rule", {"account_id": account_id, "region": HOME})
    with pytest.raises(ValueError, match="12-digit"):
        RootSigninAlarm("bad-alarm", {"account_id": account_id})


# --- RootSigninAlarm -------------------------------------------------------------


def declare_alarm(mocks: Recorder, **extra: Any) -> None:
    def program() -> None:
        RootSigninAlarm("root-alarm", {"account_id": ACCOUNT, **extra})

    mocks.run(program)


def test_alarm_lives_in_us_east_1_by_default(pulumi_mocks: Recorder) -> None:
    declare_alarm(pulumi_mocks)
    for name in ("root-alarm-rule", "root-alarm-target", "root-alarm-topic"):
        assert pulumi_mocks.by_name(name).inputs["region"] == "us-east-1", name
    assert pulumi_mocks.one(TOPIC_POLICY).inputs["region"] == "us-east-1"


def test_alarm_rules_match_read_only_calls_too(pulumi_mocks: Recorder) -> None:
    # EventBridge: an ENABLED rule matches "except for read-only AWS management events".
    declare_alarm(pulumi_mocks)
    states = {r.inputs["state"] for r in pulumi_mocks.of_type(EVENT_RULE)}
    assert states == {"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}


def test_alarm_forwards_every_default_region_to_the_us_east_1_bus(pulumi_mocks: Recorder) -> None:
    declare_alarm(pulumi_mocks)
    central = pulumi_mocks.by_name("root-alarm-rule")
    role = pulumi_mocks.one(ROLE)
    forwarders = [r for r in pulumi_mocks.of_type(EVENT_RULE) if r is not central]
    assert sorted(r.inputs["region"] for r in forwarders) == sorted(
        DEFAULT_ENABLED_REGIONS - {"us-east-1"}
    )
    for rule in forwarders:
        region = rule.inputs["region"]
        assert rule.inputs["eventPattern"] == central.inputs["eventPattern"]
        target = pulumi_mocks.by_name(f"root-alarm-forward-{region}-target")
        assert target.inputs["region"] == region
        assert target.inputs["arn"] == US_EAST_1_BUS
        assert target.property_dependencies["rule"] == [rule.urn]
        assert target.property_dependencies["roleArn"] == [role.urn]
        assert central.urn in target.dependencies


def test_alarm_forwarding_role_is_events_putting_to_one_bus(
    pulumi_mocks: Recorder,
) -> None:
    declare_alarm(pulumi_mocks)
    trust = json.loads(pulumi_mocks.one(ROLE).inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    policy = pulumi_mocks.one(ROLE_POLICY)
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "ForwardRootActivity",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": US_EAST_1_BUS,
        }
    ]
    for target in pulumi_mocks.of_type(EVENT_TARGET):
        if "roleArn" in target.inputs:
            assert policy.urn in target.dependencies


def test_alarm_covers_the_opt_in_regions_it_is_given(pulumi_mocks: Recorder) -> None:
    declare_alarm(pulumi_mocks, regions=["af-south-1", "eu-west-1"])
    covered = sorted(r.inputs["region"] for r in pulumi_mocks.of_type(EVENT_RULE))
    assert covered == sorted({*DEFAULT_ENABLED_REGIONS, "af-south-1"})


def test_alarm_elsewhere_still_hears_us_east_1(pulumi_mocks: Recorder) -> None:
    # Root sign-ins arrive in us-east-1 only: a topic elsewhere gets them forwarded.
    declare_alarm(pulumi_mocks, region="eu-west-1")
    assert pulumi_mocks.by_name("root-alarm-rule").inputs["region"] == "eu-west-1"
    target = pulumi_mocks.by_name("root-alarm-forward-us-east-1-target")
    assert target.inputs["arn"] == f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"alarm_emails": ["secops"]},
            r"^RootSigninAlarm alarm_emails\[0\]: 'secops' is not valid",
        ),
        ({"regions": ["mars-1"]}, r"^RootSigninAlarm regions\[0\]: 'mars-1' is not valid"),
        ({"regions": "us-east-1"}, "^RootSigninAlarm regions: 'us-east-1' is not valid"),
        ({"region": "mars-1"}, "^RootSigninAlarm region: 'mars-1' is not valid"),
    ],
)
def test_alarm_bad_args_rejected_before_registering(
    pulumi_mocks: Recorder, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RootSigninAlarm("bad", {"account_id": ACCOUNT, **extra})
    assert pulumi_mocks.registrations == []


def test_alarm_target_is_topic_after_its_policy(pulumi_mocks: Recorder) -> None:
    declare_alarm(pulumi_mocks, alarm_emails=["secops@example.com", "oncall@example.com"])
    target = pulumi_mocks.by_name("root-alarm-target")
    topic = pulumi_mocks.one(TOPIC)
    assert topic.urn in target.property_dependencies["arn"]
    assert pulumi_mocks.by_name("root-alarm-rule").urn in target.property_dependencies["rule"]
    assert pulumi_mocks.one(TOPIC_POLICY).urn in target.dependencies
    emails = sorted(s.inputs["endpoint"] for s in pulumi_mocks.of_type(SUBSCRIPTION))
    assert emails == ["oncall@example.com", "secops@example.com"]
    assert {s.inputs["protocol"] for s in pulumi_mocks.of_type(SUBSCRIPTION)} == {"email"}


def test_alarm_topic_policy_allows_events_for_this_rule_only(pulumi_mocks: Recorder) -> None:
    declare_alarm(pulumi_mocks)
    policy = json.loads(pulumi_mocks.one(TOPIC_POLICY).inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    # The ARNs the (mock) provider gave this component's own rule and topic.
    event_rule_arn = pulumi_mocks.by_name("root-alarm-rule").outputs["arn"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": event_rule_arn}}
    assert statement["Resource"] == pulumi_mocks.one(TOPIC).outputs["arn"]


def _cloudtrail_event(detail_type: str, identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6f87d04b-9f74-4f04-a780-7acf4b0a9b38",
        "detail-type": detail_type,
        "source": "aws.signin" if "Sign In" in detail_type else "aws.iam",
        "account": ACCOUNT,
        "time": "2025-03-10T06:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": identity,
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "sourceIPAddress": "198.51.100.7",
        },
    }


ROOT = {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root"}


@pytest.mark.parametrize(
    ("event", "matches"),
    [
        (_cloudtrail_event("AWS Console Sign In via CloudTrail", ROOT), True),
        (_cloudtrail_event("AWS API Call via CloudTrail", ROOT), True),
        (
            _cloudtrail_event(
                "AWS API Call via CloudTrail", {**ROOT, "invokedBy": "config.amazonaws.com"}
            ),
            False,
        ),
        (
            _cloudtrail_event(
                "AWS Console Sign In via CloudTrail",
                {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::1:user/alice"},
            ),
            False,
        ),
        (
            {**_cloudtrail_event("AWS API Call via CloudTrail", ROOT), "account": "999999999999"},
            False,
        ),
    ],
    ids=["root-sign-in", "root-api-call", "invoked-by-service", "iam-user", "other-account"],
)
def test_alarm_pattern_matches_root_activity_only(
    pulumi_mocks: Recorder, event: dict[str, Any], matches: bool
) -> None:
    declare_alarm(pulumi_mocks)
    raw = pulumi_mocks.by_name("root-alarm-rule").inputs["eventPattern"]
    pattern = EventPattern(raw, EventPatternParser(raw).parse())
    assert pattern.matches_event(event) is matches  # type: ignore[arg-type]
