"""The organization conformance pack template: cfn-lint finds no error in what ships, and
rootguard's own check (rootguard.conformance) covers what cfn-lint does not."""

from __future__ import annotations

import pytest
import yaml
from rootguard.components.conformance_pack import (
    CIS_MANAGED_RULES,
    HARDWARE_MFA_RULE,
    MAX_TEMPLATE_BODY_BYTES,
    ROOT_MFA_RULE,
    managed_identifiers,
    render_template,
    template_text,
)

from rootguard.conformance import check_template, frequencies, owners
from tests.cfn_lint import cfn_lint_problems as lint_problems

LINT_REGIONS = ["us-east-1", "eu-west-1"]


def cfn_lint_problems(body: str) -> tuple[str, ...]:
    return lint_problems(body, LINT_REGIONS)


def all_problems(body: str) -> list[str]:
    return [*cfn_lint_problems(body), *check_template(body)]


SHIPPED = template_text()


# ------------------------------------------------------------------ the shipped template


def test_conformance_shipped_template_passes_cfn_lint() -> None:
    assert cfn_lint_problems(SHIPPED) == ()


@pytest.mark.parametrize("hardware_mfa", [False, True], ids=["default", "hardware-mfa"])
def test_conformance_rendered_template_passes_our_check(hardware_mfa: bool) -> None:
    body = render_template(hardware_mfa)
    assert check_template(body) == []
    assert len(body.encode("utf-8")) <= MAX_TEMPLATE_BODY_BYTES


def test_conformance_shipped_template_passes_our_check() -> None:
    assert check_template(SHIPPED) == []


def test_conformance_rules_are_the_list_kept_in_code() -> None:
    shipped = managed_identifiers(yaml.safe_load(SHIPPED))
    assert sorted(shipped) == sorted(CIS_MANAGED_RULES)
    assert len(shipped) == len(set(shipped))


def test_conformance_rule_names_never_collide_with_account_rules() -> None:
    # RootMfaRules names its rules rootguard-<identifier>; an account with both must not
    # see the pack fail on a name taken.
    account_rule_names = {"rootguard-" + i.lower().replace("_", "-") for i in CIS_MANAGED_RULES}
    resources = yaml.safe_load(SHIPPED)["Resources"].values()
    names = [resource["Properties"]["ConfigRuleName"] for resource in resources]
    assert all(name.startswith("rootguard-org-") for name in names)
    assert not set(names) & account_rule_names


def test_conformance_hardware_mfa_only_when_asked() -> None:
    default = managed_identifiers(yaml.safe_load(render_template(False)))
    hardware = managed_identifiers(yaml.safe_load(render_template(True)))
    assert ROOT_MFA_RULE in default and HARDWARE_MFA_RULE not in default
    assert set(hardware) - set(default) == {HARDWARE_MFA_RULE}


def test_conformance_enums_come_from_botocore() -> None:
    assert "AWS" in owners() and "CUSTOM_LAMBDA" in owners()
    assert "TwentyFour_Hours" in frequencies() and "Daily" not in frequencies()


# ---------------------------------------------------------------------- what fails


def test_conformance_misspelled_key_fails_cfn_lint_and_our_check() -> None:
    body = SHIPPED.replace("SourceIdentifier: IAM_PASSWORD_POLICY", "SourceIdentifer: X", 1)
    assert any("SourceIdentifer" in problem for problem in cfn_lint_problems(body))
    assert any("Source.SourceIdentifer is not a known property" in p for p in check_template(body))


def test_conformance_bad_frequency_passes_cfn_lint_but_fails_our_check() -> None:
    body = SHIPPED.replace(
        "MaximumExecutionFrequency: TwentyFour_Hours", "MaximumExecutionFrequency: Daily", 1
    )
    assert cfn_lint_problems(body) == ()  # why our own check exists
    assert all_problems(body) == [
        "Resources.RootAccountMfaEnabled.Properties.MaximumExecutionFrequency 'Daily' is not "
        "valid; expected one of " + ", ".join(frequencies())
    ]


