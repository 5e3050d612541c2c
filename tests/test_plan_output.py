"""`rootguard plan` output: counts that agree with --json, physical names, imports, and
stack files read as the Pulumi CLI reads them (YAML 1.2, gopkg.in/yaml.v3)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from rootguard.cli import main
from rootguard.engine.plan import render
from rootguard.engine.program import _Yaml12Loader, placements, run_program

REPO = Path(__file__).parent.parent
ADOPT = {
    "aws:region": "us-east-1",
    "rootguard:accounts": [{"id": "111111111111", "name": "prod"}],
    "rootguard:recorder": {"mode": "adopt"},
    "rootguard:alerts": {"emails": ["secops@example.com"]},
}


def rendered(plan: object) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    render(plan, console)  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_headline_counts_what_json_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(REPO), "--stack", "dev", "--json"]) == 0
    listed = len(json.loads(capsys.readouterr().out)["resources"])
    assert main(["plan", str(REPO), "--stack", "dev"]) == 0
    text = capsys.readouterr().out
    headline = text.splitlines()[0]
    assert f": {listed} resources: 1 stack, " in headline
    totals = re.findall(r"total\s*│\s*(\d+)", text)
    assert int(totals[0]) == listed  # "Resources by type" counts the stack too


def test_tree_shows_physical_names_where_known() -> None:
    text = rendered(run_program(REPO, "dev"))
    placed = r"  111111111111 us-east-1  name="
    assert re.search(
        r"prod-config-bucket  aws:s3/bucket:Bucket" + placed + "rootguard-config-", text
    )
    assert re.search(
        r"prod-config-role  aws:iam/role:Role" + placed + "prod-config-role-[0-9a-f]{7}", text
    )
    assert re.search(r"aws:lambda/function:Function" + placed + r"\S+", text)
    # Auto-names are known in a first preview too (the provider's Check makes them).
    preview = rendered(run_program(REPO, "dev", preview=True))
    assert re.search(r"prod-config-role  aws:iam/role:Role" + placed + "prod-config-role-", preview)


def test_adopt_mode_shows_imports_in_tree_and_json() -> None:
    plan = run_program(REPO, "dev", config=ADOPT)
    imported = {r.name: r.import_id for r in plan.resources if r.import_id}
    assert imported == {
        "prod-config-recorder-us-east-1": "default@us-east-1",
        "prod-config-channel-us-east-1": "default@us-east-1",
    }
    document = plan.to_json()
    assert {r["name"]: r["import"] for r in document["resources"] if r["import"]} == imported
    text = rendered(plan)
    recorder = r"aws:cfg/recorder:Recorder  111111111111 us-east-1  name=default  import default@"
    assert re.search(recorder + "us-east-1", text)
    assert ", 2 to import" in text.splitlines()[0]
    assert placements(plan)  # the imported ones are placed like the rest


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("098765432109", 98765432109),  # digits with a leading 0: a number, not a string
        ("111111111111", 111111111111),
        ("0755", 0o755),  # Go's base prefix rule: a leading 0 is octal
        ("0x1F", 31),
        ("1_000", 1000),
        ("1.50", 1.5),
        ('"098765432109"', "098765432109"),
        ("yes", "yes"),  # YAML 1.1's booleans are strings in YAML 1.2
        ("true", True),
        ("2024-01-01", "2024-01-01"),
    ],
)
def test_stack_files_read_as_the_cli_reads_them(text: str, value: object) -> None:
    assert yaml.load(f"v: {text}", Loader=_Yaml12Loader)["v"] == value


def test_an_unquoted_account_id_with_a_leading_zero_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("__main__.py", "Pulumi.yaml"):
        (project / name).write_text((REPO / name).read_text())
    (project / "components").symlink_to(REPO / "components")
    (project / "Pulumi.test.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  rootguard:accounts:\n"
        "    - id: 098765432109\n      name: prod\n"
    )
    assert main(["plan", str(project), "--stack", "test"]) == 2
    err = capsys.readouterr().err
    assert "98765432109" in err and err.count("\n") == 1
