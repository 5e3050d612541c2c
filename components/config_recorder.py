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

from .secure_bucket import (
    arn_of_bucket,
    declare_config_history_lifecycle,
    declare_secure_bucket,
    deny_insecure_transport,
)
from .trust import service_trust_policy
from .validation import (
    CONFIG_NAME,
    GLOBAL_IAM_RECORDING_REGIONS,
    HOME_REGION,
    InvalidArgument,
    check_account_id,
    check_regions,
)

TYPE = "rootguard:config_recorder:ConfigRecorder"
MODES = ("create", "adopt", "skip")
CONFIG_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
CONFIG_SERVICE = "config.amazonaws.com"
BUCKET_PREFIX = "rootguard-config-"

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
    """Record global resource types in every region that can, not only the home region
    (default false). Regions where AWS Config arrived after February 2022 cannot."""
    recorder_name: NotRequired[str]
    """Name of the recorder in every region; for `adopt`, the existing one's (default "default")."""
    delivery_channel_name: NotRequired[str]
    """Name of the delivery channel in every region; for `adopt`, the existing one's."""
    noncurrent_version_days: NotRequired[int]
    """Days the bucket keeps overwritten object versions before expiring them (default 365)."""
    keep_bucket_on_destroy: NotRequired[bool]
    """`pulumi destroy` leaves the delivery bucket, its history and its hardening in the
    account (default true), or empties and deletes it (false); see secure_bucket."""


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
        validate_args(args)
        super().__init__(TYPE, name, None, opts)
        mode = args.get("mode", "create")
        home_region = args["home_region"]
        regions = list(args["regions"])

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
            bucket=pulumi.Output.concat(BUCKET_PREFIX, account_id, "-", home_region),
            region=home_region,
            keep_on_destroy=args.get("keep_bucket_on_destroy", True),
        )
        bucket, public_access = secure.bucket, secure.public_access
        declare_config_history_lifecycle(
            secure,
            f"{name}-bucket-lifecycle",
            region=home_region,
            noncurrent_days=args.get("noncurrent_version_days", 365),
        )
        # Documents name the bucket by its name, known in a first preview (its ARN output
        # is not), so a policy can judge them before anything exists.
        bucket_policy = aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.bucket, account_id).apply(
                lambda values: json.dumps(
                    delivery_bucket_policy(arn_of_bucket(values[0]), values[1])
                )
            ),
            region=home_region,
            # S3 rejects concurrent configuration calls on one bucket (OperationAborted).
            opts=secure.options(depends_on=[public_access]),
        )

        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.from_input(account_id).apply(
                lambda account: json.dumps(service_trust_policy(CONFIG_SERVICE, account))
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
        delivery_policy = aws.iam.RolePolicy(
            f"{name}-role-delivery",
            role=role.id,
            policy=pulumi.Output.all(bucket.bucket, account_id).apply(
                lambda values: json.dumps(recorder_delivery_policy(values[0], values[1]))
            ),
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
                    include_global_resource_types=region == home_region
                    or (all_regions_global and region in GLOBAL_IAM_RECORDING_REGIONS),
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
                    # and a bucket Config may write to (InsufficientDeliveryPolicy): through
                    # the role's policy, or the bucket policy for the service principal.
                    depends_on=[recorder, bucket_policy, delivery_policy],
                ),
            )
            status = aws.cfg.RecorderStatus(
                f"{name}-status-{region}",
                name=recorder.name,
                is_enabled=True,
                region=region,
                # Starting the recorder fails without a channel
                # (NoAvailableDeliveryChannelException); without the role's permissions it
                # records and delivers nothing.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[channel, role_policy, delivery_policy]
                ),
            )
            self.recorders[region] = recorder
            self.delivery_channels[region] = channel
            self.recorder_statuses[region] = status
        self.home_recorder = self.recorders[home_region]


def validate_args(args: ConfigRecorderArgs) -> None:
    """Reject malformed args before anything is registered (the stack config's rules)."""
    check_account_id(args["account_id"], "ConfigRecorder account_id")
    mode = args.get("mode", "create")
    if mode not in MODES:
        raise InvalidArgument("ConfigRecorder mode", mode, "one of " + ", ".join(MODES))
    regions = list(args["regions"])
    check_regions(regions, "ConfigRecorder regions")
    home_region = args["home_region"]
    if home_region not in regions:
        raise InvalidArgument(
            "ConfigRecorder home_region", home_region, f"one of regions ({', '.join(regions)})"
        )
    HOME_REGION.check(home_region, "ConfigRecorder home_region")
    CONFIG_NAME.check(args.get("recorder_name", "default"), "ConfigRecorder recorder_name")
    channel_name = args.get("delivery_channel_name", "default")
    CONFIG_NAME.check(channel_name, "ConfigRecorder delivery_channel_name")
    days = args.get("noncurrent_version_days", 365)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidArgument(
            "ConfigRecorder noncurrent_version_days", days, "a whole number of days, 1 or more"
        )


def recorder_delivery_policy(bucket_name: str, account_id: str) -> dict[str, Any]:
    """What the recorder role needs to deliver to its own bucket.

    Config developer guide, "Permissions for the Amazon S3 Bucket": to a bucket in your
    account AWS Config delivers as the role: "it assumes the IAM role that you assigned".
    AWS_ConfigRole only covers "IAM Role Policy for Getting Configuration Details" (no
    s3:PutObject); these are the statements of "IAM Role Policy for your S3 Bucket", plus
    s3:ListBucket for the HeadBucket location check Config makes first (without it, an
    AccessDenied in CloudTrail on every delivery).
    """
    bucket = arn_of_bucket(bucket_name)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DeliverConfigurationHistoryAndSnapshots",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:PutObjectAcl"],
                "Resource": f"{bucket}/AWSLogs/{account_id}/Config/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {
                "Sid": "CheckDeliveryBucket",
                "Effect": "Allow",
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": bucket,
            },
        ],
    }


def delivery_bucket_policy(bucket_arn: str, account_id: str) -> dict[str, Any]:
    """TLS-only bucket policy that lets AWS Config of `account_id` (only) deliver to it as the
    service principal, the way Config writes when a recorder uses the service-linked role
    (an adopted one may): "Permissions for the Amazon S3 Bucket", step 6."""
    return config_service_delivery_policy(
        bucket_arn, key="aws:SourceAccount", value=account_id, accounts=account_id
    )


def config_service_delivery_policy(
    bucket_arn: str, *, key: str, value: str, accounts: str
) -> dict[str, Any]:
    """TLS only; `config.amazonaws.com` checks the bucket and writes under
    `AWSLogs/<accounts>/Config/` when the request's `key` (aws:SourceAccount,
    aws:SourceOrgID) is `value`."""
    source = {"StringEquals": {key: value}}
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
                "Condition": source,
            },
            {
                "Sid": "AWSConfigBucketExistenceCheck",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": source,
            },
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{accounts}/Config/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", key: value}
                },
            },
        ],
    }
