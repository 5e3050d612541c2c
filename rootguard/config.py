"""The stack config of the `rootguard:` namespace, validated before any resource exists.

`load_stack_config()` reads every `rootguard:*` key (plus `aws:region`, the default home
region), validates it with pydantic and returns a frozen `StackConfig`. Any malformed
value raises `ConfigError` whose message is ONE line naming the key in config syntax,
the bad value and what is expected, e.g.::

    rootguard:accounts[1].id: '12345' is not valid; expected a 12-digit AWS account id
    as a quoted string

Unknown keys anywhere in the namespace are errors: a typo must not silently drop a
setting. Region names and the rule frequencies come from botocore's own data, so they
follow AWS without a hand-kept list.
"""

from __future__ import annotations

import functools
import json
import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import botocore.session
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError, core_schema

from rootguard.components.validation import (
    ACCOUNT_ID,
    CONFIG_NAME,
    CONFORMS_BUCKET,
    EMAIL,
    FREQUENCY,
    HOME_REGION,
    MAX_ALERT_EMAILS,
    MONITOR_ARN,
    OPT_IN_REGION,
    PARTITION,
    REGION,
    ROLE_NAME,
    first_repeat,
)
from rootguard.components.validation import (  # re-exported: the shared rules' AWS data
    CONFORMS_BUCKET_PREFIX as CONFORMS_BUCKET_PREFIX,
)
from rootguard.components.validation import aws_regions as aws_regions
from rootguard.components.validation import execution_frequencies as execution_frequencies
from rootguard.errors import UsageError

NAMESPACE = "rootguard"

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_FREQUENCY = "TwentyFour_Hours"
DEFAULT_EXECUTION_ROLE_NAME = "rootguard-config-rule"
"""The role the organization rule's function assumes in each member account."""
MAX_EXCLUDED_ACCOUNTS = 1000
"""PutOrganizationConformancePack takes at most 1000 excluded accounts."""

_VALUE_REPR_LIMIT = 120
_ERROR_TYPE = "rootguard"
_ERROR_AT_TYPE = "rootguard_at"


class ConfigError(UsageError):
    """A malformed `rootguard:` config value; str() is one line: key, value, expectation."""

    def __init__(self, key: str, value_text: str, expected: str) -> None:
        self.key = key
        self.value_text = value_text
        self.expected = expected
        super().__init__(f"{key}: {value_text}; expected {expected}")


# ------------------------------------------------------------------ field expectations


class Expect:
    """Annotated marker: the expectation a field states when its value is rejected.

    Wraps the field's validation so that any error at this field (not deeper) becomes
    one `rootguard` error carrying the expectation; errors of nested fields keep their
    own location and wording.
    """

    def __init__(self, expected: str, *, when_int: str | None = None) -> None:
        self.expected = expected
        self.when_int = when_int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_wrap_validator_function(self._validate, handler(source))

    def _validate(self, value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as err:
            if any(error["loc"] for error in err.errors()):
                raise
            expected = self.expected
            if self.when_int is not None and isinstance(value, int) and not isinstance(value, bool):
                expected = self.when_int
            raise PydanticCustomError(_ERROR_TYPE, "{expected}", {"expected": expected}) from None


def _one_of(values: tuple[str, ...]) -> str:
    return "one of " + ", ".join(values)


@functools.cache
def _policy_target_pattern() -> re.Pattern[str]:
    """Organizations' `PolicyTargetId` pattern (root, OU or account id), from botocore."""
    model = botocore.session.get_session().get_service_model("organizations")
    return re.compile(model.shape_for("PolicyTargetId").metadata["pattern"])


def _is_policy_target(value: str) -> str:
    if not _policy_target_pattern().fullmatch(value):
        raise ValueError("not a policy target")
    return value


def _digits_to_int(value: Any) -> Any:
    """`pulumi config set --path` stores a number as a string: accept "30" as 30."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def _positive_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a bool is not a number")
    return value


# The rules are components/validation.py's, shared with the components' own checks.
AccountId = Annotated[
    StrictStr,
    AfterValidator(ACCOUNT_ID.validate),
    Expect(
        f"{ACCOUNT_ID.expected} as a quoted string",
        when_int=(
            f'{ACCOUNT_ID.expected} as a quoted string (quote it: id: "012345678901"; '
            "YAML reads an unquoted id as a number and drops leading zeros)"
        ),
    ),
]
AccountName = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"),
    Expect("a name of 1-63 letters, digits, '_', '.' or '-' starting with a letter or digit"),
]
RoleName = Annotated[StrictStr, AfterValidator(ROLE_NAME.validate), Expect(ROLE_NAME.expected)]
MonitorArn = Annotated[
    StrictStr, AfterValidator(MONITOR_ARN.validate), Expect(MONITOR_ARN.expected)
]


Region = Annotated[StrictStr, AfterValidator(REGION.validate), Expect(REGION.expected)]
OptInRegion = Annotated[
    StrictStr, AfterValidator(OPT_IN_REGION.validate), Expect(OPT_IN_REGION.expected)
]
Email = Annotated[StrictStr, AfterValidator(EMAIL.validate), Expect(EMAIL.expected)]
ConfigName = Annotated[
    StrictStr, AfterValidator(CONFIG_NAME.validate), Expect(CONFIG_NAME.expected)
]


ConformsBucket = Annotated[
    StrictStr, AfterValidator(CONFORMS_BUCKET.validate), Expect(CONFORMS_BUCKET.expected)
]
Bool = Annotated[StrictBool, Expect("true or false")]
OuId = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"),
    Expect("an organizational unit id such as ou-ab12-cd34ef56"),
]
PolicyTarget = Annotated[
    StrictStr,
    AfterValidator(_is_policy_target),
    Expect(
        "an organization root id (r-ab12), an OU id (ou-ab12-cd34ef56) or a 12-digit "
        "account id, as a quoted string"
    ),
]


Frequency = Annotated[StrictStr, AfterValidator(FREQUENCY.validate), Expect(FREQUENCY.expected)]


# ------------------------------------------------------------------------------ models


class _Model(BaseModel):
    """Config keys are camelCase (as in the YAML); attributes are snake_case."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        frozen=True,
        validate_default=False,
    )


