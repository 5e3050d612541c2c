"""The example dev stack through the real engine and the real `rootguard` pack.

Checks that the dev stack passes the gate, with and without --preview, and the JSON
contract.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.rootguard_policies import ALL_POLICIES
from policies.rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from rootguard.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_gate_dev_stack_passes(preview: bool, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["gate", str(REPO), "--stack", "dev", "--json", *(["--preview"] if preview else [])]
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    mandatory = [v for v in out["violations"] if v["enforcementLevel"] == "mandatory"]
    assert (code, mandatory) == (0, [])
    assert out["resources"] > 0
    assert out["policies"] == len(ALL_POLICIES) + len(ROOT_ACCESS_POLICIES)
