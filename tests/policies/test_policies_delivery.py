"""config-delivery-bucket-secure."""

import json

from policykit import PROD, STAGING, UNKNOWN_BOOL, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.delivery import (
    config_delivery_bucket_secure,
    denies_insecure_transport,
)
from policies.rootguard_policies.tokens import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    DELIVERY_CHANNEL,
)

HOME = aws_provider(PROD, "us-east-1")
BUCKET = "aws:s3/bucket:Bucket"
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
TLS_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::config-logs", "arn:aws:s3:::config-logs/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)


def _delivery(
    *,
    block: dict | None = ALL_BLOCKED,
    policy: str | None = TLS_ONLY,
    preview: bool = False,
    bucket_region: str | None = None,
) -> Stack:
    stack = Stack()
    bucket_props = {"bucket": "config-logs"}
    if bucket_region is not None:
        bucket_props["region"] = bucket_region
    bucket = stack.add(BUCKET, "config-logs", bucket_props, provider=HOME)
    name = UNKNOWN_STRING if preview else "config-logs"
    if block is not None:
        stack.add(
            BUCKET_PUBLIC_ACCESS_BLOCK,
            "config-logs-pab",
            {"bucket": name, **block},
            provider=HOME,
            prop_deps={"bucket": [bucket]},
        )
    if policy is not None:
        stack.add(
            BUCKET_POLICY,
            "config-logs-policy",
            {"bucket": name, "policy": policy},
            provider=HOME,
            prop_deps={"bucket": [bucket]},
        )
    stack.add(
        DELIVERY_CHANNEL,
        "channel",
        {"s3BucketName": name},
        provider=HOME,
        prop_deps={"s3BucketName": [bucket]},
    )
    return stack


def test_config_delivery_bucket_secure_blocked_and_tls_only_passes() -> None:
    assert not _delivery().check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_preview_follows_property_dependencies_passes() -> None:
    assert not _delivery(preview=True).check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_no_public_access_block_fails() -> None:
    reporter = _delivery(block=None).check(config_delivery_bucket_secure)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(
        "The AWS Config delivery bucket config-logs must have a public access block"
    )


def test_config_delivery_bucket_secure_one_flag_false_fails() -> None:
    reporter = _delivery(block=dict(ALL_BLOCKED, restrictPublicBuckets=False)).check(
        config_delivery_bucket_secure
    )
    assert len(reporter.violations) == 1


def test_config_delivery_bucket_secure_account_public_access_block_passes() -> None:
    stack = _delivery(block=None)
    stack.add(ACCOUNT_PUBLIC_ACCESS_BLOCK, "account-pab", ALL_BLOCKED, provider=HOME)
    assert not stack.check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_no_bucket_policy_fails() -> None:
    reporter = _delivery(policy=None).check(config_delivery_bucket_secure)
    assert len(reporter.violations) == 1
    assert "aws:SecureTransport" in reporter.messages[0]


def test_config_delivery_bucket_secure_policy_without_tls_deny_fails() -> None:
    allow_only = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject"}]})
    assert len(_delivery(policy=allow_only).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_bucket_not_written_by_channel_passes() -> None:
    stack = Stack()
    stack.add(BUCKET, "website", {"bucket": "website"}, provider=HOME)
    assert not stack.check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_unknown_policy_raises_unknown() -> None:
    reporter, err = _delivery(policy=UNKNOWN_STRING).check_preview(config_delivery_bucket_secure)
    assert not reporter.violations
    assert err.props == ["config-logs-policy", "policy"]


def test_config_delivery_bucket_secure_unknown_flag_raises_unknown() -> None:
    block = dict(ALL_BLOCKED, blockPublicAcls=UNKNOWN_BOOL)
    reporter, _ = _delivery(block=block).check_preview(config_delivery_bucket_secure)
    assert not reporter.violations


def test_config_delivery_bucket_secure_deny_as_bool_and_list_passes() -> None:
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": ["*"]},
        "Action": ["s3:*"],
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": [False]}},
    }
    assert denies_insecure_transport({"Statement": statement}, "arn:aws:s3:::b")
    assert not denies_insecure_transport("not json", "arn:aws:s3:::b")


# --- class 5: the TLS deny must cover every principal, action, the bucket and its objects


