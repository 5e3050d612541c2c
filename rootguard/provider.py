"""rootguard as a multi-language Pulumi package: a component provider over `rootguard.components`.

`provider/` (PulumiPlugin.yaml, `__main__.py`, requirements.txt) runs `main()`. A TypeScript, Go,
C#, Java or YAML program adds the package with `pulumi package add <repo>/provider` and gets a
generated SDK whose resources are `rootguard:index:<ClassName>`.

The schema is not written by hand: Pulumi's analyzer infers it from the components' run-time
type annotations. A hosted component's `args` is a TypedDict with a docstring per field (the
inputs; `NotRequired` marks optional ones, a plain `str`/`bool`/`Sequence[str]` is a plain
input, `pulumi.Input[...]` accepts outputs); its class-level annotations are the outputs.
Unions, callables, resource-typed fields and postponed (`from __future__ import annotations`)
annotations cannot be analyzed.

State identity: the analyzer names the schema token `rootguard:index:AccountBaseline`, but the
component registers itself under its own token (`rootguard:account_baseline:AccountBaseline`),
so a stack gets the same URNs whether it uses the Python library or the generated SDK.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pulumi
from pulumi.provider.experimental import component_provider_host
from pulumi.provider.experimental.component import ComponentProvider

from rootguard import __version__

# Imported by name: `rootguard.components` is the components/ folder mapped by setuptools
# (package-dir), a path mypy cannot follow from this package.
components = importlib.import_module("rootguard.components")

PACKAGE = "rootguard"
"""The Pulumi package name: schema tokens are `rootguard:index:<ClassName>`."""

HOSTED = ("AccountBaseline", "OrganizationBaseline", "OrganizationRollout")
"""The components offered to other languages, by class name in `rootguard.components`.
A name that this version of `rootguard.components` does not export is left out."""


def hosted_components() -> list[type[pulumi.ComponentResource]]:
    """The classes of HOSTED that `rootguard.components` exports, in HOSTED order."""
    return [getattr(components, name) for name in HOSTED if hasattr(components, name)]


def component_provider() -> ComponentProvider:
    """The provider exactly as `main()` serves it (analyzes the components on creation)."""
    return ComponentProvider(hosted_components(), PACKAGE, version=__version__)


def package_schema() -> dict[str, Any]:
    """The package schema the provider answers GetSchema with."""
    schema: dict[str, Any] = json.loads(component_provider().schema or "{}")
    return schema


def main() -> None:
    """Serve the components over the provider protocol (the engine passes its address)."""
    component_provider_host(hosted_components(), PACKAGE, version=__version__)
