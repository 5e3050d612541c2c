"""The placement rules of ARCHITECTURE.md hold for any valid stack config.

Hypothesis generates valid configs (1-5 accounts with random ids, names, role names and
existing anomaly monitors; 1-4 regions with the home region among them; every recorder
mode; the global-types and rule switches; 0-10 alert emails) and the repository's own
program runs on each through the offline engine, as `rootguard plan --json` does. Each
rule is one check function over the plan's JSON (the contract shape, `Plan.to_json()`);
a hand-made violation of each rule proves its check can fail.

Where a resource lives is worked out here from the JSON alone, as ARCHITECTURE.md
states it (the account of its provider's last `assumeRoles` role, its own `region`
input, else its provider's), independently of the engine's `placements()`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import keyword
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from rootguard.components.validation import DEFAULT_ENABLED_REGIONS, GLOBAL_IAM_RECORDING_REGIONS

from rootguard.config import aws_regions, execution_frequencies
from rootguard.engine.program import run_program

REPO = Path(__file__).resolve().parent.parent
STACK = "gen"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
ALARM_REGION = "us-east-1"
"""Where AWS records root console sign-ins, so where the alarm lives whatever `regions` is."""
HOME_REGIONS = sorted(GLOBAL_IAM_RECORDING_REGIONS)
"""Regions a stack may call home: where Config records the global IAM types."""

PROVIDER = "pulumi:providers:aws"
BASELINE = "rootguard:account_baseline:AccountBaseline"
RECORDER = "aws:cfg/recorder:Recorder"
CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
STATUS = "aws:cfg/recorderStatus:RecorderStatus"
RULE = "aws:cfg/rule:Rule"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
FUNCTION = "aws:lambda/function:Function"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
ROOT_MFA = "ROOT_ACCOUNT_MFA_ENABLED"
ROOT_ACCESS_KEY = "IAM_ROOT_ACCESS_KEY_CHECK"
ROOT_HARDWARE_MFA = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"

Resource = dict[str, Any]


# --------------------------------------------------------------------------------------
# The generated config, kept as the facts the checks expect
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: str
    name: str | None
    """None: the config leaves it out and the name defaults to the id."""
    role_name: str | None
    """None: the config leaves it out (OrganizationAccountAccessRole)."""
    cost_monitor_arn: str | None

    @property
    def label(self) -> str:
        return self.name if self.name is not None else self.id

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.id}:role/{self.role_name or DEFAULT_ROLE_NAME}"

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id}
        if self.name is not None:
            entry["name"] = self.name
        if self.role_name is not None:
            entry["roleName"] = self.role_name
        if self.cost_monitor_arn is not None:
            entry["costMonitorArn"] = self.cost_monitor_arn
        return entry


@dataclass(frozen=True)
class Spec:
    """A valid stack config: what it says, and whether defaulted keys are written out."""

    accounts: tuple[Account, ...]
    regions: tuple[str, ...]
    home_region: str
    aws_region: str
    write_home_region: bool
    """False: homeRegion is left out and defaults to aws:region (then equal to it)."""
    write_regions: bool
    """False: regions is left out and defaults to [homeRegion] (then exactly that)."""
    mode: str
    global_everywhere: bool
    hardware_mfa: bool
    root_access_key_check: bool
    frequency: str | None
    emails: tuple[str, ...]
    threshold_usd: float | None

    def stack_config(self) -> dict[str, Any]:
        """The `config:` of a Pulumi.<stack>.yaml, as YAML decodes it."""
        config: dict[str, Any] = {"aws:region": self.aws_region}
        if self.write_home_region:
            config["rootguard:homeRegion"] = self.home_region
        if self.write_regions:
            config["rootguard:regions"] = list(self.regions)
        config["rootguard:accounts"] = [account.entry() for account in self.accounts]
        alerts: dict[str, Any] = {}
        if self.emails:
            alerts["emails"] = list(self.emails)
        if self.threshold_usd is not None:
            alerts["thresholdUsd"] = self.threshold_usd
        if alerts:
            config["rootguard:alerts"] = alerts
        config["rootguard:recorder"] = {
            "mode": self.mode,
            "globalResourcesInAllRegions": self.global_everywhere,
        }
        rules: dict[str, Any] = {
            "hardwareMfa": self.hardware_mfa,
            "rootAccessKeyCheck": self.root_access_key_check,
        }
        if self.frequency is not None:
            rules["frequency"] = self.frequency
        config["rootguard:rules"] = rules
        return config


_account_ids = st.from_regex(r"[0-9]{12}", fullmatch=True)
_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_role_names = st.one_of(
    st.none(),
    st.just(DEFAULT_ROLE_NAME),
    st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,64}", fullmatch=True),
)
_emails = st.builds(
    "{}@{}".format,
    st.from_regex(r"[a-z0-9][a-z0-9_+-]{0,15}", fullmatch=True),
    st.sampled_from(["example.com", "ops.example.org", "corp.example.net"]),
)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    """Valid stack configs: 1-5 accounts, 1-4 regions, every mode and switch."""
    count = draw(st.integers(min_value=1, max_value=5))
    ids = draw(st.lists(_account_ids, min_size=count, max_size=count, unique=True))
    names = draw(st.lists(_names, min_size=count, max_size=count, unique=True))
    accounts = []
    for account_id, name in zip(ids, names, strict=True):
        monitor_id = draw(st.one_of(st.none(), st.uuids()))
        monitor = (
            None if monitor_id is None else f"arn:aws:ce::{account_id}:anomalymonitor/{monitor_id}"
        )
        name_or_default = draw(st.sampled_from([name, None]))
        accounts.append(Account(account_id, name_or_default, draw(_role_names), monitor))
    # Nor may a name equal another account's defaulted name (its id).
    assume(len({account.label for account in accounts}) == count)
    home_region = draw(st.sampled_from(HOME_REGIONS))
    others = draw(st.lists(st.sampled_from(aws_regions()), max_size=3, unique=True))
    regions = [region for region in others if region != home_region]
    regions.insert(draw(st.integers(min_value=0, max_value=len(regions))), home_region)
    write_home_region = draw(st.booleans())
    return Spec(
        accounts=tuple(accounts),
        regions=tuple(regions),
        home_region=home_region,
        # aws:region is only the default of homeRegion: when both are set they may differ.
        aws_region=draw(st.sampled_from(aws_regions())) if write_home_region else home_region,
        write_home_region=write_home_region,
        write_regions=regions != [home_region] or draw(st.booleans()),
        mode=draw(st.sampled_from(["create", "adopt", "skip"])),
        global_everywhere=draw(st.booleans()),
        hardware_mfa=draw(st.booleans()),
        root_access_key_check=draw(st.booleans()),
        frequency=draw(st.one_of(st.none(), st.sampled_from(execution_frequencies()))),
        emails=tuple(draw(st.lists(_emails, max_size=10, unique=True))),
        threshold_usd=draw(
            st.one_of(
                st.none(),
                st.integers(min_value=1, max_value=100_000).map(float),
                st.floats(min_value=0.01, max_value=1e6),
            )
        ),
    )


# --------------------------------------------------------------------------------------
# Reading the plan JSON
# --------------------------------------------------------------------------------------


def _decoded(value: Any) -> Any:
    """Provider inputs travel JSON-encoded ('["111111111111"]')."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _role_arns(provider: Resource) -> list[Any]:
    roles = _decoded(provider["inputs"].get("assumeRoles"))
    if not isinstance(roles, list):
        return []
    # camelCase from the SDK's provider serialisation; snake_case in older SDKs.
    return [r.get("roleArn", r.get("role_arn")) if isinstance(r, dict) else r for r in roles]


