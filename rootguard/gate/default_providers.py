"""The engine's default providers, as the analyzers see them.

A custom resource declared without a `provider` gets the engine's default provider of its
package: the engine registers `pulumi:providers:<package>::default_<version>` (dots as
underscores; `default` when the SDK asks for no version) when the first such resource
arrives, with the stack's `<package>:*` config and the version as its inputs, no parent,
and points every such resource at it. Analyzers see it like any provider: it has its own
Analyze call, it is in AnalyzeStack, and it is the `provider` of those resources (policies
that name an account by its provider point at it). The offline engine registers them in
the plan itself (`rootguard.engine.program`), as the engine does; for a plan made
otherwise (a `PlanLike` whose resources name no provider), the gate adds them here with
the same name and inputs (found by the differential tests against `pulumi preview`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rootguard.engine.aws import UNKNOWN, stable_uuid
from rootguard.engine.placement import default_provider_name, package_config
from rootguard.gate.analyzer import ResourceLike, StackInfo

PROVIDER_PREFIX = "pulumi:providers:"


@dataclass
class DefaultProvider:
    """A default provider resource (ResourceLike)."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    parent: str | None = None
    provider: str | None = None
    custom: bool = True
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def outputs(self) -> Mapping[str, Any]:
        return self.inputs

    @property
    def reference(self) -> str:
        return f"{self.urn}::{self.id}"


class OnProvider:
    """A resource seen with its default provider as its `provider` (else unchanged)."""

    def __init__(self, resource: ResourceLike, provider: str) -> None:
        self._resource = resource
        self.provider = provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource, name)


class DefaultProviders:
    """Which resources use a default provider, and that provider, for one stack."""

    def __init__(self, stack: StackInfo) -> None:
        self._stack = stack
        self._by_key: dict[tuple[str, str], DefaultProvider] = {}

    def attach(self, resource: ResourceLike) -> tuple[DefaultProvider | None, ResourceLike]:
        """(the default provider when this resource is its first user, the resource as the
        engine sees it)."""
        key = self._key(resource)
        if key is None:
            return None, resource
        new = None
        if key not in self._by_key:
            new = self._by_key[key] = self._provider(*key)
        return new, OnProvider(resource, self._by_key[key].reference)

    def expand(self, resources: Sequence[ResourceLike]) -> Iterator[ResourceLike]:
        """``resources`` with each default provider before its first user."""
        seen: set[tuple[str, str]] = set()
        for resource in resources:
            key = self._key(resource)
            if key is None:
                yield resource
                continue
            provider = self._by_key.get(key) or self._by_key.setdefault(key, self._provider(*key))
            if key not in seen:
                seen.add(key)
                yield provider
            yield OnProvider(resource, provider.reference)

    @staticmethod
    def _key(resource: ResourceLike) -> tuple[str, str] | None:
        if resource.provider or not getattr(resource, "custom", False):
            return None
        if resource.type.startswith("pulumi:"):  # the stack, providers
            return None
        package = resource.type.split(":", 1)[0]
        return package, str(getattr(resource, "version", None) or "")

    def _provider(self, package: str, version: str) -> DefaultProvider:
        name = default_provider_name(version)
        urn = (
            f"urn:pulumi:{self._stack.stack}::{self._stack.project}::"
            f"{PROVIDER_PREFIX}{package}::{name}"
        )
        inputs: dict[str, Any] = dict(sorted(package_config(self._stack.config, package).items()))
        if version:
            inputs["version"] = version
        id_ = UNKNOWN if self._stack.dry_run else stable_uuid(urn)
        return DefaultProvider(urn, f"{PROVIDER_PREFIX}{package}", name, inputs, id_)
