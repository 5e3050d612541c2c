"""AWS Organizations for the offline engine: the answers of the Organizations invokes, read
from a fixture file (`rootguard plan --accounts FILE`, `rootguard gate --accounts FILE`).

A program that discovers its accounts (`rootguard:accounts: {fromOrganization: ...}`) asks
AWS Organizations when it runs; offline the plan answers from the file instead, so what
it would deploy is reviewable. The file (YAML or JSON) holds the organization, its OUs
(each with its parent: the root or another OU) and its accounts (each with its OU)::

    organization:
      id: o-a1b2c3d4e5
      rootId: r-a1b2
      managementAccountId: "444444444444"
      trustedServices: [member.org.stacksets.cloudformation.amazonaws.com]   # optional
    organizationalUnits:
      - {id: ou-a1b2-workload, name: workloads, parent: r-a1b2}
    accounts:
      - {id: "111111111111", name: prod, ou: ou-a1b2-workload}               # status ACTIVE
      - {id: "666666666666", name: old, ou: ou-a1b2-workload, status: SUSPENDED}

The invokes return every account at once, as the provider does after reading every page
of ListAccountsForParent / ListChildren. Without a file, an invoke that lists accounts or
OUs is a usage error naming `--accounts`; getOrganization keeps the engine's stand-in.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel

from rootguard.errors import UsageError

OPTION = "--accounts"
TOKENS = {
    "organization": "aws:organizations/getOrganization:getOrganization",
    "descendant_accounts": "aws:organizations/getOrganizationalUnitDescendantAccounts:"
    "getOrganizationalUnitDescendantAccounts",
    "child_accounts": "aws:organizations/getOrganizationalUnitChildAccounts:"
    "getOrganizationalUnitChildAccounts",
    "child_ous": "aws:organizations/getOrganizationalUnits:getOrganizationalUnits",
    "descendant_ous": "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
    "getOrganizationalUnitDescendantOrganizationalUnits",
}
LISTING_TOKENS = frozenset(token for key, token in TOKENS.items() if key != "organization")

_AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
_ParentId = Annotated[
    str, StringConstraints(pattern=r"^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$")
]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)


class FixtureOrganization(_Model):
    id: Annotated[str, StringConstraints(pattern=r"^o-[a-z0-9]{10,32}$")]
    root_id: Annotated[str, StringConstraints(pattern=r"^r-[a-z0-9]{4,32}$")]
    management_account_id: _AccountId
    trusted_services: list[str] | None = None
    """The organization's trusted services (ListAWSServiceAccessForOrganization); absent:
    unknown, and nothing is checked against it."""


class FixtureOu(_Model):
    id: _ParentId
    name: str
    parent: _ParentId


class FixtureAccount(_Model):
    id: _AccountId
    name: str
    ou: _ParentId
    """The OU (or the root) the account sits in."""
    status: Literal["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"] = "ACTIVE"
    email: str | None = None


class OrganizationFixture(_Model):
    """One organization as a fixture file describes it."""

    organization: FixtureOrganization
    organizational_units: list[FixtureOu] = Field(default_factory=list)
    accounts: list[FixtureAccount] = Field(default_factory=list)

    def parents(self) -> dict[str, str]:
        """OU id -> its parent's id."""
        return {ou.id: ou.parent for ou in self.organizational_units}

    def known(self, parent: str) -> bool:
        return parent == self.organization.root_id or parent in self.parents()

    @functools.cached_property
    def _ancestors(self) -> dict[str, frozenset[str]]:
        """OU or root id -> itself and every OU (and the root) above it."""
        parents = self.parents()
        found: dict[str, frozenset[str]] = {}
        for start in [self.organization.root_id, *parents]:
            chain, node = [start], start
            while node in parents and parents[node] not in chain:
                node = parents[node]
                chain.append(node)
            found[start] = frozenset(chain)
        return found

    def under(self, parent: str, child: str) -> bool:
        """True when `child` (an OU or root id) is `parent` or nested in it."""
        return parent in self._ancestors.get(child, frozenset({child}))

    def accounts_under(self, parent: str, *, direct: bool = False) -> list[FixtureAccount]:
        return [
            account
            for account in self.accounts
            if (account.ou == parent if direct else self.under(parent, account.ou))
        ]

    def ous_under(self, parent: str, *, direct: bool = False) -> list[FixtureOu]:
        return [
            ou
            for ou in self.organizational_units
            if (ou.parent == parent if direct else ou.id != parent and self.under(parent, ou.id))
        ]


