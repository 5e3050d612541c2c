"""The S3 buckets AWS Config delivers to: no public access, TLS only."""

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

from .stack import StackIndex, display_name, of_types, sources_of
from .tokens import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    BUCKETS,
    DELIVERY_CHANNEL,
)
from .values import Undecided, as_list, is_unknown, policy_statements

S3_ARN_PREFIX = "arn:aws:s3:::"
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def config_delivery_bucket_secure_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    buckets = _BucketNames(stack, stack.of_type(BUCKETS))
    delivery: dict[str, PolicyResource] = {}
    for channel in stack.of_type(DELIVERY_CHANNEL):
        for bucket in sources_of(channel, "s3BucketName", of_types(BUCKETS)):
            delivery[bucket.urn] = bucket
        for bucket in buckets.named(stack.props(channel).get("s3BucketName")):
            delivery[bucket.urn] = bucket
    blocks = _Attachments(stack, BUCKET_PUBLIC_ACCESS_BLOCK, buckets)
    policies = _Attachments(stack, BUCKET_POLICY, buckets)
    for bucket in delivery.values():
        _check_public_access(stack, undecided, report_violation, bucket, blocks.of(bucket))
        _check_tls_only(stack, undecided, report_violation, bucket, policies.of(bucket))
    undecided.settle()


class _BucketNames:
    """The stack's buckets by every known string that names them: bucket name, id, ARN."""

    def __init__(self, stack: StackIndex, buckets: list[PolicyResource]) -> None:
        self._by_name: dict[str, list[PolicyResource]] = {}
        for bucket in buckets:
            props = stack.props(bucket)
            names = {props.get("bucket"), props.get("id"), props.get("arn")}
            for name in names:
                if isinstance(name, str) and name and not is_unknown(name):
                    self._by_name.setdefault(name, []).append(bucket)

    def named(self, value: Any) -> list[PolicyResource]:
        """The buckets a known string (a bucket name or ARN) names; none for anything else."""
        if not isinstance(value, str) or not value or is_unknown(value):
            return []
        found = self._by_name.get(value) or self._by_name.get(value.removeprefix(S3_ARN_PREFIX))
        return list(found or [])


class _Attachments:
    """Resources of one type (public access blocks, bucket policies) by the bucket their
    `bucket` input names: through property dependencies, or by a known name."""

    def __init__(self, stack: StackIndex, token: str, buckets: _BucketNames) -> None:
        self._by_bucket: dict[str, list[PolicyResource]] = {}
        for resource in stack.of_type(token):
            targets = {b.urn for b in sources_of(resource, "bucket", of_types(BUCKETS))}
            targets.update(b.urn for b in buckets.named(stack.props(resource).get("bucket")))
            for urn in targets:
                self._by_bucket.setdefault(urn, []).append(resource)

    def of(self, bucket: PolicyResource) -> list[PolicyResource]:
        return list(self._by_bucket.get(bucket.urn, []))


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
    candidates: list[PolicyResource],
) -> None:
    place = stack.placement(bucket)
    # An account-wide block in the bucket's account covers it as well.
    if place is not None:
        for block in stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK):
            block_place = stack.placement(block)
            if block_place is not None and block_place.account == place.account:
                candidates.append(block)
    verdicts = [(block, _blocks_all(stack.props(block))) for block in candidates]
    if any(verdict is True for _, verdict in verdicts):
        return
    unknown = [(block, verdict) for block, verdict in verdicts if is_unknown(verdict)]
    if unknown:
        block, sentinel = unknown[0]
        undecided.note(sentinel, block.name, "blockPublicAcls")
        return
    report_violation(
        f"The AWS Config delivery bucket {display_name(bucket, stack.props(bucket), 'bucket')} "
        "must have a public access block with blockPublicAcls, blockPublicPolicy, "
        "ignorePublicAcls and restrictPublicBuckets all true; it holds the account's "
        "configuration history.",
        bucket.urn,
    )


def _check_tls_only(
    stack: StackIndex,
    undecided: Undecided,
    report_violation: ReportViolation,
    bucket: PolicyResource,
    bucket_policies: list[PolicyResource],
) -> None:
    documents = [(p, stack.props(p).get("policy")) for p in bucket_policies]
    inline = stack.props(bucket).get("policy")
    if inline is not None:
        documents.append((bucket, inline))
    unknown: tuple[PolicyResource, Any] | None = None
    for owner, document in documents:
        if is_unknown(document):
            unknown = unknown or (owner, document)
        elif denies_insecure_transport(document):
            return
    if unknown is not None:
        undecided.note(unknown[1], unknown[0].name, "policy")
        return
    report_violation(
        f"The AWS Config delivery bucket {display_name(bucket, stack.props(bucket), 'bucket')} "
        "must have a bucket policy that denies requests when `aws:SecureTransport` is "
        "false.",
        bucket.urn,
    )


def denies_insecure_transport(document: Any) -> bool:
    """True when an IAM policy document (JSON text or parsed) has a Deny statement
    conditioned on `aws:SecureTransport` being false."""
    for statement in policy_statements(document, "Deny"):
        condition = statement.get("Condition")
        if not isinstance(condition, Mapping):
            continue
        for operator, clauses in condition.items():
            if operator.lower() not in ("bool", "boolifexists") or not isinstance(clauses, Mapping):
                continue
            for key, value in clauses.items():
                if key.lower() == "aws:securetransport" and any(
                    str(v).lower() == "false" for v in as_list(value)
                ):
                    return True
    return False


config_delivery_bucket_secure = StackValidationPolicy(
    name="config-delivery-bucket-secure",
    description=(
        "Buckets that AWS Config delivers to must block all public access and deny "
        "requests that do not use TLS."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=config_delivery_bucket_secure_validator,
)
