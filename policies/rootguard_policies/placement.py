"""The account and region a resource is deployed into, from inputs alone.

As ARCHITECTURE.md says: the account is the one in the provider's
`assumeRoles[0].roleArn` (pulumi-aws v7; `assumeRole.roleArn` in v6), else the single
id in its `allowedAccountIds`, else the stack's default account (whatever the default
credentials are). The region is the resource's own `region` input (v7), else the
provider's `region`, else the stack's `aws:region` config.

pulumi-aws sends nested provider inputs JSON-encoded with Python (snake_case) keys
inside, e.g. `assumeRoles: '[{"role_arn": "arn:aws:iam::111111111111:role/x"}]'`;
both that and the decoded camelCase form are read. During a preview an input that
decides the answer may be unknown: then `placement_of` raises `UnknownValueError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi.runtime
from pulumi_policy import PolicyProviderResource
from pulumi_policy.proxy import UnknownValueError

from .tokens import AWS_PROVIDER
from .values import decode_json, dig, is_unknown, plain, read

DEFAULT_ACCOUNT = "default"
"""The account of the stack's default credentials (not knowable from inputs)."""

DEFAULT_REGION = "default"
"""The region when neither the resource, its provider nor `aws:region` names one."""

_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True, order=True)
class Placement:
    """Where a resource lives: an account id (or DEFAULT_ACCOUNT) and a region."""

    account: str
    region: str

    @property
    def account_label(self) -> str:
        """The account for a message: `account 111111111111` or the default account."""
        if self.account == DEFAULT_ACCOUNT:
            return "the stack's default account"
        return f"account {self.account}"

    @property
    def region_label(self) -> str:
        """The region for a message."""
        return "the default region" if self.region == DEFAULT_REGION else self.region

    def __str__(self) -> str:
        return f"{self.account_label} in {self.region_label}"


def account_label(account: str) -> str:
    """An account id (or DEFAULT_ACCOUNT) for a message: `account 111111111111`."""
    return Placement(account, DEFAULT_REGION).account_label


def the_account(account: str) -> str:
    """An account as a message's subject: `The account 111111111111`."""
    if account == DEFAULT_ACCOUNT:
        return "The stack's default account"
    return f"The account {account}"


def arn_account(arn: str) -> str | None:
    """The 12-digit account id of an ARN, or None when it names none."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and _ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None


def stack_region() -> str | None:
    """The stack's `aws:region` config, as the pack process sees it (PULUMI_CONFIG)."""
    value = pulumi.runtime.get_config("aws:region")
    return value if isinstance(value, str) and value else None


def _role_arn(props: Mapping[str, Any]) -> tuple[Any, str]:
    """The first assumed role ARN (v7 `assumeRoles`, else v6 `assumeRole`) and its path."""
    for key in ("assumeRoles", "assumeRole"):
        raw = props.get(key)
        if raw is None:
            continue
        if is_unknown(raw):
            return raw, key
        roles = decode_json(raw)
        first = dig(roles, 0) if isinstance(roles, list) else roles
        if is_unknown(first):
            return first, key
        if isinstance(first, Mapping):
            arn = first.get("roleArn", first.get("role_arn"))
            if arn is not None:
                return arn, f"{key}.roleArn"
    return None, ""


def _allowed_account(props: Mapping[str, Any]) -> Any:
    """The first id of `allowedAccountIds` (a sentinel when unknown, None when absent)."""
    raw = props.get("allowedAccountIds")
    if raw is None or is_unknown(raw):
        return raw
    ids = decode_json(raw)
    if not isinstance(ids, list):
        ids = [ids]
    first = ids[0] if ids else None
    return first if first is None or is_unknown(first) else str(first)


def account_of(provider: PolicyProviderResource | None) -> str:
    """The account id of resources on `provider` (DEFAULT_ACCOUNT when it names none).

    Raises UnknownValueError when the role ARN is unknown and `allowedAccountIds`
    does not settle the account either.
    """
    if provider is None or provider.resource_type != AWS_PROVIDER:
        return DEFAULT_ACCOUNT
    props = plain(provider.props)
    arn, arn_path = _role_arn(props)
    if isinstance(arn, str) and not is_unknown(arn):
        account = arn_account(arn)
        if account is not None:
            return account
    allowed = _allowed_account(props)
    if isinstance(allowed, str) and not is_unknown(allowed):
        return allowed
    if is_unknown(arn):
        raise UnknownValueError(arn, ["provider", *arn_path.split(".")])
    if is_unknown(allowed):
        raise UnknownValueError(allowed, ["provider", "allowedAccountIds"])
    return DEFAULT_ACCOUNT


def region_of(
    props: Mapping[str, Any],
    provider: PolicyProviderResource | None,
    default_region: str | None = None,
) -> str:
    """The region of a resource with inputs `props` on `provider`.

    `default_region` stands in for `aws:region`; when None the stack config is read.
    Raises UnknownValueError when the deciding `region` input is unknown.
    """
    own = read(props, "region")
    if is_unknown(own):
        raise UnknownValueError(own, ["region"])
    if isinstance(own, str) and own:
        return own
    if provider is not None and provider.resource_type == AWS_PROVIDER:
        provider_region = read(provider.props, "region")
        if is_unknown(provider_region):
            raise UnknownValueError(provider_region, ["provider", "region"])
        if isinstance(provider_region, str) and provider_region:
            return provider_region
    region = default_region if default_region is not None else stack_region()
    return region or DEFAULT_REGION


def placement_of(
    props: Mapping[str, Any],
    provider: PolicyProviderResource | None,
    default_region: str | None = None,
) -> Placement:
    """Account and region of a resource; raises UnknownValueError while undecidable."""
    return Placement(account_of(provider), region_of(props, provider, default_region))