class PlanView:
    """The plan JSON, and where each resource lives according to ARCHITECTURE.md."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.resources: list[Resource] = document["resources"]
        self.by_urn = {r["urn"]: r for r in self.resources}
        self.providers = {r["urn"]: r for r in self.resources if r["type"] == PROVIDER}

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r["type"] == type_]

    def aws_resources(self) -> list[Resource]:
        return [r for r in self.resources if r["custom"] and r["type"].startswith("aws:")]

    def provider_of(self, resource: Resource) -> Resource | None:
        """Its explicit aws provider; None for the default provider (the engine names it
        `default...`) or an unknown one."""
        reference = resource["provider"]
        if not reference:
            return None
        provider = self.providers.get(reference.rsplit("::", 1)[0])
        if provider is None or provider["name"].startswith("default"):
            return None
        return provider

    def account_of(self, resource: Resource) -> str | None:
        provider = self.provider_of(resource)
        if provider is None:
            return None
        arns = _role_arns(provider)  # assumed in order: the last role's account
        if arns and isinstance(arns[-1], str) and arns[-1].count(":") >= 5:
            return arns[-1].split(":")[4]
        return None

    def region_of(self, resource: Resource) -> str | None:
        region = resource["inputs"].get("region")
        if region is None:
            provider = self.provider_of(resource)
            region = provider["inputs"].get("region") if provider is not None else None
        return region

    def in_account(self, type_: str, account_id: str) -> list[Resource]:
        return [r for r in self.of_type(type_) if self.account_of(r) == account_id]

    def regions_of(self, type_: str, account_id: str) -> list[str | None]:
        return sorted((self.region_of(r) for r in self.in_account(type_, account_id)), key=str)

    def baseline_of(self, resource: Resource) -> str | None:
        """The name of the AccountBaseline the resource belongs to, if any."""
        parent = resource["parent"]
        while parent is not None:
            ancestor = self.by_urn[parent]
            if ancestor["type"] == BASELINE:
                return str(ancestor["name"])
            parent = ancestor["parent"]
        return None


@cache
def takes_region(type_token: str) -> bool:
    """Whether the pulumi-aws resource type has a `region` input (v7: regional)."""
    _, module, class_name = type_token.split(":")
    package = module.split("/")[0]
    if keyword.iskeyword(package):
        package += "_"  # aws:lambda/... lives in pulumi_aws.lambda_
    resource_class = getattr(importlib.import_module(f"pulumi_aws.{package}"), class_name)
    return "region" in inspect.signature(resource_class._internal_init).parameters


def _rule_source(rule: Resource) -> dict[str, Any]:
    source = rule["inputs"].get("source")
    return source if isinstance(source, dict) else {}


# --------------------------------------------------------------------------------------
# The placement rules, one check each
# --------------------------------------------------------------------------------------

Check = Callable[[PlanView, Spec], None]


def check_one_provider_per_account(view: PlanView, spec: Spec) -> None:
    """One aws provider per listed account: assumeRoles [{roleArn: arn:aws:iam::<id>:role/
    <roleName>}], allowedAccountIds [<id>], region = homeRegion."""
    providers = list(view.providers.values())
    assert len(providers) == len(spec.accounts), (
        f"{len(providers)} aws providers for {len(spec.accounts)} listed accounts"
    )
    for account in spec.accounts:
        mine = [
            p for p in providers if _decoded(p["inputs"].get("allowedAccountIds")) == [account.id]
        ]
        assert len(mine) == 1, (
            f"account {account.id}: {len(mine)} providers with allowedAccountIds [{account.id}]"
        )
        provider = mine[0]
        assert _role_arns(provider) == [account.role_arn], (
            f"{provider['urn']}: assumeRoles {_role_arns(provider)}; expected [{account.role_arn}]"
        )
        assert provider["inputs"].get("region") == spec.home_region, (
            f"{provider['urn']}: region {provider['inputs'].get('region')!r}; "
            f"expected the home region {spec.home_region}"
        )


def check_per_region_resources_set_region(view: PlanView, spec: Spec) -> None:
    """Every resource of a regional type (one with a `region` input in pulumi-aws v7)
    sets it, to one of the stack's regions, or of the regions enabled by default (the root
    activity alarm's rules)."""
    allowed = {*spec.regions, *DEFAULT_ENABLED_REGIONS}
    for resource in view.aws_resources():
        if not takes_region(resource["type"]):
            continue  # global types (IAM, Cost Explorer): the provider's region is moot
        region = resource["inputs"].get("region")
        assert region in allowed, (
            f"{resource['urn']}: region input {region!r}; expected one of {sorted(allowed)}"
        )


