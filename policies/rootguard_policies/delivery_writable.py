"""Whether AWS Config can write what it delivers: the identity it delivers with may put
objects under the delivery channel's prefix of the bucket.

Which identity (Config developer guide, "Permissions for the Amazon S3 Bucket" and
"Permissions for the IAM Role Assigned to AWS Config"):
- a recorder with the Config service-linked role delivers as the service principal
  `config.amazonaws.com` ("the service-linked role does not have permission to put
  objects"): the bucket policy must let it `s3:GetBucketAcl` on the bucket and
  `s3:PutObject` on `[prefix/]AWSLogs/<account>/Config/*`. Organization conditions
  (`aws:PrincipalOrgID`...) never hold for it; `aws:SourceAccount` is the channel's
  account and `aws:SourceArn` `arn:aws:config:<region>:<account>:*`;
- a recorder with an IAM role delivers with that role to a bucket of its own account
  (its identity policies or the bucket policy must allow `s3:PutObject` there;
  `AWS_ConfigRole` grants reads only); to a bucket of another account it tries the role
  (both the role's policies and the bucket policy must allow it) and then the service
  principal.

The delivery channels of the stack's CloudFormation templates count too (see
`templates`): a StackSet's member baseline delivers, in every account of its target OUs,
to the organization's central bucket, with the template's recorder role or the
service-linked role. Their delivery is judged for each account the template lands in (the
OUs' accounts once, as `templates.MEMBER_ACCOUNT`), with the role's policies as the
template writes them.

Judged from what the stack declares only: a channel whose bucket, recorder or role the
stack does not declare, or a role with an undeclared managed policy that might allow
the write, is not judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .delivery import TEMPLATE_DELIVERY_CHANNEL, attached, template_channel_buckets
from .iam import ALLOW, DENY, Request, decide
from .placement import DEFAULT_ACCOUNT, Placement, account_label
from .roles import RolePolicies, role_policies
from .stack import StackIndex, display_name
from .templates import (
    MEMBER_ACCOUNT,
    MEMBER_ACCOUNT_ID,
    Reference,
    TemplateResource,
    every_template_resource,
    is_resolved,
    partition_of,
)
from .tokens import BUCKET_POLICY, BUCKETS, DELIVERY_CHANNEL, IAM_ROLE, RECORDER
from .values import Undecided, as_list, is_unknown

CONFIG_PRINCIPAL = ("Service", "config.amazonaws.com")
SERVICE_LINKED_ROLE = ":role/aws-service-role/config.amazonaws.com/"
_ACCOUNT_ID = re.compile(r"\b\d{12}\b")
_SAMPLE_ACCOUNT = "000000000000"

Pending = tuple[Any, ...]
"""(sentinel, resource name, *input path) of an unknown value that decides a verdict."""


@dataclass(frozen=True)
class _Delivery:
    """One delivery to judge: Config of `account` in `region` writing `object_arn`
    (under the channel's prefix, shown as `where`) into the bucket `bucket_arn`, whose
    policies are `documents`."""

    account: str
    region: str
    bucket_arn: str
    object_arn: str
    where: str
    documents: list[Any]


def config_delivery_writable_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    for channel in stack.of_type(DELIVERY_CHANNEL):
        problem = _channel_problem(stack, channel)
        if isinstance(problem, tuple):
            undecided.note(*problem)
        elif problem is not None:
            report_violation(problem, channel.urn)
    for template_channel in every_template_resource(stack, TEMPLATE_DELIVERY_CHANNEL):
        problem = _template_channel_problem(stack, template_channel)
        if isinstance(problem, tuple):
            undecided.note(*problem)
        elif problem is not None:
            report_violation(problem, template_channel.deployment.source.urn)
    undecided.settle()


def _channel_problem(stack: StackIndex, channel: PolicyResource) -> str | Pending | None:
    """Why Config cannot write through this channel (a sentence), None when it can or
    when the stack does not declare enough to judge, or what unknown value decides it."""
    buckets = stack.references(channel, "s3BucketName", BUCKETS)
    if not buckets:
        return None  # the bucket lives outside the stack
    place = stack.placement(channel)
    if place is None:
        reason = stack.unplaced_reason(channel)
        return (reason.unknown_type_sentinel, channel.name, *reason.props)
    prefix = stack.props(channel).get("s3KeyPrefix")
    if is_unknown(prefix):
        return (prefix, channel.name, "s3KeyPrefix")
    identity = _delivery_identity(stack, channel, place)
    if identity is None or isinstance(identity, tuple):
        return identity
    for bucket in buckets:
        problem = _bucket_problem(stack, place, str(prefix or ""), identity, bucket)
        if problem is not None:
            if isinstance(problem, tuple):
                return problem
            return (
                f"The AWS Config delivery channel {channel.name} ({place}) must be able to "
                f"write to bucket {display_name(bucket, stack.props(bucket), 'bucket')}: "
                f"{problem}; otherwise delivery fails (InsufficientDeliveryPolicyException) "
                "and no configuration history is kept."
            )
    return None


def _delivery_identity(
    stack: StackIndex, channel: PolicyResource, place: Placement
) -> PolicyResource | str | Pending | None:
    """The role Config delivers with (a declared role resource), `SERVICE_LINKED_ROLE`
    for the service principal, None when not judged, or the deciding unknown."""
    recorders = stack.at(RECORDER, place)
    if not recorders:
        return None  # the recorder lives outside the stack
    recorder = recorders[0]
    roles = stack.references(recorder, "roleArn", IAM_ROLE)
    if roles:
        return roles[0]
    arn = stack.props(recorder).get("roleArn")
    if is_unknown(arn):
        return (arn, recorder.name, "roleArn")
    if isinstance(arn, str) and SERVICE_LINKED_ROLE in arn:
        return SERVICE_LINKED_ROLE
    return None  # a role the stack does not declare


@dataclass(frozen=True)
class _BucketPolicies:
    """A delivery bucket's ARN and the documents of its policies."""

    arn: str
    documents: list[Any]


def _bucket_documents(stack: StackIndex, bucket: PolicyResource) -> _BucketPolicies | Pending:
    """The bucket's ARN and its policies' documents, or the unknown that decides them."""
    bucket_props = stack.props(bucket)
    name = bucket_props.get("bucket")
    arn = bucket_props.get("arn")
    if not (isinstance(arn, str) and arn and not is_unknown(arn)):
        if not (isinstance(name, str) and name and not is_unknown(name)):
            return (name if is_unknown(name) else arn, bucket.name, "bucket")
        arn = f"arn:aws:s3:::{name}"
    documents: list[Any] = []
    for owner in attached(stack, BUCKET_POLICY, bucket):
        document = stack.props(owner).get("policy")
        if is_unknown(document):
            return (document, owner.name, "policy")
        documents.append(document)
    inline = bucket_props.get("policy")
    if is_unknown(inline):
        return (inline, bucket.name, "policy")
    if inline is not None:
        documents.append(inline)
    return _BucketPolicies(arn, documents)


def _key_prefix(prefix: str) -> str:
    return f"{prefix.strip('/')}/" if prefix.strip("/") else ""


def _delivery(
    account: str, shown: str, region: str, arn: str, prefix: str, documents: list[Any]
) -> _Delivery:
    key_prefix = _key_prefix(prefix)
    return _Delivery(
        account=account,
        region=region,
        bucket_arn=arn,
        object_arn=f"{arn}/{key_prefix}AWSLogs/{account}/Config/{region}/2026/1/1/x.gz",
        where=f"`{key_prefix}AWSLogs/{shown}/Config/`",
        documents=documents,
    )


def _bucket_problem(
    stack: StackIndex,
    place: Placement,
    prefix: str,
    identity: PolicyResource | str,
    bucket: PolicyResource,
) -> str | Pending | None:
    found = _bucket_documents(stack, bucket)
    if isinstance(found, tuple):
        return found
    arn, documents = found.arn, found.documents
    bucket_account = stack.account(bucket)
    # The default account's id is not in any input: try every id the documents name.
    accounts = (
        [place.account]
        if place.account != DEFAULT_ACCOUNT
        else sorted(set(_ACCOUNT_ID.findall(json.dumps(documents)))) or [_SAMPLE_ACCOUNT]
    )
    cross_account = bucket_account is not None and bucket_account != place.account
    problems: list[str | Pending] = []
    for account in accounts:
        shown = account if place.account != DEFAULT_ACCOUNT else "<account id>"
        delivery = _delivery(account, shown, place.region, arn, prefix, documents)
        problem: str | Pending | None
        if identity == SERVICE_LINKED_ROLE:
            problem = _service_principal_problem(delivery)
        else:
            assert isinstance(identity, PolicyResource)
            problem = _role_problem(stack, identity, delivery, cross_account)
        if problem is None:
            return None
        problems.append(problem)
    return next((p for p in problems if isinstance(p, tuple)), problems[0])


def _service_principal_problem(delivery: _Delivery) -> str | None:
    context = {
        "aws:SourceAccount": delivery.account,
        "aws:SourceArn": f"arn:aws:config:{delivery.region}:{delivery.account}:*",
        "s3:x-amz-acl": "bucket-owner-full-control",
        "aws:SecureTransport": "true",
        # The service principal belongs to no organization and is no IAM principal.
        "aws:PrincipalOrgID": None,
        "aws:PrincipalOrgPaths": None,
        "aws:PrincipalAccount": None,
        "aws:PrincipalArn": None,
    }
    missing = []
    for action, resource, shown in (
        ("s3:GetBucketAcl", delivery.bucket_arn, "the bucket"),
        ("s3:PutObject", delivery.object_arn, delivery.where),
    ):
        request = Request(action, resource, CONFIG_PRINCIPAL, context)
        if decide(delivery.documents, request) not in (ALLOW, None):
            missing.append(f"{action} on {shown}")
    if not missing:
        return None
    return (
        "the recorder uses the Config service-linked role, so Config delivers as "
        f"config.amazonaws.com, and the bucket policy does not allow it {' and '.join(missing)}"
    )


def _role_problem(
    stack: StackIndex, role: PolicyResource, delivery: _Delivery, cross_account: bool
) -> str | Pending | None:
    role_props = stack.props(role)
    role_arn = role_props.get("arn")
    if not (isinstance(role_arn, str) and not is_unknown(role_arn)):
        role_name = role_props.get("name")
        known_name = isinstance(role_name, str) and not is_unknown(role_name)
        role_arn = f"arn:aws:iam::{delivery.account}:role/{role_name}" if known_name else None
    problem = _role_write_problem(
        role.name, role_arn, role_policies(stack, role), delivery, cross_account
    )
    if problem is _ROLE_ARN_UNKNOWN:
        # The bucket policy may name the role by the ARN a preview does not know yet.
        unknown = role_props.get("arn")
        return (unknown if is_unknown(unknown) else role_props.get("name"), role.name, "arn")
    return problem


_ROLE_ARN_UNKNOWN = ("role arn unknown",)


def _role_write_problem(
    name: str,
    role_arn: str | None,
    policies: RolePolicies,
    delivery: _Delivery,
    cross_account: bool,
) -> str | Pending | None:
    """Why the recorder's role `name` (ARN `role_arn`, None while unknown; identity
    policies `policies`) cannot write the delivery, or Config's service principal either
    when the bucket is another account's; `_ROLE_ARN_UNKNOWN` when the unknown ARN decides."""
    account, where = delivery.account, delivery.where
    context: dict[str, str | None] = {
        "s3:x-amz-acl": "bucket-owner-full-control",
        "aws:SecureTransport": "true",
        "aws:PrincipalAccount": account,
        "aws:SourceAccount": None,
    }
    if role_arn is not None:
        context["aws:PrincipalArn"] = role_arn
    request = Request("s3:PutObject", delivery.object_arn, None, context)
    identity, pending = policies.decide(request)
    if pending is not None:
        return pending
    if role_arn is None:
        if identity == ALLOW and not cross_account:
            return None
        return _ROLE_ARN_UNKNOWN
    principal = ("AWS", role_arn)
    resource_verdict = decide(
        delivery.documents, Request("s3:PutObject", delivery.object_arn, principal, context)
    )
    if DENY in (identity, resource_verdict):
        return f"a policy denies the recorder's role {name} s3:PutObject on {where}"
    if cross_account:
        if identity in (ALLOW, None) and resource_verdict in (ALLOW, None):
            return None
        # Config then retries as the service principal.
        fallback = _service_principal_problem(delivery)
        if fallback is None:
            return None
        return (
            f"the bucket is in another account; neither the recorder's role {name} "
            f"(allowed by its policies and the bucket policy) nor config.amazonaws.com may "
            f"put objects under {where}"
        )
    if ALLOW in (identity, resource_verdict) or None in (identity, resource_verdict):
        return None
    return (
        f"Config delivers to a bucket of its own account with the recorder's role "
        f"{name}, and neither its policies nor the bucket policy allow it s3:PutObject "
        f"on {where} (AWS_ConfigRole grants reads only; a statement for the "
        "config.amazonaws.com principal does not apply to the role)"
    )


# --- the delivery channels of the stack's templates -----------------------------------------


@dataclass(frozen=True)
class _TemplateRole:
    """A template's recorder role: its name, ARN (None while unknown) and policies."""

    name: str
    arn: str | None
    policies: RolePolicies


def _template_identity(
    channel: TemplateResource, account_id: str
) -> _TemplateRole | str | Pending | None:
    """What the template's recorder (where the channel lands) delivers with: its role,
    `SERVICE_LINKED_ROLE`, None when not judged, or the deciding unknown."""
    deployment, target = channel.deployment, channel.target
    recorders = [
        r
        for r in deployment.resources(
            TEMPLATE_RECORDER, target, channel.account, channel.region, account_id
        )
        if r.created is not False
    ]
    if not recorders:
        return None  # the recorder lives outside the template
    recorder = recorders[0]
    arn = recorder.properties.get("RoleARN")
    if is_unknown(arn):
        return (arn, recorder.name, "RoleARN")
    if isinstance(arn, str) and SERVICE_LINKED_ROLE in arn:
        return SERVICE_LINKED_ROLE
    if not isinstance(arn, Reference):
        return None  # a role the template does not declare
    role = next(
        (
            r
            for r in deployment.resources(
                TEMPLATE_ROLE, target, channel.account, channel.region, account_id
            )
            if r.logical_id == arn.logical_id
        ),
        None,
    )
    if role is None:
        return None
    policies = RolePolicies()
    source = deployment.source
    for item in as_list(role.properties.get("Policies")):
        document = item.get("PolicyDocument") if isinstance(item, Mapping) else None
        if is_unknown(document) or is_resolved(document):
            policies.documents.append((source, "templateBody", document))
        else:
            return None  # computed in a way the stack does not tell
    for managed in as_list(role.properties.get("ManagedPolicyArns")):
        if isinstance(managed, str) and not is_unknown(managed):
            policies.undeclared.append(managed)
        else:
            return None
    role_name = role.properties.get("RoleName")
    role_arn = (
        f"arn:{partition_of(channel.region)}:iam::{account_id}:role/{role_name}"
        if isinstance(role_name, str) and not is_unknown(role_name)
        else None
    )
    return _TemplateRole(role.name, role_arn, policies)


def _template_channel_problem(stack: StackIndex, channel: TemplateResource) -> str | Pending | None:
    """As `_channel_problem`, for a delivery channel of a template where it lands."""
    if channel.created is False:
        return None
    buckets = template_channel_buckets(stack, channel)
    if not buckets:
        return None  # the bucket lives outside the stack
    prefix = channel.properties.get("S3KeyPrefix", "")
    if is_unknown(prefix):
        return (prefix, channel.name, "S3KeyPrefix")
    if not isinstance(prefix, str):
        return None  # computed in a way the stack does not tell
    account = channel.account
    account_id = account if _ACCOUNT_ID.fullmatch(account) else MEMBER_ACCOUNT_ID
    identity = _template_identity(channel, account_id)
    if identity is None or isinstance(identity, tuple):
        return identity
    where = (
        f"the accounts the StackSet {channel.deployment.source.name} reaches through its target OUs"
        if account == MEMBER_ACCOUNT
        else account_label(account)
    )
    for bucket in buckets:
        found = _bucket_documents(stack, bucket)
        if isinstance(found, tuple):
            return found
        arn, documents = found.arn, found.documents
        shown = account_id if account != MEMBER_ACCOUNT else "<account id>"
        delivery = _delivery(account_id, shown, channel.region, arn, prefix, documents)
        bucket_account = stack.account(bucket)
        problem: str | Pending | None
        if identity == SERVICE_LINKED_ROLE:
            problem = _service_principal_problem(delivery)
        else:
            assert isinstance(identity, _TemplateRole)
            cross_account = bucket_account != account
            problem = _role_write_problem(
                identity.name, identity.arn, identity.policies, delivery, cross_account
            )
            if problem is _ROLE_ARN_UNKNOWN:
                return None  # a role name the template computes: not judged
        if isinstance(problem, tuple):
            return problem
        if problem is not None:
            return (
                f"The AWS Config delivery channel {channel.name} ({where}, {channel.region}) "
                f"must be able to write to bucket "
                f"{display_name(bucket, stack.props(bucket), 'bucket')}: {problem}; otherwise "
                "delivery fails (InsufficientDeliveryPolicyException) and no configuration "
                "history is kept."
            )
    return None


TEMPLATE_RECORDER = "AWS::Config::ConfigurationRecorder"
TEMPLATE_ROLE = "AWS::IAM::Role"


config_delivery_writable = StackValidationPolicy(
    name="config-delivery-writable",
    description=(
        "The identity AWS Config delivers with (the recorder's role, or the service "
        "principal for the service-linked role) must be allowed to write the delivery "
        "channel's bucket prefix, as far as the stack declares it."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_delivery_writable_validator,
)
