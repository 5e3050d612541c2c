"""`ExecutionRole`: the role an organization custom rule's function assumes in a member.

The organization custom rule runs its Lambda in the administrator account (management or
AWS Config delegated administrator) with the member's `accountId`; the function assumes
this role in the member to read the root user's state and report the evaluation there.
The service-linked Config role cannot be assumed across accounts, hence a role of our own.
"""

import json
import sys
from typing import Any

import pulumi
import pulumi_aws as aws

from .root_guard_rule import ORG_FUNCTION_NAME, evaluation_statements
from .validation import ROLE_NAME, check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:execution_role:ExecutionRole"
DEFAULT_ROLE_NAME = "rootguard-config-rule"


class ExecutionRoleArgs(TypedDict):
    admin_account_id: str
    """Twelve-digit id of the account whose organization rule function assumes the role
    (the management account or the AWS Config delegated administrator)."""
    role_name: NotRequired[str]
    """Name of the role; the organization rule's ExecutionRoleName. Default
    rootguard-config-rule."""
    function_role_name: NotRequired[str]
    """Name of the function's role in the administrator account, the only principal
    trusted. Default rootguard-org-root-account-rule (OrganizationBaseline's)."""


def execution_trust_policy(admin_account_id: str, function_role_name: str) -> dict[str, Any]:
    """Only the rule function's role of the administrator account may assume the role.

    The principal is the administrator account, narrowed to the one role ARN by
    `aws:PrincipalArn`: IAM accepts this before that role exists (a role ARN as principal
    is rejected until it does) and it keeps working if the role is ever re-created (a role
    ARN principal is pinned to the role's unique id and silently stops matching)."""
    function_role_arn = f"arn:aws:iam::{admin_account_id}:role/{function_role_name}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RootGuardOrganizationRuleFunction",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{admin_account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": function_role_arn}},
            }
        ],
    }


def validate_args(args: ExecutionRoleArgs) -> None:
    """Reject malformed args before anything is registered (the stack config's rules)."""
    check_account_id(args["admin_account_id"], "admin_account_id")
    ROLE_NAME.check(args.get("role_name", DEFAULT_ROLE_NAME), "ExecutionRole role_name")
    ROLE_NAME.check(
        args.get("function_role_name", ORG_FUNCTION_NAME), "ExecutionRole function_role_name"
    )


def execution_role_policy() -> dict[str, Any]:
    """Exactly what the function does with the role: the root-state reads, PutEvaluations."""
    return {"Version": "2012-10-17", "Statement": evaluation_statements()}


class ExecutionRole(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    """ARN of the execution role."""

    def __init__(
        self,
        name: str,
        args: ExecutionRoleArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        admin_account_id = args["admin_account_id"]
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            # A fixed name: the organization rule passes it as ExecutionRoleName.
            name=args.get("role_name", DEFAULT_ROLE_NAME),
            assume_role_policy=json.dumps(
                execution_trust_policy(
                    admin_account_id, args.get("function_role_name", ORG_FUNCTION_NAME)
                )
            ),
            description="Assumed by the rootguard organization rule to evaluate the root user.",
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=json.dumps(execution_role_policy()),
            opts=child,
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
