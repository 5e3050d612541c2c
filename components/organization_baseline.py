"""`OrganizationBaseline`: the organization layer, declared once in the management account
or the AWS Config delegated administrator.

AWS Config's own organization features do the fan-out to every account, including the
ones created tomorrow: an organization conformance pack with the root-account and CIS
identity rules, the custom root-account rule as an organization custom rule (its Lambda
here, assuming an execution role in each member), and an organization aggregator that
answers for all accounts at once. From the management account it can also register the
delegated administrator.
"""

import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from . import guardrails, root_access
from .conformance_pack import render_template
from .guardrails import Guardrails, GuardrailsArgs
from .root_access import RootAccess, RootAccessArgs
from .root_guard_rule import (
    ORG_FUNCTION_NAME,
    RULE_DESCRIPTION,
    declare_rule_function,
    input_parameters,
)
from .secure_bucket import arn_of_bucket, declare_secure_bucket, deny_insecure_transport
from .trust import service_trust_policy
from .validation import CONFORMS_BUCKET, REGION, ROLE_NAME, check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:organization_baseline:OrganizationBaseline"
ROLES = ("management", "delegatedAdmin")
DELEGATED_SERVICES = ("config-multiaccountsetup.amazonaws.com", "config.amazonaws.com")
"""Organization rules and packs need the first; an organization aggregator the second."""
CONFORMANCE_PACK_NAME = "rootguard-root-account"
ORG_RULE_NAME = "rootguard-org-root-account"
AGGREGATOR_NAME = "rootguard-organization"
AGGREGATOR_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"
DEFAULT_EXECUTION_ROLE_NAME = "rootguard-config-rule"
CONFORMS_BUCKET_PREFIX = "awsconfigconforms"
CONFIG_SERVICE = "config.amazonaws.com"
CONFORMS_ROLE_ARN_PATTERN = (
    "arn:aws:iam::*:role/aws-service-role/config-conforms.amazonaws.com/"
    "AWSServiceRoleForConfigConforms"
)
"""The conformance-pack service-linked role of every account: what writes pack results."""


class OrganizationBaselineArgs(TypedDict):
    account_id: pulumi.Input[str]
    """Twelve-digit id of the account the stack runs in (the management account or the
    delegated administrator): the organization rule's function lives here."""
    region: str
    """Region of the pack, the organization rule, its function and the aggregator (the
    organization APIs act per region)."""
    role: NotRequired[str]
    """`management` (default) or `delegatedAdmin`: which account the stack runs in."""
    delegated_admin_account_id: NotRequired[str]
    """Management role only: register this account as delegated administrator for
    config-multiaccountsetup.amazonaws.com and config.amazonaws.com."""
    conformance_pack: NotRequired[bool]
    """Deploy the organization conformance pack rootguard-root-account (default true)."""
    hardware_mfa: NotRequired[bool]
    """Add ROOT_ACCOUNT_HARDWARE_MFA_ENABLED to the pack (default false)."""
    excluded_accounts: NotRequired[Sequence[str]]
    """Account ids the pack and the organization rule leave out (default none)."""
    delivery_bucket: NotRequired[str]
    """Create a hardened bucket of this name (it must start with awsconfigconforms) and
    deliver the pack's results to it (default: AWS Config's own delivery)."""
    keep_bucket_on_destroy: NotRequired[bool]
    """`pulumi destroy` leaves that bucket and its contents in the account (default true),
    or empties and deletes it (false); see secure_bucket."""
    aggregator: NotRequired[bool]
    """Deploy the organization aggregator rootguard-organization (default true)."""
    custom_rule: NotRequired[bool]
    """Deploy the custom root-account rule as an organization custom rule (default true)."""
    execution_role_name: NotRequired[str]
    """Rule parameter ExecutionRoleName: the role the function assumes in each member
    account (default rootguard-config-rule; see ExecutionRole)."""
    require_hardware_mfa: NotRequired[bool]
    """Custom rule parameter RequireHardwareMfa (default false)."""
    root_use_window_days: NotRequired[int]
    """Custom rule parameter RootUseWindowDays; 0 (default) turns the check off."""
    maximum_execution_frequency: NotRequired[str]
    """How often the organization rule runs (default TwentyFour_Hours)."""
    log_retention_days: NotRequired[int]
    """Retention of the rule function's log group (default 365)."""
    recorders: NotRequired[Sequence[aws.cfg.Recorder]]
    """Config recorders the pack and the organization rule wait for (this account's, and
    members' declared in the same program): both fail in an account without one."""
    stack_set_instances: NotRequired[Sequence[aws.cloudformation.StackSetInstance]]
    """StackSet instances that create members' recorders (MemberRollout): waited for like
    `recorders`."""
    member_stacks: NotRequired[Sequence[aws.cloudformation.Stack]]
    """CloudFormation stacks that create recorders (MemberRollout, in the stack's own
    account): waited for like `recorders`."""
    root_access: NotRequired[RootAccessArgs]
    """Management role only: centralized root access (RootAccess); the organization rule
    then gets RootCredentialsManaged (default: absent, off)."""
    guardrails: NotRequired[GuardrailsArgs]
    """Management role only: the guardrail SCPs (Guardrails) (default: absent, none)."""


