"""The central pieces under the recording mocks, their planned policies asserted: the
delivery bucket and the event bus admit this organization only, the topic only its rule,
and every document passes parliament; OrganizationRollout puts each piece in its account."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rootguard.components import (
    CentralDeliveryBucket,
    CentralRootActivity,
    OrganizationRollout,
    OrganizationRolloutArgs,
)
from rootguard.components.central_alerts import organization_root_activity_pattern
from rootguard.components.root_signin_alarm import root_activity_event_pattern

from tests.conftest import MOCK_ACCOUNT, MOCK_ORGANIZATION, Recorder, policy_document
from tests.iam_lint import serious_findings

ORG = MOCK_ORGANIZATION
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUS = "aws:cloudwatch/eventBus:EventBus"
BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
PROVIDER = "pulumi:providers:aws"
DELEGATED_ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"


def _bucket(mocks: Recorder) -> dict[str, Any]:
    mocks.run(
        lambda: CentralDeliveryBucket(
            "delivery",
            {"bucket_name": "org-config", "organization_id": ORG, "region": "us-east-1"},
        )
    )
    return policy_document(mocks.one(BUCKET_POLICY).inputs["policy"])


def _bus(mocks: Recorder, emails: list[str] | None = None) -> None:
    mocks.run(
        lambda: CentralRootActivity(
            "root-activity",
            {
                "organization_id": ORG,
                "account_id": "777777777777",
                "region": "us-east-1",
                "alarm_emails": emails or [],
            },
        )
    )


# ----------------------------------------------------------------- the delivery bucket


def test_central_bucket_admits_config_of_this_organization_only(pulumi_mocks: Recorder) -> None:
    document = _bucket(pulumi_mocks)
    allows = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    assert {s["Action"] for s in allows} == {"s3:GetBucketAcl", "s3:ListBucket", "s3:PutObject"}
    for statement in allows:
        assert statement["Principal"] == {"Service": "config.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceOrgID"] == ORG
    put = next(s for s in allows if s["Action"] == "s3:PutObject")
    assert put["Resource"].endswith("/AWSLogs/*/Config/*")
    assert put["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"


def test_central_bucket_denies_plain_http(pulumi_mocks: Recorder) -> None:
    document = _bucket(pulumi_mocks)
    (deny,) = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"


def test_central_bucket_is_hardened(pulumi_mocks: Recorder) -> None:
    _bucket(pulumi_mocks)
    block = pulumi_mocks.one(PUBLIC_ACCESS).inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block[flag] is True for flag in flags)
    assert pulumi_mocks.one(VERSIONING).inputs["versioningConfiguration"]["status"] == "Enabled"
    assert pulumi_mocks.one(ENCRYPTION).inputs["rules"][0][
        "applyServerSideEncryptionByDefault"
    ] == {"sseAlgorithm": "AES256"}
    policy = pulumi_mocks.one(BUCKET_POLICY)
    assert pulumi_mocks.one(PUBLIC_ACCESS).urn in policy.dependencies


def test_central_bucket_kept_on_destroy_unless_asked(pulumi_mocks: Recorder) -> None:
    def program() -> None:
        for name, keep in (("kept", True), ("dropped", False)):
            CentralDeliveryBucket(
                name,
                {
                    "bucket_name": f"org-config-{name}",
                    "organization_id": ORG,
                    "region": "us-east-1",
                    "keep_bucket_on_destroy": keep,
                },
            )

    pulumi_mocks.run(program)
    buckets = {
        b.inputs["bucket"]: b.inputs.get("forceDestroy") for b in pulumi_mocks.of_type(BUCKET)
    }
    assert buckets == {"org-config-kept": None, "org-config-dropped": True}


# The recording mocks answer placeholder ARNs; parliament checks resources against real ones.
REAL_BUCKET = "arn:aws:s3:::rootguard-org-config-555555555555-us-east-1"
REAL_BUS = "arn:aws:events:us-east-1:777777777777:event-bus/rootguard-root-activity"
REAL_TOPIC = "arn:aws:sns:us-east-1:777777777777:rootguard-organization-root-activity"
REAL_RULE = (
    "arn:aws:events:us-east-1:777777777777:rule/rootguard-root-activity/"
    "rootguard-organization-root-activity"
)


def test_central_policies_pass_parliament() -> None:
    from rootguard.components.central_alerts import organization_bus_policy
    from rootguard.components.central_delivery import organization_delivery_policy
    from rootguard.components.root_signin_alarm import topic_policy

    assert serious_findings(organization_delivery_policy(REAL_BUCKET, ORG)) == []
    assert serious_findings(organization_bus_policy(REAL_BUS, ORG)) == []
    assert serious_findings(topic_policy(REAL_TOPIC, REAL_RULE)) == []


def test_central_bucket_lint_catches_a_wrong_condition_key() -> None:
    from rootguard.components.central_delivery import organization_delivery_policy

    document = organization_delivery_policy(REAL_BUCKET, ORG)
    document["Statement"][1]["Condition"] = {"StringEquals": {"aws:SourceOrgId2": ORG}}
    assert ("UNKNOWN_CONDITION_FOR_ACTION", "MEDIUM") in serious_findings(document)


# ----------------------------------------------------------------------- the event bus


def test_central_bus_accepts_events_from_this_organization_only(pulumi_mocks: Recorder) -> None:
    _bus(pulumi_mocks)
    document = policy_document(pulumi_mocks.one(BUS_POLICY).inputs["policy"])
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "events:PutEvents"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    # Written from the bus's name and account (known in a preview), as AWS forms it.
    assert statement["Resource"] == REAL_BUS


def test_central_rule_reads_root_activity_read_only_calls_included(pulumi_mocks: Recorder) -> None:
    _bus(pulumi_mocks)
    rule = pulumi_mocks.one(RULE).inputs
    assert rule["state"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert rule["eventBusName"] == pulumi_mocks.one(BUS).outputs["name"]
    pattern = json.loads(rule["eventPattern"])
    assert pattern == organization_root_activity_pattern()
    account_pattern = root_activity_event_pattern("111111111111")
    assert "account" not in pattern
    assert pattern == {k: v for k, v in account_pattern.items() if k != "account"}


def test_central_topic_takes_only_this_rule(pulumi_mocks: Recorder) -> None:
    _bus(pulumi_mocks)
    document = policy_document(pulumi_mocks.one(TOPIC_POLICY).inputs["policy"])
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": pulumi_mocks.one(RULE).outputs["arn"]}
    }
    target = pulumi_mocks.one(TARGET)
    assert pulumi_mocks.one(TOPIC_POLICY).urn in target.dependencies
    assert target.inputs["eventBusName"] == pulumi_mocks.one(BUS).outputs["name"]


def test_central_one_subscription_per_address(pulumi_mocks: Recorder) -> None:
    _bus(pulumi_mocks, ["a@example.com", "b@example.com"])
    endpoints = sorted(s.inputs["endpoint"] for s in pulumi_mocks.of_type(SUBSCRIPTION))
    assert endpoints == ["a@example.com", "b@example.com"]


# -------------------------------------------------------------- OrganizationRollout


def _rollout(mocks: Recorder, **extra: Any) -> None:
    def program() -> None:
        args: dict[str, Any] = {
            "account_id": MOCK_ACCOUNT,
            "organization_id": ORG,
            "home_region": "us-east-1",
            "regions": ["us-east-1", "eu-west-1"],
            "targets": ["r-ab12"],
            "alert_emails": ["finops@example.com"],
            **extra,
        }
        OrganizationRollout("rollout", OrganizationRolloutArgs(**args))  # type: ignore[typeddict-item]

    mocks.run(program)


def _account_of(mocks: Recorder, resource_type: str) -> str | None:
    """The account a resource's provider pins; None on the default provider."""
    reg = mocks.of_type(resource_type)[0]
    if not reg.provider:
        return None
    provider = mocks.by_urn(reg.provider.rsplit("::", 1)[0])
    allowed = provider.inputs["allowedAccountIds"]
    return str((json.loads(allowed) if isinstance(allowed, str) else allowed)[0])


