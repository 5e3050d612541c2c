"""`Guardrails`: service control policies that make a member account's root user (or
anyone but the deploy role) unable to do what rootguard only detects.

Declared in the management account (OrganizationBaseline composes it). Each guardrail is
one SCP, optional, attached to every configured target (the organization root, OUs or
accounts), with the same break-glass exemptions (accounts, OUs):

- `deny-root-user`: every action by a member account's root user, except root sessions
  (`sts:AssumeRoot`), which AWS's own example leaves open;
- `deny-root-access-keys`: creating access keys for the root user;
- `protect-rootguard`: leaving the organization, and stopping or deleting the rootguard
  Config pieces, roles and rule functions, by anyone but the deploy roles.

SCPs don't apply to the management account ("SCPs don't affect users or roles in the
management account", Organizations User Guide, "Service control policies"); its root is
what `rootguard audit` and the root-MFA rules keep watching.
"""

import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .validation import check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:guardrails:Guardrails"
SCP_TYPE = "SERVICE_CONTROL_POLICY"
ROOT_PRINCIPAL = "arn:aws:iam::*:root"
MAX_SCP_CHARACTERS = 5120
"""Quotas for AWS Organizations: "Maximum size of a policy document - Service control
policies: 5120 characters"; a policy saved through the API counts as sent, white space
included, so documents are sent minified."""
MAX_SCPS_PER_TARGET = 5
"""Quotas for AWS Organizations: at most 5 SCPs attached to a root, OU or account, the
default FullAWSAccess included."""
DEFAULT_DEPLOY_ROLE = "OrganizationAccountAccessRole"
STACKSETS_EXECUTION_ROLES = "stacksets-exec-*"
NAME_PREFIX = "rootguard-"

CONFIG_DISABLING_ACTIONS = [
    "config:DeleteConfigRule",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:DeleteEvaluationResults",
    "config:StopConfigurationRecorder",
]
ROLE_CHANGING_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
]
FUNCTION_CHANGING_ACTIONS = [
    "lambda:DeleteFunction",
    "lambda:RemovePermission",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
]


class GuardrailsArgs(TypedDict):
    targets: Sequence[str]
    """Where every guardrail is attached: the organization root (r-...), OU ids
    (ou-...-...) or account ids."""
    exempt_accounts: NotRequired[Sequence[str]]
    """Break-glass member accounts no guardrail applies to (default none)."""
    exempt_ous: NotRequired[Sequence[str]]
    """Break-glass OUs (and everything below them) no guardrail applies to (default none)."""
    deny_root_user: NotRequired[bool]
    """Deny every action by member accounts' root users, root sessions excepted (default true)."""
    deny_root_access_keys: NotRequired[bool]
    """Deny creating root access keys (default true)."""
    protect_rootguard: NotRequired[bool]
    """Deny leaving the organization and disabling rootguard to all but the deploy roles
    (default true)."""
    deploy_role_names: NotRequired[Sequence[str]]
    """Roles that deploy rootguard in member accounts and so may change it (default
    OrganizationAccountAccessRole)."""
    execution_role_name: NotRequired[str]
    """The organization rule's execution role in each member, protected too when it does
    not start with rootguard- (default rootguard-config-rule)."""
    stacksets_execution_role: NotRequired[bool]
    """The members' rootguard stacks come from StackSets (rollout stackset): their
    execution role in each member, `stacksets-exec-*`, may change them like a deploy role
    (default false)."""


def _exemptions(args: GuardrailsArgs) -> dict[str, Any]:
    """Conditions that keep break-glass accounts and OUs out of a deny statement.

    Condition operators in one statement are ANDed: the deny applies only while the
    principal's account is none of the exempt ones and its organization path is under
    none of the exempt OUs (`aws:PrincipalAccount`, `aws:PrincipalOrgPaths` in the IAM
    User Guide's global condition keys; a path reads o-.../r-.../ou-.../, so `*/<ou>/*`
    matches the OU at any depth).
    """
    conditions: dict[str, Any] = {}
    accounts = sorted(args.get("exempt_accounts", []))
    if accounts:
        conditions["StringNotEquals"] = {"aws:PrincipalAccount": accounts}
    ous = sorted(args.get("exempt_ous", []))
    if ous:
        conditions["ForAllValues:StringNotLike"] = {
            "aws:PrincipalOrgPaths": [f"*/{ou}/*" for ou in ous]
        }
    return conditions


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def deny_root_user_document(args: GuardrailsArgs) -> dict[str, Any]:
    # AWS's example "Prevent root credentials management in member accounts"
    # (aws-samples/service-control-policy-examples, Privileged-access-controls) denies
    # everything to arn:aws:iam::*:root unless aws:AssumedRoot is present: a root session
    # opened with sts:AssumeRoot keeps working, so the management account can still
    # audit and delete root credentials through the guardrail.
    return _document(
        {
            "Sid": "DenyMemberRootUser",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "ArnLike": {"aws:PrincipalArn": [ROOT_PRINCIPAL]},
                "Null": {"aws:AssumedRoot": "true"},
                **_exemptions(args),
            },
        }
    )


def deny_root_access_keys_document(args: GuardrailsArgs) -> dict[str, Any]:
    # AWS's example "Deny creation of access keys for the root user" (same collection):
    # iam:CreateAccessKey on the root user's ARN.
    statement: dict[str, Any] = {
        "Sid": "DenyRootAccessKeys",
        "Effect": "Deny",
        "Action": "iam:CreateAccessKey",
        "Resource": ROOT_PRINCIPAL,
    }
    exemptions = _exemptions(args)
    if exemptions:
        statement["Condition"] = exemptions
    return _document(statement)


