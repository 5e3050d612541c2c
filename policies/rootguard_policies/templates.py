"""CloudFormation templates the stack deploys: what `aws.cloudformation.Stack` and
`StackSet` resources create, and in which accounts and regions.

An organization stack that fans out with StackSets declares a fixed number of resources
and reaches every account: the recorder, the delivery channel and the root-activity
forwarder are resources of a template body, deployed by a StackSet to the accounts of
its target OUs (and, in the management account, by plain stacks of the same template).
Policies that ask "what does this account have" read those through this module.

Where a template lands (`Target`):
- a **Stack**: its own account and region;
- a **StackSet**: where each of its StackSetInstances says. The instance's region is
  `stackSetInstanceRegion` (else the instance's own). Its accounts are `accountId` or
  `deploymentTargets.accounts`, or, with `organizationalUnitIds`, the accounts of those
  OUs narrowed by `accountFilterType` (DeploymentTargets, CloudFormation API reference:
  DIFFERENCE leaves the listed accounts out, INTERSECTION keeps only them, UNION adds
  them). Which OU an account sits in is not in the stack, so an account the targets do
  not leave out counts as reached - except the management account, to which
  "CloudFormation doesn't deploy stack instances" (same page): the StackSet's own
  account when it is called as SELF. Called as DELEGATED_ADMIN, the management account
  is not known from the stack.

What a template creates there (`resources`): the template evaluated for one account and
region, with the parameters (the instance's overrides, then the Stack's or StackSet's
values, then the template's defaults), the pseudo parameters AWS::AccountId,
AWS::Region, AWS::Partition and AWS::NoValue, the conditions (Fn::Equals, Fn::And,
Fn::Or, Fn::Not, Condition) and the intrinsics Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
Fn::If and Fn::Select (CloudFormation template reference, "Intrinsic function
reference"). A resource whose condition is false there is not created. What cannot be
known is kept as such: a parameter unknown during a preview stays the engine's unknown
sentinel, another resource's attribute is a `Reference`, anything else `UNRESOLVED`.

`MEMBER_ACCOUNT` stands for "any account of the target OUs that the stack names no
resource in": policies judge it once for all of them, with `MEMBER_ACCOUNT_ID` as its
AWS::AccountId (an id no template condition names).
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from pulumi_policy import PolicyResource

from .stack import StackIndex
from .tokens import STACK, STACK_SET, STACK_SET_INSTANCE
from .values import as_list, is_unknown

MEMBER_ACCOUNT = "organization member"
"""The accounts a StackSet reaches through its target OUs, when the stack names none."""

MEMBER_ACCOUNT_ID = "000000000000"
"""AWS::AccountId of `MEMBER_ACCOUNT` when a template is evaluated for it."""

_NO_VALUE = object()
"""AWS::NoValue: the property (or list item) is left out."""


class _Unresolved:
    """A value the stack does not tell (a pseudo parameter such as AWS::StackName, an
    intrinsic this module does not evaluate)."""

    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()


@dataclass(frozen=True)
class Reference:
    """`Ref` to, or `Fn::GetAtt` of, another resource of the same template."""

    logical_id: str
    attribute: str | None = None


def is_resolved(value: Any) -> bool:
    """True for a value the template evaluation settled (no unknown, no Reference)."""
    if value is UNRESOLVED or isinstance(value, Reference) or is_unknown(value):
        return False
    if isinstance(value, Mapping):
        return all(is_resolved(v) for v in value.values())
    if isinstance(value, list):
        return all(is_resolved(v) for v in value)
    return True


# --- parsing -------------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: `!Ref X` reads as {"Ref": "X"}, `!Sub s`
    as {"Fn::Sub": s}, `!Condition C` as {"Condition": "C"}, `!GetAtt A.B` as
    {"Fn::GetAtt": "A.B"}."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {key: value}


_TemplateLoader.add_multi_constructor("!", _short_form)


@lru_cache(maxsize=64)
def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader subclass
    except yaml.YAMLError:
        return None


def parse_template(text: Any) -> Mapping[str, Any] | None:
    """A template body (JSON, or YAML with short-form intrinsics) as a mapping; None for
    anything that is not one (an unknown, a malformed body). Cached: do not modify."""
    if not isinstance(text, str) or is_unknown(text):
        return None
    parsed = _parse(text)
    return parsed if isinstance(parsed, Mapping) else None


# --- evaluation ----------------------------------------------------------------------------


def partition_of(region: str) -> str:
    """AWS::Partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ACCOUNT_ID = re.compile(r"\d{12}")