def check_recording_in_every_region(view: PlanView, spec: Spec) -> None:
    """A recorder, a delivery channel and a recorder status in every region of every
    account (exactly one each: AWS allows one recorder and channel per account and region).

    ARCHITECTURE.md says "all modes", but `skip` deliberately creates none: it means
    Control Tower (or someone else) owns Config in those accounts, and a second recorder
    would fail with MaxNumberOfConfigurationRecordersExceededException.
    """
    expected = [] if spec.mode == "skip" else sorted(spec.regions)
    for account in spec.accounts:
        for type_ in (RECORDER, CHANNEL, STATUS):
            found = view.regions_of(type_, account.id)
            assert found == expected, (
                f"account {account.id} mode {spec.mode}: {type_} in {found}; expected {expected}"
            )


def check_global_types_recorded_once(view: PlanView, spec: Spec) -> None:
    """includeGlobalResourceTypes true in the home region only (exactly one recorder per
    account), in every region with globalResourcesInAllRegions."""
    if spec.mode == "skip":
        expected = []
    elif spec.global_everywhere:
        # Not where Config arrived after February 2022: it cannot record them there.
        expected = sorted(r for r in spec.regions if r in GLOBAL_IAM_RECORDING_REGIONS)
    else:
        expected = [spec.home_region]
    for account in spec.accounts:
        found = sorted(
            str(view.region_of(recorder))
            for recorder in view.in_account(RECORDER, account.id)
            if (recorder["inputs"].get("recordingGroup") or {}).get("includeGlobalResourceTypes")
            is True
        )
        assert found == expected, (
            f"account {account.id}: global types recorded in {found}; expected {expected}"
        )


