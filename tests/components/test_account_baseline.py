"""AccountBaseline: composes the three components for one account."""

from __future__ import annotations

import json

import pulumi
import pytest
from rootguard.components import AccountBaseline, AccountBaselineArgs
from rootguard.components.validation import DEFAULT_ENABLED_REGIONS

from tests.conftest import Recorder, Registration

ACCOUNT = "111111111111"
REGIONS = ["us-east-1", "eu-west-1"]
RULE = "aws:cfg/rule:Rule"
RECORDER = "aws:cfg/recorder:Recorder"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ROLE = "aws:iam/role:Role"


def _managed_rules(mocks: Recorder) -> list[Registration]:
    return [r for r in mocks.of_type(RULE) if r.inputs["source"]["owner"] == "AWS"]


def _custom_rules(mocks: Recorder) -> list[Registration]:
    return [r for r in mocks.of_type(RULE) if r.inputs["source"]["owner"] == "CUSTOM_LAMBDA"]


def _args(**overrides: object) -> AccountBaselineArgs:
    args: AccountBaselineArgs = {
        "account_id": ACCOUNT,
        "home_region": "eu-west-1",
        "regions": REGIONS,
        "alert_emails": ["secops@example.com"],
    }
    args.update(overrides)  # type: ignore[typeddict-item]
    return args


def test_account_baseline_composes_recorder_rules_and_alerts(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args()))
    baseline = pulumi_mocks.one("rootguard:account_baseline:AccountBaseline")
    components = {reg.type: reg for reg in pulumi_mocks.registrations if reg.parent == baseline.urn}
    assert set(components) == {
        "rootguard:config_recorder:ConfigRecorder",
        "rootguard:root_mfa_rules:RootMfaRules",
        "rootguard:cost_anomaly:CostAnomalyAlerts",
        "rootguard:root_guard_rule:RootGuardRule",
        "rootguard:root_signin_alarm:RootSigninAlarm",
    }
    descendants = {reg.urn for reg in pulumi_mocks.descendants(baseline.urn)}
    others = [reg for reg in pulumi_mocks.registrations if reg is not baseline]
    assert {reg.urn for reg in others} == descendants


def test_account_baseline_rules_depend_on_home_region_recorder(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args()))
    (home,) = [r for r in pulumi_mocks.of_type(RECORDER) if r.inputs["region"] == "eu-west-1"]
    (other,) = [r for r in pulumi_mocks.of_type(RECORDER) if r.inputs["region"] == "us-east-1"]
    rules = pulumi_mocks.of_type(RULE)
    assert rules
    for rule in rules:
        assert rule.inputs["region"] == "eu-west-1"
        assert home.urn in rule.dependencies
        assert other.urn not in rule.dependencies


