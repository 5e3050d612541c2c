"""Root activity alarmed: in every account the stack deploys into, someone hears of root
console sign-ins and root API calls (read-only ones included) in every region the
stack covers.

Two ways count (see `events` for how AWS delivers root activity):
- **EventBridge.** A rule on the default event bus of the account and region, whose
  pattern matches the root events of that region, in a state that receives them
  (read-only calls need `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`), with a target.
  A target that is an event bus forwards: then a rule on that bus that the stack
  declares must match the events and have a target of its own (a bus the stack
  declares no rule on is not judged). Sign-ins need such a rule in us-east-1.
- **A trail metric filter.** A trail of the account (or an organization trail) that
  logs management events, read and write, in the region (multi-region trails in all
  of them; sign-ins need global service events), delivering to a CloudWatch Logs group
  with a metric filter matching the root events, and an alarm with actions on its metric.

The regions are those of the stack's AWS resources and of its CloudFormation stack
instances; the accounts those the stack deploys AWS resources into, and, when a StackSet
reaches the accounts of OUs, those accounts too (judged once per StackSet, as
`MEMBER_ACCOUNT`, with that StackSet's templates only: an account of its OUs gets its
stacks, and perhaps no other StackSet's). The
rules and targets of the stack's CloudFormation templates count where the templates land
(see `templates`): the member baseline's forwarder on each account's default bus, sending
to the organization's bus, on which the stack's rule alarms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .events import (
    SIGN_IN_REGION,
    RootEvent,
    delivered,
    filter_matches,
    pattern_matches,
    root_events,
)
from .placement import DEFAULT_ACCOUNT, Placement, the_account
from .stack import StackIndex, account_urn
from .templates import (
    MEMBER_ACCOUNT,
    MEMBER_ACCOUNT_ID,
    Deployment,
    Reference,
    TemplateResource,
    is_resolved,
    reaches_members,
    template_regions,
    template_resources,
    the_accounts_reached,
)
from .tokens import (
    EVENT_BUS,
    EVENT_RULE,
    EVENT_TARGET,
    LOG_GROUP,
    LOG_METRIC_FILTER,
    METRIC_ALARM,
    TRAIL,
)
from .values import Undecided, as_list, decode_json, dig, is_unknown

EVENTS_RULE_TYPE = "AWS::Events::Rule"

ANY_OTHER_REGION = "a region no resource names"
"""Stands for the region a preview does not know yet: only what covers every region
(a multi-region trail) covers it."""

Verdict = bool | tuple[Any, ...]
"""True / False, or (sentinel, name, *path) of the unknown value that decides it."""


def _combine_any(verdicts: Iterable[Verdict]) -> Verdict:
    """True if one is True, else the first unknown, else False."""
    pending: Verdict = False
    for verdict in verdicts:
        if verdict is True:
            return True
        if isinstance(verdict, tuple) and pending is False:
            pending = verdict
    return pending


def _combine_all(verdicts: Iterable[Verdict]) -> Verdict:
    """False if one is False, else the first unknown, else True."""
    pending: Verdict = True
    for verdict in verdicts:
        if verdict is False:
            return False
        if isinstance(verdict, tuple) and pending is True:
            pending = verdict
    return pending


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


@dataclass(frozen=True)
class _TemplateTarget:
    """A target written inline in a template's AWS::Events::Rule (`Targets`): its
    evaluated `Arn`, and the resources the template's parameters flow from (what an
    unknown ARN may be during a preview)."""

    name: str
    arn: Any
    sources: tuple[PolicyResource, ...]


Rule = PolicyResource | TemplateResource


class _Alarms:
    """What alarms root activity in a stack: EventBridge rules and trail metric filters."""

    def __init__(self, stack: StackIndex) -> None:
        self.stack = stack
        self.trails = stack.of_type(TRAIL)
        self._filter_index: list[tuple[PolicyResource, set[str], Any]] | None = None
        self._targets: dict[str, list[PolicyResource | _TemplateTarget]] = {}
        self._patterns: dict[str, Any] = {}  # event patterns parsed once per rule
        self.members_of: Deployment | None = None
        """While judging MEMBER_ACCOUNT: the StackSet whose target OUs' accounts they are."""

    # --- one event, covered? ---------------------------------------------------------------
    def covers(self, account: str, region: str, event: RootEvent) -> Verdict:
        return _combine_any(
            [self._by_rule(account, region, event), self._by_trail(account, region, event)]
        )

    # --- EventBridge -------------------------------------------------------------------------
    def _rules_on(
        self, account: str, region: str, bus: str, account_id: str | None = None
    ) -> list[tuple[Rule, Verdict]]:
        """Rules on `bus` of the account and region, the stack's and its templates'
        (evaluated for AWS::AccountId `account_id`); a rule whose placement, bus or
        template condition is unknown is listed with the unknown."""
        found: list[tuple[Rule, Verdict]] = []
        for rule in self.stack.at(EVENT_RULE, Placement(account, region)):
            on_bus = _bus_name(self.stack.props(rule).get("eventBusName"))
            if is_unknown(on_bus):
                found.append((rule, (on_bus, rule.name, "eventBusName")))
            elif on_bus == bus:
                found.append((rule, True))
        for rule in self.stack.at(EVENT_RULE, None):
            reason = self.stack.unplaced_reason(rule)
            found.append((rule, (reason.unknown_type_sentinel, rule.name, *reason.props)))
        for template_rule in template_resources(
            self.stack, EVENTS_RULE_TYPE, account, region, account_id, self.members_of
        ):
            on_bus = _bus_name(template_rule.properties.get("EventBusName"))
            if is_unknown(on_bus):
                found.append((template_rule, (on_bus, template_rule.name, "EventBusName")))
            elif on_bus == bus and template_rule.created is not False:
                created = template_rule.created
                here: Verdict = True if created else ("", template_rule.name, "Condition")
                found.append((template_rule, here))
        return found

    def _by_rule(self, account: str, region: str, event: RootEvent, *, hops: int = 1) -> Verdict:
        verdicts: list[Verdict] = []
        account_id = str(event.event.get("account", ""))
        for rule, here in self._rules_on(account, region, "default", account_id):
            verdicts.append(_combine_all([here, self._rule_alarms(rule, event, hops)]))
        return _combine_any(verdicts)

    def _rule_alarms(self, rule: Rule, event: RootEvent, hops: int) -> Verdict:
        if isinstance(rule, TemplateResource):
            state = rule.properties.get("State")
            pattern = rule.properties.get("EventPattern")
            if not is_unknown(pattern) and not is_resolved(pattern):
                return False  # computed in a way the stack does not tell: not judged as
                # catching anything
        else:
            props = self.stack.props(rule)
            state, pattern = props.get("state"), props.get("eventPattern")
        if is_unknown(state):
            return (state, rule.name, "state")
        if hops >= 1 and not delivered(event, state):
            return False
        if hops < 1 and state == "DISABLED":
            return False
        if is_unknown(pattern):
            return (pattern, rule.name, "eventPattern")
        key = rule.key if isinstance(rule, TemplateResource) else rule.urn
        parsed = self._patterns.get(key)
        if parsed is None:
            parsed = self._patterns[key] = decode_json(pattern)
        if pattern_matches(parsed, event.event) is False:
            return False
        return _combine_any(
            self._target_alarms(t, rule, event, hops) for t in self._targets_of(rule)
        )

    def _targets_of(self, rule: Rule) -> list[PolicyResource | _TemplateTarget]:
        """The rule's targets: they name it, in its account and region (names are
        per region); a template's rule lists its own."""
        if isinstance(rule, TemplateResource):
            sources = tuple(rule.deployment.source.property_dependencies.get("parameters", []))
            sources += tuple(
                rule.target.resource.property_dependencies.get("parameterOverrides", [])
            )
            return [
                _TemplateTarget(f"{rule.name}/{dig(t, 'Id') or index}", dig(t, "Arn"), sources)
                for index, t in enumerate(as_list(rule.properties.get("Targets")))
            ]
        found = self._targets.get(rule.urn)
        if found is None:
            place = self.stack.placement(rule)
            found = [
                t
                for t in self.stack.referrers(rule, EVENT_TARGET, "rule", EVENT_RULE)
                if self.stack.placement(t) in (None, place)
            ]
            self._targets[rule.urn] = found
        return found

    def _target_alarms(
        self, target: PolicyResource | _TemplateTarget, rule: Rule, event: RootEvent, hops: int
    ) -> Verdict:
        if isinstance(target, _TemplateTarget):
            arn, sources = target.arn, list(target.sources)
            if not is_unknown(arn) and (isinstance(arn, Reference) or not is_resolved(arn)):
                # A resource of the template itself, or computed in a way the stack does
                # not tell: not judged (as a bus the stack declares no rule on).
                return True
        else:
            arn = self.stack.props(target).get("arn")
            sources = target.property_dependencies.get("arn", [])
        if is_unknown(arn):
            # Computed from another resource's output: the graph says which.
            if not sources or any(r.resource_type == EVENT_BUS for r in sources):
                return (arn, target.name, "arn")
            return True  # a topic's, queue's or function's ARN: someone hears of it
        bus = _event_bus(arn)
        if bus is None:
            return True  # a topic, queue, function, log group...: someone hears of it
        if hops < 1:
            return False
        account, region, name = bus
        receiving = self._rules_on(account, region, name)
        if isinstance(rule, TemplateResource):
            rule_account: str | None = rule.account
        else:
            rule_account = self.stack.account(rule)
        if rule_account == DEFAULT_ACCOUNT:
            # The default account's id is in no input: its own bus may be the one named.
            receiving += self._rules_on(DEFAULT_ACCOUNT, region, name)
        if not receiving:
            return True  # a bus the stack declares no rule on: not judged
        return _combine_any(
            _combine_all([here, self._rule_alarms(r, event, hops - 1)]) for r, here in receiving
        )

    # --- trail metric filters ----------------------------------------------------------------
    def _by_trail(self, account: str, region: str, event: RootEvent) -> Verdict:
        verdicts: list[Verdict] = []
        for trail in self.trails:
            props = self.stack.props(trail)
            organization = props.get("isOrganizationTrail")
            trail_account = self.stack.account(trail)
            if is_unknown(organization):
                verdicts.append((organization, trail.name, "isOrganizationTrail"))
                continue
            if organization is not True and trail_account != account:
                if trail_account is None:
                    reason = self.stack.unaccounted_reason(trail)
                    verdicts.append((reason.unknown_type_sentinel, trail.name, *reason.props))
                continue
            verdicts.append(self._trail_alarms(trail, region, event))
        return _combine_any(verdicts)

    def _trail_alarms(self, trail: PolicyResource, region: str, event: RootEvent) -> Verdict:
        props = self.stack.props(trail)
        checks: list[Verdict] = []
        multi = props.get("isMultiRegionTrail")
        if is_unknown(multi):
            checks.append((multi, trail.name, "isMultiRegionTrail"))
        elif multi is not True:
            placement = self.stack.placement(trail)
            if placement is None:
                reason = self.stack.unplaced_reason(trail)
                checks.append((reason.unknown_type_sentinel, trail.name, *reason.props))
            elif placement.region != region:
                return False
        if event.sign_in:
            global_events = props.get("includeGlobalServiceEvents")
            if is_unknown(global_events):
                checks.append((global_events, trail.name, "includeGlobalServiceEvents"))
            elif global_events is False:
                return False
        logging = props.get("enableLogging")
        if is_unknown(logging):
            checks.append((logging, trail.name, "enableLogging"))
        elif logging is False:
            return False
        checks.append(_records_management_events(trail, props, event))
        checks.append(self._log_group_alarms(trail, event))
        return _combine_all(checks)

    def _log_group_alarms(self, trail: PolicyResource, event: RootEvent) -> Verdict:
        group_arn = self.stack.props(trail).get("cloudWatchLogsGroupArn")
        if group_arn is None:
            return False  # the trail writes to S3 only: nothing alarms
        groups = self.stack.references(trail, "cloudWatchLogsGroupArn", LOG_GROUP)
        names = {self.stack.props(g).get("name") for g in groups}
        names.add(_log_group_name(group_arn))
        names = {n for n in names if isinstance(n, str) and not is_unknown(n)}
        verdicts: list[Verdict] = []
        for metric_filter, on_groups, group_name in self._filters():
            if not (on_groups & {g.urn for g in groups} or group_name in names):
                if is_unknown(group_name) and not on_groups:
                    verdicts.append((group_name, metric_filter.name, "logGroupName"))
                continue
            props = self.stack.props(metric_filter)
            pattern = props.get("pattern")
            if is_unknown(pattern):
                verdicts.append((pattern, metric_filter.name, "pattern"))
                continue
            if filter_matches(pattern, event.detail) is False:
                continue
            verdicts.append(self._metric_alarmed(metric_filter, props))
        if not verdicts and is_unknown(group_arn) and not groups:
            return (group_arn, trail.name, "cloudWatchLogsGroupArn")
        return _combine_any(verdicts)

    def _filters(self) -> list[tuple[PolicyResource, set[str], Any]]:
        """Every metric filter with the log groups it is on (URNs) and its group name."""
        if self._filter_index is None:
            self._filter_index = [
                (
                    f,
                    {g.urn for g in self.stack.references(f, "logGroupName", LOG_GROUP)},
                    self.stack.props(f).get("logGroupName"),
                )
                for f in self.stack.of_type(LOG_METRIC_FILTER)
            ]
        return self._filter_index

    def _metric_alarmed(self, metric_filter: PolicyResource, props: Mapping[str, Any]) -> Verdict:
        transformation = props.get("metricTransformation")
        name = dig(transformation, "name")
        namespace = dig(transformation, "namespace")
        for value, key in ((name, "name"), (namespace, "namespace")):
            if is_unknown(value):
                return (value, metric_filter.name, "metricTransformation", key)
        verdicts: list[Verdict] = []
        for alarm in self.stack.of_type(METRIC_ALARM):
            alarm_props = self.stack.props(alarm)
            alarm_name, alarm_namespace = (
                alarm_props.get("metricName"),
                alarm_props.get("namespace"),
            )
            if is_unknown(alarm_name) or is_unknown(alarm_namespace):
                verdicts.append((alarm_name, alarm.name, "metricName"))
                continue
            if (alarm_name, alarm_namespace) != (name, namespace):
                continue
            actions = alarm_props.get("alarmActions")
            if is_unknown(actions):
                verdicts.append((actions, alarm.name, "alarmActions"))
            else:
                verdicts.append(bool(as_list(actions)))
        return _combine_any(verdicts)


