"""The S3 buckets AWS Config delivers to: no public access, TLS only.

The delivery buckets are those the stack's delivery channels name, and those the
delivery channels of its CloudFormation templates name (`AWS::Config::DeliveryChannel`
`S3BucketName`, evaluated with the Stack's or StackSet's parameters, see `templates`):
an organization's central bucket, which every member account's channel writes to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .iam import covers_every, everyone, matches, statements
from .stack import StackIndex, display_name, of_types, sources_of
from .templates import TemplateResource, every_template_resource
from .tokens import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    BUCKETS,
    DELIVERY_CHANNEL,
)
from .values import Undecided, as_list, is_unknown

S3_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def delivery_buckets(stack: StackIndex) -> dict[str, PolicyResource]:
    """The stack's buckets a delivery channel writes to, by URN."""
    found: dict[str, PolicyResource] = {}
    for channel in stack.of_type(DELIVERY_CHANNEL):
        for bucket in stack.references(channel, "s3BucketName", BUCKETS):
            found.setdefault(bucket.urn, bucket)
    for template_channel in every_template_resource(stack, TEMPLATE_DELIVERY_CHANNEL):
        if template_channel.created is False:
            continue
        for bucket in template_channel_buckets(stack, template_channel):
            found.setdefault(bucket.urn, bucket)
    return found


TEMPLATE_DELIVERY_CHANNEL = "AWS::Config::DeliveryChannel"


def template_channel_buckets(stack: StackIndex, channel: TemplateResource) -> list[PolicyResource]:
    """The stack's buckets a template's delivery channel names (`S3BucketName`)."""
    name = channel.properties.get("S3BucketName")
    if is_unknown(name):
        # A parameter computed from another resource's output: the graph says which.
        return sources_of(channel.deployment.source, "parameters", of_types(BUCKETS))
    return stack.references_value(name, BUCKETS)


def attached(stack: StackIndex, token: str, bucket: PolicyResource) -> list[PolicyResource]:
    """Resources of type `token` (public access blocks, bucket policies) whose `bucket`
    input is `bucket`."""
    return stack.referrers(bucket, token, "bucket", BUCKETS)


def config_delivery_bucket_secure_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    for bucket in delivery_buckets(stack).values():
        _check_public_access(stack, undecided, report_violation, bucket)
        _check_tls_only(stack, undecided, report_violation, bucket)
    undecided.settle()


def _blocks_all(props: Mapping[str, Any]) -> bool | str:
    """True when all four flags are true, False when one is not, a sentinel if unknown."""
    values = [props.get(flag) for flag in PUBLIC_ACCESS_FLAGS]
    if any(v is not True and not is_unknown(v) for v in values):
        return False
    unknown = [str(v) for v in values if is_unknown(v)]
    return unknown[0] if unknown else True


def _check_public_access(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    bucket: PolicyResource,
) -> None:
    candidates = attached(stack, BUCKET_PUBLIC_ACCESS_BLOCK, bucket)
    # An account-wide block covers every bucket of its account: only the account
    # decides, so a region unknown during a preview does not matter here.
    account = stack.account(bucket)
    maybe: tuple[Any, ...] | None = None
    for block in stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK):
        explicit = stack.props(block).get("accountId")
        if isinstance(explicit, str) and explicit and not is_unknown(explicit):
            block_account: str | None = explicit
        elif is_unknown(explicit):
            block_account = None
        else:
            block_account = stack.account(block)
        if block_account is None or account is None:
            # It may be this bucket's account or not: that matters only if it blocks.
            if _blocks_all(stack.props(block)) is not False and maybe is None:
                maybe = (explicit, block.name, "accountId")
            continue
        if block_account == account:
            candidates.append(block)
    verdicts = [(block, _blocks_all(stack.props(block))) for block in candidates]
    if any(verdict is True for _, verdict in verdicts):
        return
    unknown = [(block, verdict) for block, verdict in verdicts if is_unknown(verdict)]
    if unknown:
        block, sentinel = unknown[0]
        undecided.note(sentinel, block.name, "blockPublicAcls")
        return
    if maybe is not None:
        undecided.note(*maybe)
        return
    report_violation(
        f"The AWS Config delivery bucket {display_name(bucket, stack.props(bucket), 'bucket')} "
        "must have a public access block with blockPublicAcls, blockPublicPolicy, "
        "ignorePublicAcls and restrictPublicBuckets all true; it holds the account's "
        "configuration history.",
        bucket.urn,
    )