def _one_rule(properties: str, *, kind: str = "AWS::Config::ConfigRule") -> str:
    return f"Resources:\n  Rule:\n    Type: {kind}\n    Properties:\n" + "".join(
        f"      {line}\n" for line in properties.splitlines()
    )


GOOD_RULE = "Source:\n  Owner: AWS\n  SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            _one_rule("BucketName: x", kind="AWS::S3::Bucket"),
            "Resources.Rule.Type 'AWS::S3::Bucket' is not allowed in a conformance pack",
        ),
        (
            _one_rule("Source:\n  Owner: AMAZON\n  SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED"),
            "Resources.Rule.Properties.Source.Owner 'AMAZON' is not valid",
        ),
        (
            _one_rule("Source:\n  Owner: AWS\n  SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLE"),
            "Resources.Rule.Properties.Source.SourceIdentifier 'ROOT_ACCOUNT_MFA_ENABLE' is "
            "not on rootguard's list",
        ),
        (
            _one_rule(
                "Source:\n  Owner: CUSTOM_LAMBDA\n  SourceIdentifier: arn:aws:lambda:x\n"
                "  SourceDetails:\n    - EventSource: aws.config\n"
                "      MessageType: ScheduledNotification\n"
                "      MaximumExecutionFrequency: 24h"
            ),
            "Resources.Rule.Properties.Source.SourceDetails[0].MaximumExecutionFrequency '24h'",
        ),
        (
            _one_rule(GOOD_RULE + "\nScope:\n  ComplianceResourceType: AWS::IAM::User"),
            "Resources.Rule.Properties.Scope.ComplianceResourceType is not a known property",
        ),
        (
            _one_rule(GOOD_RULE + "\nMaximumExecutionFrequncy: One_Hour"),
            "Resources.Rule.Properties.MaximumExecutionFrequncy is not a known property",
        ),
        (
            _one_rule(GOOD_RULE) + "Outputs:\n  X:\n    Value: y\n",
            "section Outputs is not one a conformance pack template takes",
        ),
        (
            _one_rule(GOOD_RULE + "\nDescription: '" + "x" * MAX_TEMPLATE_BODY_BYTES + "'"),
            f"TemplateBody takes at most {MAX_TEMPLATE_BODY_BYTES}",
        ),
        ("Resources: {}\n", "Resources must be a non-empty mapping"),
        ("Resources: [\n", "the template is not YAML or JSON"),
    ],
    ids=[
        "non-config-resource",
        "bad-owner",
        "unknown-managed-identifier",
        "bad-source-detail-frequency",
        "misspelled-scope-key",
        "misspelled-rule-key",
        "outputs-section",
        "too-large",
        "no-resources",
        "not-yaml",
    ],
)
def test_conformance_our_check_rejects(body: str, problem: str) -> None:
    problems = check_template(body)
    assert any(problem in found for found in problems), problems


def test_conformance_duplicate_rule_names_rejected() -> None:
    rule = "    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: same\n"
    source = "      Source: {Owner: AWS, SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED}\n"
    body = f"Resources:\n  A:\n{rule}{source}  B:\n{rule}{source}"
    assert any("'same' is used by" in p for p in check_template(body))


def test_conformance_remediation_and_short_form_tags_accepted() -> None:
    body = (
        "Parameters:\n  Age:\n    Type: String\n    Default: '90'\n"
        "Resources:\n"
        "  Keys:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
        "      InputParameters:\n        maxAccessKeyAge: !Ref Age\n"
        "      Source: {Owner: AWS, SourceIdentifier: ACCESS_KEYS_ROTATED}\n"
        "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties:\n"
        "      ConfigRuleName: keys\n      TargetId: AWS-DisableUnusedKey\n"
        "      TargetType: SSM_DOCUMENT\n"
    )
    assert check_template(body) == []