def check_root_rules_once_in_home_region(view: PlanView, spec: Spec) -> None:
    """The AWS-managed root rules as switched, each once per account, in the home region."""
    identifiers = [ROOT_MFA]
    if spec.root_access_key_check:
        identifiers.append(ROOT_ACCESS_KEY)
    if spec.hardware_mfa:
        identifiers.append(ROOT_HARDWARE_MFA)
    expected = sorted((identifier, spec.home_region) for identifier in identifiers)
    root_rules = {ROOT_MFA, ROOT_ACCESS_KEY, ROOT_HARDWARE_MFA}
    for account in spec.accounts:
        found = sorted(
            (str(_rule_source(rule).get("sourceIdentifier")), str(view.region_of(rule)))
            for rule in view.in_account(RULE, account.id)
            if _rule_source(rule).get("owner") == "AWS"
            and _rule_source(rule).get("sourceIdentifier") in root_rules
        )
        assert found == expected, f"account {account.id}: root rules {found}; expected {expected}"


def check_cost_alerts_once_in_home_region(view: PlanView, spec: Spec) -> None:
    """Per account, in the home region: the AWS-services monitor (none when the account
    names an existing one) and its subscriptions, one per frequency (IMMEDIATE to SNS;
    DAILY to the emails, when there are any), on the account's own monitor."""
    for account in spec.accounts:
        monitors = view.regions_of(MONITOR, account.id)
        expected_monitors = [] if account.cost_monitor_arn else [spec.home_region]
        assert monitors == expected_monitors, (
            f"account {account.id}: monitors in {monitors}; expected {expected_monitors}"
        )
        subscriptions = view.in_account(SUBSCRIPTION, account.id)
        found = sorted(
            (str(s["inputs"].get("frequency")), str(view.region_of(s))) for s in subscriptions
        )
        frequencies = ["DAILY", "IMMEDIATE"] if spec.emails else ["IMMEDIATE"]
        expected = [(frequency, spec.home_region) for frequency in frequencies]
        assert found == expected, (
            f"account {account.id}: subscriptions {found}; expected {expected}"
        )
        if account.cost_monitor_arn is not None:
            for subscription in subscriptions:
                watched = subscription["inputs"].get("monitorArnLists")
                assert watched == [account.cost_monitor_arn], (
                    f"{subscription['urn']}: monitors {watched}; "
                    f"expected the account's own [{account.cost_monitor_arn}]"
                )


