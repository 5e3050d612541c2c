"""What the first `pulumi up` on a real account would break, each checked on what the
example stacks plan (`rootguard plan --json`, with and without `--preview`) or on the
config the command line rejects.

Each test is one defect of issue 12, named after it; the AWS page that makes it a
defect is named beside it. The components cite the same pages where they rely on them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import shutil
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.engine.aws import DEFAULT_ACCOUNT_ID

REPO = Path(__file__).resolve().parent.parent
STACKS = ["dev", "org", "member"]
MODES = [False, True]

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RECORDER = "aws:cfg/recorder:Recorder"
CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
PROVIDER = "pulumi:providers:aws"
CONFORMS_ROLE = (
    "arn:aws:iam::*:role/aws-service-role/config-conforms.amazonaws.com/"
    "AWSServiceRoleForConfigConforms"
)
MOCK_ORGANIZATION = "o-rootguard0"
"""What the offline engine answers for aws:organizations/getOrganization."""

DEFAULT_REGIONS = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
}  # fmt: skip
"""AWS Account Management guide, "Enable or disable AWS Regions in your account": "Regions
launched before March 20, 2019 are enabled by default ... Default Regions cannot be
enabled or disabled." Root can use every one of them in every account."""

Resource = dict[str, Any]


# --------------------------------------------------------------------------- the plans


@functools.cache
def _plan(stack: str, preview: bool) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["plan", str(REPO), "--stack", stack, "--json", *(["--preview"] * preview)])
    assert code == 0
    return out.getvalue()


def plan(stack: str, preview: bool) -> list[Resource]:
    """The resources of `rootguard plan --json` for the example stack (a fresh copy)."""
    resources: list[Resource] = json.loads(_plan(stack, preview))["resources"]
    return resources


def of_type(resources: list[Resource], type_: str) -> list[Resource]:
    return [r for r in resources if r["type"] == type_]


def depends_on(resource: Resource, urn: str, prop: str | None = None) -> bool:
    if prop is not None:
        return urn in resource["propertyDependencies"].get(prop, [])
    return urn in resource["dependencies"] or any(
        urn in urns for urns in resource["propertyDependencies"].values()
    )


def account_of(resources: list[Resource], resource: Resource) -> str:
    """The account a resource deploys into: its provider's allowedAccountIds, else the
    offline engine's caller (the stack's default provider)."""
    reference = resource["provider"]
    urn = reference.rsplit("::", 1)[0] if reference else None
    provider = next((r for r in of_type(resources, PROVIDER) if r["urn"] == urn), None)
    if provider is None or "allowedAccountIds" not in provider["inputs"]:
        return DEFAULT_ACCOUNT_ID
    allowed: list[str] = json.loads(provider["inputs"]["allowedAccountIds"])
    return allowed[0]


def document(value: Any) -> dict[str, Any]:
    assert isinstance(value, str), f"a policy document the plan cannot know: {value!r}"
    parsed: dict[str, Any] = json.loads(value)
    return parsed


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowing(policy: dict[str, Any], action: str, resource: str) -> list[dict[str, Any]]:
    """The Allow statements of `policy` that cover `action` on `resource`."""
    return [
        statement
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
        and any(fnmatchcase(action, pattern) for pattern in as_list(statement["Action"]))
        and any(fnmatchcase(resource, pattern) for pattern in as_list(statement["Resource"]))
    ]


def role_policies(resources: list[Resource], role: Resource) -> list[dict[str, Any]]:
    """The inline policies attached to `role` (linked by the `role` property)."""
    return [
        document(policy["inputs"]["policy"])
        for policy in of_type(resources, ROLE_POLICY)
        if depends_on(policy, role["urn"], "role")
    ]


def is_root_activity_rule(rule: Resource) -> bool:
    pattern = json.loads(rule["inputs"]["eventPattern"])
    return "Root" in pattern.get("detail", {}).get("userIdentity", {}).get("type", [])