def validate_args(args: OrganizationBaselineArgs) -> None:
    """Reject malformed args before anything is registered."""
    role = args.get("role", "management")
    if role not in ROLES:
        raise ValueError(f"role {role!r} must be one of {', '.join(ROLES)}")
    admin = args.get("delegated_admin_account_id")
    if admin is not None:
        if role != "management":
            raise ValueError(
                "delegated_admin_account_id is for the management role only: only the "
                "management account registers a delegated administrator"
            )
        check_account_id(admin, "delegated_admin_account_id")
        if admin == args["account_id"]:
            raise ValueError(
                "delegated_admin_account_id must be another account than the management "
                "account itself (AWS refuses to register it)"
            )
    for key in ("root_access", "guardrails"):
        if key in args and role != "management":
            raise ValueError(f"{key} is for the management role only")
    if "root_access" in args:
        root_access.validate_args(args["root_access"])
    if "guardrails" in args:
        guardrails.validate_args(args["guardrails"])
        guardrails.guardrail_documents(args["guardrails"])  # each within the SCP size limit
    for excluded in args.get("excluded_accounts", []):
        check_account_id(excluded, "excluded_accounts")
    check_account_id(args["account_id"])
    REGION.check(args["region"], "OrganizationBaseline region")
    ROLE_NAME.check(
        args.get("execution_role_name", DEFAULT_EXECUTION_ROLE_NAME),
        "OrganizationBaseline execution_role_name",
    )
    bucket = args.get("delivery_bucket")
    if bucket is not None:
        CONFORMS_BUCKET.check(bucket, "OrganizationBaseline delivery_bucket")


def conforms_bucket_policy(bucket_arn: str, organization_id: str) -> dict[str, Any]:
    """TLS only; read and write by the conformance-pack service-linked role of this
    organization's accounts only.

    Config developer guide, "Managing Conformance Packs Across all Accounts in Your
    Organization": "We recommend having limited permissions to the Amazon S3 bucket
    policy. To limit access, you can use PrincipalOrgID and PrincipalArn conditions" (the
    ARN being AWSServiceRoleForConfigConforms). PrincipalOrgID alone lets every principal
    of every account of the organization read and overwrite the results.
    """
    in_organization = {
        "StringEquals": {"aws:PrincipalOrgID": organization_id},
        "ArnLike": {"aws:PrincipalArn": CONFORMS_ROLE_ARN_PATTERN},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            deny_insecure_transport(bucket_arn),
            {
                "Sid": "OrganizationConformancePackDelivery",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"{bucket_arn}/*",
                "Condition": in_organization,
            },
            {
                "Sid": "OrganizationConformancePackBucketAcl",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": in_organization,
            },
        ],
    }