class AccountConfig(_Model):
    """One entry of `rootguard:accounts`: an account this stack baselines."""

    id: AccountId
    name: AccountName
    """Label used in resource names and stack outputs; defaults to the id."""
    role_name: RoleName = DEFAULT_ROLE_NAME
    """Role the caller assumes in the account."""
    cost_monitor_arn: MonitorArn | None = None
    """Existing AWS-services anomaly monitor to subscribe to instead of creating one."""

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("id"), str):
            return {**data, "name": data["id"]}
        return data

    @model_validator(mode="after")
    def _monitor_in_this_account(self) -> AccountConfig:
        if self.cost_monitor_arn is not None:
            arn_account = self.cost_monitor_arn.split(":")[4]
            if arn_account != self.id:
                raise _error_at(
                    "costMonitorArn",
                    self.cost_monitor_arn,
                    f"a monitor ARN of this account ({self.id}), not of {arn_account}",
                )
        return self

    @property
    def role_arn(self) -> str:
        return f"arn:{PARTITION}:iam::{self.id}:role/{self.role_name}"


class AlertsConfig(_Model):
    """`rootguard:alerts`: Cost Anomaly Detection alerts."""

    emails: Annotated[
        list[Email],
        Field(max_length=MAX_ALERT_EMAILS),
        Expect(f"a list of at most {MAX_ALERT_EMAILS} email addresses"),
    ] = []
    """Receivers of the DAILY anomaly digest; none means no email subscription."""
    threshold_usd: Annotated[
        float,
        Field(gt=0, allow_inf_nan=False),
        BeforeValidator(_positive_number),
        Expect("a number of US dollars greater than 0"),
    ] = 100.0
    """Anomalies with a total impact of at least this many dollars are reported."""
    cost_monitor_arn: MonitorArn | None = None
    """Existing monitor of the caller's own account (only without rootguard:accounts)."""


class RecorderConfig(_Model):
    """`rootguard:recorder`: how AWS Config recording is set up in each account."""

    mode: Annotated[
        Literal["create", "adopt", "skip"],
        Expect("one of create, adopt, skip"),
    ] = "create"
    global_resources_in_all_regions: Annotated[StrictBool, Expect("true or false")] = False
    recorder_name: ConfigName = "default"
    delivery_channel_name: ConfigName = "default"
    keep_bucket_on_destroy: Bool = True
    """`pulumi destroy` leaves the delivery bucket, its history and its hardening in the
    account (true), or empties and deletes it (false)."""