class _Evaluation:
    """One template, evaluated for one account and region with given parameter values."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        account_id: str,
        region: str,
    ) -> None:
        self.template = template
        self.resources = _mapping(template.get("Resources"))
        declared = _mapping(template.get("Parameters"))
        self.parameters: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in parameters:
                self.parameters[name] = parameters[name]
            elif isinstance(spec, Mapping) and "Default" in spec:
                self.parameters[name] = spec["Default"]
            else:
                self.parameters[name] = UNRESOLVED
        self.pseudo = {
            "AWS::AccountId": account_id,
            "AWS::Region": region,
            "AWS::Partition": partition_of(region),
            "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
        }
        self._conditions: dict[str, bool | None] = {}

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return UNRESOLVED
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return Reference(name)
        return UNRESOLVED

    def condition(self, name: Any) -> bool | None:
        """The named condition: True, False, or None while a value deciding it is unknown."""
        if not isinstance(name, str):
            return None
        if name not in self._conditions:
            self._conditions[name] = None  # a cycle decides nothing
            body = _mapping(self.template.get("Conditions")).get(name)
            self._conditions[name] = self.truth(body)
        return self._conditions[name]

    def truth(self, node: Any) -> bool | None:
        """A condition function's value (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)."""
        if not isinstance(node, Mapping) or len(node) != 1:
            return node if isinstance(node, bool) else None
        [(function, args)] = node.items()
        if function == "Condition":
            return self.condition(args)
        if function == "Fn::Equals":
            pair = [self.value(a) for a in as_list(args)]
            if len(pair) != 2 or not all(_is_scalar(v) for v in pair):
                return None
            return _scalar_text(pair[0]) == _scalar_text(pair[1])
        verdicts = [self.truth(a) for a in as_list(args)]
        if function == "Fn::Not":
            return None if len(verdicts) != 1 or verdicts[0] is None else not verdicts[0]
        if function == "Fn::And":
            if False in verdicts:
                return False
            return None if None in verdicts else True
        if function == "Fn::Or":
            if True in verdicts:
                return True
            return None if None in verdicts else False
        return None

    def value(self, node: Any) -> Any:
        """`node` with its intrinsic functions evaluated."""
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            [(key, args)] = node.items()
            if key == "Ref":
                return self.ref(args)
            if key.startswith("Fn::"):
                return self._function(key, args)
        result = {}
        for key, item in node.items():
            evaluated = self.value(item)
            if evaluated is not _NO_VALUE:
                result[key] = evaluated
        return result

    def _function(self, function: str, args: Any) -> Any:
        if function == "Fn::GetAtt":
            parts = args.split(".", 1) if isinstance(args, str) else as_list(args)
            if len(parts) == 2 and all(isinstance(p, str) for p in parts):
                return Reference(parts[0], parts[1])
            return UNRESOLVED
        if function == "Fn::Sub":
            return self._sub(args)
        if function == "Fn::Join":
            items = as_list(args)
            if len(items) != 2:
                return UNRESOLVED
            delimiter, values = self.value(items[0]), self.value(items[1])
            if not isinstance(delimiter, str) or not isinstance(values, list):
                return UNRESOLVED
            unknown = next((v for v in values if not _is_scalar(v)), None)
            if unknown is not None:
                return unknown if is_unknown(unknown) else UNRESOLVED
            return delimiter.join(_scalar_text(v) for v in values)
        if function == "Fn::If":
            items = as_list(args)
            if len(items) != 3:
                return UNRESOLVED
            verdict = self.condition(items[0])
            if verdict is None:
                return UNRESOLVED
            return self.value(items[1] if verdict else items[2])
        if function == "Fn::Select":
            items = as_list(args)
            if len(items) != 2:
                return UNRESOLVED
            index, values = self.value(items[0]), self.value(items[1])
            try:
                return values[int(index)] if isinstance(values, list) else UNRESOLVED
            except (ValueError, TypeError, IndexError):
                return UNRESOLVED
        return UNRESOLVED

    def _sub(self, args: Any) -> Any:
        variables: Mapping[str, Any]
        if isinstance(args, str):
            text, variables = args, {}
        elif isinstance(args, list) and len(args) == 2 and isinstance(args[0], str):
            text, variables = args[0], _mapping(args[1])
        else:
            return UNRESOLVED
        missing: list[Any] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} writes ${Literal}
            if name in variables:
                found = self.value(variables[name])
            elif "." in name and name.split(".", 1)[0] in self.resources:
                found = UNRESOLVED  # ${Resource.Attribute}
            else:
                found = self.ref(name)
            if not _is_scalar(found):
                missing.append(found)
                return ""
            return _scalar_text(found)

        substituted = _SUB_VARIABLE.sub(replace, text)
        if missing:
            unknown = next((m for m in missing if is_unknown(m)), None)
            return unknown if unknown is not None else UNRESOLVED
        return substituted

    def created(self, logical_id: str) -> bool | None:
        """Whether the resource is created here: its `Condition`'s value (True without)."""
        resource = _mapping(self.resources.get(logical_id))
        if "Condition" not in resource:
            return True
        return self.condition(resource["Condition"])


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _is_scalar(value: Any) -> bool:
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and not is_unknown(value)