def check_nothing_on_default_provider(view: PlanView, spec: Spec) -> None:
    """No aws resource on the default provider, and everything an account's baseline
    holds on that account's own provider."""
    accounts = {account.label: account.id for account in spec.accounts}
    for resource in view.aws_resources():
        assert view.provider_of(resource) is not None, (
            f"{resource['urn']} is on {resource['provider'] or 'the default provider'}"
        )
        baseline = view.baseline_of(resource)
        assert baseline in accounts, f"{resource['urn']} is outside every account's baseline"
        assert view.account_of(resource) == accounts[baseline], (
            f"{resource['urn']} of {baseline} ({accounts[baseline]}) deploys into "
            f"{view.account_of(resource)}"
        )


def check_custom_rule_once_in_home_region(view: PlanView, spec: Spec) -> None:
    """Per account, in the home region: one CUSTOM_LAMBDA rule and the Lambda function
    its source names (found through the rule's `source` property dependency)."""
    functions = {r["urn"]: r for r in view.of_type(FUNCTION)}
    for account in spec.accounts:
        rules = [
            rule
            for rule in view.in_account(RULE, account.id)
            if _rule_source(rule).get("owner") == "CUSTOM_LAMBDA"
        ]
        assert [view.region_of(rule) for rule in rules] == [spec.home_region], (
            f"account {account.id}: CUSTOM_LAMBDA rules in "
            f"{[view.region_of(rule) for rule in rules]}; expected [{spec.home_region}]"
        )
        sources = rules[0]["propertyDependencies"].get("source", [])
        invoked = [functions[urn] for urn in sources if urn in functions]
        assert len(invoked) == 1, f"{rules[0]['urn']}: source names {len(invoked)} functions"
        where = (view.account_of(invoked[0]), view.region_of(invoked[0]))
        assert where == (account.id, spec.home_region), (
            f"{invoked[0]['urn']}: in {where}; expected ({account.id}, {spec.home_region})"
        )


def check_root_activity_alarmed_in_every_region(view: PlanView, spec: Spec) -> None:
    """Per account, one EventBridge rule on root activity in every region it can be used
    in (the regions enabled by default, and the stack's): us-east-1, where root sign-ins
    are recorded, among them."""
    expected = sorted({*DEFAULT_ENABLED_REGIONS, *spec.regions})
    for account in spec.accounts:
        found = view.regions_of(EVENT_RULE, account.id)
        assert found == expected, (
            f"account {account.id}: root activity rules in {found}; expected {expected}"
        )


PLACEMENT_CHECKS: tuple[Check, ...] = (
    check_one_provider_per_account,
    check_per_region_resources_set_region,
    check_recording_in_every_region,
    check_global_types_recorded_once,
    check_root_rules_once_in_home_region,
    check_cost_alerts_once_in_home_region,
    check_nothing_on_default_provider,
    check_custom_rule_once_in_home_region,
    check_root_activity_alarmed_in_every_region,
)


