"""Stack config validation: every rule rejects its bad value with one line naming key,
value and expectation; valid configs come back typed with their defaults."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config

from rootguard.config import (
    AccountConfig,
    AlarmConfig,
    AlertsConfig,
    ConfigError,
    ConformancePackConfig,
    ExecutionRoleConfig,
    OrganizationConfig,
    RecorderConfig,
    RulesConfig,
    StackConfig,
    aws_regions,
    execution_frequencies,
    load_stack_config,
)
from rootguard.config_rollout import (
    AccountDiscoveryConfig,
    CentralAccountConfig,
    OrganizationAccountsConfig,
    SkipRecorderConfig,
    StackSetConfig,
)
from rootguard.errors import UsageError
from tests.config_cases import BAD_CONFIGS, MONITOR, ONE, TWO, BadConfig


def _reject(raw: dict[str, Any], aws_region: str | None = "us-east-1") -> str:
    with pytest.raises(ConfigError) as exc:
        load_stack_config(raw, aws_region=aws_region)
    message = str(exc.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------ valid configs


def test_config_minimal_defaults_to_callers_account_in_aws_region() -> None:
    config = load_stack_config({}, aws_region="eu-west-1")
    assert isinstance(config, StackConfig)
    assert config.home_region == "eu-west-1"
    assert config.regions == ["eu-west-1"]
    assert config.accounts == []
    assert config.alerts.emails == []
    assert config.alerts.threshold_usd == 100
    assert config.recorder.mode == "create"
    assert config.recorder.global_resources_in_all_regions is False
    assert config.recorder.recorder_name == "default"
    assert config.recorder.delivery_channel_name == "default"
    assert config.rules.hardware_mfa is False
    assert config.rules.root_access_key_check is True
    assert config.rules.frequency == "TwentyFour_Hours"


def test_config_full_example_is_typed() -> None:
    config = load_stack_config(
        {
            "homeRegion": "eu-west-1",
            "regions": ["us-east-1", "eu-west-1"],
            "accounts": [
                {"id": ONE, "name": "prod", "costMonitorArn": MONITOR},
                {"id": TWO, "roleName": "AuditRole"},
            ],
            "alerts": {"emails": ["secops@example.com"], "thresholdUsd": 250},
            "recorder": {
                "mode": "adopt",
                "recorderName": "cfg",
                "globalResourcesInAllRegions": True,
            },
            "rules": {"hardwareMfa": True, "rootAccessKeyCheck": False, "frequency": "One_Hour"},
        },
        aws_region="us-east-1",
    )
    assert config.home_region == "eu-west-1"
    prod, second = config.accounts
    assert prod.name == "prod" and prod.cost_monitor_arn == MONITOR
    assert prod.role_arn == f"arn:aws:iam::{ONE}:role/OrganizationAccountAccessRole"
    assert second.name == TWO  # the name defaults to the id
    assert second.role_arn == f"arn:aws:iam::{TWO}:role/AuditRole"
    assert config.alerts.threshold_usd == 250.0
    assert config.recorder.mode == "adopt" and config.recorder.recorder_name == "cfg"
    assert config.rules.frequency == "One_Hour"


def test_config_json_strings_are_decoded_like_pulumi_runtime_values() -> None:
    config = load_stack_config(
        {"regions": json.dumps(["us-east-1", "eu-west-1"]), "accounts": json.dumps([{"id": ONE}])},
        aws_region="us-east-1",
    )
    assert config.regions == ["us-east-1", "eu-west-1"]
    assert config.accounts[0].id == ONE


def test_config_threshold_accepts_numeric_string_from_config_set_path() -> None:
    # `pulumi config set --path` stores 99.5 as the string "99.5".
    config = load_stack_config({"alerts": {"thresholdUsd": "99.5"}}, aws_region="us-east-1")
    assert config.alerts.threshold_usd == 99.5


def test_config_reads_pulumi_runtime_config() -> None:
    runtime_config.set_all_config(
        {
            "aws:region": "eu-central-1",
            "rootguard:accounts": json.dumps([{"id": ONE, "name": "prod"}]),
            "rootguard:alerts": json.dumps({"emails": ["a@example.com"]}),
            "other:accounts": "ignored",
        }
    )
    try:
        config = load_stack_config()
    finally:
        runtime_config.set_all_config({})
    assert config.home_region == "eu-central-1"
    assert config.regions == ["eu-central-1"]
    assert config.accounts[0].name == "prod"
    assert config.alerts.emails == ["a@example.com"]


def test_config_runtime_unknown_key_is_rejected() -> None:
    runtime_config.set_all_config({"aws:region": "us-east-1", "rootguard:homeregion": "us-east-1"})
    try:
        with pytest.raises(ConfigError) as exc:
            load_stack_config()
    finally:
        runtime_config.set_all_config({})
    assert str(exc.value).startswith("rootguard:homeregion: 'us-east-1' is not a known key")


def test_config_error_is_a_usage_error() -> None:
    assert issubclass(ConfigError, UsageError)


def test_config_regions_come_from_botocore() -> None:
    assert "us-east-1" in aws_regions() and "eu-west-1" in aws_regions()
    assert "us-gov-west-1" not in aws_regions()  # other partitions are not supported
    assert "TwentyFour_Hours" in execution_frequencies()


# ------------------------------------------------------------------------- bad values


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=[case.id for case in BAD_CONFIGS])
def test_config_bad_value_rejected_with_one_line(case: BadConfig) -> None:
    case.check(_reject(case.raw, aws_region=case.aws_region))


def test_config_bad_values_cover_every_key() -> None:
    # Every key of the namespace (nested ones included) has at least one bad-value case.
    covered = {case.key.split(":", 1)[1] for case in BAD_CONFIGS}
    covered = {re.sub(r"\[\d+\]", "", key) for key in covered}
    keys = {
        f"{section}.{key}" if section else key
        for section, model in [
            ("", StackConfig),
            ("accounts", AccountConfig),
            ("alerts", AlertsConfig),
            ("recorder", RecorderConfig),
            ("rules", RulesConfig),
            ("alarm", AlarmConfig),
            ("executionRole", ExecutionRoleConfig),
            ("organization", OrganizationConfig),
            ("organization.conformancePack", ConformancePackConfig),
            ("organization.stackSet", StackSetConfig),
            ("organization.stackSet.skipRecorder", SkipRecorderConfig),
            ("organization.logArchiveAccount", CentralAccountConfig),
            ("organization.securityAccount", CentralAccountConfig),
            ("organization.payerAccount", CentralAccountConfig),
            ("accounts", AccountDiscoveryConfig),
            ("accounts.fromOrganization", OrganizationAccountsConfig),
        ]
        for key in (field.alias for field in model.model_fields.values())
    }
    assert keys - covered == set()


def test_config_long_value_is_shortened_to_one_line() -> None:
    message = _reject({"accounts": [{"id": "1\n" * 200}]})
    assert len(message) < 300
