"""What an IAM role of the stack may do, from the policies the stack gives it.

A role's identity policies are its `inlinePolicies`, `aws:iam/rolePolicy` resources on
it, and the managed policies attached to it (`managedPolicyArns`, role policy
attachments, `aws:iam/policyAttachment`, the exclusive-attachment resources). A managed
policy the stack declares (`aws:iam/policy`) is read; one it does not declare (an AWS
managed policy, or one from another stack) is *undeclared*: what it allows is not
knowable from the stack, except for the few AWS managed policies listed in
`MANAGED_WITHOUT`, whose documentation says which of the actions asked about here they
never grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from .iam import ALLOW, DENY, IMPLICIT, Request, decide
from .stack import StackIndex
from .tokens import (
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
)
from .values import as_list, is_unknown

MANAGED_WITHOUT: Mapping[str, frozenset[str]] = {
    # Config developer guide, "Permissions for the IAM Role Assigned to AWS Config": the
    # role needs its own statement for s3:PutObject; AWS_ConfigRole reads configurations.
    "policy/service-role/AWS_ConfigRole": frozenset({"s3:putobject", "sts:assumerole"}),
    # CloudWatch Logs writes only (Lambda developer guide, "Lambda execution role").
    "policy/service-role/AWSLambdaBasicExecutionRole": frozenset(
        {"s3:putobject", "sts:assumerole"}
    ),
    # Config rule functions: Config and read-only S3 access to Config's own objects.
    "policy/service-role/AWSConfigRulesExecutionRole": frozenset(
        {"s3:putobject", "sts:assumerole"}
    ),
}
"""AWS managed policies (`arn:<partition>:iam::aws:<key>`) -> actions they never grant."""


@dataclass
class RolePolicies:
    """A role's identity policies as the stack declares them."""

    documents: list[tuple[PolicyResource, str, Any]] = field(default_factory=list)
    """(owner, input, document): known documents, or sentinels while unknown."""
    undeclared: list[str] = field(default_factory=list)
    """ARNs of attached managed policies the stack does not declare."""
    unknown_arns: list[tuple[PolicyResource, str, Any]] = field(default_factory=list)
    """(owner, input, sentinel): attached policy ARNs unknown during a preview and not
    traced to a declared policy."""

    def decide(self, request: Request) -> tuple[str | None, tuple[Any, ...] | None]:
        """ALLOW, DENY or IMPLICIT for the role's identity policies, or None when what
        the stack declares cannot tell (an undeclared managed policy might allow it);
        and the unknown (sentinel, owner name, input) when a preview value decides it."""
        known = [d for _, _, d in self.documents if not is_unknown(d)]
        verdict = decide(known, request)
        if verdict in (ALLOW, DENY):
            return verdict, None
        pending = [(d, o.name, k) for o, k, d in self.documents if is_unknown(d)]
        pending += [(d, o.name, k) for o, k, d in self.unknown_arns]
        if pending:
            return None, pending[0]
        action = request.action
        if any(not never_grants(arn, action) for arn in self.undeclared):
            return None, None
        return verdict, None


def never_grants(arn: str, action: str) -> bool:
    """True when `arn` is an AWS managed policy known never to grant `action`."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2:5] != ["iam", "", "aws"]:
        return False
    return action.lower() in MANAGED_WITHOUT.get(parts[5], frozenset())


_ATTACHMENTS = (
    # (type, input naming the role(s), input naming the policy ARN(s))
    (IAM_ROLE_POLICY_ATTACHMENT, "role", "policyArn"),
    (IAM_POLICY_ATTACHMENT, "roles", "policyArn"),
    (IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE, "roleName", "policyArns"),
)


def role_policies(stack: StackIndex, role: PolicyResource) -> RolePolicies:
    """The identity policies the stack gives `role` (see the module docstring)."""
    found = RolePolicies()
    props = stack.props(role)
    inline = props.get("inlinePolicies")
    if is_unknown(inline):
        found.documents.append((role, "inlinePolicies", inline))
    for item in as_list(inline) if not is_unknown(inline) else []:
        document = item.get("policy") if isinstance(item, Mapping) else item
        if document is not None:
            found.documents.append((role, "inlinePolicies", document))
    for policy in stack.referrers(role, IAM_ROLE_POLICY, "role", IAM_ROLE):
        found.documents.append((policy, "policy", stack.props(policy).get("policy")))
    _attach(stack, found, role, "managedPolicyArns")
    for token, role_key, arn_key in _ATTACHMENTS:
        for attachment in stack.referrers(role, token, role_key, IAM_ROLE):
            _attach(stack, found, attachment, arn_key)
    return found


def _attach(stack: StackIndex, found: RolePolicies, owner: PolicyResource, key: str) -> None:
    """The managed policies input `key` of `owner` attaches."""
    declared = stack.references(owner, key, IAM_POLICY)
    for policy in declared:
        found.documents.append((policy, "policy", stack.props(policy).get("policy")))
    value = stack.props(owner).get(key)
    if is_unknown(value):
        if not declared:
            found.unknown_arns.append((owner, key, value))
        return
    declared_names = {stack.props(p).get("arn") for p in declared}
    for arn in as_list(value):
        if is_unknown(arn):
            if not declared:
                found.unknown_arns.append((owner, key, arn))
        elif (
            isinstance(arn, str)
            and arn not in declared_names
            and not stack.references_value(arn, IAM_POLICY)
        ):
            found.undeclared.append(arn)


__all__ = [
    "ALLOW",
    "DENY",
    "IMPLICIT",
    "MANAGED_WITHOUT",
    "RolePolicies",
    "never_grants",
    "role_policies",
]
