"""StackSet inputs built in the shapes of the CloudFormation API and checked against
botocore's model of it before anything is declared.

botocore's own parameter validation checks required members, types and minimums, not
enums, maximums or patterns: `problems` walks the model for those too. On top come the
rules the API reference states in prose (carried in the model's documentation):

- "You can specify either MaxConcurrentCount or MaxConcurrentPercentage, but not both",
  and the same for FailureToleranceCount / FailureTolerancePercentage;
- "MaxConcurrentCount is at most one more than the FailureToleranceCount if you're using
  STRICT_FAILURE_TOLERANCE" (the default concurrency mode);
- DeploymentTargets: "When performing create operations, if you specify both
  OrganizationalUnitIds and Accounts, you must also specify the AccountFilterType", and
  UNION is not supported for CreateStackInstances.

The checked dicts are turned into pulumi-aws args by `*_args` functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import botocore.session
import pulumi_aws as aws
from botocore.validate import ParamValidator

SERVICE = "cloudformation"
STRICT = "STRICT_FAILURE_TOLERANCE"


@functools.cache
def model() -> Any:
    return botocore.session.get_session().get_service_model(SERVICE)


def enum(shape_name: str) -> tuple[str, ...]:
    """An enum of the CloudFormation model, e.g. enum("RegionConcurrencyType")."""
    return tuple(model().shape_for(shape_name).enum)


def bounds(structure: str, member: str) -> tuple[int | None, int | None]:
    """The model's (min, max) of a structure member, e.g. bounds("StackSetOperationPreferences",
    "FailureTolerancePercentage") == (0, 100)."""
    metadata = model().shape_for(structure).members[member].metadata
    return metadata.get("min"), metadata.get("max")


def pattern(shape_name: str) -> str:
    return str(model().shape_for(shape_name).metadata["pattern"])


def problems(shape_name: str, value: Any, where: str | None = None) -> list[str]:
    """What the model says is wrong with `value` as a `shape_name` (enums, min, max,
    patterns, unknown members, types); empty when it fits."""
    return _walk(where or shape_name, model().shape_for(shape_name), value)


def _walk(where: str, shape: Any, value: Any) -> list[str]:
    kind = shape.type_name
    metadata = shape.metadata
    if kind == "structure":
        if not isinstance(value, Mapping):
            return [f"{where} must be a mapping"]
        found: list[str] = []
        for key, item in value.items():
            if key not in shape.members:
                known = ", ".join(shape.members)
                found.append(f"{where}.{key} is not a known member; expected one of {known}")
            else:
                found.extend(_walk(f"{where}.{key}", shape.members[key], item))
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where} must be a list"]
        found = [
            problem
            for index, item in enumerate(value)
            for problem in _walk(f"{where}[{index}]", shape.member, item)
        ]
        if "max" in metadata and len(value) > metadata["max"]:
            found.append(f"{where} has {len(value)} items; at most {metadata['max']}")
        return found
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{where} {value!r} must be a whole number"]
        low, high = metadata.get("min"), metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            upper = high if high is not None else "any"
            return [f"{where} {value} must be between {low} and {upper}"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where} {value!r} must be true or false"]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where} {value!r} must be a string"]
        if shape.enum and value not in shape.enum:
            return [f"{where} {value!r} is not valid; expected one of {', '.join(shape.enum)}"]
        regex = metadata.get("pattern")
        if regex and not re.fullmatch(regex, value):
            return [f"{where} {value!r} does not match {regex}"]
        return []
    return []


def operation_problems(operation: str, params: Mapping[str, Any]) -> list[str]:
    """botocore's own validation of a whole request (required members, types, minimums)
    plus `problems` for what it leaves out."""
    input_shape = model().operation_model(operation).input_shape
    report = ParamValidator().validate(dict(params), input_shape)
    found = [line.strip() for line in report.generate_report().splitlines() if line.strip()]
    found += _walk(operation, input_shape, dict(params))
    return found


PREFERENCE_MEMBERS = {
    "max_concurrent_percentage": "MaxConcurrentPercentage",
    "max_concurrent_count": "MaxConcurrentCount",
    "failure_tolerance_percentage": "FailureTolerancePercentage",
    "failure_tolerance_count": "FailureToleranceCount",
    "concurrency_mode": "ConcurrencyMode",
    "region_concurrency": "RegionConcurrencyType",
    "region_order": "RegionOrder",
}
"""Argument names (snake_case) of the StackSetOperationPreferences members."""


def operation_preferences(chosen: Mapping[str, Any]) -> dict[str, Any]:
    """A StackSetOperationPreferences from snake_case settings (PREFERENCE_MEMBERS), None
    values left out, checked; raises ValueError listing every problem."""
    unknown = sorted(set(chosen) - set(PREFERENCE_MEMBERS))
    if unknown:
        raise ValueError(f"unknown operation preferences {unknown}")
    preferences: dict[str, Any] = {
        PREFERENCE_MEMBERS[key]: list(value) if key == "region_order" else value
        for key, value in chosen.items()
        if value is not None
    }
    found = problems("StackSetOperationPreferences", preferences)
    for count, percentage in (
        ("MaxConcurrentCount", "MaxConcurrentPercentage"),
        ("FailureToleranceCount", "FailureTolerancePercentage"),
    ):
        if count in preferences and percentage in preferences:
            found.append(f"StackSetOperationPreferences takes {count} or {percentage}, not both")
    mode = preferences.get("ConcurrencyMode", STRICT)
    if (
        mode == STRICT
        and isinstance(preferences.get("MaxConcurrentCount"), int)
        and isinstance(preferences.get("FailureToleranceCount"), int)
        and preferences["MaxConcurrentCount"] > preferences["FailureToleranceCount"] + 1
    ):
        found.append(
            "StackSetOperationPreferences.MaxConcurrentCount must be at most "
            "FailureToleranceCount + 1 with STRICT_FAILURE_TOLERANCE"
        )
    _raise(found)
    return preferences


def deployment_targets(
    organizational_units: Sequence[str],
    accounts: Sequence[str] = (),
    account_filter: str | None = None,
) -> dict[str, Any]:
    """A DeploymentTargets for CreateStackInstances, checked; raises ValueError."""
    targets: dict[str, Any] = {"OrganizationalUnitIds": list(organizational_units)}
    if accounts:
        targets["Accounts"] = list(accounts)
    if account_filter is not None:
        targets["AccountFilterType"] = account_filter
    found = problems("DeploymentTargets", targets)
    if not organizational_units:
        found.append("DeploymentTargets.OrganizationalUnitIds must name at least one OU or root")
    if accounts and account_filter is None:
        found.append(
            "DeploymentTargets with both OrganizationalUnitIds and Accounts needs an "
            "AccountFilterType for a create operation"
        )
    if account_filter == "UNION":
        found.append("DeploymentTargets.AccountFilterType UNION is not supported for a create")
    _raise(found)
    return targets


def auto_deployment(*, enabled: bool, retain_stacks_on_account_removal: bool) -> dict[str, Any]:
    """An AutoDeployment, checked; RetainStacksOnAccountRemoval only with Enabled, as the
    API reference says."""
    value: dict[str, Any] = {"Enabled": enabled}
    if enabled:
        value["RetainStacksOnAccountRemoval"] = retain_stacks_on_account_removal
    _raise(problems("AutoDeployment", value))
    return value


def _raise(found: list[str]) -> None:
    if found:
        raise ValueError("; ".join(found))


# --------------------------------------------------------------- pulumi-aws arguments

_PREFERENCE_ARGS = {
    "MaxConcurrentPercentage": "max_concurrent_percentage",
    "MaxConcurrentCount": "max_concurrent_count",
    "FailureTolerancePercentage": "failure_tolerance_percentage",
    "FailureToleranceCount": "failure_tolerance_count",
    "ConcurrencyMode": "concurrency_mode",
    "RegionConcurrencyType": "region_concurrency_type",
    "RegionOrder": "region_orders",
}
"""pulumi-aws's argument name of each StackSetOperationPreferences member."""