def _tls(**changes: object) -> str:
    statement: dict[str, object] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::config-logs", "arn:aws:s3:::config-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    for key, value in changes.items():
        if value is None:
            statement.pop(key)
        else:
            statement[key] = value
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_config_delivery_bucket_secure_deny_on_bucket_arn_only_fails() -> None:
    # Objects are still reachable over plain HTTP: GetObject is checked on bucket/*.
    policy = _tls(Resource="arn:aws:s3:::config-logs")
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_deny_on_objects_only_fails() -> None:
    policy = _tls(Resource="arn:aws:s3:::config-logs/*")
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_deny_on_some_objects_fails() -> None:
    policy = _tls(Resource=["arn:aws:s3:::config-logs", "arn:aws:s3:::config-logs/AWSLogs/*"])
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_deny_with_wildcards_passes() -> None:
    policy = _tls(Resource="arn:aws:s3:::config-*", Principal={"AWS": "*"}, Action="*")
    assert not _delivery(policy=policy).check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_deny_of_some_actions_fails() -> None:
    policy = _tls(Action=["s3:PutObject"])
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_deny_for_one_principal_fails() -> None:
    policy = _tls(Principal={"AWS": "arn:aws:iam::111111111111:role/app"})
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_deny_narrowed_by_another_condition_fails() -> None:
    condition = {
        "Bool": {"aws:SecureTransport": "false"},
        "StringEquals": {"aws:PrincipalAccount": "222222222222"},
    }
    policy = _tls(Condition=condition)
    assert len(_delivery(policy=policy).check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_bucket_and_objects_in_two_statements_passes() -> None:
    first = json.loads(_tls(Resource="arn:aws:s3:::config-logs"))["Statement"][0]
    second = json.loads(_tls(Resource="arn:aws:s3:::config-logs/*"))["Statement"][0]
    policy = json.dumps({"Statement": [first, second]})
    assert not _delivery(policy=policy).check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_unknown_bucket_name_with_known_deny_defers() -> None:
    stack = Stack()
    bucket = stack.add(
        BUCKET, "logs", {"bucket": UNKNOWN_STRING, "arn": UNKNOWN_STRING}, provider=HOME
    )
    stack.add(
        BUCKET_PUBLIC_ACCESS_BLOCK,
        "pab",
        {"bucket": UNKNOWN_STRING, **ALL_BLOCKED},
        provider=HOME,
        prop_deps={"bucket": [bucket]},
    )
    stack.add(
        BUCKET_POLICY,
        "policy",
        {"bucket": UNKNOWN_STRING, "policy": TLS_ONLY},  # names config-logs: maybe not it
        provider=HOME,
        prop_deps={"bucket": [bucket]},
    )
    stack.add(
        DELIVERY_CHANNEL,
        "channel",
        {"s3BucketName": UNKNOWN_STRING},
        provider=HOME,
        prop_deps={"s3BucketName": [bucket]},
    )
    reporter, err = stack.check_preview(config_delivery_bucket_secure)
    assert not reporter.violations
    assert err.props == ["logs", "bucket"]


# --- class 4: an account-wide block decides by account, whatever the bucket's region


def test_config_delivery_bucket_secure_account_block_with_unknown_bucket_region_passes() -> None:
    # The bucket's `region` output is unknown in a first preview.
    stack = _delivery(block=None, bucket_region=UNKNOWN_STRING)
    stack.add(ACCOUNT_PUBLIC_ACCESS_BLOCK, "account-pab", ALL_BLOCKED, provider=HOME)
    assert not stack.check(config_delivery_bucket_secure).violations


def test_config_delivery_bucket_secure_account_block_of_other_account_fails() -> None:
    stack = _delivery(block=None)
    other = aws_provider(STAGING, "us-east-1")
    stack.add(ACCOUNT_PUBLIC_ACCESS_BLOCK, "account-pab", ALL_BLOCKED, provider=other)
    assert len(stack.check(config_delivery_bucket_secure).violations) == 1


def test_config_delivery_bucket_secure_account_block_of_unknown_account_defers() -> None:
    stack = _delivery(block=None)
    stack.add(
        ACCOUNT_PUBLIC_ACCESS_BLOCK,
        "account-pab",
        {**ALL_BLOCKED, "accountId": UNKNOWN_STRING},
        provider=HOME,
    )
    reporter, err = stack.check_preview(config_delivery_bucket_secure)
    assert not reporter.violations
    assert err.props == ["account-pab", "accountId"]
