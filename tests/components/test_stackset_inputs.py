"""StackSet inputs against botocore's CloudFormation model: what fits passes, and each rule
(enums, bounds, patterns, the API reference's either-or rules) rejects its bad value."""

from __future__ import annotations

import pytest
from rootguard.components import stackset_inputs as inputs


def test_stackset_inputs_bounds_and_enums_come_from_botocore() -> None:
    assert inputs.bounds("StackSetOperationPreferences", "MaxConcurrentPercentage") == (1, 100)
    assert inputs.bounds("StackSetOperationPreferences", "FailureTolerancePercentage") == (0, 100)
    assert inputs.enum("RegionConcurrencyType") == ("SEQUENTIAL", "PARALLEL")
    assert "DIFFERENCE" in inputs.enum("AccountFilterType")
    assert inputs.pattern("OrganizationalUnitId").startswith("^(ou-")


def test_stackset_inputs_preferences_that_fit_pass() -> None:
    preferences = inputs.operation_preferences(
        {
            "max_concurrent_percentage": 25,
            "failure_tolerance_percentage": 10,
            "concurrency_mode": "SOFT_FAILURE_TOLERANCE",
            "region_concurrency": "SEQUENTIAL",
            "region_order": ["us-east-1", "eu-west-1"],
        }
    )
    assert preferences == {
        "MaxConcurrentPercentage": 25,
        "FailureTolerancePercentage": 10,
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": ["us-east-1", "eu-west-1"],
    }
    assert inputs.problems("StackSetOperationPreferences", preferences) == []


@pytest.mark.parametrize(
    ("chosen", "problem"),
    [
        ({"max_concurrent_percentage": 0}, "MaxConcurrentPercentage 0 must be between 1 and 100"),
        ({"failure_tolerance_percentage": 101}, "must be between 0 and 100"),
        ({"max_concurrent_count": 0}, "MaxConcurrentCount 0 must be between 1 and any"),
        ({"region_concurrency": "FAST"}, "'FAST' is not valid; expected one of SEQUENTIAL"),
        ({"concurrency_mode": "LOOSE"}, "'LOOSE' is not valid"),
        (
            {"max_concurrent_count": 3, "max_concurrent_percentage": 10},
            "takes MaxConcurrentCount or MaxConcurrentPercentage, not both",
        ),
        (
            {"failure_tolerance_count": 1, "failure_tolerance_percentage": 10},
            "takes FailureToleranceCount or FailureTolerancePercentage, not both",
        ),
        (
            {"max_concurrent_count": 5, "failure_tolerance_count": 1},
            "MaxConcurrentCount must be at most FailureToleranceCount + 1",
        ),
        ({"max_concurrent_count": "5"}, "'5' must be a whole number"),
        ({"speed": 5}, "unknown operation preferences ['speed']"),
    ],
    ids=[
        "percent-zero",
        "tolerance-over-100",
        "count-zero",
        "region-concurrency",
        "concurrency-mode",
        "both-concurrency",
        "both-tolerance",
        "strict-count",
        "not-a-number",
        "unknown-key",
    ],
)
def test_stackset_inputs_preferences_rejected(chosen: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError) as err:
        inputs.operation_preferences(chosen)
    assert problem in str(err.value)


def test_stackset_inputs_strict_rule_does_not_bind_soft_mode() -> None:
    chosen = {
        "max_concurrent_count": 5,
        "failure_tolerance_count": 1,
        "concurrency_mode": "SOFT_FAILURE_TOLERANCE",
    }
    assert inputs.operation_preferences(chosen)["MaxConcurrentCount"] == 5


def test_stackset_inputs_deployment_targets_that_fit_pass() -> None:
    assert inputs.deployment_targets(["r-ab12", "ou-ab12-workload"]) == {
        "OrganizationalUnitIds": ["r-ab12", "ou-ab12-workload"]
    }
    targets = inputs.deployment_targets(["r-ab12"], ["111111111111"], "DIFFERENCE")
    assert targets["AccountFilterType"] == "DIFFERENCE"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ((["ou-bad"],), "'ou-bad' does not match"),
        ((["r-ab12"], ["12345"], "DIFFERENCE"), "Accounts[0] '12345' does not match"),
        ((["r-ab12"], ["111111111111"]), "needs an AccountFilterType"),
        ((["r-ab12"], ["111111111111"], "UNION"), "UNION is not supported for a create"),
        ((["r-ab12"], ["111111111111"], "SOME"), "'SOME' is not valid"),
        (([],), "must name at least one OU or root"),
    ],
    ids=["ou-pattern", "account-pattern", "no-filter", "union", "bad-filter", "no-ou"],
)
def test_stackset_inputs_deployment_targets_rejected(
    args: tuple[list[str], ...], problem: str
) -> None:
    with pytest.raises(ValueError) as err:
        inputs.deployment_targets(*args)
    assert problem in str(err.value)


def test_stackset_inputs_auto_deployment_retain_only_when_enabled() -> None:
    assert inputs.auto_deployment(enabled=True, retain_stacks_on_account_removal=True) == {
        "Enabled": True,
        "RetainStacksOnAccountRemoval": True,
    }
    assert inputs.auto_deployment(enabled=False, retain_stacks_on_account_removal=True) == {
        "Enabled": False
    }


def test_stackset_inputs_whole_request_is_checked_by_botocore_too() -> None:
    request = {
        "StackSetName": "rootguard-member-baseline",
        "Regions": ["us-east-1"],
        "DeploymentTargets": inputs.deployment_targets(["r-ab12"]),
        "OperationPreferences": inputs.operation_preferences({"max_concurrent_percentage": 25}),
        "CallAs": "SELF",
    }
    assert inputs.operation_problems("CreateStackInstances", request) == []
    missing = {key: value for key, value in request.items() if key != "Regions"}
    assert any(
        "Regions" in line for line in inputs.operation_problems("CreateStackInstances", missing)
    )
    wrong = {**request, "CallAs": "ME"}
    assert inputs.operation_problems("CreateStackInstances", wrong) == [
        "CreateStackInstances.CallAs 'ME' is not valid; expected one of SELF, DELEGATED_ADMIN"
    ]
