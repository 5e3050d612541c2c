"""Real pulumi_policy argument objects for direct validator tests.

Properties are wrapped with pulumi_policy's own `unknown_checking_proxy`, exactly as the
pack does before calling a validator, so reading an unknown raises as it would there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

STACK, PROJECT = "dev", "guarded"
UNKNOWN_STRING = UNKNOWN_STRING_VALUE
UNKNOWN_BOOL = UNKNOWN_BOOLEAN_VALUE
UNKNOWN_ARRAY = UNKNOWN_ARRAY_VALUE
UNKNOWN_OBJECT = UNKNOWN_OBJECT_VALUE

PROD, STAGING = "111111111111", "222222222222"


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def options(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=parent,
    )


def aws_provider(
    account: str | None = PROD,
    region: str | None = "us-east-1",
    *,
    style: str = "v7-json",
    name: str | None = None,
    props: Mapping[str, Any] | None = None,
) -> PolicyProviderResource:
    """An aws provider as the engine sends it.

    style: "v7-json" (assumeRoles JSON-encoded, snake_case inside, as pulumi-aws sends
    it), "v7" (decoded, camelCase), "v6" (assumeRole, JSON-encoded), "allowed" (only
    allowedAccountIds), "none" (neither).
    """
    inputs: dict[str, Any] = {} if region is None else {"region": region}
    arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    if style == "v7-json":
        inputs["assumeRoles"] = json.dumps([{"role_arn": arn}])
        inputs["allowedAccountIds"] = json.dumps([account])
    elif style == "v7":
        inputs["assumeRoles"] = [{"roleArn": arn}]
        inputs["allowedAccountIds"] = [account]
    elif style == "v6":
        inputs["assumeRole"] = json.dumps({"role_arn": arn})
    elif style == "allowed":
        inputs["allowedAccountIds"] = json.dumps([account])
    inputs.update(props or {})
    name = name or f"aws-{account}"
    return PolicyProviderResource(
        "pulumi:providers:aws",
        unknown_checking_proxy(inputs),
        urn("pulumi:providers:aws", name),
        name,
    )


class Reporter:
    """A list-collecting `report_violation`."""

    def __init__(self) -> None:
        self.violations: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.violations.append((message, urn))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.violations]

    @property
    def urns(self) -> list[str | None]:
        return [urn for _, urn in self.violations]


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "subject",
    provider: PolicyProviderResource | None = None,
    config: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(dict(props)),
        urn(resource_type, name),
        name,
        options(),
        provider,
        dict(config) if config is not None else None,
    )


def check_resource(
    policy: Policy, resource_type: str, props: Mapping[str, Any], **kwargs: Any
) -> Reporter:
    """Run a resource policy's real `validate` on one resource; returns the reporter."""
    assert isinstance(policy, ResourceValidationPolicy)
    reporter = Reporter()
    policy.validate(resource_args(resource_type, props, **kwargs), reporter)
    return reporter


def check_resource_preview(
    policy: Policy, resource_type: str, props: Mapping[str, Any], **kwargs: Any
) -> tuple[Reporter, UnknownValueError]:
    """Like `check_resource`, for a preview: the policy must raise UnknownValueError
    (which the pack reports as advisory); returns what was reported before and the error."""
    assert isinstance(policy, ResourceValidationPolicy)
    reporter = Reporter()
    with pytest.raises(UnknownValueError) as err:
        policy.validate(resource_args(resource_type, props, **kwargs), reporter)
    return reporter, err.value


class Stack:
    """Builds a stack's `PolicyResource`s linked the way the pack links them."""

    def __init__(self) -> None:
        self.resources: list[PolicyResource] = []

    def add(
        self,
        resource_type: str,
        name: str,
        props: Mapping[str, Any] | None = None,
        *,
        provider: PolicyProviderResource | None = None,
        depends_on: Sequence[PolicyResource] = (),
        prop_deps: Mapping[str, Sequence[PolicyResource]] | None = None,
        parent: PolicyResource | None = None,
    ) -> PolicyResource:
        resource = PolicyResource(
            resource_type,
            unknown_checking_proxy(dict(props or {})),
            urn(resource_type, name),
            name,
            options(parent.urn if parent else None),
            provider,
            parent,
            list(depends_on),
            {key: list(deps) for key, deps in (prop_deps or {}).items()},
        )
        self.resources.append(resource)
        return resource

    def check(self, policy: Policy, config: Mapping[str, Any] | None = None) -> Reporter:
        """Run a stack policy's real `validate` over the stack; returns the reporter."""
        assert isinstance(policy, StackValidationPolicy)
        reporter = Reporter()
        policy.validate(
            StackValidationArgs(self.resources, dict(config) if config else None), reporter
        )
        return reporter

    def check_preview(
        self, policy: Policy, config: Mapping[str, Any] | None = None
    ) -> tuple[Reporter, UnknownValueError]:
        """Like `check`, for a preview: the policy must raise UnknownValueError (the pack
        reports it as advisory); returns what was reported before it and the error."""
        assert isinstance(policy, StackValidationPolicy)
        reporter = Reporter()
        with pytest.raises(UnknownValueError) as err:
            policy.validate(
                StackValidationArgs(self.resources, dict(config) if config else None), reporter
            )
        return reporter, err.value
