"""Run a Pulumi Python program with the real Pulumi CLI, through the Automation API.

`rootguard gate --engine pulumi` and the engine tests (`make test-engine`) use this to get
the real engine's answer: `pulumi preview`/`up`/`destroy` of a stack, with policy packs,
as `pulumi` runs them. The program runs as an Automation API *inline* program: the Python
SDK serves the language runtime in this process and the CLI connects to it, so no
`pulumi-language-python` binary is needed (the Go module proxy does not serve it; see
docs/engine-tests.md). Everything else is the CLI's: config from the stack file (read as
the CLI reads YAML), the providers it finds, the policy packs, state, URNs and diffs.

It runs as a child process started by `run_stack`, with the project's own interpreter
(its virtualenv when Pulumi.yaml names one), so module state never leaks between programs:

    python -m rootguard.engine.automation REQUEST.json RESULT.json

REQUEST: {"project_dir", "stack", "operations": ["preview" | "up" | "export" | "destroy"],
          "policy_packs": [...], "policy_pack_configs": [...]}
RESULT:  {"operations": [{"operation", "ok", "error", "events": [...], "summary",
          "outputs", "state"}]}
The CLI is `pulumi` on PATH; the environment (backend, PULUMI_HOME, passphrase) is the
caller's: `offline_environment` makes one that needs no network and no account.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPERATIONS = ("preview", "up", "export", "destroy")


@dataclass
class Operation:
    """One CLI operation's outcome, as the engine reported it."""

    operation: str
    ok: bool
    error: str
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def policy_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == "policy"]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == "step"]


def offline_environment(
    home: Path, cli_bin: Path | None, extra_path: Sequence[Path] = ()
) -> dict[str, str]:
    """An environment in which the CLI needs no network, no account and no passphrase.

    ``home`` holds the file backend and PULUMI_HOME; ``cli_bin`` (the folder with `pulumi`)
    and ``extra_path`` (e.g. a stand-in provider's folder) come first on PATH.
    """
    env = dict(os.environ)
    (home / "state").mkdir(parents=True, exist_ok=True)
    (home / "pulumi-home").mkdir(parents=True, exist_ok=True)
    path = [str(p) for p in (*extra_path, *([cli_bin] if cli_bin else []))]
    env.update(
        {
            "PATH": os.pathsep.join([*path, env.get("PATH", "")]),
            "PULUMI_BACKEND_URL": (home / "state").resolve().as_uri(),
            "PULUMI_HOME": str((home / "pulumi-home").resolve()),
            "PULUMI_CONFIG_PASSPHRASE": "",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }
    )
    env.pop("PULUMI_ACCESS_TOKEN", None)
    return env


def run_stack(
    python: str,
    project_dir: Path,
    stack: str,
    operations: Sequence[str],
    env: Mapping[str, str],
    *,
    policy_packs: Sequence[str] = (),
    policy_pack_configs: Sequence[str] = (),
    timeout: float = 900,
) -> list[Operation]:
    """Run ``operations`` on ``stack`` of ``project_dir`` in a child process (see module doc)."""
    with tempfile.TemporaryDirectory(prefix="rootguard-automation-") as scratch:
        request = Path(scratch) / "request.json"
        result = Path(scratch) / "result.json"
        request.write_text(
            json.dumps(
                {
                    "project_dir": str(Path(project_dir).resolve()),
                    "stack": stack,
                    "operations": list(operations),
                    "policy_packs": [str(p) for p in policy_packs],
                    "policy_pack_configs": [str(p) for p in policy_pack_configs],
                }
            ),
            encoding="utf-8",
        )
        done = subprocess.run(
            [python, "-m", "rootguard.engine.automation", str(request), str(result)],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if not result.is_file():
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RuntimeError(f"the automation driver failed (exit {done.returncode}): {tail}")
        data = json.loads(result.read_text(encoding="utf-8"))
    return [Operation(**entry) for entry in data["operations"]]


# --- the child --------------------------------------------------------------------------------
def _event(event: Any) -> dict[str, Any] | None:
    """The parts of an engine event the gate and the tests read, as plain data."""
    if event.policy_event is not None:
        p = event.policy_event
        return {
            "kind": "policy",
            "policyPack": p.policy_pack_name,
            "policyPackVersion": p.policy_pack_version,
            "policy": p.policy_name,
            "urn": p.resource_urn or "",
            "message": p.message,
            "enforcementLevel": p.enforcement_level,
        }
    pre = event.resource_pre_event
    if pre is not None and pre.metadata is not None:
        meta = pre.metadata
        new = meta.new
        return {
            "kind": "step",
            "op": str(getattr(meta.op, "value", meta.op)),
            "urn": meta.urn,
            "type": meta.type,
            "parent": new.parent if new is not None else None,
            "provider": new.provider if new is not None else None,
            "custom": new.custom if new is not None else None,
        }
    diag = event.diagnostic_event
    if diag is not None and diag.severity in ("error", "warning"):
        return {
            "kind": "diagnostic",
            "severity": diag.severity,
            "urn": diag.urn or "",
            "message": diag.message,
        }
    return None


def _inline_program(project_dir: Path) -> Any:
    from rootguard.engine.program import load_project

    main_py = load_project(project_dir).program

    def program() -> None:
        runpy.run_path(str(main_py), run_name="__main__")

    return program


def _summary(value: Any) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (value or {}).items()}


def _child(request: dict[str, Any]) -> dict[str, Any]:
    from pulumi import automation as auto

    from rootguard.engine.program import load_project

    project_dir = Path(request["project_dir"])
    project = load_project(project_dir)
    os.chdir(project.program.parent)
    sys.path.insert(0, str(project.program.parent))
    stack = auto.create_or_select_stack(
        stack_name=request["stack"],
        project_name=project.name,
        program=_inline_program(project_dir),
        opts=auto.LocalWorkspaceOptions(work_dir=str(project_dir)),
    )
    packs = request.get("policy_packs") or None
    configs = request.get("policy_pack_configs") or None
    results = []
    for operation in request["operations"]:
        events: list[dict[str, Any]] = []

        def collect(event: Any, events: list[dict[str, Any]] = events) -> None:
            entry = _event(event)
            if entry is not None:
                events.append(entry)

        record: dict[str, Any] = {"operation": operation, "ok": True, "error": "", "events": events}
        try:
            if operation == "preview":
                preview = stack.preview(
                    policy_packs=packs, policy_pack_configs=configs, on_event=collect
                )
                record["summary"] = _summary(preview.change_summary)
            elif operation == "up":
                up = stack.up(policy_packs=packs, policy_pack_configs=configs, on_event=collect)
                record["summary"] = _summary(up.summary.resource_changes)
                record["outputs"] = {k: v.value for k, v in up.outputs.items()}
            elif operation == "export":
                record["state"] = stack.export_stack().deployment or {}
            elif operation == "destroy":
                destroy = stack.destroy(on_event=collect)
                record["summary"] = _summary(destroy.summary.resource_changes)
            else:
                raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATIONS}")
        except auto.errors.CommandError as err:
            record["ok"] = False
            record["error"] = str(err)
        results.append(record)
    return {"operations": results}


def main(argv: list[str] | None = None) -> int:
    request_path, result_path = (argv if argv is not None else sys.argv[1:])[:2]
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    result = _child(request)
    Path(result_path).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