def _project_with(tmp_path: Path, stack: str, config: str) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(
        REPO / "components", tmp_path / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(config)
    return tmp_path


# ---------------------------------------------------------------------------- defects


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_defect_1_recorder_role_may_write_its_delivery_bucket(stack: str, preview: bool) -> None:
    # Config developer guide, "Permissions for the Amazon S3 Bucket": delivering to a
    # bucket in your account, "it assumes the IAM role that you assigned"; AWS_ConfigRole
    # grants reads only ("IAM Role Policy for Getting Configuration Details").
    resources = plan(stack, preview)
    recorders = of_type(resources, RECORDER)
    assert recorders
    for recorder in recorders:
        (role_urn,) = recorder["propertyDependencies"]["roleArn"]
        role = next(r for r in resources if r["urn"] == role_urn)
        account = account_of(resources, recorder)
        (channel,) = [
            c
            for c in of_type(resources, CHANNEL)
            if c["inputs"]["region"] == recorder["inputs"]["region"]
            and account_of(resources, c) == account
        ]
        bucket = channel["inputs"]["s3BucketName"]
        objects = f"arn:aws:s3:::{bucket}/AWSLogs/{account}/Config/ConfigHistory/x.json.gz"
        policies = role_policies(resources, role)
        writes = [s for p in policies for s in allowing(p, "s3:PutObject", objects)]
        assert writes, f"{recorder['name']}: its role may not write {objects}"
        for statement in writes:
            acl = statement["Condition"]["StringEquals"]["s3:x-amz-acl"]
            assert acl == "bucket-owner-full-control"
        assert [
            s for p in policies for s in allowing(p, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}")
        ]


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_defect_2_root_activity_rules_match_read_only_calls(stack: str, preview: bool) -> None:
    # EventBridge user guide, "Receiving read-only management events from AWS services":
    # an enabled rule matches events "except for read-only AWS management events
    # delivered through CloudTrail"; ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS includes them.
    rules = [r for r in of_type(plan(stack, preview), EVENT_RULE) if is_root_activity_rule(r)]
    assert rules
    for rule in rules:
        assert rule["inputs"].get("state") == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", rule[
            "name"
        ]


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_defect_3_root_api_calls_alarm_in_every_default_region(stack: str, preview: bool) -> None:
    # EventBridge user guide, "Tutorial: Create an Amazon EventBridge rule for AWS
    # CloudTrail API calls": "Rules in EventBridge only work in the Region where they're
    # created ... you must create a separate rule in each Region that you want to track".
    resources = plan(stack, preview)
    rules = [r for r in of_type(resources, EVENT_RULE) if is_root_activity_rule(r)]
    accounts = {account_of(resources, rule) for rule in rules}
    assert accounts
    for account in accounts:
        mine = [r for r in rules if account_of(resources, r) == account]
        by_region = {r["inputs"]["region"]: r for r in mine}
        assert len(by_region) == len(mine), f"{account}: two root-activity rules in one region"
        assert set(by_region) >= DEFAULT_REGIONS, (
            f"{account}: no root-activity rule in {sorted(DEFAULT_REGIONS - set(by_region))}"
        )
        bus = f"arn:aws:events:us-east-1:{account}:event-bus/default"
        for region, rule in by_region.items():
            (target,) = [
                t for t in of_type(resources, EVENT_TARGET) if depends_on(t, rule["urn"], "rule")
            ]
            if region == "us-east-1":
                # Root console sign-ins (and IAM, a global service) are recorded here.
                (topic_urn,) = target["propertyDependencies"]["arn"]
                assert next(r for r in resources if r["urn"] == topic_urn)["type"] == TOPIC
                continue
            assert target["inputs"]["arn"] == bus, f"{rule['name']} does not forward to {bus}"
            (role_urn,) = target["propertyDependencies"]["roleArn"]
            role = next(r for r in resources if r["urn"] == role_urn)
            assert [
                s
                for p in role_policies(resources, role)
                for s in allowing(p, "events:PutEvents", bus)
            ]


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
def test_defect_4_org_rule_function_assumes_roles_only_in_its_organization(preview: bool) -> None:
    # IAM user guide, "AWS global condition context keys", aws:ResourceOrgID: the
    # organization of the account that owns the requested resource (here: the role).
    resources = plan("org", preview)
    (role,) = [
        r
        for r in of_type(resources, ROLE)
        if r["inputs"].get("name") == "rootguard-org-root-account-rule"
    ]
    target = "arn:aws:iam::555555555555:role/rootguard-config-rule"
    assumes = [
        s for p in role_policies(resources, role) for s in allowing(p, "sts:AssumeRole", target)
    ]
    assert assumes
    for statement in assumes:
        assert statement["Condition"]["StringEquals"]["aws:ResourceOrgID"] == MOCK_ORGANIZATION


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
def test_defect_5_conformance_bucket_only_for_the_conformance_pack_role(preview: bool) -> None:
    # Config developer guide, "Managing Conformance Packs Across all Accounts in Your
    # Organization": "We recommend having limited permissions ... you can use
    # PrincipalOrgID and PrincipalArn conditions in the Amazon S3 policy."
    resources = plan("org", preview)
    (bucket,) = [
        b
        for b in of_type(resources, BUCKET)
        if b["inputs"]["bucket"].startswith("awsconfigconforms")
    ]
    (policy,) = [
        p for p in of_type(resources, BUCKET_POLICY) if depends_on(p, bucket["urn"], "bucket")
    ]
    allows = [
        s for s in document(policy["inputs"]["policy"])["Statement"] if s["Effect"] == "Allow"
    ]
    assert allows
    for statement in allows:
        assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"] == CONFORMS_ROLE
        assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == MOCK_ORGANIZATION


