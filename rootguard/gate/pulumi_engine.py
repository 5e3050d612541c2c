"""`rootguard gate --engine pulumi`: the gate's verdict from the real Pulumi CLI.

Instead of the in-process mock engine, `pulumi preview --policy-pack` runs the program
(through the Automation API, `rootguard.engine.automation`) as a preview of a new stack on
a local file backend in a temporary folder, and the engine's policy events become the
gate's violations: the same
table, `--json`, `--sarif` and exit codes. Computed values are unknown, as in any first
preview, so this is the in-process gate's `--preview`.

The CLI is the `pulumi` on PATH, with whatever `pulumi-resource-aws` it finds: the real
provider needs credentials for the stack's accounts (a preview calls no create, but the
provider configures itself); the stand-in of tests/standin_aws first on PATH keeps it
offline. A CLI without the Python language host gets each pack through
`rootguard.gate.launcher`.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rootguard.engine.automation import Operation, offline_environment, run_stack
from rootguard.engine.program import load_project, read_config, stack_short_name
from rootguard.errors import UsageError
from rootguard.gate.analyzer import PackConfig, StackInfo, Violation
from rootguard.gate.launcher import write_launcher
from rootguard.gate.runner import GateResult, GateSession

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class EnginePlan:
    """What the gate's output needs to know of the run (see `runner.PlanLike`)."""

    project: str
    stack: str
    resources: list[object] = field(default_factory=list)


def has_python_host() -> bool:
    """Whether the CLI on PATH can start Python packs itself."""
    cli = shutil.which("pulumi")
    beside = Path(cli).resolve().parent / "pulumi-language-python" if cli else None
    return bool(shutil.which("pulumi-language-python") or (beside and beside.exists()))


def gate_with_pulumi(
    project_dir: Path,
    stack: str,
    packs: Sequence[Path],
    configs: Sequence[str | None],
) -> tuple[EnginePlan, GateResult]:
    """Preview ``stack`` of ``project_dir`` with the real CLI and ``packs``; the gate's result."""
    if shutil.which("pulumi") is None:
        raise UsageError(
            "--engine pulumi: no `pulumi` on PATH; expected the Pulumi CLI (see "
            "docs/engine-tests.md: `make pulumi-cli` builds one into .tools/pulumi/bin)"
        )
    project = load_project(project_dir)
    short = stack_short_name(stack)
    values, _ = read_config(project, stack)
    # The packs start and get their config first: bad config fails before a long preview,
    # and the summaries (policies and levels) are the gate's.
    with GateSession(StackInfo(project.name, short, True, values), packs, list(configs)) as session:
        summaries = session.summaries()
    with (
        tempfile.TemporaryDirectory(prefix="rootguard-engine-") as scratch,
        _stack_file_kept(project.stack_file(short)),
    ):
        workspace = Path(scratch)
        if has_python_host():
            pack_args = [str(p) for p in packs]
        else:
            pack_args = [
                str(write_launcher(p, workspace / "packs" / str(i))) for i, p in enumerate(packs)
            ]
        env = offline_environment(workspace / "pulumi", None)
        (preview,) = run_stack(
            sys.executable,
            project.directory,
            short,
            ["preview"],
            env,
            policy_packs=pack_args,
            policy_pack_configs=[c for c in configs if c],
        )
    root = f"urn:pulumi:{short}::{project.name}::{ROOT_STACK_TYPE}::{project.name}-{short}"
    violations = _violations(preview, root, {s.name: s.version for s in summaries})
    if not preview.ok and not any(v.level == "mandatory" for v in violations):
        raise UsageError(f"pulumi preview failed: {_last_error(preview)}")
    resources = [s for s in preview.steps if not _is_default_provider(s["urn"])]
    plan = EnginePlan(project.name, short)
    return plan, GateResult(violations, len(resources), summaries)


@contextlib.contextmanager
def _stack_file_kept(path: Path) -> Iterator[None]:
    """Leave the stack file as it was: `pulumi stack init` writes an `encryptionsalt`."""
    before = path.read_bytes() if path.is_file() else None
    try:
        yield
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        elif not path.is_file() or path.read_bytes() != before:
            path.write_bytes(before)


def _violations(preview: Operation, root: str, versions: dict[str, str]) -> list[Violation]:
    found = []
    for event in preview.policy_events:
        pack = event["policyPack"]
        version = versions.get(pack) or event["policyPackVersion"]
        message = event["message"].rstrip("\n")
        # As the in-process gate does: PulumiPolicy.yaml's version in the pack's messages.
        message = message.replace(f"{pack}@v0.0.1", f"{pack}@v{version}")
        found.append(
            Violation(
                policy_pack=pack,
                policy=event["policy"],
                urn=event["urn"] or root,
                message=message,
                level=str(event["enforcementLevel"]).lower(),
                pack_version=version,
            )
        )
    return found


def _is_default_provider(urn: str) -> bool:
    return "::pulumi:providers:" in urn and urn.rsplit("::", 1)[-1].startswith("default")


def _last_error(preview: Operation) -> str:
    errors = [e["message"] for e in preview.events if e.get("severity") == "error"]
    text = next((e for e in errors if e.strip() != "preview failed"), preview.error)
    return " ".join(text.split())[:400]


def pack_configs(paths: Sequence[str | Path | PackConfig | None]) -> list[str | None]:
    """`--policy-pack-config` files as the CLI takes them (paths; parsed ones not accepted)."""
    result: list[str | None] = []
    for item in paths:
        if isinstance(item, PackConfig):
            raise UsageError("--engine pulumi takes --policy-pack-config files, not parsed config")
        result.append(str(item) if item is not None else None)
    return result
