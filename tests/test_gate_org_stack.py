"""The example organization stack (Pulumi.org.yaml: centralized root access and the
guardrail SCPs on) through the real gate and the real pack: no violation of any level,
the two root-access policies included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rootguard.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_gate_org_stack_with_guardrails_has_no_violation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["gate", str(REPO), "--stack", "org", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (code, out["violations"]) == (0, [])
    assert out["policies"] == 15
