"""lambda-service-permission-scoped."""

import json

from policykit import PROD, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.lambda_permissions import lambda_service_permission_scoped
from policies.rootguard_policies.tokens import (
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    LAMBDA_FUNCTION,
    LAMBDA_PERMISSION,
    ORG_CUSTOM_RULE,
)

HOME = aws_provider(PROD, "us-east-1")
ASSUME_ANY = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/x"}
ASSUME_IN_ORG = dict(ASSUME_ANY, Condition={"StringEquals": {"aws:ResourceOrgID": "o-abc"}})


def _permission(
    principal: str = "events.amazonaws.com",
    *,
    scope: dict | None = None,
    organization_rule: bool = False,
    role_statements: list | None = None,
    managed: str | None = None,
) -> Stack:
    stack = Stack()
    role = stack.add(IAM_ROLE, "fn-role", {"name": "fn-role"}, provider=HOME)
    if role_statements is not None:
        stack.add(
            IAM_ROLE_POLICY,
            "fn-role-policy",
            {"role": "fn-role", "policy": json.dumps({"Statement": role_statements})},
            provider=HOME,
            prop_deps={"role": [role]},
        )
    if managed is not None:
        stack.add(
            IAM_ROLE_POLICY_ATTACHMENT,
            "fn-role-managed",
            {"role": "fn-role", "policyArn": managed},
            provider=HOME,
            prop_deps={"role": [role]},
        )
    function = stack.add(
        LAMBDA_FUNCTION, "fn", {"name": "fn"}, provider=HOME, prop_deps={"role": [role]}
    )
    stack.add(
        LAMBDA_PERMISSION,
        "invoke",
        {
            "function": "fn",
            "action": "lambda:InvokeFunction",
            "principal": principal,
            **(scope or {}),
        },
        provider=HOME,
        prop_deps={"function": [function]},
    )
    if organization_rule:
        stack.add(
            ORG_CUSTOM_RULE,
            "org-rule",
            {"lambdaFunctionArn": UNKNOWN_STRING},
            provider=HOME,
            prop_deps={"lambdaFunctionArn": [function]},
        )
    return stack


def test_lambda_service_permission_scoped_without_source_fails() -> None:
    reporter = _permission().check(lambda_service_permission_scoped)
    assert reporter.messages == [
        "The lambda.Permission invoke for service principal events.amazonaws.com must set "
        "`sourceAccount` or `sourceArn`; without either, resources of that service in any "
        "AWS account can invoke fn."
    ]


def test_lambda_service_permission_scoped_source_arn_passes() -> None:
    scope = {"sourceArn": "arn:aws:events:us-east-1:111111111111:rule/nightly"}
    assert not _permission(scope=scope).check(lambda_service_permission_scoped).violations


def test_lambda_service_permission_scoped_unknown_source_account_is_set_passes() -> None:
    # Set is set: whatever the value turns out to be, the permission names a source.
    scope = {"sourceAccount": UNKNOWN_STRING}
    assert not _permission(scope=scope).check(lambda_service_permission_scoped).violations


def test_lambda_service_permission_scoped_account_principal_not_judged_passes() -> None:
    assert not _permission("222222222222").check(lambda_service_permission_scoped).violations


def test_lambda_service_permission_scoped_unknown_principal_raises_unknown() -> None:
    reporter, err = _permission(UNKNOWN_STRING).check_preview(lambda_service_permission_scoped)
    assert not reporter.violations
    assert err.props == ["invoke", "principal"]


def test_lambda_service_permission_scoped_org_rule_bounded_role_passes() -> None:
    stack = _permission(
        "config.amazonaws.com", organization_rule=True, role_statements=[ASSUME_IN_ORG]
    )
    assert not stack.check(lambda_service_permission_scoped).violations


def test_lambda_service_permission_scoped_org_rule_unbounded_role_fails() -> None:
    stack = _permission(
        "config.amazonaws.com", organization_rule=True, role_statements=[ASSUME_ANY]
    )
    assert len(stack.check(lambda_service_permission_scoped).violations) == 1


def test_lambda_service_permission_scoped_org_rule_undeclared_managed_policy_fails() -> None:
    stack = _permission(
        "config.amazonaws.com",
        organization_rule=True,
        role_statements=[ASSUME_IN_ORG],
        managed="arn:aws:iam::aws:policy/PowerUserAccess",
    )
    assert len(stack.check(lambda_service_permission_scoped).violations) == 1


def test_lambda_service_permission_scoped_org_rule_basic_execution_role_passes() -> None:
    stack = _permission(
        "config.amazonaws.com",
        organization_rule=True,
        role_statements=[ASSUME_IN_ORG],
        managed="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    assert not stack.check(lambda_service_permission_scoped).violations


def test_lambda_service_permission_scoped_bounded_role_without_org_rule_fails() -> None:
    stack = _permission("config.amazonaws.com", role_statements=[ASSUME_IN_ORG])
    assert len(stack.check(lambda_service_permission_scoped).violations) == 1