def _scalar_text(value: Any) -> str:
    """A scalar as CloudFormation compares and joins it (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- where templates land ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where one Stack or one StackSetInstance deploys its template.

    `accounts`: the accounts it names (a Stack's own; `accountId`, or deployment target
    accounts). `organizational`: it reaches the accounts of OUs, then `accounts` are
    added (UNION), the only ones kept (INTERSECTION) or left out (DIFFERENCE), and
    `management` never receives an instance. `region` is None while unknown."""

    resource: PolicyResource
    region: str | None
    accounts: frozenset[str]
    organizational: bool = False
    filter_type: str = "NONE"
    management: frozenset[str] = frozenset()
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def reaches(self, account: str) -> bool:
        """Whether a stack of this target lands in `account` (an id, the stack's default
        account, or MEMBER_ACCOUNT)."""
        if not self.organizational:
            return account in self.accounts
        if account in self.management:
            return False
        if self.filter_type == "INTERSECTION":
            return account in self.accounts
        if self.filter_type == "DIFFERENCE":
            return account not in self.accounts
        return True

    @property
    def reaches_members(self) -> bool:
        """It reaches accounts of OUs beyond those it names (MEMBER_ACCOUNT)."""
        return self.reaches(MEMBER_ACCOUNT)


@dataclass(frozen=True)
class TemplateResource:
    """One resource of a template, evaluated where one target deploys it."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    created: bool | None
    """False when its condition is false there; None while that is unknown."""
    deployment: Deployment
    target: Target
    account: str
    region: str

    @property
    def name(self) -> str:
        """For messages: `<Stack or StackSet name>/<logical id>`."""
        return f"{self.deployment.source.name}/{self.logical_id}"

    @property
    def key(self) -> str:
        """Unique per resource, target, account and region (for caches)."""
        return f"{self.target.resource.urn}#{self.logical_id}@{self.account}/{self.region}"


@dataclass
class Deployment:
    """One template of the stack: a Stack's or a StackSet's body, and where it lands."""

    source: PolicyResource
    template: Mapping[str, Any]
    parameters: Mapping[str, Any]
    targets: list[Target]
    _evaluations: dict[tuple[str, str, str], _Evaluation] = field(default_factory=dict)

    def types(self) -> set[str]:
        """The resource types the template declares."""
        return {
            str(r.get("Type"))
            for r in _mapping(self.template.get("Resources")).values()
            if isinstance(r, Mapping)
        }

    def resources(
        self,
        cfn_type: str,
        target: Target,
        account: str,
        region: str,
        account_id: str | None = None,
    ) -> list[TemplateResource]:
        """The template's resources of `cfn_type` as `target` deploys them in `account`
        and `region`, evaluated with AWS::AccountId `account_id` (by default the account
        itself, and MEMBER_ACCOUNT_ID for MEMBER_ACCOUNT and the stack's default account,
        whose id no input names)."""
        if account_id is None:
            account_id = account if _ACCOUNT_ID.fullmatch(account) else MEMBER_ACCOUNT_ID
        key = (target.resource.urn, account_id, region)
        evaluation = self._evaluations.get(key)
        if evaluation is None:
            values = {**self.parameters, **target.overrides}
            evaluation = _Evaluation(self.template, values, account_id, region)
            self._evaluations[key] = evaluation
        found: list[TemplateResource] = []
        for logical_id, resource in evaluation.resources.items():
            if not isinstance(resource, Mapping) or resource.get("Type") != cfn_type:
                continue
            properties = evaluation.value(_mapping(resource.get("Properties")))
            found.append(
                TemplateResource(
                    logical_id=str(logical_id),
                    type=cfn_type,
                    properties=properties if isinstance(properties, Mapping) else {},
                    created=evaluation.created(logical_id),
                    deployment=self,
                    target=target,
                    account=account,
                    region=region,
                )
            )
        return found


def _parameters(props: Mapping[str, Any]) -> dict[str, Any]:
    value = props.get("parameters")
    if isinstance(value, Mapping):
        return dict(value)
    return {}


def _stack_set_targets(
    stack: StackIndex, stack_set: PolicyResource, instances: list[PolicyResource]
) -> list[Target]:
    props = stack.props(stack_set)
    service_managed = props.get("permissionModel") == "SERVICE_MANAGED"
    management: frozenset[str] = frozenset()
    if service_managed and props.get("callAs", "SELF") == "SELF":
        account = stack.account(stack_set)
        management = frozenset([account]) if account is not None else frozenset()
    targets: list[Target] = []
    for instance in instances:
        instance_props = stack.props(instance)
        region = instance_props.get("stackSetInstanceRegion")
        if not isinstance(region, str) or is_unknown(region):
            placement = stack.placement(instance)
            region = placement.region if placement is not None else None
        overrides = instance_props.get("parameterOverrides")
        targets_input = instance_props.get("deploymentTargets")
        targets_props = targets_input if isinstance(targets_input, Mapping) else {}
        named = [
            str(a)
            for a in [instance_props.get("accountId"), *as_list(targets_props.get("accounts"))]
            if isinstance(a, str) and a and not is_unknown(a)
        ]
        ous = as_list(targets_props.get("organizationalUnitIds"))
        if not named and not ous and not service_managed:
            # A self-managed instance without accountId deploys to the caller's account.
            account = stack.account(instance)
            named = [account] if account is not None else []
        filter_type = targets_props.get("accountFilterType")
        targets.append(
            Target(
                resource=instance,
                region=region,
                accounts=frozenset(named),
                organizational=bool(ous),
                filter_type=filter_type if isinstance(filter_type, str) else "NONE",
                management=management,
                overrides=dict(overrides) if isinstance(overrides, Mapping) else {},
            )
        )
    return targets


def _build(stack: StackIndex) -> list[Deployment]:
    found: list[Deployment] = []
    for resource in stack.of_type(STACK):
        props = stack.props(resource)
        template = parse_template(props.get("templateBody"))
        placement = stack.placement(resource)
        if template is None or placement is None:
            continue
        target = Target(resource, placement.region, frozenset([placement.account]))
        found.append(Deployment(resource, template, _parameters(props), [target]))
    for stack_set in stack.of_type(STACK_SET):
        props = stack.props(stack_set)
        template = parse_template(props.get("templateBody"))
        if template is None:
            continue
        instances = stack.referrers(stack_set, STACK_SET_INSTANCE, "stackSetName", STACK_SET)
        targets = _stack_set_targets(stack, stack_set, instances)
        found.append(Deployment(stack_set, template, _parameters(props), targets))
    return found


_DEPLOYMENTS: weakref.WeakKeyDictionary[StackIndex, list[Deployment]] = weakref.WeakKeyDictionary()


def deployments(stack: StackIndex) -> list[Deployment]:
    """The stack's templates and where they land (built once per stack index)."""
    found = _DEPLOYMENTS.get(stack)
    if found is None:
        found = _DEPLOYMENTS[stack] = _build(stack)
    return found


