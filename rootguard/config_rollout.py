"""Stack-config models of organization-scale rollout, part of the `rootguard:` schema.

- `rootguard:organization` with `rollout: stackset`: `stackSet` (targets, exclusions,
  accounts and OUs that keep their own recorder, operation preferences, what
  happens when an account leaves) and the central accounts (`logArchiveAccount`,
  `securityAccount`, `payerAccount`);
- `rootguard:accounts: {fromOrganization: {ous: [...], exclude: [...]}}`: the accounts of
  an account stack resolved from AWS Organizations at deploy time.

`rootguard.config` builds these into its models and reports their errors in the same
one-line form. Bounds and enums come from botocore's CloudFormation model and its
Organizations id pattern.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal

import botocore.session
from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr, model_validator

from rootguard.config import (
    DEFAULT_ROLE_NAME,
    AccountId,
    Expect,
    RoleName,
    _digits_to_int,
    _error_at,
    _Model,
)

MAX_SELF_RECORDING_ACCOUNTS = 300
"""Accounts the member template can name in its CreateRecorder condition."""


@functools.cache
def _cloudformation() -> Any:
    return botocore.session.get_session().get_service_model("cloudformation")


def stackset_enum(shape: str) -> tuple[str, ...]:
    return tuple(_cloudformation().shape_for(shape).enum)


def preference_bounds(member: str) -> tuple[int, int | None]:
    """(min, max) of a StackSetOperationPreferences member in botocore's model."""
    metadata = _cloudformation().shape_for("StackSetOperationPreferences").members[member].metadata
    return int(metadata.get("min", 0)), metadata.get("max")


def _ou_pattern() -> str:
    return str(_cloudformation().shape_for("OrganizationalUnitId").metadata["pattern"])


def _matches_ou_pattern(value: str) -> str:
    if not re.fullmatch(_ou_pattern(), value):
        raise ValueError("not an OU or root id")
    return value


def _in_enum(shape: str) -> Any:
    def check(value: str) -> str:
        if value not in stackset_enum(shape):
            raise ValueError(f"not a {shape}")
        return value

    return check


def _one_of(shape: str) -> str:
    return "one of " + ", ".join(stackset_enum(shape))


def _bounds_text(member: str, what: str) -> str:
    low, high = preference_bounds(member)
    upper = f" to {high}" if high is not None else " or more"
    return f"{what}: a whole number from {low}{upper} (CloudFormation's {member})"


MaxConcurrentPercentage = Annotated[
    StrictInt,
    Field(
        ge=preference_bounds("MaxConcurrentPercentage")[0],
        le=preference_bounds("MaxConcurrentPercentage")[1],
    ),
    BeforeValidator(_digits_to_int),
    Expect(_bounds_text("MaxConcurrentPercentage", "accounts deployed at once, in percent")),
]
MaxConcurrentCount = Annotated[
    StrictInt,
    Field(ge=preference_bounds("MaxConcurrentCount")[0]),
    BeforeValidator(_digits_to_int),
    Expect(_bounds_text("MaxConcurrentCount", "accounts deployed at once")),
]
FailureTolerancePercentage = Annotated[
    StrictInt,
    Field(
        ge=preference_bounds("FailureTolerancePercentage")[0],
        le=preference_bounds("FailureTolerancePercentage")[1],
    ),
    BeforeValidator(_digits_to_int),
    Expect(
        _bounds_text("FailureTolerancePercentage", "failed accounts a region tolerates, in percent")
    ),
]
FailureToleranceCount = Annotated[
    StrictInt,
    Field(ge=preference_bounds("FailureToleranceCount")[0]),
    BeforeValidator(_digits_to_int),
    Expect(_bounds_text("FailureToleranceCount", "failed accounts a region tolerates")),
]


OrganizationalUnitId = Annotated[
    StrictStr,
    AfterValidator(_matches_ou_pattern),
    Expect("an OU id (ou-xxxx-xxxxxxxx) or the organization root id (r-xxxx)"),
]


