"""Guardrails under the recording mocks: every SCP planned, lint-clean (parliament),
within AWS's size and per-target limits, attached to every target, with the exceptions
AWS's own examples make and the break-glass exemptions asked for."""

from __future__ import annotations

import json
from typing import Any

import parliament
import pytest
from rootguard.components import Guardrails, OrganizationBaseline
from rootguard.components.guardrails import (
    MAX_SCP_CHARACTERS,
    MAX_SCPS_PER_TARGET,
    ROOT_PRINCIPAL,
    guardrail_documents,
)

from tests.conftest import MOCK_ACCOUNT, Recorder

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
TARGETS = ["r-ab12", "ou-ab12-cd34ef56", "111111111111"]
MANY_EXEMPTIONS: dict[str, Any] = {
    "exempt_accounts": [f"{index:012d}" for index in range(1, 21)],
    "exempt_ous": [f"ou-ab12-{index:08d}" for index in range(10)],
}


def _declare(mocks: Recorder, **extra: Any) -> None:
    args = {"targets": TARGETS, **extra}
    mocks.run(lambda: Guardrails("guardrails", args))  # type: ignore[arg-type]


def _documents(mocks: Recorder) -> dict[str, dict[str, Any]]:
    return {p.inputs["name"]: json.loads(p.inputs["content"]) for p in mocks.of_type(POLICY)}


def _lint(content: str) -> list[str]:
    return [f"{f.issue} {f.detail}" for f in parliament.analyze_policy_string(content).findings]