class RulesConfig(_Model):
    """`rootguard:rules`: the AWS-managed root-account rules and the custom rule."""

    hardware_mfa: Bool = False
    root_access_key_check: Bool = True
    frequency: Frequency = DEFAULT_FREQUENCY
    custom_rule: Bool = True
    """Deploy the custom root-account rule (Lambda) in every account."""
    require_hardware_mfa: Bool = False
    """Custom rule parameter RequireHardwareMfa: a virtual MFA device is NON_COMPLIANT."""
    root_use_window_days: Annotated[
        StrictInt,
        Field(ge=0),
        BeforeValidator(_digits_to_int),
        Expect("a whole number of days, 0 (off) or more"),
    ] = 0
    """Custom rule parameter RootUseWindowDays: root used this recently is NON_COMPLIANT."""
    root_credentials_managed: Bool = False
    """Custom rule parameter RootCredentialsManaged: the organization manages root
    credentials centrally (set by an organization stack with rootAccess for itself)."""


class AlarmConfig(_Model):
    """`rootguard:alarm`: the root activity alarm (EventBridge rules in every region the
    accounts can be used in, an SNS topic in us-east-1)."""

    enabled: Bool = True
    emails: Annotated[list[Email], Expect("a list of email addresses")] = []
    """Subscribed to the alarm topic (each confirms once)."""
    opt_in_regions: Annotated[list[OptInRegion], Expect("a list of opt-in AWS region names")] = []
    """Opt-in regions enabled in the accounts (beyond rootguard:regions): root API calls
    there alarm too. The regions enabled by default are always covered."""

    @model_validator(mode="after")
    def _unique_regions(self) -> AlarmConfig:
        repeat = first_repeat(self.opt_in_regions)
        if repeat is not None:
            index, earlier = repeat
            region = self.opt_in_regions[index]
            raise _error_at(
                f"optInRegions[{index}]",
                region,
                f"each region once (optInRegions[{earlier}] is {region} too)",
            )
        return self


class ExecutionRoleConfig(_Model):
    """`rootguard:executionRole`: the role the organization custom rule assumes in each
    account of this stack."""

    admin_account_id: AccountId
    """The account whose rootguard organization stack runs the rule's function."""
    role_name: RoleName = DEFAULT_EXECUTION_ROLE_NAME


class ConformancePackConfig(_Model):
    """`rootguard:organization.conformancePack`: the organization conformance pack."""

    enabled: Bool = True
    hardware_mfa: Bool = False
    """Add ROOT_ACCOUNT_HARDWARE_MFA_ENABLED to the pack."""
    excluded_accounts: Annotated[
        list[AccountId],
        Field(max_length=MAX_EXCLUDED_ACCOUNTS),
        Expect(f"a list of at most {MAX_EXCLUDED_ACCOUNTS} 12-digit account ids"),
    ] = []
    """Accounts the pack (and the organization custom rule) leave out."""
    delivery_bucket: ConformsBucket | None = None
    """A hardened bucket of this name is created and receives the pack's results."""
    keep_bucket_on_destroy: Bool = True
    """`pulumi destroy` leaves that bucket and its contents in the account (true), or
    empties and deletes it (false)."""

    @model_validator(mode="after")
    def _unique_excluded(self) -> ConformancePackConfig:
        seen: dict[str, int] = {}
        for index, account in enumerate(self.excluded_accounts):
            if account in seen:
                raise _error_at(
                    f"excludedAccounts[{index}]",
                    account,
                    f"each account once (excludedAccounts[{seen[account]}] is {account} too)",
                )
            seen[account] = index
        return self


def _each_once(values: list[str], key: str) -> None:
    repeat = first_repeat(values)
    if repeat is not None:
        index, earlier = repeat
        raise _error_at(f"{key}[{index}]", values[index], f"each once ({key}[{earlier}] is it too)")


class RootAccessConfig(_Model):
    """`rootguard:organization.rootAccess`: centralized root access for member accounts."""

    trusted_access: Bool = True
    """Enable trusted access for iam.amazonaws.com (off when it is managed elsewhere)."""
    delegated_admin_account_id: AccountId | None = None
    """Registered as the IAM delegated administrator (root sessions from there)."""


