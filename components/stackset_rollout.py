"""`MemberRollout`: the member baseline fanned out to every account of the target OUs with
CloudFormation StackSets (service-managed permissions, automatic deployment).

- StackSet `rootguard-member-baseline` (RecorderMode create) with one stack instance per
  region for the target OUs, excluded accounts left out (AccountFilterType DIFFERENCE).
- StackSet `rootguard-member-baseline-forwarding-only` (RecorderMode skip), only with
  `skip_recorder_ous`: OUs whose accounts already record (AWS Control Tower) get the
  root-activity forwarding alone. A second StackSet rather than parameter overrides,
  because automatic deployment gives an account that joins later the StackSet's own
  parameter values, not an OU's overrides (aws-cloudformation/cloudformation-coverage-
  roadmap#1291).
- Accounts that keep a recorder of their own (`self_recording_accounts`) are named in the
  rendered template's CreateRecorder condition (components/member_template.py).
- In the stack's own account, which service-managed StackSets never reach ("CloudFormation
  doesn't deploy stack instances to the organization management account",
  DeploymentTargets in the CloudFormation API reference), the same template as one
  CloudFormation stack per region (`own_account`).

Automatic deployment reaches accounts as they join a target OU. When an account leaves
(the organization, or to an OU that is not a target), StackSets deletes its stacks unless
`retain_stacks_on_account_removal`: rootguard's default is to delete them, since an
account outside the organization can no longer deliver to the organization-only bucket
or put events on the organization-only bus.

Every input shape is checked against botocore's CloudFormation model first
(components/stackset_inputs.py). The resource count depends on OUs and regions, never on
the number of accounts.

`OperationPreferencesArgs` is a schema type of the multi-language package: this module
keeps real (not postponed) annotations.
"""

import sys
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from . import stackset_inputs as inputs
from .member_template import CAPABILITIES, render_template, stack_parameters
from .validation import (
    ACCOUNT_ID,
    DEFAULT_ENABLED_REGIONS,
    HOME_REGION,
    InvalidArgument,
    check_each,
    check_regions,
    check_unique,
)

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:stackset_rollout:MemberRollout"
STACK_SET_NAME = "rootguard-member-baseline"
FORWARDING_ONLY_SUFFIX = "-forwarding-only"
OWN_STACK_NAME = "rootguard-member-baseline"
STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
"""Trusted access for CloudFormation StackSets in AWS Organizations (CloudFormation user
guide, "Activate trusted access for StackSets with AWS Organizations")."""
TRUSTED_ACCESS_COMMAND = "aws cloudformation activate-organizations-access"
INSTANCE_TIMEOUT = "3h"
"""A stack instance operation covers every account of the targets in one region."""
DEFAULT_PREFERENCES: dict[str, int | str] = {
    "max_concurrent_percentage": 25,
    "failure_tolerance_percentage": 10,
    "concurrency_mode": "SOFT_FAILURE_TOLERANCE",
    "region_concurrency": "SEQUENTIAL",
}
"""A quarter of the accounts at a time; a region stops after 10 % of its accounts fail,
and with SEQUENTIAL regions (home region first) a broken template update stops there."""


class OperationPreferencesArgs(TypedDict):
    """StackSet operation preferences; a count or a percentage of each, not both."""

    max_concurrent_percentage: NotRequired[int]
    """Accounts deployed at once, in percent of the region's accounts."""
    max_concurrent_count: NotRequired[int]
    """Accounts deployed at once."""
    failure_tolerance_percentage: NotRequired[int]
    """Failed accounts a region tolerates before it stops, in percent."""
    failure_tolerance_count: NotRequired[int]
    """Failed accounts a region tolerates before it stops."""
    concurrency_mode: NotRequired[str]
    """STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE."""
    region_concurrency: NotRequired[str]
    """SEQUENTIAL or PARALLEL: how a StackSet update moves through the regions."""


class MemberRolloutArgs(TypedDict):
    home_region: str
    """The region recording global types; first in every region order; where the
    StackSets are administered (the provider's region)."""
    regions: Sequence[str]
    """Regions where every target account records (AWS Config); must include
    `home_region`."""
    forwarding_regions: NotRequired[Sequence[str]]
    """Further regions the template is deployed to for the root-activity forwarders only.
    Default the regions enabled by default in every account; with them, root activity in
    any region an account can be used in alarms. Add opt-in regions only when every
    target account has enabled them (a stack instance fails where the region is off)."""
    targets: Sequence[str]
    """OU ids (`ou-...`) or the organization root (`r-...`) whose accounts record."""
    delivery_bucket: pulumi.Input[str]
    """The central delivery bucket (CentralDeliveryBucket.bucket_name)."""
    event_bus_arn: pulumi.Input[str]
    """The central event bus (CentralRootActivity.event_bus_arn)."""
    excluded_accounts: NotRequired[Sequence[str]]
    """Accounts of the targets that get no stacks at all."""
    skip_recorder_ous: NotRequired[Sequence[str]]
    """OUs (not under a target) whose accounts already record: forwarding only."""
    self_recording_accounts: NotRequired[Sequence[str]]
    """Accounts of the targets that already record: forwarding only."""
    delegated_admin: NotRequired[bool]
    """The stack runs in a StackSets delegated administrator (CallAs DELEGATED_ADMIN)."""
    own_account: NotRequired[bool]
    """Deploy the template in the stack's own account too (default: not
    `delegated_admin`, i.e. the management account)."""
    trusted_services: NotRequired[Sequence[str]]
    """The organization's trusted services (getOrganization's
    awsServiceAccessPrincipals), when known: StackSets' must be among them."""
    operation_preferences: NotRequired[OperationPreferencesArgs]
    """Default DEFAULT_PREFERENCES."""
    retain_stacks_on_account_removal: NotRequired[bool]
    """Keep the stacks of an account that leaves the targets (default false: delete)."""
    prerequisites: NotRequired[Sequence[pulumi.Resource]]
    """What every stack must wait for: the bucket policy and the bus policy."""


