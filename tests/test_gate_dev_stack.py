"""The example dev stack through the real engine and the real `rootguard` pack.

Skipped until `rootguard.engine` and `policies/PulumiPolicy.yaml` are on the branch
(other helpers build them); then it checks the issue's "the dev stack passes the gate,
with and without --preview" and the JSON contract.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rootguard.cli import main

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("rootguard.engine") is None
    or not (REPO / "policies" / "PulumiPolicy.yaml").is_file(),
    reason="needs rootguard.engine and the policies/ pack",
)


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_gate_dev_stack_passes(preview: bool, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["gate", str(REPO), "--stack", "dev", "--json", *(["--preview"] if preview else [])]
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    mandatory = [v for v in out["violations"] if v["enforcementLevel"] == "mandatory"]
    assert (code, mandatory) == (0, [])
    assert out["resources"] > 0
    assert out["policies"] == 13
