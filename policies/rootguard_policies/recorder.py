"""AWS Config recorders: what they record, that they run, where global types are
recorded, and that each account and region has at most one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .placement import the_account
from .stack import StackIndex
from .tokens import RECORDER, RECORDER_STATUS
from .values import Undecided, as_list, dig, is_unknown, read

EXCLUSION_STRATEGY = "EXCLUSION_BY_RESOURCE_TYPES"
INCLUSION_STRATEGY = "INCLUSION_BY_RESOURCE_TYPES"


# --- config-recorder-all-resources -------------------------------------------------------


def config_recorder_all_resources_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type != RECORDER:
        return
    undecided = Undecided()
    group = read(args.props, "recordingGroup")
    allowed = set(args.get_config().get("allowedExclusions", []))
    # An omitted recording group is AWS's default: every supported type.
    if group is not None:
        if is_unknown(group):
            undecided.note(group, "recordingGroup")
        else:
            _check_recording_group(group, allowed, undecided, args, report_violation)
    undecided.settle()


def _check_recording_group(
    group: Mapping[str, Any],
    allowed: set[str],
    undecided: Undecided,
    args: ResourceValidationArgs,
    report_violation: ReportViolation,
) -> None:
    strategy = dig(group, "recordingStrategies", "useOnly")
    if strategy is None:  # v6 spelled the block in the singular
        strategy = dig(group, "recordingStrategy", "useOnly")
    all_supported = group.get("allSupported")
    chosen_types = group.get("resourceTypes")
    if is_unknown(strategy):
        undecided.note(strategy, "recordingGroup", "recordingStrategies", "useOnly")
        return
    if strategy == EXCLUSION_STRATEGY:
        excluded = dig(group, "exclusionByResourceTypes", "resourceTypes")
        if is_unknown(excluded):
            undecided.note(excluded, "recordingGroup", "exclusionByResourceTypes")
            return
        unknown = [t for t in as_list(excluded) if is_unknown(t)]
        not_allowed = sorted(
            str(t) for t in as_list(excluded) if not is_unknown(t) and t not in allowed
        )
        if not_allowed:
            report_violation(
                "The AWS Config recorder must record all supported resource types; it "
                f"excludes {', '.join(not_allowed)}, which the policy config "
                "`allowedExclusions` does not allow.",
                args.urn,
            )
        elif unknown:
            undecided.note(unknown[0], "recordingGroup", "exclusionByResourceTypes")
        return
    if is_unknown(all_supported):
        undecided.note(all_supported, "recordingGroup", "allSupported")
        return
    # allSupported defaults to true when the group names no chosen types.
    records_a_list = (
        strategy == INCLUSION_STRATEGY
        or all_supported is False
        or (all_supported is None and bool(chosen_types))
    )
    if records_a_list:
        report_violation(
            "The AWS Config recorder must record all supported resource types: omit the "
            "recording group, set `allSupported` to true, or use an exclusion strategy "
            "limited to `allowedExclusions`; it records only a chosen list of types.",
            args.urn,
        )


config_recorder_all_resources = ResourceValidationPolicy(
    name="config-recorder-all-resources",
    description=(
        "AWS Config recorders must record all supported resource types, so that no "
        "resource (the root account's IAM changes included) escapes evaluation."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_recorder_all_resources_validator,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedExclusions": {
                "type": "array",
                "items": {"type": "string", "pattern": "^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$"},
                "uniqueItems": True,
                "default": [],
                "description": (
                    "Resource types (e.g. AWS::EC2::NetworkInterface) an exclusion "
                    "recording strategy may leave out."
                ),
            }
        }
    ),
)


# --- config-recorder-enabled -------------------------------------------------------------


def config_recorder_enabled_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type != RECORDER_STATUS:
        return
    # Reading through the proxy raises UnknownValueError while the flag is unknown;
    # the pack reports that as an advisory "can't be known during preview".
    enabled = args.props.get("isEnabled")
    if enabled is not True:
        report_violation(
            "The AWS Config recorder status must set `isEnabled` to true; a stopped "
            "recorder records nothing and every Config rule goes silent.",
            args.urn,
        )


config_recorder_enabled = ResourceValidationPolicy(
    name="config-recorder-enabled",
    description="AWS Config recorders must be running.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_recorder_enabled_validator,
)


# --- config-global-resources-once --------------------------------------------------------


def config_global_resources_once_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    recorders = stack.of_type(RECORDER)
    flags = {r.urn: records_global_types(stack.props(r)) for r in recorders}
    if args.get_config().get("globalResourcesInAllRegions", False) is True:
        # Every recorder on its own: neither its account nor its region matters.
        for recorder in recorders:
            flag = flags[recorder.urn]
            if is_unknown(flag):
                undecided.note(flag, recorder.name, "recordingGroup")
            elif not flag:
                report_violation(
                    f"The AWS Config recorder {recorder.name} must record global resource "
                    "types (`includeGlobalResourceTypes` true, or not excluded by an "
                    "exclusion strategy), because the policy config "
                    "`globalResourcesInAllRegions` asks for them in every region.",
                    recorder.urn,
                )
        undecided.settle()
        return

    by_account: dict[str, list[PolicyResource]] = defaultdict(list)
    unplaced: list[PolicyResource] = []
    for recorder in recorders:
        # Only the account groups recorders; an unknown region leaves the count intact.
        account = stack.account(recorder)
        if account is None:
            # It may land in any account: one more recorder there changes the count.
            unplaced.append(recorder)
            undecided.note_error(stack.unaccounted_reason(recorder), recorder.name)
        else:
            by_account[account].append(recorder)
    may_record_unplaced = any(flags[r.urn] is not False for r in unplaced)

    for account in sorted(by_account):
        placed = sorted(by_account[account], key=lambda r: (_region(stack, r), r.urn))
        recording = [r for r in placed if flags[r.urn] is True]
        unknown = [r for r in placed if is_unknown(flags[r.urn])]
        if len(recording) > 1:
            regions = ", ".join(_region(stack, r) for r in recording)
            report_violation(
                f"{the_account(account)} must have exactly one AWS Config recorder that "
                f"records global resource types; it records them in {regions}, paying for "
                "every IAM change more than once.",
                recording[1].urn,
            )
        elif not recording and not unknown and not may_record_unplaced:
            regions = ", ".join(_region(stack, r) for r in placed)
            report_violation(
                f"{the_account(account)} must have exactly one AWS Config recorder that "
                f"records global resource types; none of its recorders ({regions}) records "
                "them, so the IAM changes that matter for the root user go unrecorded.",
                placed[0].urn,
            )
        elif unknown and len(recording) <= 1:
            recorder = unknown[0]
            undecided.note(flags[recorder.urn], recorder.name, "recordingGroup")
    undecided.settle()


GLOBAL_IAM_TYPES = frozenset(
    {"AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"}
)
"""The global IAM resource types `includeGlobalResourceTypes` bundles (IAM users, groups,
roles and customer managed policies; Config API reference, RecordingGroup)."""


def records_global_types(props: Mapping[str, Any]) -> Any:
    """Whether a recorder with inputs `props` records global IAM types: True, False, or
    the sentinel of the unknown value that decides it.

    As the Config API reference states it (RecordingGroup, ExclusionByResourceTypes):
    - the exclusion strategy records every supported type, the global IAM ones
      included, unless they are listed as exclusions; `includeGlobalResourceTypes` has
      no effect there;
    - a recording group that lists types (the inclusion strategy) records the global
      IAM types it lists, whatever `includeGlobalResourceTypes` says;
    - otherwise (all supported types, or no group: AWS's default) only
      `includeGlobalResourceTypes: true` adds them.
    """
    group = props.get("recordingGroup")
    if group is None or is_unknown(group):
        return False if group is None else group
    strategy = dig(group, "recordingStrategies", "useOnly")
    if strategy is None:  # v6 spelled the block in the singular
        strategy = dig(group, "recordingStrategy", "useOnly")
    if is_unknown(strategy):
        return strategy
    if strategy == EXCLUSION_STRATEGY:
        excluded = dig(group, "exclusionByResourceTypes", "resourceTypes")
        if is_unknown(excluded):
            return excluded
        listed = as_list(excluded)
        still_recorded = GLOBAL_IAM_TYPES - {str(t) for t in listed if not is_unknown(t)}
        unknown = [t for t in listed if is_unknown(t)]
        if not still_recorded:
            return False
        # Unknown exclusions could take out the rest only if there are enough of them.
        return unknown[0] if len(unknown) >= len(still_recorded) else True
    chosen = group.get("resourceTypes")
    if strategy == INCLUSION_STRATEGY or (isinstance(chosen, list) and chosen):
        if is_unknown(chosen):
            return chosen
        listed = as_list(chosen)
        if GLOBAL_IAM_TYPES & {str(t) for t in listed if not is_unknown(t)}:
            return True
        return next((t for t in listed if is_unknown(t)), False)
    flag = dig(group, "includeGlobalResourceTypes")
    return flag if is_unknown(flag) else flag is True


def _region(stack: StackIndex, resource: PolicyResource) -> str:
    placement = stack.placement(resource)
    return placement.region_label if placement else "an unknown region"


config_global_resources_once = StackValidationPolicy(
    name="config-global-resources-once",
    description=(
        "Per account, exactly one AWS Config recorder must record global resource types "
        "(IAM, where the root user lives): none misses them, several pay for them twice."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_global_resources_once_validator,
    config_schema=PolicyConfigSchema(
        properties={
            "globalResourcesInAllRegions": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Require global resource types in every recorder instead of exactly "
                    "one per account (some Security Hub / CIS readings ask for this)."
                ),
            }
        }
    ),
)


# --- config-recorder-unique --------------------------------------------------------------


def config_recorder_unique_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    recorders = stack.of_type(RECORDER)
    by_place: dict[Any, list[PolicyResource]] = defaultdict(list)
    for recorder in recorders:
        placement = stack.placement(recorder)
        if placement is None:
            # Undecided only if another recorder could share its account and region.
            account = stack.account(recorder)
            rivals = [
                r
                for r in recorders
                if r is not recorder and (account is None or stack.account(r) in (None, account))
            ]
            if rivals:
                undecided.note_error(stack.unplaced_reason(recorder), recorder.name)
            continue
        by_place[placement].append(recorder)
    for placement in sorted(by_place):
        clashing = by_place[placement]
        if len(clashing) < 2:
            continue
        names = ", ".join(r.name for r in clashing)
        for extra in clashing[1:]:
            report_violation(
                f"{the_account(placement.account)} must have at most one AWS Config "
                f"recorder in {placement.region_label}; the stack declares {len(clashing)} "
                f"({names}) and AWS rejects the second with "
                "MaxNumberOfConfigurationRecordersExceededException.",
                extra.urn,
            )
    undecided.settle()


config_recorder_unique = StackValidationPolicy(
    name="config-recorder-unique",
    description=(
        "An account must have at most one AWS Config recorder per region; AWS allows one."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_recorder_unique_validator,
)
