"""Stack config of the custom rule, the sign-in alarm, the member execution role and the
organization layer: defaults, and each bad value rejected with one line."""

from __future__ import annotations

from typing import Any

import pytest

from rootguard.config import ConfigError, load_stack_config

ADMIN = "222222222222"


def _load(raw: dict[str, Any]) -> Any:
    return load_stack_config(raw, aws_region="us-east-1")


def _reject(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as exc:
        _load(raw)
    message = str(exc.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------ valid configs


def test_config_rule_and_alarm_defaults() -> None:
    config = _load({})
    assert config.rules.custom_rule is True
    assert config.rules.require_hardware_mfa is False
    assert config.rules.root_use_window_days == 0
    assert config.alarm.enabled is True
    assert config.alarm.emails == []
    assert config.organization is None
    assert config.execution_role is None


def test_config_rule_and_alarm_settings() -> None:
    config = _load(
        {
            "rules": {"customRule": False, "requireHardwareMfa": True, "rootUseWindowDays": 30},
            "alarm": {"enabled": False, "emails": ["oncall@example.com"]},
        }
    )
    assert config.rules.custom_rule is False
    assert config.rules.require_hardware_mfa is True
    assert config.rules.root_use_window_days == 30
    assert config.alarm.enabled is False
    assert config.alarm.emails == ["oncall@example.com"]


def test_config_window_days_accepts_digit_string_from_config_set_path() -> None:
    assert _load({"rules": {"rootUseWindowDays": "14"}}).rules.root_use_window_days == 14


def test_config_execution_role_defaults_role_name() -> None:
    role = _load({"executionRole": {"adminAccountId": ADMIN}}).execution_role
    assert role.admin_account_id == ADMIN
    assert role.role_name == "rootguard-config-rule"


def test_config_organization_defaults() -> None:
    org = _load({"organization": {}}).organization
    assert org.role == "management"
    assert org.delegated_admin_account_id is None
    assert org.conformance_pack.enabled is True
    assert org.conformance_pack.hardware_mfa is False
    assert org.conformance_pack.excluded_accounts == []
    assert org.conformance_pack.delivery_bucket is None
    assert org.aggregator is True
    assert org.custom_rule is True
    assert org.execution_role_name == "rootguard-config-rule"


def test_config_organization_issue_example() -> None:
    org = _load(
        {
            "organization": {
                "role": "management",
                "delegatedAdminAccountId": ADMIN,
                "conformancePack": {
                    "enabled": True,
                    "hardwareMfa": False,
                    "excludedAccounts": [],
                    "deliveryBucket": None,
                },
                "aggregator": True,
                "customRule": True,
                "executionRoleName": "rootguard-config-rule",
            }
        }
    ).organization
    assert org.delegated_admin_account_id == ADMIN


def test_config_organization_delegated_admin_role() -> None:
    org = _load(
        {
            "organization": {
                "role": "delegatedAdmin",
                "conformancePack": {
                    "hardwareMfa": True,
                    "excludedAccounts": ["333333333333", "444444444444"],
                    "deliveryBucket": "awsconfigconforms-rootguard-results",
                },
                "aggregator": False,
                "customRule": False,
            }
        }
    ).organization
    assert org.role == "delegatedAdmin"
    assert org.conformance_pack.excluded_accounts == ["333333333333", "444444444444"]
    assert org.conformance_pack.delivery_bucket == "awsconfigconforms-rootguard-results"


# Bad values live in tests/config_cases.py with every other rejected config.
