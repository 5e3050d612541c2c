"""RootMfaRules: which managed rules, home region only, ordering after the recorder."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from rootguard.components import RootMfaRules, RootMfaRulesArgs

from tests.conftest import Recorder

RULE = "aws:cfg/rule:Rule"
HOME = "eu-central-1"


def _identifiers(mocks: Recorder) -> list[str]:
    return sorted(reg.inputs["source"]["sourceIdentifier"] for reg in mocks.of_type(RULE))


def _run_with_recorder(mocks: Recorder, **overrides: object) -> None:
    def program() -> None:
        recorder = aws.cfg.Recorder("home-recorder", role_arn="arn:aws:iam::1:role/r", region=HOME)
        args: RootMfaRulesArgs = {"home_region": HOME, "recorder": recorder}
        args.update(overrides)  # type: ignore[typeddict-item]
        RootMfaRules("acct-root-rules", args)

    mocks.run(program)


def test_root_mfa_rules_default_set_is_mfa_and_access_keys(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks)
    assert _identifiers(pulumi_mocks) == ["IAM_ROOT_ACCESS_KEY_CHECK", "ROOT_ACCOUNT_MFA_ENABLED"]


def test_root_mfa_rules_hardware_mfa_is_opt_in(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks, hardware_mfa=True)
    assert "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED" in _identifiers(pulumi_mocks)


def test_root_mfa_rules_access_key_check_can_be_switched_off(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks, root_access_key_check=False)
    assert _identifiers(pulumi_mocks) == ["ROOT_ACCOUNT_MFA_ENABLED"]


def test_root_mfa_rules_are_aws_managed_in_home_region_only(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks, hardware_mfa=True)
    rules = pulumi_mocks.of_type(RULE)
    assert len(rules) == 3
    for rule in rules:
        assert rule.inputs["region"] == HOME
        assert rule.inputs["source"]["owner"] == "AWS"
        assert rule.inputs["name"].startswith("rootguard-")


def test_root_mfa_rules_each_depends_on_home_recorder(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks, hardware_mfa=True)
    recorder = pulumi_mocks.one("aws:cfg/recorder:Recorder")
    for rule in pulumi_mocks.of_type(RULE):
        assert recorder.urn in rule.dependencies, rule.name


def test_root_mfa_rules_without_recorder_have_no_dependencies(pulumi_mocks: Recorder) -> None:
    pulumi_mocks.run(lambda: RootMfaRules("acct-root-rules", {"home_region": HOME}))
    rules = pulumi_mocks.of_type(RULE)
    assert rules
    assert all(rule.dependencies == [] for rule in rules)


def test_root_mfa_rules_frequency_defaults_to_24_hours(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks)
    frequencies = {reg.inputs["maximumExecutionFrequency"] for reg in pulumi_mocks.of_type(RULE)}
    assert frequencies == {"TwentyFour_Hours"}


def test_root_mfa_rules_frequency_is_configurable(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks, maximum_execution_frequency="Six_Hours")
    frequencies = {reg.inputs["maximumExecutionFrequency"] for reg in pulumi_mocks.of_type(RULE)}
    assert frequencies == {"Six_Hours"}


def test_root_mfa_rules_children_parented_and_named(pulumi_mocks: Recorder) -> None:
    _run_with_recorder(pulumi_mocks)
    component = pulumi_mocks.one("rootguard:root_mfa_rules:RootMfaRules")
    for rule in pulumi_mocks.of_type(RULE):
        assert rule.parent == component.urn
        assert rule.name.startswith("acct-root-rules-")


def test_root_mfa_rules_exposes_rule_names(pulumi_mocks: Recorder) -> None:
    seen: list[list[str]] = []

    def program() -> pulumi.Output[None]:
        rules = RootMfaRules("acct-root-rules", {"home_region": HOME})
        return rules.rule_names.apply(seen.append)

    pulumi_mocks.run(program)
    assert seen == [["rootguard-root-account-mfa-enabled", "rootguard-iam-root-access-key-check"]]
