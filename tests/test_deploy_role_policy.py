"""The deploy role's least-privilege policies (docs/iam/*.json) for the StackSet-mode
organization stack: parliament finds nothing, each fits IAM's managed-policy size, and
together they allow the create calls of every resource the stack declares on its own
account, on the ARNs the plan gives them, and of what the member template creates there."""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from parliament import analyze_policy_string, enhance_finding
from rootguard.components.member_template import template

from rootguard.engine.program import Plan, run_program
from tests import iam_lint  # noqa: F401  (parliament learns aws:SourceOrgID)

REPO = Path(__file__).resolve().parent.parent
POLICIES = sorted((REPO / "docs" / "iam").glob("deploy-role-*.json"))
MANAGED_POLICY_CHARACTERS = 6144
"""IAM quotas: a managed policy holds at most 6,144 characters, white space not counted."""
MANAGEMENT = "444444444444"
"""The management account of the documents (the example stacks' placeholder)."""
PLAN_ACCOUNT = "123456789012"
"""The stack's own account in the offline engine."""

# What pulumi-aws calls to create each resource type the stack declares on its own account.
CREATE_ACTIONS = {
    "aws:iam/role:Role": ["iam:CreateRole", "iam:GetRole"],
    "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["iam:AttachRolePolicy"],
    "aws:cloudwatch/logGroup:LogGroup": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
    "aws:lambda/function:Function": ["lambda:CreateFunction", "lambda:GetFunction"],
    "aws:lambda/permission:Permission": ["lambda:AddPermission"],
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": ["ce:CreateAnomalyMonitor"],
    "aws:costexplorer/anomalySubscription:AnomalySubscription": ["ce:CreateAnomalySubscription"],
    "aws:sns/topic:Topic": ["sns:CreateTopic", "sns:GetTopicAttributes"],
    "aws:sns/topicPolicy:TopicPolicy": ["sns:SetTopicAttributes"],
    "aws:cfg/configurationAggregator:ConfigurationAggregator": [
        "config:PutConfigurationAggregator"
    ],
    "aws:cfg/organizationConformancePack:OrganizationConformancePack": [
        "config:PutOrganizationConformancePack"
    ],
    "aws:cfg/organizationCustomRule:OrganizationCustomRule": ["config:PutOrganizationConfigRule"],
    "aws:cloudformation/stackSet:StackSet": ["cloudformation:CreateStackSet"],
    "aws:cloudformation/stackSetInstance:StackSetInstance": ["cloudformation:CreateStackInstances"],
    "aws:cloudformation/stack:Stack": ["cloudformation:CreateStack"],
    "aws:organizations/delegatedAdministrator:DelegatedAdministrator": [
        "organizations:RegisterDelegatedAdministrator"
    ],
}
# What CloudFormation calls, with the deployer's credentials, for the member template in
# the stack's own account.
TEMPLATE_ACTIONS = {
    "AWS::IAM::Role": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
    "AWS::Config::ConfigurationRecorder": [
        "config:PutConfigurationRecorder",
        "config:StartConfigurationRecorder",
    ],
    "AWS::Config::DeliveryChannel": ["config:PutDeliveryChannel"],
    "AWS::Events::Rule": ["events:PutRule", "events:PutTargets"],
}


def documents() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in POLICIES]


def allowed(action: str, arn: str | None = None) -> bool:
    """Whether an Allow statement of the documents grants `action` on `arn` (any resource
    when None). Conditions are not evaluated."""
    for document in documents():
        for statement in document["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if statement["Effect"] != "Allow" or action not in actions:
                continue
            resources = statement["Resource"]
            resources = [resources] if isinstance(resources, str) else resources
            if arn is None or any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources):
                return True
    return False


@functools.cache
def own_account_plan() -> Plan:
    config = yaml.safe_load((REPO / "Pulumi.org-stackset.yaml").read_text())["config"]
    config["rootguard:organization"]["delegatedAdminAccountId"] = "555555555555"
    return run_program(REPO, "org-stackset", config=config)


def test_deploy_role_policies_exist() -> None:
    assert [p.name for p in POLICIES] == [
        "deploy-role-members.json",
        "deploy-role-organization.json",
    ]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_deploy_role_policy_parliament_finds_nothing(path: Path) -> None:
    findings = analyze_policy_string(path.read_text(encoding="utf-8")).findings
    assert [(enhance_finding(f).issue, f.detail) for f in findings] == []


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_deploy_role_policy_fits_a_managed_policy(path: Path) -> None:
    minified = re.sub(r"\s", "", json.dumps(json.loads(path.read_text()), separators=(",", ":")))
    assert len(minified) <= MANAGED_POLICY_CHARACTERS


def test_deploy_role_policies_grant_no_wildcard_action() -> None:
    for document in documents():
        for statement in document["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, statement["Sid"]


def test_deploy_role_policies_allow_what_the_stack_creates_in_its_account() -> None:
    own = [
        r
        for r in own_account_plan().resources
        if r.custom and r.type.startswith("aws:") and r.provider is None
    ]
    unknown = sorted({r.type for r in own} - set(CREATE_ACTIONS))
    assert unknown == [], "new resource types on the stack's account: extend the policies"
    for resource in own:
        arn = resource.outputs.get("arn")
        for action in CREATE_ACTIONS[resource.type]:
            scoped = isinstance(arn, str) and resource.type.startswith(
                ("aws:iam/role:", "aws:lambda/function:", "aws:sns/topic:", "aws:cloudwatch/log")
            )
            target = arn.replace(PLAN_ACCOUNT, MANAGEMENT) if scoped and arn else None
            assert allowed(action, target), f"{action} for {resource.name} ({target})"


def test_deploy_role_policies_allow_what_the_member_template_creates() -> None:
    for logical_id, resource in template()["Resources"].items():
        for action in TEMPLATE_ACTIONS[resource["Type"]]:
            assert allowed(action), f"{action} for the template's {logical_id}"
    for logical_id in ("RecorderRole", "ForwarderRole"):
        name = template()["Resources"][logical_id]["Properties"]["RoleName"]["Fn::Sub"]
        role = f"arn:aws:iam::{MANAGEMENT}:role/" + name.replace("${AWS::Region}", "eu-west-1")
        assert allowed("iam:CreateRole", role) and allowed("iam:PassRole", role), role
    rule = f"arn:aws:events:eu-west-1:{MANAGEMENT}:rule/rootguard-member-baseline-Root-1A2B"
    assert allowed("events:PutRule", rule)


def test_deploy_role_policies_assume_only_the_central_accounts_roles() -> None:
    assert allowed("sts:AssumeRole", "arn:aws:iam::555555555555:role/OrganizationAccountAccessRole")
    assert not allowed(
        "sts:AssumeRole", "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
    )


def test_deploy_role_allowed_check_can_refuse() -> None:
    assert not allowed("s3:DeleteBucket")
    assert not allowed("iam:CreateRole", f"arn:aws:iam::{MANAGEMENT}:role/Admin")
