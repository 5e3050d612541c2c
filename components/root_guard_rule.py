"""`RootGuardRule`: the custom root-account Config rule, its Lambda and what it needs."""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import Any

import pulumi
import pulumi_aws as aws

from .validation import FREQUENCY, REGION, ROLE_NAME, InvalidArgument, check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:root_guard_rule:RootGuardRule"

RULE_NAME = "rootguard-root-account"
FUNCTION_NAME = "rootguard-root-account-rule"
ORG_FUNCTION_NAME = "rootguard-org-root-account-rule"
"""The organization rule's function and its role (OrganizationBaseline); member accounts'
execution roles trust this role of the administrator account."""
LOG_GROUP_NAME = f"/aws/lambda/{FUNCTION_NAME}"
RULE_DESCRIPTION = (
    "The root user has MFA (hardware when required), no access keys and no recent use."
)
HANDLER = "root_account_rule.lambda_handler"
RUNTIME = "python3.13"
MEMORY_MB = 128
TIMEOUT_SECONDS = 120
"""Covers the handler's bounded credential-report wait (60 s) plus retried API calls."""
RULE_FUNCTION_FOLDER = "rule_function"

ORGANIZATION_READ_ACTIONS = ["organizations:DescribeAccount"]
"""How the organization rule's function refuses an account outside its organization."""

# Exactly the IAM calls the handler makes; none of them takes a resource ARN.
IAM_READ_ACTIONS = [
    "iam:GenerateCredentialReport",
    "iam:GetAccountSummary",
    "iam:GetCredentialReport",
    "iam:ListVirtualMFADevices",
]


class RootGuardRuleArgs(TypedDict):
    account_id: pulumi.Input[str]
    """Twelve-digit id of the account the rule evaluates (the provider's account)."""
    region: str
    """Home region: where the function, its permission and the rule live."""
    recorder: NotRequired[pulumi.Resource]
    """The home-region Config recorder the rule must wait for; absent when Config is
    managed elsewhere (recorder mode skip)."""
    require_hardware_mfa: NotRequired[bool]
    """Rule parameter RequireHardwareMfa: a virtual MFA device is NON_COMPLIANT. Default False."""
    root_use_window_days: NotRequired[int]
    """Rule parameter RootUseWindowDays: root used within this many days is NON_COMPLIANT;
    0 (default) turns the check off."""
    execution_role_name: NotRequired[str]
    """Rule parameter ExecutionRoleName: the role the function assumes in an event's
    account that is not its own (organization rules). Absent: single-account mode."""
    root_credentials_managed: NotRequired[bool]
    """Rule parameter RootCredentialsManaged: the organization manages root credentials
    centrally, so a root without credentials is NOT_APPLICABLE rather than NON_COMPLIANT
    ("recoverable, no MFA"). Default False."""
    organization_id: NotRequired[pulumi.Input[str]]
    """With execution_role_name (required then): the organization whose accounts the
    function may evaluate; it assumes roles in, and evaluates, no other account."""
    log_retention_days: NotRequired[int]
    """Retention of the function's log group. Default 365."""
    maximum_execution_frequency: NotRequired[str]
    """How often Config runs the rule. Default TwentyFour_Hours."""


def rule_function_files() -> dict[str, str]:
    """The Lambda's source files (archive path -> text), read from the package data."""
    folder = resources.files(__package__) / RULE_FUNCTION_FOLDER
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.is_file() and entry.name.endswith(".py")
    }


def rule_function_archive() -> pulumi.AssetArchive:
    """The deployment package exactly as RootGuardRule ships it."""
    return pulumi.AssetArchive(
        {name: pulumi.StringAsset(text) for name, text in rule_function_files().items()}
    )


def lambda_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def evaluation_statements() -> list[dict[str, Any]]:
    """What evaluating an account takes: the root-state IAM reads and PutEvaluations.

    The function's own role has these; so has the execution role it assumes in a member
    account (organization rule), where it reads and reports with that role."""
    return [
        {
            "Sid": "ReadRootCredentialState",
            "Effect": "Allow",
            "Action": list(IAM_READ_ACTIONS),
            "Resource": "*",
        },
        {
            # PutEvaluations has no resource-level permissions.
            "Sid": "ReportEvaluations",
            "Effect": "Allow",
            "Action": ["config:PutEvaluations"],
            "Resource": "*",
        },
    ]


