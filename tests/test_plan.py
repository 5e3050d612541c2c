"""`rootguard plan`: the JSON contract, the readable tree and counts, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rootguard.cli import main
from rootguard.engine.plan import render
from rootguard.engine.program import UNKNOWN, Plan, PlannedResource

PROGRAMS = Path(__file__).parent / "fixtures" / "programs"
REPO = Path(__file__).parent.parent
RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "custom",
    "parent",
    "provider",
    "account",
    "region",
    "dependencies",
    "propertyDependencies",
    "import",
    "inputs",
}


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["plan", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["plan", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("rootguard plan: error: ")
    return lines[0]


def test_plan_json_has_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    document = plan_json(capsys, str(PROGRAMS / "basic"), "--stack", "test")
    assert set(document) == {"project", "stack", "resources"}
    assert (document["project"], document["stack"]) == ("fixture-basic", "test")
    for resource in document["resources"]:
        assert set(resource) == RESOURCE_KEYS
    by_name = {r["name"]: r for r in document["resources"]}
    provider = by_name["acct"]
    assert provider["type"] == "pulumi:providers:aws"
    assert by_name["alerts"]["provider"].startswith(provider["urn"] + "::")
    assert by_name["main-policy"]["propertyDependencies"]["bucket"] == [
        by_name["main-bucket"]["urn"]
    ]
    assert by_name["fixture-basic-test"]["parent"] is None


def test_plan_json_preview_keeps_unknown_sentinels(capsys: pytest.CaptureFixture[str]) -> None:
    document = plan_json(capsys, str(PROGRAMS / "basic"), "--stack", "test", "--preview")
    by_name = {r["name"]: r for r in document["resources"]}
    assert by_name["main-policy"]["inputs"]["bucket"] == UNKNOWN


def test_plan_json_stdout_stays_clean_when_program_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: chatty\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("print('hello from the program')\n")
    assert main(["plan", str(tmp_path), "--stack", "dev", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["project"] == "chatty"
    assert "hello from the program" in captured.err


def test_plan_readable_shows_tree_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(PROGRAMS / "multi-account"), "--stack", "test"]) == 0
    out = capsys.readouterr().out
    assert "multi-account-test" in out
    assert "aws-prod  pulumi:providers:aws  111111111111 us-east-1  provider" in out
    assert "prod-recorder-eu-west-1  aws:cfg/recorder:Recorder  111111111111 eu-west-1" in out
    for title in ("Resources by type", "AWS resources by account", "AWS resources by region"):
        assert title in out
    rows = {tuple(cell.strip() for cell in line.split("│")[1:-1]) for line in out.splitlines()}
    assert ("111111111111", "aws-prod", "17") in rows
    assert ("222222222222", "aws-staging", "17") in rows
    assert ("eu-west-1", "6") in rows
    assert ("aws:cfg/recorder:Recorder", "4") in rows


def _resource(urn: str, type_: str, parent: str | None, **fields: Any) -> PlannedResource:
    defaults: dict[str, Any] = {
        "custom": True,
        "provider": None,
        "dependencies": [],
        "property_dependencies": {},
        "inputs": {},
        "outputs": {},
        "id": None,
    }
    defaults.update(fields)
    name = urn.rsplit("::", 1)[1]
    return PlannedResource(urn=urn, type=type_, name=name, parent=parent, **defaults)


def _rendered(plan: Plan) -> str:
    buffer = io.StringIO()
    render(plan, Console(file=buffer, width=200, highlight=False))
    return buffer.getvalue()


RANDOM_ID = "random:index/randomId:RandomId"


def hand_made_plan() -> Plan:
    prefix = "urn:pulumi:dev::demo::"
    stack = prefix + "pulumi:pulumi:Stack::demo-dev"
    provider = prefix + "pulumi:providers:aws::[bold]acct"
    group = prefix + "demo:index:Group::group"
    role_arn = '[{"roleArn": "arn:aws:iam::111111111111:role/Admin"}]'
    return Plan(
        project="demo",
        stack="dev",
        preview=False,
        config={"aws:region": "eu-west-1"},
        resources=[
            _resource(stack, "pulumi:pulumi:Stack", None, custom=False),
            _resource(provider, "pulumi:providers:aws", stack, inputs={"assumeRoles": role_arn}),
            _resource(group, "demo:index:Group", stack, custom=False),
            _resource(
                prefix + "demo:index:Group$aws:sns/topic:Topic::t",
                "aws:sns/topic:Topic",
                group,
                provider=provider + "::id",
                inputs={"region": "us-west-2"},
            ),
            _resource(prefix + "aws:sns/topic:Topic::d", "aws:sns/topic:Topic", stack),
            _resource(prefix + "random:index/randomId:RandomId::r", RANDOM_ID, stack),
        ],
    )


def test_plan_readable_headline_matches_table_totals() -> None:
    out = _rendered(hand_made_plan())
    assert out.splitlines()[0] == (
        "rootguard plan: project demo, stack dev: 6 resources: 1 stack, 2 aws in 2 accounts "
        "and 2 regions, 1 providers, 1 components, 1 other"
    )
    totals = [line.split("│")[-2].strip() for line in out.splitlines() if "│ total" in line]
    assert totals == ["6", "2", "2"]  # by type: every resource of --json, the stack too


def test_plan_readable_names_each_accounts_providers_literally() -> None:
    # Names are shown as they are: '[bold]' is not rich markup here.
    out = _rendered(hand_made_plan())
    rows = {tuple(cell.strip() for cell in line.split("│")[1:-1]) for line in out.splitlines()}
    assert ("111111111111", "[bold]acct", "1") in rows
    assert ("123456789012", "(default)", "1") in rows


def test_plan_marks_resources_on_default_provider(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(PROGRAMS / "basic"), "--stack", "test"]) == 0
    out = capsys.readouterr().out
    assert (
        "on-default-provider  aws:sns/topic:Topic  123456789012 eu-west-1  default provider" in out
    )


def test_plan_missing_project_dir_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    line = one_line_error(capsys, str(tmp_path / "absent"), "--stack", "dev")
    assert "no such directory" in line


def test_plan_missing_pulumi_yaml_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "no Pulumi.yaml" in one_line_error(capsys, str(tmp_path), "--stack", "dev")


def test_plan_unknown_stack_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, str(PROGRAMS / "basic"), "--stack", "prod")
    assert "Pulumi.prod.yaml" in line
    assert "(test)" in line


def test_plan_missing_stack_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["plan", str(PROGRAMS / "basic")])
    assert exc.value.code == 2
    assert "--stack" in capsys.readouterr().err


def test_plan_duplicate_urn_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, str(PROGRAMS / "duplicate"), "--stack", "test")
    assert "urn:pulumi:test::fixture-duplicate::aws:sns/topic:Topic::alerts" in line


def test_plan_program_exception_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, str(PROGRAMS / "failing"), "--stack", "value-error")
    assert line.endswith("program failed: ValueError: threshold must be positive, not -1")


@pytest.mark.skipif(not (REPO / "__main__.py").exists(), reason="the stack program is not here yet")
def test_plan_runs_repo_example_stack(capsys: pytest.CaptureFixture[str]) -> None:
    """What `make preview` runs: this repository's program on Pulumi.dev.yaml."""
    document = plan_json(capsys, str(REPO), "--stack", "dev")
    assert document["project"] == "rootguard"
    types = {r["type"] for r in document["resources"]}
    assert "pulumi:providers:aws" in types
    assert "aws:cfg/recorder:Recorder" in types