def _records_management_events(
    trail: PolicyResource, props: Mapping[str, Any], event: RootEvent
) -> Verdict:
    """The trail logs this management event (read-only ones too): no selectors (all
    management events), a basic selector including management events of its kind, or
    an advanced selector on the Management category not limited to writes."""
    basic, advanced = props.get("eventSelectors"), props.get("advancedEventSelectors")
    for value, key in ((basic, "eventSelectors"), (advanced, "advancedEventSelectors")):
        if is_unknown(value):
            return (value, trail.name, key)
    if not basic and not advanced:
        return True
    for selector in as_list(basic):
        if not isinstance(selector, Mapping) or selector.get("includeManagementEvents") is False:
            continue
        kind = selector.get("readWriteType") or "All"
        if kind == "All" or kind == ("ReadOnly" if event.read_only else "WriteOnly"):
            return True
    for selector in as_list(advanced):
        fields = {
            str(f.get("field")): f
            for f in as_list(dig(selector, "fieldSelectors"))
            if isinstance(f, Mapping)
        }
        category = fields.get("eventCategory")
        if category is None or "Management" not in as_list(category.get("equals")):
            continue
        read_only = fields.get("readOnly")
        if read_only is None or str(event.read_only).lower() in [
            str(v).lower() for v in as_list(read_only.get("equals"))
        ]:
            return True
    return False


