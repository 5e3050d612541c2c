"""root-mfa-rule-present."""

from policykit import PROD, STAGING, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.root_mfa import root_mfa_rule_present, template_has_root_mfa_rule
from policies.rootguard_policies.tokens import (
    CONFIG_RULE,
    ORG_CONFORMANCE_PACK,
    ORG_MANAGED_RULE,
    RECORDER,
)

PROD_P, STAGING_P = aws_provider(PROD), aws_provider(STAGING)
MFA_SOURCE = {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}
PACK_YAML = """
Parameters:
  MaxAge: {Type: String, Default: "90"}
Resources:
  RootMfa:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: !Sub "root-mfa-${AWS::AccountId}"
      Source:
        Owner: AWS
        SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED
"""


def _two_accounts() -> Stack:
    stack = Stack()
    stack.add(RECORDER, "prod-recorder", {}, provider=PROD_P)
    stack.add(RECORDER, "staging-recorder", {}, provider=STAGING_P)
    return stack


def test_root_mfa_rule_present_rule_in_every_account_passes() -> None:
    stack = _two_accounts()
    stack.add(CONFIG_RULE, "prod-mfa", {"source": MFA_SOURCE}, provider=PROD_P)
    stack.add(
        CONFIG_RULE,
        "staging-mfa",
        {"source": MFA_SOURCE, "region": "eu-west-1"},
        provider=STAGING_P,
    )
    assert not stack.check(root_mfa_rule_present).violations


def test_root_mfa_rule_present_account_without_rule_fails() -> None:
    stack = _two_accounts()
    stack.add(CONFIG_RULE, "prod-mfa", {"source": MFA_SOURCE}, provider=PROD_P)
    reporter = stack.check(root_mfa_rule_present)
    assert reporter.messages == [
        f"The account {STAGING} must have an AWS-owned ROOT_ACCOUNT_MFA_ENABLED Config rule "
        "(or be covered by an organization managed rule or organization conformance pack "
        "with it); nothing in the stack tells anyone when its root user has no MFA."
    ]
    assert reporter.urns == [STAGING_P.urn]


def test_root_mfa_rule_present_hardware_rule_alone_fails() -> None:
    stack = Stack()
    source = {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"}
    stack.add(CONFIG_RULE, "hw", {"source": source}, provider=PROD_P)
    assert len(stack.check(root_mfa_rule_present).violations) == 1


def test_root_mfa_rule_present_default_account_fails() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {})  # default provider
    reporter = stack.check(root_mfa_rule_present)
    assert reporter.messages[0].startswith("The stack's default account must have")


def test_root_mfa_rule_present_organization_rule_covers_all_passes() -> None:
    stack = _two_accounts()
    stack.add(ORG_MANAGED_RULE, "org-mfa", {"ruleIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"})
    assert not stack.check(root_mfa_rule_present).violations


def test_root_mfa_rule_present_organization_rule_excluded_account_fails() -> None:
    stack = _two_accounts()
    props = {"ruleIdentifier": "ROOT_ACCOUNT_MFA_ENABLED", "excludedAccounts": [STAGING]}
    stack.add(ORG_MANAGED_RULE, "org-mfa", props)
    reporter = stack.check(root_mfa_rule_present)
    assert len(reporter.violations) == 1
    assert STAGING in reporter.messages[0]


def test_root_mfa_rule_present_organization_conformance_pack_passes() -> None:
    stack = _two_accounts()
    stack.add(ORG_CONFORMANCE_PACK, "pack", {"templateBody": PACK_YAML})
    assert not stack.check(root_mfa_rule_present).violations


def test_root_mfa_rule_present_pack_without_rule_fails() -> None:
    stack = _two_accounts()
    stack.add(ORG_CONFORMANCE_PACK, "pack", {"templateBody": "Resources: {}"})
    assert len(stack.check(root_mfa_rule_present).violations) == 3  # + the default account


def test_root_mfa_rule_present_unknown_identifier_raises_unknown() -> None:
    stack = Stack()
    source = {"owner": "AWS", "sourceIdentifier": UNKNOWN_STRING}
    stack.add(CONFIG_RULE, "rule", {"source": source}, provider=PROD_P)
    reporter, err = stack.check_preview(root_mfa_rule_present)
    assert not reporter.violations
    assert err.props == ["rule", "source"]


def test_root_mfa_rule_present_unknown_account_raises_unknown() -> None:
    stack = Stack()
    unknown_role = aws_provider(style="none", props={"assumeRoles": UNKNOWN_STRING})
    stack.add(RECORDER, "recorder", {}, provider=unknown_role)
    reporter, err = stack.check_preview(root_mfa_rule_present)
    assert not reporter.violations
    assert err.props == ["recorder", "provider", "assumeRoles"]


def test_root_mfa_rule_present_template_custom_owner_not_counted() -> None:
    body = (
        '{"Resources": {"R": {"Type": "AWS::Config::ConfigRule", "Properties": '
        '{"Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}}}}}'
    )
    assert not template_has_root_mfa_rule(body)
    assert template_has_root_mfa_rule(PACK_YAML)
    assert not template_has_root_mfa_rule(": not yaml : [")


# --- class 4: an unknown value defers the verdict only when it could change it


def test_root_mfa_rule_present_custom_lambda_rule_with_unknown_function_fails() -> None:
    # Its owner is known: CUSTOM_LAMBDA is never the AWS-owned MFA rule, whatever its ARN.
    stack = Stack()
    stack.add(RECORDER, "recorder", {}, provider=PROD_P)
    custom = {"owner": "CUSTOM_LAMBDA", "sourceIdentifier": UNKNOWN_STRING}
    stack.add(CONFIG_RULE, "custom", {"source": custom}, provider=PROD_P)
    reporter = stack.check(root_mfa_rule_present)  # decided: no UnknownValueError
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(f"The account {PROD} must have an AWS-owned")


def test_root_mfa_rule_present_aws_rule_with_unknown_identifier_defers() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {}, provider=PROD_P)
    maybe = {"owner": "AWS", "sourceIdentifier": UNKNOWN_STRING}
    stack.add(CONFIG_RULE, "maybe", {"source": maybe}, provider=PROD_P)
    reporter, err = stack.check_preview(root_mfa_rule_present)
    assert not reporter.violations
    assert err.props == ["maybe", "source"]


def test_root_mfa_rule_present_other_identifier_with_unknown_owner_fails() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {}, provider=PROD_P)
    other = {"owner": UNKNOWN_STRING, "sourceIdentifier": "IAM_ROOT_ACCESS_KEY_CHECK"}
    stack.add(CONFIG_RULE, "keys", {"source": other}, provider=PROD_P)
    assert len(stack.check(root_mfa_rule_present).violations) == 1
