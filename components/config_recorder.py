"""AWS Config recording for one account: delivery bucket, recorder role, and per region a
recorder, a delivery channel and a running recorder status.

AWS allows one configuration recorder and one delivery channel per account and region, so
the `mode` decides who owns them:

- ``create``: rootguard creates them (the account has none).
- ``adopt``: rootguard imports the existing recorder and channel by name (``import_``) and
  ignores their current settings during that first update; switch the mode to ``create``
  afterwards and the next update brings them to rootguard's settings.
- ``skip``: someone else (Control Tower) owns Config; nothing is created here and there is
  no recorder to depend on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired, TypedDict

from .secure_bucket import declare_secure_bucket, deny_insecure_transport

TYPE = "rootguard:config_recorder:ConfigRecorder"
MODES = ("create", "adopt", "skip")
CONFIG_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
CONFIG_SERVICE = "config.amazonaws.com"

# Settings an existing (adopted) recorder or channel may hold that differ from ours; the
# import would fail on any difference, so it ignores them until the mode becomes `create`.
_ADOPT_RECORDER_IGNORES = ["role_arn", "recording_group", "recording_mode"]
_ADOPT_CHANNEL_IGNORES = [
    "s3_bucket_name",
    "s3_key_prefix",
    "s3_kms_key_arn",
    "sns_topic_arn",
    "snapshot_delivery_properties",
]


class ConfigRecorderArgs(TypedDict):
    account_id: pulumi.Input[str]
    """The 12-digit account the recorder belongs to: names the bucket and scopes its policy."""
    home_region: str
    """Region of the delivery bucket and the only region recording global (IAM) types."""
    regions: Sequence[str]
    """Regions where AWS Config records; must include `home_region`."""
    mode: NotRequired[str]
    """`create` (default), `adopt` (import the existing recorder and channel) or `skip`."""
    global_resources_in_all_regions: NotRequired[bool]
    """Record global resource types in every region, not only the home region (default false)."""
    recorder_name: NotRequired[str]
    """Name of the recorder in every region; for `adopt`, the existing one's (default "default")."""
    delivery_channel_name: NotRequired[str]
    """Name of the delivery channel in every region; for `adopt`, the existing one's."""
    noncurrent_version_days: NotRequired[int]
    """Days the bucket keeps overwritten object versions before expiring them (default 365)."""


class ConfigRecorder(pulumi.ComponentResource):
    """AWS Config recording in every region of one account (see the module docstring)."""

    home_recorder: aws.cfg.Recorder | None
    """The home-region recorder: Config rules of the account depend on it. None in `skip`."""
    recorders: dict[str, aws.cfg.Recorder]
    """Recorder per region (empty in `skip`)."""
    delivery_channels: dict[str, aws.cfg.DeliveryChannel]
    """Delivery channel per region (empty in `skip`)."""
    recorder_statuses: dict[str, aws.cfg.RecorderStatus]
    """Enabled recorder status per region (empty in `skip`)."""
    bucket_name: pulumi.Output[str] | None
    """Name of the delivery bucket (None in `skip`)."""

    def __init__(
        self,
        name: str,
        args: ConfigRecorderArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        mode = args.get("mode", "create")
        if mode not in MODES:
            raise ValueError(f"ConfigRecorder mode {mode!r} is not one of {', '.join(MODES)}")
        home_region = args["home_region"]
        regions = list(args["regions"])
        if home_region not in regions:
            raise ValueError(f"ConfigRecorder home_region {home_region!r} is not in regions")

        self.home_recorder = None
        self.recorders = {}
        self.delivery_channels = {}
        self.recorder_statuses = {}
        self.bucket_name = None

        if mode != "skip":
            self._record(name, args, mode, home_region, regions)

        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "recorder_names": {
                    region: recorder.name for region, recorder in self.recorders.items()
                },
            }
        )

    def _record(
        self,
        name: str,
        args: ConfigRecorderArgs,
        mode: str,
        home_region: str,
        regions: list[str],
    ) -> None:
        account_id = args["account_id"]
        all_regions_global = args.get("global_resources_in_all_regions", False)
        recorder_name = args.get("recorder_name", "default")
        channel_name = args.get("delivery_channel_name", "default")
        child = pulumi.ResourceOptions(parent=self)

        secure = declare_secure_bucket(
            self,
            f"{name}-bucket",
            bucket=pulumi.Output.concat("rootguard-config-", account_id, "-", home_region),
            region=home_region,
        )
        bucket, public_access, versioning = secure.bucket, secure.public_access, secure.versioning
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-bucket-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="config-history",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="AWSLogs/"),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.get("noncurrent_version_days", 365)
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            region=home_region,
            # Noncurrent-version rules only act on a versioned bucket: version it first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        bucket_policy = aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account_id).apply(
                lambda values: json.dumps(delivery_bucket_policy(values[0], values[1]))
            ),
            region=home_region,
            # S3 rejects concurrent configuration calls on one bucket (OperationAborted).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )

        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": CONFIG_SERVICE},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            description="AWS Config recorder role (rootguard)",
            opts=child,
        )
        role_policy = aws.iam.RolePolicyAttachment(
            f"{name}-role-policy",
            role=role.name,
            policy_arn=CONFIG_ROLE_POLICY_ARN,
            opts=child,
        )
        self.bucket_name = bucket.bucket

        for region in regions:
            adopt = mode == "adopt"
            recorder = aws.cfg.Recorder(
                f"{name}-recorder-{region}",
                name=recorder_name,
                role_arn=role.arn,
                recording_group=aws.cfg.RecorderRecordingGroupArgs(
                    all_supported=True,
                    include_global_resource_types=region == home_region or all_regions_global,
                ),
                region=region,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    import_=f"{recorder_name}@{region}" if adopt else None,
                    ignore_changes=_ADOPT_RECORDER_IGNORES if adopt else None,
                ),
            )
            channel = aws.cfg.DeliveryChannel(
                f"{name}-channel-{region}",
                name=channel_name,
                s3_bucket_name=bucket.bucket,
                region=region,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    import_=f"{channel_name}@{region}" if adopt else None,
                    ignore_changes=_ADOPT_CHANNEL_IGNORES if adopt else None,
                    # PutDeliveryChannel needs the recorder (NoAvailableConfigurationRecorder)
                    # and a bucket policy that lets Config write (InsufficientDeliveryPolicy).
                    depends_on=[recorder, bucket_policy],
                ),
            )
            status = aws.cfg.RecorderStatus(
                f"{name}-status-{region}",
                name=recorder.name,
                is_enabled=True,
                region=region,
                # Starting the recorder fails without a channel
                # (NoAvailableDeliveryChannelException) and records nothing without the
                # role's permissions.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[channel, role_policy]),
            )
            self.recorders[region] = recorder
            self.delivery_channels[region] = channel
            self.recorder_statuses[region] = status
        self.home_recorder = self.recorders[home_region]


def delivery_bucket_policy(bucket_arn: str, account_id: str) -> dict[str, Any]:
    """TLS-only bucket policy that lets AWS Config of `account_id` (only) deliver to it."""
    source_account = {"StringEquals": {"aws:SourceAccount": account_id}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            deny_insecure_transport(bucket_arn),
            {
                "Sid": "AWSConfigBucketPermissionsCheck",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": source_account,
            },
            {
                "Sid": "AWSConfigBucketExistenceCheck",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": source_account,
            },
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account_id}/Config/*",
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceAccount": account_id,
                    }
                },
            },
        ],
    }