class MemberRollout(pulumi.ComponentResource):
    """The member baseline on every account of the target OUs, now and later."""

    stack_set_names: pulumi.Output[list[str]]
    """The StackSets' names."""

    def __init__(
        self,
        name: str,
        args: MemberRolloutArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        plan = _Plan(args)
        super().__init__(TYPE, name, None, opts)
        body = render_template(plan.self_recording, plan.recording_regions)
        delegated = args.get("delegated_admin", False)
        call_as = "DELEGATED_ADMIN" if delegated else "SELF"
        prerequisites = list(args.get("prerequisites", []))

        self.stack_sets: list[aws.cloudformation.StackSet] = []
        """The StackSets: the recording one, then the forwarding-only one (if any)."""
        self.instances: list[aws.cloudformation.StackSetInstance] = []
        """The stack instances (one per StackSet and region): they create the members'
        recorders, so organization rules and packs must wait for them."""
        self.own_stacks: list[aws.cloudformation.Stack] = []
        """The stacks of the stack's own account (one per region), waited for alike."""
        groups = [(STACK_SET_NAME, "create", plan.targets)]
        if plan.skip_recorder_ous:
            groups.append((STACK_SET_NAME + FORWARDING_ONLY_SUFFIX, "skip", plan.skip_recorder_ous))

        def parameters(recorder_mode: str) -> Mapping[str, pulumi.Input[str]]:
            return stack_parameters(
                home_region=plan.home_region,
                delivery_bucket=args["delivery_bucket"],
                event_bus_arn=args["event_bus_arn"],
                recorder_mode=recorder_mode,
            )

        for set_name, recorder_mode, ous in groups:
            stack_set = aws.cloudformation.StackSet(
                f"{name}-{set_name}",
                name=set_name,
                description="rootguard member baseline: Config recording and root-activity "
                "forwarding in every account of the target OUs.",
                permission_model="SERVICE_MANAGED",
                auto_deployment=inputs.auto_deployment_args(plan.auto_deployment),
                call_as=call_as,
                capabilities=CAPABILITIES,
                template_body=body,
                parameters=parameters(recorder_mode),
                operation_preferences=inputs.stack_set_preferences_args(plan.update_preferences),
                # Several instance operations at once queue instead of failing with
                # OperationInProgressException (ManagedExecution, CloudFormation API).
                managed_execution=aws.cloudformation.StackSetManagedExecutionArgs(active=True),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # AWS fills in the StackSets service-linked role for a service-managed
                    # StackSet with auto-deployment; compared with the unset input it
                    # would update on every run (hashicorp/terraform-provider-aws#23464).
                    ignore_changes=["administrationRoleArn"],
                ),
            )
            self.stack_sets.append(stack_set)
            targets = inputs.deployment_targets_args(plan.deployment_targets(ous))
            for region in plan.regions:
                instance = aws.cloudformation.StackSetInstance(
                    f"{name}-{set_name}-{region}",
                    stack_set_name=stack_set.name,
                    call_as=call_as,
                    deployment_targets=targets,
                    stack_set_instance_region=region,
                    operation_preferences=inputs.instance_preferences_args(
                        plan.instance_preferences
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        # Recorders deliver only once the bucket policy admits them, and
                        # forwarders reach the bus only once its policy does.
                        depends_on=prerequisites,
                        custom_timeouts=pulumi.CustomTimeouts(
                            create=INSTANCE_TIMEOUT,
                            update=INSTANCE_TIMEOUT,
                            delete=INSTANCE_TIMEOUT,
                        ),
                    ),
                )
                self.instances.append(instance)

        if args.get("own_account", not delegated):
            for region in plan.regions:
                stack = aws.cloudformation.Stack(
                    f"{name}-own-{region}",
                    name=OWN_STACK_NAME,
                    template_body=body,
                    capabilities=CAPABILITIES,
                    parameters=parameters("create"),
                    region=region,
                    # As the stack instances: the bucket and bus policies first.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=prerequisites),
                )
                self.own_stacks.append(stack)

        self.recording: list[pulumi.Resource] = [*self.instances, *self.own_stacks]
        """Everything that creates recorders."""
        self.stack_set_names = pulumi.Output.all(*[s.name for s in self.stack_sets])
        self.register_outputs({"stack_set_names": self.stack_set_names})