def plan_view(spec: Spec, *, preview: bool = False) -> PlanView:
    plan = run_program(REPO, STACK, preview=preview, config=spec.stack_config())
    return PlanView(plan.to_json())


# --------------------------------------------------------------------------------------
# Generated configs
# --------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), preview=st.booleans())
def test_placement_rules_hold_for_generated_configs(spec: Spec, preview: bool) -> None:
    # Shown by --hypothesis-show-statistics: the spread of what was planned.
    event(f"mode {spec.mode}, {len(spec.accounts)} accounts, {len(spec.regions)} regions")
    view = plan_view(spec, preview=preview)
    for check in PLACEMENT_CHECKS:
        check(view, spec)


# --------------------------------------------------------------------------------------
# Every check can fail: hand-made violations of a plan that passes
# --------------------------------------------------------------------------------------

PROD = Account("111111111111", "prod", None, None)
AUDIT = Account(
    "222222222222",
    None,
    "AuditRole",
    "arn:aws:ce::222222222222:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
)
KNOWN = Spec(
    accounts=(PROD, AUDIT),
    regions=("us-west-2", "eu-west-1", "ap-south-1"),
    home_region="eu-west-1",
    aws_region="us-west-2",
    write_home_region=True,
    write_regions=True,
    mode="create",
    global_everywhere=False,
    hardware_mfa=True,
    root_access_key_check=True,
    frequency=None,
    emails=("secops@example.com",),
    threshold_usd=None,
)


@pytest.fixture(scope="module")
def known_plan() -> dict[str, Any]:
    return plan_view(KNOWN).document


def _find(doc: dict[str, Any], type_: str, account: Account, region: str | None = None) -> Resource:
    """The first resource of a type in an account (and region) of the hand-made plan."""
    view = PlanView(doc)
    for resource in view.in_account(type_, account.id):
        if region is None or view.region_of(resource) == region:
            return resource
    raise LookupError(f"no {type_} of {account.id} in {region}")


def _add_copy(doc: dict[str, Any], resource: Resource, **changes: Any) -> Resource:
    twin = {**copy.deepcopy(resource), **changes}
    twin["urn"] = resource["urn"] + "-twin"
    twin["name"] = resource["name"] + "-twin"
    doc["resources"].append(twin)
    return twin


def _remove(doc: dict[str, Any], resource: Resource) -> None:
    doc["resources"].remove(resource)


Violation = Callable[[dict[str, Any]], Spec | None]
"""Breaks one rule in a copy of the known plan; returns a changed Spec when the
violation lies in what the config asked for rather than in the plan."""


def _provider(doc: dict[str, Any], account: Account) -> Resource:
    return next(
        p
        for p in PlanView(doc).providers.values()
        if _decoded(p["inputs"]["allowedAccountIds"]) == [account.id]
    )


def _second_provider(doc: dict[str, Any]) -> None:
    _add_copy(doc, _provider(doc, PROD))


def _provider_role_of_other_account(doc: dict[str, Any]) -> None:
    roles = [{"roleArn": AUDIT.role_arn}]
    _provider(doc, PROD)["inputs"]["assumeRoles"] = json.dumps(roles)


def _provider_default_role_not_custom(doc: dict[str, Any]) -> None:
    roles = [{"roleArn": f"arn:aws:iam::{AUDIT.id}:role/{DEFAULT_ROLE_NAME}"}]
    _provider(doc, AUDIT)["inputs"]["assumeRoles"] = json.dumps(roles)


def _provider_without_allowed_accounts(doc: dict[str, Any]) -> None:
    del _provider(doc, PROD)["inputs"]["allowedAccountIds"]


def _provider_in_aws_region(doc: dict[str, Any]) -> None:
    _provider(doc, PROD)["inputs"]["region"] = KNOWN.aws_region


