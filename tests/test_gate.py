"""rootguard gate: hand-built plans through real pack processes (tests/fixtures/packs).

The `fixture` pack (packs/recorder) writes every call it receives to GATE_TEST_RECORD,
so these tests see the conversation from the pack's side, as the engine's would be seen.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.errors import UsageError
from rootguard.gate import analyzer
from rootguard.gate import runner as gate
from rootguard.gate.analyzer import ENGINE_ADDRESS, Violation
from rootguard.gate.runner import GateResult, run_gate
from tests.gate_support import (
    PACKS,
    PROJECT,
    PROVIDER,
    RECORDER,
    ROOT,
    SECOND,
    STACK,
    UNKNOWN,
    Plan,
    bucket,
    calls,
    fake_engine,
    make_plan,
    pack_pids,
    process_gone,
    read_record,
    urn,
)

LOG = urn("test:index:Log", "log")


@pytest.fixture
def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "record.jsonl"
    monkeypatch.setenv("GATE_TEST_RECORD", str(path))
    return path


def _requests(record: Path, call: str) -> list[dict[str, Any]]:
    return [e["request"] for e in read_record(record) if e["call"] == call]


def _config_file(tmp_path: Path, content: Any, name: str = "cfg.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _policies(result: GateResult) -> list[tuple[str, str]]:
    return [(v.policy, v.level) for v in result.violations]


def good_bucket(name: str = "b1") -> Any:
    return bucket(name, f"ok-{name}", dependencies=[LOG])


# --- the conversation: one run, looked at from the pack's side --------------------------------
CONFIG = {"demo:team": "platform", "aws:region": "us-east-1"}
RICH = bucket(
    "b1",
    "ok-b1",
    inputs={"tags": {"team": "x"}},
    dependencies=[LOG],
    property_dependencies={"bucket": [LOG], "acl": []},
)
RICH.outputs = {"bucket": "ok-b1", "tags": {"team": "x"}, "arn": "arn:aws:s3:::ok-b1"}


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, list[dict[str, Any]]]:
    path = tmp_path_factory.mktemp("conversation") / "record.jsonl"
    plan = make_plan(RICH, bucket("b2", "ok-b2", dependencies=[LOG]), preview=True, config=CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATE_TEST_RECORD", str(path))
        run_gate(plan, [RECORDER])
    return plan, read_record(path)


def _sent(entries: list[dict[str, Any]], call: str) -> list[dict[str, Any]]:
    return [e["request"] for e in entries if e["call"] == call]


def test_gate_calls_the_pack_in_the_engines_order(conversation: Any) -> None:
    plan, entries = conversation
    assert [e["call"] for e in entries] == [
        "start",
        "Handshake",
        "ConfigureStack",
        "GetPluginInfo",
        "GetAnalyzerInfo",
        "Configure",
        *["Analyze"] * len(plan.resources),
        "AnalyzeStack",
    ]
    assert [r["urn"] for r in _sent(entries, "Analyze")] == [r.urn for r in plan.resources]


def test_gate_starts_the_pack_like_the_shim(conversation: Any) -> None:
    _, entries = conversation
    start = entries[0]
    assert Path(start["cwd"]) == RECORDER.resolve()
    assert start["argv"][-2:] == [ENGINE_ADDRESS, "."]
    assert start["env"] == {
        "PULUMI_CONFIG": json.dumps(CONFIG),
        "PULUMI_ORGANIZATION": "organization",
        "PULUMI_PROJECT": PROJECT,
        "PULUMI_STACK": STACK,
        "PULUMI_DRY_RUN": "true",
    }


def test_gate_handshake_and_configure_stack_describe_pack_and_stack(conversation: Any) -> None:
    _, entries = conversation
    assert _sent(entries, "Handshake") == [
        {
            "engineAddress": ENGINE_ADDRESS,
            "rootDirectory": str(RECORDER.resolve()),
            "programDirectory": str(RECORDER.resolve()),
        }
    ]
    assert _sent(entries, "ConfigureStack") == [
        {
            "stack": STACK,
            "project": PROJECT,
            "organization": "organization",
            "dryRun": True,
            "config": CONFIG,
        }
    ]


def test_gate_configure_sends_every_policy_with_level_and_defaults(conversation: Any) -> None:
    _, entries = conversation
    assert _sent(entries, "Configure") == [
        {
            "policyConfig": {
                "bucket-prefix": {"enforcementLevel": "MANDATORY", "properties": {"prefix": "ok-"}},
                "bucket-count": {"enforcementLevel": "MANDATORY", "properties": {"max": 5.0}},
                "no-public-acl": {},  # ADVISORY is proto3's zero value: not printed
                "bucket-has-log": {},
            }
        }
    ]


def test_gate_analyze_requests_carry_inputs_options_and_provider(conversation: Any) -> None:
    _, entries = conversation
    by_urn = {r["urn"]: r for r in _sent(entries, "Analyze")}
    request = by_urn[RICH.urn]
    assert request["type"] == "test:index:Bucket"
    assert request["name"] == "b1"
    assert request["properties"] == {"bucket": "ok-b1", "tags": {"team": "x"}}
    assert request["options"]["parent"] == ROOT
    assert request["provider"] == {
        "type": "pulumi:providers:test",
        "properties": {"region": "eu-west-1", "version": "1.0.0"},
        "urn": PROVIDER,
        "name": "prov",
    }
    assert "dependencies" not in request  # the engine sends none to Analyze
    assert "provider" not in by_urn[ROOT]


def test_gate_analyze_stack_carries_outputs_parents_and_dependencies(conversation: Any) -> None:
    plan, entries = conversation
    [stack] = _sent(entries, "AnalyzeStack")
    assert [r["urn"] for r in stack["resources"]] == [r.urn for r in plan.resources]
    sent = next(r for r in stack["resources"] if r["urn"] == RICH.urn)
    assert sent["properties"] == RICH.outputs
    assert sent["parent"] == ROOT
    assert sent["dependencies"] == [LOG]
    assert sent["propertyDependencies"] == {"bucket": {"urns": [LOG]}}
    assert "parent" not in sent["options"]
    assert sent["provider"]["urn"] == PROVIDER


def test_gate_without_config_sends_no_pulumi_config(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", '{"leaked:key": "x"}')
    run_gate(make_plan(config={}), [RECORDER])
    env = read_record(record)[0]["env"]
    assert "PULUMI_CONFIG" not in env
    assert env["PULUMI_DRY_RUN"] == "false"


def test_gate_falls_back_when_configure_stack_is_unimplemented(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_TEST_NO_CONFIGURE_STACK", "1")
    result = run_gate(make_plan(bucket("b1", "bad", dependencies=[LOG])), [RECORDER])
    assert "ConfigureStack" in calls(record)
    assert _policies(result) == [("bucket-prefix", "mandatory")]


# --- results ---------------------------------------------------------------------------------
def test_gate_clean_plan_passes_with_counts(record: Path) -> None:
    result = run_gate(make_plan(good_bucket()), [RECORDER])
    assert result.violations == []
    assert (result.resources, result.policies, result.exit_code) == (4, 4, 0)
    assert result.to_json() == {"violations": [], "resources": 4, "policies": 4}


def test_gate_mandatory_violation_exits_1_and_names_resource(record: Path) -> None:
    b = bucket("b1", "bad-name", dependencies=[LOG])
    result = run_gate(make_plan(b), [RECORDER])
    assert result.exit_code == 1
    [violation] = result.violations
    assert violation.to_json() == {
        "policyPack": "fixture",
        "policy": "bucket-prefix",
        "urn": b.urn,
        "message": "Bucket names carry the agreed prefix.\nThe bucket name must start with 'ok-'.",
        "enforcementLevel": "mandatory",
    }
    assert violation.pack_version == "1.2.3"  # PulumiPolicy.yaml's version


def test_gate_advisory_violations_only_exit_0(record: Path) -> None:
    b = bucket("b1", "ok-b1", inputs={"acl": "public-read"})  # no log dependency either
    result = run_gate(make_plan(b), [RECORDER])
    assert _policies(result) == [("no-public-acl", "advisory"), ("bucket-has-log", "advisory")]
    assert result.exit_code == 0


def test_gate_stack_violation_without_urn_lands_on_root_stack(record: Path) -> None:
    buckets = [good_bucket(f"b{i}") for i in range(6)]  # bucket-count max defaults to 5
    result = run_gate(make_plan(*buckets), [RECORDER])
    [violation] = result.violations
    assert (violation.policy, violation.urn, violation.level) == ("bucket-count", ROOT, "mandatory")


def test_gate_unknowns_in_preview_give_advisory_cant_know(record: Path) -> None:
    b = bucket("b1", UNKNOWN, dependencies=[LOG])
    result = run_gate(make_plan(b, preview=True), [RECORDER])
    assert _requests(record, "Analyze")[-1]["properties"] == {"bucket": UNKNOWN}
    [violation] = result.violations
    assert (violation.policy, violation.level, violation.urn) == (
        "bucket-prefix",
        "advisory",
        b.urn,
    )
    assert "can't be known during preview" in violation.message
    assert result.exit_code == 0


def test_gate_secrets_reach_the_pack_unwrapped_by_it(record: Path) -> None:
    secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": "bad",
    }
    result = run_gate(make_plan(bucket("b1", secret, dependencies=[LOG])), [RECORDER])
    assert _requests(record, "Analyze")[-1]["properties"]["bucket"] == secret
    assert _policies(result) == [("bucket-prefix", "mandatory")]


# --- --policy-pack-config --------------------------------------------------------------------
def test_gate_config_file_sets_levels_and_values(record: Path, tmp_path: Path) -> None:
    config = _config_file(
        tmp_path,
        {
            "bucket-prefix": {"prefix": "team-"},
            "bucket-count": {"enforcementLevel": "advisory", "max": 0},
            "no-public-acl": "mandatory",
        },
    )
    plan = make_plan(bucket("b1", "team-b1", inputs={"acl": "public-read"}, dependencies=[LOG]))
    result = run_gate(plan, [RECORDER], [config])
    [configure] = _requests(record, "Configure")
    assert configure["policyConfig"]["bucket-prefix"] == {
        "enforcementLevel": "MANDATORY",
        "properties": {"prefix": "team-"},
    }
    assert configure["policyConfig"]["bucket-count"] == {
        "properties": {"max": 0.0},  # ADVISORY is proto3's zero value: not printed
    }
    assert configure["policyConfig"]["no-public-acl"] == {"enforcementLevel": "MANDATORY"}
    assert sorted(_policies(result)) == [
        ("bucket-count", "advisory"),
        ("no-public-acl", "mandatory"),
    ]


def test_gate_disabled_policy_is_silenced(record: Path, tmp_path: Path) -> None:
    config = _config_file(tmp_path, {"bucket-prefix": "disabled"})
    result = run_gate(make_plan(bucket("b1", "bad", dependencies=[LOG])), [RECORDER], [config])
    assert result.violations == []
    assert result.policies == 3
    assert _requests(record, "Configure")[0]["policyConfig"]["bucket-prefix"] == {
        "enforcementLevel": "DISABLED",
        "properties": {"prefix": "ok-"},  # the schema default is still sent, as by the engine
    }


def test_gate_all_relevels_every_policy(record: Path, tmp_path: Path) -> None:
    config = _config_file(tmp_path, {"all": "advisory"})
    result = run_gate(make_plan(bucket("b1", "bad", dependencies=[LOG])), [RECORDER], [config])
    assert _policies(result) == [("bucket-prefix", "advisory")]
    assert result.exit_code == 0


def test_gate_bad_json_config_fails_before_any_pack_starts(record: Path, tmp_path: Path) -> None:
    config = _config_file(tmp_path, "{nope")
    with pytest.raises(UsageError, match="invalid JSON"):
        run_gate(make_plan(), [RECORDER], [config])
    assert calls(record) == []


def test_gate_config_count_must_match_packs(tmp_path: Path) -> None:
    config = _config_file(tmp_path, {})
    with pytest.raises(UsageError, match="given 2 time"):
        run_gate(make_plan(), [RECORDER], [config, config])


# --- several packs, remediation --------------------------------------------------------------
def test_gate_several_packs_are_several_processes(record: Path) -> None:
    plan = make_plan(bucket("b1", "bad", dependencies=[LOG]))
    result = run_gate(plan, [RECORDER, SECOND])
    assert len(pack_pids(record)) == 1  # only `fixture` records; `second` ran too:
    assert sorted((v.policy_pack, v.policy, v.level) for v in result.violations) == [
        ("fixture", "bucket-prefix", "mandatory"),
        ("second", "owner-tag", "mandatory"),
        # initial config {"limit": 1} without a level: advisory, as in the engine
        ("second", "stack-size", "advisory"),
    ]
    assert [(p.name, p.version) for p in result.packs] == [
        ("fixture", "1.2.3"),
        ("second", "0.9.0"),
    ]
    assert result.policies == 6


def test_gate_remediate_level_runs_remediate_before_analyze(record: Path, tmp_path: Path) -> None:
    config = _config_file(tmp_path, {"owner-tag": "remediate", "stack-size": "disabled"})
    plan = make_plan(bucket("b1", "ok-b1", dependencies=[LOG]))
    result = run_gate(plan, [RECORDER, SECOND], [None, config])
    assert result.violations == []
    remedies = [r for r in result.remediations if r.properties is not None]
    assert [(r.policy, r.urn) for r in remedies] == [("owner-tag", plan.resources[-1].urn)]
    # the other pack analyzed the remediated inputs, as the engine would have it
    assert _requests(record, "Analyze")[-1]["properties"]["tags"] == {"owner": "platform"}
    assert "Remediate" not in calls(record)  # `fixture` has no policy at level remediate


# --- process lifetime ------------------------------------------------------------------------
def test_gate_pack_process_gone_after_success(record: Path) -> None:
    run_gate(make_plan(good_bucket()), [RECORDER])
    [pid] = pack_pids(record)
    assert process_gone(pid)


def test_gate_pack_crash_in_validator_is_one_line_and_process_gone(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_TEST_RAISE", "b1")
    with pytest.raises(UsageError) as err:
        run_gate(make_plan(good_bucket("b1")), [RECORDER])
    message = str(err.value)
    assert "\n" not in message
    assert "policy pack 'fixture'" in message
    assert f"failed in Analyze of {urn('test:index:Bucket', 'b1')}" in message
    assert "validator crashed on purpose" in message
    [pid] = pack_pids(record)
    assert process_gone(pid)


def test_gate_pack_process_gone_after_keyboard_interrupt(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: analyzer.AnalyzerSession, request: Any) -> list[Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(analyzer.AnalyzerSession, "analyze", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_gate(make_plan(good_bucket()), [RECORDER])
    [pid] = pack_pids(record)
    assert process_gone(pid)
    assert not analyzer._LIVE


def test_gate_pack_that_dies_at_start_is_one_line(record: Path) -> None:
    with pytest.raises(UsageError) as err:
        run_gate(make_plan(), [PACKS / "broken"])
    assert "exited before printing its port" in str(err.value)
    assert "missing module 'policies_lib'" in str(err.value)
    assert "\n" not in str(err.value)


def test_gate_pack_without_port_times_out_and_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    spawn = analyzer.PackProcess.spawn

    def spawn_and_note(self: analyzer.PackProcess) -> None:
        spawn(self)
        pids.append(self.pid)

    monkeypatch.setattr(analyzer.PackProcess, "spawn", spawn_and_note)
    monkeypatch.setattr(analyzer, "STARTUP_TIMEOUT_S", 1.0)
    with pytest.raises(UsageError, match="printed no port within 1 s"):
        run_gate(make_plan(), [PACKS / "silent"])
    [pid] = pids
    assert process_gone(pid)


def test_gate_nodejs_pack_is_rejected_before_start() -> None:
    with pytest.raises(UsageError, match="expected 'python'"):
        run_gate(make_plan(), [PACKS / "nodejs"])


# --- the command line, with rootguard.engine.program stubbed ------------------------------------
@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A stand-in `rootguard.engine.program` whose run_program returns `state["plan"]`."""
    state: dict[str, Any] = {"plan": make_plan(good_bucket()), "calls": []}

    module = fake_engine(state)
    monkeypatch.setitem(sys.modules, "rootguard.engine.program", module)
    return state