class GuardrailsConfig(_Model):
    """`rootguard:organization.guardrails`: the guardrail service control policies."""

    targets: Annotated[
        list[PolicyTarget],
        Field(min_length=1),
        Expect("a non-empty list of the organization root, OU or account ids to attach to"),
    ]
    exempt_accounts: Annotated[
        list[AccountId], Expect("a list of 12-digit account ids (break-glass accounts)")
    ] = []
    exempt_ous: Annotated[list[OuId], Expect("a list of OU ids (break-glass OUs)")] = []
    deny_root_user: Bool = True
    deny_root_access_keys: Bool = True
    protect_rootguard: Bool = True
    deploy_role_names: Annotated[
        list[RoleName],
        Field(min_length=1),
        Expect("a non-empty list of IAM role names (the roles rootguard deploys with)"),
    ] = [DEFAULT_ROLE_NAME]
    """The only roles protectRootguard lets leave the organization or change rootguard."""

    @model_validator(mode="after")
    def _unique(self) -> GuardrailsConfig:
        _each_once(self.targets, "targets")
        _each_once(self.exempt_accounts, "exemptAccounts")
        _each_once(self.exempt_ous, "exemptOus")
        if not (self.deny_root_user or self.deny_root_access_keys or self.protect_rootguard):
            raise _error_at(
                "protectRootguard",
                False,
                "at least one of denyRootUser, denyRootAccessKeys, protectRootguard true "
                "(or no guardrails key)",
            )
        # Imported here: only a stack with guardrails pays for loading pulumi_aws.
        from rootguard.components.guardrails import guardrail_documents

        try:
            guardrail_documents(
                {
                    "targets": self.targets,
                    "exempt_accounts": self.exempt_accounts,
                    "exempt_ous": self.exempt_ous,
                    "deploy_role_names": self.deploy_role_names,
                }
            )
        except ValueError as err:
            raise _error_at(
                "exemptAccounts",
                f"{len(self.exempt_accounts)} accounts, {len(self.exempt_ous)} OUs",
                f"exemptions that fit every guardrail in an SCP ({err})",
            ) from None
        return self


class OrganizationConfig(_Model):
    """`rootguard:organization`: the organization layer, for a stack running in the
    management account or the AWS Config delegated administrator."""

    role: Annotated[
        Literal["management", "delegatedAdmin"],
        Expect("one of management, delegatedAdmin"),
    ] = "management"
    delegated_admin_account_id: AccountId | None = None
    """Registered as the delegated administrator of AWS Config (management role only)."""
    conformance_pack: ConformancePackConfig = ConformancePackConfig()
    aggregator: Bool = True
    custom_rule: Bool = True
    """The custom root-account rule as an organization custom rule."""
    execution_role_name: RoleName = DEFAULT_EXECUTION_ROLE_NAME
    """The role the organization rule's function assumes in each member account."""
    root_access: RootAccessConfig | None = None
    guardrails: GuardrailsConfig | None = None
    rollout: Annotated[Literal["accounts", "stackset"], Expect("one of accounts, stackset")] = (
        "accounts"
    )
    """How members get their recorders: account stacks, or StackSets (rootguard.config_rollout)."""
    stack_set: StackSetConfig | None = None
    log_archive_account: CentralAccountConfig | None = None
    security_account: CentralAccountConfig | None = None
    payer_account: CentralAccountConfig | None = None

    @model_validator(mode="after")
    def _management_only(self) -> OrganizationConfig:
        # OrganizationsFeatures and service control policies are managed from the
        # management account (IAM User Guide, "Centralize root access for member accounts").
        for key, value in (("rootAccess", self.root_access), ("guardrails", self.guardrails)):
            if value is not None and self.role != "management":
                raise _error_at(
                    key,
                    value.model_dump(by_alias=True),
                    f"no {key} with role {self.role} (only the management account manages it)",
                )
        return self

    @model_validator(mode="after")
    def _rollout_keys(self) -> OrganizationConfig:
        check_rollout_keys(self)
        return self

    @model_validator(mode="after")
    def _admin_only_from_management(self) -> OrganizationConfig:
        if self.delegated_admin_account_id is not None and self.role != "management":
            raise _error_at(
                "delegatedAdminAccountId",
                self.delegated_admin_account_id,
                "no delegatedAdminAccountId with role delegatedAdmin (only the management "
                "account registers a delegated administrator)",
            )
        return self


