"""`rootguard gate --engine pulumi`: the same verdict through the real CLI and the stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def gate(
    engine_env: dict[str, str], program: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "rootguard",
            "gate",
            str(program),
            "--stack",
            "test",
            "--json",
            *extra,
        ],
        env=engine_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    "program", ["config-ordering/fail", "config-ordering/pass", "preview-unknowns"]
)
def test_engine_pulumi_gives_the_in_process_verdict(
    program: str, policy_programs: Path, engine_env: dict[str, str]
) -> None:
    folder = policy_programs / program
    stack_file = (folder / "Pulumi.test.yaml").read_bytes()
    real = gate(engine_env, folder, "--engine", "pulumi")
    assert (folder / "Pulumi.test.yaml").read_bytes() == stack_file  # no encryptionsalt left
    mock = gate(engine_env, folder, "--preview")
    assert real.returncode == mock.returncode, real.stderr
    assert real.returncode in (0, 1), real.stderr

    def violations(done: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str, str]]:
        found = json.loads(done.stdout)["violations"]
        return {(v["policy"], v["urn"], v["enforcementLevel"], v["message"]) for v in found}

    assert violations(real) == violations(mock)
    assert json.loads(real.stdout)["policies"] == json.loads(mock.stdout)["policies"]


def test_engine_pulumi_without_a_cli_says_so(
    policy_programs: Path, engine_env: dict[str, str]
) -> None:
    env = {
        **engine_env,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
    }
    done = gate(env, policy_programs / "config-ordering" / "pass", "--engine", "pulumi")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no `pulumi` on PATH" in done.stderr