def load_fixture(path: Path) -> OrganizationFixture:
    """Read and check a fixture file; a `UsageError` (one line) when it is not one."""
    where = f"{OPTION} {path}"
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(f"{where}: cannot read ({err.strerror}); expected a fixture file") from err
    except yaml.YAMLError as err:
        raise UsageError(f"{where}: not YAML or JSON; expected a fixture file") from err
    try:
        fixture = OrganizationFixture.model_validate(data)
    except ValidationError as err:
        error = err.errors(include_url=False)[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        raise UsageError(
            f"{where}: {loc.lstrip('.') or 'the file'}: {error['msg'].lower()}; expected "
            "organization {id, rootId, managementAccountId}, organizationalUnits [{id, name, "
            "parent}] and accounts [{id, name, ou, status}]"
        ) from None
    for index, account in enumerate(fixture.accounts):
        if not fixture.known(account.ou):
            raise UsageError(
                f"{where}: accounts[{index}].ou: {account.ou!r} is not the root or an OU of "
                "the file; expected one of them"
            )
    for index, ou in enumerate(fixture.organizational_units):
        if not fixture.known(ou.parent):
            raise UsageError(
                f"{where}: organizationalUnits[{index}].parent: {ou.parent!r} is not the root "
                "or an OU of the file; expected one of them"
            )
    return fixture


def invoke(
    fixture: OrganizationFixture | None, token: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The answer to an Organizations invoke; None for a token this module does not answer
    (and for getOrganization without a fixture: the engine's stand-in answers)."""
    if token not in TOKENS.values():
        return None
    if fixture is None:
        if token in LISTING_TOKENS:
            raise UsageError(
                "the program lists AWS Organizations accounts or OUs "
                f"({token.rsplit(':', 1)[1]}); expected {OPTION} FILE with the organization's "
                "OUs and accounts to plan offline"
            )
        return None
    if token == TOKENS["organization"]:
        return _organization(fixture)
    parent = str(args.get("parentId", ""))
    if not fixture.known(parent):
        raise UsageError(
            f"{OPTION}: the program asks for {parent!r}, which is not the root or an OU of the "
            "fixture file; expected the file to hold it"
        )
    if token in (TOKENS["descendant_accounts"], TOKENS["child_accounts"]):
        direct = token == TOKENS["child_accounts"]
        accounts = [_account(fixture, a) for a in fixture.accounts_under(parent, direct=direct)]
        return {"id": parent, "parentId": parent, "accounts": accounts}
    direct = token == TOKENS["child_ous"]
    ous = [_ou(fixture, ou) for ou in fixture.ous_under(parent, direct=direct)]
    # getOrganizationalUnits answers `children`, the descendant variant `childrens`.
    return {"id": parent, "parentId": parent, "children" if direct else "childrens": ous}


def _arn(fixture: OrganizationFixture, kind: str, ident: str) -> str:
    org = fixture.organization
    return f"arn:aws:organizations::{org.management_account_id}:{kind}/{org.id}/{ident}"


def _account(fixture: OrganizationFixture, account: FixtureAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "arn": _arn(fixture, "account", account.id),
        "email": account.email or f"aws+{account.id}@example.com",
        "status": account.status,
        "state": account.status,
        "joinedMethod": "CREATED",
        "joinedTimestamp": "2024-01-01T00:00:00Z",
    }


def _ou(fixture: OrganizationFixture, ou: FixtureOu) -> dict[str, Any]:
    return {"id": ou.id, "name": ou.name, "arn": _arn(fixture, "ou", ou.id)}


def _organization(fixture: OrganizationFixture) -> dict[str, Any]:
    org = fixture.organization
    management = org.management_account_id
    accounts = [_account(fixture, account) for account in fixture.accounts]
    answer: dict[str, Any] = {
        "id": org.id,
        "arn": f"arn:aws:organizations::{management}:organization/{org.id}",
        "featureSet": "ALL",
        "masterAccountId": management,
        "masterAccountArn": _arn(fixture, "account", management),
        "masterAccountEmail": f"aws+{management}@example.com",
        "masterAccountName": "management",
        "accounts": accounts,
        "nonMasterAccounts": [a for a in accounts if a["id"] != management],
        "roots": [
            {
                "id": org.root_id,
                "name": "Root",
                "arn": f"arn:aws:organizations::{management}:root/{org.id}/{org.root_id}",
                "policyTypes": [],
            }
        ],
        "enabledPolicyTypes": [],
    }
    if org.trusted_services is not None:
        answer["awsServiceAccessPrincipals"] = list(org.trusted_services)
    return answer