def stack_set_preferences_args(
    preferences: Mapping[str, Any],
) -> aws.cloudformation.StackSetOperationPreferencesArgs:
    return aws.cloudformation.StackSetOperationPreferencesArgs(
        **{_PREFERENCE_ARGS[key]: value for key, value in preferences.items()}
    )


def instance_preferences_args(
    preferences: Mapping[str, Any],
) -> aws.cloudformation.StackSetInstanceOperationPreferencesArgs:
    return aws.cloudformation.StackSetInstanceOperationPreferencesArgs(
        **{_PREFERENCE_ARGS[key]: value for key, value in preferences.items()}
    )


def deployment_targets_args(
    targets: Mapping[str, Any],
) -> aws.cloudformation.StackSetInstanceDeploymentTargetsArgs:
    return aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
        organizational_unit_ids=targets["OrganizationalUnitIds"],
        accounts=targets.get("Accounts"),
        account_filter_type=targets.get("AccountFilterType"),
    )


def auto_deployment_args(value: Mapping[str, Any]) -> aws.cloudformation.StackSetAutoDeploymentArgs:
    return aws.cloudformation.StackSetAutoDeploymentArgs(
        enabled=value["Enabled"],
        retain_stacks_on_account_removal=value.get("RetainStacksOnAccountRemoval"),
    )
