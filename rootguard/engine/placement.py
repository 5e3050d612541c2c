"""Where an aws resource lands: its account and its region, from inputs and stack config.

The one rule, used for the mock engine's ARNs, for `rootguard plan` (the tree and the
`account`/`region` of `--json`) and, read independently, by the policy pack
(`policies/rootguard_policies/placement.py`; a property test holds the two together):

- **A provider's account** is the account of the role its credentials end in: the
  *last* entry of pulumi-aws v7 `assumeRoles` (the roles are assumed in order, each with
  the previous one's credentials), or v6's single `assumeRole`; without a role, the id of
  `allowedAccountIds` when it names exactly one (the provider refuses any other
  account); otherwise the account of the default credentials, which is
  `DEFAULT_ACCOUNT_ID` in the mock engine.
- **A resource's account** is its provider's. A resource registered without a provider
  is on the *default provider*, which the engine configures from the stack's `aws:*`
  config (`aws:assumeRoles`, `aws:allowedAccountIds`, `aws:region`, ...).
- **A resource's region** is us-east-1 for Cost Explorer resources (anomaly monitors
  and subscriptions have no `region` input: the service's only endpoint is there); else
  its own `region` input (pulumi-aws v7); else its provider's `region`. An explicit
  provider without `region` does not read `aws:region` (the SDK falls back to the
  AWS_REGION environment variable, which then is its input); the default provider's
  region is `aws:region`.

Values are in wire form: provider inputs JSON-encoded (snake_case keys inside from the
Python SDK, camelCase from stack config), secrets wrapped, `UNKNOWN` during a preview.
A value that an unknown input decides is None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

UNKNOWN = rpc.UNKNOWN
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

AWS_PACKAGE = "aws"
AWS_PROVIDER_TYPE = "pulumi:providers:aws"
DEFAULT_ACCOUNT_ID = "123456789012"
"""The caller's account in the mock engine: where a provider deploys that names none."""

GLOBAL_SERVICE_REGIONS = {"aws:costexplorer/": "us-east-1"}
"""Type-token prefixes of services answered from one region, whatever the provider's."""

_ACCOUNT_RE = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Placement:
    """The account and region an aws resource (or provider) deploys into.

    None means: decided by a value unknown during a preview (and, for a provider's
    region, not set at all)."""

    account: str | None
    region: str | None


def reveal(value: Any) -> Any:
    """The plain value of a wire value: a secret unwrapped, an unknown as None."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        value = value.get("value")
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return None
    return value


def is_unknown(value: Any) -> bool:
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        value = value.get("value")
    return isinstance(value, Unknown) or value == UNKNOWN


def _decoded(value: Any) -> Any:
    """Provider inputs arrive JSON-encoded (``'["1111..."]'``); decode them if so."""
    value = reveal(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def arn_account(arn: Any) -> str | None:
    """The 12-digit account id of an ARN, or None when it names none."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and _ACCOUNT_RE.match(parts[4]):
        return parts[4]
    return None


def _last_role_arn(inputs: Mapping[str, Any]) -> tuple[Any, bool]:
    """The ARN of the role a provider's credentials end in, and whether it is unknown.

    v7 `assumeRoles` (a list, assumed in order: the last one counts), else v6
    `assumeRole` (one object). (None, False) when the provider assumes no role.
    """
    for key in ("assumeRoles", "assumeRole"):
        raw = inputs.get(key)
        if raw is None:
            continue
        if is_unknown(raw):
            return None, True
        roles = _decoded(raw)
        if isinstance(roles, dict):
            roles = [roles]
        if not isinstance(roles, list) or not roles:
            continue
        last = roles[-1]
        if is_unknown(last):
            return None, True
        if isinstance(last, dict):
            arn = last.get("roleArn", last.get("role_arn"))
            if is_unknown(arn):
                return None, True
            return reveal(arn), False
    return None, False


def _single_allowed_account(inputs: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The id `allowedAccountIds` names when it names exactly one, and whether unknown."""
    raw = inputs.get("allowedAccountIds")
    if raw is None:
        return None, False
    if is_unknown(raw):
        return None, True
    ids = _decoded(raw)
    if not isinstance(ids, list):
        ids = [ids]
    if any(is_unknown(i) for i in ids):
        return None, True
    ids = [str(reveal(i)) for i in ids if reveal(i) is not None]
    return (ids[0], False) if len(ids) == 1 else (None, False)


def provider_placement(inputs: Mapping[str, Any]) -> Placement:
    """Account and region of an aws provider from its wire inputs.

    The account is DEFAULT_ACCOUNT_ID when the provider names none, None while an
    input deciding it is unknown; the region is its `region` input (None if unset).
    """
    arn, arn_unknown = _last_role_arn(inputs)
    account = arn_account(arn)
    if account is None:
        allowed, allowed_unknown = _single_allowed_account(inputs)
        if allowed is not None:
            account = allowed
        elif not (arn_unknown or allowed_unknown):
            account = DEFAULT_ACCOUNT_ID
    region = reveal(inputs.get("region"))
    return Placement(account, region if isinstance(region, str) and region else None)


def package_config(config: Mapping[str, str], package: str) -> dict[str, str]:
    """The default provider's inputs for `package`, as the engine builds them: every
    `<package>:<key>` of the stack config as `<key>`, its value a string (an object or
    list value JSON-encoded), as `Target.GetPackageConfig` does."""
    prefix = f"{package}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def default_provider_name(version: str) -> str:
    """The engine's name for a package's default provider: ``default`` and the requested
    version's parts (``default_7_51_1``; pre-release and build parts appended), as
    ``ProviderRequest.DefaultName`` builds it."""
    if not version:
        return "default"
    core, _, build = version.partition("+")
    core, _, pre = core.partition("-")
    parts = core.split(".") + (pre.split(".") if pre else []) + (build.split(".") if build else [])
    return "_".join(["default", *parts])


def default_placement(config: Mapping[str, str]) -> Placement:
    """Where the default aws provider deploys, from the stack's `aws:*` config."""
    return provider_placement(package_config(config, AWS_PACKAGE))


def global_region(type_: str) -> str | None:
    """The one region a global service's resources live in (Cost Explorer), else None."""
    for prefix, region in GLOBAL_SERVICE_REGIONS.items():
        if type_.startswith(prefix):
            return region
    return None


def resource_placement(type_: str, inputs: Mapping[str, Any], provider: Placement) -> Placement:
    """A resource's placement: its provider's account; the global service's region, else
    its own `region` input, else its provider's region."""
    region = global_region(type_)
    if region is None:
        own = inputs.get("region")
        if not is_unknown(own):
            own = reveal(own)
            region = own if isinstance(own, str) and own else provider.region
    return Placement(provider.account, region)


def provider_urn(reference: str | None) -> str | None:
    """The URN part of a ``"<urn>::<id>"`` provider reference."""
    if not reference:
        return None
    return reference.rsplit("::", 1)[0]
