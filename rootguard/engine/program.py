"""The offline engine: run a Pulumi Python program in-process and record what it declares.

``run_program(project_dir, stack)`` reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``,
sets the runtime config as the Pulumi CLI would (``PULUMI_CONFIG``), and runs the
program's ``__main__.py`` under the SDK's mock engine (``pulumi.runtime.set_mocks``)
with a recording monitor and AWS-like mocks. No Pulumi CLI, no cloud, no credentials.

What differs from the SDK's stock ``MockMonitor`` (see FIELD-NOTES):

- URNs follow the engine's rule: the root stack type is left out of the qualified type
  and a child chains its parent's *full* qualified type. The monitor hands these URNs
  back to the SDK, so parents, dependencies and provider references agree with them.
- A second registration of a URN is an error (the stock mock silently overwrites).
- A custom resource registered without a provider gets the package's *default
  provider*, as in the engine: a ``pulumi:providers:<pkg>::default_<version>`` resource
  registered on first use (no parent, inputs from the stack's ``<pkg>:*`` config), and
  the resource's ``provider`` references it.
- Outputs look like AWS's: ids, auto-names and ARNs carrying the account of the
  resource's provider and the resource's region (``rootguard.engine.placement``), and
  they have the provider's output types (``rootguard.engine.outputs``). With
  ``preview=True`` everything the provider would compute stays unknown, as in a first
  ``pulumi preview``.

Recorded inputs and outputs are the *wire* form the engine sees: camelCase keys,
unknowns as the engine's sentinel string, secrets wrapped with the signature key.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import gc
import json
import logging
import os
import re
import runpy
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pulumi
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.proto import resource_pb2

from rootguard.engine.aws import PROVIDER_TYPE_PREFIX, AwsMocks, auto_name
from rootguard.engine.organizations import OrganizationFixture
from rootguard.engine.outputs import conform_outputs
from rootguard.engine.placement import (
    AWS_PROVIDER_TYPE,
    DEFAULT_ACCOUNT_ID,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Placement,
    default_placement,
    default_provider_name,
    package_config,
    provider_placement,
    provider_urn,
    resource_placement,
    reveal,
)
from rootguard.errors import UsageError

if TYPE_CHECKING:
    from rootguard.engine.worker import ProgramStream

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "Placement",
    "Plan",
    "PlannedResource",
    "Project",
    "default_provider_name",
    "load_project",
    "on_default_provider",
    "placements",
    "read_config",
    "require_stack_file",
    "reveal",
    "run_program",
    "stream_program",
]

STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_CONFIG_PLACEHOLDER = "[secret]"
"""What an encrypted (``secure:``) config value reads as: the plan cannot decrypt it."""

# --------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------


@dataclass
class PlannedResource:
    """One ``RegisterResource`` call as the engine received it, and the mock's answer."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    """Parent URN; None for the root stack and for default providers (as in the engine)."""
    provider: str | None
    """``"<provider urn>::<provider id>"`` (the default provider's when the program names
    none); None for components, providers and the stack."""
    dependencies: list[str]
    """Sorted URNs: ``depends_on`` (a component expanded to its children) and inputs."""
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    """Wire form: camelCase keys, ``UNKNOWN`` for unknowns, secrets wrapped with ``SIG_KEY``."""
    outputs: dict[str, Any]
    """Wire form of the mock's answer (for components and the stack: registered outputs)."""
    id: str | None
    """None for components, the stack and every resource during a preview."""
    import_id: str | None = None
    """The id of an existing resource the engine imports (``import_``), else None."""
    version: str | None = None
    """The provider plugin version the SDK asks for (names the engine's default provider)."""
    source: tuple[str, int] | None = None
    """Where the program declares it: the file and line of the constructor call (the
    SDK's ``sourcePosition``; the first frame in the project folder when the call is in
    an installed package). None for the stack."""


