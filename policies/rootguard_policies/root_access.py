"""Centralized root access and guardrail SCPs in organization stacks (advisory).

- `root-credentials-centralized`: a stack that manages AWS Organizations (any
  `aws:organizations/*` resource, or the IAM organization features) turns on both IAM
  organization features, RootCredentialsManagement and RootSessions, so member roots can
  have their credentials removed and root-only tasks run as short root sessions.
- `root-guardrail-scp-attached`: every service control policy the stack declares is
  attached to at least one target by a PolicyAttachment of the stack.

Both decide from inputs and the dependency graph (a policy's id is unknown until it is
created, so attachments are matched through `policyId`'s property dependencies).
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .stack import StackIndex, display_name, of_types, sources_of
from .values import Undecided, as_list, decode_json, is_unknown

ORGANIZATIONS_FEATURES = "aws:iam/organizationsFeatures:OrganizationsFeatures"
ORGANIZATIONS_PREFIX = "aws:organizations/"
ORG_POLICY = "aws:organizations/policy:Policy"
ORG_POLICY_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
REQUIRED_FEATURES = ("RootCredentialsManagement", "RootSessions")
SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
"""An organizations Policy's `type` when none is given (pulumi-aws and the API default)."""


def root_credentials_centralized_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    organization = [
        r
        for r in stack.resources
        if r.resource_type.startswith(ORGANIZATIONS_PREFIX)
        or r.resource_type == ORGANIZATIONS_FEATURES
    ]
    if not organization:
        return
    undecided = Undecided()
    best: set[str] = set()
    features = stack.of_type(ORGANIZATIONS_FEATURES)
    for resource in features:
        enabled = decode_json(stack.props(resource).get("enabledFeatures"))
        if is_unknown(enabled) or any(is_unknown(f) for f in as_list(enabled)):
            undecided.note(enabled, resource.name, "enabledFeatures")
            continue
        found = {str(feature) for feature in as_list(enabled)}
        if found.issuperset(REQUIRED_FEATURES):
            return
        best |= found
    if undecided:
        undecided.settle()
    missing = [feature for feature in REQUIRED_FEATURES if feature not in best]
    subject = features[0] if features else organization[0]
    report_violation(
        "The organization stack must enable centralized root access: an "
        "aws.iam.OrganizationsFeatures with RootCredentialsManagement and RootSessions "
        f"(missing {', '.join(missing)}), so member accounts' root credentials can be "
        "removed and root-only tasks run as short root sessions.",
        subject.urn,
    )


def root_guardrail_scp_attached_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    attached: set[str] = set()
    for attachment in stack.of_type(ORG_POLICY_ATTACHMENT):
        for policy in sources_of(attachment, "policyId", of_types(ORG_POLICY)):
            attached.add(policy.urn)
    for policy in stack.of_type(ORG_POLICY):
        props = stack.props(policy)
        policy_type = props.get("type")
        if is_unknown(policy_type):
            undecided.note(policy_type, policy.name, "type")
            continue
        if (policy_type or SERVICE_CONTROL_POLICY) != SERVICE_CONTROL_POLICY:
            continue
        if policy.urn not in attached:
            report_violation(
                f"The service control policy {display_name(policy, props)} must be attached "
                "to at least one target (the organization root, an OU or an account) by an "
                "aws.organizations.PolicyAttachment of the stack; unattached, it restricts "
                "nothing.",
                policy.urn,
            )
    undecided.settle()


root_credentials_centralized = StackValidationPolicy(
    name="root-credentials-centralized",
    description=(
        "An organization stack must enable the IAM organization features "
        "RootCredentialsManagement and RootSessions (centralized root access)."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=root_credentials_centralized_validator,
)

root_guardrail_scp_attached = StackValidationPolicy(
    name="root-guardrail-scp-attached",
    description=(
        "Every service control policy an organization stack declares must be attached to "
        "at least one target."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=root_guardrail_scp_attached_validator,
)

ROOT_ACCESS_POLICIES = (root_credentials_centralized, root_guardrail_scp_attached)
"""The pack's policies for centralized root access, advisory by default."""