def _recorder_without_region(doc: dict[str, Any]) -> None:
    del _find(doc, RECORDER, PROD, "ap-south-1")["inputs"]["region"]


def _bucket_outside_regions(doc: dict[str, Any]) -> None:
    _find(doc, "aws:s3/bucket:Bucket", PROD)["inputs"]["region"] = "af-south-1"


def _channel_missing(doc: dict[str, Any]) -> None:
    _remove(doc, _find(doc, CHANNEL, AUDIT, "us-west-2"))


def _second_recorder(doc: dict[str, Any]) -> None:
    _add_copy(doc, _find(doc, RECORDER, PROD, "eu-west-1"))


def _status_in_other_region(doc: dict[str, Any]) -> None:
    _find(doc, STATUS, PROD, "ap-south-1")["inputs"]["region"] = "us-west-1"


def _recording_in_skip_mode(doc: dict[str, Any]) -> Spec:
    return replace(KNOWN, mode="skip")


def _global_types_twice(doc: dict[str, Any]) -> None:
    recorder = _find(doc, RECORDER, PROD, "us-west-2")
    recorder["inputs"]["recordingGroup"]["includeGlobalResourceTypes"] = True


def _global_types_nowhere(doc: dict[str, Any]) -> None:
    recorder = _find(doc, RECORDER, AUDIT, KNOWN.home_region)
    recorder["inputs"]["recordingGroup"]["includeGlobalResourceTypes"] = False


def _global_switch_ignored(doc: dict[str, Any]) -> Spec:
    return replace(KNOWN, global_everywhere=True)


def _mfa_rule(doc: dict[str, Any], account: Account) -> Resource:
    return next(
        rule
        for rule in PlanView(doc).in_account(RULE, account.id)
        if _rule_source(rule).get("sourceIdentifier") == ROOT_MFA
    )


def _mfa_rule_outside_home(doc: dict[str, Any]) -> None:
    _mfa_rule(doc, PROD)["inputs"]["region"] = "us-west-2"


def _mfa_rule_twice(doc: dict[str, Any]) -> None:
    _add_copy(doc, _mfa_rule(doc, AUDIT))


def _hardware_rule_not_asked_for(doc: dict[str, Any]) -> Spec:
    return replace(KNOWN, hardware_mfa=False)


def _monitor_missing(doc: dict[str, Any]) -> None:
    _remove(doc, _find(doc, MONITOR, PROD))


def _monitor_despite_existing(doc: dict[str, Any]) -> None:
    _add_copy(doc, _find(doc, MONITOR, PROD), provider=_provider_ref(doc, AUDIT))


def _provider_ref(doc: dict[str, Any], account: Account) -> str:
    return str(_find(doc, RECORDER, account)["provider"])


def _subscription_outside_home(doc: dict[str, Any]) -> None:
    _find(doc, SUBSCRIPTION, PROD)["inputs"]["region"] = "us-east-1"


def _daily_digest_without_emails(doc: dict[str, Any]) -> Spec:
    return replace(KNOWN, emails=())


def _subscription_on_foreign_monitor(doc: dict[str, Any]) -> None:
    foreign = "arn:aws:ce::111111111111:anomalymonitor/ffffffff-0000-0000-0000-000000000000"
    _find(doc, SUBSCRIPTION, AUDIT)["inputs"]["monitorArnLists"] = [foreign]


def _topic_on_default_provider(doc: dict[str, Any]) -> None:
    _find(doc, "aws:sns/topic:Topic", PROD)["provider"] = None


def _role_on_other_accounts_provider(doc: dict[str, Any]) -> None:
    _find(doc, "aws:iam/role:Role", PROD)["provider"] = _provider_ref(doc, AUDIT)


def _custom_rule(doc: dict[str, Any], account: Account) -> Resource:
    return next(
        rule
        for rule in PlanView(doc).in_account(RULE, account.id)
        if _rule_source(rule).get("owner") == "CUSTOM_LAMBDA"
    )


