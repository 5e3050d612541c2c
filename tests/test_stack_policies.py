"""The example stacks against the sixteen policies of the `rootguard` pack, in process.

Until the offline engine and `rootguard gate` land (tests/test_gate_dev_stack.py), this
is the check that Pulumi.dev.yaml and Pulumi.org.yaml satisfy the pack: the program runs
under the recording mocks, each registration becomes the `PolicyResource` the engine
would send (inputs, provider, parent, dependencies), and every resource and stack
policy's real `validate` runs over it. Mandatory and advisory alike must stay silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest
import yaml
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy
from rootguard.components import OrganizationBaseline

from policies.rootguard_policies import ALL_POLICIES
from tests.conftest import MOCK_ACCOUNT, Recorder, Registration
from tests.policies.policykit import options
from tests.test_main_organization import _org_config
from tests.test_main_program import PROJECT, _dev_config, _run_program, _set_config

PROVIDER = "pulumi:providers:aws"


def policy_resources(
    registrations: list[Registration],
) -> tuple[list[PolicyResource], dict[str, PolicyProviderResource | None]]:
    """The registrations as the pack sees them, linked by URN; and each one's provider."""
    providers = {
        reg.urn: PolicyProviderResource(
            reg.type, unknown_checking_proxy(dict(reg.inputs)), reg.urn, reg.name
        )
        for reg in registrations
        if reg.type.startswith("pulumi:providers:")
    }
    by_urn: dict[str, PolicyResource] = {}
    provider_of: dict[str, PolicyProviderResource | None] = {}
    for reg in registrations:
        provider = providers.get(reg.provider.rsplit("::", 1)[0]) if reg.provider else None
        provider_of[reg.urn] = provider
        by_urn[reg.urn] = PolicyResource(
            reg.type,
            unknown_checking_proxy(dict(reg.inputs)),
            reg.urn,
            reg.name,
            options(reg.parent or None),
            provider,
            None,
            [],
            {},
        )
    for reg in registrations:
        resource = by_urn[reg.urn]
        resource.parent = by_urn.get(reg.parent)
        resource.dependencies.extend(by_urn[urn] for urn in reg.dependencies if urn in by_urn)
        for key, urns in reg.property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[urn] for urn in urns if urn in by_urn]
    return list(by_urn.values()), provider_of


def violations(registrations: list[Registration]) -> list[str]:
    """`policy: message` for every violation any of the sixteen policies reports."""
    resources, provider_of = policy_resources(registrations)
    found: list[str] = []
    for policy in ALL_POLICIES:

        def report(message: str, urn: str | None = None, name: str = policy.name) -> None:
            found.append(f"{name}: {message}")

        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                args = ResourceValidationArgs(
                    resource.resource_type,
                    resource.props,
                    resource.urn,
                    resource.name,
                    resource.opts,
                    provider_of[resource.urn],
                    {},
                )
                validate = policy.validate
                validators = validate if isinstance(validate, list) else [validate]
                for validator in validators:
                    validator(args, report)
        else:
            assert isinstance(policy, StackValidationPolicy)
            assert policy.validate is not None
            policy.validate(StackValidationArgs(resources, {}), report)
    return found


def _stack_config(stack: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((PROJECT / f"Pulumi.{stack}.yaml").read_text())[
        "config"
    ]
    return config


def _run(mocks: Recorder, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any]) -> None:
    _run_program(mocks, monkeypatch, config)
    assert len(mocks.registrations) > 20


def test_stack_policies_dev_stack_is_clean(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(pulumi_mocks, monkeypatch, _dev_config())
    assert violations(pulumi_mocks.registrations) == []


def test_stack_policies_org_stack_is_clean(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(pulumi_mocks, monkeypatch, _org_config())
    assert violations(pulumi_mocks.registrations) == []


def test_stack_policies_member_stack_with_execution_role_is_clean(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(pulumi_mocks, monkeypatch, _stack_config("member"))
    roles = pulumi_mocks.of_type("rootguard:execution_role:ExecutionRole")
    assert sorted(role.name for role in roles) == ["prod-execution-role", "staging-execution-role"]
    assert violations(pulumi_mocks.registrations) == []


def _organization_layer_alone() -> None:
    account = aws.get_caller_identity_output().account_id
    OrganizationBaseline("organization", {"account_id": account, "region": "us-east-1"})


@pytest.mark.parametrize(
    ("program", "policies"),
    [(_organization_layer_alone, {"cost-anomaly-alerts-present", "root-activity-alarmed"})],
    ids=["organization-layer-without-own-baseline"],
)
def test_stack_policies_catch_an_incomplete_stack(
    pulumi_mocks: Recorder, program: Callable[[], None], policies: set[str]
) -> None:
    # Why the organization stack baselines its own account too: the layer alone deploys
    # into the management account and leaves it without cost anomaly alerts or a root
    # activity alarm.
    _set_config({"aws:region": "us-east-1"})
    pulumi_mocks.run(program)
    found = violations(pulumi_mocks.registrations)
    assert {message.split(":", 1)[0] for message in found} == policies, found
    assert MOCK_ACCOUNT not in " ".join(found)  # the default account, unnamed