def _bus_name(value: Any) -> Any:
    """The event bus a rule or target names (`default` when none); ARNs by their name."""
    if value is None:
        return "default"
    if is_unknown(value) or not isinstance(value, str):
        return value
    return value.rsplit(":event-bus/", 1)[-1] if ":event-bus/" in value else value


def _event_bus(arn: Any) -> tuple[str, str, str] | None:
    """(account, region, name) of an event bus ARN; None for any other target."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "events" or not parts[5].startswith("event-bus/"):
        return None
    return parts[4], parts[3], parts[5].split("/", 1)[1]


def _log_group_name(arn: Any) -> str | None:
    """NAME of `arn:aws:logs:<region>:<account>:log-group:NAME[:*]`."""
    if not isinstance(arn, str) or ":log-group:" not in arn:
        return None
    name = arn.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


_ACCOUNT_ID = re.compile(r"\b\d{12}\b")
_SAMPLE_ACCOUNT_ID = "000000000000"


def _pattern_account_ids(stack: StackIndex) -> list[str]:
    """The 12-digit ids the stack's event patterns and metric filter patterns name."""
    texts = [stack.props(r).get("eventPattern") for r in stack.of_type(EVENT_RULE)]
    texts += [stack.props(f).get("pattern") for f in stack.of_type(LOG_METRIC_FILTER)]
    found = {i for text in texts if isinstance(text, str) for i in _ACCOUNT_ID.findall(text)}
    return sorted(found) or [_SAMPLE_ACCOUNT_ID]


