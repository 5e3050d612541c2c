"""Hand-built plans for gate tests, shaped like `rootguard.engine.Plan` (shared interface 2).

The dataclasses mirror the agreed interface field for field, so tests do not need the
engine to exist; once it lands, `rootguard.engine.Plan` is a drop-in replacement.
"""

from __future__ import annotations

import json
import os
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKS = Path(__file__).parent / "fixtures" / "packs"
RECORDER = PACKS / "recorder"
SECOND = PACKS / "second"

PROJECT = "demo"
STACK = "dev"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG = "4dabf18193072939515e22adb298388d"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass
class Plan:
    project: str
    stack: str
    preview: bool
    config: dict[str, str]
    resources: list[PlannedResource]


def urn(type_: str, name: str, parent_types: tuple[str, ...] = ()) -> str:
    qualified = "$".join((*parent_types, type_))
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


ROOT = urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}")
PROVIDER = urn("pulumi:providers:test", "prov")
PROVIDER_REF = f"{PROVIDER}::prov-id-1"


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    dependencies: list[str] | None = None,
    property_dependencies: dict[str, list[str]] | None = None,
    provider: str | None = PROVIDER_REF,
) -> PlannedResource:
    inputs = dict(inputs or {})
    return PlannedResource(
        urn=urn(type_, name),
        type=type_,
        name=name,
        custom=True,
        parent=ROOT,
        provider=provider,
        dependencies=list(dependencies or []),
        property_dependencies=dict(property_dependencies or {}),
        inputs=inputs,
        outputs=dict(inputs),
        id=f"{name}-id",
    )


def bucket(name: str, bucket_name: Any, **kwargs: Any) -> PlannedResource:
    extra = kwargs.pop("inputs", {})
    return resource("test:index:Bucket", name, {"bucket": bucket_name, **extra}, **kwargs)


def make_plan(
    *extra: PlannedResource, preview: bool = False, config: dict[str, str] | None = None
) -> Plan:
    """Root stack, one provider, one log, then `extra` resources, in registration order."""
    stack = PlannedResource(ROOT, "pulumi:pulumi:Stack", f"{PROJECT}-{STACK}", False, None, None)
    provider = PlannedResource(
        urn=PROVIDER,
        type="pulumi:providers:test",
        name="prov",
        custom=True,
        parent=ROOT,
        provider=None,
        inputs={"region": "eu-west-1", "version": "1.0.0"},
        outputs={"region": "eu-west-1", "version": "1.0.0"},
        id="prov-id-1",
    )
    log = resource("test:index:Log", "log", {"retentionDays": 30})
    return Plan(
        project=PROJECT,
        stack=STACK,
        preview=preview,
        config=dict(config if config is not None else {"demo:team": "platform"}),
        resources=[stack, provider, log, *extra],
    )


def fake_engine(state: dict[str, Any]) -> types.ModuleType:
    """A stand-in `rootguard.engine.program` for the command line: `run_program` returns
    `state["plan"]` (read at call time; preview set as asked) and notes its arguments in
    `state["calls"]`."""

    def plan() -> Plan:
        current: Plan = state["plan"]
        return current

    def run_program(
        project_dir: Path,
        stack: str,
        *,
        preview: bool = False,
        config: Any = None,
    ) -> Plan:
        state.setdefault("calls", []).append((project_dir, stack, preview))
        current = plan()
        current.preview = preview
        return current

    def read_config(
        project: Any, stack: str, _config: Any = None
    ) -> tuple[dict[str, str], list[str]]:
        return dict(plan().config), []

    class Stream:
        """`stream_program`'s interface, planned in-process by the stub."""

        def __init__(self, project_dir: Path, stack: str, preview: bool, config: Any) -> None:
            self._args = (project_dir, stack, preview, config)
            self.plan: Plan | None = None

        def __enter__(self) -> Stream:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def start(self) -> None:
            project_dir, stack, preview, config = self._args
            self.plan = run_program(project_dir, stack, preview=preview, config=config)

        def __iter__(self) -> Any:
            assert self.plan is not None
            return iter(self.plan.resources)

    def stream_program(
        project_dir: Path,
        stack: str,
        *,
        preview: bool = False,
        config: Any = None,
        accounts: Path | None = None,
    ) -> Stream:
        return Stream(project_dir, stack, preview, config)

    module = types.ModuleType("rootguard.engine.program")
    module.run_program = run_program  # type: ignore[attr-defined]
    module.stream_program = stream_program  # type: ignore[attr-defined]
    module.load_project = lambda _dir: types.SimpleNamespace(name=plan().project)  # type: ignore[attr-defined]
    module.read_config = read_config  # type: ignore[attr-defined]
    module.stack_short_name = lambda stack: stack.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
    return module


def read_record(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def calls(path: Path) -> list[str]:
    return [entry["call"] for entry in read_record(path)]


def pack_pids(path: Path) -> list[int]:
    return [entry["pid"] for entry in read_record(path) if entry["call"] == "start"]


def process_gone(pid: int, wait_s: float = 5.0) -> bool:
    """True once `pid` no longer exists (reaped) or is a zombie nobody will run again."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            try:
                if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
            except (OSError, IndexError):
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