class StackConfig(_Model):
    """The whole validated `rootguard:` namespace."""

    home_region: Region
    regions: Annotated[
        list[Region],
        Field(min_length=1),
        Expect("a non-empty list of AWS region names"),
    ]
    accounts: Annotated[
        Annotated[list[AccountConfig], Tag("<list>"), Field(min_length=1)]
        | Annotated[AccountDiscoveryConfig, Tag("<fromOrganization>")],
        Discriminator(_accounts_form),
        Expect(
            "a non-empty list of accounts, or {fromOrganization: {ous: [...]}} (omit "
            "rootguard:accounts to baseline the caller's own account)"
        ),
    ] = []
    alerts: AlertsConfig = AlertsConfig()
    recorder: RecorderConfig = RecorderConfig()
    rules: RulesConfig = RulesConfig()
    alarm: AlarmConfig = AlarmConfig()
    organization: OrganizationConfig | None = None
    execution_role: ExecutionRoleConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _region_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        aws_region = (info.context or {}).get("aws_region")
        if "homeRegion" not in data and aws_region is not None:
            data["homeRegion"] = aws_region
        if "regions" not in data and isinstance(data.get("homeRegion"), str):
            data["regions"] = [data["homeRegion"]]
        return data

    @model_validator(mode="after")
    def _cross_checks(self) -> StackConfig:
        seen_regions: dict[str, int] = {}
        for index, region in enumerate(self.regions):
            if region in seen_regions:
                raise _error_at(
                    f"regions[{index}]",
                    region,
                    f"each region once (regions[{seen_regions[region]}] is {region} too)",
                )
            seen_regions[region] = index
        if self.home_region not in self.regions:
            raise _error_at(
                "homeRegion",
                self.home_region,
                f"one of rootguard:regions ({', '.join(self.regions)})",
            )
        if not HOME_REGION.accepts(self.home_region):
            # The home region records the global IAM types and runs the root rules.
            raise _error_at("homeRegion", self.home_region, HOME_REGION.expected)
        for field in ("id", "name"):
            seen: dict[str, int] = {}
            for index, account in enumerate(self.listed_accounts):
                value = getattr(account, field)
                if value in seen:
                    raise _error_at(
                        f"accounts[{index}].{field}",
                        value,
                        f"a unique account {field} (accounts[{seen[value]}] has it too)",
                    )
                seen[value] = index
        for key, emails in (
            ("alerts.emails", self.alerts.emails),
            ("alarm.emails", self.alarm.emails),
        ):
            # AWS rejects a subscription that lists one subscriber twice; an SNS topic
            # subscribes an address once.
            repeat = first_repeat(emails, fold=str.lower)
            if repeat is not None:
                index, earlier = repeat
                raise _error_at(
                    f"{key}[{index}]",
                    emails[index],
                    f"each address once ({key}[{earlier}] is it too)",
                )
        if self.organization is not None and self.organization.rollout == "stackset":
            check_stackset_organization(self)
        if self.accounts and self.organization is None and self.alerts.cost_monitor_arn:
            raise _error_at(
                "alerts.costMonitorArn",
                self.alerts.cost_monitor_arn,
                "costMonitorArn on each entry of rootguard:accounts instead "
                "(alerts.costMonitorArn is for the caller's own account, baselined only "
                "without rootguard:accounts or with rootguard:organization)",
            )
        return self

    @property
    def listed_accounts(self) -> list[AccountConfig]:
        """The literal `rootguard:accounts` list (empty with fromOrganization)."""
        return self.accounts if isinstance(self.accounts, list) else []


def _accounts_form(value: Any) -> str:
    """Which form of `rootguard:accounts` a value is: the mapping, or the list."""
    return "<fromOrganization>" if isinstance(value, dict) else "<list>"


def _error_at(path: str, value: Any, expected: str) -> PydanticCustomError:
    """An error of a cross-field check, placed at `path` relative to the validated model."""
    return PydanticCustomError(
        _ERROR_AT_TYPE, "{expected}", {"path": path, "value": value, "expected": expected}
    )


# ------------------------------------------------------------------------------ loading


def load_stack_config(
    raw: Mapping[str, Any] | None = None, *, aws_region: str | None = None
) -> StackConfig:
    """Validate the `rootguard:` namespace; raise `ConfigError` (one line) when malformed.

    `raw` maps the namespace's keys without prefix ("accounts", "regions", ...) to decoded
    values; JSON strings of lists/objects are decoded too, as the Pulumi runtime passes
    structured values that way. When `raw` is None, every `rootguard:*` key and
    `aws:region` are read from the Pulumi runtime config. `aws_region` is the default
    home region.
    """
    if raw is None:
        raw, runtime_region = _runtime_config()
        aws_region = aws_region if aws_region is not None else runtime_region
    data = {key: _decode(value) for key, value in raw.items()}
    try:
        return StackConfig.model_validate(data, context={"aws_region": aws_region})
    except ValidationError as err:
        raise _to_config_error(err, data, aws_region) from None


