"""The example organization stack (Pulumi.org.yaml: centralized root access and the
guardrail SCPs on) through the real gate and the real pack: no violation of any level,
the two root-access policies included."""

from __future__ import annotations

import json
from pathlib import Path

import parliament
import pytest
from rootguard.components.guardrails import MAX_SCP_CHARACTERS, MAX_SCPS_PER_TARGET

from policies.rootguard_policies import ALL_POLICIES
from policies.rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from rootguard.cli import main
from rootguard.engine.program import run_program

REPO = Path(__file__).resolve().parent.parent


def test_gate_org_stack_with_guardrails_has_no_violation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["gate", str(REPO), "--stack", "org", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (code, out["violations"]) == (0, [])
    assert out["policies"] == len(ALL_POLICIES) + len(ROOT_ACCESS_POLICIES)


def test_org_stack_planned_guardrail_scps_within_limits_and_lint_clean() -> None:
    plan = run_program(REPO, "org")
    policies = [r for r in plan.resources if r.type == "aws:organizations/policy:Policy"]
    attachments = [
        r for r in plan.resources if r.type == "aws:organizations/policyAttachment:PolicyAttachment"
    ]
    assert len(policies) == 3
    for policy in policies:
        content = policy.inputs["content"]
        assert len(content) <= MAX_SCP_CHARACTERS
        assert json.loads(content)["Version"] == "2012-10-17"
        assert parliament.analyze_policy_string(content).findings == [], policy.name
    per_target: dict[str, int] = {}
    for attachment in attachments:
        per_target[attachment.inputs["targetId"]] = (
            per_target.get(attachment.inputs["targetId"], 0) + 1
        )
    assert per_target == {"r-ab12": 3}
    assert all(count + 1 <= MAX_SCPS_PER_TARGET for count in per_target.values())  # + FullAWSAccess
    features = next(
        r for r in plan.resources if r.type == "aws:iam/organizationsFeatures:OrganizationsFeatures"
    )
    assert features.inputs["enabledFeatures"] == ["RootCredentialsManagement", "RootSessions"]


@pytest.mark.parametrize("stack", ["org", "member"])
def test_stacks_with_centralized_root_access_set_root_credentials_managed(stack: str) -> None:
    # The org stack turns the features on (its rules vouch for them); the member stack
    # says so with rootguard:rules.rootCredentialsManaged.
    plan = run_program(REPO, stack)
    rules = [
        r
        for r in plan.resources
        if r.type in ("aws:cfg/rule:Rule", "aws:cfg/organizationCustomRule:OrganizationCustomRule")
        and "inputParameters" in r.inputs
    ]
    assert rules
    for rule in rules:
        assert json.loads(rule.inputs["inputParameters"])["RootCredentialsManaged"] == "true"


def test_dev_stack_custom_rule_without_root_credentials_managed() -> None:
    plan = run_program(REPO, "dev")
    rules = [r for r in plan.resources if "inputParameters" in r.inputs]
    assert rules
    for rule in rules:
        assert "RootCredentialsManaged" not in json.loads(rule.inputs["inputParameters"])
