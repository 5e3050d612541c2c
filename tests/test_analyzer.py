"""rootguard.gate.analyzer without processes: config files, reconciliation, wire form, requests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from rootguard.errors import UsageError
from rootguard.gate.analyzer import (
    ENGINE_ADDRESS,
    OUTPUT_VALUE_SIG,
    RESOURCE_REFERENCE_SIG,
    AnalyzerInfo,
    PackConfig,
    PolicyConfig,
    PolicyInfo,
    PolicyPackProject,
    RequestBuilder,
    analyzer_info_from_proto,
    parse_pack_config,
    reconcile_config,
    split_provider_reference,
    to_analyzer_value,
    urn_name,
    urn_type,
)
from tests.gate_support import (
    PROVIDER,
    PROVIDER_REF,
    RECORDER,
    ROOT,
    SECRET_SIG,
    SIG,
    UNKNOWN,
    bucket,
    resource,
    urn,
)

SOURCE = "--policy-pack-config cfg.json"


def _one_line(err: pytest.ExceptionInfo[UsageError]) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


# --- --policy-pack-config parsing (the CLI's parsePolicyPackConfig) --------------------------
def test_parse_pack_config_level_string_and_object_split_level_from_properties() -> None:
    config = parse_pack_config(
        json.dumps({"a": "disabled", "b": {"enforcementLevel": "advisory", "max": 3}, "c": {}}),
        SOURCE,
    )
    assert config.policies == {
        "a": PolicyConfig("disabled", {}),
        "b": PolicyConfig("advisory", {"max": 3}),
    }  # "c" says nothing: dropped, as the CLI does


def test_parse_pack_config_empty_file_is_no_config() -> None:
    assert parse_pack_config("  \n", SOURCE).policies == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "mandatory",}', "cfg.json: invalid JSON: Expecting property name"),
        ('["a"]', "expected a JSON object mapping policy names"),
        ('{"a": "blocking"}', "a: enforcement level 'blocking' is not one of advisory, mandatory"),
        ('{"a": {"enforcementLevel": 1}}', "a.enforcementLevel: 1 is not a string"),
        ('{"a": 5}', "a: 5 is not valid; expected an enforcement level string or an object"),
    ],
)
def test_parse_pack_config_bad_file_one_line_error(text: str, expected: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_pack_config(text, SOURCE)
    assert expected in _one_line(err)
    assert _one_line(err).startswith(SOURCE)


def test_parse_pack_config_bad_json_names_line_and_column() -> None:
    with pytest.raises(UsageError) as err:
        parse_pack_config('{\n  "a": nope\n}', SOURCE)
    assert "line 2 column 8" in _one_line(err)


# --- reconciliation (the engine's ReconcilePolicyPackConfig) ---------------------------------
def _info(initial: dict[str, PolicyConfig] | None = None) -> AnalyzerInfo:
    schema = {
        "type": "object",
        "properties": {
            "max": {"type": "integer", "minimum": 0, "default": 5},
            "names": {"type": "array", "items": {"type": "string"}},
        },
    }
    return AnalyzerInfo(
        name="fixture",
        version="1.0.0",
        supports_config=True,
        policies=(
            PolicyInfo("count", "Few things.", "mandatory", "stack", schema),
            PolicyInfo("plain", "Plain.", "advisory", "resource", {"type": "object"}),
            PolicyInfo(
                "needs",
                "Needs a knob.",
                "mandatory",
                "resource",
                {
                    "type": "object",
                    "properties": {"knob": {"type": "string"}},
                    "required": ["knob"],
                },
            ),
        ),
        initial_config=initial or {"needs": PolicyConfig("mandatory", {"knob": "x"})},
    )


def test_reconcile_defaults_then_initial_then_file() -> None:
    given = PackConfig(SOURCE, {"count": PolicyConfig(None, {"names": ["a"]})})
    result = reconcile_config(_info(), given)
    assert result["count"] == PolicyConfig("mandatory", {"max": 5, "names": ["a"]})
    assert result["needs"] == PolicyConfig("mandatory", {"knob": "x"})
    assert result["plain"] == PolicyConfig("advisory", {})


def test_reconcile_file_overrides_level_and_value() -> None:
    given = PackConfig(SOURCE, {"count": PolicyConfig("advisory", {"max": 0})})
    assert reconcile_config(_info(), given)["count"] == PolicyConfig("advisory", {"max": 0})


def test_reconcile_all_sets_every_level_then_names_win() -> None:
    given = PackConfig(
        SOURCE, {"all": PolicyConfig("disabled", {}), "plain": PolicyConfig("mandatory", {})}
    )
    levels = {name: cfg.level for name, cfg in reconcile_config(_info(), given).items()}
    assert levels == {"count": "disabled", "needs": "disabled", "plain": "mandatory"}


def test_reconcile_unknown_policy_names_pack_and_choices() -> None:
    given = PackConfig(SOURCE, {"cuont": PolicyConfig("disabled", {})})
    with pytest.raises(UsageError) as err:
        reconcile_config(_info(), given)
    assert _one_line(err) == (
        f"{SOURCE}: unknown policy 'cuont' in policy pack 'fixture'; "
        "expected one of: count, needs, plain (or 'all')"
    )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"max": "ten"}, "count.max: 'ten' is not of type 'integer'"),
        ({"max": -1}, "count.max: -1 is less than the minimum of 0"),
        ({"names": ["a", 2]}, "count.names[1]: 2 is not of type 'string'"),
    ],
)
def test_reconcile_wrong_type_names_policy_path_and_problem(
    props: dict[str, Any], expected: str
) -> None:
    given = PackConfig(SOURCE, {"count": PolicyConfig(None, props)})
    with pytest.raises(UsageError) as err:
        reconcile_config(_info(), given)
    assert _one_line(err) == f"{SOURCE}: {expected}"


def test_reconcile_required_property_missing_is_an_error() -> None:
    info = _info(initial={"count": PolicyConfig("mandatory", {})})
    with pytest.raises(UsageError) as err:
        reconcile_config(info, None)
    assert "needs: 'knob' is a required property" in _one_line(err)


def test_analyzer_info_initial_config_without_level_reads_as_advisory() -> None:
    # Engine parity: proto3 cannot tell an unset level from ADVISORY (0).
    response = analyzer_pb2.AnalyzerInfo(name="p", version="0.0.1", supportsConfig=True)
    policy = response.policies.add(name="q", enforcementLevel=analyzer_pb2.MANDATORY)
    policy.configSchema.properties.update({"limit": {"type": "integer"}})
    response.initialConfig["q"].properties.update({"limit": 1})
    info = analyzer_info_from_proto(response, manifest_version="2.0.0")
    assert info.version == "2.0.0"  # PulumiPolicy.yaml's version wins
    assert info.policies[0].schema == {
        "type": "object",
        "properties": {"limit": {"type": "integer"}},
    }
    assert reconcile_config(info, None)["q"] == PolicyConfig("advisory", {"limit": 1})


# --- wire form for analyzers -----------------------------------------------------------------
def test_to_analyzer_value_keeps_unknowns_and_secrets() -> None:
    wire = {"a": UNKNOWN, "s": {SIG: SECRET_SIG, "value": UNKNOWN}, "l": [UNKNOWN, 1]}
    assert to_analyzer_value(wire) == wire


def test_to_analyzer_value_downgrades_resource_references_like_the_engine() -> None:
    custom = {SIG: RESOURCE_REFERENCE_SIG, "urn": "urn:x", "id": "i-123", "packageVersion": "7"}
    unknown_id = {SIG: RESOURCE_REFERENCE_SIG, "urn": "urn:x", "id": ""}
    component = {SIG: RESOURCE_REFERENCE_SIG, "urn": "urn:comp"}
    assert to_analyzer_value([custom, unknown_id, component]) == ["i-123", UNKNOWN, "urn:comp"]


def test_to_analyzer_value_unwraps_output_values() -> None:
    known = {SIG: OUTPUT_VALUE_SIG, "value": "v", "dependencies": ["urn:d"]}
    secret = {SIG: OUTPUT_VALUE_SIG, "value": "v", "secret": True}
    unknown = {SIG: OUTPUT_VALUE_SIG, "dependencies": ["urn:d"]}
    assert to_analyzer_value([known, secret, unknown]) == [
        "v",
        {SIG: SECRET_SIG, "value": "v"},
        UNKNOWN,
    ]


def test_to_analyzer_value_drops_internal_keys_at_every_level() -> None:
    wire = {"__defaults": ["a"], "a": {"__meta": 1, "b": 2}}
    assert to_analyzer_value(wire) == {"a": {"b": 2}}


def test_urn_helpers_follow_the_engine() -> None:
    nested = "urn:pulumi:dev::demo::my:comp:Comp$aws:s3/bucket:Bucket::name::with::colons"
    assert urn_name(nested) == "name::with::colons"
    assert urn_type(nested) == "aws:s3/bucket:Bucket"
    assert split_provider_reference(PROVIDER_REF) == (PROVIDER, "prov-id-1")


# --- requests --------------------------------------------------------------------------------
def test_analyze_request_has_inputs_parent_and_provider_but_no_dependencies() -> None:
    log = resource("test:index:Log", "log")
    provider = resource("pulumi:providers:test", "prov", {"region": "eu-west-1"}, provider=None)
    provider.urn = PROVIDER
    b = bucket("b", "ok-1", dependencies=[log.urn], property_dependencies={"bucket": [log.urn]})
    request = RequestBuilder([provider, log, b]).analyze(b)
    as_dict = json_format.MessageToDict(request)
    assert as_dict["properties"] == {"bucket": "ok-1"}
    assert as_dict["options"]["parent"] == ROOT
    assert as_dict["provider"] == {
        "type": "pulumi:providers:test",
        "properties": {"region": "eu-west-1"},
        "urn": PROVIDER,
        "name": "prov",
    }
    assert "dependencies" not in as_dict


def test_analyze_request_provider_missing_from_plan_named_from_urn() -> None:
    default = "urn:pulumi:dev::demo::pulumi:providers:aws::default_7_0_0"
    b = bucket("b", "ok-1", provider=f"{default}::04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    provider = RequestBuilder([b]).analyze(b).provider
    assert (provider.type, provider.name, provider.urn) == (
        "pulumi:providers:aws",
        "default_7_0_0",
        default,
    )


def test_stack_resource_has_outputs_parent_beside_options_and_nonempty_prop_deps() -> None:
    log = resource("test:index:Log", "log")
    b = bucket(
        "b",
        "ok-1",
        dependencies=[log.urn],
        property_dependencies={"bucket": [log.urn], "acl": []},
    )
    b.outputs = {"bucket": "ok-1", "arn": "arn:aws:s3:::ok-1"}
    as_dict = json_format.MessageToDict(RequestBuilder([log, b]).stack_resource(b, b.outputs))
    assert as_dict["properties"] == {"bucket": "ok-1", "arn": "arn:aws:s3:::ok-1"}
    assert as_dict["parent"] == ROOT
    assert "parent" not in as_dict["options"]
    assert as_dict["dependencies"] == [log.urn]
    assert as_dict["propertyDependencies"] == {"bucket": {"urns": [log.urn]}}


def test_options_forward_extra_fields_when_the_plan_has_them() -> None:
    b = bucket("b", "ok-1")
    b.protect = True  # type: ignore[attr-defined]
    b.aliases = [urn("test:index:Bucket", "old")]  # type: ignore[attr-defined]
    options = RequestBuilder([b]).options(b, with_parent=True)
    assert options.protect is True
    assert list(options.aliases) == [urn("test:index:Bucket", "old")]
    assert options.deleteBeforeReplaceDefined is False


# --- PulumiPolicy.yaml -----------------------------------------------------------------------
def test_policy_pack_project_command_is_the_shims(tmp_path: Path) -> None:
    project = PolicyPackProject.load(RECORDER)
    assert project.version == "1.2.3"
    assert project.command() == [sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."]


def test_policy_pack_project_uses_its_virtualenv_when_built(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert PolicyPackProject.load(tmp_path).command()[0] == str(python)


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (None, "no PulumiPolicy.yaml in"),
        ("runtime: nodejs\n", "runtime 'nodejs' in PulumiPolicy.yaml; expected 'python'"),
        ("runtime: [python\n", "cannot read PulumiPolicy.yaml"),
    ],
)
def test_policy_pack_project_rejects_what_it_cannot_run(
    tmp_path: Path, manifest: str | None, expected: str
) -> None:
    if manifest is not None:
        (tmp_path / "PulumiPolicy.yaml").write_text(manifest)
    with pytest.raises(UsageError) as err:
        PolicyPackProject.load(tmp_path)
    assert expected in _one_line(err)
