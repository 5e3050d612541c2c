"""Drive a CrossGuard policy pack over the Analyzer gRPC protocol, the way the engine does.

This is the offline half of `pulumi preview --policy-pack DIR`: it starts the pack as its
own process, talks to it with the calls and request shapes the Pulumi engine uses, and
kills it afterwards, whatever happens. It knows nothing about how a plan was made.

How the engine does it (pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`,
`pkg/resource/deploy/step_generator.go`, `pkg/resource/analyzer/config.go`):

1. Read `<pack>/PulumiPolicy.yaml`; run the `pulumi-analyzer-policy-python` shim in the
   pack directory with the engine address and `.`; the shim runs
   `python -u -m pulumi.policy <engine> .` (with the pack's virtualenv when its runtime
   options name one), which runs the pack's `__main__.py`. Environment: the engine's own
   plus PULUMI_CONFIG (JSON of the stack config, only when there is any),
   PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN ("true"/"false").
2. Read the port from the first line of the plugin's stdout; dial 127.0.0.1:<port>.
3. Handshake (Python packs answer UNIMPLEMENTED: fall back), ConfigureStack (skip on
   UNIMPLEMENTED), GetPluginInfo, GetAnalyzerInfo, reconcile the policy config
   (schema defaults <- the pack's initial config <- `--policy-pack-config`, validated
   against each policy's JSON schema), Configure with every policy's level and config.
4. Per resource, in registration order: Remediate (only matters for policies at level
   `remediate`), then Analyze with the inputs, options (parent included) and provider.
5. Once at the end: AnalyzeStack with every resource's outputs, options, provider,
   parent, dependencies and non-empty property dependencies.

Every process started here is registered for clean-up: the context manager's exit,
an `atexit` hook, SIGTERM/SIGHUP handlers and (on Linux) a parent-death signal make
sure no pack outlives the gate.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Protocol

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from jsonschema.exceptions import best_match
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from rootguard.errors import UsageError

# --- wire constants (pulumi sdk/go/common/resource/properties.go, plugin/rpc.go) -------------
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {value: key for key, value in _LEVEL_TO_PROTO.items()}

# There is no engine to call back: Python packs never dial it (pulumi.policy only parses
# the argument), and port 0 says plainly that nothing listens there.
ENGINE_ADDRESS = "127.0.0.1:0"
# The diy backend's organization name, used unless PULUMI_ORGANIZATION says otherwise.
DEFAULT_ORGANIZATION = "organization"

STARTUP_TIMEOUT_S = 60.0
"""How long a pack may take to print its port."""
CALL_TIMEOUT_S = 600.0
"""Deadline of one Analyzer call; a hung pack must not hang CI forever."""
STOP_GRACE_S = 5.0
"""Between SIGTERM and SIGKILL when stopping a pack."""

# pulumi_policy raises the gRPC message limit to 400 MB; a large stack's AnalyzeStack needs it.
_MAX_MESSAGE = 400 * 1024 * 1024
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


# --- what the gate feeds in ------------------------------------------------------------------
class ResourceLike(Protocol):
    """What the analyzer reads from `rootguard.engine.PlannedResource`."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def provider(self) -> str | None: ...
    @property
    def dependencies(self) -> Sequence[str]: ...
    @property
    def property_dependencies(self) -> Mapping[str, Sequence[str]]: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def outputs(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class StackInfo:
    """What the engine tells a pack about the stack (environment and ConfigureStack)."""

    project: str
    stack: str
    dry_run: bool
    config: Mapping[str, str]
    organization: str = field(
        default_factory=lambda: os.environ.get("PULUMI_ORGANIZATION") or DEFAULT_ORGANIZATION
    )


# --- PulumiPolicy.yaml -----------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyPackProject:
    """A pack directory as the engine reads it from PulumiPolicy.yaml."""

    path: Path
    runtime: str
    version: str
    virtualenv: Path | None

    @classmethod
    def load(cls, directory: str | Path) -> PolicyPackProject:
        path = Path(directory).resolve()
        manifest = path / "PulumiPolicy.yaml"
        where = f"--policy-pack {directory}"
        if not manifest.is_file():
            raise UsageError(f"{where}: no PulumiPolicy.yaml in {path}; expected a policy pack")
        try:
            data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise UsageError(f"{where}: cannot read PulumiPolicy.yaml: {_one_line(err)}") from err
        if not isinstance(data, dict):
            raise UsageError(f"{where}: PulumiPolicy.yaml must be a mapping")
        runtime = data.get("runtime")
        options: dict[str, Any] = {}
        if isinstance(runtime, dict):
            options = runtime.get("options") or {}
            runtime = runtime.get("name")
        if runtime != "python":
            raise UsageError(
                f"{where}: runtime {runtime!r} in PulumiPolicy.yaml; "
                "expected 'python' (the offline gate runs Python packs)"
            )
        venv = options.get("virtualenv") if isinstance(options, dict) else None
        return cls(
            path=path,
            runtime=runtime,
            version=str(data.get("version") or ""),
            virtualenv=(path / str(venv)) if venv else None,
        )

    def command(self, engine_address: str = ENGINE_ADDRESS) -> list[str]:
        """The command `pulumi-analyzer-policy-python <engine> .` ends up running.

        The shim uses the pack's virtualenv when it exists. Where the CLI would first
        build that virtualenv, the gate uses its own interpreter instead, which has
        pulumi-policy installed (it is one of rootguard's requirements).
        """
        python = sys.executable
        if self.virtualenv is not None:
            candidate = self.virtualenv / (
                "Scripts/python.exe" if os.name == "nt" else "bin/python"
            )
            if candidate.is_file():
                python = str(candidate)
        return [python, "-u", "-m", "pulumi.policy", engine_address, "."]


# --- --policy-pack-config --------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyConfig:
    """One policy's entry: an enforcement level (None = keep) and config properties."""

    level: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PackConfig:
    """A parsed `--policy-pack-config` file: policy name -> config, and where it came from."""

    source: str
    policies: Mapping[str, PolicyConfig]


def load_pack_config(path: str | Path) -> PackConfig:
    """Parse a `--policy-pack-config` file exactly as the CLI does (one line on errors)."""
    source = f"--policy-pack-config {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{source}: cannot read: {err.strerror or err}") from err
    return parse_pack_config(text, source)


