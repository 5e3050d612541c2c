"""A private S3 bucket as rootguard's delivery buckets need it: every public access block,
versioning and default encryption. The caller adds its own bucket policy (depending on
`public_access`: S3 rejects concurrent configuration calls on one bucket) with `options()`.

What `pulumi destroy` does with it is the caller's choice, `keep_on_destroy`:

- kept (the default for rootguard's buckets): the bucket and every setting of it (public
  access block, versioning, encryption, and the caller's policy and lifecycle through
  `options()`) are retained: destroy removes them from the stack and leaves them in the
  account, hardened, with the history they hold. A versioned bucket could not be deleted
  anyway: S3 API reference, DeleteBucket: "All objects (including all object versions and
  delete markers) in the bucket must be deleted before the bucket itself can be deleted".
- not kept: `force_destroy`, so destroy empties the bucket (every version) and deletes it.
  pulumi-aws: force_destroy takes effect only after "a successful `pulumi up`" has stored it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass
class SecureBucket:
    bucket: aws.s3.Bucket
    public_access: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning
    parent: pulumi.Resource
    keep_on_destroy: bool

    def options(self, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        """Options of a further setting of this bucket (policy, lifecycle): same parent,
        kept on destroy when the bucket is."""
        return pulumi.ResourceOptions(
            parent=self.parent,
            depends_on=list(depends_on) or None,
            retain_on_delete=self.keep_on_destroy or None,
        )


def declare_secure_bucket(
    parent: pulumi.Resource,
    name: str,
    *,
    bucket: pulumi.Input[str],
    region: str,
    keep_on_destroy: bool = True,
) -> SecureBucket:
    """Children of `parent`: `{name}`, `{name}-public-access`, `{name}-versioning`,
    `{name}-encryption`."""
    # A kept bucket keeps its hardening too: a retained bucket whose public access block
    # and TLS-only policy were deleted would be the worst of both.
    child = pulumi.ResourceOptions(parent=parent, retain_on_delete=keep_on_destroy or None)
    created = aws.s3.Bucket(
        name,
        bucket=bucket,
        force_destroy=None if keep_on_destroy else True,
        region=region,
        opts=child,
    )
    public_access = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=created.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        region=region,
        opts=child,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=created.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled"
        ),
        region=region,
        opts=child,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=created.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                )
            )
        ],
        region=region,
        opts=child,
    )
    return SecureBucket(created, public_access, versioning, parent, keep_on_destroy)


def declare_config_history_lifecycle(
    secure: SecureBucket, name: str, *, region: str, noncurrent_days: int
) -> aws.s3.BucketLifecycleConfiguration:
    """`{name}`: overwritten versions under AWSLogs/ (Config's history) expire after
    `noncurrent_days`; unfinished uploads are aborted after 7 days."""
    return aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=secure.bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="config-history",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="AWSLogs/"),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=noncurrent_days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            )
        ],
        region=region,
        # Noncurrent-version rules only act on a versioned bucket: version it first.
        opts=secure.options(depends_on=[secure.versioning]),
    )


def arn_of_bucket(bucket_name: str) -> str:
    """The bucket's ARN from its name: known as soon as the name is, so a first preview
    (and a policy judging it) sees every policy document that names the bucket."""
    return f"arn:aws:s3:::{bucket_name}"


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The bucket-policy statement that refuses every request not made over TLS (what the
    `config-delivery-bucket-secure` policy looks for)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