def test_account_baseline_passes_settings_through(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(
        lambda: AccountBaseline(
            "prod",
            _args(
                hardware_mfa=True,
                root_access_key_check=False,
                rule_frequency="One_Hour",
                threshold_usd=42,
                global_resources_in_all_regions=True,
                recorder_name="rg",
            ),
        )
    )
    managed = _managed_rules(pulumi_mocks)
    identifiers = sorted(r.inputs["source"]["sourceIdentifier"] for r in managed)
    assert identifiers == ["ROOT_ACCOUNT_HARDWARE_MFA_ENABLED", "ROOT_ACCOUNT_MFA_ENABLED"]
    assert {r.inputs["maximumExecutionFrequency"] for r in managed} == {"One_Hour"}
    (custom,) = _custom_rules(pulumi_mocks)
    assert custom.inputs["source"]["sourceDetails"][0]["maximumExecutionFrequency"] == "One_Hour"
    recorders = pulumi_mocks.of_type(RECORDER)
    assert all(r.inputs["recordingGroup"]["includeGlobalResourceTypes"] for r in recorders)
    assert {r.inputs["name"] for r in recorders} == {"rg"}
    subscription = pulumi_mocks.by_name("prod-cost-alerts-daily")
    assert subscription.inputs["thresholdExpression"]["dimension"]["values"] == ["42"]


def test_account_baseline_skip_mode_rules_without_recorder(pulumi_mocks: Recorder) -> None:
    created: list[AccountBaseline] = []
    pulumi_mocks.run(lambda: created.append(AccountBaseline("prod", _args(recorder_mode="skip"))))
    assert pulumi_mocks.of_type(RECORDER) == []
    assert pulumi_mocks.of_type("aws:s3/bucket:Bucket") == []
    rules = _managed_rules(pulumi_mocks)
    assert rules and all(rule.dependencies == [] for rule in rules)
    (custom,) = _custom_rules(pulumi_mocks)
    assert set(custom.dependencies) == {
        pulumi_mocks.one(PERMISSION).urn,
        pulumi_mocks.one(FUNCTION).urn,
    }
    assert created[0].rule_depends_on == []


def test_account_baseline_rule_depends_on_is_home_recorder(pulumi_mocks: Recorder) -> None:
    created: list[AccountBaseline] = []
    pulumi_mocks.run(lambda: created.append(AccountBaseline("prod", _args())))
    baseline = created[0]
    assert baseline.rule_depends_on == [baseline.recording.recorders["eu-west-1"]]


def test_account_baseline_existing_monitor_is_used(pulumi_mocks: Recorder) -> None:
    arn = "arn:aws:ce::111111111111:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args(cost_monitor_arn=arn)))
    assert pulumi_mocks.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor") == []


def test_account_baseline_outputs(pulumi_mocks: Recorder) -> None:
    seen: dict[str, object] = {}

    def program() -> pulumi.Output[None]:
        baseline = AccountBaseline("prod", _args())
        return pulumi.Output.all(
            recorders=baseline.recorder_names,
            rules=baseline.rule_names,
            monitor=baseline.monitor_arn,
            topic=baseline.topic_arn,
        ).apply(seen.update)

    pulumi_mocks.run(program)
    assert seen["recorders"] == {"us-east-1": "default", "eu-west-1": "default"}
    assert seen["rules"] == [
        "rootguard-root-account-mfa-enabled",
        "rootguard-iam-root-access-key-check",
    ]
    assert str(seen["monitor"]).endswith("prod-cost-alerts-monitor")
    assert str(seen["topic"]).endswith("prod-cost-alerts-topic")


# --- the custom rule, the sign-in alarm and the execution role -------------------------


def test_account_baseline_custom_rule_in_home_region_after_home_recorder(
    pulumi_mocks: Recorder,
) -> None:
    pulumi_mocks.run(
        lambda: AccountBaseline("prod", _args(require_hardware_mfa=True, root_use_window_days=30))
    )
    function = pulumi_mocks.one(FUNCTION)
    permission = pulumi_mocks.one(PERMISSION)
    (custom,) = _custom_rules(pulumi_mocks)
    (home,) = [r for r in pulumi_mocks.of_type(RECORDER) if r.inputs["region"] == "eu-west-1"]
    for reg in (function, permission, custom):
        assert reg.inputs["region"] == "eu-west-1", reg.type
    assert permission.inputs["principal"] == "config.amazonaws.com"
    assert permission.inputs["sourceAccount"] == ACCOUNT
    assert {home.urn, permission.urn} <= set(custom.dependencies)
    assert json.loads(custom.inputs["inputParameters"]) == {
        "RequireHardwareMfa": "true",
        "RootUseWindowDays": "30",
    }


def test_account_baseline_alarm_in_us_east_1_with_emails(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args(alarm_emails=["oncall@example.com"])))
    event_rule = pulumi_mocks.by_name("prod-root-signin-alarm-rule")
    assert event_rule.inputs["region"] == "us-east-1"
    assert json.loads(event_rule.inputs["eventPattern"])["account"] == [ACCOUNT]
    (subscription,) = pulumi_mocks.of_type(SUBSCRIPTION)
    assert subscription.inputs["endpoint"] == "oncall@example.com"
    assert subscription.inputs["region"] == "us-east-1"


