"""Fixtures for the root-account rule: its handler module and botocore stubs. The two
components run under tests/conftest.py's recording mocks (`pulumi_mocks`)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

ACCOUNT = "111111111111"
MEMBER = "222222222222"
REGION = "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rootguard-root-account-rule"
NOTIFICATION_TIME = "2025-03-10T06:00:00.123Z"


def rule_source_path() -> Path:
    """The handler as the installed package carries it (package data)."""
    return Path(
        str(resources.files("rootguard.components") / "rule_function" / "root_account_rule.py")
    )


def _load_rule_module() -> ModuleType:
    # The handler is package data, not a package: load it from its file, under the
    # name the Lambda runtime gives it.
    spec = importlib.util.spec_from_file_location("root_account_rule", rule_source_path())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


RULE = _load_rule_module()


@pytest.fixture
def rule() -> Iterator[ModuleType]:
    # The handler keeps its session and own clients between invocations, as in a warm
    # Lambda; every test starts cold.
    RULE.base_session.cache_clear()
    RULE.own_clients.cache_clear()
    yield RULE
    RULE.base_session.cache_clear()
    RULE.own_clients.cache_clear()


@pytest.fixture
def moto_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for a handler run under moto's `mock_aws`."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@dataclass
class FakeContext:
    invoked_function_arn: str = FUNCTION_ARN


def scheduled_event(
    *,
    account_id: str = ACCOUNT,
    parameters: dict[str, str] | None = None,
    result_token: str = "token-1",
    message_type: str = "ScheduledNotification",
) -> dict[str, Any]:
    """A Config periodic invocation event, shaped as Config sends it."""
    invoking = {
        "awsAccountId": account_id,
        "notificationCreationTime": NOTIFICATION_TIME,
        "messageType": message_type,
        "recordVersion": "1.0",
    }
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "resultToken": result_token,
        "eventLeftScope": False,
        "executionRoleArn": f"arn:aws:iam::{account_id}:role/aws-service-role/config",
        "configRuleArn": f"arn:aws:config:{REGION}:{account_id}:config-rule/config-rule-abc",
        "configRuleName": "rootguard-root-account",
        "configRuleId": "config-rule-abc",
        "accountId": account_id,
        "evaluationMode": "DETECTIVE",
    }
    if parameters is not None:
        event["ruleParameters"] = json.dumps(parameters)
    return event


@dataclass
class StubbedClients:
    """Real botocore clients whose calls are checked against the service models."""

    iam: Any
    config: Any
    iam_stub: Stubber
    config_stub: Stubber

    def clients(self) -> Any:
        return RULE.Clients(iam=self.iam, config=self.config)


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """One session for the stubbed clients: service models load once."""
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def stubbed(boto_session: boto3.Session) -> Iterator[StubbedClients]:
    session = boto_session
    iam = session.client("iam")
    config = session.client("config")
    with Stubber(iam) as iam_stub, Stubber(config) as config_stub:
        yield StubbedClients(iam, config, iam_stub, config_stub)
        iam_stub.assert_no_pending_responses()
        config_stub.assert_no_pending_responses()


@pytest.fixture(scope="session")
def config_model() -> Any:
    return botocore.session.get_session().get_service_model("config")


@pytest.fixture
def assert_valid_evaluations(config_model: Any) -> Callable[[list[dict[str, Any]]], None]:
    """Evaluations checked against the PutEvaluations model: enum, lengths, batch size."""
    evaluations_shape = config_model.operation_model("PutEvaluations").input_shape.members[
        "Evaluations"
    ]
    member = evaluations_shape.member

    def check(evaluations: list[dict[str, Any]]) -> None:
        assert len(evaluations) <= evaluations_shape.metadata["max"]
        for evaluation in evaluations:
            assert set(evaluation) <= set(member.members)
            assert set(member.required_members) <= set(evaluation)
            compliance = member.members["ComplianceType"]
            assert evaluation["ComplianceType"] in compliance.enum
            # PutEvaluations rejects INSUFFICIENT_DATA for custom rules.
            assert evaluation["ComplianceType"] != "INSUFFICIENT_DATA"
            for name in ("Annotation", "ComplianceResourceType", "ComplianceResourceId"):
                limits = member.members[name].metadata
                assert limits["min"] <= len(evaluation[name]) <= limits["max"], name

    return check
