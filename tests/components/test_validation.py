"""The rules shared by the stack config and the components (components/validation.py)."""

from __future__ import annotations

import pulumi
import pytest
from rootguard.components.validation import (
    ACCOUNT_ID,
    DEFAULT_ENABLED_REGIONS,
    EMAIL,
    GLOBAL_IAM_RECORDING_REGIONS,
    HOME_REGION,
    OPT_IN_REGION,
    InvalidArgument,
    aws_regions,
    check_account_id,
    check_emails,
    first_repeat,
)

from rootguard.config import ConfigError, load_stack_config


def test_check_account_id_twelve_digit_string_passes() -> None:
    check_account_id("111111111111")


def test_check_account_id_output_passes_unchecked() -> None:
    check_account_id(pulumi.Output.from_input("not known yet"))


ARABIC_INDIC_ONES = "\u0661" * 12
"""Twelve digits to str.isdigit(), not to AWS."""


@pytest.mark.parametrize("bad", ["12345", "11111111111a", ARABIC_INDIC_ONES, 111111111111, None])
def test_check_account_id_malformed_rejected_naming_key(bad: object) -> None:
    with pytest.raises(
        InvalidArgument, match=r"^admin_account_id: .* is not valid; expected a 12-digit"
    ):
        check_account_id(bad, "admin_account_id")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("secops@example.com", True),
        ("secops", False),
        ("Ops <ops@example.com>", False),  # a display name: SNS and Cost Explorer want the address
        (" ops@example.com", False),
        (42, False),
    ],
)
def test_email_rule(value: object, valid: bool) -> None:
    assert EMAIL.accepts(value) is valid


def test_check_emails_limit_and_repeats() -> None:
    check_emails(["a@example.com", "b@example.com"], "emails", limit=2)
    with pytest.raises(InvalidArgument, match="at most 2 email addresses"):
        check_emails(["a@example.com", "b@example.com", "c@example.com"], "emails", limit=2)
    with pytest.raises(
        InvalidArgument, match=r"^emails\[1\]: 'A@example.com' .* \(emails\[0\] is it too\)"
    ):
        check_emails(["a@example.com", "A@example.com"], "emails")


def test_first_repeat_finds_the_second_occurrence() -> None:
    assert first_repeat(["a", "b", "a"]) == (2, 0)
    assert first_repeat(["a", "B"], fold=str.lower) is None


def test_region_sets_are_regions_botocore_lists() -> None:
    assert set(DEFAULT_ENABLED_REGIONS) <= set(aws_regions())
    assert set(GLOBAL_IAM_RECORDING_REGIONS) <= set(aws_regions())
    assert len(DEFAULT_ENABLED_REGIONS) == 17


@pytest.mark.parametrize("region", ["il-central-1", "ca-west-1", "me-central-1", "ap-south-2"])
def test_home_region_rule_refuses_regions_after_february_2022(region: str) -> None:
    # Each is named by the Config guide as unable to record the global IAM types.
    assert region in aws_regions()
    assert not HOME_REGION.accepts(region)


def test_opt_in_region_rule() -> None:
    assert OPT_IN_REGION.accepts("af-south-1")
    assert not OPT_IN_REGION.accepts("us-east-1")
    assert not OPT_IN_REGION.accepts("mars-north-1")


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ({"alerts": {"emails": ["secops"]}}, EMAIL),
        ({"homeRegion": "il-central-1", "regions": ["il-central-1"]}, HOME_REGION),
        ({"alarm": {"optInRegions": ["us-east-1"]}}, OPT_IN_REGION),
    ],
)
def test_stack_config_states_the_same_expectation(raw: dict[str, object], rule: object) -> None:
    # One set of rules: the config's one line ends with the rule's own expectation.
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, aws_region="us-east-1")
    assert caught.value.expected == rule.expected  # type: ignore[attr-defined]


def test_stack_config_account_id_expectation_is_the_rules() -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config({"accounts": [{"id": "12345"}]}, aws_region="us-east-1")
    assert caught.value.expected.startswith(ACCOUNT_ID.expected)