def parse_pack_config(text: str, source: str) -> PackConfig:
    """The CLI's `parsePolicyPackConfig`: a JSON object, each value a level or an object."""
    if not text.strip():  # the CLI accepts an empty file as no config
        return PackConfig(source, {})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(
            f"{source}: invalid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    if not isinstance(data, dict):
        raise UsageError(
            f"{source}: expected a JSON object mapping policy names to a level or an object, "
            f"got {_json_type(data)}"
        )
    policies: dict[str, PolicyConfig] = {}
    for name, value in data.items():
        if isinstance(value, str):
            entry = PolicyConfig(_check_level(value, source, name), {})
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            if level is not None and not isinstance(level, str):
                raise UsageError(
                    f"{source}: {name}.enforcementLevel: {json.dumps(level)} is not a string; "
                    f"expected one of {', '.join(ENFORCEMENT_LEVELS)}"
                )
            entry = PolicyConfig(_check_level(level, source, name) if level else None, props)
        else:
            raise UsageError(
                f"{source}: {name}: {json.dumps(value)} is not valid; "
                "expected an enforcement level string or an object"
            )
        if entry.level is None and not entry.properties:
            continue  # the CLI drops empty entries
        policies[name] = entry
    return PackConfig(source, policies)


def _check_level(level: str, source: str, name: str) -> str:
    if level not in ENFORCEMENT_LEVELS:
        raise UsageError(
            f"{source}: {name}: enforcement level {level!r} is not one of "
            f"{', '.join(ENFORCEMENT_LEVELS)}"
        )
    return level


# --- what GetAnalyzerInfo says ---------------------------------------------------------------
@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    level: str
    kind: str  # "resource" | "stack" | "unknown"
    schema: Mapping[str, Any] | None  # JSON schema of the policy's config, or None


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, PolicyConfig]


