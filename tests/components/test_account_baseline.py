"""AccountBaseline: composes the three components for one account."""

from __future__ import annotations

import pulumi
from rootguard.components import AccountBaseline, AccountBaselineArgs

from tests.conftest import Recorder

ACCOUNT = "111111111111"
REGIONS = ["us-east-1", "eu-west-1"]
RULE = "aws:cfg/rule:Rule"
RECORDER = "aws:cfg/recorder:Recorder"


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
    identifiers = sorted(r.inputs["source"]["sourceIdentifier"] for r in pulumi_mocks.of_type(RULE))
    assert identifiers == ["ROOT_ACCOUNT_HARDWARE_MFA_ENABLED", "ROOT_ACCOUNT_MFA_ENABLED"]
    assert {r.inputs["maximumExecutionFrequency"] for r in pulumi_mocks.of_type(RULE)} == {
        "One_Hour"
    }
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
    rules = pulumi_mocks.of_type(RULE)
    assert rules and all(rule.dependencies == [] for rule in rules)
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
