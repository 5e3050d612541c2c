"""`rootguard gate` plans in a child process that streams each registration as it happens.

The real engine analyzes each resource while the program goes on; the gate mirrors it
with `rootguard.engine.worker`. These tests run the real child on the engine's fixture
programs: what it streams is exactly `run_program`'s plan, in registration order, and
the child never outlives the gate (success, program error, Ctrl-C).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.engine import worker as plan_worker
from rootguard.engine.program import run_program, stream_program
from rootguard.errors import UsageError
from rootguard.gate.runner import GateSession, gate_program
from tests.gate_support import RECORDER, calls, pack_pids, process_gone

PROGRAMS = Path(__file__).parent / "fixtures" / "programs"


@pytest.fixture
def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "record.jsonl"
    monkeypatch.setenv("GATE_TEST_RECORD", str(path))
    return path


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[plan_worker.ProgramStream]:
    """Every planning child the gate starts."""
    started: list[plan_worker.ProgramStream] = []
    enter = plan_worker.ProgramStream.__enter__

    def enter_and_note(self: plan_worker.ProgramStream) -> plan_worker.ProgramStream:
        started.append(enter(self))
        return self

    monkeypatch.setattr(plan_worker.ProgramStream, "__enter__", enter_and_note)
    return started


@pytest.mark.parametrize("preview", [False, True])
def test_stream_is_run_programs_plan_in_registration_order(preview: bool) -> None:
    expected = run_program(PROGRAMS / "basic", "test", preview=preview)
    with stream_program(PROGRAMS / "basic", "test", preview=preview) as program:
        program.start()
        streamed = [(r.urn, r.inputs, r.parent, r.provider) for r in program]
    assert streamed == [(r.urn, r.inputs, r.parent, r.provider) for r in expected.resources]
    assert program.plan == expected  # outputs, ids, dependencies, config: all of it
    providers = [i for i, r in enumerate(expected.resources) if r.type.startswith("pulumi:prov")]
    users = [i for i, r in enumerate(expected.resources) if r.provider]
    assert providers and users and min(users) > min(providers)  # providers before their users
    assert process_gone(program.pid)


def test_gate_analyzes_in_registration_order(
    record: Path, children: list[plan_worker.ProgramStream]
) -> None:
    plan, result = gate_program(PROGRAMS / "basic", "test", [RECORDER])
    analyzed = [
        json.loads(line)["request"]["urn"]
        for line in record.read_text().splitlines()
        if json.loads(line)["call"] == "Analyze"
    ]
    # The engine's default aws provider comes in just before its first user, as the engine
    # registers it (the offline engine records it in the plan, in that place).
    version = importlib.metadata.version("pulumi_aws").replace(".", "_")
    default = f"urn:pulumi:test::fixture-basic::pulumi:providers:aws::default_{version}"
    expected = [r.urn for r in plan.resources]
    first_user = next(
        r.urn for r in plan.resources if (r.provider or "").startswith(f"{default}::")
    )
    assert expected.index(default) == expected.index(first_user) - 1
    assert analyzed == expected
    assert result.resources == len(expected)
    order = [c for c in calls(record) if c in {"Configure", "Analyze", "AnalyzeStack"}]
    assert order == ["Configure", *["Analyze"] * len(expected), "AnalyzeStack"]
    [child] = children
    assert process_gone(child.pid)
    assert all(process_gone(pid) for pid in pack_pids(record))


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("value-error", "program failed: ValueError: threshold must be positive, not -1"),
        ("run-error", "rootguard:regions[1]: 'us-east-9' is not an AWS region"),
    ],
)
def test_program_error_in_the_child_is_exit_2_one_line(
    record: Path,
    children: list[plan_worker.ProgramStream],
    capsys: pytest.CaptureFixture[str],
    stack: str,
    expected: str,
) -> None:
    args = ["gate", str(PROGRAMS / "failing"), "--stack", stack, "--policy-pack", str(RECORDER)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == f"rootguard gate: error: {expected}\n"
    [child] = children
    assert process_gone(child.pid)
    assert all(process_gone(pid) for pid in pack_pids(record))
    assert "AnalyzeStack" not in calls(record)


def test_ctrl_c_stops_the_child_and_the_pack(
    record: Path, children: list[plan_worker.ProgramStream], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: GateSession, resource: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(GateSession, "analyze", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gate_program(PROGRAMS / "basic", "test", [RECORDER])
    [child] = children
    assert process_gone(child.pid)
    assert all(process_gone(pid) for pid in pack_pids(record))


def test_child_stopped_when_the_gate_fails_before_the_program_runs(
    children: list[plan_worker.ProgramStream], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(UsageError, match="invalid JSON"):
        gate_program(PROGRAMS / "basic", "test", [RECORDER], [bad])
    [child] = children
    assert process_gone(child.pid)


def test_child_that_dies_is_a_usage_error(children: list[plan_worker.ProgramStream]) -> None:
    with stream_program(PROGRAMS / "basic", "test") as program:
        os.kill(program.pid, signal.SIGKILL)
        assert process_gone(program.pid)
        program.start()
        with pytest.raises(UsageError, match="ended without a plan"):
            list(program)
