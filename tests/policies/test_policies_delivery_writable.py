"""config-delivery-writable."""

import json

from policykit import PROD, STAGING, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.delivery_writable import config_delivery_writable
from policies.rootguard_policies.tokens import (
    BUCKET_POLICY,
    DELIVERY_CHANNEL,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    RECORDER,
)

HOME = aws_provider(PROD, "us-east-1")
ARCHIVE = aws_provider(STAGING, "us-east-1", name="archive")
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_ARN = "arn:aws:s3:::config-logs"
SERVICE_LINKED = (
    f"arn:aws:iam::{PROD}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
)
CONFIG = {"Service": "config.amazonaws.com"}
ACL_CHECK = {
    "Effect": "Allow",
    "Principal": CONFIG,
    "Action": "s3:GetBucketAcl",
    "Resource": BUCKET_ARN,
}
DELIVERY = {
    "Effect": "Allow",
    "Principal": CONFIG,
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/AWSLogs/{PROD}/Config/*",
    "Condition": {
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": PROD}
    },
}
ROLE_WRITES = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET_ARN}/AWSLogs/*"}
CONFIG_ROLE = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _stack(
    *,
    bucket_statements: list | None = None,
    role: str = "service-linked",
    role_statements: list | None = None,
    managed: str | None = CONFIG_ROLE,
    prefix: str | None = None,
    bucket_provider=HOME,
) -> Stack:
    stack = Stack()
    bucket = stack.add(BUCKET, "logs", {"bucket": "config-logs"}, provider=bucket_provider)
    if bucket_statements is not None:
        stack.add(
            BUCKET_POLICY,
            "logs-policy",
            {"bucket": "config-logs", "policy": _doc(*bucket_statements)},
            provider=bucket_provider,
            prop_deps={"bucket": [bucket]},
        )
    recorder_props: dict = {"name": "default", "roleArn": SERVICE_LINKED}
    deps: dict = {}
    if role != "service-linked":
        config_role = stack.add(
            IAM_ROLE,
            "config-role",
            {"name": "config-role", "arn": f"arn:aws:iam::{PROD}:role/config-role"},
            provider=HOME,
        )
        recorder_props["roleArn"] = f"arn:aws:iam::{PROD}:role/config-role"
        deps = {"roleArn": [config_role]}
        if managed is not None:
            stack.add(
                IAM_ROLE_POLICY_ATTACHMENT,
                "config-role-managed",
                {"role": "config-role", "policyArn": managed},
                provider=HOME,
                prop_deps={"role": [config_role]},
            )
        if role_statements is not None:
            stack.add(
                IAM_ROLE_POLICY,
                "config-role-writes",
                {"role": "config-role", "policy": _doc(*role_statements)},
                provider=HOME,
                prop_deps={"role": [config_role]},
            )
    stack.add(RECORDER, "recorder", recorder_props, provider=HOME, prop_deps=deps)
    channel_props = {"s3BucketName": "config-logs"}
    if prefix is not None:
        channel_props["s3KeyPrefix"] = prefix
    stack.add(
        DELIVERY_CHANNEL,
        "channel",
        channel_props,
        provider=HOME,
        prop_deps={"s3BucketName": [bucket]},
    )
    return stack


# --- the service-linked role: the bucket policy must let config.amazonaws.com write


def test_config_delivery_writable_service_principal_granted_passes() -> None:
    stack = _stack(bucket_statements=[ACL_CHECK, DELIVERY])
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_no_bucket_policy_fails() -> None:
    reporter = _stack().check(config_delivery_writable)
    assert len(reporter.violations) == 1
    assert (
        "does not allow it s3:GetBucketAcl on the bucket and s3:PutObject on "
        in (reporter.messages[0])
    )


def test_config_delivery_writable_other_account_prefix_fails() -> None:
    other = dict(DELIVERY, Resource=f"{BUCKET_ARN}/AWSLogs/{STAGING}/Config/*")
    reporter = _stack(bucket_statements=[ACL_CHECK, other]).check(config_delivery_writable)
    assert f"s3:PutObject on `AWSLogs/{PROD}/Config/`" in reporter.messages[0]


def test_config_delivery_writable_channel_prefix_not_granted_fails() -> None:
    stack = _stack(bucket_statements=[ACL_CHECK, DELIVERY], prefix="config")
    reporter = stack.check(config_delivery_writable)
    assert f"`config/AWSLogs/{PROD}/Config/`" in reporter.messages[0]


def test_config_delivery_writable_source_account_of_another_account_fails() -> None:
    condition = {"StringEquals": {"aws:SourceAccount": STAGING}}
    stack = _stack(bucket_statements=[ACL_CHECK, dict(DELIVERY, Condition=condition)])
    assert len(stack.check(config_delivery_writable).violations) == 1


def test_config_delivery_writable_org_id_condition_never_holds_for_service_fails() -> None:
    # Config guide: delivering as the service principal, organization conditions fail.
    condition = {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}
    stack = _stack(bucket_statements=[ACL_CHECK, dict(DELIVERY, Condition=condition)])
    assert len(stack.check(config_delivery_writable).violations) == 1


def test_config_delivery_writable_tls_deny_does_not_block_config_passes() -> None:
    tls = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    stack = _stack(bucket_statements=[tls, ACL_CHECK, DELIVERY])
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_unconditional_deny_fails() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET_ARN}/*",
    }
    stack = _stack(bucket_statements=[ACL_CHECK, DELIVERY, deny])
    assert len(stack.check(config_delivery_writable).violations) == 1


# --- an IAM role: Config delivers with the role to a bucket of its own account


def test_config_delivery_writable_role_with_managed_policy_only_fails() -> None:
    # AWS_ConfigRole grants reads only; the service-principal statement is not the role.
    stack = _stack(bucket_statements=[ACL_CHECK, DELIVERY], role="iam")
    reporter = stack.check(config_delivery_writable)
    assert len(reporter.violations) == 1
    assert "with the recorder's role config-role" in reporter.messages[0]


def test_config_delivery_writable_role_policy_writes_passes() -> None:
    stack = _stack(role="iam", role_statements=[ROLE_WRITES])
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_bucket_policy_names_the_role_passes() -> None:
    to_role = dict(ROLE_WRITES, Principal={"AWS": f"arn:aws:iam::{PROD}:role/config-role"})
    stack = _stack(bucket_statements=[to_role], role="iam")
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_undeclared_managed_policy_not_judged_passes() -> None:
    stack = _stack(role="iam", managed="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_cross_account_falls_back_to_service_principal_passes() -> None:
    stack = _stack(bucket_statements=[ACL_CHECK, DELIVERY], role="iam", bucket_provider=ARCHIVE)
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_cross_account_role_policy_alone_fails() -> None:
    # Another account's bucket: the role needs the bucket policy too, else Config retries
    # as config.amazonaws.com, which the bucket policy does not admit either.
    stack = _stack(role="iam", role_statements=[ROLE_WRITES], bucket_provider=ARCHIVE)
    reporter = stack.check(config_delivery_writable)
    assert "the bucket is in another account" in reporter.messages[0]


# --- not judged, and preview


def test_config_delivery_writable_undeclared_bucket_not_judged_passes() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {"roleArn": SERVICE_LINKED}, provider=HOME)
    stack.add(DELIVERY_CHANNEL, "channel", {"s3BucketName": "elsewhere"}, provider=HOME)
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_undeclared_role_not_judged_passes() -> None:
    stack = _stack()
    recorder = next(r for r in stack.resources if r.name == "recorder")
    stack.resources.remove(recorder)
    stack.add(
        RECORDER, "recorder", {"roleArn": f"arn:aws:iam::{PROD}:role/external"}, provider=HOME
    )
    assert not stack.check(config_delivery_writable).violations


def test_config_delivery_writable_unknown_bucket_policy_raises_unknown() -> None:
    stack = _stack()
    bucket = stack.resources[0]
    stack.add(
        BUCKET_POLICY,
        "logs-policy",
        {"bucket": UNKNOWN_STRING, "policy": UNKNOWN_STRING},
        provider=HOME,
        prop_deps={"bucket": [bucket]},
    )
    reporter, err = stack.check_preview(config_delivery_writable)
    assert not reporter.violations
    assert err.props == ["logs-policy", "policy"]
