"""A first preview: every value computed from another resource's outputs is unknown.

A complete, well-formed account must then get no violation from any of the
policies; a policy may only say it cannot know yet (UnknownValueError, which the pack
reports as advisory). After the update, with the values known, it must pass silently.
"""

from __future__ import annotations

import json

from policykit import (
    PROD,
    UNKNOWN_ARRAY,
    UNKNOWN_STRING,
    Reporter,
    Stack,
    aws_provider,
    resource_args,
)
from pulumi_policy import ResourceValidationPolicy, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies.rootguard_policies import ALL_POLICIES
from policies.rootguard_policies.cost import cost_anomaly_alerts_present
from policies.rootguard_policies.recorder import config_global_resources_once
from policies.rootguard_policies.root_mfa import root_mfa_rule_present
from policies.rootguard_policies.tokens import (
    ANOMALY_MONITOR,
    ANOMALY_SUBSCRIPTION,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    CONFIG_RULE,
    DELIVERY_CHANNEL,
    EVENT_RULE,
    EVENT_TARGET,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    LAMBDA_FUNCTION,
    LAMBDA_PERMISSION,
    RECORDER,
    RECORDER_STATUS,
)
from policies.rootguard_policies.values import plain

BUCKET_ARN = "arn:aws:s3:::config-logs"
CONFIG = {"Service": "config.amazonaws.com"}
DELIVERY_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Effect": "Allow",
                "Principal": CONFIG,
                "Action": "s3:GetBucketAcl",
                "Resource": BUCKET_ARN,
            },
            {
                "Effect": "Allow",
                "Principal": CONFIG,
                "Action": "s3:PutObject",
                "Resource": f"{BUCKET_ARN}/AWSLogs/{PROD}/*",
            },
        ]
    }
)
SERVICE_LINKED = (
    f"arn:aws:iam::{PROD}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
)
ROOT_EVENTS = json.dumps(
    {
        "detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
        "detail": {"userIdentity": {"type": ["Root"]}},
    }
)
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _account(preview: bool) -> Stack:
    def out(value: object, unknown: str = UNKNOWN_STRING) -> object:
        return unknown if preview else value

    home = aws_provider(PROD, "us-east-1")  # per-region resources set their `region` input
    s = Stack()
    bucket = s.add("aws:s3/bucket:Bucket", "logs", {"bucket": "config-logs"}, provider=home)
    on_bucket = {"bucket": [bucket]}
    name = out("config-logs")
    s.add(
        BUCKET_PUBLIC_ACCESS_BLOCK,
        "pab",
        {"bucket": name, **dict.fromkeys(FLAGS, True)},
        provider=home,
        prop_deps=on_bucket,
    )
    policy = s.add(
        BUCKET_POLICY,
        "tls",
        {"bucket": name, "policy": out(DELIVERY_POLICY)},
        provider=home,
        prop_deps=on_bucket,
    )
    statuses = []
    for region in ("us-east-1", "eu-west-1"):
        group = {"allSupported": True, "includeGlobalResourceTypes": region == "us-east-1"}
        rec = s.add(
            RECORDER,
            f"rec-{region}",
            {"region": region, "recordingGroup": group, "roleArn": SERVICE_LINKED},
            provider=home,
        )
        chan = s.add(
            DELIVERY_CHANNEL,
            f"chan-{region}",
            {"region": region, "s3BucketName": name},
            provider=home,
            depends_on=[rec, policy],
            prop_deps={"s3BucketName": [bucket]},
        )
        alarm = s.add(
            EVENT_RULE,
            f"root-{region}",
            {
                "region": region,
                "name": f"root-{region}",
                "eventPattern": ROOT_EVENTS,
                "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            },
            provider=home,
        )
        topic = s.add("aws:sns/topic:Topic", f"topic-{region}", {"region": region}, provider=home)
        s.add(
            EVENT_TARGET,
            f"notify-{region}",
            {"region": region, "rule": f"root-{region}", "arn": out(f"arn:topic-{region}")},
            provider=home,
            prop_deps={"rule": [alarm], "arn": [topic]},
        )
        statuses.append(
            s.add(
                RECORDER_STATUS,
                f"on-{region}",
                {"region": region, "isEnabled": True, "name": out("default")},
                provider=home,
                depends_on=[chan],
                prop_deps={"name": [rec]},
            )
        )
    mfa = {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}
    s.add(CONFIG_RULE, "root-mfa", {"source": mfa}, provider=home, depends_on=[statuses[0]])
    role = s.add(IAM_ROLE, "fn-role", {"assumeRolePolicy": "{}"}, provider=home)
    s.add(
        IAM_ROLE_POLICY,
        "fn-policy",
        {"role": out("fn-role"), "policy": out("{}")},
        provider=home,
        prop_deps={"role": [role]},
    )
    fn = s.add(
        LAMBDA_FUNCTION,
        "root-check",
        {"runtime": "python3.13", "role": out("arn:role"), "name": "root-check"},
        provider=home,
        prop_deps={"role": [role]},
    )
    perm = s.add(
        LAMBDA_PERMISSION,
        "invoke",
        {
            "function": out("root-check"),
            "action": "lambda:InvokeFunction",
            "principal": "config.amazonaws.com",
            "sourceAccount": PROD,
        },
        provider=home,
        prop_deps={"function": [fn]},
    )
    custom = {
        "owner": "CUSTOM_LAMBDA",
        "sourceIdentifier": out(f"arn:aws:lambda:us-east-1:{PROD}:function:root-check"),
    }
    s.add(
        CONFIG_RULE,
        "root-custom",
        {"source": custom},
        provider=home,
        depends_on=[statuses[0], perm],
        prop_deps={"source": [fn]},
    )
    mon = s.add(ANOMALY_MONITOR, "monitor", {"monitorType": "DIMENSIONAL"}, provider=home)
    s.add(
        ANOMALY_SUBSCRIPTION,
        "subscription",
        {
            "frequency": "DAILY",
            "monitorArnLists": out(["arn:monitor"], UNKNOWN_ARRAY),
            "subscribers": [{"type": "EMAIL", "address": "secops@example.com"}],
            "thresholdExpression": {"dimension": {"key": "K", "values": ["100"]}},
        },
        provider=home,
        prop_deps={"monitorArnLists": [mon]},
    )
    return s


def _run_all(stack: Stack) -> tuple[list[str], set[str]]:
    """Every policy over the stack: (violations, names of policies that could not know)."""
    reporter, undecided = Reporter(), set()
    for policy in ALL_POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            runs = [
                # Raw props, unknown sentinels included, proxied again as the pack does.
                resource_args(r.resource_type, plain(r.props), name=r.name, provider=r.provider)
                for r in stack.resources
            ]
        else:
            runs = [StackValidationArgs(stack.resources, None)]
        for args in runs:
            try:
                policy.validate(args, reporter)
            except UnknownValueError:
                undecided.add(policy.name)
    return reporter.messages, undecided


def test_preview_complete_account_no_mandatory_violation() -> None:
    violations, undecided = _run_all(_account(preview=True))
    assert violations == []
    # Only what no graph can tell: the text of policy documents built from outputs.
    assert undecided == {
        "config-delivery-bucket-secure",
        "config-delivery-writable",
        "iam-no-admin-wildcards",
    }


def test_preview_same_account_after_update_passes_silently() -> None:
    assert _run_all(_account(preview=False)) == ([], set())


def test_preview_rule_without_recorder_dependency_still_fails() -> None:
    stack = _account(preview=True)
    rule = next(r for r in stack.resources if r.name == "root-mfa")
    rule.dependencies.clear()
    violations, _ = _run_all(stack)
    assert len(violations) == 1 and "root-mfa must depend on" in violations[0]


# A resource without a `region` input whose provider computes one (an S3 bucket's
# `region` output) has an unknown region during a first preview, but a known account.
BUCKET = "aws:s3/bucket:Bucket"
REGION_UNKNOWN = {"region": UNKNOWN_STRING}


def test_preview_unknown_region_still_decides_account_policies() -> None:
    stack = Stack()
    stack.add(BUCKET, "logs", REGION_UNKNOWN, provider=aws_provider(PROD, None))
    for policy in (root_mfa_rule_present, cost_anomaly_alerts_present):
        reporter = stack.check(policy)  # decided: no UnknownValueError
        assert len(reporter.messages) == 1
        assert reporter.messages[0].startswith(f"The account {PROD} must have")


def test_preview_unknown_region_covered_account_passes_silently() -> None:
    home = aws_provider(PROD, None)
    stack = Stack()
    stack.add(BUCKET, "logs", REGION_UNKNOWN, provider=home)
    mfa = {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}
    stack.add(CONFIG_RULE, "root-mfa", {"source": mfa}, provider=home)
    monitor = stack.add(ANOMALY_MONITOR, "monitor", {"monitorType": "DIMENSIONAL"}, provider=home)
    stack.add(
        ANOMALY_SUBSCRIPTION,
        "subscription",
        {"monitorArnLists": UNKNOWN_ARRAY, "accountId": UNKNOWN_STRING},
        provider=home,
        prop_deps={"monitorArnLists": [monitor]},
    )
    assert not stack.check(root_mfa_rule_present).violations
    assert not stack.check(cost_anomaly_alerts_present).violations


def test_preview_unknown_region_still_counts_global_recorders() -> None:
    home = aws_provider(PROD, "us-east-1")
    stack = Stack()
    group = {"allSupported": True, "includeGlobalResourceTypes": True}
    stack.add(RECORDER, "home", {"recordingGroup": group}, provider=home)
    stack.add(RECORDER, "other", {"recordingGroup": group, **REGION_UNKNOWN}, provider=home)
    reporter = stack.check(config_global_resources_once)
    assert len(reporter.messages) == 1
    assert "records them in an unknown region, us-east-1" in reporter.messages[0]