def test_guardrails_three_scps_attached_to_every_target(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    policies = pulumi_mocks.of_type(POLICY)
    assert sorted(p.inputs["name"] for p in policies) == [
        "rootguard-deny-root-access-keys",
        "rootguard-deny-root-user",
        "rootguard-protect-rootguard",
    ]
    assert {p.inputs["type"] for p in policies} == {"SERVICE_CONTROL_POLICY"}
    attachments = pulumi_mocks.of_type(ATTACHMENT)
    assert len(attachments) == len(policies) * len(TARGETS)
    for policy in policies:
        mine = [a for a in attachments if policy.urn in a.property_dependencies["policyId"]]
        assert sorted(a.inputs["targetId"] for a in mine) == sorted(TARGETS)
    # With AWS's default FullAWSAccess, every target carries at most 5 SCPs.
    assert len(policies) + 1 <= MAX_SCPS_PER_TARGET


@pytest.mark.parametrize("exemptions", [{}, MANY_EXEMPTIONS], ids=["plain", "many-exemptions"])
def test_guardrails_scp_json_within_limit_and_lint_clean(
    pulumi_mocks: Recorder, exemptions: dict[str, Any]
) -> None:
    _declare(pulumi_mocks, **exemptions)
    for policy in pulumi_mocks.of_type(POLICY):
        content = policy.inputs["content"]
        assert len(content) <= MAX_SCP_CHARACTERS, policy.name
        assert len(content.encode("utf-8")) == len(content)  # ASCII: characters = bytes
        assert json.dumps(json.loads(content), separators=(",", ":")) == content  # minified
        assert _lint(content) == [], policy.name


def test_guardrails_linter_catches_a_misspelled_action() -> None:
    # The lint check can fail: a typo in an action is reported.
    document = json.loads(guardrail_documents({"targets": ["r-ab12"]})["deny-root-access-keys"])
    document["Statement"][0]["Action"] = "iam:CreateAccesKey"
    assert _lint(json.dumps(document))


def test_guardrails_too_many_exemptions_rejected_before_registering(
    pulumi_mocks: Recorder,
) -> None:
    too_many = [f"{index:012d}" for index in range(1, 400)]
    with pytest.raises(ValueError, match=r"guardrail deny-root-user is \d+ characters; an SCP"):
        Guardrails("guardrails", {"targets": ["r-ab12"], "exempt_accounts": too_many})
    assert pulumi_mocks.registrations == []


def test_guardrails_deny_root_user_keeps_root_sessions(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    (statement,) = _documents(pulumi_mocks)["rootguard-deny-root-user"]["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Deny", "*", "*")
    # AWS's example: root of member accounts denied unless in an AssumeRoot session.
    assert statement["Condition"] == {
        "ArnLike": {"aws:PrincipalArn": [ROOT_PRINCIPAL]},
        "Null": {"aws:AssumedRoot": "true"},
    }


def test_guardrails_deny_root_access_keys_is_awss_example(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    (statement,) = _documents(pulumi_mocks)["rootguard-deny-root-access-keys"]["Statement"]
    assert statement == {
        "Sid": "DenyRootAccessKeys",
        "Effect": "Deny",
        "Action": "iam:CreateAccessKey",
        "Resource": ROOT_PRINCIPAL,
    }


def test_guardrails_protect_rootguard_spares_only_deploy_roles(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, deploy_role_names=["pipeline", "OrganizationAccountAccessRole"])
    statements = _documents(pulumi_mocks)["rootguard-protect-rootguard"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["DenyLeavingOrganization"]["Action"] == "organizations:LeaveOrganization"
    assert "config:StopConfigurationRecorder" in by_sid["ProtectConfigRecording"]["Action"]
    assert "config:DeleteDeliveryChannel" in by_sid["ProtectConfigRecording"]["Action"]
    assert by_sid["ProtectRootguardRoles"]["Resource"] == ["arn:aws:iam::*:role/rootguard-*"]
    for statement in statements:
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {
            "ArnNotLike": {
                "aws:PrincipalArn": [
                    "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                    "arn:aws:iam::*:role/pipeline",
                ]
            }
        }


def test_guardrails_protect_rootguard_spares_the_stacksets_execution_role(
    pulumi_mocks: Recorder,
) -> None:
    _declare(pulumi_mocks, stacksets_execution_role=True)
    statements = _documents(pulumi_mocks)["rootguard-protect-rootguard"]["Statement"]
    for statement in statements:
        spared = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        assert "arn:aws:iam::*:role/stacksets-exec-*" in spared
        assert "arn:aws:iam::*:role/OrganizationAccountAccessRole" in spared


def test_guardrails_protect_rootguard_binds_stacksets_role_by_default(
    pulumi_mocks: Recorder,
) -> None:
    _declare(pulumi_mocks)
    statements = _documents(pulumi_mocks)["rootguard-protect-rootguard"]["Statement"]
    for statement in statements:
        assert "arn:aws:iam::*:role/stacksets-exec-*" not in str(statement["Condition"])


def test_guardrails_protect_custom_execution_role(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, execution_role_name="AuditRootRole")
    statements = _documents(pulumi_mocks)["rootguard-protect-rootguard"]["Statement"]
    roles = next(s for s in statements if s["Sid"] == "ProtectRootguardRoles")
    assert roles["Resource"] == [
        "arn:aws:iam::*:role/rootguard-*",
        "arn:aws:iam::*:role/AuditRootRole",
    ]


def test_guardrails_exemptions_in_every_statement(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, exempt_accounts=["222222222222"], exempt_ous=["ou-ab12-breakgla"])
    for name, document in _documents(pulumi_mocks).items():
        for statement in document["Statement"]:
            condition = statement["Condition"]
            assert condition["StringNotEquals"] == {"aws:PrincipalAccount": ["222222222222"]}
            assert condition["ForAllValues:StringNotLike"] == {
                "aws:PrincipalOrgPaths": ["*/ou-ab12-breakgla/*"]
            }, name


def test_guardrails_each_optional(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, deny_root_user=False, protect_rootguard=False)
    assert [p.inputs["name"] for p in pulumi_mocks.of_type(POLICY)] == [
        "rootguard-deny-root-access-keys"
    ]
    assert len(pulumi_mocks.of_type(ATTACHMENT)) == len(TARGETS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"targets": []}, "targets must name at least one"),
        ({"targets": ["x-1"]}, "targets 'x-1' must be a root"),
        ({"targets": ["1234"]}, "targets: '1234' is not valid; expected a 12-digit"),
        ({"targets": ["r-ab12"], "exempt_accounts": ["12"]}, "exempt_accounts: '12' is not"),
    ],
)
def test_guardrails_bad_args_rejected(
    pulumi_mocks: Recorder, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Guardrails("guardrails", args)  # type: ignore[arg-type]
    assert pulumi_mocks.registrations == []


def test_org_baseline_composes_guardrails(pulumi_mocks: Recorder) -> None:
    args: dict[str, Any] = {
        "account_id": MOCK_ACCOUNT,
        "region": "us-east-1",
        "guardrails": {"targets": ["r-ab12"]},
    }
    pulumi_mocks.run(lambda: OrganizationBaseline("org", args))  # type: ignore[arg-type]
    component = pulumi_mocks.one("rootguard:guardrails:Guardrails")
    organization = pulumi_mocks.one("rootguard:organization_baseline:OrganizationBaseline")
    assert component.parent == organization.urn
    assert len(pulumi_mocks.of_type(POLICY)) == 3
