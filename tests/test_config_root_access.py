"""Stack config of centralized root access and the guardrail SCPs
(`rootguard:organization.rootAccess`, `.guardrails`, `rootguard:rules.rootCredentialsManaged`):
defaults, and each bad value rejected with one line naming the key and what is expected."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_config_organization import _load, _reject

ADMIN = "555555555555"


def test_config_root_access_and_guardrails_absent_by_default() -> None:
    config = _load({"organization": {}})
    assert config.organization.root_access is None
    assert config.organization.guardrails is None
    assert config.rules.root_credentials_managed is False


def test_config_root_access_defaults() -> None:
    access = _load({"organization": {"rootAccess": {}}}).organization.root_access
    assert access.trusted_access is True
    assert access.delegated_admin_account_id is None


def test_config_root_access_delegated_admin() -> None:
    raw = {"organization": {"rootAccess": {"delegatedAdminAccountId": ADMIN}}}
    assert _load(raw).organization.root_access.delegated_admin_account_id == ADMIN


def test_config_guardrails_defaults() -> None:
    guardrails = _load({"organization": {"guardrails": {"targets": ["r-ab12"]}}}).organization
    assert guardrails.guardrails.targets == ["r-ab12"]
    assert guardrails.guardrails.deny_root_user is True
    assert guardrails.guardrails.deny_root_access_keys is True
    assert guardrails.guardrails.protect_rootguard is True
    assert guardrails.guardrails.deploy_role_names == ["OrganizationAccountAccessRole"]
    assert guardrails.guardrails.exempt_accounts == []
    assert guardrails.guardrails.exempt_ous == []


def test_config_guardrails_every_target_kind_and_exemptions() -> None:
    raw = {
        "targets": ["r-ab12", "ou-ab12-cd34ef56", "111111111111"],
        "exemptAccounts": ["222222222222"],
        "exemptOus": ["ou-ab12-breakgla"],
        "deployRoleNames": ["rootguard-deployer", "OrganizationAccountAccessRole"],
    }
    guardrails = _load({"organization": {"guardrails": raw}}).organization.guardrails
    assert guardrails.targets == raw["targets"]
    assert guardrails.exempt_ous == ["ou-ab12-breakgla"]


def test_config_rules_root_credentials_managed() -> None:
    assert _load({"rules": {"rootCredentialsManaged": True}}).rules.root_credentials_managed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"organization": {"guardrails": {}}},
            "rootguard:organization.guardrails.targets: missing; expected a non-empty list",
        ),
        (
            {"organization": {"guardrails": {"targets": []}}},
            "rootguard:organization.guardrails.targets: [] is not valid; expected a non-empty",
        ),
        (
            {"organization": {"guardrails": {"targets": ["root"]}}},
            "rootguard:organization.guardrails.targets[0]: 'root' is not valid; expected an "
            "organization root id (r-ab12)",
        ),
        (
            {"organization": {"guardrails": {"targets": [111111111111]}}},
            "rootguard:organization.guardrails.targets[0]: 111111111111 is not valid",
        ),
        (
            {"organization": {"guardrails": {"targets": ["r-ab12", "r-ab12"]}}},
            "rootguard:organization.guardrails.targets[1]: 'r-ab12' is not valid; expected "
            "each once (targets[0] is it too)",
        ),
        (
            {"organization": {"guardrails": {"targets": ["r-ab12"], "exemptOus": ["r-ab12"]}}},
            "rootguard:organization.guardrails.exemptOus[0]: 'r-ab12' is not valid; expected "
            "an organizational unit id",
        ),
        (
            {"organization": {"guardrails": {"targets": ["r-ab12"], "exemptAccounts": ["1"]}}},
            "rootguard:organization.guardrails.exemptAccounts[0]: '1' is not valid",
        ),
        (
            {"organization": {"guardrails": {"targets": ["r-ab12"], "deployRoleNames": []}}},
            "rootguard:organization.guardrails.deployRoleNames: [] is not valid",
        ),
        (
            {
                "organization": {
                    "guardrails": {
                        "targets": ["r-ab12"],
                        "denyRootUser": False,
                        "denyRootAccessKeys": False,
                        "protectRootguard": False,
                    }
                }
            },
            "expected at least one of denyRootUser, denyRootAccessKeys, protectRootguard true",
        ),
        (
            {"organization": {"guardrails": {"targets": ["r-ab12"], "denyRoot": True}}},
            "rootguard:organization.guardrails.denyRoot: True is not a known key",
        ),
        (
            {"organization": {"rootAccess": {"trustedAccess": "yes"}}},
            "rootguard:organization.rootAccess.trustedAccess: 'yes' is not valid; expected "
            "true or false",
        ),
        (
            {"organization": {"rootAccess": {"delegatedAdminAccountId": "12345"}}},
            "rootguard:organization.rootAccess.delegatedAdminAccountId: '12345' is not valid",
        ),
        (
            {"organization": {"role": "delegatedAdmin", "rootAccess": {}}},
            "rootguard:organization.rootAccess: ",
        ),
        (
            {"organization": {"role": "delegatedAdmin", "guardrails": {"targets": ["r-ab12"]}}},
            "expected no guardrails with role delegatedAdmin (only the management account",
        ),
        (
            {
                "organization": {
                    "guardrails": {
                        "targets": ["r-ab12"],
                        "exemptAccounts": [f"{i:012d}" for i in range(1, 400)],
                    }
                }
            },
            "rootguard:organization.guardrails.exemptAccounts: '399 accounts, 0 OUs' is not "
            "valid; expected exemptions that fit every guardrail in an SCP (guardrail "
            "deny-root-user is",
        ),
        (
            {"rules": {"rootCredentialsManaged": "true"}},
            "rootguard:rules.rootCredentialsManaged: 'true' is not valid; expected true or false",
        ),
    ],
)
def test_config_root_access_bad_value_one_line(raw: dict[str, Any], expected: str) -> None:
    assert expected in _reject(raw)
