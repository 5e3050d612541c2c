"""Lambda runtimes and IAM documents: nothing on an unsupported runtime, no `*` on `*`."""

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

from .tokens import (
    IAM_GROUP_POLICY,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_USER_POLICY,
    LAMBDA_FUNCTION,
)
from .values import Undecided, as_list, is_unknown, policy_statements, read

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
    # Reading through the proxy raises UnknownValueError (advisory) while unknown.
    if args.props.get("packageType") == "Image":
        _not_applicable(args, "Image functions bring their own runtime in the image.")
        return
    allowed = list(args.get_config().get("allowedRuntimes", SUPPORTED_RUNTIMES))
    runtime = args.props.get("runtime")
    if runtime not in allowed:
        shown = f"`{runtime}`" if runtime else "no runtime"
        report_violation(
            f"The Lambda function must use a supported runtime ({', '.join(allowed)}); it "
            f"uses {shown}, which stops receiving security patches or cannot be deployed.",
            args.urn,
        )


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
_ANY_ACTION = frozenset({"*", "*:*"})


def allows_admin(document: Any) -> bool:
    """True when an IAM policy document (JSON text or parsed) allows `*` on `*`."""
    for statement in policy_statements(document, "Allow"):
        actions = {str(a) for a in as_list(statement.get("Action"))}
        resources = {str(r) for r in as_list(statement.get("Resource"))}
        if actions & _ANY_ACTION and "*" in resources:
            return True
    return False


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
    else:
        return
    for document, path in documents:
        if is_unknown(document):
            undecided.note(document, *path)
        elif allows_admin(document):
            where = ".".join(str(p) for p in path)
            report_violation(
                f"The IAM policy document in `{where}` must not allow action `*` on resource "
                "`*`; grant the actions the principal needs, and keep administrator access "
                "to a break-glass role outside the stack.",
                args.urn,
            )
    undecided.settle()


iam_no_admin_wildcards = ResourceValidationPolicy(
    name="iam-no-admin-wildcards",
    description=(
        "IAM policies, role inline policies, user and group policies must not allow "
        "action `*` on resource `*` (administrator access)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=iam_no_admin_wildcards_validator,
)
