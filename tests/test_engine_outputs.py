"""Class 8: the mock engine answers in the provider's output types, read from the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi_aws  # noqa: F401  (registers the aws resource modules the types come from)

from rootguard.engine.outputs import conform, conform_outputs, output_types
from rootguard.engine.placement import SECRET_SIG, SIG_KEY, UNKNOWN
from rootguard.engine.program import run_program

DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}


def test_outputs_types_come_from_the_installed_sdk() -> None:
    types = output_types("aws:iam/role:Role")
    assert types["assumeRolePolicy"] is str
    assert "inlinePolicies" in types and "arn" in types
    assert output_types("rootguard:config_recorder:ConfigRecorder") == {}
    assert output_types("not-a-token") == {}


def test_outputs_document_object_becomes_json_text() -> None:
    outputs = conform_outputs("aws:iam/policy:Policy", {"policy": DOCUMENT, "name": "p"})
    assert json.loads(outputs["policy"]) == DOCUMENT
    assert outputs["name"] == "p"


def test_outputs_nested_output_types_are_conformed() -> None:
    inline = [{"name": "inline", "policy": DOCUMENT}]
    outputs = conform_outputs("aws:iam/role:Role", {"inlinePolicies": inline})
    assert json.loads(outputs["inlinePolicies"][0]["policy"]) == DOCUMENT


def test_outputs_secrets_and_unknowns_keep_their_wrapping() -> None:
    secret = {SIG_KEY: SECRET_SIG, "value": DOCUMENT}
    conformed = conform(secret, str)
    assert conformed[SIG_KEY] == SECRET_SIG and json.loads(conformed["value"]) == DOCUMENT
    assert conform(UNKNOWN, str) == UNKNOWN


def test_outputs_values_already_in_type_are_unchanged() -> None:
    tags = {"team": "platform"}
    outputs = conform_outputs("aws:sns/topic:Topic", {"tags": tags, "name": "t"})
    assert outputs == {"tags": tags, "name": "t"}


def test_outputs_program_with_dict_documents_plans(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: dict-docs\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        f"role = aws.iam.Role('r', assume_role_policy={DOCUMENT!r})\n"
        f"aws.iam.RolePolicy('p', role=role.id, policy={DOCUMENT!r})\n"
        "pulumi.export('trust', role.assume_role_policy)\n",
        encoding="utf-8",
    )
    plan = run_program(tmp_path, "dev", config={"aws:region": "us-east-1"})
    role = next(r for r in plan.resources if r.name == "r")
    assert role.inputs["assumeRolePolicy"] == DOCUMENT  # inputs: as the program sent them
    assert json.loads(role.outputs["assumeRolePolicy"]) == DOCUMENT  # outputs: the string type
    stack = plan.resources[0]
    assert json.loads(stack.outputs["trust"]) == DOCUMENT
