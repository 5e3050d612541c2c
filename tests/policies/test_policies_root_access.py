"""root-credentials-centralized and root-guardrail-scp-attached, on real pulumi_policy
arguments (each with a passing and a failing case, and what stays undecided in a preview)."""

from policykit import UNKNOWN_ARRAY, UNKNOWN_STRING, Stack
from pulumi_policy import EnforcementLevel

from policies.rootguard_policies.root_access import (
    ORG_POLICY,
    ORG_POLICY_ATTACHMENT,
    ORGANIZATIONS_FEATURES,
    ROOT_ACCESS_POLICIES,
    root_credentials_centralized,
    root_guardrail_scp_attached,
)
from policies.rootguard_policies.tokens import ORG_CONFORMANCE_PACK, RECORDER

DELEGATED_ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
BOTH = ["RootCredentialsManagement", "RootSessions"]


def test_root_access_policies_are_advisory_by_default() -> None:
    assert {p.enforcement_level for p in ROOT_ACCESS_POLICIES} == {EnforcementLevel.ADVISORY}


# --- root-credentials-centralized ---------------------------------------------------------


def _org_stack() -> Stack:
    stack = Stack()
    stack.add(RECORDER, "recorder", {})
    stack.add(DELEGATED_ADMIN, "admin", {"servicePrincipal": "iam.amazonaws.com"})
    return stack


def test_root_credentials_centralized_both_features_passes() -> None:
    stack = _org_stack()
    stack.add(ORGANIZATIONS_FEATURES, "features", {"enabledFeatures": BOTH})
    assert not stack.check(root_credentials_centralized).violations


def test_root_credentials_centralized_json_encoded_features_passes() -> None:
    stack = _org_stack()
    stack.add(
        ORGANIZATIONS_FEATURES,
        "features",
        {"enabledFeatures": '["RootSessions", "RootCredentialsManagement"]'},
    )
    assert not stack.check(root_credentials_centralized).violations


def test_root_credentials_centralized_no_features_fails() -> None:
    reporter = _org_stack().check(root_credentials_centralized)
    assert reporter.messages == [
        "The organization stack must enable centralized root access: an "
        "aws.iam.OrganizationsFeatures with RootCredentialsManagement and RootSessions "
        "(missing RootCredentialsManagement, RootSessions), so member accounts' root "
        "credentials can be removed and root-only tasks run as short root sessions."
    ]
    assert reporter.urns[0].endswith("::admin")


def test_root_credentials_centralized_one_feature_fails_on_features() -> None:
    stack = _org_stack()
    stack.add(ORGANIZATIONS_FEATURES, "features", {"enabledFeatures": ["RootSessions"]})
    reporter = stack.check(root_credentials_centralized)
    assert "(missing RootCredentialsManagement)" in reporter.messages[0]
    assert reporter.urns[0].endswith("::features")


def test_root_credentials_centralized_not_an_organization_stack_passes() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {})
    stack.add(ORG_CONFORMANCE_PACK, "pack", {"templateBody": "Resources: {}"})
    assert not stack.check(root_credentials_centralized).violations


def test_root_credentials_centralized_unknown_features_undecided() -> None:
    stack = _org_stack()
    stack.add(ORGANIZATIONS_FEATURES, "features", {"enabledFeatures": UNKNOWN_ARRAY})
    reporter, err = stack.check_preview(root_credentials_centralized)
    assert not reporter.violations
    assert err.props == ["features", "enabledFeatures"]


# --- root-guardrail-scp-attached -------------------------------------------------------


def test_root_guardrail_scp_attached_attachment_passes() -> None:
    stack = Stack()
    scp = stack.add(ORG_POLICY, "deny-root", {"name": "rootguard-deny-root-user"})
    stack.add(
        ORG_POLICY_ATTACHMENT,
        "deny-root-on-root",
        {"policyId": UNKNOWN_STRING, "targetId": "r-ab12"},
        prop_deps={"policyId": [scp]},
    )
    assert not stack.check(root_guardrail_scp_attached).violations


def test_root_guardrail_scp_attached_unattached_fails() -> None:
    stack = Stack()
    stack.add(ORG_POLICY, "deny-root", {"name": "rootguard-deny-root-user"})
    other = stack.add(ORG_POLICY, "other", {"name": "other", "type": "SERVICE_CONTROL_POLICY"})
    stack.add(ORG_POLICY_ATTACHMENT, "other-on-root", {}, prop_deps={"policyId": [other]})
    reporter = stack.check(root_guardrail_scp_attached)
    assert reporter.messages == [
        "The service control policy rootguard-deny-root-user must be attached to at least "
        "one target (the organization root, an OU or an account) by an "
        "aws.organizations.PolicyAttachment of the stack; unattached, it restricts nothing."
    ]
    assert reporter.urns[0].endswith("::deny-root")


def test_root_guardrail_scp_attached_other_policy_types_ignored() -> None:
    stack = Stack()
    stack.add(ORG_POLICY, "tags", {"name": "tags", "type": "TAG_POLICY"})
    assert not stack.check(root_guardrail_scp_attached).violations


def test_root_guardrail_scp_attached_unknown_type_undecided() -> None:
    stack = Stack()
    stack.add(ORG_POLICY, "maybe", {"name": "maybe", "type": UNKNOWN_STRING})
    reporter, err = stack.check_preview(root_guardrail_scp_attached)
    assert not reporter.violations
    assert err.props == ["maybe", "type"]
