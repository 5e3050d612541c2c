"""Lambda runtimes and IAM access: nothing on an unsupported runtime, no administrator
access granted by the stack, however it is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .iam import actions_match, covers_every_action, matches, statements
from .tokens import (
    IAM_GROUP_POLICY,
    IAM_GROUP_POLICY_ATTACHMENT,
    IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE,
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    IAM_USER_POLICY,
    IAM_USER_POLICY_ATTACHMENT,
    IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE,
    LAMBDA_FUNCTION,
)
from .values import Undecided, as_list, is_unknown, read

# --- lambda-runtime-supported ------------------------------------------------------------

SUPPORTED_RUNTIMES = (
    "python3.12",
    "python3.13",
    "python3.14",
    "nodejs22.x",
    "nodejs24.x",
)
"""Python and Node.js runtimes Lambda supports as of late 2026 (python3.10/3.11 and
nodejs20.x reached end of support in 2026); override with `allowedRuntimes`."""


def lambda_runtime_supported_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type != LAMBDA_FUNCTION:
        return
    package_type, runtime = read(args.props, "packageType"), read(args.props, "runtime")
    if package_type == "Image":
        _not_applicable(args, "Image functions bring their own runtime in the image.")
        return
    allowed = list(args.get_config().get("allowedRuntimes", SUPPORTED_RUNTIMES))
    if runtime in allowed:
        return  # supported, whatever an unknown packageType turns out to be
    undecided = Undecided()
    if is_unknown(runtime):
        undecided.note(runtime, "runtime")
    elif is_unknown(package_type):
        undecided.note(package_type, "packageType")  # an Image function needs no runtime
    else:
        shown = f"`{runtime}`" if runtime else "no runtime"
        report_violation(
            f"The Lambda function must use a supported runtime ({', '.join(allowed)}); it "
            f"uses {shown}, which stops receiving security patches or cannot be deployed.",
            args.urn,
        )
    undecided.settle()


def _not_applicable(args: ResourceValidationArgs, reason: str) -> None:
    """Mark the policy not applicable (pulumi-policy >= 1.21); older SDKs just pass."""
    mark = getattr(args, "not_applicable", None)
    if mark is not None:
        mark(reason)


lambda_runtime_supported = ResourceValidationPolicy(
    name="lambda-runtime-supported",
    description=(
        "Lambda functions must use a supported runtime, so that their code keeps getting "
        "security patches and can still be deployed."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=lambda_runtime_supported_validator,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedRuntimes": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "uniqueItems": True,
                "default": list(SUPPORTED_RUNTIMES),
                "description": "Runtime identifiers a zip-packaged function may use.",
            }
        }
    ),
)


# --- iam-no-admin-wildcards --------------------------------------------------------------

POLICY_DOCUMENT_TYPES = frozenset({IAM_POLICY, IAM_ROLE_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY})
ATTACHMENT_ARN_INPUTS = {
    IAM_ROLE_POLICY_ATTACHMENT: "policyArn",
    IAM_USER_POLICY_ATTACHMENT: "policyArn",
    IAM_GROUP_POLICY_ATTACHMENT: "policyArn",
    IAM_POLICY_ATTACHMENT: "policyArn",
    IAM_ROLE: "managedPolicyArns",
    IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
    IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
    IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
}
"""Resources that attach managed policies, and the input holding the ARN(s)."""

ADMINISTRATOR_ACCESS = "policy/AdministratorAccess"
"""AWS's managed administrator policy: `arn:<partition>:iam::aws:policy/AdministratorAccess`."""

PRIVILEGE_GRANTING_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
)
"""IAM actions that let a principal grant itself any permission: allowed on every
resource, they are administrator access with extra steps."""

_ANY_RESOURCE_SAMPLES = (
    "arn:aws:iam::123456789012:role/any",
    "arn:aws:s3:::any-bucket/any-key",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
)


