"""RootAccess, alone and inside OrganizationBaseline, under the recording mocks: what is
declared, in the order AWS enforces, and the organization rule's RootCredentialsManaged."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from rootguard.components import OrganizationBaseline, RootAccess
from rootguard.components.root_access import FEATURES

from tests.conftest import MOCK_ACCOUNT, Recorder

ADMIN = "555555555555"
SERVICE_ACCESS = "aws:organizations/awsServiceAccess:AwsServiceAccess"
FEATURES_TYPE = "aws:iam/organizationsFeatures:OrganizationsFeatures"
DELEGATED_ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
ORG_RULE = "aws:cfg/organizationCustomRule:OrganizationCustomRule"


def _declare(mocks: Recorder, **args: Any) -> None:
    mocks.run(lambda: RootAccess("root-access", args))  # type: ignore[arg-type]


def test_root_access_features_are_both_and_botocore_knows_them(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    features = pulumi_mocks.one(FEATURES_TYPE)
    assert features.inputs["enabledFeatures"] == ["RootCredentialsManagement", "RootSessions"]
    model = botocore.session.get_session().get_service_model("iam")
    assert set(FEATURES) == set(model.shape_for("FeaturesListType").member.enum)


def test_root_access_features_wait_for_iam_trusted_access(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks)
    access = pulumi_mocks.one(SERVICE_ACCESS)
    assert access.inputs["servicePrincipal"] == "iam.amazonaws.com"
    assert access.urn in pulumi_mocks.one(FEATURES_TYPE).dependencies
    assert pulumi_mocks.of_type(DELEGATED_ADMIN) == []


def test_root_access_without_trusted_access_declares_none(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, trusted_access=False)
    assert pulumi_mocks.of_type(SERVICE_ACCESS) == []
    assert pulumi_mocks.one(FEATURES_TYPE).dependencies == []


def test_root_access_delegated_admin_after_access_and_features(pulumi_mocks: Recorder) -> None:
    _declare(pulumi_mocks, delegated_admin_account_id=ADMIN)
    admin = pulumi_mocks.one(DELEGATED_ADMIN)
    assert admin.inputs == {"accountId": ADMIN, "servicePrincipal": "iam.amazonaws.com"}
    assert set(admin.dependencies) == {
        pulumi_mocks.one(SERVICE_ACCESS).urn,
        pulumi_mocks.one(FEATURES_TYPE).urn,
    }


def test_root_access_bad_delegated_admin_rejected_before_registering(
    pulumi_mocks: Recorder,
) -> None:
    with pytest.raises(
        ValueError, match="delegated_admin_account_id: '5555' is not valid; expected a 12-digit"
    ):
        RootAccess("root-access", {"delegated_admin_account_id": "5555"})
    assert pulumi_mocks.registrations == []


# --- inside OrganizationBaseline -------------------------------------------------------


def _organization(mocks: Recorder, **extra: Any) -> None:
    args: dict[str, Any] = {"account_id": MOCK_ACCOUNT, "region": "us-east-1", **extra}
    mocks.run(lambda: OrganizationBaseline("org", args))  # type: ignore[arg-type]


def test_org_root_access_sets_rule_parameter_and_orders_the_rule(pulumi_mocks: Recorder) -> None:
    _organization(pulumi_mocks, root_access={})
    rule = pulumi_mocks.one(ORG_RULE)
    assert json.loads(rule.inputs["inputParameters"])["RootCredentialsManaged"] == "true"
    assert pulumi_mocks.one(FEATURES_TYPE).urn in rule.dependencies
    component = pulumi_mocks.one("rootguard:root_access:RootAccess")
    assert (
        component.parent
        == pulumi_mocks.one("rootguard:organization_baseline:OrganizationBaseline").urn
    )


def test_org_without_root_access_rule_parameter_absent(pulumi_mocks: Recorder) -> None:
    _organization(pulumi_mocks)
    assert pulumi_mocks.of_type(FEATURES_TYPE) == []
    parameters = json.loads(pulumi_mocks.one(ORG_RULE).inputs["inputParameters"])
    assert "RootCredentialsManaged" not in parameters


def test_org_root_access_only_from_management(pulumi_mocks: Recorder) -> None:
    with pytest.raises(ValueError, match="root_access is for the management role only"):
        OrganizationBaseline(
            "org",
            {
                "account_id": MOCK_ACCOUNT,
                "region": "us-east-1",
                "role": "delegatedAdmin",
                "root_access": {},
            },
        )
    assert pulumi_mocks.registrations == []
