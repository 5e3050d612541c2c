"""`OrganizationRollout`: the StackSet mode of the organization stack.

One `pulumi up` in the management account (or a StackSets delegated administrator)
covers every account of the target OUs, today's and tomorrow's, with a fixed number of
resources:

- `MemberRollout`: the member-baseline template on every target account and region
  (StackSets), and on the stack's own account (CloudFormation stacks);
- `CentralDeliveryBucket` in the log-archive account: the one AWS Config bucket;
- `CentralRootActivity` in the security account: the one root-activity bus, rule, topic
  and set of email subscriptions;
- `CostAnomalyAlerts` with an AWS-managed LINKED_ACCOUNT monitor in the management
  (payer) account, which sees every linked account's spend: one monitor for all
  accounts, new ones included, instead of one per account.

Each central account is the stack's own account unless given, then reached through its
own provider (`assumeRoles` into `role_name`, `allowedAccountIds` pinned to it).

Multi-language use: Pulumi's schema analyzer reads the run-time annotations of the args
and of the class (its outputs), so this module keeps real (not postponed) annotations.
"""

import sys
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .central_alerts import CentralRootActivity
from .central_delivery import CentralDeliveryBucket
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .stackset_rollout import (
    STACKSETS_PRINCIPAL,
    MemberRollout,
    MemberRolloutArgs,
    OperationPreferencesArgs,
    check_member_args,
)
from .validation import (
    MAX_ALERT_EMAILS,
    ROLE_NAME,
    InvalidArgument,
    check_account_id,
    check_emails,
)

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:organization_rollout:OrganizationRollout"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
COST_NAME_PREFIX = "rootguard-organization-"


class CentralAccountArgs(TypedDict):
    account_id: str
    """Twelve-digit id of the account."""
    role_name: NotRequired[str]
    """Role the caller assumes there (default OrganizationAccountAccessRole)."""


class OrganizationRolloutArgs(TypedDict):
    account_id: pulumi.Input[str]
    """The account the stack runs in (management or delegated administrator)."""
    organization_id: pulumi.Input[str]
    """The organization (`o-...`): the only one the bucket and the bus admit."""
    home_region: str
    """Region of the central pieces and of global-type recording; one of `regions`."""
    regions: Sequence[str]
    """Regions where every target account records (AWS Config)."""
    forwarding_regions: NotRequired[Sequence[str]]
    """Further regions where the member template only forwards root activity (default:
    the regions enabled by default in every account; see MemberRollout)."""
    targets: Sequence[str]
    """OU ids or the root id whose accounts get the member baseline."""
    excluded_accounts: NotRequired[Sequence[str]]
    """Accounts of the targets that get no member stacks at all."""
    skip_recorder_ous: NotRequired[Sequence[str]]
    """OUs (not under a target) whose accounts already record (AWS Control Tower): they get
    the root-activity forwarding only, from a StackSet of their own."""
    self_recording_accounts: NotRequired[Sequence[str]]
    """Accounts of the targets with a recorder of their own: forwarding only."""
    delegated_admin: NotRequired[bool]
    """The stack runs in a StackSets delegated administrator, not the management account."""
    trusted_services: NotRequired[Sequence[str]]
    """The organization's trusted services, when known (see MemberRollout)."""
    register_delegated_admin: NotRequired[str]
    """Management account only: register this account as StackSets delegated administrator."""
    log_archive_account: NotRequired[CentralAccountArgs]
    """Where the delivery bucket lives (default: the stack's own account)."""
    security_account: NotRequired[CentralAccountArgs]
    """Where the root-activity bus, rule and topic live (default: the stack's account)."""
    payer_account: NotRequired[CentralAccountArgs]
    """The management account, for cost anomaly detection; required with delegated_admin."""
    alert_emails: NotRequired[Sequence[str]]
    """DAILY cost anomaly digest, at most 10."""
    threshold_usd: NotRequired[float]
    """Cost anomaly total-impact threshold (default 100)."""
    alarm_emails: NotRequired[Sequence[str]]
    """Subscribed once each to the root-activity topic."""
    cost_monitor_arn: NotRequired[str]
    """An existing LINKED_ACCOUNT monitor of the payer account to subscribe to."""
    operation_preferences: NotRequired[OperationPreferencesArgs]
    """Concurrency and failure tolerance of the StackSet operations (MemberRollout's
    DEFAULT_PREFERENCES unless given)."""
    retain_stacks_on_account_removal: NotRequired[bool]
    """Keep the stacks of an account that leaves the targets (default false: delete)."""
    keep_bucket_on_destroy: NotRequired[bool]
    """`pulumi destroy` leaves the delivery bucket and its history in the log-archive
    account (default true), or empties and deletes it (false)."""