class OrganizationBaseline(pulumi.ComponentResource):
    """The organization layer, deployed in the management account or the AWS Config
    delegated administrator: a conformance pack, an aggregator and the custom root rule
    for every account of the organization."""

    delegated_administrators: list[aws.organizations.DelegatedAdministrator]
    """The delegated-administrator registrations (empty unless asked for)."""
    conformance_pack_arn: pulumi.Output[str] | None
    """ARN of the organization conformance pack (None when switched off)."""
    aggregator_arn: pulumi.Output[str] | None
    """ARN of the organization aggregator (None when switched off)."""
    custom_rule_arn: pulumi.Output[str] | None
    """ARN of the organization custom rule (None when switched off)."""
    function_arn: pulumi.Output[str] | None
    """ARN of the organization rule's Lambda function (None when switched off)."""

    def __init__(
        self,
        name: str,
        args: OrganizationBaselineArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        parameters = input_parameters(
            args.get("require_hardware_mfa", False),
            args.get("root_use_window_days", 0),
            args.get("execution_role_name", DEFAULT_EXECUTION_ROLE_NAME),
            root_credentials_managed="root_access" in args,
        )
        template_body = (
            render_template(args.get("hardware_mfa", False))
            if args.get("conformance_pack", True)
            else None
        )
        super().__init__(TYPE, name, None, opts)
        region = args["region"]
        excluded = sorted(args.get("excluded_accounts", [])) or None
        recorders: list[pulumi.Resource] = [
            *args.get("recorders", []),
            *args.get("stack_set_instances", []),
            *args.get("member_stacks", []),
        ]
        self._organization: pulumi.Output[str] | None = None

        self.delegated_administrators = []
        admin = args.get("delegated_admin_account_id")
        if admin is not None:
            for service in DELEGATED_SERVICES:
                self.delegated_administrators.append(
                    aws.organizations.DelegatedAdministrator(
                        f"{name}-delegated-admin-{service.split('.')[0]}",
                        account_id=admin,
                        service_principal=service,
                        opts=pulumi.ResourceOptions(parent=self),
                    )
                )

        self.root_access: RootAccess | None = None
        """Centralized root access (None unless asked for)."""
        root_features: list[pulumi.Resource] = []
        if "root_access" in args:
            self.root_access = RootAccess(
                f"{name}-root-access", args["root_access"], pulumi.ResourceOptions(parent=self)
            )
            root_features.append(self.root_access.features)
        self.guardrails: Guardrails | None = None
        """The guardrail SCPs (None unless asked for)."""
        if "guardrails" in args:
            self.guardrails = Guardrails(
                f"{name}-guardrails", args["guardrails"], pulumi.ResourceOptions(parent=self)
            )

        self.conformance_pack_arn = None
        if template_body is not None:
            self.conformance_pack_arn = self._conformance_pack(
                name, args, region, template_body, excluded, recorders
            )

        self.aggregator_arn = None
        if args.get("aggregator", True):
            self.aggregator_arn = self._aggregator(name, region)

        self.custom_rule_arn = None
        self.function_arn = None
        if args.get("custom_rule", True):
            function = declare_rule_function(
                self,
                f"{name}-rule",
                account_id=args["account_id"],
                region=region,
                function_name=ORG_FUNCTION_NAME,
                execution_role_name=parameters["ExecutionRoleName"],
                organization_id=self._organization_id(),
                log_retention_days=args.get("log_retention_days", 365),
            )
            # AWS Config of every member account invokes the function, so no
            # `source_account` can be named, and an organization condition does not work
            # for a service principal ("Permissions for the Amazon S3 Bucket": Config as
            # the service principal "won't work with organization ID or organization units
            # based conditions"). Lambda AddPermission warns that without a source "other
            # accounts could potentially configure resources in their account to invoke
            # your Lambda function": the function itself refuses their events (Scenario
            # 13), and its role may assume execution roles in this organization only.
            permission = aws.lambda_.Permission(
                f"{name}-rule-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                principal=CONFIG_SERVICE,
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
            rule = aws.cfg.OrganizationCustomRule(
                f"{name}-custom-rule",
                name=ORG_RULE_NAME,
                description=RULE_DESCRIPTION,
                lambda_function_arn=function.arn,
                trigger_types=["ScheduledNotification"],
                maximum_execution_frequency=args.get(
                    "maximum_execution_frequency", "TwentyFour_Hours"
                ),
                input_parameters=json.dumps(parameters, sort_keys=True),
                excluded_accounts=excluded,
                region=region,
                # AWS checks that Config may invoke the function when the rule is created,
                # and the rule fails in an account without a recorder; its parameter
                # RootCredentialsManaged holds once the root access features are on.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[permission, *recorders, *root_features]
                ),
            )
            self.custom_rule_arn = rule.arn
            self.function_arn = function.arn

        self.register_outputs(
            {
                "conformance_pack_arn": self.conformance_pack_arn,
                "aggregator_arn": self.aggregator_arn,
                "custom_rule_arn": self.custom_rule_arn,
                "function_arn": self.function_arn,
            }
        )

    def _conformance_pack(
        self,
        name: str,
        args: OrganizationBaselineArgs,
        region: str,
        template_body: str,
        excluded: list[str] | None,
        recorders: Sequence[pulumi.Resource],
    ) -> pulumi.Output[str]:
        dependencies: list[pulumi.Resource] = list(recorders)
        bucket_name = args.get("delivery_bucket")
        if bucket_name is not None:
            secure = declare_secure_bucket(
                self,
                f"{name}-conforms-bucket",
                bucket=bucket_name,
                region=region,
                keep_on_destroy=args.get("keep_bucket_on_destroy", True),
            )
            bucket_policy = aws.s3.BucketPolicy(
                f"{name}-conforms-bucket-policy",
                bucket=secure.bucket.id,
                # By name, not ARN output: the document is known in a first preview.
                policy=pulumi.Output.all(secure.bucket.bucket, self._organization_id()).apply(
                    lambda values: json.dumps(
                        conforms_bucket_policy(arn_of_bucket(values[0]), values[1])
                    )
                ),
                region=region,
                # S3 rejects concurrent configuration calls on one bucket (OperationAborted).
                opts=secure.options(depends_on=[secure.public_access]),
            )
            dependencies.append(bucket_policy)
        pack = aws.cfg.OrganizationConformancePack(
            f"{name}-conformance-pack",
            name=CONFORMANCE_PACK_NAME,
            template_body=template_body,
            excluded_accounts=excluded,
            delivery_s3_bucket=bucket_name,
            region=region,
            # Its rules fail in an account without a recorder (AWS retries only for hours),
            # and AWS checks the delivery bucket's policy when the pack is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=dependencies),
        )
        return pack.arn

    def _organization_id(self) -> pulumi.Output[str]:
        """This organization's id: one invoke, shared by everything bounded by it."""
        if self._organization is None:
            self._organization = aws.organizations.get_organization_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).id
        return self._organization

    def _aggregator(self, name: str, region: str) -> pulumi.Output[str]:
        role = aws.iam.Role(
            f"{name}-aggregator-role",
            assume_role_policy=json.dumps(service_trust_policy(CONFIG_SERVICE)),
            description="Lets AWS Config list the organization's accounts (rootguard aggregator).",
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-aggregator-role-policy",
            role=role.name,
            policy_arn=AGGREGATOR_POLICY_ARN,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aggregator = aws.cfg.ConfigurationAggregator(
            f"{name}-aggregator",
            name=AGGREGATOR_NAME,
            organization_aggregation_source={"all_regions": True, "role_arn": role.arn},
            region=region,
            # AWS checks the role's organization permissions when the aggregator is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
        return aggregator.arn