def _unique(values: list[Any], key: str) -> None:
    seen: dict[Any, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise _error_at(
                f"{key}[{index}]", value, f"each value once ({key}[{seen[value]}] is {value} too)"
            )
        seen[value] = index


class SkipRecorderConfig(_Model):
    """`stackSet.skipRecorder`: accounts that record already get only the forwarding."""

    ous: Annotated[list[OrganizationalUnitId], Expect("a list of OU ids")] = Field(
        default_factory=list
    )
    """OUs whose accounts' recorder belongs to someone else (AWS Control Tower): a second
    StackSet deploys the template there with RecorderMode skip. Not under a target OU."""
    accounts: Annotated[
        list[AccountId],
        Field(max_length=MAX_SELF_RECORDING_ACCOUNTS),
        Expect(f"a list of at most {MAX_SELF_RECORDING_ACCOUNTS} 12-digit account ids"),
    ] = Field(default_factory=list)
    """Accounts (in a target OU) with a recorder of their own (a console click-through)."""

    @model_validator(mode="after")
    def _each_once(self) -> SkipRecorderConfig:
        _unique(list(self.ous), "ous")
        _unique(list(self.accounts), "accounts")
        return self


class StackSetConfig(_Model):
    """`rootguard:organization.stackSet`: the member baseline's fan-out."""

    targets: Annotated[
        list[OrganizationalUnitId],
        Field(min_length=1),
        Expect("a non-empty list of OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)"),
    ]
    excluded_accounts: Annotated[list[AccountId], Expect("a list of 12-digit account ids")] = Field(
        default_factory=list
    )
    skip_recorder: SkipRecorderConfig = Field(default_factory=SkipRecorderConfig)
    max_concurrent_percentage: MaxConcurrentPercentage | None = None
    max_concurrent_count: MaxConcurrentCount | None = None
    failure_tolerance_percentage: FailureTolerancePercentage | None = None
    failure_tolerance_count: FailureToleranceCount | None = None
    concurrency_mode: (
        Annotated[
            StrictStr,
            AfterValidator(_in_enum("ConcurrencyMode")),
            Expect(_one_of("ConcurrencyMode")),
        ]
        | None
    ) = None
    region_concurrency: (
        Annotated[
            StrictStr,
            AfterValidator(_in_enum("RegionConcurrencyType")),
            Expect(_one_of("RegionConcurrencyType")),
        ]
        | None
    ) = None
    on_account_removal: Annotated[Literal["delete", "retain"], Expect("one of delete, retain")] = (
        "delete"
    )
    """What StackSets does with an account's stacks when it leaves the targets."""

    @model_validator(mode="after")
    def _consistent(self) -> StackSetConfig:
        _unique(list(self.targets), "targets")
        _unique(list(self.excluded_accounts), "excludedAccounts")
        for index, ou in enumerate(self.skip_recorder.ous):
            if ou in self.targets:
                raise _error_at(
                    f"skipRecorder.ous[{index}]",
                    ou,
                    "an OU that is not a target too (it gets a StackSet of its own)",
                )
        for count, percentage in (
            ("maxConcurrentCount", "maxConcurrentPercentage"),
            ("failureToleranceCount", "failureTolerancePercentage"),
        ):
            if getattr(self, _snake(count)) is not None and getattr(self, _snake(percentage)):
                raise _error_at(
                    count, getattr(self, _snake(count)), f"either {count} or {percentage}, not both"
                )
        return self

    def operation_preferences(self) -> Any:
        """The chosen preferences as OperationPreferencesArgs (unset ones left out)."""
        keys = (
            "max_concurrent_percentage",
            "max_concurrent_count",
            "failure_tolerance_percentage",
            "failure_tolerance_count",
            "concurrency_mode",
            "region_concurrency",
        )
        return {key: getattr(self, key) for key in keys if getattr(self, key) is not None}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class CentralAccountConfig(_Model):
    """A central account (log archive, security, payer) reached through its own provider."""

    id: AccountId
    role_name: RoleName = DEFAULT_ROLE_NAME

    def provider_args(self) -> dict[str, str]:
        """As OrganizationRollout's CentralAccountArgs."""
        return {"account_id": self.id, "role_name": self.role_name}


class OrganizationAccountsConfig(_Model):
    """`rootguard:accounts.fromOrganization`: the accounts under these OUs, at deploy time."""

    ous: Annotated[
        list[OrganizationalUnitId],
        Field(min_length=1),
        Expect("a non-empty list of OU ids or the root id (r-xxxx) for the whole organization"),
    ]
    exclude: Annotated[list[AccountId], Expect("a list of 12-digit account ids")] = Field(
        default_factory=list
    )
    role_name: RoleName = DEFAULT_ROLE_NAME
    """Role the caller assumes in every discovered account."""

    @model_validator(mode="after")
    def _each_once(self) -> OrganizationAccountsConfig:
        _unique(list(self.ous), "ous")
        _unique(list(self.exclude), "exclude")
        return self


class AccountDiscoveryConfig(_Model):
    """`rootguard:accounts` as `{fromOrganization: {...}}` instead of a literal list."""

    from_organization: OrganizationAccountsConfig


def check_rollout_keys(organization: Any) -> None:
    """Cross-checks of `rootguard:organization` itself: stackSet and the central accounts
    exactly with rollout stackset."""
    central = ("stack_set", "log_archive_account", "security_account", "payer_account")
    if organization.rollout == "stackset" and organization.stack_set is None:
        raise _error_at(
            "rollout",
            "stackset",
            "organization.stackSet beside it, at least {targets: [<OU or root id>]}",
        )
    if organization.rollout == "accounts":
        for name in central:
            if getattr(organization, name) is not None:
                key = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)
                raise _error_at(
                    "rollout",
                    organization.rollout,
                    f"stackset, since organization.{key} is set (it takes effect only then)",
                )


def check_stackset_organization(config: Any) -> None:
    """Cross-checks of a StackConfig whose organization rolls out with StackSets."""
    organization = config.organization
    if config.accounts:
        names = [a.name for a in config.accounts] if isinstance(config.accounts, list) else []
        raise _error_at(
            "accounts",
            names or "fromOrganization",
            "no rootguard:accounts with organization.rollout stackset (the StackSets "
            "baseline the member accounts; keep account stacks as stacks of their own)",
        )
    if not config.alarm.enabled:
        # The member template is the alarm: its forwarders are what reaches the bus.
        raise _error_at(
            "alarm.enabled",
            False,
            "true with organization.rollout stackset (every member stack forwards root "
            "activity to the organization's bus)",
        )
    if organization.role == "delegatedAdmin" and organization.payer_account is None:
        raise _error_at(
            "organization.role",
            "delegatedAdmin",
            "management, or organization.payerAccount set to the management account "
            "({id, roleName}): linked-account cost monitors work only from the payer",
        )