def analyzer_info_from_proto(resp: Any, manifest_version: str) -> AnalyzerInfo:
    policies = []
    for p in resp.policies:
        schema: dict[str, Any] | None = None
        if resp.supportsConfig:
            props = json_format.MessageToDict(p.configSchema.properties)
            schema = {"type": "object"}
            if props:
                schema["properties"] = props
            if p.configSchema.required:
                schema["required"] = list(p.configSchema.required)
        kind = {
            analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
            analyzer_pb2.POLICY_TYPE_STACK: "stack",
        }.get(p.policy_type, "unknown")
        policies.append(
            PolicyInfo(p.name, p.description, _PROTO_TO_LEVEL[p.enforcementLevel], kind, schema)
        )
    # The engine reads every initial-config entry's level, and proto3 cannot tell an unset
    # level from ADVISORY (0): an entry that only sets properties re-levels the policy to
    # advisory in `pulumi preview` too. Mirrored on purpose, so the gate agrees with the CLI.
    initial = {
        name: PolicyConfig(
            _PROTO_TO_LEVEL[cfg.enforcementLevel], json_format.MessageToDict(cfg.properties)
        )
        for name, cfg in resp.initialConfig.items()
    }
    return AnalyzerInfo(
        name=resp.name,
        # The version in PulumiPolicy.yaml wins over the one the pack reports (engine rule).
        version=manifest_version or resp.version,
        supports_config=resp.supportsConfig,
        policies=tuple(sorted(policies, key=lambda p: p.name)),
        initial_config=initial,
    )


def reconcile_config(info: AnalyzerInfo, given: PackConfig | None) -> dict[str, PolicyConfig]:
    """The engine's `ReconcilePolicyPackConfig`, plus rejecting unknown policy names.

    defaults from each schema <- the pack's initial config <- the given file; then every
    policy's properties are validated against its schema. `all` sets every policy's level.
    """
    known = {p.name for p in info.policies}
    if given is not None:
        for name in given.policies:
            if name != "all" and name not in known:
                raise UsageError(
                    f"{given.source}: unknown policy {name!r} in policy pack {info.name!r}; "
                    f"expected one of: {', '.join(sorted(known))} (or 'all')"
                )
    result: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        defaults = {
            key: prop["default"]
            for key, prop in ((policy.schema or {}).get("properties") or {}).items()
            if isinstance(prop, dict) and "default" in prop
        }
        result[policy.name] = PolicyConfig(policy.level, defaults)
    _apply(result, info.initial_config)
    if given is not None:
        _apply(result, given.policies)
    for policy in info.policies:
        if policy.schema is None:
            continue
        validator = jsonschema.Draft7Validator(policy.schema)
        error = best_match(validator.iter_errors(dict(result[policy.name].properties)))
        if error is not None:
            source = given.source if given is not None else f"policy pack {info.name!r}"
            where = policy.name + "".join(_path_part(p) for p in error.absolute_path)
            raise UsageError(f"{source}: {where}: {_one_line(error.message)}")
    return result


def _apply(result: dict[str, PolicyConfig], overlay: Mapping[str, PolicyConfig]) -> None:
    everything = overlay.get("all")
    if everything is not None and everything.level is not None:
        for name, cfg in result.items():
            result[name] = PolicyConfig(everything.level, cfg.properties)
    for name, cfg in overlay.items():
        if name == "all" or name not in result:
            continue
        current = result[name]
        result[name] = PolicyConfig(
            cfg.level or current.level, {**current.properties, **cfg.properties}
        )


def _path_part(part: str | int) -> str:
    return f"[{part}]" if isinstance(part, int) else f".{part}"


# --- wire form -> what the engine marshals for analyzers -------------------------------------
def to_analyzer_value(value: Any) -> Any:
    """Re-marshal a monitor wire value the way the engine marshals it for analyzers.

    The engine uses KeepUnknowns, KeepSecrets, SkipInternalKeys and not KeepResources:
    unknown sentinels and secret wrappers pass through unchanged; resource references
    become their ID (unknown ID -> the string sentinel) or, for components, their URN;
    output values become their plain value (or unknown); keys starting `__` are dropped.
    """
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == RESOURCE_REFERENCE_SIG:
            if "id" in value:
                ref_id = value["id"]
                return UNKNOWN_STRING if ref_id in ("", None) else to_analyzer_value(ref_id)
            return value.get("urn", "")
        if sig == OUTPUT_VALUE_SIG:
            if "value" not in value:
                return UNKNOWN_STRING
            inner = to_analyzer_value(value["value"])
            if value.get("secret"):
                return {SIG_KEY: SECRET_SIG, "value": inner}
            return inner
        return {
            key: to_analyzer_value(item)
            for key, item in value.items()
            if sig is not None or not key.startswith("__")
        }
    if isinstance(value, list):
        return [to_analyzer_value(item) for item in value]
    return value


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(to_analyzer_value(dict(props)))
    return struct