def _every_resource(statement: Mapping[str, Any]) -> bool:
    """The statement's Resource covers every resource of every service (`*`, `arn:*`)."""
    if "NotResource" in statement:
        return False
    patterns = as_list(statement.get("Resource"))
    return any(all(matches(p, arn) for arn in _ANY_RESOURCE_SAMPLES) for p in patterns)


def admin_grant(document: Any) -> str | None:
    """How an IAM policy document (JSON text or parsed) grants administrator access, or
    None: an Allow of every action on every resource; an Allow of every action with
    `NotResource` (all but a few resources); or an Allow with `NotAction` on every
    resource whose exclusions leave IAM's privilege-granting actions allowed (the
    principal can attach AdministratorAccess to itself; a NotAction that takes IAM out,
    like AWS's PowerUserAccess, is not administrator access)."""
    for statement in statements(document, "Allow"):
        if "NotAction" in statement:
            if _every_resource(statement) and any(
                actions_match(statement, action) for action in PRIVILEGE_GRANTING_ACTIONS
            ):
                return (
                    "`NotAction` on resource `*`, leaving IAM's privilege-granting actions allowed"
                )
            continue
        every_action = any(covers_every_action(a) for a in as_list(statement.get("Action")))
        if every_action and _every_resource(statement):
            return "action `*` on resource `*`"
        if every_action and "NotResource" in statement:
            return "action `*` on every resource but those in `NotResource`"
    return None


def allows_admin(document: Any) -> bool:
    """True when an IAM policy document (JSON text or parsed) grants administrator access."""
    return admin_grant(document) is not None


def is_administrator_access(arn: Any) -> bool:
    """True for the ARN of AWS's managed AdministratorAccess policy (any partition)."""
    if not isinstance(arn, str):
        return False
    parts = arn.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[2:5] == ["iam", "", "aws"]
        and (parts[5] == ADMINISTRATOR_ACCESS)
    )


def iam_no_admin_wildcards_validator(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    undecided = Undecided()
    documents: list[tuple[Any, tuple[str | int, ...]]] = []
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        documents.append((read(args.props, "policy"), ("policy",)))
    elif args.resource_type == IAM_ROLE:
        inline = read(args.props, "inlinePolicies")
        if is_unknown(inline):
            undecided.note(inline, "inlinePolicies")
        for index, item in enumerate(as_list(inline) if not is_unknown(inline) else []):
            document = item.get("policy") if isinstance(item, Mapping) else item
            documents.append((document, ("inlinePolicies", index, "policy")))
    for document, path in documents:
        if is_unknown(document):
            undecided.note(document, *path)
            continue
        grant = admin_grant(document)
        if grant is not None:
            where = ".".join(str(p) for p in path)
            report_violation(
                f"The IAM policy document in `{where}` must not grant administrator access "
                f"({grant}); grant the actions the principal needs, and keep administrator "
                "access to a break-glass role outside the stack.",
                args.urn,
            )
    key = ATTACHMENT_ARN_INPUTS.get(args.resource_type)
    if key is not None:
        arns = read(args.props, key)
        if is_unknown(arns):
            undecided.note(arns, key)
        for arn in as_list(arns) if not is_unknown(arns) else []:
            if is_unknown(arn):
                undecided.note(arn, key)
            elif is_administrator_access(arn):
                report_violation(
                    f"The IAM policy attachment `{key}` must not attach AWS's "
                    "AdministratorAccess managed policy; attach a policy with the actions "
                    "the principal needs, and keep administrator access to a break-glass "
                    "role outside the stack.",
                    args.urn,
                )
    undecided.settle()


iam_no_admin_wildcards = ResourceValidationPolicy(
    name="iam-no-admin-wildcards",
    description=(
        "IAM policies, role inline policies, user and group policies must not grant "
        "administrator access (`*` on `*`, NotAction or NotResource written around it), "
        "and no role, user or group may get AWS's AdministratorAccess policy attached."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=iam_no_admin_wildcards_validator,
)