def test_rollout_central_pieces_default_to_the_stack_account(pulumi_mocks: Recorder) -> None:
    _rollout(pulumi_mocks)
    assert pulumi_mocks.of_type(PROVIDER) == []
    for kind in (BUCKET, BUS, MONITOR, INSTANCE):
        assert _account_of(pulumi_mocks, kind) is None
    assert (
        pulumi_mocks.one(BUCKET).inputs["bucket"]
        == f"rootguard-org-config-{MOCK_ACCOUNT}-us-east-1"
    )


def test_rollout_central_pieces_in_their_accounts(pulumi_mocks: Recorder) -> None:
    _rollout(
        pulumi_mocks,
        log_archive_account={"account_id": "555555555555"},
        security_account={"account_id": "777777777777", "role_name": "SecurityDeploy"},
        payer_account={"account_id": "444444444444"},
    )
    assert _account_of(pulumi_mocks, BUCKET) == "555555555555"
    assert _account_of(pulumi_mocks, BUS) == "777777777777"
    assert _account_of(pulumi_mocks, MONITOR) == "444444444444"
    assert _account_of(pulumi_mocks, INSTANCE) is None  # StackSets from the stack's account
    first_roles = [json.loads(p.inputs["assumeRoles"])[0] for p in pulumi_mocks.of_type(PROVIDER)]
    roles = sorted(role.get("roleArn", role.get("role_arn")) for role in first_roles)
    assert roles == [
        "arn:aws:iam::444444444444:role/OrganizationAccountAccessRole",
        "arn:aws:iam::555555555555:role/OrganizationAccountAccessRole",
        "arn:aws:iam::777777777777:role/SecurityDeploy",
    ]
    assert (
        pulumi_mocks.one(BUCKET).inputs["bucket"] == "rootguard-org-config-555555555555-us-east-1"
    )


