"""The stack program with `rootguard:organization` (Pulumi.org.yaml): the organization
layer on the default provider, next to the baseline of the stack's own account."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml

from tests.conftest import MOCK_ACCOUNT, Recorder
from tests.test_main_program import PROJECT, PROVIDER, _dev_config, _run_program

PACK = "aws:cfg/organizationConformancePack:OrganizationConformancePack"
ORG_RULE = "aws:cfg/organizationCustomRule:OrganizationCustomRule"
AGGREGATOR = "aws:cfg/configurationAggregator:ConfigurationAggregator"
DELEGATED_ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
RECORDER = "aws:cfg/recorder:Recorder"


def _org_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((PROJECT / "Pulumi.org.yaml").read_text())["config"]
    return config


def test_main_org_stack_declares_the_organization_layer(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _org_config()
    _run_program(pulumi_mocks, monkeypatch, config)
    organization = pulumi_mocks.one("rootguard:organization_baseline:OrganizationBaseline")
    assert organization.name == "organization"
    assert pulumi_mocks.of_type(PROVIDER) == []  # everything on the default provider

    pack = pulumi_mocks.one(PACK)
    assert "ROOT_ACCOUNT_MFA_ENABLED" in pack.inputs["templateBody"]
    assert pack.inputs["excludedAccounts"] == ["666666666666"]
    assert pack.inputs["deliveryS3Bucket"] == "awsconfigconforms-rootguard-example"

    aggregator = pulumi_mocks.one(AGGREGATOR)
    role = pulumi_mocks.by_name("organization-aggregator-role")
    assert role.urn in aggregator.property_dependencies["organizationAggregationSource"]

    registrations = pulumi_mocks.of_type(DELEGATED_ADMIN)
    assert {r.inputs["accountId"] for r in registrations} == {"555555555555"}
    assert len(registrations) == 3  # Config's two services, and IAM (rootAccess)

    rule = pulumi_mocks.one(ORG_RULE)
    permission = pulumi_mocks.by_name("organization-rule-invoke")
    assert permission.urn in rule.dependencies
    assert (
        json.loads(rule.inputs["inputParameters"])["ExecutionRoleName"]
        == (config["rootguard:organization"]["executionRoleName"])
    )
    for reg in (pack, aggregator, rule, permission):
        assert reg.inputs["region"] == config["rootguard:homeRegion"]


def test_main_org_stack_baselines_its_own_account_first(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_program(pulumi_mocks, monkeypatch, _org_config())
    baseline = pulumi_mocks.one("rootguard:account_baseline:AccountBaseline")
    assert baseline.name == "self"
    (home,) = [r for r in pulumi_mocks.of_type(RECORDER) if r.inputs["region"] == "us-east-1"]
    assert home.urn in pulumi_mocks.one(PACK).dependencies
    assert home.urn in pulumi_mocks.one(ORG_RULE).dependencies
    bucket = pulumi_mocks.by_name("self-config-bucket")
    assert bucket.inputs["bucket"] == f"rootguard-config-{MOCK_ACCOUNT}-us-east-1"


def test_main_org_with_listed_accounts_waits_for_every_home_recorder(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _dev_config()
    config["rootguard:organization"] = {"role": "delegatedAdmin", "aggregator": False}
    _run_program(pulumi_mocks, monkeypatch, config)
    baselines = pulumi_mocks.of_type("rootguard:account_baseline:AccountBaseline")
    assert sorted(b.name for b in baselines) == ["prod", "sandbox", "self", "staging"]
    homes = {r.urn for r in pulumi_mocks.of_type(RECORDER) if r.inputs["region"] == "us-east-1"}
    assert len(homes) == 4
    assert homes <= set(pulumi_mocks.one(PACK).dependencies)
    assert homes <= set(pulumi_mocks.one(ORG_RULE).dependencies)
    assert pulumi_mocks.of_type(DELEGATED_ADMIN) == []
    assert pulumi_mocks.of_type(AGGREGATOR) == []


def test_main_org_config_error_is_one_line_run_error(
    pulumi_mocks: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _org_config()
    config["rootguard:organization"]["conformancePack"]["deliveryBucket"] = "rootguard-results"
    with pytest.raises(pulumi.RunError) as exc:
        _run_program(pulumi_mocks, monkeypatch, config)
    assert str(exc.value).startswith(
        "rootguard:organization.conformancePack.deliveryBucket: 'rootguard-results' is not valid"
    )
    assert "\n" not in str(exc.value)
    assert pulumi_mocks.registrations == []
