"""ExecutionRole: the member-side role of the organization custom rule."""

from __future__ import annotations

import json

import pytest
from rootguard.components import ExecutionRole
from rootguard.components.root_guard_rule import ORG_FUNCTION_NAME

from tests.conftest import Recorder
from tests.rule_function.test_iam_policies import actions_of, handler_api_calls, serious_findings

ADMIN = "222222222222"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def test_execution_role_trusts_only_the_rule_function_role(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: ExecutionRole("member", {"admin_account_id": ADMIN}))
    role = pulumi_mocks.one(ROLE)
    assert role.inputs["name"] == "rootguard-config-rule"
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Sid": "RootGuardOrganizationRuleFunction",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ADMIN}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ADMIN}:role/{ORG_FUNCTION_NAME}"}
            },
        }
    ]


def test_execution_role_names(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(
        lambda: ExecutionRole(
            "member",
            {"admin_account_id": ADMIN, "role_name": "Audit", "function_role_name": "fn"},
        )
    )
    role = pulumi_mocks.one(ROLE)
    assert role.inputs["name"] == "Audit"
    condition = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]
    assert condition["ArnEquals"]["aws:PrincipalArn"] == f"arn:aws:iam::{ADMIN}:role/fn"


def test_execution_role_allows_exactly_what_the_handler_does_there(
    pulumi_mocks: Recorder,
) -> None:
    pulumi_mocks.run(lambda: ExecutionRole("member", {"admin_account_id": ADMIN}))
    policy = pulumi_mocks.one(ROLE_POLICY)
    assert pulumi_mocks.one(ROLE).urn in policy.property_dependencies["role"]
    document = json.loads(policy.inputs["policy"])
    # In a member the function reads and reports with this role; it assumes nothing more,
    # and asks the organization nothing (that is done from the administrator account).
    assert actions_of(document) == set(handler_api_calls()) - {
        "sts:AssumeRole",
        "organizations:DescribeAccount",
    }
    assert not any("*" in action for action in actions_of(document))
    assert serious_findings(document) == []


@pytest.mark.parametrize("admin", ["2222", "22222222222a"])
def test_execution_role_rejects_malformed_admin_account(pulumi_mocks: Recorder, admin: str) -> None:
    with pytest.raises(ValueError, match="12-digit"):
        ExecutionRole("member", {"admin_account_id": admin})
    assert pulumi_mocks.registrations == []
