"""Stack config validation: every rule rejects its bad value with one line naming key,
value and expectation; valid configs come back typed with their defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config

from rootguard.config import (
    ConfigError,
    StackConfig,
    aws_regions,
    execution_frequencies,
    load_stack_config,
)
from rootguard.errors import UsageError

ONE = "111111111111"
TWO = "222222222222"
MONITOR = "arn:aws:ce::111111111111:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


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


# ------------------------------------------------------------------------- account ids


def test_config_account_id_short_string_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE}, {"id": "12345"}]})
    assert message == (
        "rootguard:accounts[1].id: '12345' is not valid; "
        "expected a 12-digit AWS account id as a quoted string"
    )


def test_config_account_id_unquoted_int_says_quote_it() -> None:
    message = _reject({"accounts": [{"id": 111111111111}]})
    assert message.startswith("rootguard:accounts[0].id: 111111111111 is not valid; expected")
    assert "quote it" in message


def test_config_account_id_missing_rejected() -> None:
    message = _reject({"accounts": [{"name": "prod"}]})
    assert message.startswith("rootguard:accounts[0].id: missing; expected a 12-digit")


def test_config_duplicate_account_id_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "name": "a"}, {"id": ONE, "name": "b"}]})
    assert message.startswith(f"rootguard:accounts[1].id: '{ONE}' is not valid; expected a unique")


def test_config_duplicate_account_name_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "name": "prod"}, {"id": TWO, "name": "prod"}]})
    assert message.startswith("rootguard:accounts[1].name: 'prod' is not valid; expected a unique")


def test_config_bad_account_name_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "name": "prod::x"}]})
    assert message.startswith("rootguard:accounts[0].name: 'prod::x' is not valid; expected a name")


def test_config_empty_accounts_list_rejected() -> None:
    message = _reject({"accounts": []})
    assert message.startswith("rootguard:accounts: [] is not valid; expected a non-empty list")


def test_config_account_entry_not_a_mapping_rejected() -> None:
    message = _reject({"accounts": [ONE]})
    assert message == (
        f"rootguard:accounts[0]: '{ONE}' is not valid; "
        "expected a mapping with keys costMonitorArn, id, name, roleName"
    )


def test_config_bad_role_name_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "roleName": "Org Access"}]})
    assert message.startswith("rootguard:accounts[0].roleName: 'Org Access' is not valid;")
    assert "IAM role name" in message


def test_config_bad_monitor_arn_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "costMonitorArn": "monitor-1"}]})
    assert message.startswith("rootguard:accounts[0].costMonitorArn: 'monitor-1' is not valid;")
    assert "anomalymonitor" in message


def test_config_monitor_arn_of_other_account_rejected() -> None:
    message = _reject({"accounts": [{"id": TWO, "costMonitorArn": MONITOR}]})
    assert message.startswith(f"rootguard:accounts[0].costMonitorArn: '{MONITOR}' is not valid;")
    assert f"this account ({TWO})" in message


def test_config_alerts_monitor_arn_with_accounts_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE}], "alerts": {"costMonitorArn": MONITOR}})
    assert message.startswith(f"rootguard:alerts.costMonitorArn: '{MONITOR}' is not valid;")


# ----------------------------------------------------------------------------- regions


def test_config_unknown_region_rejected() -> None:
    message = _reject({"regions": ["us-east-1", "us-east-9"]})
    assert message.startswith("rootguard:regions[1]: 'us-east-9' is not valid; expected an AWS")


def test_config_unknown_home_region_rejected() -> None:
    message = _reject({"homeRegion": "mars-north-1"})
    assert message.startswith("rootguard:homeRegion: 'mars-north-1' is not valid; expected an AWS")


def test_config_home_region_not_in_regions_rejected() -> None:
    message = _reject({"homeRegion": "us-east-1", "regions": ["eu-west-1"]})
    assert message == (
        "rootguard:homeRegion: 'us-east-1' is not valid; expected one of rootguard:regions "
        "(eu-west-1)"
    )


def test_config_duplicate_region_rejected() -> None:
    message = _reject({"regions": ["us-east-1", "us-east-1"]})
    assert message.startswith("rootguard:regions[1]: 'us-east-1' is not valid; expected each")


def test_config_regions_not_a_list_rejected() -> None:
    message = _reject({"regions": "us-east-1"})
    assert message.startswith("rootguard:regions: 'us-east-1' is not valid; expected a non-empty")


def test_config_no_home_region_and_no_aws_region_rejected() -> None:
    message = _reject({}, aws_region=None)
    assert message.startswith("rootguard:homeRegion: missing; expected an AWS region")
    assert "aws:region" in message


# ------------------------------------------------------------------------------ alerts


def test_config_more_than_ten_emails_rejected() -> None:
    emails = [f"ops{i}@example.com" for i in range(11)]
    message = _reject({"alerts": {"emails": emails}})
    assert message.startswith("rootguard:alerts.emails: ['ops0@example.com'")
    assert message.endswith("is not valid; expected a list of at most 10 email addresses")


def test_config_invalid_email_rejected() -> None:
    message = _reject({"alerts": {"emails": ["ops@example.com", "not-an-address"]}})
    assert message == (
        "rootguard:alerts.emails[1]: 'not-an-address' is not valid; expected a valid email address"
    )


@pytest.mark.parametrize("threshold", [0, -5, "abc", True])
def test_config_non_positive_threshold_rejected(threshold: Any) -> None:
    message = _reject({"alerts": {"thresholdUsd": threshold}})
    assert message == (
        f"rootguard:alerts.thresholdUsd: {threshold!r} is not valid; "
        "expected a number of US dollars greater than 0"
    )


# ---------------------------------------------------------------------- recorder, rules


def test_config_unknown_recorder_mode_rejected() -> None:
    message = _reject({"recorder": {"mode": "manage"}})
    assert message == (
        "rootguard:recorder.mode: 'manage' is not valid; expected one of create, adopt, skip"
    )


def test_config_global_switch_not_bool_rejected() -> None:
    message = _reject({"recorder": {"globalResourcesInAllRegions": "yes"}})
    assert message == (
        "rootguard:recorder.globalResourcesInAllRegions: 'yes' is not valid; expected true or false"
    )


def test_config_bad_recorder_name_rejected() -> None:
    message = _reject({"recorder": {"recorderName": "my recorder"}})
    assert message.startswith("rootguard:recorder.recorderName: 'my recorder' is not valid;")


def test_config_unknown_frequency_rejected() -> None:
    message = _reject({"rules": {"frequency": "Daily"}})
    assert message.startswith("rootguard:rules.frequency: 'Daily' is not valid; expected one of")
    assert "TwentyFour_Hours" in message


def test_config_rule_switch_not_bool_rejected() -> None:
    message = _reject({"rules": {"hardwareMfa": 1}})
    assert message == "rootguard:rules.hardwareMfa: 1 is not valid; expected true or false"


# ------------------------------------------------------------------------- unknown keys


def test_config_unknown_top_level_key_rejected() -> None:
    message = _reject({"regoins": ["us-east-1"]})
    assert message == (
        "rootguard:regoins: ['us-east-1'] is not a known key; expected one of accounts, alarm, "
        "alerts, executionRole, homeRegion, organization, recorder, regions, rules"
    )


def test_config_unknown_nested_key_rejected() -> None:
    message = _reject({"alerts": {"email": ["ops@example.com"]}})
    assert message == (
        "rootguard:alerts.email: ['ops@example.com'] is not a known key; "
        "expected one of costMonitorArn, emails, thresholdUsd"
    )


def test_config_unknown_account_key_rejected() -> None:
    message = _reject({"accounts": [{"id": ONE, "role": "Admin"}]})
    assert message.startswith("rootguard:accounts[0].role: 'Admin' is not a known key;")


def test_config_snake_case_key_rejected() -> None:
    # Only the documented camelCase spelling is a key.
    message = _reject({"recorder": {"recorder_name": "x"}})
    assert message.startswith("rootguard:recorder.recorder_name: 'x' is not a known key;")


def test_config_section_not_a_mapping_rejected() -> None:
    message = _reject({"rules": ["hardwareMfa"]})
    assert message == (
        "rootguard:rules: ['hardwareMfa'] is not valid; "
        "expected a mapping with keys customRule, frequency, hardwareMfa, "
        "requireHardwareMfa, rootAccessKeyCheck, rootUseWindowDays"
    )


def test_config_long_value_is_shortened_to_one_line() -> None:
    message = _reject({"accounts": [{"id": "1\n" * 200}]})
    assert len(message) < 300
