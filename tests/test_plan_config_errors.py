"""A bad stack config stops the real `rootguard plan`: exit 2, one line naming the key and
the bad value, nothing declared or printed.

Every case of tests/config_cases.py (one per validation rule of rootguard/config.py)
becomes a `Pulumi.<case>.yaml` in a temporary copy of this project (the repository is
never written to) and runs through the command line in this process; a few run as a
subprocess of the console entry point to show the user sees no traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.engine import program as engine
from tests.config_cases import BAD_CONFIGS, BadConfig

REPO = Path(__file__).resolve().parent.parent
PREFIX = "rootguard plan: error: "
STACK_TYPE = "pulumi:pulumi:Stack"
CASES = {case.id: case for case in BAD_CONFIGS}


def stack_file(case: BadConfig) -> str:
    """The case's Pulumi.<stack>.yaml: each value written as JSON (YAML reads it back
    unchanged, an unquoted number staying a number)."""
    config: dict[str, Any] = {}
    if case.aws_region is not None:
        config["aws:region"] = case.aws_region
    config.update({f"rootguard:{key}": value for key, value in case.raw.items()})
    lines = [f"  {key}: {json.dumps(value)}" for key, value in config.items()]
    return "config:\n" + "\n".join(lines) + "\n" if lines else "config: {}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (program, components) with one stack file per case."""
    root = tmp_path_factory.mktemp("project")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(
        REPO / "components", root / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    for case in BAD_CONFIGS:
        (root / f"Pulumi.{case.id}.yaml").write_text(stack_file(case))
    return root


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Types of every resource the program registers with the engine's monitor."""
    types: list[str] = []
    original = engine.RecordingMonitor.RegisterResource

    def spy(self: engine.RecordingMonitor, request: Any) -> Any:
        types.append(request.type)
        return original(self, request)

    monkeypatch.setattr(engine.RecordingMonitor, "RegisterResource", spy)
    yield types


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=[case.id for case in BAD_CONFIGS])
def test_plan_bad_config_one_line_exit_2(
    case: BadConfig,
    project: Path,
    registered: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", str(project), "--stack", case.id]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(PREFIX), lines[0]
    case.check(lines[0][len(PREFIX) :])
    # Validation runs before any resource: only the root stack was registered.
    assert registered == [STACK_TYPE]


@pytest.mark.parametrize(
    "case_id", ["account-id-unquoted", "unknown-top-level-key", "home-region-not-in-regions"]
)
def test_plan_bad_config_subprocess_no_traceback(case_id: str, project: Path) -> None:
    case = CASES[case_id]
    result = subprocess.run(
        [sys.executable, "-m", "rootguard", "plan", str(project), "--stack", case.id, "--json"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(PREFIX)
    case.check(lines[0][len(PREFIX) :])


def test_plan_good_config_of_same_project_plans(
    project: Path, registered: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The copy itself is sound: the example stack plans from it.
    shutil.copy(REPO / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    assert main(["plan", str(project), "--stack", "dev", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["resources"]) == len(registered) > 1
