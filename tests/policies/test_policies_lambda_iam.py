"""lambda-runtime-supported, iam-no-admin-wildcards."""

import json

import pytest
from policykit import UNKNOWN_STRING, check_resource, check_resource_preview
from pulumi_policy.policy import _NotApplicableError

from policies.rootguard_policies.lambda_iam import (
    SUPPORTED_RUNTIMES,
    iam_no_admin_wildcards,
    lambda_runtime_supported,
)
from policies.rootguard_policies.tokens import (
    IAM_GROUP_POLICY,
    IAM_GROUP_POLICY_ATTACHMENT,
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    IAM_USER_POLICY,
    IAM_USER_POLICY_ATTACHMENT,
    LAMBDA_FUNCTION,
)

ADMIN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
READ_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:GetAccountSummary"], "Resource": "*"}],
    }
)


# --- lambda-runtime-supported


@pytest.mark.parametrize("runtime", SUPPORTED_RUNTIMES)
def test_lambda_runtime_supported_default_list_passes(runtime: str) -> None:
    props = {"runtime": runtime, "handler": "index.handler"}
    assert not check_resource(lambda_runtime_supported, LAMBDA_FUNCTION, props).violations


@pytest.mark.parametrize("runtime", ["python3.9", "python3.11", "nodejs18.x", "java17"])
def test_lambda_runtime_supported_outdated_or_other_fails(runtime: str) -> None:
    reporter = check_resource(lambda_runtime_supported, LAMBDA_FUNCTION, {"runtime": runtime})
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith("The Lambda function must use a supported runtime")
    assert f"`{runtime}`" in reporter.messages[0]


def test_lambda_runtime_supported_missing_runtime_fails() -> None:
    reporter = check_resource(lambda_runtime_supported, LAMBDA_FUNCTION, {"packageType": "Zip"})
    assert "uses no runtime" in reporter.messages[0]


def test_lambda_runtime_supported_allowed_runtimes_config_passes() -> None:
    config = {"allowedRuntimes": ["java21"]}
    props = {"runtime": "java21"}
    assert not check_resource(
        lambda_runtime_supported, LAMBDA_FUNCTION, props, config=config
    ).violations


def test_lambda_runtime_supported_allowed_runtimes_config_narrows_fails() -> None:
    config = {"allowedRuntimes": ["python3.13"]}
    props = {"runtime": "python3.12"}
    assert check_resource(
        lambda_runtime_supported, LAMBDA_FUNCTION, props, config=config
    ).violations


def test_lambda_runtime_supported_image_function_not_applicable() -> None:
    with pytest.raises(_NotApplicableError) as err:
        check_resource(lambda_runtime_supported, LAMBDA_FUNCTION, {"packageType": "Image"})
    assert "Image functions" in err.value.reason


# class 4: an unknown value defers only when it could change the verdict


def test_lambda_runtime_supported_unknown_package_type_supported_runtime_passes() -> None:
    props = {"runtime": "python3.13", "packageType": UNKNOWN_STRING}
    assert not check_resource(lambda_runtime_supported, LAMBDA_FUNCTION, props).violations


def test_lambda_runtime_supported_unknown_package_type_old_runtime_raises_unknown() -> None:
    # An Image function would make the runtime irrelevant: not decidable yet.
    props = {"runtime": "python3.9", "packageType": UNKNOWN_STRING}
    reporter, err = check_resource_preview(lambda_runtime_supported, LAMBDA_FUNCTION, props)
    assert not reporter.violations
    assert err.props == ["packageType"]


def test_lambda_runtime_supported_unknown_runtime_raises_unknown() -> None:
    reporter, err = check_resource_preview(
        lambda_runtime_supported, LAMBDA_FUNCTION, {"runtime": UNKNOWN_STRING}
    )
    assert not reporter.violations
    assert err.props == ["runtime"]


# --- iam-no-admin-wildcards


@pytest.mark.parametrize("token", [IAM_POLICY, IAM_ROLE_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY])
def test_iam_no_admin_wildcards_policy_document_fails(token: str) -> None:
    reporter = check_resource(iam_no_admin_wildcards, token, {"policy": ADMIN})
    assert reporter.messages == [
        "The IAM policy document in `policy` must not grant administrator access (action "
        "`*` on resource `*`); grant the actions the principal needs, and keep "
        "administrator access to a break-glass role outside the stack."
    ]


def test_iam_no_admin_wildcards_scoped_policy_passes() -> None:
    assert not check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": READ_ONLY}).violations


def test_iam_no_admin_wildcards_star_action_on_one_resource_passes() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]}
    assert not check_resource(
        iam_no_admin_wildcards, IAM_POLICY, {"policy": json.dumps(doc)}
    ).violations


def test_iam_no_admin_wildcards_deny_star_passes() -> None:
    doc = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert not check_resource(
        iam_no_admin_wildcards, IAM_POLICY, {"policy": json.dumps(doc)}
    ).violations