def test_account_baseline_alarm_covers_default_regions_and_the_opt_in_ones(
    pulumi_mocks: Recorder,
) -> None:
    regions = ["eu-west-1", "eu-south-1"]  # an opt-in region the account records in
    pulumi_mocks.run(
        lambda: AccountBaseline(
            "prod", _args(regions=regions, alarm_opt_in_regions=["af-south-1", "me-south-1"])
        )
    )
    covered = sorted(r.inputs["region"] for r in pulumi_mocks.of_type(EVENT_RULE))
    expected = sorted({*DEFAULT_ENABLED_REGIONS, *regions, "af-south-1", "me-south-1"})
    assert covered == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # What the stack config refuses, the components refuse: one line, nothing declared.
        (
            {"alert_emails": ["secops"]},
            r"^CostAnomalyAlerts emails\[0\]: 'secops' is not valid; expected a valid email "
            r"address$",
        ),
        (
            {"alert_emails": [f"ops{i}@example.com" for i in range(11)]},
            "^CostAnomalyAlerts emails: .* expected a list of at most 10 email addresses$",
        ),
        (
            {"alarm_emails": ["oncall@example.com", "ONCALL@example.com"]},
            r"^RootSigninAlarm alarm_emails\[1\]: .* expected each address once",
        ),
        ({"threshold_usd": 0}, "^CostAnomalyAlerts threshold_usd: 0 is not valid"),
        (
            {"home_region": "il-central-1", "regions": ["il-central-1"]},
            "^ConfigRecorder home_region: 'il-central-1' is not valid; expected a region where",
        ),
        ({"rule_frequency": "Hourly"}, "^RootGuardRule maximum_execution_frequency: 'Hourly'"),
        ({"root_use_window_days": -1}, "^RootGuardRule root_use_window_days: -1 is not valid"),
        (
            {"alarm_opt_in_regions": ["us-east-2"]},
            r"^AccountBaseline alarm_opt_in_regions\[0\]: 'us-east-2' is not valid; "
            "expected an opt-in",
        ),
        ({"cost_monitor_arn": "monitor"}, "^CostAnomalyAlerts monitor_arn: 'monitor' is not valid"),
        (
            {"execution_role": {"admin_account_id": "4444"}},
            "^admin_account_id: '4444' is not valid; expected a 12-digit AWS account id$",
        ),
    ],
    ids=[
        "email",
        "eleven-emails",
        "alarm-email-twice",
        "threshold",
        "home-region-after-february-2022",
        "frequency",
        "window",
        "opt-in-region-enabled-by-default",
        "monitor-arn",
        "admin-account",
    ],
)
def test_account_baseline_bad_args_rejected_before_registering(
    pulumi_mocks: Recorder, overrides: dict[str, object], message: str
) -> None:
    def program() -> None:
        AccountBaseline("prod", _args(**overrides))

    with pytest.raises(ValueError, match=message):
        pulumi_mocks.run(program)
    assert pulumi_mocks.registrations == []


def test_account_baseline_custom_rule_off(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args(custom_rule=False)))
    assert pulumi_mocks.of_type(FUNCTION) == []
    assert pulumi_mocks.of_type(PERMISSION) == []
    assert _custom_rules(pulumi_mocks) == []
    assert pulumi_mocks.of_type("rootguard:root_guard_rule:RootGuardRule") == []
    assert pulumi_mocks.of_type(EVENT_RULE)  # the alarm stays


def test_account_baseline_alarm_off(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args(root_signin_alarm=False)))
    assert pulumi_mocks.of_type(EVENT_RULE) == []
    assert pulumi_mocks.of_type("rootguard:root_signin_alarm:RootSigninAlarm") == []
    assert _custom_rules(pulumi_mocks)  # the custom rule stays


def test_account_baseline_no_execution_role_by_default(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: AccountBaseline("prod", _args()))
    assert pulumi_mocks.of_type("rootguard:execution_role:ExecutionRole") == []
    assert [r.inputs["name"] for r in pulumi_mocks.of_type(ROLE) if "name" in r.inputs] == [
        "rootguard-root-account-rule"
    ]


def test_account_baseline_execution_role_option(pulumi_mocks: Recorder) -> None:
    admin = "222222222222"
    pulumi_mocks.run(
        lambda: AccountBaseline("prod", _args(execution_role={"admin_account_id": admin}))
    )
    component = pulumi_mocks.one("rootguard:execution_role:ExecutionRole")
    baseline = pulumi_mocks.one("rootguard:account_baseline:AccountBaseline")
    assert component.parent == baseline.urn
    role = pulumi_mocks.by_name("prod-execution-role-role")
    assert role.inputs["name"] == "rootguard-config-rule"
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{admin}:root"}
    assert statement["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": f"arn:aws:iam::{admin}:role/rootguard-org-root-account-rule"
        }
    }