def test_cli_gate_json_contract_and_exit_1(
    engine: dict[str, Any], record: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    engine["plan"] = make_plan(bucket("b1", "bad", dependencies=[LOG]))
    code = main(
        [
            "gate",
            str(tmp_path),
            "--stack",
            "dev",
            "--policy-pack",
            str(RECORDER),
            "--json",
            "--preview",
        ]
    )
    assert code == 1
    assert engine["calls"] == [(tmp_path, "dev", True)]
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"violations", "resources", "policies"}
    assert out["resources"] == 4 and out["policies"] == 4
    assert [set(v) for v in out["violations"]] == [
        {"policyPack", "policy", "urn", "message", "enforcementLevel"}
    ]


def test_cli_gate_table_when_clean_exit_0(
    engine: dict[str, Any], record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["gate", "--stack", "dev", "--policy-pack", str(RECORDER)])
    assert code == 0
    out = capsys.readouterr().out
    assert "No policy violations: 4 resources checked by 4 policies (fixture@v1.2.3)." in out


def test_cli_gate_table_lists_violations(
    engine: dict[str, Any], record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine["plan"] = make_plan(bucket("b1", "bad", inputs={"acl": "public-read"}))
    assert main(["gate", "--stack", "dev", "--policy-pack", str(RECORDER)]) == 1
    out = capsys.readouterr().out
    for text in ("bucket-prefix", "no-public-acl", "bucket-has-log", "mandatory", "advisory"):
        assert text in out
    assert "1 mandatory, 2 advisory violation(s)" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "invalid JSON"),
        ({"nope": "disabled"}, "unknown policy 'nope'"),
        ({"bucket-count": {"max": "ten"}}, "bucket-count.max: 'ten' is not of type 'integer'"),
    ],
)
def test_cli_gate_bad_config_exit_2_one_line(
    engine: dict[str, Any],
    record: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: Any,
    expected: str,
) -> None:
    config = _config_file(tmp_path, content)
    args = [
        "gate",
        "--stack",
        "dev",
        "--policy-pack",
        str(RECORDER),
        "--policy-pack-config",
        str(config),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("rootguard gate: error: --policy-pack-config")
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert engine["calls"] == []  # reported before the program ran
    assert all(process_gone(pid) for pid in pack_pids(record))


def test_cli_gate_missing_pack_dir_exit_2(
    engine: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gate", "--stack", "dev", "--policy-pack", str(tmp_path / "none")]) == 2
    assert "no PulumiPolicy.yaml" in capsys.readouterr().err
    assert engine["calls"] == []  # checked before planning


def test_cli_gate_writes_sarif(
    engine: dict[str, Any], record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: app/\n")
    monkeypatch.chdir(tmp_path)
    engine["plan"] = make_plan(bucket("b1", "bad", dependencies=[LOG]))
    sarif = tmp_path / "out" / "results.sarif"
    sarif.parent.mkdir()
    args = ["gate", ".", "--stack", "dev", "--policy-pack", str(RECORDER), "--sarif", str(sarif)]
    assert main(args) == 1
    document = json.loads(sarif.read_text())
    [result] = document["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "app/__main__.py"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == urn("test:index:Bucket", "b1")
    assert document["runs"][0]["automationDetails"]["id"] == f"rootguard-gate/{PROJECT}/{STACK}/"


def test_default_policy_pack_is_the_repos_policies_dir() -> None:
    repo_pack = Path(__file__).resolve().parent.parent / "policies"
    assert gate.default_policy_pack() == repo_pack


def test_default_policy_pack_missing_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_module = tmp_path / "rootguard" / "gate" / "runner.py"
    monkeypatch.setattr(gate, "__file__", str(fake_module))
    with pytest.raises(UsageError, match="pass --policy-pack DIR"):
        gate.default_policy_pack()


# --- signals: the real command line in a child process ---------------------------------------
_CHILD = textwrap.dedent(
    """
    import sys, types
    sys.path.insert(0, {tests!r})
    import tests.gate_support as s
    plan = s.make_plan(s.bucket("b1", "ok-b1"))
    sys.modules["rootguard.engine.program"] = s.fake_engine({{"plan": plan}})
    from rootguard.cli import main
    sys.exit(main(["gate", "--stack", "dev", "--policy-pack", {pack!r}]))
    """
)


def _start_gate_child(record: Path) -> tuple[subprocess.Popen[bytes], int]:
    env = {**os.environ, "GATE_TEST_RECORD": str(record), "GATE_TEST_SLOW_ANALYZE": "30"}
    code = _CHILD.format(tests=str(Path(__file__).parent), pack=str(RECORDER))
    # A shell's background job starts with SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler: give the child the disposition a terminal's Ctrl-C meets.
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while "Analyze" not in calls(record):  # the pack is now busy in its first Analyze
        assert time.monotonic() < deadline, "the pack never got an Analyze call"
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)
    [pid] = pack_pids(record)
    return child, pid


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(
    ("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM)]
)
def test_gate_signal_stops_the_pack(tmp_path: Path, signum: int, exit_code: int) -> None:
    child, pid = _start_gate_child(tmp_path / "record.jsonl")
    child.send_signal(signum)
    _, err = child.communicate(timeout=20)
    assert child.returncode == exit_code, err
    assert process_gone(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_gate_sigkill_still_stops_the_pack(tmp_path: Path) -> None:
    child, pid = _start_gate_child(tmp_path / "record.jsonl")
    child.kill()
    child.communicate(timeout=20)
    assert process_gone(pid, wait_s=10)


def test_print_table_shows_brackets_in_messages_literally(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = GateResult(
        violations=[
            Violation(
                "p", "q", ROOT, "The [bold]rule[/bold] must depend on [recorder].", "advisory"
            )
        ],
        resources=1,
        packs=[],
    )
    gate.print_table(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "[bold]rule[/bold]" in out
    assert "0 mandatory, 1 advisory violation(s)" in out
