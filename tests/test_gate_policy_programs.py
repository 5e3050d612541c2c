"""Every policy of the `rootguard` pack, end to end: real programs, real gate, real pack.

Each policy has a failing program and its passing twin under
`fixtures/policy_programs/<policy>/{fail,pass}/`, written with pulumi-aws directly (the
pack guards every stack, not only ours). The compliant rest of each program comes from
`fixtures/policy_programs/scaffold.py`, so a failing program trips exactly its policy.

Every gate run starts the real pack process. A few runs go through the console command
as a subprocess (argv, stdout, exit status as CI sees them); the rest call
`rootguard.cli.main` in this process: the same code path without a fresh interpreter
importing pulumi and pulumi-aws (measured here: 0.8-1.1 s a run as a subprocess,
0.25-0.3 s in process, most of it the pack's start).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from policies.rootguard_policies import ALL_POLICIES
from policies.rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from rootguard.cli import main

PROGRAMS = Path(__file__).parent / "fixtures" / "policy_programs"
PREVIEW_PROGRAM = PROGRAMS / "preview-unknowns"
POLICIES = [policy.name for policy in (*ALL_POLICIES, *ROOT_ACCESS_POLICIES)]
LEVELS = {
    policy.name: policy.enforcement_level.value
    for policy in (*ALL_POLICIES, *ROOT_ACCESS_POLICIES)
    if policy.enforcement_level is not None
}
STACK = "test"

SUBPROCESS = {"config-recorder-enabled", "root-mfa-rule-present"}
"""Run through the console command: one resource policy, one stack policy."""


@dataclass
class GateRun:
    code: int
    result: dict[str, Any]  # the --json document ({} when the gate printed none)
    stderr: str

    @property
    def fired(self) -> set[str]:
        """Policies with a violation of any level."""
        return {v["policy"] for v in self.result["violations"]}

    def levels(self, level: str) -> set[str]:
        return {v["policy"] for v in self.result["violations"] if v["enforcementLevel"] == level}


def gate(program: Path, *extra: str, in_subprocess: bool = False) -> GateRun:
    """`rootguard gate PROGRAM --stack test --json [extra...]`."""
    argv = ["gate", str(program), "--stack", STACK, "--json", *extra]
    if in_subprocess:
        done = subprocess.run(
            [sys.executable, "-m", "rootguard", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
        out, err = stdout.getvalue(), stderr.getvalue()
    return GateRun(code, json.loads(out) if out.strip() else {}, err)


def config_file(tmp_path: Path, content: dict[str, Any]) -> str:
    path = tmp_path / "policy-pack-config.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


# --- one failing program and its passing twin per policy -----------------------------------
@pytest.mark.parametrize("verdict", ["fail", "pass"])
@pytest.mark.parametrize("policy", POLICIES)
def test_policy_program_through_gate(policy: str, verdict: str) -> None:
    run = gate(PROGRAMS / policy / verdict, in_subprocess=policy in SUBPROCESS)
    assert run.stderr == ""
    if verdict == "pass":
        assert (run.code, run.result["violations"]) == (0, [])
    else:
        level = LEVELS.get(policy, EnforcementLevel.MANDATORY.value)
        assert run.code == (1 if level == "mandatory" else 0)  # advisory only prints
        assert run.fired == {policy}  # exactly this policy, nothing else
        assert run.levels(level) == {policy}
        for violation in run.result["violations"]:
            # pulumi_policy sends "<description>\n<message>"; messages are sentences.
            assert violation["message"].splitlines()[-1].startswith("The ")
            assert violation["urn"].startswith(f"urn:pulumi:{STACK}::{policy}-fail::")
    assert run.result["policies"] == len(POLICIES)
    assert run.result["resources"] > 0


def test_policy_programs_cover_every_policy() -> None:
    for verdict in ("fail", "pass"):
        programs = {p.parent.parent.name for p in PROGRAMS.glob(f"*/{verdict}/__main__.py")}
        assert programs == set(POLICIES)


# --- --policy-pack-config with the real pack -----------------------------------------------
def test_pack_config_disabled_policy_is_silenced(tmp_path: Path) -> None:
    silenced = config_file(tmp_path, {"lambda-runtime-supported": "disabled"})
    run = gate(PROGRAMS / "lambda-runtime-supported" / "fail", "--policy-pack-config", silenced)
    assert (run.code, run.result["violations"]) == (0, [])
    assert run.result["policies"] == len(POLICIES) - 1


def test_pack_config_advisory_level_reports_without_failing(tmp_path: Path) -> None:
    relevel = config_file(tmp_path, {"config-recorder-enabled": "advisory"})
    run = gate(PROGRAMS / "config-recorder-enabled" / "fail", "--policy-pack-config", relevel)
    assert run.code == 0
    assert (run.levels("advisory"), run.levels("mandatory")) == ({"config-recorder-enabled"}, set())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {"no-such-policy": "mandatory"},
            "unknown policy 'no-such-policy' in policy pack 'rootguard'",
        ),
        (
            {"lambda-runtime-supported": {"allowedRuntimes": "python3.12"}},
            "lambda-runtime-supported.allowedRuntimes: 'python3.12' is not of type 'array'",
        ),
        (
            {"config-global-resources-once": {"globalResourcesInAllRegions": "yes"}},
            "config-global-resources-once.globalResourcesInAllRegions: 'yes' is not of type",
        ),
        (
            {"config-recorder-all-resources": {"allowedExclusions": ["EC2 network interfaces"]}},
            "config-recorder-all-resources.allowedExclusions[0]: 'EC2 network interfaces' "
            "does not match",
        ),
    ],
    ids=["unknown-policy", "string-for-array", "string-for-boolean", "bad-resource-type"],
)
def test_pack_config_invalid_exit_2_one_line(
    tmp_path: Path, content: dict[str, Any], expected: str
) -> None:
    bad = config_file(tmp_path, content)
    run = gate(
        PROGRAMS / "lambda-runtime-supported" / "pass",
        "--policy-pack-config",
        bad,
        in_subprocess="no-such-policy" in content,  # one through the console command
    )
    assert (run.code, run.result) == (2, {})
    assert run.stderr.startswith(f"rootguard gate: error: --policy-pack-config {bad}: ")
    assert expected in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("program", "knobs", "code", "fired"),
    [
        # An exclusion the team accepts: the failing program passes.
        (
            "config-recorder-all-resources/fail",
            {
                "config-recorder-all-resources": {
                    "allowedExclusions": ["AWS::EC2::NetworkInterface"]
                }
            },
            0,
            set(),
        ),
        # Global types everywhere: two recorders with them pass, one alone fails.
        (
            "config-global-resources-once/fail",
            {"config-global-resources-once": {"globalResourcesInAllRegions": True}},
            0,
            set(),
        ),
        (
            "config-global-resources-once/pass",
            {"config-global-resources-once": {"globalResourcesInAllRegions": True}},
            1,
            {"config-global-resources-once"},
        ),
        # A runtime list of the team's own: python3.9 allowed, python3.12 not.
        (
            "lambda-runtime-supported/fail",
            {"lambda-runtime-supported": {"allowedRuntimes": ["python3.9"]}},
            0,
            set(),
        ),
        (
            "lambda-runtime-supported/pass",
            {"lambda-runtime-supported": {"allowedRuntimes": ["python3.13", "nodejs22.x"]}},
            1,
            {"lambda-runtime-supported"},
        ),
    ],
    ids=[
        "allowed-exclusion-passes",
        "global-everywhere-passes-two",
        "global-everywhere-fails-one",
        "allowed-old-runtime-passes",
        "narrower-runtimes-fail",
    ],
)
def test_pack_config_knob_changes_the_verdict(
    tmp_path: Path, program: str, knobs: dict[str, Any], code: int, fired: set[str]
) -> None:
    run = gate(PROGRAMS / program, "--policy-pack-config", config_file(tmp_path, knobs))
    assert (run.code, run.fired, run.levels("mandatory")) == (code, fired, fired)


# --- --preview: unknown values never give a mandatory violation ----------------------------
PREVIEW_POLICIES = {
    "config-recorder-enabled",
    "config-delivery-bucket-secure",
    "conformance-pack-bucket-prefix",
    "lambda-runtime-supported",
}
"""Each decided by a value the preview program computes from another resource's output."""
PREVIEW_PASSING = {"config-delivery-writable"}
"""Passes once the values are known (the bucket policy lets Config write), so a preview
can only say it does not know yet: the bucket's name and policy are outputs."""


def test_preview_unknown_values_give_no_mandatory_violation() -> None:
    run = gate(PREVIEW_PROGRAM, "--preview")
    assert (run.code, run.levels("mandatory")) == (0, set())
    assert run.levels("advisory") == PREVIEW_POLICIES | PREVIEW_PASSING
    for violation in run.result["violations"]:
        assert "can't be known during preview" in violation["message"]


def test_preview_program_fully_known_fails_those_policies() -> None:
    run = gate(PREVIEW_PROGRAM)
    assert (run.code, run.fired, run.levels("mandatory")) == (1, PREVIEW_POLICIES, PREVIEW_POLICIES)


@pytest.mark.parametrize("policy", ["config-recorder-enabled", "root-mfa-rule-present"])
def test_preview_known_failure_still_fails(policy: str) -> None:
    run = gate(PROGRAMS / policy / "fail", "--preview")
    assert (run.code, run.levels("mandatory")) == (1, {policy})