def rule_function_policy(
    account_id: str,
    region: str,
    execution_role_name: str | None = None,
    function_name: str = FUNCTION_NAME,
    organization_id: str | None = None,
) -> dict[str, Any]:
    """Least privilege for the handler: its IAM reads, PutEvaluations, its own logs; with
    an execution role, the membership check and AssumeRole, both bound to
    `organization_id`."""
    log_group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_name(function_name)}"
    statements = [
        *evaluation_statements(),
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group_arn}:*", f"{log_group_arn}:log-stream:*"],
        },
    ]
    if execution_role_name:
        if not organization_id:
            raise ValueError("an execution role needs the organization_id that bounds it")
        statements += [
            {
                # Organizations API reference, DescribeAccount: accounts of this
                # organization only; the handler's refusal of the others (Scenario 13).
                "Sid": "CheckMembership",
                "Effect": "Allow",
                "Action": list(ORGANIZATION_READ_ACTIONS),
                "Resource": f"arn:aws:organizations::*:account/{organization_id}/*",
            },
            {
                # IAM user guide, "AWS global condition context keys", aws:ResourceOrgID:
                # the organization of the account that owns the requested resource, here
                # the role: a role a stranger's account names is never assumed.
                "Sid": "AssumeExecutionRoleInMemberAccounts",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": [f"arn:aws:iam::*:role/{execution_role_name}"],
                "Condition": {"StringEquals": {"aws:ResourceOrgID": organization_id}},
            },
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def log_group_name(function_name: str) -> str:
    """The log group Lambda writes a function's logs to."""
    return f"/aws/lambda/{function_name}"


def rule_input_parameters(args: RootGuardRuleArgs) -> dict[str, str]:
    """The rule's InputParameters: strings, as Config passes them to the handler."""
    return input_parameters(
        args.get("require_hardware_mfa", False),
        args.get("root_use_window_days", 0),
        args.get("execution_role_name"),
        root_credentials_managed=args.get("root_credentials_managed", False),
    )


def input_parameters(
    require_hardware_mfa: bool,
    root_use_window_days: int,
    execution_role_name: str | None,
    *,
    root_credentials_managed: bool = False,
) -> dict[str, str]:
    """The handler's rule parameters as Config passes them: strings.

    RootCredentialsManaged is sent only when true (the handler's default is false), so
    stacks without centralized root access keep the parameters they had."""
    if root_use_window_days < 0:
        raise ValueError(f"root_use_window_days {root_use_window_days} must be 0 (off) or more")
    parameters = {
        "RequireHardwareMfa": "true" if require_hardware_mfa else "false",
        "RootUseWindowDays": str(root_use_window_days),
    }
    if execution_role_name:
        parameters["ExecutionRoleName"] = execution_role_name
    if root_credentials_managed:
        parameters["RootCredentialsManaged"] = "true"
    return parameters


def declare_rule_function(
    parent: pulumi.Resource,
    name: str,
    *,
    account_id: pulumi.Input[str],
    region: str,
    function_name: str = FUNCTION_NAME,
    execution_role_name: str | None = None,
    organization_id: pulumi.Input[str] | None = None,
    log_retention_days: int = 365,
) -> aws.lambda_.Function:
    """The rule's Lambda with its log group, role and inline policy, as children of `parent`.

    Shared by RootGuardRule (account rule) and OrganizationBaseline (organization rule):
    one definition of the function, its least-privilege role and its archive. Children are
    named `{name}-logs`, `{name}-role`, `{name}-role-policy`, `{name}-function`.
    """
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=log_group_name(function_name),
        retention_in_days=log_retention_days,
        region=region,
        opts=child,
    )
    role = aws.iam.Role(
        f"{name}-role",
        # A fixed name: member accounts' execution roles trust it by ARN (org mode).
        name=function_name,
        assume_role_policy=json.dumps(lambda_trust_policy()),
        description="Runs the rootguard root-account Config rule.",
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-role-policy",
        role=role.id,
        policy=pulumi.Output.all(account_id, organization_id).apply(
            lambda values: json.dumps(
                rule_function_policy(
                    values[0], region, execution_role_name, function_name, values[1]
                )
            )
        ),
        opts=child,
    )
    return aws.lambda_.Function(
        f"{name}-function",
        name=function_name,
        description="AWS Config rule: the root user is locked down (rootguard).",
        role=role.arn,
        runtime=RUNTIME,
        architectures=["arm64"],
        handler=HANDLER,
        code=rule_function_archive(),
        memory_size=MEMORY_MB,
        timeout=TIMEOUT_SECONDS,
        logging_config={"log_format": "Text", "log_group": log_group.name},
        region=region,
        # The first invocation must find its permissions attached, not fail on
        # AccessDenied while the inline policy is still being created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )


def validate_args(args: RootGuardRuleArgs) -> None:
    """Reject malformed args before anything is registered (the stack config's rules)."""
    check_account_id(args["account_id"], "RootGuardRule account_id")
    REGION.check(args["region"], "RootGuardRule region")
    FREQUENCY.check(
        args.get("maximum_execution_frequency", "TwentyFour_Hours"),
        "RootGuardRule maximum_execution_frequency",
    )
    window = args.get("root_use_window_days", 0)
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise InvalidArgument(
            "RootGuardRule root_use_window_days", window, "a whole number of days, 0 (off) or more"
        )
    role_name = args.get("execution_role_name")
    if role_name is not None:
        ROLE_NAME.check(role_name, "RootGuardRule execution_role_name")
        if args.get("organization_id") is None:
            raise InvalidArgument(
                "RootGuardRule organization_id",
                None,
                "the organization the execution role may be assumed in (with execution_role_name)",
            )


class RootGuardRule(pulumi.ComponentResource):
    function_arn: pulumi.Output[str]
    """ARN of the rule's Lambda function."""
    rule_arn: pulumi.Output[str]
    """ARN of the CUSTOM_LAMBDA Config rule."""

    def __init__(
        self,
        name: str,
        args: RootGuardRuleArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        account_id = args["account_id"]
        region = args["region"]
        parameters = rule_input_parameters(args)
        super().__init__(TYPE, name, None, opts)

        function = declare_rule_function(
            self,
            name,
            account_id=account_id,
            region=region,
            execution_role_name=args.get("execution_role_name"),
            organization_id=args.get("organization_id"),
            log_retention_days=args.get("log_retention_days", 365),
        )
        permission = aws.lambda_.Permission(
            f"{name}-config-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="config.amazonaws.com",
            source_account=account_id,
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )

        rule_dependencies: list[pulumi.Resource] = [permission]
        recorder = args.get("recorder")
        if recorder is not None:
            rule_dependencies.append(recorder)
        frequency = args.get("maximum_execution_frequency", "TwentyFour_Hours")
        rule = aws.cfg.Rule(
            f"{name}-rule",
            name=RULE_NAME,
            description=RULE_DESCRIPTION,
            source={
                "owner": "CUSTOM_LAMBDA",
                "source_identifier": function.arn,
                "source_details": [
                    {
                        "event_source": "aws.config",
                        "message_type": "ScheduledNotification",
                        "maximum_execution_frequency": frequency,
                    }
                ],
            },
            input_parameters=json.dumps(parameters, sort_keys=True),
            region=region,
            # PutConfigRule fails with NoAvailableConfigurationRecorderException before
            # the recorder exists, and Config must be allowed to invoke the function.
            opts=pulumi.ResourceOptions(parent=self, depends_on=rule_dependencies),
        )

        self.function_arn = function.arn
        self.rule_arn = rule.arn
        self.register_outputs({"function_arn": self.function_arn, "rule_arn": self.rule_arn})