def urn_name(urn: str) -> str:
    """`resource.URN.Name()`: everything after the third `::`."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def urn_type(urn: str) -> str:
    """`resource.URN.Type()`: the last `$`-segment of the qualified type."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def split_provider_reference(ref: str) -> tuple[str, str]:
    """`providers.ParseReference`: `<urn>::<id>`, split at the last `::`."""
    urn, _, ref_id = ref.rpartition("::")
    return urn, ref_id


# --- requests --------------------------------------------------------------------------------
class RequestBuilder:
    """Builds Analyze / AnalyzeStack requests for a plan's resources, as the engine does."""

    def __init__(self, resources: Sequence[ResourceLike] = ()) -> None:
        self._by_urn = {r.urn: r for r in resources}
        self._providers: dict[str, Any] = {}  # many resources share one provider

    def add(self, resource: ResourceLike) -> None:
        """Know `resource` (resources may also arrive one by one, providers first)."""
        self._by_urn.setdefault(resource.urn, resource)

    def provider(self, resource: ResourceLike) -> Any:
        """The resource's provider: {type, properties = its inputs, urn, name}."""
        if not resource.provider:
            return None
        urn, _ = split_provider_reference(resource.provider)
        if urn not in self._providers:
            prov = self._by_urn.get(urn)  # a default provider may be absent from a plan
            self._providers[urn] = analyzer_pb2.AnalyzerProviderResource(
                type=prov.type if prov is not None else urn_type(urn),
                properties=to_struct(prov.inputs if prov is not None else {}),
                urn=urn,
                name=urn_name(urn),
            )
        return self._providers[urn]

    @staticmethod
    def options(resource: ResourceLike, *, with_parent: bool) -> Any:
        # PlannedResource carries parent only; the other options are read when present.
        timeouts = getattr(resource, "custom_timeouts", None) or {}
        delete_before_replace = getattr(resource, "delete_before_replace", None)
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=bool(getattr(resource, "protect", False)),
            ignoreChanges=list(getattr(resource, "ignore_changes", None) or []),
            deleteBeforeReplace=bool(delete_before_replace),
            deleteBeforeReplaceDefined=delete_before_replace is not None,
            additionalSecretOutputs=list(
                getattr(resource, "additional_secret_outputs", None) or []
            ),
            aliases=list(getattr(resource, "aliases", None) or []),
            customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
                create=float(timeouts.get("create", 0) or 0),
                update=float(timeouts.get("update", 0) or 0),
                delete=float(timeouts.get("delete", 0) or 0),
            ),
            parent=(resource.parent or "") if with_parent else "",
        )

    def analyze(self, resource: ResourceLike) -> Any:
        """`step_generator`: inputs, options with parent, provider; no dependencies."""
        self.add(resource)
        return analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=to_struct(resource.inputs),
            urn=resource.urn,
            name=urn_name(resource.urn),
            options=self.options(resource, with_parent=True),
            provider=self.provider(resource),
        )

    def stack_resource(self, resource: ResourceLike, outputs: Mapping[str, Any]) -> Any:
        """`AnalyzeResources`: outputs; parent beside the options; empty prop deps dropped."""
        return analyzer_pb2.AnalyzerResource(
            type=resource.type,
            properties=to_struct(outputs),
            urn=resource.urn,
            name=urn_name(resource.urn),
            options=self.options(resource, with_parent=False),
            provider=self.provider(resource),
            parent=resource.parent or "",
            dependencies=list(resource.dependencies),
            propertyDependencies={
                key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                for key, urns in resource.property_dependencies.items()
                if urns
            },
        )


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One policy diagnostic, attributed to a resource the way the engine attributes it."""

    policy_pack: str
    policy: str
    urn: str
    message: str
    level: str  # "mandatory" | "advisory"
    description: str = ""
    pack_version: str = ""

    def to_json(self) -> dict[str, str]:
        """The `rootguard gate --json` shape (ARCHITECTURE.md)."""
        return {
            "policyPack": self.policy_pack,
            "policy": self.policy,
            "urn": self.urn,
            "message": self.message,
            "enforcementLevel": self.level,
        }


@dataclass(frozen=True)
class Remediation:
    policy_pack: str
    policy: str
    urn: str
    properties: Mapping[str, Any] | None
    diagnostic: str


# --- the process -----------------------------------------------------------------------------
_LIVE: weakref.WeakSet[PackProcess] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def _stop_all() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        proc.stop()


atexit.register(_stop_all)

# A tiny launcher: ask Linux to SIGTERM the pack when the gate dies (even by SIGKILL),
# then exec the engine's own command, so the pack runs under the same pid and argv.
_PDEATHSIG_LAUNCHER = """\
import ctypes, os, signal, sys
ppid = int(sys.argv[1])
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != ppid:
    sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


