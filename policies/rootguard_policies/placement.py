"""The account and region a resource is deployed into, from inputs and stack config alone.

The rule (the same one `rootguard plan` applies; a property test holds them together):

- **Account.** A provider's credentials end in the role of the *last* entry of
  pulumi-aws v7 `assumeRoles` (the roles are assumed in order, each with the previous
  one's credentials), or of v6's single `assumeRole`: the account in that role's ARN.
  Without a role, the one id of `allowedAccountIds` when it names exactly one (the
  provider refuses to run in any other). Otherwise the account of the stack's default
  credentials, `DEFAULT_ACCOUNT`, which no input names.
- **The default provider.** The engine attaches its default aws provider to every
  resource registered without one, configured from the stack's `aws:*` config; it
  arrives as the resource's provider. When a resource carries no provider at all (an
  older engine, a hand-built test), the same inputs are read from the stack config
  (`aws:assumeRoles`, `aws:assumeRole`, `aws:allowedAccountIds`, `aws:region`).
- **Region.** Cost Explorer resources live in us-east-1, the service's only endpoint
  (they have no `region` input). Otherwise the resource's own `region` input (v7), else
  its provider's `region`. An explicit provider without `region` does not read
  `aws:region` (the SDK takes the AWS_REGION environment variable, which then is its
  input), so its resources are in `DEFAULT_REGION`; the default provider's region is
  `aws:region`.

pulumi-aws sends nested provider inputs JSON-encoded with Python (snake_case) keys
inside, e.g. `assumeRoles: '[{"role_arn": "arn:aws:iam::111111111111:role/x"}]'`; stack
config gives them JSON-encoded with camelCase keys; both, and the decoded forms, are read.
During a preview an input that decides the answer may be unknown: then `account_of` and
`region_of` raise `UnknownValueError` (the pack reports "can't be known during preview").
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
from .values import decode_json, is_unknown, plain, read

DEFAULT_ACCOUNT = "default"
"""The account of the stack's default credentials (not knowable from inputs)."""

DEFAULT_REGION = "default"
"""The region when neither the resource nor its provider names one."""

GLOBAL_SERVICE_REGIONS = {"aws:costexplorer/": "us-east-1"}
"""Type-token prefixes of services answered from one region, whatever the provider's."""

DEFAULT_PROVIDER_CONFIG = ("assumeRoles", "assumeRole", "allowedAccountIds", "region")
"""The `aws:<key>` stack config the default provider's placement depends on."""

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


def default_provider_props() -> dict[str, Any]:
    """The default aws provider's placement inputs, from the stack's `aws:*` config."""
    props: dict[str, Any] = {}
    for key in DEFAULT_PROVIDER_CONFIG:
        value = pulumi.runtime.get_config(f"aws:{key}")
        if value is not None:
            props[key] = value
    return props


def provider_props(provider: PolicyProviderResource | None) -> Mapping[str, Any] | None:
    """The plain inputs that place resources on `provider` (the default provider's from
    stack config when None); None for a provider of another package."""
    if provider is None:
        return default_provider_props()
    if provider.resource_type != AWS_PROVIDER:
        return None
    return plain(provider.props)


def _last_role_arn(props: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """The ARN of the role the credentials end in (a sentinel while unknown, None when
    the provider assumes none) and its path, for an unknown's message."""
    for key in ("assumeRoles", "assumeRole"):
        raw = props.get(key)
        if raw is None:
            continue
        if is_unknown(raw):
            return raw, [key]
        roles = decode_json(raw)
        if isinstance(roles, Mapping):
            roles = [roles]
        if not isinstance(roles, list) or not roles:
            continue
        last = roles[-1]
        path = [key, str(len(roles) - 1)]
        if is_unknown(last):
            return last, path
        if isinstance(last, Mapping):
            arn = last.get("roleArn", last.get("role_arn"))
            if arn is not None:
                return arn, [*path, "roleArn"]
    return None, []


def _single_allowed_account(props: Mapping[str, Any]) -> Any:
    """The id `allowedAccountIds` names when it names exactly one; a sentinel while
    unknown; None when absent or naming several."""
    raw = props.get("allowedAccountIds")
    if raw is None or is_unknown(raw):
        return raw
    ids = decode_json(raw)
    if not isinstance(ids, list):
        ids = [ids]
    unknown = next((i for i in ids if is_unknown(i)), None)
    if unknown is not None:
        return unknown
    known = [str(i) for i in ids if i is not None]
    return known[0] if len(known) == 1 else None


def account_of(provider: PolicyProviderResource | None) -> str:
    """The account id of resources on `provider` (None: the default provider).

    DEFAULT_ACCOUNT when the provider names none. Raises UnknownValueError when the
    last role's ARN is unknown and `allowedAccountIds` does not settle the account.
    """
    props = provider_props(provider)
    if props is None:
        return DEFAULT_ACCOUNT
    arn, arn_path = _last_role_arn(props)
    if isinstance(arn, str) and not is_unknown(arn):
        account = arn_account(arn)
        if account is not None:
            return account
    allowed = _single_allowed_account(props)
    if isinstance(allowed, str) and not is_unknown(allowed):
        return allowed
    if is_unknown(arn):
        raise UnknownValueError(arn, ["provider", *arn_path])
    if is_unknown(allowed):
        raise UnknownValueError(allowed, ["provider", "allowedAccountIds"])
    return DEFAULT_ACCOUNT


def global_region(resource_type: str) -> str | None:
    """The one region a global service's resources live in (Cost Explorer), else None."""
    for prefix, region in GLOBAL_SERVICE_REGIONS.items():
        if resource_type.startswith(prefix):
            return region
    return None


def region_of(
    resource_type: str,
    props: Mapping[str, Any],
    provider: PolicyProviderResource | None,
    default_region: str | None = None,
) -> str:
    """The region of a `resource_type` resource with inputs `props` on `provider`.

    `default_region` stands in for `aws:region` when `provider` is None; when it is
    None too the stack config is read. Raises UnknownValueError when the deciding
    `region` input is unknown.
    """
    fixed = global_region(resource_type)
    if fixed is not None:
        return fixed
    own = read(props, "region")
    if is_unknown(own):
        raise UnknownValueError(own, ["region"])
    if isinstance(own, str) and own:
        return own
    if provider is None:
        region = default_region if default_region is not None else stack_region()
        return region or DEFAULT_REGION
    if provider.resource_type != AWS_PROVIDER:
        return DEFAULT_REGION
    provider_region = read(provider.props, "region")
    if is_unknown(provider_region):
        raise UnknownValueError(provider_region, ["provider", "region"])
    if isinstance(provider_region, str) and provider_region:
        return provider_region
    return DEFAULT_REGION


def placement_of(
    resource_type: str,
    props: Mapping[str, Any],
    provider: PolicyProviderResource | None,
    default_region: str | None = None,
) -> Placement:
    """Account and region of a resource; raises UnknownValueError while undecidable."""
    return Placement(
        account_of(provider), region_of(resource_type, props, provider, default_region)
    )