@dataclass
class Plan:
    """Everything a program declared, in registration order (stack, providers, components)."""

    project: str
    stack: str
    preview: bool
    config: dict[str, str]
    """``"ns:key"`` -> string value, as ``PULUMI_CONFIG`` carries it."""
    resources: list[PlannedResource] = field(default_factory=list)

    def by_urn(self) -> dict[str, PlannedResource]:
        return {resource.urn: resource for resource in self.resources}

    def to_json(self) -> dict[str, Any]:
        """The contract shape of ``rootguard plan --json`` (ARCHITECTURE.md), with each
        aws resource's and provider's ``account`` and ``region`` (null for the rest, and
        where a value unknown during a preview decides them)."""
        where = placements(self)
        nowhere = Placement(None, None)
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent,
                    "provider": r.provider,
                    "account": where.get(r.urn, nowhere).account,
                    "region": where.get(r.urn, nowhere).region,
                    "dependencies": r.dependencies,
                    "propertyDependencies": r.property_dependencies,
                    "import": r.import_id,
                    "inputs": r.inputs,
                }
                for r in self.resources
            ],
        }


# --------------------------------------------------------------------------------------
# Wire values
# --------------------------------------------------------------------------------------


def wire_value(value: struct_pb2.Value) -> Any:
    """A protobuf ``Value`` as plain JSON data; integral numbers become ints."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "struct_value":
        return wire_struct(value.struct_value)
    if kind == "list_value":
        return [wire_value(item) for item in value.list_value.values]
    return None


def wire_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A protobuf ``Struct`` as a dict with sorted keys (stable output)."""
    fields = struct.fields
    return {key: wire_value(fields[key]) for key in sorted(fields)}


# --------------------------------------------------------------------------------------
# Where aws resources live
# --------------------------------------------------------------------------------------


def placements(plan: Plan) -> dict[str, Placement]:
    """Account and region of every aws provider and aws custom resource of ``plan``,
    by the rule of ``rootguard.engine.placement``."""
    default = default_placement(plan.config)  # a plan made before default providers
    providers: dict[str, Placement] = {}
    result: dict[str, Placement] = {}
    for resource in plan.resources:
        if resource.type == AWS_PROVIDER_TYPE:
            providers[resource.urn] = result[resource.urn] = provider_placement(resource.inputs)
        elif resource.custom and resource.type.startswith("aws:"):
            provider = providers.get(provider_urn(resource.provider) or "", default)
            result[resource.urn] = resource_placement(resource.type, resource.inputs, provider)
    return result


