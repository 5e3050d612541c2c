"""The pack loads the way users load it: the CLI builds policies/venv and runs the folder.

That needs the Python language host (`pulumi-language-python`), which the Go module proxy
does not serve (docs/engine-tests.md): with an official CLI on PATH, or a proxy that serves
the host, `make pulumi-cli` puts it in .tools/pulumi/bin and this test runs; otherwise it
is skipped, and the differential suite starts the same pack through rootguard.gate.launcher.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rootguard.gate.analyzer import PolicyPackProject
from tests.engine.conftest import PACK, run
from tests.test_gate_policy_programs import PROGRAMS, gate


def test_pack_folder_loads_as_users_load_it(
    has_python_host: bool, policy_programs: Path, engine_env: dict[str, str], tmp_path: Path
) -> None:
    if not has_python_host:
        pytest.skip(
            "no pulumi-language-python: the Go module proxy refuses "
            "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 (403)"
        )
    pack = tmp_path / "policies"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (preview,) = run(
        policy_programs / "config-ordering" / "fail", "test", ["preview"], engine_env,
        policy_packs=[str(pack)],
    )  # fmt: skip
    assert (pack / "venv" / "bin" / "python").exists()  # built from requirements.txt
    fired = {(e["policy"], str(e["enforcementLevel"]).lower()) for e in preview.policy_events}
    assert ("config-ordering", "mandatory") in fired
    assert not preview.ok


def test_pack_runs_from_a_virtualenv_built_from_its_own_requirements(tmp_path: Path) -> None:
    """What the CLI does before it starts the pack, done as it does it: a virtualenv in the
    pack's `venv/` from `policies/requirements.txt` alone (nothing of rootguard's), and
    the pack served from it. Runs where the Python host is missing too, so the pack's own
    dependency list is proven either way."""
    pack = tmp_path / "policies"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", str(pack / "venv")], check=True)
    python = pack / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(pack / "requirements.txt")],
        check=True,
        timeout=600,
    )
    assert PolicyPackProject.load(pack).command()[0] == str(python)  # the gate starts that one
    run = gate(PROGRAMS / "config-ordering" / "fail", "--policy-pack", str(pack))
    assert run.stderr == ""
    assert (run.code, run.levels("mandatory")) == (1, {"config-ordering"})
