"""Lambda permissions for AWS services: scoped to a source, so that no other account's
resources can invoke the function (the confused-deputy problem)."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .iam import actions_match, condition_keys, statements
from .roles import never_grants, role_policies
from .stack import StackIndex, display_name
from .tokens import IAM_ROLE, LAMBDA_FUNCTION, LAMBDA_PERMISSION, ORG_CUSTOM_RULE
from .values import Undecided, is_unknown

SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")
"""An AWS service principal (`events.amazonaws.com`, `config.amazonaws.com`, ...)."""

ORG_BOUND_KEYS = frozenset({"aws:resourceorgid", "aws:resourceorgpaths", "aws:resourceaccount"})
"""Condition keys that keep an sts:AssumeRole grant to the organization's (or named
accounts') roles (IAM User Guide, "AWS global condition context keys")."""


def lambda_service_permission_scoped_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    for permission in stack.of_type(LAMBDA_PERMISSION):
        props = stack.props(permission)
        if props.get("sourceAccount") is not None or props.get("sourceArn") is not None:
            continue  # scoped, whatever value a preview does not know yet
        principal = props.get("principal")
        if is_unknown(principal):
            undecided.note(principal, permission.name, "principal")
            continue
        if not isinstance(principal, str) or not SERVICE_PRINCIPAL.match(principal):
            continue
        functions = stack.references(permission, "function", LAMBDA_FUNCTION)
        exempt = [_organization_bound(stack, f) for f in functions]
        if functions and all(e is True for e in exempt):
            continue
        pending = next((e for e in exempt if isinstance(e, tuple)), None)
        if pending is not None:
            undecided.note(*pending)
            continue
        target = (
            display_name(functions[0], stack.props(functions[0])) if functions else "the function"
        )
        report_violation(
            f"The lambda.Permission {permission.name} for service principal {principal} "
            "must set `sourceAccount` or `sourceArn`; without either, resources of that "
            f"service in any AWS account can invoke {target}.",
            permission.urn,
        )
    undecided.settle()


def _organization_bound(stack: StackIndex, function: PolicyResource) -> bool | tuple[Any, ...]:
    """True when the function is an organization custom rule's and its execution role
    can assume roles only inside the organization (every sts:AssumeRole grant of the
    role's declared policies conditioned on `aws:ResourceOrgID`, `aws:ResourceOrgPaths`
    or `aws:ResourceAccount`); the unknown (sentinel, name, input) while a preview value
    decides it; False otherwise, an undeclared managed policy on the role included.

    An organization rule's function is invoked by AWS Config of every member account,
    so no single `sourceAccount` fits; the organization bound is what keeps another
    account's Config from handing it a role outside the organization."""
    rules = [
        r
        for r in stack.of_type(ORG_CUSTOM_RULE)
        if function in stack.references(r, "lambdaFunctionArn", LAMBDA_FUNCTION)
    ]
    if not rules:
        return False
    roles = stack.references(function, "role", IAM_ROLE)
    if len(roles) != 1:
        return False
    policies = role_policies(stack, roles[0])
    for owner, key, document in policies.documents:
        if is_unknown(document):
            return (document, owner.name, key)
    if policies.unknown_arns:
        owner, key, sentinel = policies.unknown_arns[0]
        return (sentinel, owner.name, key)
    if not all(never_grants(arn, "sts:AssumeRole") for arn in policies.undeclared):
        return False  # an undeclared managed policy may grant sts:AssumeRole anywhere
    for _, _, document in policies.documents:
        for statement in statements(document, "Allow"):
            granted = actions_match(statement, "sts:AssumeRole")
            if granted and not (condition_keys(statement) & ORG_BOUND_KEYS):
                return False
    return True


lambda_service_permission_scoped = StackValidationPolicy(
    name="lambda-service-permission-scoped",
    description=(
        "A lambda.Permission for an AWS service principal must name its source "
        "(`sourceAccount` or `sourceArn`), unless the function is an organization custom "
        "rule's whose role can assume roles only inside the organization."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=lambda_service_permission_scoped_validator,
)
