"""The example StackSet-mode organization stack (Pulumi.org-stackset.yaml) through the
real gate and the real pack: no violation of any level, with and without --preview.

That pass is not for want of anything to judge: the stack declares no recorder, delivery
channel or forwarder of its own (they are in the member template its StackSets land), and
the same planned stack with one thing taken away is reported by the policy that judges it
(the pack's validators run in process over the plan, as the engine would send it)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import Policy, PolicyResource, StackValidationArgs, StackValidationPolicy

from policies.rootguard_policies import ALL_POLICIES
from policies.rootguard_policies.config_rules import config_ordering
from policies.rootguard_policies.cost import cost_anomaly_alerts_present
from policies.rootguard_policies.delivery import config_delivery_bucket_secure
from policies.rootguard_policies.delivery_writable import config_delivery_writable
from policies.rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from policies.rootguard_policies.root_activity import root_activity_alarmed
from policies.rootguard_policies.root_mfa import root_mfa_rule_present
from policies.rootguard_policies.tokens import (
    ANOMALY_MONITOR,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    DELIVERY_CHANNEL,
    EVENT_TARGET,
    ORG_CONFORMANCE_PACK,
    ORG_CUSTOM_RULE,
    ORG_MANAGED_RULE,
    RECORDER,
)
from rootguard.cli import main
from rootguard.engine.program import Plan, run_program
from tests.policies.test_policies_stacksets import COVERAGE
from tests.test_stack_policies import policy_resources

REPO = Path(__file__).resolve().parent.parent
STACK = "org-stackset"
MEMBERS = "The accounts the StackSet"
"""How a policy names the accounts a StackSet reaches through its target OUs."""


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_gate_org_stackset_stack_has_no_violation(
    preview: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["gate", str(REPO), "--stack", STACK, "--json", *(["--preview"] if preview else [])]
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    assert (code, out["violations"]) == (0, [])
    assert out["policies"] == len(ALL_POLICIES) + len(ROOT_ACCESS_POLICIES)


@functools.cache
def _plan() -> Plan:
    return run_program(REPO, STACK)


def _resources(change: Callable[[PolicyResource], bool] | None = None) -> list[PolicyResource]:
    """The planned stack as the pack sees it; `change` may edit a resource in place and
    returns False to leave the resource out."""
    resources, _ = policy_resources(_plan().resources)  # type: ignore[arg-type]
    if change is None:
        return resources
    return [r for r in resources if change(r) is not False]


def _messages(policy: Policy, resources: list[PolicyResource]) -> list[str]:
    assert isinstance(policy, StackValidationPolicy)
    found: list[str] = []
    policy.validate(StackValidationArgs(resources, None), lambda m, urn=None: found.append(m))
    return found


def test_org_stackset_stack_declares_no_member_baseline_itself() -> None:
    types = {r.resource_type for r in _resources()}
    assert not types & {RECORDER, DELIVERY_CHANNEL}


@pytest.mark.parametrize("policy", COVERAGE, ids=lambda p: p.name)
def test_org_stackset_stack_passes_in_process(policy: Policy) -> None:
    assert _messages(policy, _resources()) == []


def test_org_stackset_stack_rules_not_waiting_for_the_stacksets_fail() -> None:
    def cut(resource: PolicyResource) -> bool:
        if resource.resource_type in (ORG_CONFORMANCE_PACK, ORG_MANAGED_RULE, ORG_CUSTOM_RULE):
            resource.dependencies = []
            resource.property_dependencies = {}
        return True

    messages = _messages(config_ordering, _resources(cut))
    assert messages
    assert all("must depend on the CloudFormation stacks" in m for m in messages)


def test_org_stackset_stack_without_the_organization_mfa_rule_fails() -> None:
    def drop(resource: PolicyResource) -> bool:
        return resource.resource_type not in (ORG_CONFORMANCE_PACK, ORG_MANAGED_RULE)

    messages = _messages(root_mfa_rule_present, _resources(drop))
    assert any(m.startswith(MEMBERS) and "ROOT_ACCOUNT_MFA_ENABLED" in m for m in messages)


def test_org_stackset_central_bucket_without_public_access_block_fails() -> None:
    def drop(resource: PolicyResource) -> bool:
        return resource.resource_type != BUCKET_PUBLIC_ACCESS_BLOCK

    messages = _messages(config_delivery_bucket_secure, _resources(drop))
    assert messages and all("must have a public access block" in m for m in messages)


def test_org_stackset_central_bucket_policy_for_one_account_fails() -> None:
    def one_account(resource: PolicyResource) -> bool:
        if resource.resource_type == BUCKET_POLICY:
            document: dict[str, Any] = json.loads(resource.props["policy"])
            for statement in document["Statement"]:
                condition = statement.get("Condition", {}).get("StringEquals", {})
                if "aws:SourceOrgID" in condition:
                    del condition["aws:SourceOrgID"]
                    condition["aws:SourceAccount"] = "555555555555"
            resource.props["policy"] = json.dumps(document)
        return True

    messages = _messages(config_delivery_writable, _resources(one_account))
    assert any("target OUs" in m and "config.amazonaws.com" in m for m in messages)


def test_org_stackset_central_rule_without_target_fails() -> None:
    def drop(resource: PolicyResource) -> bool:
        return resource.resource_type != EVENT_TARGET

    messages = _messages(root_activity_alarmed, _resources(drop))
    assert any(m.startswith(MEMBERS) for m in messages)


def test_org_stackset_payer_monitor_of_services_only_fails() -> None:
    def services(resource: PolicyResource) -> bool:
        if resource.resource_type == ANOMALY_MONITOR:
            resource.props["monitorDimension"] = "SERVICE"
        return True

    messages = _messages(cost_anomaly_alerts_present, _resources(services))
    assert any(m.startswith(MEMBERS) and "LINKED_ACCOUNT" in m for m in messages)