@pytest.mark.parametrize("home", ["il-central-1", "ca-west-1"])
def test_defect_6_home_region_launched_after_february_2022_rejected(
    home: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Config API reference, RecordingGroup.includeGlobalResourceTypes: "You cannot be
    # record the global IAM resouce types in Regions supported by Config after February
    # 2022"; the root-account rules are not offered there either (each rule's page).
    config = f"config:\n  aws:region: us-east-1\n  rootguard:homeRegion: {home}\n"
    config += f"  rootguard:regions: [us-east-1, {home}]\n"
    project = _project_with(tmp_path, "late", config)
    assert main(["plan", str(project), "--stack", "late"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"rootguard plan: error: rootguard:homeRegion: '{home}' is not valid; expected "
    )
    assert "February 2022" in lines[0]


@pytest.mark.parametrize("preview", MODES, ids=["update", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_defect_7_config_role_trust_names_the_source_account(stack: str, preview: bool) -> None:
    # Config developer guide, "Permissions for the IAM Role Assigned to AWS Config": the
    # trust policy's AWS:SourceAccount condition "to restrict the Config service principal
    # to only interact with the AWS IAM Role when performing operations on behalf of
    # specific accounts".
    resources = plan(stack, preview)
    recorder_roles = {
        urn for r in of_type(resources, RECORDER) for urn in r["propertyDependencies"]["roleArn"]
    }
    trusting = [role for role in of_type(resources, ROLE) if role["urn"] in recorder_roles]
    assert trusting
    for role in trusting:
        account = account_of(resources, role)
        for statement in document(role["inputs"]["assumeRolePolicy"])["Statement"]:
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == account, role[
                "name"
            ]


def test_defect_8_keep_bucket_off_lets_destroy_empty_the_versioned_bucket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # S3 API reference, DeleteBucket: "All objects (including all object versions and
    # delete markers) in the bucket must be deleted before the bucket itself can be
    # deleted." The kept bucket (the default) is in tests/components/test_config_recorder.py.
    config = (
        (REPO / "Pulumi.dev.yaml")
        .read_text()
        .replace(
            "  rootguard:recorder:\n    mode: create\n",
            "  rootguard:recorder:\n    mode: create\n    keepBucketOnDestroy: false\n",
        )
    )
    assert "keepBucketOnDestroy" in config
    project = _project_with(tmp_path, "scratch", config)
    assert main(["plan", str(project), "--stack", "scratch", "--json"]) == 0
    buckets = of_type(json.loads(capsys.readouterr().out)["resources"], BUCKET)
    assert len(buckets) == 3
    assert [b["inputs"].get("forceDestroy") for b in buckets] == [True] * 3