# --------------------------------------------------------------------------------------
# The recording monitor
# --------------------------------------------------------------------------------------


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A ``MockMonitor`` that records every registration and builds engine URNs.

    Answers are composed in wire form, the request's inputs plus what the AWS mocks
    compute, so secrets and unknowns come back exactly as they were sent; nothing here
    needs the event loop, so the SDK may call it inline or from threads (a lock guards
    the bookkeeping).
    """

    mocks: AwsMocks

    def __init__(
        self,
        mocks: AwsMocks,
        *,
        project: str,
        stack: str,
        config: Mapping[str, str] | None = None,
        secret_keys: Sequence[str] = (),
        on_register: Callable[[PlannedResource], None] | None = None,
    ) -> None:
        super().__init__(mocks)
        self._on_register = on_register
        self._prefix = f"urn:pulumi:{stack}::{project}::"
        self._config = dict(config or {})
        self._secret_keys = set(secret_keys)
        self._lock = threading.Lock()
        self._by_urn: dict[str, PlannedResource] = {}
        self._default_providers: dict[tuple[str, str], str] = {}
        """(package, version) -> the default provider's ``"<urn>::<id>"`` reference."""
        self.recorded: list[PlannedResource] = []
        """Registrations in arrival order (reads of existing resources are not planned)."""
        self.duplicates: list[str] = []
        """URNs registered (or read) a second time."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the root stack type left out, a parent's full type chained."""
        if parent:
            parent_type = parent.split("::", 3)[2]
            if parent_type != STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return f"{self._prefix}{type_}::{name}"

    def _source(self, request: resource_pb2.RegisterResourceRequest) -> tuple[str, int] | None:
        """The file and line of the program's own code that declare the resource.

        The SDK reports the caller of the resource's constructor (``sourcePosition``) and
        the stack above it (``stackTrace``). The first of those frames outside installed
        packages (site-packages, the interpreter's prefix) is what a code-scanning
        annotation can point at: the constructor call itself in the program or its local
        modules, or, for a component installed with pip, the program's line that declares
        the component. None for the stack (the engine registers it).
        """
        if request.type == STACK_TYPE:
            return None
        positions = [request.sourcePosition] if request.HasField("sourcePosition") else []
        positions += [frame.pc for frame in request.stackTrace.frames if frame.HasField("pc")]
        for position in positions:
            path = _uri_path(position.uri)
            if position.line > 0 and _is_program_code(path):
                return path, position.line
        return None

    def _claim(self, urn: str) -> bool:
        """Reserve ``urn`` for one resource; False (and noted) when one already holds it."""
        with self._lock:
            if urn in self.resources:
                self.duplicates.append(urn)
                return False
            self.resources[urn] = self.ResourceRegistration(urn, "", {})
            return True

    def _answer(self, record: PlannedResource, existing_id: str = "") -> struct_pb2.Struct:
        """Set the mock's id and outputs (wire form, in the provider's output types) on
        ``record``; return the outputs as a ``Struct``."""
        id_, computed = self.mocks.answer(
            urn=record.urn,
            type_=record.type,
            name=record.name,
            custom=record.custom,
            provider=record.provider,
            inputs=record.inputs,
            existing_id=existing_id or None,
        )
        outputs = dict(sorted({**record.inputs, **computed}.items()))
        if record.custom:
            outputs = conform_outputs(record.type, outputs)
        record.id, record.outputs = id_, outputs
        with self._lock:
            self.resources[record.urn] = self.ResourceRegistration(record.urn, id_ or "", outputs)
        return _struct(outputs)

    def _record(self, record: PlannedResource) -> None:
        with self._lock:
            self.recorded.append(record)
            self._by_urn[record.urn] = record
            if self._on_register is not None:  # under the lock: in `recorded` order
                self._on_register(record)

    def _provider_for(self, type_: str, custom: bool, provider: str, version: str) -> str | None:
        """The provider reference a custom resource is registered with: its own, else its
        package's default provider (registered first, on first use, as the engine does)."""
        if provider or not custom or type_.startswith(PROVIDER_TYPE_PREFIX):
            return provider or None
        return self._default_provider(type_.split(":", 1)[0], version)

    def _default_provider(self, package: str, version: str) -> str | None:
        """The reference of `package`'s default provider at `version`, registered on first
        use (by a resource or an invoke, as the engine's `getDefaultProviderRef`)."""
        if package == "pulumi":  # the engine's builtins (StackReference) have no provider
            return None
        key = (package, version)
        with self._lock:
            reference = self._default_providers.get(key)
        if reference is not None:
            return reference
        name = default_provider_name(version)
        urn = f"{self._prefix}{PROVIDER_TYPE_PREFIX}{package}::{name}"
        if not self._claim(urn):  # the program named a provider so: a duplicate URN
            return None
        inputs: dict[str, Any] = {}
        for config_key, value in package_config(self._config, package).items():
            secret = f"{package}:{config_key}" in self._secret_keys
            inputs[config_key] = {SIG_KEY: SECRET_SIG, "value": value} if secret else value
        if version:
            inputs["version"] = version  # as the engine's providers.SetProviderVersion
        record = PlannedResource(
            urn=urn,
            type=f"{PROVIDER_TYPE_PREFIX}{package}",
            name=name,
            custom=True,
            parent=None,
            provider=None,
            dependencies=[],
            property_dependencies={},
            inputs=dict(sorted(inputs.items())),
            outputs={},
            id=None,
            version=version or None,
        )
        self._record(record)
        self._answer(record)
        reference = f"{urn}::{record.id or UNKNOWN}"
        with self._lock:
            self._default_providers[key] = reference
        return reference

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        provider = self._provider_for(
            request.type, request.custom, request.provider, request.version
        )
        if not self._claim(urn):
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = wire_struct(request.object)
        if request.custom and request.type.startswith("aws:"):
            # The provider's Check names an auto-named resource before anything else sees
            # it: the name is an input, known even in a first preview (as in the engine).
            inputs.update(auto_name(request.type, request.name, urn, inputs))
        record = PlannedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent or None,
            provider=provider,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(set(request.propertyDependencies[key].urns))
                for key in sorted(request.propertyDependencies)
            },
            inputs=inputs,
            outputs={},
            id=None,
            import_id=request.importId or None,
            version=request.version or None,
            source=self._source(request),
        )
        self._record(record)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        state = self._answer(record, request.importId)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=record.id or "", object=state)

    def ReadResource(self, request: resource_pb2.ReadResourceRequest) -> Any:
        """``Resource.get(...)``: not part of the plan, but it holds its URN as in the engine."""
        urn = self.make_urn(request.parent, request.type, request.name)
        provider = self._provider_for(request.type, True, request.provider, request.version)
        if not self._claim(urn):
            return resource_pb2.ReadResourceResponse(urn=urn)
        read = PlannedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            provider=provider,
            dependencies=[],
            property_dependencies={},
            inputs=wire_struct(request.properties),
            outputs={},
            id=None,
        )
        state = self._answer(read, request.id)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=state)

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> Any:
        outputs = wire_struct(request.outputs)
        with self._lock:
            record = self._by_urn.get(request.urn)
            if record is not None and not record.custom:
                record.outputs = outputs
        return empty_pb2.Empty()

    def Invoke(self, request: resource_pb2.ResourceInvokeRequest) -> Any:
        args = wire_struct(request.args)
        if request.tok == "pulumi:pulumi:getResource":
            with self._lock:
                registration = self.resources.get(args.get("urn", ""))
            if registration is None:
                raise Exception(f"unknown resource {args.get('urn')}")
            result = registration._asdict()
        else:
            provider = request.provider or self._default_provider(
                request.tok.split(":", 1)[0], request.version
            )
            result = self.mocks.invoke(request.tok, args, provider)
        return resource_pb2.ResourceInvokeResponse(**{"return": _struct(result)})