_COUNTERPARTS = {
    "max_concurrent_percentage": "max_concurrent_count",
    "max_concurrent_count": "max_concurrent_percentage",
    "failure_tolerance_percentage": "failure_tolerance_count",
    "failure_tolerance_count": "failure_tolerance_percentage",
}


def merged_preferences(chosen: "OperationPreferencesArgs | None") -> dict[str, object]:
    """DEFAULT_PREFERENCES with the chosen ones on top; a chosen count replaces the
    default percentage of the same setting, and the other way round."""
    merged: dict[str, object] = dict(DEFAULT_PREFERENCES)
    for key, value in (chosen or {}).items():
        counterpart = _COUNTERPARTS.get(key)
        if counterpart is not None and counterpart not in (chosen or {}):
            merged.pop(counterpart, None)
        merged[key] = value
    return merged


def _accounts(accounts: Sequence[str], key: str) -> list[str]:
    """Account ids, each once, sorted (the order AWS takes them in does not matter)."""
    check_each(ACCOUNT_ID, list(accounts), f"MemberRollout {key}")
    check_unique(list(accounts), f"MemberRollout {key}", "account")
    return sorted(accounts)


def check_member_args(args: MemberRolloutArgs) -> None:
    """MemberRollout's checks, without declaring anything."""
    _Plan(args)


class PrerequisiteMissing(ValueError):
    """Something the organization must have enabled before the first `pulumi up`."""


class _Plan:
    """MemberRolloutArgs checked and turned into API shapes, before anything exists."""

    def __init__(self, args: MemberRolloutArgs) -> None:
        self.home_region = args["home_region"]
        HOME_REGION.check(self.home_region, "MemberRollout home_region")
        recording = list(args["regions"])
        check_regions(recording, "MemberRollout regions")
        if self.home_region not in recording:
            raise InvalidArgument(
                "MemberRollout home_region",
                self.home_region,
                "one of regions (it records the global resource types)",
            )
        forwarding = list(args.get("forwarding_regions", sorted(DEFAULT_ENABLED_REGIONS)))
        check_regions(forwarding, "MemberRollout forwarding_regions")
        everywhere = set(recording) | set(forwarding)
        self.recording_regions = recording if everywhere != set(recording) else []
        """The regions rendered into the template's CreateRecorder condition (none when
        every region of the StackSets records)."""
        # Home region first: an update that breaks stops there (SEQUENTIAL).
        self.regions = [self.home_region, *sorted(everywhere - {self.home_region})]
        """Every region the StackSets and own stacks are deployed to."""
        self.targets = list(args["targets"])
        self.skip_recorder_ous = list(args.get("skip_recorder_ous", []))
        if not self.targets:
            raise InvalidArgument(
                "MemberRollout targets", self.targets, "at least one OU id or the root id"
            )
        both = sorted(set(self.targets) & set(self.skip_recorder_ous))
        if both:
            raise InvalidArgument(
                "MemberRollout skip_recorder_ous",
                both,
                "OUs that are not targets too (an account reached by both StackSets would "
                "get two sets of stacks)",
            )
        self.excluded = _accounts(args.get("excluded_accounts", []), "excluded_accounts")
        self.self_recording = _accounts(
            args.get("self_recording_accounts", []), "self_recording_accounts"
        )
        trusted = args.get("trusted_services")
        if trusted is not None and STACKSETS_PRINCIPAL not in trusted:
            raise PrerequisiteMissing(
                "trusted access for CloudFormation StackSets is not activated in the "
                f"organization ({STACKSETS_PRINCIPAL} is not among its trusted services); "
                f"run `{TRUSTED_ACCESS_COMMAND}` in the management account first"
            )

        chosen = merged_preferences(args.get("operation_preferences"))

        # A stack instance is one region: region settings only matter to StackSet updates,
        # and pulumi-aws's StackSet takes no concurrency mode (AWS's default, strict).
        per_account = {k: v for k, v in chosen.items() if k != "region_concurrency"}
        self.instance_preferences = inputs.operation_preferences(per_account)
        self.update_preferences = inputs.operation_preferences(
            {
                **{k: v for k, v in chosen.items() if k != "concurrency_mode"},
                "region_order": self.regions,
            }
        )
        self.auto_deployment = inputs.auto_deployment(
            enabled=True,
            retain_stacks_on_account_removal=args.get("retain_stacks_on_account_removal", False),
        )
        for ous in (self.targets, self.skip_recorder_ous):
            if ous:
                self.deployment_targets(ous)  # raises on a malformed OU id

    def deployment_targets(self, ous: Sequence[str]) -> dict[str, object]:
        if self.excluded:
            return inputs.deployment_targets(ous, self.excluded, "DIFFERENCE")
        return inputs.deployment_targets(ous)
