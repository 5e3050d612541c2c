"""A private S3 bucket as rootguard's delivery buckets need it: every public access block,
versioning and default encryption. The caller adds its own bucket policy (depending on
`public_access`: S3 rejects concurrent configuration calls on one bucket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass
class SecureBucket:
    bucket: aws.s3.Bucket
    public_access: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning


def declare_secure_bucket(
    parent: pulumi.Resource, name: str, *, bucket: pulumi.Input[str], region: str
) -> SecureBucket:
    """Children of `parent`: `{name}`, `{name}-public-access`, `{name}-versioning`,
    `{name}-encryption`."""
    child = pulumi.ResourceOptions(parent=parent)
    created = aws.s3.Bucket(name, bucket=bucket, region=region, opts=child)
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
    return SecureBucket(created, public_access, versioning)


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