def _runtime_config() -> tuple[dict[str, Any], str | None]:
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = {}
    merged.update(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    raw: dict[str, Any] = {}
    for full_key, value in merged.items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE or not key:
            continue
        # Older engines send "<namespace>:config:<key>".
        key = key.removeprefix("config:")
        raw[key] = value
    region = runtime_config.get_config("aws:region")
    return raw, region if isinstance(region, str) else None


def _decode(value: Any) -> Any:
    """Structured config values arrive as JSON strings; scalars stay as given."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, (list, dict)):
            return decoded
    return value


# ------------------------------------------------------------------- one-line errors


def _to_config_error(
    err: ValidationError, data: Mapping[str, Any], aws_region: str | None
) -> ConfigError:
    error = err.errors(include_url=False)[0]
    loc: list[str | int] = [
        part
        for part in error["loc"]
        if isinstance(part, int) or (isinstance(part, str) and not part.startswith("<"))
    ]  # "<...>" parts name the branch of a union (rootguard:accounts), not a key
    ctx = error.get("ctx") or {}
    kind = error["type"]
    value: Any = error.get("input")
    if kind == _ERROR_AT_TYPE:
        loc = loc + _parse_path(ctx["path"])
        value = ctx["value"]
    key = f"{NAMESPACE}:{_format_loc(loc)}" if loc else NAMESPACE

    if kind == "missing":
        expected = _expected_at(loc) or "a value"
        if loc == ["homeRegion"] and aws_region is None:
            expected += " (it defaults to aws:region, which is not set either)"
        return ConfigError(key, "missing", expected)
    if kind == "extra_forbidden":
        allowed = sorted(_keys_at(loc[:-1]))
        return ConfigError(key, f"{_show(value)} is not a known key", _one_of(tuple(allowed)))
    if kind in (_ERROR_TYPE, _ERROR_AT_TYPE):
        expected = str(ctx["expected"])
    else:
        expected = _expected_at(loc) or str(error["msg"]).lower()
    return ConfigError(key, f"{_show(value)} is not valid", expected)


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > _VALUE_REPR_LIMIT:
        text = text[: _VALUE_REPR_LIMIT - 3] + "..."
    return text


def _format_loc(loc: list[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _parse_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for dotted in path.split("."):
        name, *indexes = dotted.replace("]", "").split("[")
        if name:
            parts.append(name)
        parts.extend(int(index) for index in indexes)
    return parts


def _strip(annotation: Any) -> tuple[Any, str | None]:
    """Unwrap Annotated/Optional; return the bare type and its Expect text, if any."""
    expected = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            for meta in args[1:]:
                if isinstance(meta, Expect):
                    expected = meta.expected
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) > 1:
                return annotation, expected  # a choice of forms: _step tries each
            annotation = members[0]
        else:
            return annotation, expected


def _step(typ: Any, part: str | int) -> tuple[Any, str | None]:
    if get_origin(typ) in (Union, types.UnionType):
        for member in get_args(typ):
            found = _step(_strip(member)[0], part)
            if found[0] is not None:
                return found
        return None, None
    if isinstance(part, int):
        if get_origin(typ) is list:
            return _strip(get_args(typ)[0])
        return None, None
    if isinstance(typ, type) and issubclass(typ, BaseModel):
        for field in typ.model_fields.values():
            if field.alias == part:
                bare, expected = _strip(field.annotation)
                for meta in field.metadata:
                    if isinstance(meta, Expect):
                        expected = meta.expected
                return bare, expected
    return None, None


def _expected_at(loc: list[str | int]) -> str | None:
    typ: Any = StackConfig
    expected: str | None = None
    for part in loc:
        typ, expected = _step(typ, part)
    if expected is None and isinstance(typ, type) and issubclass(typ, BaseModel):
        expected = "a mapping with keys " + ", ".join(sorted(_model_keys(typ)))
    return expected


def _keys_at(loc: list[str | int]) -> list[str]:
    typ: Any = StackConfig
    for part in loc:
        typ, _ = _step(typ, part)
    if isinstance(typ, type) and issubclass(typ, BaseModel):
        return _model_keys(typ)
    return []


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


# The rollout models build on this module's types; they join the schema here.
from rootguard.config_rollout import (  # noqa: E402
    AccountDiscoveryConfig,
    CentralAccountConfig,
    StackSetConfig,
    check_rollout_keys,
    check_stackset_organization,
)

OrganizationConfig.model_rebuild()
StackConfig.model_rebuild()