def template_resources(
    stack: StackIndex,
    cfn_type: str,
    account: str,
    region: str | None = None,
    account_id: str | None = None,
    members_of: Deployment | None = None,
) -> Iterator[TemplateResource]:
    """The template resources of `cfn_type` the stack's templates create in `account`
    (and `region`, when given), whatever their condition says (see `created`);
    `account_id` as in `Deployment.resources`. With `members_of`, MEMBER_ACCOUNT stands
    for the accounts of that StackSet's target OUs: only its template lands there."""
    for deployment in deployments(stack):
        if cfn_type not in deployment.types():
            continue
        if members_of is not None and account == MEMBER_ACCOUNT and deployment is not members_of:
            continue
        for target in deployment.targets:
            if target.region is None or not target.reaches(account):
                continue
            if region is not None and target.region != region:
                continue
            yield from deployment.resources(cfn_type, target, account, target.region, account_id)


def template_regions(stack: StackIndex) -> set[str]:
    """The regions the stack's templates land in."""
    return {
        target.region
        for deployment in deployments(stack)
        for target in deployment.targets
        if target.region is not None
    }


def reaches_members(stack: StackIndex) -> list[Deployment]:
    """The templates that land in accounts of OUs the stack names no resource in."""
    return [d for d in deployments(stack) if any(t.reaches_members for t in d.targets)]