class OrganizationRollout(pulumi.ComponentResource):
    """Central bucket, bus and cost alerts, and the member baseline fanned out."""

    delivery_bucket_name: pulumi.Output[str]
    """The organization's AWS Config delivery bucket."""
    event_bus_arn: pulumi.Output[str]
    """The organization's root-activity event bus."""
    alarm_topic_arn: pulumi.Output[str]
    """The SNS topic every root-activity event is published to."""
    cost_topic_arn: pulumi.Output[str]
    """The SNS topic of IMMEDIATE cost anomaly alerts."""
    cost_monitor_arn: pulumi.Output[str]
    """The linked-account anomaly monitor."""
    stack_set_names: pulumi.Output[list[str]]
    """The StackSets of the member baseline."""

    def __init__(
        self,
        name: str,
        args: OrganizationRolloutArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        admin = args.get("register_delegated_admin")
        super().__init__(TYPE, name, None, opts)
        home_region = args["home_region"]

        log_archive = self._account(
            name, "log-archive", args.get("log_archive_account"), home_region
        )
        security = self._account(name, "security", args.get("security_account"), home_region)
        payer = self._account(name, "payer", args.get("payer_account"), home_region)

        log_archive_id = args.get("log_archive_account", {}).get("account_id", args["account_id"])
        self.delivery = CentralDeliveryBucket(
            f"{name}-delivery",
            {
                "bucket_name": pulumi.Output.concat(
                    "rootguard-org-config-", log_archive_id, "-", home_region
                ),
                "organization_id": args["organization_id"],
                "region": home_region,
                "keep_bucket_on_destroy": args.get("keep_bucket_on_destroy", True),
            },
            opts=pulumi.ResourceOptions(parent=self, provider=log_archive),
        )
        security_id = args.get("security_account", {}).get("account_id", args["account_id"])
        self.root_activity = CentralRootActivity(
            f"{name}-root-activity",
            {
                "organization_id": args["organization_id"],
                "account_id": security_id,
                "region": home_region,
                "alarm_emails": list(args.get("alarm_emails", [])),
            },
            opts=pulumi.ResourceOptions(parent=self, provider=security),
        )
        cost_args: CostAnomalyAlertsArgs = {
            "account_id": args.get("payer_account", {}).get("account_id", args["account_id"]),
            "home_region": home_region,
            "threshold_usd": args.get("threshold_usd", 100.0),
            "emails": list(args.get("alert_emails", [])),
            "name_prefix": COST_NAME_PREFIX,
            "monitor_dimension": "LINKED_ACCOUNT",
        }
        if "cost_monitor_arn" in args:
            cost_args["monitor_arn"] = args["cost_monitor_arn"]
        self.cost = CostAnomalyAlerts(
            f"{name}-cost", cost_args, opts=pulumi.ResourceOptions(parent=self, provider=payer)
        )

        prerequisites: list[pulumi.Resource] = [
            self.delivery.policy,
            self.root_activity.bus_policy,
        ]
        if admin is not None:
            prerequisites.append(
                aws.organizations.DelegatedAdministrator(
                    f"{name}-delegated-admin-stacksets",
                    account_id=admin,
                    service_principal=STACKSETS_PRINCIPAL,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        rollout_args = member_args(
            args, self.delivery.bucket_name, self.root_activity.event_bus_arn, prerequisites
        )
        self.members = MemberRollout(
            f"{name}-members", rollout_args, opts=pulumi.ResourceOptions(parent=self)
        )
        self.instances: list[aws.cloudformation.StackSetInstance] = self.members.instances
        """The stack instances; organization rules and packs wait for them."""
        self.own_stacks: list[aws.cloudformation.Stack] = self.members.own_stacks
        """The own account's stacks; organization rules and packs wait for them."""

        self.delivery_bucket_name = self.delivery.bucket_name
        self.event_bus_arn = self.root_activity.event_bus_arn
        self.alarm_topic_arn = self.root_activity.topic_arn
        self.cost_topic_arn = self.cost.topic_arn
        self.cost_monitor_arn = self.cost.monitor_arn
        self.stack_set_names = self.members.stack_set_names
        self.register_outputs(
            {
                "delivery_bucket_name": self.delivery_bucket_name,
                "event_bus_arn": self.event_bus_arn,
                "alarm_topic_arn": self.alarm_topic_arn,
                "cost_topic_arn": self.cost_topic_arn,
                "cost_monitor_arn": self.cost_monitor_arn,
                "stack_set_names": self.stack_set_names,
            }
        )

    def _account(
        self, name: str, role: str, account: "CentralAccountArgs | None", region: str
    ) -> "aws.Provider | None":
        """The provider of a central account; None (the stack's own) when not given."""
        if account is None:
            return None
        role_arn = (
            f"arn:aws:iam::{account['account_id']}:role/"
            f"{account.get('role_name', DEFAULT_ROLE_NAME)}"
        )
        return aws.Provider(
            f"{name}-{role}-provider",
            region=region,
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=role_arn)],
            allowed_account_ids=[account["account_id"]],
            opts=pulumi.ResourceOptions(parent=self),
        )


def member_args(
    args: OrganizationRolloutArgs,
    delivery_bucket: pulumi.Input[str],
    event_bus_arn: pulumi.Input[str],
    prerequisites: Sequence[pulumi.Resource] = (),
) -> MemberRolloutArgs:
    """The MemberRollout args of an OrganizationRollout."""
    rollout_args: MemberRolloutArgs = {
        "home_region": args["home_region"],
        "regions": list(args["regions"]),
        "targets": list(args["targets"]),
        "excluded_accounts": list(args.get("excluded_accounts", [])),
        "skip_recorder_ous": list(args.get("skip_recorder_ous", [])),
        "self_recording_accounts": list(args.get("self_recording_accounts", [])),
        "delivery_bucket": delivery_bucket,
        "event_bus_arn": event_bus_arn,
        "delegated_admin": args.get("delegated_admin", False),
        "retain_stacks_on_account_removal": args.get("retain_stacks_on_account_removal", False),
        "prerequisites": list(prerequisites),
    }
    if "forwarding_regions" in args:
        rollout_args["forwarding_regions"] = list(args["forwarding_regions"])
    if "trusted_services" in args:
        rollout_args["trusted_services"] = args["trusted_services"]
    if "operation_preferences" in args:
        rollout_args["operation_preferences"] = args["operation_preferences"]
    return rollout_args


def validate_args(args: OrganizationRolloutArgs) -> None:
    """Reject malformed args, and a missing prerequisite, before anything is registered."""
    delegated = args.get("delegated_admin", False)
    if delegated and "payer_account" not in args:
        raise InvalidArgument(
            "OrganizationRollout payer_account",
            None,
            "the management account with delegated_admin: linked-account cost monitors "
            "work only from the management (payer) account",
        )
    admin = args.get("register_delegated_admin")
    if admin is not None:
        check_account_id(admin, "OrganizationRollout register_delegated_admin")
        if delegated:
            raise InvalidArgument(
                "OrganizationRollout register_delegated_admin",
                admin,
                "none with delegated_admin (only the management account registers one)",
            )
    for key, account in (
        ("log_archive_account", args.get("log_archive_account")),
        ("security_account", args.get("security_account")),
        ("payer_account", args.get("payer_account")),
    ):
        if account is not None:
            check_account_id(account["account_id"], f"OrganizationRollout {key}.account_id")
            ROLE_NAME.check(
                account.get("role_name", DEFAULT_ROLE_NAME), f"OrganizationRollout {key}.role_name"
            )
    check_emails(list(args.get("alarm_emails", [])), "OrganizationRollout alarm_emails")
    check_emails(
        list(args.get("alert_emails", [])),
        "OrganizationRollout alert_emails",
        limit=MAX_ALERT_EMAILS,
    )
    # The fan-out's own checks, on placeholders for what does not exist yet.
    check_member_args(member_args(args, "pending", "pending"))