def on_default_provider(resource: PlannedResource) -> bool:
    """True for a custom resource on its package's default provider (the engine's
    ``providers.IsDefaultProvider``: a provider whose name starts with ``default``)."""
    urn = provider_urn(resource.provider)
    if urn is None:
        return resource.custom and not resource.type.startswith(PROVIDER_TYPE_PREFIX)
    parts = urn.split("::", 3)  # urn:pulumi:<stack> :: <project> :: <type> :: <name>
    return (
        len(parts) == 4
        and parts[2].startswith(PROVIDER_TYPE_PREFIX)
        and parts[3].startswith("default")
    )


_INSTALLED = tuple(os.path.join(p, "") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})


def _is_program_code(path: str) -> bool:
    return "site-packages" not in Path(path).parts and not path.startswith(_INSTALLED)


def _uri_path(uri: str) -> str:
    """``file:///a/b.py`` -> ``/a/b.py``."""
    parsed = urllib.parse.urlparse(uri)
    return urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else uri


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


# --------------------------------------------------------------------------------------
# Project and stack files
# --------------------------------------------------------------------------------------


class _Yaml12Loader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads stack and project files (Go's gopkg.in/yaml.v3, YAML
    1.2): only true/false are booleans, dates stay strings, and a plain scalar made of
    digits is a number even with a leading zero (``id: 098765432109`` is the number
    98765432109, not the string PyYAML's YAML 1.1 makes of it)."""


_NUMBER_TAG = "tag:rootguard,2025:go-number"
_DROPPED = (
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
)
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# What yaml.v3 tries as a number: Go's integer syntax (base prefixes, a leading 0 is octal,
# underscores allowed), else its float syntax; infinities and NaN.
_GO_NUMBER = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_GO_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_Yaml12Loader.add_implicit_resolver(_NUMBER_TAG, _GO_NUMBER, list("-+.0123456789"))


def _go_int(plain: str) -> int | None:
    """``strconv.ParseInt(plain, 0, 64)``: sign, base prefix, a leading 0 meaning octal."""
    sign = -1 if plain.startswith("-") else 1
    body = plain[1:] if plain.startswith(("-", "+")) else plain
    bases = {"0x": 16, "0o": 8, "0b": 2}
    base = bases.get(body[:2].lower(), 8 if len(body) > 1 and body[0] == "0" else 10)
    digits = body[2:] if body[:2].lower() in bases else body
    try:
        value = sign * int(digits, base)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**64 else None


def _construct_go_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    plain = text.replace("_", "")
    number = _go_int(plain)
    if number is not None:
        return number
    if _GO_FLOAT.match(plain):
        return float(plain)
    lowered = plain.lower().lstrip("+")
    if lowered in (".inf", "-.inf", ".nan"):
        return float(lowered.replace(".", ""))
    return text  # e.g. 0o9: not a number to Go either, so a string


_Yaml12Loader.add_constructor(_NUMBER_TAG, _construct_go_number)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Yaml12Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise UsageError(f"{path}:{where}: {problem}; expected valid YAML") from err
    except OSError as err:
        raise UsageError(f"{path}: cannot read ({err.strerror})") from err


@dataclass(frozen=True)
class Project:
    """What ``Pulumi.yaml`` says: the name, the program to run, where stack files live."""

    name: str
    directory: Path
    program: Path
    """The ``__main__.py`` the Python language host would run."""
    stack_config_dir: Path
    config: dict[str, Any]
    """Project-level config values and defaults (``config:`` in Pulumi.yaml)."""
    virtualenv: Path | None = None
    """``runtime.options.virtualenv``: where the language host would run the program."""

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack_short_name(stack)}.yaml"

    def site_packages(self) -> list[Path]:
        """The virtualenv's site-packages for this interpreter's Python version (the
        program's own dependencies, e.g. pulumi_random); none when it has no virtualenv,
        it does not exist, or it is for another Python."""
        if self.virtualenv is None:
            return []
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        found = self.virtualenv / "lib" / version / "site-packages"
        windows = self.virtualenv / "Lib" / "site-packages"
        return [p for p in (found, windows) if p.is_dir()]