def _custom_rule_missing(doc: dict[str, Any]) -> None:
    _remove(doc, _custom_rule(doc, AUDIT))


def _custom_rule_outside_home(doc: dict[str, Any]) -> None:
    _custom_rule(doc, PROD)["inputs"]["region"] = "ap-south-1"


def _rule_function_in_other_region(doc: dict[str, Any]) -> None:
    _find(doc, FUNCTION, AUDIT)["inputs"]["region"] = "us-west-2"


def _alarm_missing(doc: dict[str, Any]) -> None:
    _remove(doc, _find(doc, EVENT_RULE, PROD))


def _alarm_in_home_region(doc: dict[str, Any]) -> None:
    _find(doc, EVENT_RULE, AUDIT, ALARM_REGION)["inputs"]["region"] = KNOWN.home_region


def _alarm_without_a_default_region(doc: dict[str, Any]) -> None:
    _remove(doc, _find(doc, EVENT_RULE, AUDIT, "sa-east-1"))


VIOLATIONS: list[tuple[Check, Violation]] = [
    (check_one_provider_per_account, _second_provider),
    (check_one_provider_per_account, _provider_role_of_other_account),
    (check_one_provider_per_account, _provider_default_role_not_custom),
    (check_one_provider_per_account, _provider_without_allowed_accounts),
    (check_one_provider_per_account, _provider_in_aws_region),
    (check_per_region_resources_set_region, _recorder_without_region),
    (check_per_region_resources_set_region, _bucket_outside_regions),
    (check_recording_in_every_region, _channel_missing),
    (check_recording_in_every_region, _second_recorder),
    (check_recording_in_every_region, _status_in_other_region),
    (check_recording_in_every_region, _recording_in_skip_mode),
    (check_global_types_recorded_once, _global_types_twice),
    (check_global_types_recorded_once, _global_types_nowhere),
    (check_global_types_recorded_once, _global_switch_ignored),
    (check_root_rules_once_in_home_region, _mfa_rule_outside_home),
    (check_root_rules_once_in_home_region, _mfa_rule_twice),
    (check_root_rules_once_in_home_region, _hardware_rule_not_asked_for),
    (check_cost_alerts_once_in_home_region, _monitor_missing),
    (check_cost_alerts_once_in_home_region, _monitor_despite_existing),
    (check_cost_alerts_once_in_home_region, _subscription_outside_home),
    (check_cost_alerts_once_in_home_region, _daily_digest_without_emails),
    (check_cost_alerts_once_in_home_region, _subscription_on_foreign_monitor),
    (check_nothing_on_default_provider, _topic_on_default_provider),
    (check_nothing_on_default_provider, _role_on_other_accounts_provider),
    (check_custom_rule_once_in_home_region, _custom_rule_missing),
    (check_custom_rule_once_in_home_region, _custom_rule_outside_home),
    (check_custom_rule_once_in_home_region, _rule_function_in_other_region),
    (check_root_activity_alarmed_in_every_region, _alarm_missing),
    (check_root_activity_alarmed_in_every_region, _alarm_in_home_region),
    (check_root_activity_alarmed_in_every_region, _alarm_without_a_default_region),
]


def test_placement_checks_pass_on_known_plan(known_plan: dict[str, Any]) -> None:
    view = PlanView(known_plan)
    for check in PLACEMENT_CHECKS:
        check(view, KNOWN)


@pytest.mark.parametrize(
    ("check", "violate"),
    VIOLATIONS,
    ids=[f"{check.__name__}-{violate.__name__.strip('_')}" for check, violate in VIOLATIONS],
)
def test_placement_check_catches_violation(
    known_plan: dict[str, Any], check: Check, violate: Violation
) -> None:
    doc = copy.deepcopy(known_plan)
    spec = violate(doc) or KNOWN
    with pytest.raises(AssertionError):
        check(PlanView(doc), spec)
