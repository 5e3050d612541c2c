"""`rootguard gate --sarif`: SARIF 2.1.0 structure and what GitHub code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rootguard.gate.analyzer import Violation
from rootguard.gate.runner import GateResult, PackSummary, PolicySummary
from rootguard.gate.sarif import to_sarif
from tests.gate_support import ROOT, urn

SCHEMA = json.loads(
    (Path(__file__).parent / "fixtures" / "sarif" / "sarif-2.1.0-subset.schema.json").read_text()
)
BUCKET = urn("test:index:Bucket", "b1")


@pytest.fixture
def document() -> dict[str, Any]:
    result = GateResult(
        violations=[
            Violation("fixture", "bucket-prefix", BUCKET, "Names.\nThe name must.", "mandatory"),
            Violation("fixture", "bucket-has-log", BUCKET, "Logs.\nA log must.", "advisory"),
            Violation("fixture", "bucket-count", ROOT, "Few.\nAt most 5.", "mandatory"),
            Violation("fixture", "bucket-count", ROOT, "Few.\nAt most 5 again.", "mandatory"),
        ],
        resources=4,
        packs=[
            PackSummary(
                "fixture",
                "1.2.3",
                Path("/packs/fixture"),
                (
                    PolicySummary("bucket-prefix", "Names.", "mandatory", "resource"),
                    PolicySummary("bucket-has-log", "Logs.", "advisory", "stack"),
                    PolicySummary("bucket-count", "Few.", "mandatory", "stack"),
                    PolicySummary("no-public-acl", "Public.", "disabled", "resource"),
                ),
            )
        ],
    )
    return to_sarif(result, artifact_uri="__main__.py", automation_id="rootguard-gate/demo/dev/")


def test_sarif_validates_against_the_2_1_0_schema_subset(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_sarif_one_rule_per_policy_with_levels(document: dict[str, Any]) -> None:
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["defaultConfiguration"]) for r in rules] == [
        ("fixture/bucket-prefix", {"level": "error", "enabled": True}),
        ("fixture/bucket-has-log", {"level": "warning", "enabled": True}),
        ("fixture/bucket-count", {"level": "error", "enabled": True}),
        ("fixture/no-public-acl", {"level": "none", "enabled": False}),
    ]


def test_sarif_results_level_rule_and_urn_as_logical_location(document: dict[str, Any]) -> None:
    results = document["runs"][0]["results"]
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("fixture/bucket-prefix", "error"),
        ("fixture/bucket-has-log", "warning"),
        ("fixture/bucket-count", "error"),
        ("fixture/bucket-count", "error"),
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    logical = results[0]["locations"][0]["logicalLocations"][0]
    assert logical == {"fullyQualifiedName": BUCKET, "name": "b1", "kind": "resource"}
    assert results[0]["message"]["text"] == f"Names. The name must. Resource: {BUCKET}"


def test_sarif_has_what_github_code_scanning_requires(document: dict[str, Any]) -> None:
    # docs.github.com "SARIF support for code scanning": required properties.
    assert document["$schema"] and document["version"] == "2.1.0"
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"]
    for rule in run["tool"]["driver"]["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"]
    for result in run["results"]:
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "__main__.py"
        assert physical["region"]["startLine"] >= 1
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)  # distinct alerts on one line
    assert run["automationDetails"]["id"].endswith("/")  # a category, no run id
