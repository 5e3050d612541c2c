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


# -------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"rules": {"customRule": "yes"}},
            "rootguard:rules.customRule: 'yes' is not valid; expected true or false",
        ),
        (
            {"rules": {"requireHardwareMfa": 1}},
            "rootguard:rules.requireHardwareMfa: 1 is not valid; expected true or false",
        ),
        (
            {"rules": {"rootUseWindowDays": -1}},
            "rootguard:rules.rootUseWindowDays: -1 is not valid; "
            "expected a whole number of days, 0 (off) or more",
        ),
        (
            {"rules": {"rootUseWindowDays": 1.5}},
            "rootguard:rules.rootUseWindowDays: 1.5 is not valid; "
            "expected a whole number of days, 0 (off) or more",
        ),
        (
            {"rules": {"rootUseWindowDays": True}},
            "rootguard:rules.rootUseWindowDays: True is not valid; "
            "expected a whole number of days, 0 (off) or more",
        ),
        (
            {"alarm": {"enabled": "no"}},
            "rootguard:alarm.enabled: 'no' is not valid; expected true or false",
        ),
        (
            {"alarm": {"emails": ["not-an-address"]}},
            "rootguard:alarm.emails[0]: 'not-an-address' is not valid; "
            "expected a valid email address",
        ),
        (
            {"alarm": {"email": []}},
            "rootguard:alarm.email: [] is not a known key; expected one of emails, enabled",
        ),
        (
            {"executionRole": {}},
            "rootguard:executionRole.adminAccountId: missing; "
            "expected a 12-digit AWS account id as a quoted string",
        ),
        (
            {"executionRole": {"adminAccountId": "2222"}},
            "rootguard:executionRole.adminAccountId: '2222' is not valid; "
            "expected a 12-digit AWS account id as a quoted string",
        ),
        (
            {"executionRole": {"adminAccountId": ADMIN, "roleName": "no spaces"}},
            "rootguard:executionRole.roleName: 'no spaces' is not valid; "
            "expected an IAM role name (1-64 of letters, digits and +=,.@_-)",
        ),
    ],
    ids=[
        "custom-rule-not-bool",
        "require-hardware-not-bool",
        "window-negative",
        "window-fraction",
        "window-bool",
        "alarm-enabled-not-bool",
        "alarm-bad-email",
        "alarm-unknown-key",
        "execution-role-no-admin",
        "execution-role-short-admin",
        "execution-role-bad-name",
    ],
)
def test_config_rule_alarm_execution_role_bad_value_rejected(
    raw: dict[str, Any], expected: str
) -> None:
    assert _reject(raw) == expected


@pytest.mark.parametrize(
    ("organization", "expected"),
    [
        (
            True,
            "rootguard:organization: True is not valid; expected a mapping with keys "
            "aggregator, conformancePack, customRule, delegatedAdminAccountId, "
            "executionRoleName, role",
        ),
        (
            {"role": "admin"},
            "rootguard:organization.role: 'admin' is not valid; "
            "expected one of management, delegatedAdmin",
        ),
        (
            {"delegatedAdminAccountId": "12345"},
            "rootguard:organization.delegatedAdminAccountId: '12345' is not valid; "
            "expected a 12-digit AWS account id as a quoted string",
        ),
        (
            {"role": "delegatedAdmin", "delegatedAdminAccountId": ADMIN},
            f"rootguard:organization.delegatedAdminAccountId: '{ADMIN}' is not valid; "
            "expected no delegatedAdminAccountId with role delegatedAdmin (only the "
            "management account registers a delegated administrator)",
        ),
        (
            {"conformancePack": {"deliveryBucket": "rootguard-results"}},
            "rootguard:organization.conformancePack.deliveryBucket: 'rootguard-results' is "
            "not valid; expected an S3 bucket name starting with awsconfigconforms (AWS "
            "requires it for an organization conformance pack): lowercase letters, digits, "
            "'.' and '-', at most 63 characters, ending with a letter or digit",
        ),
        (
            {"conformancePack": {"deliveryBucket": "awsconfigconforms-" + "x" * 46}},
            None,
        ),
        (
            {"conformancePack": {"deliveryBucket": "awsconfigconforms-Results"}},
            None,
        ),
        (
            {"conformancePack": {"excludedAccounts": ["333333333333", "33333333333"]}},
            "rootguard:organization.conformancePack.excludedAccounts[1]: '33333333333' is not "
            "valid; expected a 12-digit AWS account id as a quoted string",
        ),
        (
            {"conformancePack": {"excludedAccounts": [333333333333]}},
            None,
        ),
        (
            {"conformancePack": {"excludedAccounts": ["333333333333", "333333333333"]}},
            "rootguard:organization.conformancePack.excludedAccounts[1]: '333333333333' is "
            "not valid; expected each account once (excludedAccounts[0] is 333333333333 too)",
        ),
        (
            {"conformancePack": {"excludedAccounts": "333333333333"}},
            "rootguard:organization.conformancePack.excludedAccounts: '333333333333' is not "
            "valid; expected a list of at most 1000 12-digit account ids",
        ),
        (
            {"conformancePack": {"hardwareMFA": True}},
            "rootguard:organization.conformancePack.hardwareMFA: True is not a known key; "
            "expected one of deliveryBucket, enabled, excludedAccounts, hardwareMfa",
        ),
        (
            {"aggregator": "on"},
            "rootguard:organization.aggregator: 'on' is not valid; expected true or false",
        ),
        (
            {"customRule": None},
            "rootguard:organization.customRule: None is not valid; expected true or false",
        ),
        (
            {"executionRoleName": ""},
            "rootguard:organization.executionRoleName: '' is not valid; "
            "expected an IAM role name (1-64 of letters, digits and +=,.@_-)",
        ),
    ],
    ids=[
        "not-a-mapping",
        "unknown-role",
        "admin-id-short",
        "admin-id-with-delegated-role",
        "bucket-prefix",
        "bucket-too-long",
        "bucket-uppercase",
        "excluded-id-short",
        "excluded-id-unquoted",
        "excluded-duplicate",
        "excluded-not-a-list",
        "unknown-pack-key",
        "aggregator-not-bool",
        "custom-rule-null",
        "execution-role-name-empty",
    ],
)
def test_config_organization_bad_value_rejected(organization: Any, expected: str | None) -> None:
    message = _reject({"organization": organization})
    if expected is None:  # the expectation is stated elsewhere; one line naming the key
        assert message.startswith("rootguard:organization.conformancePack.")
        assert "is not valid; expected" in message
    else:
        assert message == expected
