"""MemberRollout under the recording mocks: the StackSets, their instances and the
management account's own stacks, as planned; their inputs as CloudFormation's API takes
them (botocore's model)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from rootguard.components import MemberRollout, MemberRolloutArgs
from rootguard.components import stackset_inputs as inputs
from rootguard.components.member_template import parameter_names, render_template
from rootguard.components.stackset_rollout import (
    STACKSETS_PRINCIPAL,
    TRUSTED_ACCESS_COMMAND,
    _Plan,
    merged_preferences,
)
from rootguard.components.validation import DEFAULT_ENABLED_REGIONS

from tests.conftest import Recorder, Registration

STACK_SET = "aws:cloudformation/stackSet:StackSet"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
STACK = "aws:cloudformation/stack:Stack"
BUCKET = "rootguard-org-config-555555555555-us-east-1"
BUS = "arn:aws:events:us-east-1:777777777777:event-bus/rootguard-root-activity"
TARGETS = ["ou-ab12-workload", "ou-ab12-sandbox1"]
REGIONS = ["eu-west-1", "us-east-1"]


def _declare(mocks: Recorder, **extra: Any) -> None:
    def program() -> None:
        policy = aws.s3.BucketPolicy("bucket-policy", bucket=BUCKET, policy="{}")
        args: dict[str, Any] = {
            "home_region": "us-east-1",
            "regions": REGIONS,
            "targets": TARGETS,
            "delivery_bucket": BUCKET,
            "event_bus_arn": BUS,
            "prerequisites": [policy],
            "forwarding_regions": REGIONS,
            **extra,
        }
        MemberRollout("members", MemberRolloutArgs(**args))  # type: ignore[typeddict-item]

    mocks.run(program)


def _by_set(mocks: Recorder, kind: str) -> dict[str, list[Registration]]:
    found: dict[str, list[Registration]] = {}
    for reg in mocks.of_type(kind):
        found.setdefault(reg.inputs.get("stackSetName", reg.inputs.get("name")), []).append(reg)
    return found


def test_rollout_stack_set_is_service_managed_auto_deployed(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    stack_set = pulumi_mocks.one(STACK_SET)
    assert stack_set.inputs["name"] == "rootguard-member-baseline"
    assert stack_set.inputs["permissionModel"] == "SERVICE_MANAGED"
    assert stack_set.inputs["autoDeployment"] == {
        "enabled": True,
        "retainStacksOnAccountRemoval": False,
    }
    assert stack_set.inputs["callAs"] == "SELF"
    assert stack_set.inputs["capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert stack_set.inputs["managedExecution"] == {"active": True}
    assert stack_set.inputs["templateBody"] == render_template()
    assert stack_set.ignore_changes == ["administrationRoleArn"]


def test_rollout_stack_set_sets_every_template_parameter(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    parameters = pulumi_mocks.one(STACK_SET).inputs["parameters"]
    assert sorted(parameters) == sorted(parameter_names())
    assert parameters["DeliveryBucketName"] == BUCKET
    assert parameters["EventBusArn"] == BUS
    assert parameters["HomeRegion"] == "us-east-1"
    assert parameters["RecorderMode"] == "create"


def test_rollout_forwards_from_every_default_region(pulumi_mocks: Recorder) -> None:
    # Forwarders in the 17 regions every account can be used in, recorders in `regions`.
    _declare(pulumi_mocks, forwarding_regions=sorted(DEFAULT_ENABLED_REGIONS))
    regions = {i.inputs["stackSetInstanceRegion"] for i in pulumi_mocks.of_type(INSTANCE)}
    assert regions == set(DEFAULT_ENABLED_REGIONS) | set(REGIONS)
    body = pulumi_mocks.one(STACK_SET).inputs["templateBody"]
    assert body == render_template([], REGIONS)
    assert len(pulumi_mocks.of_type(STACK)) == len(regions)


def test_rollout_default_forwarding_regions_are_the_default_enabled_ones() -> None:
    rollout_args: dict[str, Any] = {
        "home_region": "us-east-1",
        "regions": REGIONS,
        "targets": TARGETS,
        "delivery_bucket": BUCKET,
        "event_bus_arn": BUS,
    }
    plan = _Plan(MemberRolloutArgs(**rollout_args))  # type: ignore[typeddict-item]
    assert set(plan.regions) == set(DEFAULT_ENABLED_REGIONS)
    assert plan.regions[0] == "us-east-1"
    assert plan.recording_regions == REGIONS


def test_rollout_one_instance_per_region_home_region_first(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    instances = pulumi_mocks.of_type(INSTANCE)
    assert sorted(i.inputs["stackSetInstanceRegion"] for i in instances) == sorted(REGIONS)
    for instance in instances:
        assert instance.inputs["deploymentTargets"] == {"organizationalUnitIds": TARGETS}
        assert "region" not in instance.inputs  # deprecated: it would name the target region
    update = pulumi_mocks.one(STACK_SET).inputs["operationPreferences"]
    assert update["regionOrders"] == ["us-east-1", "eu-west-1"]
    assert update["regionConcurrencyType"] == "SEQUENTIAL"


def test_rollout_instances_wait_for_bucket_and_bus_policies(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    policy = pulumi_mocks.by_name("bucket-policy")
    for reg in pulumi_mocks.of_type(INSTANCE) + pulumi_mocks.of_type(STACK):
        assert policy.urn in reg.dependencies, reg.name


def test_rollout_excluded_accounts_are_a_difference_filter(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, excluded_accounts=["666666666666", "111111111111"])
    for instance in pulumi_mocks.of_type(INSTANCE):
        assert instance.inputs["deploymentTargets"] == {
            "organizationalUnitIds": TARGETS,
            "accounts": ["111111111111", "666666666666"],
            "accountFilterType": "DIFFERENCE",
        }


def test_rollout_management_account_gets_plain_stacks(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    stacks = pulumi_mocks.of_type(STACK)
    assert sorted(s.inputs["region"] for s in stacks) == sorted(REGIONS)
    for stack in stacks:
        assert stack.inputs["name"] == "rootguard-member-baseline"
        assert stack.inputs["templateBody"] == render_template()
        assert stack.inputs["parameters"]["RecorderMode"] == "create"
        assert stack.inputs["capabilities"] == ["CAPABILITY_NAMED_IAM"]


def test_rollout_delegated_admin_calls_as_one_and_has_no_own_stacks(
    pulumi_mocks: Recorder,
) -> None:
    _declare(pulumi_mocks, delegated_admin=True)
    assert pulumi_mocks.one(STACK_SET).inputs["callAs"] == "DELEGATED_ADMIN"
    assert {i.inputs["callAs"] for i in pulumi_mocks.of_type(INSTANCE)} == {"DELEGATED_ADMIN"}
    assert pulumi_mocks.of_type(STACK) == []


def test_rollout_skip_recorder_ous_get_a_forwarding_only_stack_set(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, skip_recorder_ous=["ou-ab12-ctrltowr"])
    sets = {s.inputs["name"]: s for s in pulumi_mocks.of_type(STACK_SET)}
    forwarding = sets["rootguard-member-baseline-forwarding-only"]
    assert forwarding.inputs["parameters"]["RecorderMode"] == "skip"
    assert forwarding.inputs["autoDeployment"]["enabled"] is True
    instances = _by_set(pulumi_mocks, INSTANCE)
    assert len(instances) == 2 and all(len(regs) == 2 for regs in instances.values())
    ous = {
        reg.inputs["deploymentTargets"]["organizationalUnitIds"][0]
        for reg in pulumi_mocks.of_type(INSTANCE)
    }
    assert ous == {"ou-ab12-workload", "ou-ab12-ctrltowr"}


def test_rollout_self_recording_accounts_are_in_the_template(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, self_recording_accounts=["888888888888"])
    body = pulumi_mocks.one(STACK_SET).inputs["templateBody"]
    assert body == render_template(["888888888888"])
    assert "888888888888" in body


def test_rollout_retain_on_removal_is_passed(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, retain_stacks_on_account_removal=True)
    auto = pulumi_mocks.one(STACK_SET).inputs["autoDeployment"]
    assert auto["retainStacksOnAccountRemoval"] is True


def test_rollout_planned_inputs_fit_the_cloudformation_api(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, excluded_accounts=["666666666666"])
    stack_set = pulumi_mocks.one(STACK_SET)
    for instance in pulumi_mocks.of_type(INSTANCE):
        targets = instance.inputs["deploymentTargets"]
        preferences = instance.inputs["operationPreferences"]
        request = {
            "StackSetName": stack_set.inputs["name"],
            "Regions": [instance.inputs["stackSetInstanceRegion"]],
            "DeploymentTargets": {
                "OrganizationalUnitIds": targets["organizationalUnitIds"],
                "Accounts": targets["accounts"],
                "AccountFilterType": targets["accountFilterType"],
            },
            # Numbers cross the engine's wire as floats; the API takes whole numbers.
            "OperationPreferences": {
                member: int(v) if isinstance(v := preferences[arg], float) else v
                for member, arg in (
                    ("MaxConcurrentPercentage", "maxConcurrentPercentage"),
                    ("FailureTolerancePercentage", "failureTolerancePercentage"),
                    ("ConcurrencyMode", "concurrencyMode"),
                )
            },
            "CallAs": instance.inputs["callAs"],
        }
        assert inputs.operation_problems("CreateStackInstances", request) == []
    auto = stack_set.inputs["autoDeployment"]
    api_auto = {"Enabled": auto["enabled"], "RetainStacksOnAccountRemoval": False}
    assert inputs.problems("AutoDeployment", api_auto) == []


def test_rollout_preferences_default_and_a_count_replaces_a_percentage() -> None:
    assert merged_preferences(None)["max_concurrent_percentage"] == 25
    chosen = merged_preferences({"failure_tolerance_count": 2})
    assert chosen["failure_tolerance_count"] == 2
    assert "failure_tolerance_percentage" not in chosen
    assert chosen["max_concurrent_percentage"] == 25


def test_rollout_chosen_preferences_reach_the_instances(pulumi_mocks: Recorder) -> None:
    _declare(
        pulumi_mocks,
        operation_preferences={"max_concurrent_count": 10, "failure_tolerance_count": 9},
    )
    for instance in pulumi_mocks.of_type(INSTANCE):
        preferences = instance.inputs["operationPreferences"]
        assert preferences["maxConcurrentCount"] == 10
        assert preferences["failureToleranceCount"] == 9
        assert "maxConcurrentPercentage" not in preferences


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"regions": ["eu-west-1"]}, "home_region: 'us-east-1' is not valid; expected one of"),
        ({"targets": []}, "targets: [] is not valid; expected at least one OU id"),
        ({"skip_recorder_ous": [TARGETS[0]]}, "expected OUs that are not targets too"),
        ({"targets": ["workloads"]}, "'workloads' does not match"),
        ({"excluded_accounts": ["123"]}, "excluded_accounts[0]: '123' is not valid"),
        ({"home_region": "il-central-1", "regions": ["il-central-1"]}, "home_region:"),
        ({"forwarding_regions": ["mars-1"]}, "forwarding_regions[0]: 'mars-1' is not valid"),
        (
            {"operation_preferences": {"max_concurrent_percentage": 0}},
            "MaxConcurrentPercentage 0 must be between 1 and 100",
        ),
        (
            {"trusted_services": ["config.amazonaws.com"]},
            f"run `{TRUSTED_ACCESS_COMMAND}` in the management account first",
        ),
    ],
    ids=[
        "home-region",
        "no-targets",
        "skip-is-target",
        "ou-id",
        "excluded",
        "late-home-region",
        "forwarding-region",
        "preferences",
        "trust",
    ],
)
def test_rollout_bad_args_fail_before_anything_is_declared(
    pulumi_mocks: Recorder, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception) as err:
        _declare(pulumi_mocks, **extra)
    assert message in str(err.value)
    assert [r.type for r in pulumi_mocks.registrations] == ["aws:s3/bucketPolicy:BucketPolicy"]


def test_rollout_trusted_access_enabled_passes(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, trusted_services=[STACKSETS_PRINCIPAL, "config.amazonaws.com"])
    assert len(pulumi_mocks.of_type(INSTANCE)) == 2


def test_rollout_recording_lists_instances_and_own_stacks(pulumi_mocks: Recorder) -> None:
    found: list[pulumi.Resource] = []

    def program() -> None:
        rollout = MemberRollout(
            "members",
            {
                "home_region": "us-east-1",
                "regions": REGIONS,
                "targets": TARGETS,
                "delivery_bucket": BUCKET,
                "event_bus_arn": BUS,
            },
        )
        found.extend(rollout.recording)

    pulumi_mocks.run(program)
    assert len(found) == len(pulumi_mocks.of_type(INSTANCE)) + len(pulumi_mocks.of_type(STACK))
