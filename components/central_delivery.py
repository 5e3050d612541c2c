"""`CentralDeliveryBucket`: the one AWS Config delivery bucket of an organization.

Every member's recorder (the member-baseline template) delivers here. The bucket is
hardened like an account's own delivery bucket (every public access block, versioning,
SSE-S3, TLS only) and its policy admits AWS Config for accounts of this organization
only. Give it the log-archive account's provider (`opts=ResourceOptions(provider=...)`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pulumi
import pulumi_aws as aws

from .config_recorder import config_service_delivery_policy
from .secure_bucket import arn_of_bucket, declare_config_history_lifecycle, declare_secure_bucket

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:central_delivery:CentralDeliveryBucket"


class CentralDeliveryBucketArgs(TypedDict):
    bucket_name: pulumi.Input[str]
    """Name of the bucket (globally unique)."""
    organization_id: pulumi.Input[str]
    """The organization whose accounts' AWS Config may deliver (`o-...`)."""
    region: str
    """Region of the bucket (the home region)."""
    noncurrent_version_days: NotRequired[int]
    """Days overwritten object versions are kept before they expire (default 365)."""
    keep_bucket_on_destroy: NotRequired[bool]
    """`pulumi destroy` leaves the bucket, its history and its hardening in the account
    (default true), or empties and deletes it (false); see secure_bucket."""


def organization_delivery_policy(bucket_arn: str, organization_id: str) -> dict[str, Any]:
    """TLS only; AWS Config of this organization's accounts (only) checks and writes.

    A recorder delivering to a bucket of another account writes as the
    config.amazonaws.com principal once its own role is refused (Config developer guide,
    "Permissions for the Amazon S3 Bucket"); `aws:SourceOrgID` is the organization of the
    account the service acts for (IAM global condition keys), as AWS Control Tower's own
    log bucket policy uses it ("Amazon S3 bucket policy in the audit account").
    """
    return config_service_delivery_policy(
        bucket_arn, key="aws:SourceOrgID", value=organization_id, accounts="*"
    )


class CentralDeliveryBucket(pulumi.ComponentResource):
    """The organization's AWS Config delivery bucket and its organization-only policy."""

    bucket_name: pulumi.Output[str]
    """Name of the bucket: the member template's DeliveryBucketName."""
    bucket_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: CentralDeliveryBucketArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        region = args["region"]
        secure = declare_secure_bucket(
            self,
            f"{name}-bucket",
            bucket=args["bucket_name"],
            region=region,
            keep_on_destroy=args.get("keep_bucket_on_destroy", True),
        )
        declare_config_history_lifecycle(
            secure,
            f"{name}-bucket-lifecycle",
            region=region,
            noncurrent_days=args.get("noncurrent_version_days", 365),
        )
        self.policy: aws.s3.BucketPolicy = aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=secure.bucket.id,
            # By the bucket's name, known in a first preview (its ARN output is not).
            policy=pulumi.Output.all(secure.bucket.bucket, args["organization_id"]).apply(
                lambda values: json.dumps(
                    organization_delivery_policy(arn_of_bucket(values[0]), values[1])
                )
            ),
            region=region,
            # S3 rejects concurrent configuration calls on one bucket (OperationAborted).
            opts=secure.options(depends_on=[secure.public_access]),
        )
        """Members' delivery channels need it before they are created (AWS checks the
        bucket policy: InsufficientDeliveryPolicyException)."""
        self.bucket_name = secure.bucket.bucket
        self.bucket_arn = secure.bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn})