def the_accounts_reached(found: list[Deployment]) -> str:
    """`MEMBER_ACCOUNT` as a message's subject: `The accounts the StackSet x reaches
    through its target OUs` (the first of `reaches_members`)."""
    names = ", ".join(d.source.name for d in found[:1])
    return f"The accounts the StackSet {names} reaches through its target OUs"


def _representatives(target: Target) -> list[str]:
    """The accounts a target is evaluated for: MEMBER_ACCOUNT when it reaches accounts
    of OUs, and every account it names that it reaches."""
    named = sorted(a for a in target.accounts if target.reaches(a))
    return ([MEMBER_ACCOUNT] if target.reaches_members else []) + named


def creating_targets(stack: StackIndex, cfn_type: str) -> list[tuple[Target, TemplateResource]]:
    """Each target whose template creates (or, while a condition is unknown, may create)
    a resource of `cfn_type` in its region, with the first such resource."""
    found: dict[str, tuple[Target, TemplateResource]] = {}
    for resource in every_template_resource(stack, cfn_type):
        if resource.created is not False:
            found.setdefault(resource.target.resource.urn, (resource.target, resource))
    return list(found.values())


def every_template_resource(stack: StackIndex, cfn_type: str) -> Iterator[TemplateResource]:
    """The template resources of `cfn_type` wherever the stack's templates land (each
    target evaluated for its representative accounts), created or not (see `created`)."""
    for deployment in deployments(stack):
        if cfn_type not in deployment.types():
            continue
        for target in deployment.targets:
            if target.region is None:
                continue
            for account in _representatives(target):
                yield from deployment.resources(cfn_type, target, account, target.region)
