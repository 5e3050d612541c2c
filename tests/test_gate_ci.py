"""`rootguard gate` as CI meets it: plain lines without a terminal, SARIF lines that point
at the declaring constructor call, one pack version, the program's virtualenv, and a gate
that checked nothing failing with exit 2."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import textwrap
from pathlib import Path

from rootguard.cli import main
from rootguard.gate.analyzer import Violation
from rootguard.gate.runner import GateResult, PackSummary, PolicySummary, print_table

PROGRAMS = Path(__file__).parent / "fixtures" / "policy_programs"
REPO = Path(__file__).parent.parent


def gate(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["gate", *argv])
    return code, out.getvalue(), err.getvalue()


def test_without_a_terminal_each_violation_is_one_full_line() -> None:
    message = "The AWS Config rule must depend on the recorder of its account and region. " * 4
    urn = "urn:pulumi:dev::rootguard::aws:cfg/rule:Rule::prod-root-mfa"
    pack = PackSummary(
        "rootguard", "0.1.0", REPO / "policies", (PolicySummary("x", "", "mandatory", "stack"),)
    )
    result = GateResult(
        [Violation("rootguard", "config-ordering", urn, message, "mandatory")], 5, [pack]
    )
    stream = io.StringIO()  # not a terminal, like a CI log
    print_table(result, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Policy violations (rootguard@v0.1.0):"
    assert (
        lines[1] == f"MANDATORY config-ordering aws:cfg/rule:Rule::prod-root-mfa: {message.strip()}"
    )
    assert lines[2].endswith("the gate fails.")
    assert not any("│" in line or "┃" in line for line in lines)


def test_sarif_results_point_at_the_constructor_call(tmp_path: Path) -> None:
    sarif = tmp_path / "gate.sarif"
    program = PROGRAMS / "config-ordering" / "fail"
    code, _, err = gate(str(program), "--stack", "test", "--sarif", str(sarif))
    assert code == 1, err
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert results
    for result in results:
        location = result["locations"][0]
        urn = location["logicalLocations"][0]["fullyQualifiedName"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        line = location["physicalLocation"]["region"]["startLine"]
        source = (Path.cwd() / uri).read_text().splitlines()[line - 1]
        class_name = urn.split("::")[2].rsplit(":", 1)[-1]
        assert re.search(rf"\b{class_name}\(", source), (urn, uri, line, source)


def test_sarif_results_without_a_source_line_point_at_line_1_of_the_program() -> None:
    from rootguard.gate.sarif import to_sarif

    stack = "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    bucket = "urn:pulumi:dev::demo::aws:s3/bucket:Bucket::logs"
    pack = PackSummary("fixture", "1.0.0", REPO, (PolicySummary("p", "P.", "mandatory", "stack"),))
    violations = [
        Violation("fixture", "p", stack, "The stack must.", "mandatory"),
        Violation("fixture", "p", bucket, "The bucket must.", "mandatory"),
    ]
    document = to_sarif(
        GateResult(violations, 2, [pack]),
        artifact_uri="__main__.py",
        automation_id="rootguard-gate/demo/dev/",
        sources={bucket: ("components/logs.py", 42)},
    )
    places = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in document["runs"][0]["results"]
    ]  # fmt: skip
    assert places == [("__main__.py", 1), ("components/logs.py", 42)]


def test_one_pack_version_in_names_and_messages() -> None:
    code, out, err = gate(
        str(PROGRAMS / "preview-unknowns"), "--stack", "test", "--preview", "--json"
    )
    assert code == 0, err
    messages = [v["message"] for v in json.loads(out)["violations"]]
    assert any("rootguard@v0.1.0" in m for m in messages), messages
    assert not any("@v0.0.1" in m for m in messages)


def test_pack_version_is_the_package_version() -> None:
    import yaml

    from rootguard import __version__

    manifest = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())
    assert str(manifest["version"]) == __version__


def test_a_gate_with_every_policy_disabled_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "off.json"
    config.write_text('{"all": "disabled"}')
    program = str(PROGRAMS / "config-ordering" / "pass")
    code, out, err = gate(program, "--stack", "test", "--policy-pack-config", str(config))
    assert code == 2
    assert err.count("\n") == 1
    assert "no policy ran" in err and "--allow-no-policies" in err
    code, out, _ = gate(
        program, "--stack", "test", "--policy-pack-config", str(config), "--allow-no-policies"
    )
    assert code == 0
    assert "checked by 0 policies" in out


def _program_needing(tmp_path: Path, *, venv: str | None) -> Path:
    project = tmp_path / "needs-module"
    project.mkdir()
    options = f"\n  options:\n    virtualenv: {venv}" if venv else ""
    (project / "Pulumi.yaml").write_text(f"name: needs-module\nruntime:\n  name: python{options}\n")
    (project / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (project / "__main__.py").write_text("import rootguard_test_only_module\n")
    return project


def test_a_missing_module_names_the_fix(tmp_path: Path) -> None:
    project = _program_needing(tmp_path, venv=None)
    code, _, err = gate(str(project), "--stack", "test")
    assert code == 2
    assert "ModuleNotFoundError" in err and "runtime.options.virtualenv" in err
    assert err.count("\n") == 1


def test_the_program_runs_with_its_virtualenv(tmp_path: Path) -> None:
    import sys

    project = _program_needing(tmp_path, venv="venv")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    code, _, err = gate(str(project), "--stack", "test")
    assert code == 2 and "does not exist" in err  # named but not created yet
    site = project / "venv" / "lib" / version / "site-packages"
    site.mkdir(parents=True)
    (site / "rootguard_test_only_module.py").write_text(
        textwrap.dedent(
            """\
            import pulumi_aws as aws
            aws.cfg.Recorder("recorder", role_arn="arn:aws:iam::123456789012:role/config")
            """
        )
    )
    code, out, err = gate(str(project), "--stack", "test", "--json")
    assert code == 1, err  # planned, and the pack found what is missing
    assert json.loads(out)["resources"] == 3  # the stack, the default provider, the recorder
    shutil.rmtree(project)
