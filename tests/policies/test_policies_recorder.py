"""config-recorder-all-resources, config-recorder-enabled, config-global-resources-once,
config-recorder-unique."""

import pytest
from policykit import (
    PROD,
    STAGING,
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_STRING,
    Stack,
    aws_provider,
    check_resource,
)
from pulumi_policy.proxy import UnknownValueError

from policies.rootguard_policies.recorder import (
    config_global_resources_once,
    config_recorder_all_resources,
    config_recorder_enabled,
    config_recorder_unique,
)
from policies.rootguard_policies.tokens import RECORDER, RECORDER_STATUS

EXCLUDE_ENI = {
    "allSupported": False,
    "exclusionByResourceTypes": [{"resourceTypes": ["AWS::EC2::NetworkInterface"]}],
    "recordingStrategies": [{"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}],
}


# --- config-recorder-all-resources


def test_config_recorder_all_resources_group_omitted_passes() -> None:
    assert not check_resource(config_recorder_all_resources, RECORDER, {"roleArn": "r"}).violations


def test_config_recorder_all_resources_all_supported_true_passes() -> None:
    props = {"recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}}
    assert not check_resource(config_recorder_all_resources, RECORDER, props).violations


def test_config_recorder_all_resources_empty_group_defaults_to_all_passes() -> None:
    props = {"recordingGroup": {"includeGlobalResourceTypes": False}}
    assert not check_resource(config_recorder_all_resources, RECORDER, props).violations


def test_config_recorder_all_resources_chosen_types_fails() -> None:
    props = {"recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}}
    reporter = check_resource(config_recorder_all_resources, RECORDER, props)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith("The AWS Config recorder must record all")


def test_config_recorder_all_resources_inclusion_strategy_fails() -> None:
    props = {
        "recordingGroup": {
            "recordingStrategies": [{"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}],
            "resourceTypes": ["AWS::IAM::User"],
        }
    }
    assert check_resource(config_recorder_all_resources, RECORDER, props).violations


def test_config_recorder_all_resources_exclusion_without_allowance_fails() -> None:
    reporter = check_resource(
        config_recorder_all_resources, RECORDER, {"recordingGroup": EXCLUDE_ENI}
    )
    assert len(reporter.violations) == 1
    assert "AWS::EC2::NetworkInterface" in reporter.messages[0]


def test_config_recorder_all_resources_exclusion_in_allowed_exclusions_passes() -> None:
    config = {"allowedExclusions": ["AWS::EC2::NetworkInterface"]}
    reporter = check_resource(
        config_recorder_all_resources, RECORDER, {"recordingGroup": EXCLUDE_ENI}, config=config
    )
    assert not reporter.violations


def test_config_recorder_all_resources_other_type_ignored_passes() -> None:
    props = {"recordingGroup": {"allSupported": False}}
    assert not check_resource(config_recorder_all_resources, RECORDER_STATUS, props).violations


def test_config_recorder_all_resources_unknown_group_raises_unknown() -> None:
    with pytest.raises(UnknownValueError):
        check_resource(config_recorder_all_resources, RECORDER, {"recordingGroup": UNKNOWN_STRING})


def test_config_recorder_all_resources_unknown_exclusions_raises_unknown() -> None:
    group = dict(EXCLUDE_ENI, exclusionByResourceTypes=[{"resourceTypes": UNKNOWN_ARRAY}])
    with pytest.raises(UnknownValueError):
        check_resource(config_recorder_all_resources, RECORDER, {"recordingGroup": group})


# --- config-recorder-enabled


def test_config_recorder_enabled_true_passes() -> None:
    props = {"name": "default", "isEnabled": True}
    assert not check_resource(config_recorder_enabled, RECORDER_STATUS, props).violations


def test_config_recorder_enabled_false_fails() -> None:
    reporter = check_resource(config_recorder_enabled, RECORDER_STATUS, {"isEnabled": False})
    assert reporter.messages == [
        "The AWS Config recorder status must set `isEnabled` to true; a stopped recorder "
        "records nothing and every Config rule goes silent."
    ]


def test_config_recorder_enabled_missing_fails() -> None:
    assert check_resource(config_recorder_enabled, RECORDER_STATUS, {"name": "x"}).violations


def test_config_recorder_enabled_unknown_raises_unknown() -> None:
    with pytest.raises(UnknownValueError) as err:
        check_resource(config_recorder_enabled, RECORDER_STATUS, {"isEnabled": UNKNOWN_BOOL})
    assert "can't be known during preview" in err.value.message


# --- config-global-resources-once

P1_HOME, P1_EU = aws_provider(PROD, "us-east-1"), aws_provider(PROD, "eu-west-1", name="eu")


def _recorders(*flags: object, provider=P1_HOME) -> Stack:  # type: ignore[no-untyped-def]
    stack = Stack()
    for index, flag in enumerate(flags):
        region = ["us-east-1", "eu-west-1", "ap-south-1"][index]
        group = {"allSupported": True, "includeGlobalResourceTypes": flag}
        stack.add(
            RECORDER,
            f"rec-{region}",
            {"region": region, "recordingGroup": group},
            provider=provider,
        )
    return stack


def test_config_global_resources_once_exactly_one_passes() -> None:
    assert not _recorders(True, False).check(config_global_resources_once).violations


def test_config_global_resources_once_in_two_regions_fails() -> None:
    reporter = _recorders(True, True, False).check(config_global_resources_once)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(f"The account {PROD} must have exactly one")
    assert "eu-west-1, us-east-1" in reporter.messages[0]


def test_config_global_resources_once_none_fails() -> None:
    reporter = _recorders(False, False).check(config_global_resources_once)
    assert len(reporter.violations) == 1
    assert "none of its recorders" in reporter.messages[0]


def test_config_global_resources_once_groups_by_account_passes() -> None:
    stack = _recorders(True, False)
    group = {"includeGlobalResourceTypes": True}
    stack.add(RECORDER, "staging", {"recordingGroup": group}, provider=aws_provider(STAGING))
    assert not stack.check(config_global_resources_once).violations


def test_config_global_resources_once_all_regions_config_requires_every_recorder_fails() -> None:
    config = {"globalResourcesInAllRegions": True}
    reporter = _recorders(True, False).check(config_global_resources_once, config)
    assert len(reporter.violations) == 1
    assert "eu-west-1" in reporter.messages[0]


def test_config_global_resources_once_all_regions_config_all_true_passes() -> None:
    config = {"globalResourcesInAllRegions": True}
    assert not _recorders(True, True).check(config_global_resources_once, config).violations


def test_config_global_resources_once_unknown_flag_raises_unknown_without_violation() -> None:
    reporter, err = _recorders(False, UNKNOWN_BOOL).check_preview(config_global_resources_once)
    assert not reporter.violations
    assert err.props == ["rec-eu-west-1", "recordingGroup"]


def test_config_global_resources_once_known_duplicate_reported_despite_unknown_fails() -> None:
    stack = _recorders(True, True, UNKNOWN_BOOL)
    reporter = stack.check(config_global_resources_once)  # two known: definite, no raise
    assert len(reporter.violations) == 1


# class 3: the exclusion strategy records global IAM types unless they are excluded
IAM_TYPES = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"]


def _exclusion(*excluded: str, include_global: bool = False) -> dict:
    return {
        "allSupported": False,
        "includeGlobalResourceTypes": include_global,  # no effect on this strategy
        "recordingStrategies": [{"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}],
        "exclusionByResourceTypes": [{"resourceTypes": list(excluded)}],
    }


def _two_recorders(home_group: dict, other_group: dict) -> Stack:
    stack = Stack()
    stack.add(
        RECORDER, "home", {"region": "us-east-1", "recordingGroup": home_group}, provider=P1_HOME
    )
    stack.add(
        RECORDER, "eu", {"region": "eu-west-1", "recordingGroup": other_group}, provider=P1_HOME
    )
    return stack


REGIONAL = {"allSupported": True, "includeGlobalResourceTypes": False}
GLOBAL = {"allSupported": True, "includeGlobalResourceTypes": True}


def test_config_global_resources_once_exclusion_strategy_alone_records_them_passes() -> None:
    # Before: read as not recording global types ("none of its recorders") - a false alarm.
    stack = _two_recorders(_exclusion("AWS::EC2::NetworkInterface"), REGIONAL)
    assert not stack.check(config_global_resources_once).violations


def test_config_global_resources_once_exclusion_beside_global_recorder_fails() -> None:
    # Before: missed; both record IAM types, every IAM change is paid for twice.
    stack = _two_recorders(GLOBAL, _exclusion("AWS::EC2::NetworkInterface"))
    reporter = stack.check(config_global_resources_once)
    assert len(reporter.violations) == 1
    assert "records them in eu-west-1, us-east-1" in reporter.messages[0]


def test_config_global_resources_once_exclusion_of_every_iam_type_is_regional_passes() -> None:
    stack = _two_recorders(GLOBAL, _exclusion(*IAM_TYPES, include_global=True))
    assert not stack.check(config_global_resources_once).violations


def test_config_global_resources_once_inclusion_listing_iam_types_records_them_fails() -> None:
    inclusion = {
        "allSupported": False,
        "includeGlobalResourceTypes": False,
        "recordingStrategies": [{"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}],
        "resourceTypes": ["AWS::IAM::User", "AWS::S3::Bucket"],
    }
    reporter = _two_recorders(GLOBAL, inclusion).check(config_global_resources_once)
    assert len(reporter.violations) == 1


def test_config_global_resources_once_unknown_exclusions_enough_to_decide_raise_unknown() -> None:
    stack = _two_recorders(GLOBAL, _exclusion(*IAM_TYPES[:3], UNKNOWN_STRING))
    reporter, err = stack.check_preview(config_global_resources_once)
    assert not reporter.violations
    assert err.props == ["eu", "recordingGroup"]


def test_config_global_resources_once_unknown_exclusion_too_few_to_matter_fails() -> None:
    # Two IAM types are still recorded whatever the one unknown exclusion is.
    stack = _two_recorders(GLOBAL, _exclusion(IAM_TYPES[0], UNKNOWN_STRING))
    assert len(stack.check(config_global_resources_once).violations) == 1


def test_config_global_resources_once_all_regions_config_unplaced_non_recording_fails() -> None:
    # With global types wanted everywhere, the account does not matter.
    stack = Stack()
    unknown_account = aws_provider(style="none", props={"assumeRoles": UNKNOWN_STRING})
    stack.add(RECORDER, "r", {"recordingGroup": REGIONAL}, provider=unknown_account)
    reporter = stack.check(config_global_resources_once, {"globalResourcesInAllRegions": True})
    assert len(reporter.violations) == 1


# --- config-recorder-unique


def test_config_recorder_unique_one_per_region_passes() -> None:
    assert not _recorders(True, False, False).check(config_recorder_unique).violations


def test_config_recorder_unique_two_in_one_region_fails() -> None:
    stack = _recorders(True)
    stack.add(RECORDER, "adopted", {"recordingGroup": {}}, provider=P1_HOME)
    reporter = stack.check(config_recorder_unique)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(f"The account {PROD} must have at most one")
    # The one whose URN sorts second: AnalyzeStack's order is not defined by the engine.
    assert reporter.urns[0] is not None and reporter.urns[0].endswith("::rec-us-east-1")


def test_config_recorder_unique_blames_the_same_recorder_in_any_order() -> None:
    forward = _recorders(True)
    forward.add(RECORDER, "adopted", {"recordingGroup": {}}, provider=P1_HOME)
    backward = Stack()
    backward.add(RECORDER, "adopted", {"recordingGroup": {}}, provider=P1_HOME)
    for resource in _recorders(True).resources:
        backward.resources.append(resource)
    assert forward.check(config_recorder_unique).urns == backward.check(config_recorder_unique).urns


def test_config_recorder_unique_same_region_other_account_passes() -> None:
    stack = _recorders(True)
    stack.add(RECORDER, "staging", {}, provider=aws_provider(STAGING, "us-east-1"))
    assert not stack.check(config_recorder_unique).violations


def test_config_recorder_unique_region_input_separates_passes() -> None:
    stack = Stack()
    stack.add(RECORDER, "a", {"region": "us-east-1"}, provider=P1_EU)
    stack.add(RECORDER, "b", {}, provider=P1_EU)  # provider region eu-west-1
    assert not stack.check(config_recorder_unique).violations


def test_config_recorder_unique_unknown_region_alone_in_its_account_passes() -> None:
    # Class 4: nothing it could clash with, whatever its region.
    stack = _recorders(True)
    stack.add(
        RECORDER, "b", {"region": UNKNOWN_STRING}, provider=aws_provider(STAGING, "us-east-1")
    )
    assert not stack.check(config_recorder_unique).violations


def test_config_recorder_unique_unknown_region_raises_unknown() -> None:
    stack = _recorders(True)
    stack.add(RECORDER, "b", {"region": UNKNOWN_STRING}, provider=P1_HOME)
    with pytest.raises(UnknownValueError):
        stack.check(config_recorder_unique)
