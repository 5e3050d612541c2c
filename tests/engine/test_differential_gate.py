"""Differential gate: `rootguard gate` against `pulumi preview --policy-pack` on real programs.

For every program under tests/fixtures/policy_programs/ (found by walking the folder, so
programs added later are covered) and the three example stacks, with and without a
`--policy-pack-config`, the real engine's preview (a new stack: computed values unknown)
and `rootguard gate --preview` must report the same violations - policy, resource URN,
enforcement level - and the same pass/fail. Any difference is a bug in the gate.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from tests.engine.conftest import EXAMPLE_STACKS, PACK, POLICY_PROGRAMS, REPO, run

ROOT_STACK = "pulumi:pulumi:Stack"
CONFIGS: dict[str, dict[str, Any] | None] = {
    "default": None,
    # Every policy re-levelled: the engine's config reconciliation ("all" first, then each
    # policy) against the gate's; mandatory violations turn advisory and the preview passes.
    "all-advisory": {"all": "advisory"},
}


def _cases() -> list[tuple[str, str]]:
    """(program folder relative to the policy programs, or `rootguard`; stack name)."""
    found = []
    for manifest in sorted(POLICY_PROGRAMS.rglob("Pulumi.yaml")):
        folder = manifest.parent.relative_to(POLICY_PROGRAMS).as_posix()
        for stack_file in sorted(manifest.parent.glob("Pulumi.*.yaml")):
            found.append((folder, stack_file.name[len("Pulumi.") : -len(".yaml")]))
    found += [("rootguard", stack) for stack in EXAMPLE_STACKS]
    return found


CASES = _cases()


def _stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{ROOT_STACK}::{project}-{stack}"


def engine_violations(events: list[dict[str, Any]], root: str) -> set[tuple[str, str, str]]:
    return {
        (e["policy"], e["urn"] or root, str(e["enforcementLevel"]).lower())
        for e in events
        if e["kind"] == "policy"
    }


def gate_violations(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(v["policy"], v["urn"], v["enforcementLevel"]) for v in result["violations"]}


@pytest.mark.parametrize("variant", sorted(CONFIGS))
@pytest.mark.parametrize(("program", "stack"), CASES, ids=[f"{p}:{s}" for p, s in CASES])
def test_gate_agrees_with_pulumi_preview(
    program: str,
    stack: str,
    variant: str,
    policy_programs: Path,
    rootguard_project: Path,
    engine_env: dict[str, str],
    pack_argument: str,
    tmp_path: Path,
) -> None:
    project = rootguard_project if program == "rootguard" else policy_programs / program
    config_args: list[str] = []
    configs: list[str] = []
    if CONFIGS[variant] is not None:
        config_file = tmp_path / "pack-config.json"
        config_file.write_text(json.dumps(CONFIGS[variant]), encoding="utf-8")
        config_args, configs = ["--policy-pack-config", str(config_file)], [str(config_file)]

    (preview,) = run(
        project,
        stack,
        ["preview"],
        engine_env,
        policy_packs=[pack_argument],
        policy_pack_configs=configs,
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        argv = ["gate", str(project), "--stack", stack, "--preview", "--json"]
        code = main([*argv, "--policy-pack", str(PACK), *config_args])
    assert code in (0, 1), out.getvalue()
    result = json.loads(out.getvalue())

    expected = engine_violations(preview.events, _stack_urn(_project_name(project), stack))
    assert gate_violations(result) == expected
    engine_blocks = any(level == "mandatory" for _, _, level in expected)
    # The preview fails exactly when a mandatory violation blocks it, and so does the gate.
    assert preview.ok != engine_blocks, preview.error
    assert (code == 1) == engine_blocks


def _project_name(project: Path) -> str:
    from rootguard.engine.program import load_project

    return load_project(project).name


def test_every_policy_program_is_a_case() -> None:
    programs = {p.parent for p in POLICY_PROGRAMS.rglob("Pulumi.yaml")}
    assert len(programs) >= 27  # 13 policies x {fail, pass} + preview-unknowns
    assert {program for program, _ in CASES} >= {
        p.relative_to(POLICY_PROGRAMS).as_posix() for p in programs
    }
    assert REPO.joinpath("Pulumi.dev.yaml").is_file()
