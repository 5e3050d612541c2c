"""The stack program (__main__.py): config -> one provider per account -> baselines."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import config as runtime_config

from tests.conftest import MOCK_ACCOUNT, Recorder

PROJECT = Path(__file__).resolve().parent.parent
PROVIDER = "pulumi:providers:aws"


def _set_config(config: dict[str, Any]) -> None:
    runtime_config.set_all_config(
        {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()
        }
    )


def _run_program(mocks: Recorder, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(PROJECT))
    _set_config(config)

    def program() -> None:
        runpy.run_path(str(PROJECT / "__main__.py"), run_name="__main__")

    mocks.run(program)


def _dev_config() -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "Pulumi.dev.yaml").read_text())["config"]


def test_main_one_provider_per_account(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    _run_program(pulumi_mocks, monkeypatch, config)
    providers = pulumi_mocks.of_type(PROVIDER)
    accounts = config["rootguard:accounts"]
    assert len(providers) == len(accounts)
    for account in accounts:
        inputs = pulumi_mocks.by_name(f"{account['name']}-provider").inputs
        role_arn = f"arn:aws:iam::{account['id']}:role/OrganizationAccountAccessRole"
        assert role_arn in inputs["assumeRoles"]
        assert json.loads(inputs["allowedAccountIds"]) == [account["id"]]
        assert inputs["region"] == config["rootguard:homeRegion"]


def test_main_no_listed_account_resource_on_default_provider(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_program(pulumi_mocks, monkeypatch, _dev_config())
    providers = {reg.urn: reg for reg in pulumi_mocks.of_type(PROVIDER)}
    custom = [reg for reg in pulumi_mocks.registrations if reg.custom and reg.type != PROVIDER]
    assert custom
    for reg in custom:
        provider_urn = reg.provider.rsplit("::", 1)[0]
        assert provider_urn in providers, (
            f"{reg.name} is on {reg.provider or 'the default provider'}"
        )


def test_main_each_account_resource_uses_its_own_provider(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_program(pulumi_mocks, monkeypatch, _dev_config())
    for reg in pulumi_mocks.registrations:
        if reg.custom and reg.type != PROVIDER:
            account_name = reg.name.split("-", 1)[0]
            assert f"::{account_name}-provider::" in reg.provider, reg.name


def test_main_one_baseline_per_account(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_program(pulumi_mocks, monkeypatch, _dev_config())
    baselines = pulumi_mocks.of_type("rootguard:account_baseline:AccountBaseline")
    assert sorted(b.name for b in baselines) == ["prod", "sandbox", "staging"]
    recorders = pulumi_mocks.of_type("aws:cfg/recorder:Recorder")
    assert len(recorders) == 3 * 2


def test_main_without_accounts_uses_default_provider(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_program(pulumi_mocks, monkeypatch, {"aws:region": "us-west-2"})
    assert pulumi_mocks.of_type(PROVIDER) == []
    baseline = pulumi_mocks.one("rootguard:account_baseline:AccountBaseline")
    assert baseline.name == "self"
    bucket = pulumi_mocks.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == f"rootguard-config-{MOCK_ACCOUNT}-us-west-2"
    assert bucket.provider == ""


def test_main_config_error_is_one_line_run_error(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    config["rootguard:accounts"] = [{"id": "12345"}]
    with pytest.raises(pulumi.RunError) as exc:
        _run_program(pulumi_mocks, monkeypatch, config)
    assert str(exc.value) == (
        "rootguard:accounts[0].id: '12345' is not valid; "
        "expected a 12-digit AWS account id as a quoted string"
    )
    assert pulumi_mocks.registrations == []


def _account_of(mocks: Recorder, reg: Any) -> str:
    """The account name of a registration: the name of its provider."""
    return str(reg.provider.split("::")[-2]).removesuffix("-provider")


def test_main_dev_stack_custom_rule_and_alarm_per_account(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    _run_program(pulumi_mocks, monkeypatch, config)
    home = config["rootguard:homeRegion"]
    names = sorted(account["name"] for account in config["rootguard:accounts"])
    central_rules = [
        r
        for r in pulumi_mocks.of_type("aws:cloudwatch/eventRule:EventRule")
        if r.name.endswith("-root-signin-alarm-rule")
    ]
    for found, region in [
        (pulumi_mocks.of_type("aws:lambda/function:Function"), home),
        (pulumi_mocks.of_type("aws:lambda/permission:Permission"), home),
        (central_rules, "us-east-1"),
    ]:
        assert sorted(_account_of(pulumi_mocks, reg) for reg in found) == names
        assert {reg.inputs["region"] for reg in found} == {region}
    custom = [
        reg
        for reg in pulumi_mocks.of_type("aws:cfg/rule:Rule")
        if reg.inputs["source"]["owner"] == "CUSTOM_LAMBDA"
    ]
    assert sorted(_account_of(pulumi_mocks, reg) for reg in custom) == names
    assert {reg.inputs["region"] for reg in custom} == {home}
    for permission in pulumi_mocks.of_type("aws:lambda/permission:Permission"):
        account = next(a for a in config["rootguard:accounts"] if a["name"] in permission.name)
        assert permission.inputs["sourceAccount"] == account["id"]


def test_main_rule_and_alarm_settings_from_config(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    config["rootguard:rules"] = {"requireHardwareMfa": True, "rootUseWindowDays": 7}
    config["rootguard:alarm"] = {"emails": ["oncall@example.com"]}
    _run_program(pulumi_mocks, monkeypatch, config)
    custom = [
        reg
        for reg in pulumi_mocks.of_type("aws:cfg/rule:Rule")
        if reg.inputs["source"]["owner"] == "CUSTOM_LAMBDA"
    ]
    assert custom
    for rule in custom:
        assert json.loads(rule.inputs["inputParameters"]) == {
            "RequireHardwareMfa": "true",
            "RootUseWindowDays": "7",
        }
    subscriptions = pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
    alarm_emails = [s for s in subscriptions if s.inputs.get("region") == "us-east-1"]
    assert len(alarm_emails) == 3
    assert {s.inputs["endpoint"] for s in alarm_emails} == {"oncall@example.com"}


def test_main_alarm_opt_in_regions_and_bucket_choice_from_config(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    config["rootguard:alarm"] = {"optInRegions": ["af-south-1"]}
    config["rootguard:recorder"] = {"keepBucketOnDestroy": False}
    _run_program(pulumi_mocks, monkeypatch, config)
    forwarders = [
        r
        for r in pulumi_mocks.of_type("aws:cloudwatch/eventRule:EventRule")
        if r.inputs["region"] == "af-south-1"
    ]
    assert sorted(_account_of(pulumi_mocks, r) for r in forwarders) == sorted(
        a["name"] for a in config["rootguard:accounts"]
    )
    buckets = pulumi_mocks.of_type("aws:s3/bucket:Bucket")
    assert [b.inputs.get("forceDestroy") for b in buckets] == [True] * 3
    assert not any(b.retain_on_delete for b in buckets)


@pytest.mark.parametrize(
    ("key", "value", "gone"),
    [
        ("rootguard:rules", {"customRule": False}, "rootguard:root_guard_rule:RootGuardRule"),
        ("rootguard:alarm", {"enabled": False}, "rootguard:root_signin_alarm:RootSigninAlarm"),
    ],
    ids=["custom-rule-off", "alarm-off"],
)
def test_main_switches_turn_components_off(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch, key: str, value: Any, gone: str
) -> None:
    config = _dev_config()
    config[key] = value
    _run_program(pulumi_mocks, monkeypatch, config)
    assert pulumi_mocks.of_type(gone) == []
    assert len(pulumi_mocks.of_type("rootguard:account_baseline:AccountBaseline")) == 3


def test_main_execution_role_in_every_account(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    config["rootguard:executionRole"] = {"adminAccountId": "444444444444"}
    _run_program(pulumi_mocks, monkeypatch, config)
    roles = pulumi_mocks.of_type("rootguard:execution_role:ExecutionRole")
    assert sorted(r.name for r in roles) == [
        "prod-execution-role",
        "sandbox-execution-role",
        "staging-execution-role",
    ]
    for role in pulumi_mocks.of_type("aws:iam/role:Role"):
        if role.name.endswith("-execution-role-role"):
            trust = json.loads(role.inputs["assumeRolePolicy"])
            assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444444444444:root"}