_STACK_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def stack_short_name(stack: str) -> str:
    """``org/project/dev`` -> ``dev``: the name in URNs and in ``Pulumi.<stack>.yaml``."""
    short = stack.rsplit("/", 1)[-1]
    if not _STACK_RE.match(short):
        raise UsageError(
            f"--stack: {stack!r} is not a stack name; expected letters, digits, '-', '_' or '.'"
        )
    return short


def load_project(project_dir: Path) -> Project:
    """Read ``project_dir/Pulumi.yaml``; a missing or unusable one is a ``UsageError``."""
    directory = Path(project_dir).resolve()
    if not directory.is_dir():
        raise UsageError(f"{project_dir}: no such directory; expected a Pulumi project directory")
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        alternative = directory / "Pulumi.yml"
        if not alternative.is_file():
            raise UsageError(f"{project_dir}: no Pulumi.yaml; expected a Pulumi project directory")
        path = alternative
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise UsageError(f"{path}: {data!r} is not a mapping; expected a Pulumi project file")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise UsageError(f"{path}: name: {name!r}; expected the project name")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UsageError(f"{path}: runtime: {runtime_name!r}; expected python")
    main = data.get("main")
    program = directory / main if isinstance(main, str) and main else directory
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise UsageError(f"{path}: no program at {program}; expected a __main__.py to run")
    config_dir = data.get("stackConfigDir")
    stack_config_dir = directory / config_dir if isinstance(config_dir, str) else directory
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise UsageError(f"{path}: config: {config!r}; expected a mapping")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    virtualenv = directory / venv if isinstance(venv, str) and venv else None
    return Project(name, directory, program.resolve(), stack_config_dir, config, virtualenv)


def _config_key(project: str, key: str) -> str:
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 3 and parts[1] == "config":  # the legacy "ns:config:key" form
        return f"{parts[0]}:{parts[2]}"
    return key


def _config_string(value: Any) -> tuple[str, bool]:
    """A config value as ``PULUMI_CONFIG`` carries it, and whether it is secret.

    Strings as they are, scalars as YAML spells them, lists and maps as compact JSON.
    """
    secret = False

    def plain(item: Any) -> Any:
        nonlocal secret
        if isinstance(item, dict):
            if set(item) == {"secure"}:
                secret = True
                return SECRET_CONFIG_PLACEHOLDER
            return {str(key): plain(val) for key, val in item.items()}
        if isinstance(item, list):
            return [plain(val) for val in item]
        if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
            return int(item)  # as Go's JSON encoder writes an integral float64
        return item

    value = plain(value)
    if isinstance(value, str):
        return value, secret
    if isinstance(value, bool):
        return ("true" if value else "false"), secret
    if value is None:
        return "", secret
    if isinstance(value, int | float):
        return str(value), secret
    return json.dumps(value, separators=(",", ":"), sort_keys=True), secret


