"""OrganizationBaseline under the recording mocks: one test per option."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws
import pytest
import yaml
from rootguard.components import OrganizationBaseline, OrganizationBaselineArgs
from rootguard.components.conformance_pack import managed_identifiers
from rootguard.components.root_guard_rule import IAM_READ_ACTIONS, ORG_FUNCTION_NAME

from rootguard.conformance import check_template
from tests.conftest import MOCK_ACCOUNT, MOCK_ORGANIZATION, Recorder, Registration

ADMIN = "222222222222"
HOME = "eu-west-1"
COMPONENT = "rootguard:organization_baseline:OrganizationBaseline"
DELEGATED_ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
PACK = "aws:cfg/organizationConformancePack:OrganizationConformancePack"
ORG_RULE = "aws:cfg/organizationCustomRule:OrganizationCustomRule"
AGGREGATOR = "aws:cfg/configurationAggregator:ConfigurationAggregator"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
RECORDER = "aws:cfg/recorder:Recorder"


def _declare(mocks: Recorder, *, with_recorder: bool = False, **extra: Any) -> None:
    def program() -> None:
        args: dict[str, Any] = {"account_id": MOCK_ACCOUNT, "region": HOME, **extra}
        if with_recorder:
            args["recorders"] = [
                aws.cfg.Recorder("recorder", role_arn="arn:aws:iam::1:role/config", region=HOME)
            ]
        OrganizationBaseline("org", OrganizationBaselineArgs(**args))  # type: ignore[typeddict-item]

    mocks.run(program)


def _template(pack: Registration) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(pack.inputs["templateBody"])
    return parsed


# --- defaults -------------------------------------------------------------------------


def test_org_defaults_pack_aggregator_custom_rule_no_registration(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    component = pulumi_mocks.one(COMPONENT)
    assert pulumi_mocks.of_type(DELEGATED_ADMIN) == []
    for type_ in (PACK, AGGREGATOR, ORG_RULE, FUNCTION, PERMISSION):
        found = pulumi_mocks.one(type_)
        assert found.inputs["region"] == HOME, type_
    others = [r for r in pulumi_mocks.registrations if r is not component]
    assert {r.urn for r in others} == {r.urn for r in pulumi_mocks.descendants(component.urn)}


def test_org_pack_template_holds_root_mfa_and_passes_our_check(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    pack = pulumi_mocks.one(PACK)
    assert pack.inputs["name"] == "rootguard-root-account"
    identifiers = managed_identifiers(_template(pack))
    assert "ROOT_ACCOUNT_MFA_ENABLED" in identifiers
    assert "IAM_ROOT_ACCESS_KEY_CHECK" in identifiers
    assert "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED" not in identifiers
    assert check_template(pack.inputs["templateBody"]) == []
    assert "excludedAccounts" not in pack.inputs
    assert "deliveryS3Bucket" not in pack.inputs


# --- delegated administrator ----------------------------------------------------------


def test_org_management_registers_delegated_admin_for_both_services(
    pulumi_mocks: Recorder,
) -> None:
    _declare(pulumi_mocks, delegated_admin_account_id=ADMIN)
    registrations = pulumi_mocks.of_type(DELEGATED_ADMIN)
    assert sorted(r.inputs["servicePrincipal"] for r in registrations) == [
        "config-multiaccountsetup.amazonaws.com",
        "config.amazonaws.com",
    ]
    assert {r.inputs["accountId"] for r in registrations} == {ADMIN}


def test_org_delegated_admin_role_registers_nothing(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, role="delegatedAdmin")
    assert pulumi_mocks.of_type(DELEGATED_ADMIN) == []
    assert pulumi_mocks.of_type(PACK) and pulumi_mocks.of_type(ORG_RULE)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"role": "delegatedAdmin", "delegated_admin_account_id": ADMIN}, "management role only"),
        ({"role": "admin"}, "role 'admin' must be one of"),
        ({"delegated_admin_account_id": "2222"}, "12-digit"),
        ({"delegated_admin_account_id": MOCK_ACCOUNT}, "another account than the management"),
        ({"excluded_accounts": ["1"]}, "excluded_accounts: '1' is not valid"),
        (
            {"delivery_bucket": "results"},
            "^OrganizationBaseline delivery_bucket: 'results' is not valid; expected an S3 "
            "bucket name starting with awsconfigconforms",
        ),
        ({"region": "mars-1"}, "^OrganizationBaseline region: 'mars-1' is not valid"),
        (
            {"execution_role_name": "a/b"},
            "^OrganizationBaseline execution_role_name: 'a/b' is not valid",
        ),
    ],
    ids=[
        "admin-with-delegated-role",
        "unknown-role",
        "short-admin",
        "admin-is-management",
        "short-excluded",
        "bucket",
        "region",
        "execution-role-name",
    ],
)
def test_org_bad_args_rejected_before_registering(
    pulumi_mocks: Recorder, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        OrganizationBaseline("bad", {"account_id": MOCK_ACCOUNT, "region": HOME, **extra})  # type: ignore[typeddict-item]
    assert pulumi_mocks.registrations == []


# --- conformance pack options -----------------------------------------------------------


def test_org_pack_hardware_mfa_adds_the_rule(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, hardware_mfa=True)
    body = pulumi_mocks.one(PACK).inputs["templateBody"]
    assert "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED" in managed_identifiers(yaml.safe_load(body))
    assert check_template(body) == []


def test_org_excluded_accounts_on_pack_and_custom_rule(pulumi_mocks: Recorder) -> None:
    excluded = ["444444444444", "333333333333"]
    _declare(pulumi_mocks, excluded_accounts=excluded)
    assert pulumi_mocks.one(PACK).inputs["excludedAccounts"] == sorted(excluded)
    assert pulumi_mocks.one(ORG_RULE).inputs["excludedAccounts"] == sorted(excluded)


def test_org_pack_off(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, conformance_pack=False)
    assert pulumi_mocks.of_type(PACK) == []
    assert pulumi_mocks.of_type(ORG_RULE)


def test_org_delivery_bucket_hardened_and_before_pack(pulumi_mocks: Recorder) -> None:
    name = "awsconfigconforms-rootguard"
    _declare(pulumi_mocks, delivery_bucket=name)
    pack = pulumi_mocks.one(PACK)
    bucket = pulumi_mocks.one(BUCKET)
    policy = pulumi_mocks.one(BUCKET_POLICY)
    block = pulumi_mocks.one(PUBLIC_ACCESS)
    assert pack.inputs["deliveryS3Bucket"] == name
    assert bucket.inputs["bucket"] == name
    assert policy.urn in pack.dependencies
    assert block.urn in policy.dependencies
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[flag] is True
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    # "Managing Conformance Packs Across all Accounts in Your Organization": the
    # PrincipalOrgID and PrincipalArn conditions, the conformance-pack role only.
    conforms_role = (
        "arn:aws:iam::*:role/aws-service-role/config-conforms.amazonaws.com/"
        "AWSServiceRoleForConfigConforms"
    )
    for sid in ("OrganizationConformancePackDelivery", "OrganizationConformancePackBucketAcl"):
        assert statements[sid]["Condition"] == {
            "StringEquals": {"aws:PrincipalOrgID": MOCK_ORGANIZATION},
            "ArnLike": {"aws:PrincipalArn": conforms_role},
        }
    assert statements["OrganizationConformancePackDelivery"]["Resource"] == f"arn:aws:s3:::{name}/*"
    assert pulumi_mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert pulumi_mocks.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )


@pytest.mark.parametrize("keep", [True, False], ids=["kept", "deleted"])
def test_org_delivery_bucket_on_destroy(pulumi_mocks: Recorder, keep: bool) -> None:
    _declare(
        pulumi_mocks, delivery_bucket="awsconfigconforms-rootguard", keep_bucket_on_destroy=keep
    )
    bucket = pulumi_mocks.one(BUCKET)
    assert bucket.inputs.get("forceDestroy") is (None if keep else True)
    for type_ in (BUCKET, BUCKET_POLICY, PUBLIC_ACCESS):
        assert pulumi_mocks.one(type_).retain_on_delete is keep, type_


def test_org_pack_and_rule_wait_for_recorders(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, with_recorder=True)
    recorder = pulumi_mocks.one(RECORDER)
    assert recorder.urn in pulumi_mocks.one(PACK).dependencies
    assert recorder.urn in pulumi_mocks.one(ORG_RULE).dependencies


# --- aggregator -------------------------------------------------------------------------


def test_org_aggregator_with_organizations_role(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    aggregator = pulumi_mocks.one(AGGREGATOR)
    role = pulumi_mocks.by_name("org-aggregator-role")
    attachment = pulumi_mocks.one(ATTACHMENT)
    assert aggregator.inputs["name"] == "rootguard-organization"
    source = aggregator.inputs["organizationAggregationSource"]
    assert source["allRegions"] is True
    assert role.urn in aggregator.property_dependencies["organizationAggregationSource"]
    assert attachment.urn in aggregator.dependencies
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"
    )
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}


def test_org_aggregator_off(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, aggregator=False)
    assert pulumi_mocks.of_type(AGGREGATOR) == []
    assert pulumi_mocks.of_type(ATTACHMENT) == []


# --- the organization custom rule --------------------------------------------------------


def test_org_custom_rule_lambda_permission_and_parameters(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, require_hardware_mfa=True, root_use_window_days=30)
    rule = pulumi_mocks.one(ORG_RULE)
    function = pulumi_mocks.one(FUNCTION)
    permission = pulumi_mocks.one(PERMISSION)
    assert function.inputs["name"] == ORG_FUNCTION_NAME
    assert permission.inputs["principal"] == "config.amazonaws.com"
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert function.urn in permission.property_dependencies["function"]
    assert permission.urn in rule.dependencies
    assert function.urn in rule.property_dependencies["lambdaFunctionArn"]
    assert rule.inputs["triggerTypes"] == ["ScheduledNotification"]
    assert rule.inputs["maximumExecutionFrequency"] == "TwentyFour_Hours"
    assert json.loads(rule.inputs["inputParameters"]) == {
        "ExecutionRoleName": "rootguard-config-rule",
        "RequireHardwareMfa": "true",
        "RootUseWindowDays": "30",
    }


def test_org_custom_rule_function_may_assume_only_the_execution_role(
    pulumi_mocks: Recorder,
) -> None:
    _declare(pulumi_mocks, execution_role_name="AuditRootRole")
    rule = pulumi_mocks.one(ORG_RULE)
    assert json.loads(rule.inputs["inputParameters"])["ExecutionRoleName"] == "AuditRootRole"
    role = pulumi_mocks.by_name("org-rule-role")
    assert role.inputs["name"] == ORG_FUNCTION_NAME
    document = json.loads(pulumi_mocks.one(ROLE_POLICY).inputs["policy"])
    statements = {s["Sid"]: s for s in document["Statement"]}
    assume = statements["AssumeExecutionRoleInMemberAccounts"]
    assert assume["Resource"] == ["arn:aws:iam::*:role/AuditRootRole"]
    # Only roles of this organization's accounts (aws:ResourceOrgID), and the function
    # can tell a member from a stranger (Scenario 13).
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": MOCK_ORGANIZATION}}
    assert statements["CheckMembership"] == {
        "Sid": "CheckMembership",
        "Effect": "Allow",
        "Action": ["organizations:DescribeAccount"],
        "Resource": f"arn:aws:organizations::*:account/{MOCK_ORGANIZATION}/*",
    }
    assert statements["ReadRootCredentialState"]["Action"] == IAM_READ_ACTIONS
    log_group = f"arn:aws:logs:{HOME}:{MOCK_ACCOUNT}:log-group:/aws/lambda/{ORG_FUNCTION_NAME}"
    assert statements["WriteOwnLogs"]["Resource"][0] == f"{log_group}:*"


def test_org_custom_rule_off(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, custom_rule=False)
    for type_ in (ORG_RULE, FUNCTION, PERMISSION, ROLE_POLICY):
        assert pulumi_mocks.of_type(type_) == [], type_
    assert pulumi_mocks.of_type(PACK)


def test_org_account_id_may_be_an_output(pulumi_mocks: Recorder) -> None:
    def program() -> None:
        account = aws.get_caller_identity_output().account_id
        OrganizationBaseline("org", {"account_id": account, "region": HOME})

    pulumi_mocks.run(program)
    document = json.loads(pulumi_mocks.one(ROLE_POLICY).inputs["policy"])
    assert MOCK_ACCOUNT in json.dumps(document)