class PackProcess:
    """One running policy pack: its process, its port and a gRPC stub."""

    def __init__(
        self, project: PolicyPackProject, stack: StackInfo, engine_address: str = ENGINE_ADDRESS
    ) -> None:
        self.project = project
        self.engine_address = engine_address
        self.pid: int = 0
        self.port: int = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self.stub: Any = None
        self._stderr: deque[str] = deque(maxlen=50)
        self._threads: list[threading.Thread] = []
        self._env = self._environment(stack)

    @staticmethod
    def _environment(stack: StackInfo) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PULUMI_CONFIG", None)
        if stack.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(stack.config))
        env["PULUMI_ORGANIZATION"] = stack.organization
        env["PULUMI_PROJECT"] = stack.project
        env["PULUMI_STACK"] = stack.stack
        env["PULUMI_DRY_RUN"] = "true" if stack.dry_run else "false"
        return env

    def spawn(self) -> None:
        """Start the process (does not wait for its port)."""
        command = self.project.command(self.engine_address)
        if sys.platform.startswith("linux"):
            command = [sys.executable, "-c", _PDEATHSIG_LAUNCHER, str(os.getpid()), *command]
        self._proc = subprocess.Popen(
            command,
            cwd=self.project.path,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",  # its own group: we stop it, not the tty
        )
        self.pid = self._proc.pid
        with _LIVE_LOCK:
            _LIVE.add(self)

    def connect(self, timeout: float | None = None) -> None:
        """Read the port from the first stdout line, then dial it."""
        assert self._proc is not None and self._proc.stdout is not None
        assert self._proc.stderr is not None
        line = self._read_first_line(STARTUP_TIMEOUT_S if timeout is None else timeout)
        try:
            self.port = int(line.strip())
        except ValueError:
            raise self._failure(f"printed {line.strip()[:80]!r} instead of a port") from None
        for stream, sink in ((self._proc.stdout, None), (self._proc.stderr, self._stderr)):
            thread = threading.Thread(target=_drain, args=(stream, sink), daemon=True)
            thread.start()
            self._threads.append(thread)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_CHANNEL_OPTIONS)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _read_first_line(self, timeout: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        assert self._proc.stderr is not None
        fd = self._proc.stdout.fileno()
        buffer = b""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            selector.register(self._proc.stderr.fileno(), selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._failure(f"printed no port within {timeout:.0f} s")
                # short waits keep Ctrl-C and SIGTERM responsive
                for key, _ in selector.select(min(remaining, 0.1)):
                    chunk = os.read(key.fd, 65536)
                    if key.fd == fd:
                        buffer += chunk
                        if not chunk:
                            raise self._failure("exited before printing its port")
                    elif chunk:
                        self._stderr.extend(chunk.decode(errors="replace").splitlines())
                    else:
                        selector.unregister(key.fd)
        return buffer.split(b"\n", 1)[0].decode(errors="replace")

    def _failure(self, what: str) -> UsageError:
        """Stop the pack and explain, with the last line it wrote to stderr."""
        self._terminate()
        self._collect_stderr()
        self.stop()
        tail = self.stderr_tail()
        return UsageError(f"policy pack {self.project.path} {what}{': ' + tail if tail else ''}")

    def _collect_stderr(self, wait_s: float = 1.0) -> None:
        """After the pack ended: read what is left of its stderr (bounded wait)."""
        assert self._proc is not None and self._proc.stderr is not None
        fd = self._proc.stderr.fileno()
        pending = b""
        deadline = time.monotonic() + wait_s
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while time.monotonic() < deadline and selector.select(0.05):
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
        self._stderr.extend(pending.decode(errors="replace").splitlines())

    def stderr_tail(self) -> str:
        return next((line.strip() for line in reversed(self._stderr) if line.strip()), "")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Close the channel and end the process (its group on POSIX); idempotent."""
        if self._channel is not None:
            with contextlib.suppress(Exception):
                self._channel.close()
            self._channel = None
        proc = self._proc
        if proc is None:
            return
        self._terminate()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        for thread in self._threads:
            thread.join(timeout=1)
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def _terminate(self) -> None:
        """SIGTERM the pack (its process group on POSIX), SIGKILL after a grace period."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
            proc.wait()

    def _signal(self, signum: int) -> None:
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.name == "posix":
                os.killpg(self._proc.pid, signum)
            else:
                self._proc.send_signal(signum)


def _drain(stream: Any, sink: deque[str] | None) -> None:
    with contextlib.suppress(OSError, ValueError):
        for raw in iter(stream.readline, b""):
            if sink is not None:
                sink.append(raw.decode(errors="replace").rstrip())


# --- one pack's conversation -----------------------------------------------------------------
class AnalyzerSession:
    """The engine's side of the conversation with one pack."""

    def __init__(self, project: PolicyPackProject, stack: StackInfo) -> None:
        self.project = project
        self.stack = stack
        self.process = PackProcess(project, stack)
        self.plugin_version = ""
        self.info: AnalyzerInfo | None = None
        self.config: dict[str, PolicyConfig] = {}

    @property
    def name(self) -> str:
        return self.info.name if self.info else self.project.path.name

    @property
    def version(self) -> str:
        return self.info.version if self.info else self.project.version

    def start(self) -> None:
        """Handshake, ConfigureStack, GetPluginInfo, GetAnalyzerInfo (after connect)."""
        stub = self.process.stub
        pack_dir = str(self.project.path)
        # The engine carries on whatever Handshake answers; Python packs say UNIMPLEMENTED.
        with contextlib.suppress(grpc.RpcError):
            stub.Handshake(
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address=ENGINE_ADDRESS,
                    root_directory=pack_dir,
                    program_directory=pack_dir,
                ),
                timeout=CALL_TIMEOUT_S,
            )
        try:
            stub.ConfigureStack(
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=self.stack.stack,
                    project=self.stack.project,
                    organization=self.stack.organization,
                    dry_run=self.stack.dry_run,
                    config=dict(self.stack.config),
                ),
                timeout=CALL_TIMEOUT_S,
            )
        except grpc.RpcError as err:
            if _code(err) != grpc.StatusCode.UNIMPLEMENTED:
                raise self._error("ConfigureStack", err) from err
        self.plugin_version = self._call("GetPluginInfo", empty_pb2.Empty()).version
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        self.info = analyzer_info_from_proto(info, self.project.version)

    def configure(self, given: PackConfig | None) -> None:
        assert self.info is not None
        self.config = reconcile_config(self.info, given)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, cfg in self.config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_TO_PROTO[cfg.level or "advisory"]
            entry.properties.update(dict(cfg.properties))
        if self.config:  # the engine skips Configure when there is nothing to say
            self._call("Configure", request)

    @property
    def remediates(self) -> bool:
        return any(cfg.level == "remediate" for cfg in self.config.values())

    def analyze(self, request: Any) -> list[Violation]:
        response = self._call("Analyze", request, subject=request.urn)
        # The engine reports every Analyze diagnostic against the analyzed resource.
        return [self._diagnostic(d, request.urn) for d in response.diagnostics]

    def remediate(self, request: Any) -> list[Remediation]:
        try:
            response = self.process.stub.Remediate(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            if _code(err) == grpc.StatusCode.UNIMPLEMENTED:
                return []
            raise self._error("Remediate", err, subject=request.urn) from err
        return [
            Remediation(
                policy_pack=r.policyPackName or self.name,
                policy=r.policyName,
                urn=request.urn,
                properties=(
                    json_format.MessageToDict(r.properties) if r.HasField("properties") else None
                ),
                diagnostic=r.diagnostic,
            )
            for r in response.remediations
        ]

    def analyze_stack(self, request: Any, known_urns: set[str], root_urn: str) -> list[Violation]:
        try:
            response = self.process.stub.AnalyzeStack(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            if _code(err) == grpc.StatusCode.UNIMPLEMENTED:
                return []
            raise self._error("AnalyzeStack", err) from err
        # A stack diagnostic keeps its URN when it names a resource of the stack,
        # otherwise it lands on the root stack resource.
        return [
            self._diagnostic(d, d.urn if d.urn in known_urns else root_urn)
            for d in response.diagnostics
        ]

    def _diagnostic(self, d: Any, urn: str) -> Violation:
        level = _PROTO_TO_LEVEL.get(d.enforcementLevel, "advisory")
        if level == "remediate":  # a violation left after remediation counts as mandatory
            level = "mandatory"
        version = self.project.version or d.policyPackVersion
        message = d.message
        if version and d.policyPackVersion and d.policyPackVersion != version:
            # pulumi-policy's Python PolicyPack always reports version 0.0.1 and names
            # itself `<pack>@v0.0.1` in its "can't be known during preview" messages; the
            # version is PulumiPolicy.yaml's, so one version shows everywhere.
            name = d.policyPackName or self.name
            message = message.replace(f"{name}@v{d.policyPackVersion}", f"{name}@v{version}")
        return Violation(
            policy_pack=d.policyPackName or self.name,
            # PulumiPolicy.yaml's version wins over the diagnostic's (engine rule)
            pack_version=version,
            policy=d.policyName,
            description=d.description,
            message=message,
            level=level,
            urn=urn,
        )

    def _call(self, method: str, request: Any, *, subject: str = "") -> Any:
        try:
            return getattr(self.process.stub, method)(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            raise self._error(method, err, subject=subject) from err

    def _error(self, method: str, err: grpc.RpcError, *, subject: str = "") -> UsageError:
        on = f" of {subject}" if subject else ""
        details = _one_line(getattr(err, "details", lambda: "")() or str(err))
        if not self.process.running:
            details = self.process.stderr_tail() or "the pack process exited"
        return UsageError(
            f"policy pack {self.name!r} ({self.project.path}) failed in {method}{on}: {details}"
        )


def _code(err: grpc.RpcError) -> Any:
    code = getattr(err, "code", None)
    return code() if callable(code) else None


# --- several packs, never outliving the caller -----------------------------------------------
class PackSet(contextlib.AbstractContextManager["PackSet"]):
    """Start several packs (one process each), and stop them all on exit, signal or crash."""

    def __init__(self, projects: Sequence[PolicyPackProject], stack: StackInfo) -> None:
        self.sessions = [AnalyzerSession(project, stack) for project in projects]
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> PackSet:
        self._install_signal_handlers()
        try:
            for session in self.sessions:  # spawn all first: they start up in parallel
                session.process.spawn()
            for session in self.sessions:
                session.process.connect()
                session.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[AnalyzerSession]:
        return iter(self.sessions)

    def close(self) -> None:
        try:
            for session in self.sessions:
                session.process.stop()
        finally:
            self._restore_signal_handlers()

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            previous = signal.getsignal(signum)
            if previous not in (signal.SIG_DFL, None):
                continue  # someone else handles it: leave it alone
            self._previous[signum] = previous
            signal.signal(signum, _exit_on_signal)

    def _restore_signal_handlers(self) -> None:
        for signum, previous in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, previous)
        self._previous.clear()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    # Unwind through every `finally`, so each pack is stopped; exit 128+N like a shell.
    raise SystemExit(128 + signum)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _json_type(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