def _uncovered(
    alarms: _Alarms, account: str, account_id: str, regions: set[str]
) -> tuple[list[str], Verdict | None]:
    """What root activity of the account (its events carrying `account_id`) nothing
    alarms, as labels; and the first unknown that might still cover something."""
    missing: list[str] = []
    pending: Verdict | None = None
    wanted = [(region, e) for region in sorted(regions) for e in root_events(account_id, region)]
    if SIGN_IN_REGION not in regions:
        wanted += [
            (SIGN_IN_REGION, e) for e in root_events(account_id, SIGN_IN_REGION) if e.sign_in
        ]
    for region, event in wanted:
        verdict = alarms.covers(account, region, event)
        label = "console sign-ins (us-east-1)" if event.sign_in else f"API calls in {region}"
        if verdict is False and label not in missing:
            missing.append(label)
        elif isinstance(verdict, tuple) and pending is None:
            pending = verdict
    return missing, pending


def root_activity_alarmed_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    alarms = _Alarms(stack)
    first_of_account, unaccounted = stack.first_of_each_account()
    for resource in unaccounted:
        undecided.note_error(stack.unaccounted_reason(resource), resource.name)
    regions: set[str] = set()
    unplaced: PolicyResource | None = None
    for resource in stack.aws_resources():
        placement = stack.placement(resource)
        if placement is not None:
            regions.add(placement.region)
        elif stack.account(resource) is not None and unplaced is None:
            unplaced = resource
    regions |= template_regions(stack)
    judged: list[tuple[str, PolicyResource, Deployment | None]] = [
        (account, resource, None) for account, resource in first_of_account.items()
    ]
    judged += [(MEMBER_ACCOUNT, d.source, d) for d in reaches_members(stack)]
    for account, resource, members_of in judged:
        alarms.members_of = members_of
        # The default account's id is in no input: judge it as each id the patterns name
        # (a pattern written for it names it), and pass if one of them is covered.
        if account == MEMBER_ACCOUNT:
            ids = [MEMBER_ACCOUNT_ID]
        else:
            ids = [account] if account != DEFAULT_ACCOUNT else _pattern_account_ids(stack)
        results = [_uncovered(alarms, account, account_id, regions) for account_id in ids]
        missing, pending = min(results, key=lambda result: len(result[0]))
        if unplaced is not None and not missing:
            # A resource of unknown region may widen the regions to cover, unless the
            # account is covered in any region (a multi-region or organization trail).
            anywhere = _combine_all(
                alarms.covers(account, ANY_OTHER_REGION, e)
                for e in root_events(ids[0], ANY_OTHER_REGION)
            )
            if anywhere is not True:
                reason = stack.unplaced_reason(unplaced)
                pending = pending or (reason.unknown_type_sentinel, unplaced.name, *reason.props)
        if missing:
            subject = the_accounts_reached([members_of]) if members_of else the_account(account)
            report_violation(
                f"{subject} must have root activity alarmed: no EventBridge "
                "rule with a target (in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, "
                "so that read-only calls count) and no trail metric filter with an alarm "
                f"catches root activity there: {'; '.join(missing)}.",
                resource.urn if members_of else account_urn(resource),
            )
        elif isinstance(pending, tuple):
            undecided.note(*pending)
    undecided.settle()


root_activity_alarmed = StackValidationPolicy(
    name="root-activity-alarmed",
    description=(
        "Every account the stack deploys into must have root console sign-ins and root "
        "API calls (read-only ones included) alarmed in every region the stack covers: "
        "EventBridge rules with targets, or a trail metric filter with an alarm."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=root_activity_alarmed_validator,
)
