"""The pack's precision, end to end: for each class of mistake it used to make, a plain
pulumi-aws program it got wrong and its twin, through the real gate and the real pack.

Each case under `fixtures/precision_programs/<case>/{fail,pass}/` says in its docstring
what the gate answered before the fix (a missed breakage, a false alarm, or no plan at
all). Now the failing program trips exactly its policy, mandatory, and the passing
twin nothing mandatory (nothing at all in update mode); the cases about preview
unknowns run in preview mode too. A case's `policy-pack-config.json`, when there is
one, is given to the gate as `--policy-pack-config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_gate_policy_programs import gate

CASES_DIR = Path(__file__).parent / "fixtures" / "precision_programs"


@dataclass(frozen=True)
class Case:
    folder: str
    policy: str
    """The policy the failing program trips."""
    preview: bool = False
    """The class is about unknowns: run the programs as a first preview too."""


CASES = (
    Case("1-default-provider-account", "config-recorder-unique"),
    Case("2-role-chain-last-hop", "config-recorder-unique"),
    Case("3-exclusion-records-global-types", "config-global-resources-once"),
    Case("4-preview-custom-rule-hides-no-mfa", "root-mfa-rule-present", preview=True),
    Case("4-preview-account-block-region", "config-delivery-bucket-secure", preview=True),
    Case("5-tls-deny-coverage", "config-delivery-bucket-secure"),
    Case("6-permission-source-account", "custom-rule-invocable"),
    Case("7-admin-attached", "iam-no-admin-wildcards"),
    Case("7-admin-not-action", "iam-no-admin-wildcards"),
    Case("8-policy-document-as-dict", "iam-no-admin-wildcards"),
)
RUNS = [
    pytest.param(case, verdict, mode, id=f"{case.folder}-{verdict}-{mode}")
    for case in CASES
    for verdict in ("fail", "pass")
    for mode in (("update", "preview") if case.preview else ("update",))
]


@pytest.mark.parametrize(("case", "verdict", "mode"), RUNS)
def test_gate_precision_case(case: Case, verdict: str, mode: str) -> None:
    extra = ["--preview"] if mode == "preview" else []
    config = CASES_DIR / case.folder / "policy-pack-config.json"
    if config.is_file():
        extra += ["--policy-pack-config", str(config)]
    run = gate(CASES_DIR / case.folder / verdict, *extra)
    assert run.stderr == ""
    if verdict == "fail":
        assert (run.code, run.levels("mandatory")) == (1, {case.policy})
    elif mode == "update":
        assert (run.code, run.result["violations"]) == (0, [])
    else:
        assert (run.code, run.levels("mandatory")) == (0, set())


def test_gate_precision_every_case_has_both_programs() -> None:
    folders = {p.name for p in CASES_DIR.iterdir() if p.is_dir()}
    assert folders == {case.folder for case in CASES}
    for folder in folders:
        assert {p.name for p in (CASES_DIR / folder).iterdir() if p.is_dir()} == {"fail", "pass"}
    assert {case.folder.split("-", 1)[0] for case in CASES} == {str(n) for n in range(1, 9)}
