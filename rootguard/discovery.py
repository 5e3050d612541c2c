"""Account discovery: `rootguard:accounts: {fromOrganization: {ous: [...], exclude: [...]}}`
resolved from AWS Organizations when the program runs.

Every account under the listed OUs (nested OUs included; the root id means the whole
organization) becomes an account of the stack, so an account created tomorrow is
baselined by the next `pulumi up` without editing the stack file. Left out, each with a
one-line note: the listed exclusions, accounts that are not ACTIVE (suspended, closing),
and the management account (Organizations creates no OrganizationAccountAccessRole there
and no role can be assumed into it from itself). The accounts are named by id, which
never changes, so renaming an account in Organizations replaces nothing.

The offline `rootguard plan --accounts FILE` answers the same invokes from a fixture.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from rootguard.config import AccountConfig
from rootguard.config_rollout import OrganizationAccountsConfig

KEY = "rootguard:accounts.fromOrganization"
ACTIVE = "ACTIVE"


def discover_accounts(spec: OrganizationAccountsConfig) -> list[AccountConfig]:
    """The stack's accounts, sorted by id (see the module docstring)."""
    management = aws.organizations.get_organization().master_account_id
    found: dict[str, Any] = {}
    for ou in spec.ous:
        result = aws.organizations.get_organizational_unit_descendant_accounts(parent_id=ou)
        for account in result.accounts or []:
            found.setdefault(_field(account, "id"), account)
    for excluded in spec.exclude:
        if excluded not in found:
            pulumi.log.warn(f"{KEY}: excluded account {excluded} is not under {_ous(spec)}")
    accounts: list[AccountConfig] = []
    for account_id in sorted(found):
        account = found[account_id]
        label = f"{account_id} ({_field(account, 'name')})"
        state = _field(account, "state") or _field(account, "status")
        if account_id in spec.exclude:
            continue
        if account_id == management:
            pulumi.log.warn(
                f"{KEY}: {label} is the management account; skipped (no role to assume "
                "there; the organization stack baselines it)"
            )
        elif state != ACTIVE:
            pulumi.log.warn(f"{KEY}: {label} is {state}; skipped")
        else:
            accounts.append(
                AccountConfig.model_validate(
                    {"id": account_id, "name": account_id, "roleName": spec.role_name}
                )
            )
    return accounts


def _field(account: Any, name: str) -> Any:
    """A field of an account result (a typed result, or a mapping in mocks)."""
    if isinstance(account, dict):
        return account.get(name)
    return getattr(account, name, None)


def _ous(spec: OrganizationAccountsConfig) -> str:
    return ", ".join(spec.ous)
