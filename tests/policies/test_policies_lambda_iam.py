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
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_USER_POLICY,
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
        "The IAM policy document in `policy` must not allow action `*` on resource `*`; grant "
        "the actions the principal needs, and keep administrator access to a break-glass "
        "role outside the stack."
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