def bucket_arns(stack: StackIndex, bucket: PolicyResource) -> list[str] | Any:
    """The ARNs the bucket may have (its `arn`, else `arn:<partition>:s3:::<name>`), or
    the sentinel while neither is known."""
    props = stack.props(bucket)
    arn, name = props.get("arn"), props.get("bucket")
    if isinstance(arn, str) and arn and not is_unknown(arn):
        return [arn]
    if isinstance(name, str) and name and not is_unknown(name):
        return [f"arn:{partition}:s3:::{name}" for partition in S3_PARTITIONS]
    return arn if is_unknown(arn) else name


def _check_tls_only(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    bucket: PolicyResource,
) -> None:
    documents = [(p, stack.props(p).get("policy")) for p in attached(stack, BUCKET_POLICY, bucket)]
    inline = stack.props(bucket).get("policy")
    if inline is not None:
        documents.append((bucket, inline))
    arns = bucket_arns(stack, bucket)
    known = [document for _, document in documents if not is_unknown(document)]
    unknown = [(owner, document) for owner, document in documents if is_unknown(document)]
    if isinstance(arns, list):
        if any(tls_deny_covers(known, arn) for arn in arns):
            return
    elif tls_deny_covers(known, "arn:aws:s3:::*"):
        return  # it covers every bucket, whatever this one's name turns out to be
    elif known:
        unknown.append((bucket, arns))  # the bucket's name decides what the deny covers
    if unknown:
        owner, value = unknown[0]
        undecided.note(value, owner.name, "policy" if owner is not bucket else "bucket")
        return
    report_violation(
        f"The AWS Config delivery bucket {display_name(bucket, stack.props(bucket), 'bucket')} "
        "must have a bucket policy that denies every principal every S3 action on the bucket "
        "and its objects (`<bucket ARN>` and `<bucket ARN>/*`) when `aws:SecureTransport` "
        "is false.",
        bucket.urn,
    )


def _is_tls_deny(statement: Mapping[str, Any]) -> bool:
    """A Deny for everyone, on every S3 action, whose only condition is
    `aws:SecureTransport` false (another condition would narrow what it denies)."""
    if statement.get("Effect") != "Deny" or not everyone(statement) or "NotAction" in statement:
        return False
    if not any(
        covers_every(a, "s3:", ignore_case=True) or a == "*"
        for a in as_list(statement.get("Action"))
    ):
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping) or not condition:
        return False
    for operator, clauses in condition.items():
        if str(operator).lower() not in ("bool", "boolifexists") or not isinstance(
            clauses, Mapping
        ):
            return False
        for key, value in clauses.items():
            if str(key).lower() != "aws:securetransport" or [
                str(v).lower() for v in as_list(value)
            ] != ["false"]:
                return False
    return True


def tls_deny_covers(documents: list[Any], bucket_arn: str) -> bool:
    """True when the documents' TLS denies (see `_is_tls_deny`) cover the bucket itself
    and every object in it: some Resource matches `<bucket ARN>` and some covers every
    `<bucket ARN>/<key>` (S3 checks bucket and object actions against those ARNs)."""
    covers_bucket = covers_objects = False
    for document in documents:
        for statement in statements(document, "Deny"):
            if not _is_tls_deny(statement) or "NotResource" in statement:
                continue
            resources = as_list(statement.get("Resource"))
            covers_bucket = covers_bucket or any(matches(r, bucket_arn) for r in resources)
            covers_objects = covers_objects or any(
                covers_every(r, f"{bucket_arn}/") for r in resources
            )
    return covers_bucket and covers_objects


def denies_insecure_transport(document: Any, bucket_arn: str) -> bool:
    """True when an IAM policy document (JSON text or parsed) denies every non-TLS
    request to the bucket and its objects."""
    return tls_deny_covers([document], bucket_arn)


config_delivery_bucket_secure = StackValidationPolicy(
    name="config-delivery-bucket-secure",
    description=(
        "Buckets that AWS Config delivers to must block all public access and deny "
        "requests that do not use TLS."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_delivery_bucket_secure_validator,
)