def test_rollout_cost_is_one_linked_account_monitor(pulumi_mocks: Recorder) -> None:
    _rollout(pulumi_mocks)
    monitor = pulumi_mocks.one(MONITOR).inputs
    assert (monitor["monitorType"], monitor["monitorDimension"]) == (
        "DIMENSIONAL",
        "LINKED_ACCOUNT",
    )
    assert monitor["name"] == "rootguard-organization-linked-accounts"
    frequencies = sorted(s.inputs["frequency"] for s in pulumi_mocks.of_type(ANOMALY_SUBSCRIPTION))
    assert frequencies == ["DAILY", "IMMEDIATE"]


def test_rollout_instances_wait_for_bucket_and_bus_policies(pulumi_mocks: Recorder) -> None:
    _rollout(pulumi_mocks)
    bucket_policy = pulumi_mocks.one(BUCKET_POLICY).urn
    bus_policy = pulumi_mocks.one(BUS_POLICY).urn
    for instance in pulumi_mocks.of_type(INSTANCE):
        assert {bucket_policy, bus_policy} <= set(instance.dependencies)


def test_rollout_registers_stacksets_delegated_admin(pulumi_mocks: Recorder) -> None:
    _rollout(pulumi_mocks, register_delegated_admin="555555555555")
    admin = pulumi_mocks.one(DELEGATED_ADMIN).inputs
    assert admin == {
        "accountId": "555555555555",
        "servicePrincipal": "member.org.stacksets.cloudformation.amazonaws.com",
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"delegated_admin": True}, "payer_account: None is not valid; expected the management"),
        (
            {"delegated_admin": True, "payer_account": {"account_id": "444444444444"},
             "register_delegated_admin": "555555555555"},
            "register_delegated_admin: '555555555555' is not valid; expected none with",
        ),
        ({"security_account": {"account_id": "7"}}, "security_account.account_id: '7' is not"),
        ({"alarm_emails": ["secops"]}, "alarm_emails[0]: 'secops' is not valid"),
        ({"regions": ["mars-1"]}, "MemberRollout regions[0]: 'mars-1' is not valid"),
    ],
    ids=["payer-missing", "register-from-admin", "bad-account", "bad-email", "bad-region"],
)  # fmt: skip
def test_rollout_bad_args_fail_first(
    pulumi_mocks: Recorder, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception) as err:
        _rollout(pulumi_mocks, **extra)
    assert message in str(err.value)
    assert pulumi_mocks.registrations == []  # nothing declared, not even a provider
