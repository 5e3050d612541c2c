"""The multi-language package: the schema Pulumi's own analyzer infers, offline, and the provider.

The schema is the API every TypeScript, Go, C#, Java or YAML program compiles against: an
input renamed or retyped here breaks them, so the expectations below are spelled out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.provider.experimental.analyzer import (
    Analyzer,
    AnalyzeResult,
    ComponentDefinition,
    PropertyDefinition,
    PropertyType,
)
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import rootguard
from rootguard import components, provider
from tests.conftest import Recorder

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = ROOT / "provider"

STRING, NUMBER, BOOLEAN = PropertyType.STRING, PropertyType.NUMBER, PropertyType.BOOLEAN
INTEGER = PropertyType.INTEGER
ARRAY, OBJECT = PropertyType.ARRAY, PropertyType.OBJECT

# schema name -> (type, item/value type or None, required, plain)
ACCOUNT_BASELINE_INPUTS = {
    "accountId": (STRING, None, True, False),
    "homeRegion": (STRING, None, True, True),
    "regions": (ARRAY, STRING, True, True),
    "recorderMode": (STRING, None, False, True),
    "globalResourcesInAllRegions": (BOOLEAN, None, False, True),
    "recorderName": (STRING, None, False, True),
    "deliveryChannelName": (STRING, None, False, True),
    "keepBucketOnDestroy": (BOOLEAN, None, False, True),
    "alertEmails": (ARRAY, STRING, False, True),
    "thresholdUsd": (NUMBER, None, False, True),
    "costMonitorArn": (STRING, None, False, True),
    "rootAccessKeyCheck": (BOOLEAN, None, False, True),
    "hardwareMfa": (BOOLEAN, None, False, True),
    "ruleFrequency": (STRING, None, False, True),
    "customRule": (BOOLEAN, None, False, True),
    "requireHardwareMfa": (BOOLEAN, None, False, True),
    "rootUseWindowDays": (INTEGER, None, False, True),
    "rootCredentialsManaged": (BOOLEAN, None, False, True),
    "rootSigninAlarm": (BOOLEAN, None, False, True),
    "alarmEmails": (ARRAY, STRING, False, True),
    "alarmOptInRegions": (ARRAY, STRING, False, True),
    "executionRole": (None, None, False, True),  # an object type: ExecutionRoleArgs
}
# schema name -> (type, item/value type or None, always present)
ACCOUNT_BASELINE_OUTPUTS = {
    "recorderNames": (OBJECT, STRING, True),
    "bucketName": (STRING, None, False),
    "ruleNames": (ARRAY, STRING, True),
    "monitorArn": (STRING, None, True),
    "topicArn": (STRING, None, True),
    "customRuleArn": (STRING, None, False),
    "alarmTopicArn": (STRING, None, False),
    "executionRoleArn": (STRING, None, False),
}


@pytest.fixture(scope="module")
def analysis() -> AnalyzeResult:
    return Analyzer(provider.PACKAGE).analyze(provider.hosted_components())


@pytest.fixture(scope="module")
def definitions(analysis: AnalyzeResult) -> dict[str, ComponentDefinition]:
    return analysis["component_definitions"]


def _shape(prop: PropertyDefinition) -> tuple[PropertyType | None, PropertyType | None]:
    inner = prop.items or prop.additional_properties
    return prop.type, inner.type if inner else None


def test_provider_schema_hosts_every_exported_hosted_component(
    definitions: dict[str, ComponentDefinition],
) -> None:
    exported = [name for name in provider.HOSTED if hasattr(components, name)]
    assert "AccountBaseline" in exported
    assert list(definitions) == exported
    for name, definition in definitions.items():
        assert definition.module == getattr(components, name).__module__
        assert definition.description, f"{name} needs a class docstring (its schema description)"


def test_provider_schema_account_baseline_inputs_typed_and_described(
    definitions: dict[str, ComponentDefinition],
) -> None:
    inputs = definitions["AccountBaseline"].inputs
    assert set(inputs) == set(ACCOUNT_BASELINE_INPUTS)
    for name, (type_, inner, required, plain) in ACCOUNT_BASELINE_INPUTS.items():
        prop = inputs[name]
        assert _shape(prop) == (type_, inner), name
        assert prop.optional is not required, name
        assert bool(prop.plain) is plain, name
    assert definitions["AccountBaseline"].inputs_mapping["accountId"] == "account_id"
    assert "12-digit" in (inputs["accountId"].description or "")
    assert inputs["executionRole"].ref == "#/types/rootguard:index:ExecutionRoleArgs"


def test_provider_schema_account_baseline_outputs_typed_and_described(
    definitions: dict[str, ComponentDefinition],
) -> None:
    outputs = definitions["AccountBaseline"].outputs
    assert set(outputs) == set(ACCOUNT_BASELINE_OUTPUTS)
    for name, (type_, inner, always) in ACCOUNT_BASELINE_OUTPUTS.items():
        prop = outputs[name]
        assert _shape(prop) == (type_, inner), name
        assert prop.optional is not always, name
        assert not prop.plain, f"output {name} must not be plain"


def test_provider_schema_every_input_output_and_type_field_has_a_description(
    analysis: AnalyzeResult,
) -> None:
    """Holds for every hosted component, and for nested TypedDicts (schema types) too."""
    fields = [
        (f"{name}.{prop_name}", prop)
        for name, definition in analysis["component_definitions"].items()
        for prop_name, prop in {**definition.inputs, **definition.outputs}.items()
    ] + [
        (f"{name}.{prop_name}", prop)
        for name, type_def in analysis["type_definitions"].items()
        for prop_name, prop in type_def.properties.items()
    ]
    missing = [where for where, prop in fields if not (prop.description or "").strip()]
    assert missing == [], "give each field a docstring line below it"


def test_provider_package_schema_served_as_json() -> None:
    schema = provider.package_schema()
    assert schema["name"] == "rootguard"
    assert schema["version"] == rootguard.__version__
    resource = schema["resources"]["rootguard:index:AccountBaseline"]
    assert resource["isComponent"] is True
    assert resource["requiredInputs"] == ["accountId", "homeRegion", "regions"]
    assert resource["required"] == ["monitorArn", "recorderNames", "ruleNames", "topicArn"]
    assert resource["inputProperties"]["regions"] == {
        "description": "Regions where AWS Config records.",
        "type": "array",
        "items": {
            "description": "Regions where AWS Config records.",
            "type": "string",
            "plain": True,
        },
        "plain": True,
    }
    assert resource["properties"]["topicArn"]["type"] == "string"


def test_provider_construct_registers_component_under_its_own_token(
    pulumi_mocks: Recorder,
) -> None:
    """What a YAML or TypeScript program gets: camelCase inputs in, camelCase state out."""
    state: dict[str, Any] = {}

    def program() -> pulumi.Output[Any]:
        result = provider.component_provider().construct(
            "prod",
            "rootguard:index:AccountBaseline",
            {
                "accountId": "111111111111",
                "homeRegion": "eu-west-1",
                "regions": ["eu-west-1", "us-east-1"],
                "alertEmails": ["secops@example.com"],
                "thresholdUsd": 50,
            },
            pulumi.ResourceOptions(),
        )
        return pulumi.Output.all(urn=result.urn, **result.state).apply(state.update)

    pulumi_mocks.run(program)
    baseline = pulumi_mocks.one("rootguard:account_baseline:AccountBaseline")
    assert state["urn"] == baseline.urn
    # Outputs that are None (here: no execution role was asked for) are left out.
    assert set(state) - {"urn"} == set(ACCOUNT_BASELINE_OUTPUTS) - {"executionRoleArn"}
    assert set(state["recorderNames"]) == {"eu-west-1", "us-east-1"}
    assert state["ruleNames"]
    daily = pulumi_mocks.by_name("prod-cost-alerts-daily")
    assert daily.inputs["thresholdExpression"]["dimension"]["values"] == ["50"]


def test_provider_construct_missing_required_input_names_it(pulumi_mocks: Recorder) -> None:
    with pytest.raises(pulumi.InputPropertyError, match="homeRegion"):
        provider.component_provider().construct(
            "prod",
            "rootguard:index:AccountBaseline",
            {"accountId": "111111111111", "regions": ["eu-west-1"]},
            pulumi.ResourceOptions(),
        )


def test_provider_plugin_manifest_runs_python_from_this_repository() -> None:
    manifest = yaml.safe_load((PLUGIN_DIR / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = [
        line.strip()
        for line in (PLUGIN_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # pip runs in provider/: `..` is the repository root, the rootguard distribution.
    assert requirements == ["-e .."]
    assert (PLUGIN_DIR / requirements[0].split()[-1] / "pyproject.toml").is_file()


def test_provider_entry_point_serves_schema_over_grpc() -> None:
    """As Pulumi's Python language host runs a plugin folder without pyproject.toml:
    `python <folder> <engine address>`; the provider prints its port on stdout."""
    assert not (PLUGIN_DIR / "pyproject.toml").exists(), "the host would run it as a package"
    process = subprocess.Popen(
        [sys.executable, str(PLUGIN_DIR), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
            answer = stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=30)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert info.version == rootguard.__version__
    assert json.loads(answer.schema) == provider.package_schema()
