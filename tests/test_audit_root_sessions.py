"""The root-session pieces of `rootguard audit`, unit by unit: the regional STS endpoint,
the AssumeRoot request (botocore Stubber: checked against the STS model), the MFA kinds,
the verdicts, the feature check and the command-line options."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from rootguard.audit import runner
from rootguard.audit.checks import Account, MfaType, Status
from rootguard.audit.root_sessions import (
    AUDIT_TASK_POLICY,
    DELETE_TASK_POLICY,
    ROOT_SESSION_SECONDS,
    RootCredentials,
    RootSessionRefused,
    assume_root,
    centralized_root_access,
    classify_root,
    mfa_kind,
    root_sts_client,
)
from rootguard.errors import UsageError

MEMBER = Account("111111111111", "prod", "ACTIVE")
ROOT_CREDENTIALS = {
    "Credentials": {
        "AccessKeyId": "ASIAROOTEXAMPLE00001",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": datetime(2030, 1, 1, tzinfo=timezone.utc),
    }
}


def _session() -> botocore.session.Session:
    session = botocore.session.Session()
    session.set_credentials("testing", "testing")
    return session


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_root_sts_client_regional_even_when_told_legacy(
    monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    # With `legacy`, botocore sends us-east-1 calls to the global sts.amazonaws.com,
    # which AssumeRoot refuses.
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    legacy = _session().create_client("sts", region_name="us-east-1")
    assert legacy.meta.endpoint_url == "https://sts.amazonaws.com"  # the premise
    client = root_sts_client(_session(), region, runner._client_config(_options()))
    assert client.meta.endpoint_url == f"https://sts.{region}.amazonaws.com"


def test_assume_root_request_matches_the_sts_model() -> None:
    sts = _session().create_client("sts", region_name="eu-west-1")
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_root",
            ROOT_CREDENTIALS,
            {
                "TargetPrincipal": MEMBER.id,
                "TaskPolicyArn": {"arn": AUDIT_TASK_POLICY},
                "DurationSeconds": 900,
            },
        )
        credentials = assume_root(sts, MEMBER.id, AUDIT_TASK_POLICY)
        stub.assert_no_pending_responses()
    assert credentials.access_key == "ASIAROOTEXAMPLE00001"
    model = sts.meta.service_model.shape_for("RootDurationSecondsType")
    assert model.metadata["max"] == ROOT_SESSION_SECONDS == 900


def test_assume_root_refused_is_a_typed_error() -> None:
    sts = _session().create_client("sts", region_name="eu-west-1")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_root", "AccessDenied", "not authorized", 403)
        with pytest.raises(RootSessionRefused, match=r"^root session refused: AccessDenied on"):
            assume_root(sts, MEMBER.id, AUDIT_TASK_POLICY)


def test_task_policies_are_the_aws_managed_root_task_arns() -> None:
    assert AUDIT_TASK_POLICY == "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    assert DELETE_TASK_POLICY == "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"


@pytest.mark.parametrize(
    ("serial", "kind"),
    [
        ("arn:aws:iam::111111111111:mfa/root-account-mfa-device", "virtual"),
        ("arn:aws:iam::111111111111:u2f/root/key-ABCDEFGHIJKLMNOP", "passkey"),
        ("GAHT12345678", "hardware"),
        ("arn:aws-us-gov:iam::111111111111:mfa/x", "virtual"),
    ],
)
def test_mfa_kind_from_serial_number(serial: str, kind: str) -> None:
    assert mfa_kind(serial) == kind


def test_classify_no_credentials_managed_is_centrally_managed() -> None:
    result = classify_root(MEMBER, RootCredentials(password=False), managed=True)
    assert (result.status, result.findings, result.mfa_devices) == (
        Status.CENTRALLY_MANAGED,
        (),
        0,
    )


def test_classify_no_credentials_recoverable_is_non_compliant() -> None:
    result = classify_root(MEMBER, RootCredentials(password=False), managed=False)
    assert result.status is Status.NON_COMPLIANT
    assert result.findings[0].startswith("Recoverable, no MFA:")


def test_classify_signing_certificate_is_non_compliant() -> None:
    found = RootCredentials(password=False, signing_certificates=("CERT1",), mfa_devices=("T1",))
    result = classify_root(MEMBER, found, managed=True)
    assert result.status is Status.NON_COMPLIANT
    assert "Root has 1 signing certificate." in result.findings
    assert result.signing_certificates is True


def test_classify_two_virtual_devices_virtual_no_single_device_finding() -> None:
    found = RootCredentials(
        password=True,
        mfa_devices=("arn:aws:iam::1:mfa/a", "arn:aws:iam::1:mfa/b"),
    )
    result = classify_root(MEMBER, found, managed=True)
    assert (result.status, result.mfa_type) == (Status.COMPLIANT, MfaType.VIRTUAL)
    assert not any("one MFA device" in finding for finding in result.findings)


def test_plan_deletes_password_first_and_mfa_last() -> None:
    found = RootCredentials(
        password=True, access_keys=("AK",), signing_certificates=("C",), mfa_devices=("M",)
    )
    assert [item["type"] for item in found.plan()] == [
        "loginProfile",
        "accessKey",
        "signingCertificate",
        "mfaDevice",
    ]


def test_centralized_root_access_reads_the_features() -> None:
    iam = _session().create_client("iam", region_name="us-east-1")
    with Stubber(iam) as stub:
        stub.add_response(
            "list_organizations_features",
            {"OrganizationId": "o-abcdefghij", "EnabledFeatures": ["RootCredentialsManagement"]},
            {},
        )
        assert centralized_root_access(iam) == (True, "")
        stub.add_client_error(
            "list_organizations_features", "ServiceAccessNotEnabledException", "off", 400
        )
        enabled, reason = centralized_root_access(iam)
    assert not enabled
    assert reason.startswith("cannot read the organization's root access features (AWS error: ")


def _options(**overrides: Any) -> runner.AuditOptions:
    values: dict[str, Any] = {
        "role_name": "OrganizationAccountAccessRole",
        "external_id": None,
        "concurrency": 16,
        "timeout": 60.0,
        "format": "json",
        "aggregator": None,
        "config_rules": (),
    }
    values.update(overrides)
    return runner.AuditOptions(**values)


def _args(**overrides: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    namespace = parser.parse_args([])
    for key, value in overrides.items():
        setattr(namespace, key, value)
    return namespace


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"root_sessions": True, "from_aggregator": "org"},
            "--root-sessions: not with --from-aggregator",
        ),
        ({"by_ou": True}, "--by-ou: counts per OU go in the HTML report; expected --html FILE"),
        ({"html": "/no/such/folder/report.html"}, "--html: '/no/such/folder/report.html' is not"),
    ],
)
def test_audit_root_session_options_one_line(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as err:
        runner.parse_options(_args(**overrides))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