def test_iam_no_admin_wildcards_list_with_star_fails() -> None:
    doc = {"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}}
    assert check_resource(
        iam_no_admin_wildcards, IAM_POLICY, {"policy": json.dumps(doc)}
    ).violations


def test_iam_no_admin_wildcards_role_inline_policy_fails() -> None:
    props = {
        "assumeRolePolicy": READ_ONLY,
        "inlinePolicies": [{"name": "ok", "policy": READ_ONLY}, {"name": "admin", "policy": ADMIN}],
    }
    reporter = check_resource(iam_no_admin_wildcards, IAM_ROLE, props)
    assert len(reporter.violations) == 1
    assert "`inlinePolicies.1.policy`" in reporter.messages[0]


def test_iam_no_admin_wildcards_role_without_inline_policy_passes() -> None:
    assert not check_resource(
        iam_no_admin_wildcards, IAM_ROLE, {"assumeRolePolicy": ADMIN}
    ).violations


def test_iam_no_admin_wildcards_unknown_document_raises_unknown() -> None:
    reporter, err = check_resource_preview(
        iam_no_admin_wildcards, IAM_ROLE_POLICY, {"policy": UNKNOWN_STRING}
    )
    assert not reporter.violations
    assert err.props == ["policy"]


def test_iam_no_admin_wildcards_known_admin_reported_before_unknown_fails() -> None:
    props = {"inlinePolicies": [{"policy": ADMIN}, {"policy": UNKNOWN_STRING}]}
    reporter, _ = check_resource_preview(iam_no_admin_wildcards, IAM_ROLE, props)
    assert len(reporter.violations) == 1


# --- class 7: administrator access written other ways


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_iam_no_admin_wildcards_not_action_small_exclusion_fails() -> None:
    doc = _doc({"Effect": "Allow", "NotAction": ["s3:DeleteBucket"], "Resource": "*"})
    reporter = check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc})
    assert len(reporter.violations) == 1
    assert "`NotAction` on resource `*`" in reporter.messages[0]


def test_iam_no_admin_wildcards_not_action_without_iam_like_power_user_passes() -> None:
    # AWS's PowerUserAccess: everything but IAM, Organizations and Account management.
    doc = _doc(
        {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        }
    )
    assert not check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc}).violations


def test_iam_no_admin_wildcards_not_action_on_one_resource_passes() -> None:
    doc = _doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"})
    assert not check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc}).violations


def test_iam_no_admin_wildcards_deny_not_action_passes() -> None:
    doc = _doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
    assert not check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc}).violations


def test_iam_no_admin_wildcards_star_with_not_resource_fails() -> None:
    doc = _doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"})
    reporter = check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc})
    assert "every resource but those in `NotResource`" in reporter.messages[0]


def test_iam_no_admin_wildcards_document_given_as_object_fails() -> None:
    # pulumi-aws accepts policy=PolicyDocumentArgs / a dict: inputs arrive as objects.
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    assert check_resource(iam_no_admin_wildcards, IAM_POLICY, {"policy": doc}).violations


ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize(
    ("token", "props"),
    [
        (IAM_ROLE_POLICY_ATTACHMENT, {"role": "app", "policyArn": ADMINISTRATOR_ACCESS}),
        (IAM_USER_POLICY_ATTACHMENT, {"user": "ops", "policyArn": ADMINISTRATOR_ACCESS}),
        (IAM_GROUP_POLICY_ATTACHMENT, {"group": "ops", "policyArn": ADMINISTRATOR_ACCESS}),
        (IAM_POLICY_ATTACHMENT, {"roles": ["app"], "policyArn": ADMINISTRATOR_ACCESS}),
        (IAM_ROLE, {"assumeRolePolicy": READ_ONLY, "managedPolicyArns": [ADMINISTRATOR_ACCESS]}),
        (
            IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
            {
                "roleName": "app",
                "policyArns": [ADMINISTRATOR_ACCESS.replace(":aws:", ":aws-us-gov:", 1)],
            },
        ),
    ],
    ids=[
        "role-attachment",
        "user-attachment",
        "group-attachment",
        "policy-attachment",
        "managed-policy-arns",
        "exclusive-attachments-gov",
    ],
)
def test_iam_no_admin_wildcards_administrator_access_attached_fails(
    token: str, props: dict
) -> None:
    reporter = check_resource(iam_no_admin_wildcards, token, props)
    assert len(reporter.violations) == 1
    assert "must not attach AWS's AdministratorAccess" in reporter.messages[0]


def test_iam_no_admin_wildcards_other_managed_policy_attached_passes() -> None:
    props = {"role": "app", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    assert not check_resource(iam_no_admin_wildcards, IAM_ROLE_POLICY_ATTACHMENT, props).violations


def test_iam_no_admin_wildcards_unknown_policy_arn_raises_unknown() -> None:
    props = {"role": "app", "policyArn": UNKNOWN_STRING}
    reporter, err = check_resource_preview(
        iam_no_admin_wildcards, IAM_ROLE_POLICY_ATTACHMENT, props
    )
    assert not reporter.violations
    assert err.props == ["policyArn"]