def protect_rootguard_document(args: GuardrailsArgs) -> dict[str, Any]:
    """Leaving the organization, and disabling Config and rootguard's roles and functions.

    Config rule ARNs carry the rule's id, not its name, so rule deletion is denied for all
    rules; service-linked roles (AWS Config's, which deploys organization rules and packs)
    are not restricted by SCPs, and the deploy roles stay free to change everything.
    """
    deploy_roles = sorted(set(args.get("deploy_role_names", [DEFAULT_DEPLOY_ROLE])))
    if args.get("stacksets_execution_role", False):
        # Service-managed StackSets act in each member through "a service role named
        # stacksets-exec-*" (CloudFormation user guide, "Activate trusted access for
        # StackSets with AWS Organizations"): it updates and deletes the member stacks.
        deploy_roles.append(STACKSETS_EXECUTION_ROLES)
    conditions: dict[str, Any] = {
        "ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::*:role/{r}" for r in deploy_roles]},
        **_exemptions(args),
    }
    roles = [f"arn:aws:iam::*:role/{NAME_PREFIX}*"]
    execution_role = args.get("execution_role_name", "rootguard-config-rule")
    if not execution_role.startswith(NAME_PREFIX):
        roles.append(f"arn:aws:iam::*:role/{execution_role}")

    def deny(sid: str, actions: list[str] | str, resources: list[str] | str) -> dict[str, Any]:
        return {
            "Sid": sid,
            "Effect": "Deny",
            "Action": actions,
            "Resource": resources,
            "Condition": conditions,
        }

    return _document(
        deny("DenyLeavingOrganization", "organizations:LeaveOrganization", "*"),
        deny("ProtectConfigRecording", CONFIG_DISABLING_ACTIONS, "*"),
        deny("ProtectRootguardRoles", ROLE_CHANGING_ACTIONS, roles),
        deny(
            "ProtectRootguardFunctions",
            FUNCTION_CHANGING_ACTIONS,
            f"arn:aws:lambda:*:*:function:{NAME_PREFIX}*",
        ),
    )


GUARDRAILS = {
    "deny-root-user": ("deny_root_user", deny_root_user_document),
    "deny-root-access-keys": ("deny_root_access_keys", deny_root_access_keys_document),
    "protect-rootguard": ("protect_rootguard", protect_rootguard_document),
}
"""Guardrail -> (its switch in GuardrailsArgs, its document builder), in attach order."""


def scp_content(document: dict[str, Any]) -> str:
    """The SCP text as sent: minified, since every character counts against the limit."""
    return json.dumps(document, separators=(",", ":"))


def guardrail_documents(args: GuardrailsArgs) -> dict[str, str]:
    """The switched-on guardrails' SCP texts, by guardrail name; each within the limit."""
    contents: dict[str, str] = {}
    for guardrail, (switch, build) in GUARDRAILS.items():
        if args.get(switch, True):
            text = scp_content(build(args))
            if len(text) > MAX_SCP_CHARACTERS:
                raise ValueError(
                    f"guardrail {guardrail} is {len(text)} characters; an SCP may have at "
                    f"most {MAX_SCP_CHARACTERS} (fewer exempt accounts or OUs)"
                )
            contents[guardrail] = text
    return contents


def validate_args(args: GuardrailsArgs) -> None:
    targets = list(args["targets"])
    if not targets:
        raise ValueError("targets must name at least one root, OU or account")
    for target in targets:
        if target.isdigit():
            check_account_id(target, "targets")
        elif not target.startswith(("r-", "ou-")):
            raise ValueError(
                f"targets {target!r} must be a root (r-...), OU (ou-...) or account id"
            )
    for account in args.get("exempt_accounts", []):
        check_account_id(account, "exempt_accounts")
    # Each switched-on guardrail is one more SCP on every target, beside FullAWSAccess.
    attached = 1 + sum(1 for switch, _ in GUARDRAILS.values() if args.get(switch, True))
    if attached > MAX_SCPS_PER_TARGET:  # pragma: no cover - three guardrails + 1 <= 5
        raise ValueError(f"{attached} SCPs per target exceed AWS's {MAX_SCPS_PER_TARGET}")


class Guardrails(pulumi.ComponentResource):
    """Guardrail service control policies (deny member root, deny root access keys,
    protect rootguard), each attached to every target."""

    policy_ids: pulumi.Output[dict[str, str]]
    """SCP id by guardrail name."""

    def __init__(
        self, name: str, args: GuardrailsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate_args(args)
        contents = guardrail_documents(args)
        super().__init__(TYPE, name, None, opts)
        self.policies: dict[str, aws.organizations.Policy] = {}
        """The SCPs by guardrail name."""
        for guardrail, content in contents.items():
            policy = aws.organizations.Policy(
                f"{name}-{guardrail}",
                name=f"{NAME_PREFIX}{guardrail}",
                description=f"rootguard guardrail: {guardrail.replace('-', ' ')}.",
                type=SCP_TYPE,
                content=content,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.policies[guardrail] = policy
            for target in args["targets"]:
                aws.organizations.PolicyAttachment(
                    f"{name}-{guardrail}-{target}",
                    policy_id=policy.id,
                    target_id=target,
                    opts=pulumi.ResourceOptions(parent=self),
                )
        self.policy_ids = pulumi.Output.all(
            **{guardrail: policy.id for guardrail, policy in self.policies.items()}
        )
        self.register_outputs({"policy_ids": self.policy_ids})
