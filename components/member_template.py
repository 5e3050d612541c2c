"""The member-baseline CloudFormation template, shipped in the package, and its body.

`templates/member-baseline.yaml` is what the organization stack's StackSets deploy to
every account and region they target: AWS Config recording to the central delivery
bucket and root-activity forwarding to the central event bus (see the template's header).
It is read with `importlib.resources`, so it ships in the wheel like the conformance pack
template. `render_template` adds to the `CreateRecorder` condition the regions that record
(the template is deployed to every region an account can be used in, for the root-activity
forwarders) and the accounts that keep a recorder of their own; `stack_parameters` builds
the parameter values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import pulumi
import yaml

from .validation import check_account_id

TEMPLATE_FILE = "member-baseline.yaml"
TEMPLATES_FOLDER = "templates"
MAX_TEMPLATE_BODY_BYTES = 51_200
"""CreateStackSet's and CreateStack's TemplateBody limit (CloudFormation quotas: "Template
body size in a request")."""
MAX_SELF_RECORDING_ACCOUNTS = 300
"""Accounts named in the rendered CreateRecorder condition; keeps the body far below the
limit (about 70 bytes each)."""
CONDITION_FAN_IN = 10
"""Fn::Or takes 2 to 10 conditions (CloudFormation template reference, condition functions)."""

RECORDER_MODES = ("create", "skip")
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
"""The template creates IAM roles with names of its own (rootguard-..., one per region)."""


def template_text() -> str:
    """The shipped template, exactly as in the package."""
    folder = resources.files(__package__) / TEMPLATES_FOLDER
    return (folder / TEMPLATE_FILE).read_text(encoding="utf-8")


def template() -> dict[str, Any]:
    """The shipped template, parsed (long-form intrinsics: plain YAML)."""
    parsed = yaml.safe_load(template_text())
    assert isinstance(parsed, dict)
    return parsed


def parameter_names() -> list[str]:
    return list(template()["Parameters"])


def render_template(
    self_recording_accounts: Sequence[str] = (), recording_regions: Sequence[str] = ()
) -> str:
    """The TemplateBody sent to AWS.

    `self_recording_accounts` already record with a recorder of their own (a console
    click-through): in those accounts the stack creates no recorder role, recorder or
    channel, whatever RecorderMode says. With `recording_regions`, stacks in other regions
    create none either (they forward root activity only); without, every region records.
    Raises ValueError for a malformed id or a body over AWS's limit.
    """
    accounts = sorted(set(self_recording_accounts))
    for account in accounts:
        check_account_id(account, "self_recording_accounts")
    if len(accounts) > MAX_SELF_RECORDING_ACCOUNTS:
        raise ValueError(
            f"at most {MAX_SELF_RECORDING_ACCOUNTS} accounts may keep their own recorder "
            f"in the member template; {len(accounts)} given"
        )
    body = template()
    conditions = body["Conditions"]
    creates = [conditions["CreateRecorder"]]
    if recording_regions:
        conditions["RegionRecords"] = _any_of(
            [
                {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}
                for region in sorted(set(recording_regions))
            ]
        )
        creates.append({"Condition": "RegionRecords"})
    if accounts:
        conditions["AccountRecordsItself"] = _any_of(
            [{"Fn::Equals": [{"Ref": "AWS::AccountId"}, account]} for account in accounts]
        )
        creates.append({"Fn::Not": [{"Condition": "AccountRecordsItself"}]})
    if len(creates) > 1:
        conditions["CreateRecorder"] = {"Fn::And": creates}
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, width=100)
    size = len(text.encode("utf-8"))
    if size > MAX_TEMPLATE_BODY_BYTES:
        raise ValueError(
            f"the member template is {size} bytes; AWS takes at most "
            f"{MAX_TEMPLATE_BODY_BYTES} in TemplateBody"
        )
    return text


def _any_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """One condition true when any of `conditions` is, nesting Fn::Or by tens."""
    while len(conditions) > 1:
        groups = [
            conditions[start : start + CONDITION_FAN_IN]
            for start in range(0, len(conditions), CONDITION_FAN_IN)
        ]
        conditions = [group[0] if len(group) == 1 else {"Fn::Or": group} for group in groups]
    return conditions[0]


def stack_parameters(
    *,
    home_region: str,
    delivery_bucket: pulumi.Input[str],
    event_bus_arn: pulumi.Input[str],
    recorder_mode: str = "create",
    recorder_name: str = "default",
    delivery_channel_name: str = "default",
) -> Mapping[str, pulumi.Input[str]]:
    """The template's parameter values, by name."""
    if recorder_mode not in RECORDER_MODES:
        raise ValueError(f"recorder_mode {recorder_mode!r} must be one of create, skip")
    return {
        "HomeRegion": home_region,
        "DeliveryBucketName": delivery_bucket,
        "EventBusArn": event_bus_arn,
        "RecorderMode": recorder_mode,
        "RecorderName": recorder_name,
        "DeliveryChannelName": delivery_channel_name,
    }
