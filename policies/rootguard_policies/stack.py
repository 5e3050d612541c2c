"""A stack's resources for stack policies: plain inputs, placements and the graph.

`PolicyResource.dependencies` and `property_dependencies` hold resource objects (the
pack links them from URNs); the walks here follow them transitively. Everything is
decided from inputs and this graph, never from outputs unknown during a preview.

`StackIndex.references` answers "which of the stack's resources does this input name":
through the graph when the value flows from another resource's output (an unknown
during a preview included), or by a known name, id or ARN written into the program.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pulumi_policy import PolicyProviderResource, PolicyResource
from pulumi_policy.proxy import UnknownValueError

from .placement import (
    DEFAULT_ACCOUNT,
    Placement,
    account_of,
    arn_account,
    region_of,
    stack_region,
)
from .tokens import BUCKETS, is_aws_resource
from .values import as_list, is_unknown, plain

NAME_KEYS = ("name", "arn", "id", "bucket")
GLOBAL_NAME = "*"
"""The scope of names unique across accounts (S3 bucket names)."""
"""Inputs and outputs whose known value names a resource (a bucket's name is `bucket`)."""


def arn_resource_name(value: str) -> str | None:
    """The resource name an ARN ends in: `b` of `arn:aws:s3:::b` and `arn:aws:s3:::b/k`,
    `f` of `arn:aws:lambda:r:a:function:f:1`, `x` of `arn:aws:iam::a:role/path/x`;
    None for a string that is not an ARN."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service, resource = parts[2], parts[5]
    if service == "s3":
        return resource.split("/", 1)[0] or None
    if service == "lambda" and resource.startswith("function:"):
        return resource.split(":")[1] or None
    return resource.replace(":", "/").rsplit("/", 1)[-1] or None


def _tokens(types: tuple[str | Iterable[str], ...]) -> tuple[str, ...]:
    """Type tokens given as strings or sets of them, sorted, without repeats."""
    return tuple(
        sorted({t for token in types for t in ([token] if isinstance(token, str) else token)})
    )


class StackIndex:
    """Resources of one stack validation, by type, with cached plain inputs and placement."""

    def __init__(self, resources: Sequence[PolicyResource], default_region: str | None = None):
        # Sorted by URN: the engine hands AnalyzeStack its resources in no defined order
        # (it ranges over a Go sync.Map), so "the first" of anything must not depend on it.
        self.resources = sorted(resources, key=lambda r: r.urn)
        self._default_region = default_region if default_region is not None else stack_region()
        self._by_type: dict[str, list[PolicyResource]] = defaultdict(list)
        self._order = {resource.urn: index for index, resource in enumerate(self.resources)}
        for resource in self.resources:
            self._by_type[resource.resource_type].append(resource)
        self._props: dict[str, dict[str, Any]] = {}
        self._placements: dict[str, Placement | UnknownValueError] = {}
        self._accounts: dict[str, str | UnknownValueError] = {}
        self._names: dict[tuple[str, ...], dict[str, dict[str | None, list[PolicyResource]]]] = {}
        self._referrers: dict[
            tuple[str, str, tuple[str, ...]], dict[str, list[PolicyResource]]
        ] = {}
        self._at: dict[str, dict[Placement | None, list[PolicyResource]]] = {}

    def of_type(self, *types: str | Iterable[str]) -> list[PolicyResource]:
        """Resources of the given type tokens (strings or sets of them), each type's in
        URN order."""
        wanted: list[str] = []
        for token in types:
            wanted.extend([token] if isinstance(token, str) else sorted(token))
        return [r for token in dict.fromkeys(wanted) for r in self._by_type.get(token, [])]

    def aws_resources(self) -> list[PolicyResource]:
        """Every pulumi-aws resource of the stack (providers and components excluded)."""
        return [r for r in self.resources if is_aws_resource(r.resource_type)]

    def first_of_each_account(self) -> tuple[dict[str, PolicyResource], list[PolicyResource]]:
        """The first AWS resource of each account the stack deploys into, by account id
        (sorted); and the AWS resources whose account stays unknown during a preview."""
        first: dict[str, PolicyResource] = {}
        unaccounted: list[PolicyResource] = []
        for resource in self.aws_resources():
            account = self.account(resource)
            if account is None:
                unaccounted.append(resource)
            else:
                first.setdefault(account, resource)
        return dict(sorted(first.items())), unaccounted

    def references(
        self, resource: PolicyResource, prop: str, *types: str | Iterable[str]
    ) -> list[PolicyResource]:
        """The stack's resources of `types` that input `prop` of `resource` refers to.

        Through property dependencies, transitively (a value computed from their
        outputs, unknown in a preview or not), or by a known string (or list of strings)
        equal to one of their known names, ids or ARNs (`NAME_KEYS`), or naming them by
        an ARN that ends in their name. In stack order, without repeats.
        """
        wanted = _tokens(types)
        found = {r.urn: r for r in sources_of(resource, prop, of_types(wanted))}
        value = self.props(resource).get(prop)
        for target in self.references_value(value, wanted, account=self.account(resource)):
            found.setdefault(target.urn, target)
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda r: self._order.get(r.urn, -1))

    def references_value(
        self, value: Any, *types: str | Iterable[str], account: str | None = None
    ) -> list[PolicyResource]:
        """The stack's resources of `types` a known string (or list of strings) names:
        by a known name, id or ARN, or by an ARN that ends in their name.

        Names are scoped to an account (a rule, function or role name means the one of
        that account): an ARN's own account, else `account` (the referring resource's)
        when given; S3 bucket names are global. A target whose account is unknown during
        a preview is kept."""
        names = self._names_of(_tokens(types))
        found: dict[str, PolicyResource] = {}
        for item in as_list(value):
            if not isinstance(item, str) or not item or is_unknown(item):
                continue
            in_arn = arn_account(item)
            scope = in_arn or account
            for key in (item, arn_resource_name(item)):
                by_account = names.get(key or "", {})
                if scope is None:
                    candidates = [t for targets in by_account.values() for t in targets]
                else:  # S3 bucket names are global: they sit under GLOBAL_NAME
                    candidates = by_account.get(scope, []) + by_account.get(None, [])
                    candidates += by_account.get(GLOBAL_NAME, [])
                    if in_arn is not None and scope != DEFAULT_ACCOUNT:
                        # The default account's id is in no input: it may be this one.
                        candidates += by_account.get(DEFAULT_ACCOUNT, [])
                for target in candidates:
                    found.setdefault(target.urn, target)
        return list(found.values())

    def referrers(
        self, target: PolicyResource, token: str, prop: str, *types: str | Iterable[str]
    ) -> list[PolicyResource]:
        """The resources of type `token` whose input `prop` refers to `target` (as
        `references` reads it, `types` being the target's kinds): the policies of a
        bucket, the targets of a rule. Indexed once per (token, prop, types)."""
        key = (token, prop, _tokens(types))
        index = self._referrers.get(key)
        if index is None:
            index = defaultdict(list)
            for resource in self.of_type(token):
                for referred in self.references(resource, prop, *types):
                    index[referred.urn].append(resource)
            self._referrers[key] = index
        return list(index.get(target.urn, []))

    def at(self, token: str, placement: Placement | None) -> list[PolicyResource]:
        """The resources of type `token` placed exactly at `placement` (None: those whose
        placement is unknown). Indexed once per type."""
        index = self._at.get(token)
        if index is None:
            index = defaultdict(list)
            for resource in self.of_type(token):
                index[self.placement(resource)].append(resource)
            self._at[token] = index
        return list(index.get(placement, []))

    def _names_of(
        self, types: tuple[str, ...]
    ) -> dict[str, dict[str | None, list[PolicyResource]]]:
        """Known name/id/ARN strings of the stack's resources of `types`, by the account
        the name is scoped to (None: unknown during a preview; GLOBAL_NAME for buckets)."""
        names = self._names.get(types)
        if names is None:
            names = {}
            for target in self.of_type(*types):
                props = self.props(target)
                scope = GLOBAL_NAME if target.resource_type in BUCKETS else self.account(target)
                for key in NAME_KEYS:
                    value = props.get(key)
                    if isinstance(value, str) and value and not is_unknown(value):
                        listed = names.setdefault(value, {}).setdefault(scope, [])
                        if target not in listed:
                            listed.append(target)
            self._names[types] = names
        return names

    def props(self, resource: PolicyResource) -> dict[str, Any]:
        """The resource's properties as plain Python (unknowns kept as sentinels)."""
        cached = self._props.get(resource.urn)
        if cached is None:
            cached = plain(resource.props)
            self._props[resource.urn] = cached
        return cached

    def placement(self, resource: PolicyResource) -> Placement | None:
        """The resource's account and region, or None while an input deciding it is unknown."""
        found = self._placement(resource)
        return found if isinstance(found, Placement) else None

    def unplaced_reason(self, resource: PolicyResource) -> UnknownValueError:
        """Why `placement(resource)` is None: the unknown input that decides it."""
        found = self._placement(resource)
        assert isinstance(found, UnknownValueError), "the resource has a placement"
        return found

    def account(self, resource: PolicyResource) -> str | None:
        """The resource's account, or None while its provider's deciding input is unknown.

        Policies about accounts use this rather than `placement`: a region unknown during
        a preview (an S3 bucket's computed `region` output) must not leave them undecided.
        """
        found = self._account(resource.provider)
        return found if isinstance(found, str) else None

    def unaccounted_reason(self, resource: PolicyResource) -> UnknownValueError:
        """Why `account(resource)` is None: the unknown provider input that decides it."""
        found = self._account(resource.provider)
        assert isinstance(found, UnknownValueError), "the resource has an account"
        return found

    def _placement(self, resource: PolicyResource) -> Placement | UnknownValueError:
        found = self._placements.get(resource.urn)
        if found is None:
            account = self._account(resource.provider)
            if isinstance(account, UnknownValueError):
                found = account
            else:
                try:
                    region = region_of(
                        resource.resource_type,
                        resource.props,
                        resource.provider,
                        self._default_region,
                    )
                    found = Placement(account, region)
                except UnknownValueError as err:
                    found = err
            self._placements[resource.urn] = found
        return found

    def _account(self, provider: PolicyProviderResource | None) -> str | UnknownValueError:
        """`account_of(provider)`, decoded once per provider (many resources share one)."""
        key = provider.urn if provider is not None else ""
        found = self._accounts.get(key)
        if found is None:
            try:
                found = account_of(provider)
            except UnknownValueError as err:
                found = err
            self._accounts[key] = found
        return found


def _edges(resource: PolicyResource) -> Iterator[PolicyResource]:
    yield from resource.dependencies
    for deps in resource.property_dependencies.values():
        yield from deps


def depends_on(resource: PolicyResource, targets: Iterable[PolicyResource]) -> bool:
    """True when `resource` reaches one of `targets` through dependencies or property
    dependencies, transitively (the engine orders creation along exactly these edges)."""
    wanted = {target.urn for target in targets}
    if not wanted:
        return False
    seen = {resource.urn}
    pending = list(_edges(resource))
    while pending:
        current = pending.pop()
        if current.urn in wanted:
            return True
        if current.urn in seen:
            continue
        seen.add(current.urn)
        pending.extend(_edges(current))
    return False


def sources_of(
    resource: PolicyResource, prop: str, is_source: Callable[[PolicyResource], bool]
) -> list[PolicyResource]:
    """Resources that feed property `prop` of `resource`, following property
    dependencies transitively and stopping at the first resource `is_source` accepts
    (e.g. the bucket behind a delivery channel's `s3BucketName`)."""
    found: dict[str, PolicyResource] = {}
    seen: set[str] = set()
    pending = list(resource.property_dependencies.get(prop, []))
    while pending:
        current = pending.pop()
        if current.urn in seen:
            continue
        seen.add(current.urn)
        if is_source(current):
            found[current.urn] = current
            continue
        for deps in current.property_dependencies.values():
            pending.extend(deps)
    return list(found.values())


def of_types(*types: str | Iterable[str]) -> Callable[[PolicyResource], bool]:
    """A predicate for `sources_of`: the resource has one of these type tokens."""
    wanted: set[str] = set()
    for token in types:
        wanted.update([token] if isinstance(token, str) else token)
    return lambda resource: resource.resource_type in wanted


def account_urn(resource: PolicyResource) -> str:
    """Where a violation about a resource's whole account points: its provider (which
    names the account), else the resource itself."""
    return resource.provider.urn if resource.provider else resource.urn


def display_name(resource: PolicyResource, props: dict[str, Any], key: str = "name") -> str:
    """A resource's cloud name when known (input `key`), else its Pulumi name."""
    value = props.get(key)
    if isinstance(value, str) and value and not is_unknown(value):
        return value
    return resource.name
