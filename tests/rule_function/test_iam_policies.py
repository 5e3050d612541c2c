"""The rule function's role: least privilege, linted by parliament, and exactly the API
calls the handler makes."""

from __future__ import annotations

import ast
import functools
import json
from typing import Any

import boto3
import pytest
from rootguard.components.root_guard_rule import LOG_GROUP_NAME

from tests.conftest import MOCK_ORGANIZATION, Recorder
from tests.iam_lint import serious_findings

from .conftest import ACCOUNT, rule_source_path
from .test_components import HOME, ROLE_POLICY, declare_rule

IAM_PREFIX = {"iam": "iam", "config": "config", "sts": "sts", "organizations": "organizations"}
ORG_MODE = {"execution_role_name": "RootGuardAudit", "organization_id": MOCK_ORGANIZATION}


@functools.cache
def handler_api_calls() -> frozenset[str]:
    """Every `<service>:<Operation>` the handler's source calls on its clients."""
    tree = ast.parse(rule_source_path().read_text(encoding="utf-8"))
    methods: dict[str, set[str]] = {service: set() for service in IAM_PREFIX}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if owner_name not in methods:
            continue
        if node.func.attr == "get_paginator":
            methods[owner_name].add(ast.literal_eval(node.args[0]))
        else:
            methods[owner_name].add(node.func.attr)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    calls = set()
    for service, names in methods.items():
        mapping = session.client(service).meta.method_to_api_mapping
        for name in names:
            assert name in mapping, f"{service}.{name} is not an API call"
            calls.add(f"{IAM_PREFIX[service]}:{mapping[name]}")
    return frozenset(calls)


def role_policy(mocks: Recorder, **extra: Any) -> dict[str, Any]:
    declare_rule(mocks, **extra)
    document: dict[str, Any] = json.loads(mocks.one(ROLE_POLICY).inputs["policy"])
    return document


def actions_of(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        action = statement["Action"]
        found.update([action] if isinstance(action, str) else action)
    return found


def test_handler_calls_are_the_expected_ones() -> None:
    assert handler_api_calls() == {
        "iam:GetAccountSummary",
        "iam:ListVirtualMFADevices",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "config:PutEvaluations",
        "sts:AssumeRole",
        "organizations:DescribeAccount",
    }


@pytest.mark.parametrize("org_mode", [False, True], ids=["single-account", "organization"])
def test_role_policy_grants_exactly_the_handler_calls(
    pulumi_mocks: Recorder, org_mode: bool
) -> None:
    extra = ORG_MODE if org_mode else {}
    document = role_policy(pulumi_mocks, **extra)
    expected = set(handler_api_calls()) | {"logs:CreateLogStream", "logs:PutLogEvents"}
    if not org_mode:
        expected -= {"sts:AssumeRole", "organizations:DescribeAccount"}
    assert actions_of(document) == expected


@pytest.mark.parametrize("org_mode", [False, True], ids=["single-account", "organization"])
def test_role_policy_passes_parliament_no_wildcard_action(
    pulumi_mocks: Recorder, org_mode: bool
) -> None:
    extra = ORG_MODE if org_mode else {}
    document = role_policy(pulumi_mocks, **extra)
    assert not any("*" in action for action in actions_of(document))
    assert serious_findings(document) == []


@pytest.mark.parametrize(
    ("statement", "issue"),
    [
        ({"Action": ["iam:GetAcountSummary"], "Resource": "*"}, "UNKNOWN_ACTION"),
        (
            {"Action": ["logs:PutLogEvents"], "Resource": "arn:aws:s3:::bucket"},
            "RESOURCE_MISMATCH",
        ),
    ],
)
def test_lint_catches_a_bad_statement(statement: dict[str, Any], issue: str) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    assert issue in [found for found, _ in serious_findings(document)]


def test_role_policy_scopes_logs_and_assume_role(pulumi_mocks: Recorder) -> None:
    document = role_policy(pulumi_mocks, **ORG_MODE)
    by_sid = {statement["Sid"]: statement for statement in document["Statement"]}
    log_group_arn = f"arn:aws:logs:{HOME}:{ACCOUNT}:log-group:{LOG_GROUP_NAME}"
    assert by_sid["WriteOwnLogs"]["Resource"] == [
        f"{log_group_arn}:*",
        f"{log_group_arn}:log-stream:*",
    ]
    assert by_sid["AssumeExecutionRoleInMemberAccounts"]["Resource"] == [
        "arn:aws:iam::*:role/RootGuardAudit"
    ]
    assert by_sid["AssumeExecutionRoleInMemberAccounts"]["Condition"] == {
        "StringEquals": {"aws:ResourceOrgID": MOCK_ORGANIZATION}
    }
    assert by_sid["CheckMembership"]["Resource"] == (
        f"arn:aws:organizations::*:account/{MOCK_ORGANIZATION}/*"
    )


def test_role_trust_policy_is_lambda_only(pulumi_mocks: Recorder) -> None:
    declare_rule(pulumi_mocks)
    trust = json.loads(pulumi_mocks.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    # parliament lints identity policies; a trust policy (no Resource) is checked here.
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