# --- where each resource lands, in the JSON and the tree --------------------------------------

PLACEMENT = PROGRAMS / "placement"


def test_plan_json_gives_each_aws_resource_account_and_region(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = plan_json(capsys, str(PLACEMENT), "--stack", "gate")
    by_name = {r["name"]: r for r in document["resources"]}
    # Pulumi.gate.yaml: the default provider pinned to 111111111111, p0 a role chain.
    assert (by_name["home"]["account"], by_name["home"]["region"]) == ("111111111111", "us-east-1")
    assert (by_name["eu"]["account"], by_name["eu"]["region"]) == ("222222222222", "eu-west-1")
    assert by_name["no-region"]["account"] == "222222222222"
    assert by_name["no-region"]["region"] is None  # an explicit provider reads no aws:region
    default = next(r for r in document["resources"] if r["name"].startswith("default_"))
    assert (default["account"], default["region"]) == ("111111111111", "us-east-1")
    stack = document["resources"][0]
    assert (stack["account"], stack["region"]) == (None, None)


def test_plan_readable_cost_explorer_is_global_us_east_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: costs\nruntime: python\n")
    (tmp_path / "Pulumi.eu.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.costexplorer.AnomalyMonitor('services', monitor_type='DIMENSIONAL',"
        " monitor_dimension='SERVICE')\n"
        "aws.sns.Topic('alerts')\n",
        encoding="utf-8",
    )
    assert main(["plan", str(tmp_path), "--stack", "eu"]) == 0
    out = capsys.readouterr().out
    assert "services  aws:costexplorer/anomalyMonitor:AnomalyMonitor  123456789012 us-east-1" in out
    assert "alerts  aws:sns/topic:Topic  123456789012 eu-west-1" in out
