"""A stack's resources for stack policies: plain inputs, placements and the graph.

`PolicyResource.dependencies` and `property_dependencies` hold resource objects (the
pack links them from URNs); the walks here follow them transitively. Everything is
decided from inputs and this graph, never from outputs unknown during a preview.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pulumi_policy import PolicyProviderResource, PolicyResource
from pulumi_policy.proxy import UnknownValueError

from .placement import Placement, account_of, region_of, stack_region
from .tokens import is_aws_resource
from .values import is_unknown, plain


class StackIndex:
    """Resources of one stack validation, by type, with cached plain inputs and placement."""

    def __init__(self, resources: Sequence[PolicyResource], default_region: str | None = None):
        # Sorted by URN: the engine hands AnalyzeStack its resources in no defined order
        # (it ranges over a Go sync.Map), so "the first" of anything must not depend on it.
        self.resources = sorted(resources, key=lambda r: r.urn)
        self._default_region = default_region if default_region is not None else stack_region()
        self._by_type: dict[str, list[PolicyResource]] = defaultdict(list)
        for resource in self.resources:
            self._by_type[resource.resource_type].append(resource)
        self._props: dict[str, dict[str, Any]] = {}
        self._placements: dict[str, Placement | UnknownValueError] = {}
        self._accounts: dict[str, str | UnknownValueError] = {}

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
                    region = region_of(resource.props, resource.provider, self._default_region)
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