def read_config(
    project: Project, stack: str, stack_config: Mapping[str, Any] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The stack's config as ``PULUMI_CONFIG`` carries it, and the secret keys.

    Project-level values and defaults from Pulumi.yaml come first; the stack's
    ``config:`` overrides them: ``stack_config`` when given (values as YAML decodes them),
    else the stack file's. A missing stack file is an empty config.
    """
    entries: dict[str, Any] = {}
    for key, spec in project.config.items():
        if isinstance(spec, dict) and ({"type", "default", "value"} & set(spec)):
            if "value" in spec:
                entries[_config_key(project.name, key)] = spec["value"]
            elif "default" in spec:
                entries[_config_key(project.name, key)] = spec["default"]
        else:
            entries[_config_key(project.name, key)] = spec
    if stack_config is None:
        stack_config = _stack_file_config(project.stack_file(stack))
    for key, value in stack_config.items():
        entries[_config_key(project.name, str(key))] = value
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in entries.items():
        config[key], secret = _config_string(value)
        if secret:
            secret_keys.append(key)
    return config, secret_keys


def _stack_file_config(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        return {}
    data = _read_yaml(path) or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: {data!r} is not a mapping; expected a stack config file")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise UsageError(f"{path}: config: {config!r}; expected a mapping")
    return config


def require_stack_file(project_dir: Path, stack: str) -> Path:
    """The stack's config file; a ``UsageError`` naming the stacks there when absent.

    ``run_program`` treats a missing file as an empty config (as ``pulumi`` does for a
    new stack); the command line uses this first so a mistyped ``--stack`` is an error.
    """
    project = load_project(project_dir)
    path = project.stack_file(stack)
    if not path.is_file():
        stacks = sorted(
            p.name[len("Pulumi.") : -len(".yaml")]
            for p in project.stack_config_dir.glob("Pulumi.*.yaml")
        )
        known = ", ".join(stacks) if stacks else "none"
        raise UsageError(
            f"--stack {stack}: no {path.name} in {project.stack_config_dir}; "
            f"expected one of the stacks there ({known})"
        )
    return path


# --------------------------------------------------------------------------------------
# Running the program
# --------------------------------------------------------------------------------------

_PROTECTED_TOP_LEVEL = ("rootguard", "pulumi")
"""Top-level packages the engine itself runs on: a program folder never shadows them."""


def _places(module: ModuleType) -> list[str]:
    """Where a module lives on disk (its file, a package's folders)."""
    places: list[str] = []
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        places.append(file)
    path = getattr(module, "__path__", None)
    if path is not None:
        with contextlib.suppress(TypeError):
            places.extend(str(p) for p in path)
    return places


class _ProgramModules:
    """Tells the program's own modules (from its folder) from everything else.

    Packages installed inside the project (a ``.venv`` whose site-packages is on
    ``sys.path``) live under its folder too, but they are not the program's: they stay.
    """

    def __init__(self, folders: list[Path], search_path: list[str]) -> None:
        roots = {os.path.join(str(f), "") for f in folders}
        roots |= {os.path.join(os.path.realpath(f), "") for f in folders}
        self.roots = tuple(roots)
        entries = {os.path.join(e, "") for e in search_path if e}
        entries |= {os.path.join(os.path.realpath(e), "") for e in search_path if e}
        self.installed = tuple(e for e in entries if e.startswith(self.roots) and e not in roots)

    def owns(self, module: ModuleType) -> bool:
        return any(
            place.startswith(self.roots) and not place.startswith(self.installed)
            for place in _places(module)
        )


def _top_level_names(directory: Path) -> set[str]:
    """Module names a directory provides when it is first on ``sys.path``."""
    names = set()
    for entry in directory.iterdir():
        name = entry.name[:-3] if entry.name.endswith(".py") else entry.name
        if name.isidentifier() and (entry.is_dir() or entry.name.endswith(".py")):
            names.add(name)
    return {
        name
        for name in names
        if not name.startswith(_PROTECTED_TOP_LEVEL) and name not in sys.stdlib_module_names
    }


@contextlib.contextmanager
def _program_process_state(project: Project, config_env: str, secrets_env: str) -> Iterator[None]:
    """Make this process look like the language host's for the program, then undo it.

    ``sys.path`` gets the program's folder first and the working directory becomes it;
    ``sys.argv``, ``PULUMI_CONFIG`` and ``PULUMI_CONFIG_SECRET_KEYS`` are set. Modules the
    program imports from its folder are dropped afterwards, and same-named modules
    imported before (another project's ``components``) are set aside meanwhile, so
    several runs in one process do not see each other's code.
    """
    program_dir = project.program.parent
    own = _ProgramModules([program_dir, project.directory], sys.path)
    shadowed_names = _top_level_names(program_dir)
    saved_path = list(sys.path)
    saved_argv = list(sys.argv)
    saved_cwd = os.getcwd()
    saved_env = {key: os.environ.get(key) for key in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    before = set(sys.modules)
    set_aside = {
        name: module
        for name, module in sys.modules.items()
        if name.split(".", 1)[0] in shadowed_names and not own.owns(module)
    }
    for name in set_aside:
        del sys.modules[name]
    try:
        sys.path.insert(0, str(program_dir))
        # The program's own dependencies from its virtualenv, after rootguard's (one pulumi).
        sys.path.extend(str(p) for p in project.site_packages())
        sys.argv = [str(project.program)]
        os.chdir(program_dir)
        os.environ["PULUMI_CONFIG"] = config_env
        os.environ["PULUMI_CONFIG_SECRET_KEYS"] = secrets_env
        # What the program prints is diagnostics, as under the CLI: stdout stays clean
        # for `rootguard plan --json`.
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.argv = saved_argv
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            if module is not None and (name.split(".", 1)[0] in shadowed_names or own.owns(module)):
                del sys.modules[name]
        sys.modules.update(set_aside)


def _current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The thread's event loop if one is set, without creating one."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    return getattr(local, "_loop", None)


class _ProgramLog(logging.Handler):
    """What the program logs through ``pulumi.log``: warnings go to stderr, as the
    CLI shows them; errors are kept, since the engine fails a run that logs one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
        else:
            sys.stderr.write(f"warning: {message}\n")


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _program_error(err: BaseException, project: Project) -> UsageError:
    if isinstance(err, UsageError | pulumi.RunError):
        return UsageError(_one_line(str(err)) or type(err).__name__)
    message = f"program failed: {type(err).__name__}: {_one_line(str(err))}"
    if isinstance(err, ModuleNotFoundError):
        message += f"; {_missing_module_hint(project, err.name or '')}"
    return UsageError(message)


def _missing_module_hint(project: Project, module: str) -> str:
    """How to give the program a module it imports: its virtualenv, or rootguard's."""
    if project.virtualenv is None:
        return (
            f"the project names no virtualenv (Pulumi.yaml runtime.options.virtualenv), so it "
            f"runs with rootguard's Python: install {module} there ({sys.executable} -m pip "
            f"install ...), or name the project's virtualenv"
        )
    if not project.site_packages():
        return (
            f"its virtualenv {project.virtualenv} does not exist or is not for Python "
            f"{sys.version_info.major}.{sys.version_info.minor}: create it with this Python "
            f"and install the program's requirements"
        )
    return f"install {module} into its virtualenv {project.virtualenv}"


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each job at once, in the calling thread.

    The SDK sends every monitor RPC through the loop's default executor, as blocking
    gRPC calls. The recording monitor answers from memory, so worker threads would only
    add GIL hand-offs (several times the monitor's own cost) and let thread scheduling
    decide the registration order. Inline, runs are faster and deterministic. (A
    ThreadPoolExecutor subclass because asyncio accepts nothing else; no thread starts.)
    """

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # handed to the awaiting coroutine, as a thread pool does
            future.set_exception(err)
        return future


_PENDING_STACK = object()
"""Stands in for the root stack while ``set_mocks`` runs (see ``run_program``)."""


def run_program(
    project_dir: Path,
    stack: str,
    *,
    preview: bool = False,
    config: Mapping[str, Any] | None = None,
    on_register: Callable[[PlannedResource], None] | None = None,
    organization: OrganizationFixture | None = None,
) -> Plan:
    """Run the Pulumi program in ``project_dir`` for ``stack`` and return what it declared.

    ``config`` replaces the ``config:`` of ``Pulumi.<stack>.yaml`` (keys and values as in
    that file, e.g. ``{"aws:region": "us-east-1", "rootguard:regions": [...]}``), so
    tests and benchmarks can plan generated configs without writing stack files.

    ``on_register`` is called with each resource as it is registered (inputs known,
    outputs and id not yet), in registration order (`rootguard gate` streams them).

    ``organization`` answers the AWS Organizations invokes (``--accounts FILE``, see
    ``rootguard.engine.organizations``).

    Raises ``UsageError`` (one line) for a missing or bad project, a program error
    (a ConfigError/RunError message as-is, else ``program failed: <Type>: <msg>``),
    an error logged with ``pulumi.log.error``, or a duplicate URN.

    The program runs in this process (working directory, ``sys.path``, ``sys.argv``,
    ``PULUMI_CONFIG`` set for it and restored afterwards): one run at a time.
    """
    project = load_project(project_dir)
    stack_name = stack_short_name(stack)
    config_values, secret_keys = read_config(project, stack, config)
    mocks = AwsMocks(config=config_values, preview=preview, organization=organization)
    monitor = RecordingMonitor(
        mocks,
        project=project.name,
        stack=stack_name,
        config=config_values,
        secret_keys=secret_keys,
        on_register=on_register,
    )
    program_log_handler = _ProgramLog()
    program_log = logging.getLogger("rootguard.program")
    program_log.propagate = False  # shown (warnings) or raised (errors) here
    program_log.addHandler(program_log_handler)

    def program() -> None:
        runpy.run_path(str(project.program), run_name="__main__")

    def run() -> None:
        # Everything the SDK keeps in context variables (settings, config, the root
        # stack) lives in this copied context and is gone when the run ends.
        pulumi.runtime.set_all_config(dict(config_values), secret_keys)
        # set_mocks brings a fresh RPC manager but keeps the caller's set of pending
        # outputs and its lock: this run gets its own.
        settings.SETTINGS.outputs = set()
        settings.SETTINGS.lock = threading.Lock()
        previous_loop = _current_event_loop()
        loop = asyncio.new_event_loop()
        # After a program error the SDK leaves tasks that failed or wait forever; the
        # first error is the one reported, the rest is noise.
        loop.set_exception_handler(lambda _loop, _context: None)
        loop.set_default_executor(_InlineExecutor())
        asyncio.set_event_loop(loop)
        try:
            # set_mocks registers and closes a root stack itself unless one is active;
            # the language host creates the stack around the program instead
            # (run_in_stack), which registers exports and supports pulumi.run.
            settings.set_root_resource(_PENDING_STACK)  # type: ignore[arg-type]
            pulumi.runtime.set_mocks(
                mocks,
                project=project.name,
                stack=stack_name,
                preview=preview,
                logger=program_log,
                monitor=monitor,
            )
            settings.set_root_resource(None)  # type: ignore[arg-type]
            loop.run_until_complete(pulumi_stack.run_in_stack(program))
        finally:
            _close_loop(loop)
            asyncio.set_event_loop(previous_loop)

    gc_was_enabled = gc.isenabled()
    # The SDK keeps a task and futures per output alive until the program ends; with
    # thousands of resources the collector rescans them over and over for nothing
    # (measured: 3x the CPU at 50 accounts x 17 regions). Nothing the run creates is
    # freed before the end anyway.
    gc.disable()
    try:
        with _program_process_state(project, json.dumps(config_values), json.dumps(secret_keys)):
            contextvars.copy_context().run(run)
    except KeyboardInterrupt:
        raise
    except BaseException as err:
        if monitor.duplicates:
            raise _duplicate_error(monitor.duplicates[0]) from err
        if isinstance(err, UsageError) and "\n" not in str(err):
            raise
        raise _program_error(err, project) from err
    finally:
        program_log.removeHandler(program_log_handler)
        if gc_was_enabled:
            gc.enable()
    if monitor.duplicates:
        raise _duplicate_error(monitor.duplicates[0])
    if program_log_handler.errors:
        raise UsageError(f"program logged an error: {_one_line(program_log_handler.errors[0])}")
    return Plan(project.name, stack_name, preview, config_values, list(monitor.recorded))


def stream_program(
    project_dir: Path,
    stack: str,
    *,
    preview: bool = False,
    config: Mapping[str, Any] | None = None,
    accounts: Path | None = None,
) -> ProgramStream:
    """``run_program`` in a child process that streams each registration as it happens.

    For ``rootguard gate``: the gate analyzes each resource while the program goes on
    planning on another core, as the engine does. See ``rootguard.engine.worker``.
    """
    from rootguard.engine.worker import ProgramStream

    return ProgramStream(project_dir, stack, preview=preview, config=config, accounts=accounts)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left waiting, stop the executor, close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    with contextlib.suppress(Exception):
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    with contextlib.suppress(Exception):
        loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


def _duplicate_error(urn: str) -> UsageError:
    """The engine refuses a second resource with one URN (one type, name and parent)."""
    return UsageError(
        f"duplicate resource URN {urn}; expected unique names for resources of one type "
        "under one parent"
    )
