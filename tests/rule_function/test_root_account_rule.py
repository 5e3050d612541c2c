"""The root-account rule, scenario by scenario (numbers from the handler's docstring).

Requests go through real botocore clients: the Stubber checks every request against the
IAM/Config/STS service models, moto serves the calls it implements. Evaluations are
checked against the PutEvaluations model."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from moto.iam.models import iam_backends

from .conftest import (
    ACCOUNT,
    MEMBER,
    NOTIFICATION_TIME,
    REGION,
    FakeContext,
    StubbedClients,
    scheduled_event,
)

Check = Callable[[list[dict[str, Any]]], None]
WHEN = datetime(2025, 3, 10, 6, 0, 0, 123000, tzinfo=timezone.utc)
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
REPORT_COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]


# --- helpers ---------------------------------------------------------------------


def periodic(rule: ModuleType, account_id: str = ACCOUNT) -> Any:
    return rule.PeriodicEvent(account_id=account_id, partition="aws", notification_time=WHEN)


def stub_summary(stubs: StubbedClients, *, mfa: int, keys: int) -> None:
    stubs.iam_stub.add_response(
        "get_account_summary",
        {"SummaryMap": {"AccountMFAEnabled": mfa, "AccountAccessKeysPresent": keys}},
        {},
    )


def virtual_device(user_arn: str, serial: str = "root-account-mfa-device") -> dict[str, Any]:
    return {
        "SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/{serial}",
        "User": {
            "Path": "/",
            "UserName": "root" if user_arn.endswith(":root") else "alice",
            "UserId": "AIDAROOTEXAMPLE01" if user_arn.endswith(":root") else "AIDAALICEEXAMPLE1",
            "Arn": user_arn,
            "CreateDate": datetime(2020, 1, 1, tzinfo=timezone.utc),
        },
        "EnableDate": datetime(2020, 1, 2, tzinfo=timezone.utc),
    }


def stub_virtual_devices(stubs: StubbedClients, devices: list[dict[str, Any]]) -> None:
    stubs.iam_stub.add_response(
        "list_virtual_mfa_devices",
        {"VirtualMFADevices": devices, "IsTruncated": False},
        {"AssignmentStatus": "Assigned", "MaxItems": 1000},
    )


def root_row(**overrides: str) -> dict[str, str]:
    row = dict.fromkeys(REPORT_COLUMNS, "N/A")
    row.update(
        user="<root_account>",
        arn=ROOT_ARN,
        user_creation_time="2020-01-01T00:00:00+00:00",
        password_enabled="not_supported",
        password_last_used="2024-01-01T00:00:00+00:00",
        mfa_active="true",
        access_key_1_active="false",
        access_key_2_active="false",
        cert_1_active="false",
        cert_2_active="false",
    )
    row.update(overrides)
    return row


def report_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def stub_report(stubs: StubbedClients, rows: list[dict[str, str]]) -> None:
    stubs.iam_stub.add_response("generate_credential_report", {"State": "COMPLETE"}, {})
    stubs.iam_stub.add_response(
        "get_credential_report",
        {
            "Content": report_bytes(rows),
            "ReportFormat": "text/csv",
            "GeneratedTime": datetime(2025, 3, 10, tzinfo=timezone.utc),
        },
        {},
    )


def evaluate(rule: ModuleType, stubs: StubbedClients, **params: Any) -> dict[str, Any]:
    """Run the pure evaluation; exactly one evaluation about the account is expected."""
    evaluations = rule.evaluate_periodic(
        stubs.clients(), periodic(rule), rule.RuleParameters(**params), sleep=no_sleep
    )
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    assert evaluation["ComplianceResourceType"] == "AWS::::Account"
    assert evaluation["ComplianceResourceId"] == ACCOUNT
    assert evaluation["OrderingTimestamp"] == WHEN
    return dict(evaluation)


def no_sleep(seconds: float) -> None:
    pass


class Clock:
    """A monotonic clock the test moves: each call returns the next reading."""

    def __init__(self, *readings: float) -> None:
        self.readings: Iterator[float] = iter(readings)

    def __call__(self) -> float:
        return next(self.readings)


# --- Scenario 1: other message types ----------------------------------------------


@pytest.mark.parametrize(
    "message_type",
    [
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ConfigurationSnapshotDeliveryCompleted",
    ],
)
def test_scenario_1_other_message_type_no_evaluation_no_error(
    rule: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    message_type: str,
) -> None:
    monkeypatch.setattr(rule, "clients_for", _must_not_be_called)
    with caplog.at_level(logging.INFO):
        result = rule.lambda_handler(scheduled_event(message_type=message_type), FakeContext())
    assert result == {"evaluations": []}
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert message_type in caplog.records[0].getMessage()


# --- Scenario 2: no MFA -----------------------------------------------------------


def test_scenario_2_no_mfa_non_compliant(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(stubbed, [root_row(mfa_active="false")])  # password: not_supported
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"] == "The root user has no MFA."
    assert_valid_evaluations([evaluation])


def test_scenario_2_no_mfa_with_password_enabled_non_compliant(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(stubbed, [root_row(mfa_active="false", password_enabled="true")])
    assert evaluate(rule, stubbed)["ComplianceType"] == "NON_COMPLIANT"


# --- Scenario 3: root access keys --------------------------------------------------


def test_scenario_3_root_access_keys_non_compliant(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=1, keys=1)
    stub_virtual_devices(stubbed, [])
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"] == "The root user has access keys."
    assert_valid_evaluations([evaluation])


def test_scenario_3_no_mfa_and_keys_names_both(rule: ModuleType, stubbed: StubbedClients) -> None:
    stub_summary(stubbed, mfa=0, keys=1)  # keys prove credentials: no report needed
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"] == "The root user has no MFA; the root user has access keys."


# --- Scenario 4: virtual MFA when hardware is required -----------------------------


def test_scenario_4_virtual_mfa_hardware_required_non_compliant(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(
        stubbed,
        [virtual_device(f"arn:aws:iam::{ACCOUNT}:user/alice", "alice"), virtual_device(ROOT_ARN)],
    )
    evaluation = evaluate(rule, stubbed, require_hardware_mfa=True)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "virtual device" in evaluation["Annotation"]
    assert_valid_evaluations([evaluation])


# --- Scenario 5: compliant, naming the MFA type ------------------------------------


def test_scenario_5_hardware_mfa_compliant_in_three_calls(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    stubbed.config_stub.add_response(
        "put_evaluations",
        {"FailedEvaluations": []},
        {
            "Evaluations": [
                {
                    "ComplianceResourceType": "AWS::::Account",
                    "ComplianceResourceId": ACCOUNT,
                    "ComplianceType": "COMPLIANT",
                    "Annotation": "The root user has hardware MFA and no access keys.",
                    "OrderingTimestamp": WHEN,
                }
            ],
            "ResultToken": "token-1",
            "TestMode": False,
        },
    )
    evaluations = rule.evaluate_periodic(stubbed.clients(), periodic(rule), rule.RuleParameters())
    sent = rule.send_evaluations(stubbed.config, evaluations, "token-1")
    assert_valid_evaluations(sent)
    # The Stubber fails on any call beyond the three queued ones.


def test_scenario_5_virtual_mfa_compliant_when_hardware_not_required(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [virtual_device(ROOT_ARN)])
    evaluation = evaluate(rule, stubbed, require_hardware_mfa=False)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert evaluation["Annotation"] == "The root user has virtual MFA and no access keys."


def test_scenario_5_device_named_root_but_owned_by_user_is_not_roots(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(
        stubbed, [virtual_device(f"arn:aws:iam::{ACCOUNT}:user/alice", "root-account-mfa-device")]
    )
    evaluation = evaluate(rule, stubbed, require_hardware_mfa=True)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert "hardware MFA" in evaluation["Annotation"]


# --- Scenario 6: recent root use ----------------------------------------------------


@pytest.mark.parametrize(
    ("column", "named"),
    [("password_last_used", "password"), ("access_key_2_last_used_date", "access key 2")],
)
def test_scenario_6_root_used_within_window_non_compliant_with_date(
    rule: ModuleType,
    stubbed: StubbedClients,
    assert_valid_evaluations: Check,
    column: str,
    named: str,
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    stub_report(stubbed, [root_row(**{column: "2025-03-01T09:30:00+00:00"})])
    evaluation = evaluate(rule, stubbed, root_use_window_days=30)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert f"{named} on 2025-03-01 09:30 UTC" in evaluation["Annotation"]
    assert "30 days" in evaluation["Annotation"]
    assert_valid_evaluations([evaluation])


def test_scenario_6_root_used_before_window_compliant(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    stub_report(stubbed, [root_row(password_last_used="2025-01-01T00:00:00+00:00")])
    evaluation = evaluate(rule, stubbed, root_use_window_days=30)
    assert evaluation["ComplianceType"] == "COMPLIANT"


def test_scenario_6_window_off_reads_no_report(rule: ModuleType, stubbed: StubbedClients) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    # No credential report queued: the Stubber fails if the rule asks for one.
    assert evaluate(rule, stubbed, root_use_window_days=0)["ComplianceType"] == "COMPLIANT"


# --- Scenario 7: no credentials at all ---------------------------------------------


def test_scenario_7_no_credentials_not_applicable(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(
        stubbed,
        [root_row(password_enabled="false", mfa_active="false", password_last_used="N/A")],
    )
    evaluation = evaluate(rule, stubbed, root_use_window_days=7, root_credentials_managed=True)
    assert evaluation["ComplianceType"] == "NOT_APPLICABLE"
    assert "managed centrally" in evaluation["Annotation"]
    assert_valid_evaluations([evaluation])


def test_scenario_7_active_certificate_is_a_credential(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(
        stubbed, [root_row(password_enabled="false", mfa_active="false", cert_1_active="true")]
    )
    assert evaluate(rule, stubbed)["ComplianceType"] == "NON_COMPLIANT"


# --- Scenario 14: no credentials, but recoverable -----------------------------------


def test_scenario_14_no_credentials_recoverable_non_compliant(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    # An account created by Organizations starts like this; without root credentials
    # management whoever reads the root mailbox can set a password, and root has no MFA.
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(
        stubbed,
        [root_row(password_enabled="false", mfa_active="false", password_last_used="N/A")],
    )
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Recoverable, no MFA: ")
    assert "centralized root credentials management" in evaluation["Annotation"]
    assert_valid_evaluations([evaluation])


def test_scenario_14_managed_flag_does_not_excuse_missing_mfa_with_password(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(stubbed, [root_row(password_enabled="true", mfa_active="false")])
    evaluation = evaluate(rule, stubbed, root_credentials_managed=True)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"] == "The root user has no MFA."


def test_scenario_14_handler_reads_root_credentials_managed_parameter(rule: ModuleType) -> None:
    assert rule.parse_rule_parameters('{"RootCredentialsManaged": "true"}') == (
        rule.RuleParameters(root_credentials_managed=True)
    )
    with pytest.raises(rule.MalformedEvent, match="RootCredentialsManaged 'yes'"):
        rule.parse_rule_parameters('{"RootCredentialsManaged": "yes"}')


# --- Scenario 8: what could not be read is never COMPLIANT --------------------------


def test_scenario_8_report_not_ready_in_bounded_wait_never_compliant(
    rule: ModuleType, stubbed: StubbedClients, assert_valid_evaluations: Check
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    stubbed.iam_stub.add_response("generate_credential_report", {"State": "STARTED"}, {})
    stubbed.iam_stub.add_response("generate_credential_report", {"State": "INPROGRESS"}, {})
    sleeps: list[float] = []
    evaluations = rule.evaluate_periodic(
        stubbed.clients(),
        periodic(rule),
        rule.RuleParameters(root_use_window_days=30),
        sleep=sleeps.append,
        clock=Clock(0.0, 1.0, rule.REPORT_WAIT_SECONDS + 1),
    )
    assert evaluations[0]["ComplianceType"] == "NON_COMPLIANT"
    assert "could not be verified" in evaluations[0]["Annotation"]
    assert "not ready within 60 s" in evaluations[0]["Annotation"]
    assert sleeps == [rule.REPORT_POLL_SECONDS]
    assert_valid_evaluations(evaluations)


def test_scenario_8_report_without_root_row_never_not_applicable(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=0, keys=0)
    stub_report(stubbed, [])  # moto's report looks like this: no <root_account> row
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "no <root_account> row" in evaluation["Annotation"]
    assert "no MFA" in evaluation["Annotation"]


def test_scenario_8_incomplete_summary_never_compliant(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stubbed.iam_stub.add_response("get_account_summary", {"SummaryMap": {"Users": 3}}, {})
    evaluation = evaluate(rule, stubbed)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"


# --- Scenario 9: throttling and LimitExceeded are retried ---------------------------


def test_scenario_9_limit_exceeded_report_retried(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    stub_summary(stubbed, mfa=1, keys=0)
    stub_virtual_devices(stubbed, [])
    stubbed.iam_stub.add_client_error(
        "generate_credential_report", service_error_code="LimitExceeded", http_status_code=409
    )
    stubbed.iam_stub.add_response("generate_credential_report", {"State": "STARTED"}, {})
    stub_report(stubbed, [root_row()])
    evaluation = evaluate(rule, stubbed, root_use_window_days=30)
    assert evaluation["ComplianceType"] == "COMPLIANT"


def test_scenario_9_throttling_retried_by_adaptive_retries(
    rule: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rule.BOTO_CONFIG.retries["mode"] == "adaptive"
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    iam = session.client("iam", config=rule.BOTO_CONFIG)
    replies = [
        _http(400, _IAM_THROTTLING),
        _http(200, _IAM_SUMMARY.format(mfa=0, keys=1)),
    ]
    iam.meta.events.register(
        "before-send.iam.GetAccountSummary", lambda request, **kwargs: replies.pop(0)
    )
    # Skip the waits (retry back-off, the adaptive rate limiter's pause), not the retry.
    monkeypatch.setattr("botocore.endpoint.time.sleep", no_sleep)
    monkeypatch.setattr("botocore.retries.bucket.TokenBucket._sleep_amount", lambda *a: 0)
    evaluations = rule.evaluate_periodic(
        rule.Clients(iam=iam, config=None), periodic(rule), rule.RuleParameters()
    )
    assert replies == []  # both answers were used: the throttled call was retried
    assert evaluations[0]["ComplianceType"] == "NON_COMPLIANT"


# --- Scenario 10: AccessDenied -----------------------------------------------------


def test_scenario_10_access_denied_one_log_line_no_evaluation(
    rule: ModuleType,
    stubbed: StubbedClients,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stubbed.iam_stub.add_client_error(
        "get_account_summary",
        service_error_code="AccessDenied",
        service_message="not authorized to perform iam:GetAccountSummary",
        http_status_code=403,
    )
    monkeypatch.setattr(rule, "clients_for", lambda session, invocation: stubbed.clients())
    event = scheduled_event(result_token="secret-token-value")
    with caplog.at_level(logging.INFO):
        result = rule.lambda_handler(event, FakeContext())
    assert result == {"evaluations": []}  # and no put_evaluations: none was queued
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelno == logging.ERROR
    assert "access denied on GetAccountSummary" in record.getMessage()
    assert "secret-token-value" not in caplog.text


def test_scenario_10_other_errors_are_raised(
    rule: ModuleType, stubbed: StubbedClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbed.iam_stub.add_client_error("get_account_summary", service_error_code="ServiceFailure")
    monkeypatch.setattr(rule, "clients_for", lambda session, invocation: stubbed.clients())
    with pytest.raises(ClientError):
        rule.lambda_handler(scheduled_event(), FakeContext())


# --- Scenario 11: malformed event or parameter --------------------------------------


def _event_with(**changes: Any) -> dict[str, Any]:
    event = scheduled_event(result_token="secret-token-value")
    for key, value in changes.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return event


@pytest.mark.parametrize(
    ("event", "context", "expected"),
    [
        (["not", "a", "dict"], FakeContext(), "not a JSON object"),
        (_event_with(invokingEvent=None), FakeContext(), "invokingEvent"),
        (_event_with(invokingEvent="{not json"), FakeContext(), "invokingEvent"),
        (_event_with(invokingEvent='{"recordVersion": "1.0"}'), FakeContext(), "messageType"),
        (
            _event_with(
                invokingEvent='{"messageType": "ScheduledNotification", '
                '"notificationCreationTime": "yesterday"}'
            ),
            FakeContext(),
            "notificationCreationTime",
        ),
        (_event_with(accountId="12345"), FakeContext(), "accountId"),
        (_event_with(resultToken=None), FakeContext(), "resultToken"),
        (_event_with(ruleParameters="[1, 2]"), FakeContext(), "ruleParameters"),
        (
            _event_with(ruleParameters='{"RequireHardwareMfa": "yes"}'),
            FakeContext(),
            "RequireHardwareMfa",
        ),
        (
            _event_with(ruleParameters='{"RootUseWindowDays": "-1"}'),
            FakeContext(),
            "RootUseWindowDays",
        ),
        (
            _event_with(ruleParameters='{"ExecutionRoleName": "a/b"}'),
            FakeContext(),
            "ExecutionRoleName",
        ),
        (_event_with(accountId=MEMBER), FakeContext(), "ExecutionRoleName is required"),
        (_event_with(), FakeContext(invoked_function_arn="nope"), "invoked_function_arn"),
    ],
)
def test_scenario_11_malformed_event_one_log_line_no_evaluation(
    rule: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    event: Any,
    context: Any,
    expected: str,
) -> None:
    monkeypatch.setattr(rule, "clients_for", _must_not_be_called)
    with caplog.at_level(logging.INFO):
        result = rule.lambda_handler(event, context)
    assert result == {"evaluations": []}
    assert len(caplog.records) == 1
    assert caplog.records[0].levelno == logging.ERROR
    assert expected in caplog.records[0].getMessage()
    assert "secret-token-value" not in caplog.text


def test_scenario_11_rule_parameters_defaults(rule: ModuleType) -> None:
    assert rule.parse_rule_parameters(None) == rule.RuleParameters(False, 0, None)
    assert rule.parse_rule_parameters(
        '{"RequireHardwareMfa": "TRUE", "RootUseWindowDays": "90", "ExecutionRoleName": "Audit"}'
    ) == rule.RuleParameters(True, 90, "Audit")


# --- Scenario 12: organization rule, another account ---------------------------------


def test_scenario_12_assume_role_request_matches_sts_model(rule: ModuleType) -> None:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    sts = session.client("sts")
    role_arn = f"arn:aws:iam::{MEMBER}:role/RootGuardAudit"
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                    "SecretAccessKey": "secret",
                    "SessionToken": "token",
                    "Expiration": datetime(2030, 1, 1, tzinfo=timezone.utc),
                }
            },
            {"RoleArn": role_arn, "RoleSessionName": rule.SESSION_NAME},
        )
        invocation = rule.parse_invocation(
            scheduled_event(account_id=MEMBER, parameters={"ExecutionRoleName": "RootGuardAudit"}),
            FakeContext(),
        )
        organizations = session.client("organizations")
        with Stubber(organizations) as members:
            members.add_response(
                "describe_account", {"Account": {"Id": MEMBER}}, {"AccountId": MEMBER}
            )
            clients = rule.clients_for(_SessionWith(session, sts, organizations), invocation)
            members.assert_no_pending_responses()
        stub.assert_no_pending_responses()
    assert clients.iam.meta.service_model.service_name == "iam"


def _organization_with_member() -> str:
    """Under mock_aws: an organization of the caller, with one member; its id."""
    organizations = boto3.client("organizations", region_name=REGION)
    organizations.create_organization(FeatureSet="ALL")
    created = organizations.create_account(AccountName="member", Email="member@example.com")
    return str(created["CreateAccountStatus"]["AccountId"])


@pytest.mark.usefixtures("moto_credentials")
def test_scenario_12_member_account_read_with_assumed_role(
    rule: ModuleType, assert_valid_evaluations: Check
) -> None:
    with mock_aws():
        member = _organization_with_member()
        # Only the member's root has MFA: a COMPLIANT result proves the member was read.
        iam_backends[member]["global"].account_summary._account_mfa_enabled = 1
        event = scheduled_event(
            account_id=member,
            parameters={"ExecutionRoleName": "RootGuardAudit"},
            result_token="TESTMODE",
        )
        result = rule.lambda_handler(event, FakeContext())
    assert [e["ComplianceType"] for e in result["evaluations"]] == ["COMPLIANT"]
    assert result["evaluations"][0]["ComplianceResourceId"] == member
    assert result["evaluations"][0]["OrderingTimestamp"] == "2025-03-10T06:00:00.123000+00:00"


# --- Scenario 13: an account outside the organization ------------------------------


def _stranger_event(rule: ModuleType) -> Any:
    return rule.parse_invocation(
        scheduled_event(account_id=MEMBER, parameters={"ExecutionRoleName": "RootGuardAudit"}),
        FakeContext(),
    )


def test_scenario_13_non_member_refused_before_any_role_is_assumed(
    rule: ModuleType, boto_session: boto3.Session
) -> None:
    sts = boto_session.client("sts")
    organizations = boto_session.client("organizations")
    with Stubber(sts), Stubber(organizations) as members:  # no AssumeRole may be made
        members.add_client_error(
            "describe_account",
            service_error_code="AccountNotFoundException",
            service_message="You specified an account that doesn't exist.",
            http_status_code=404,
            expected_params={"AccountId": MEMBER},
        )
        with pytest.raises(rule.NotAMember, match=f"account {MEMBER} is not a member"):
            rule.clients_for(_SessionWith(boto_session, sts, organizations), _stranger_event(rule))
        members.assert_no_pending_responses()


@pytest.mark.usefixtures("moto_credentials")
def test_scenario_13_non_member_one_log_line_no_evaluation(
    rule: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with mock_aws():
        _organization_with_member()  # MEMBER is not the one created
        iam_backends[MEMBER]["global"].account_summary._account_mfa_enabled = 1
        event = scheduled_event(
            account_id=MEMBER,
            parameters={"ExecutionRoleName": "RootGuardAudit"},
            result_token="TESTMODE",
        )
        with caplog.at_level(logging.INFO, logger=rule.LOG.name):
            result = rule.lambda_handler(event, FakeContext())
    assert result == {"evaluations": []}
    records = [r for r in caplog.records if r.name == rule.LOG.name]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert f"account {MEMBER} is not a member of this function's organization" in caplog.text


def test_scenario_13_membership_unverifiable_is_access_denied_no_evaluation(
    rule: ModuleType,
    boto_session: boto3.Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Fails closed: a function that may not ask Organizations evaluates no other account.
    sts = boto_session.client("sts")
    organizations = boto_session.client("organizations")
    session = _SessionWith(boto_session, sts, organizations)
    monkeypatch.setattr(rule, "base_session", lambda: session)
    event = scheduled_event(account_id=MEMBER, parameters={"ExecutionRoleName": "RootGuardAudit"})
    with Stubber(sts), Stubber(organizations) as members:
        members.add_client_error(
            "describe_account", service_error_code="AccessDeniedException", http_status_code=403
        )
        with caplog.at_level(logging.INFO):
            result = rule.lambda_handler(event, FakeContext())
    assert result == {"evaluations": []}
    assert len(caplog.records) == 1
    assert "access denied on DescribeAccount" in caplog.text


# --- the one place that sends -------------------------------------------------------


@pytest.mark.parametrize(("token", "test_mode"), [("token-1", False), ("TESTMODE", True)])
def test_send_evaluations_batches_of_100_clipped_annotations(
    rule: ModuleType,
    stubbed: StubbedClients,
    assert_valid_evaluations: Check,
    token: str,
    test_mode: bool,
) -> None:
    evaluations = [
        rule._evaluation(periodic(rule, f"{n:012d}"), "NON_COMPLIANT", "x" * 300)
        for n in range(250)
    ]
    for start, size in ((0, 100), (100, 100), (200, 50)):
        expected = [
            {**e, "Annotation": "x" * 253 + "..."} for e in evaluations[start : start + size]
        ]
        stubbed.config_stub.add_response(
            "put_evaluations",
            {"FailedEvaluations": []},
            {"Evaluations": expected, "ResultToken": token, "TestMode": test_mode},
        )
    sent = rule.send_evaluations(stubbed.config, evaluations, token)
    for start in range(0, len(sent), 100):
        assert_valid_evaluations(sent[start : start + 100])


def test_send_evaluations_nothing_to_send_makes_no_call(
    rule: ModuleType, stubbed: StubbedClients
) -> None:
    assert rule.send_evaluations(stubbed.config, [], "token-1") == []


@pytest.mark.usefixtures("moto_credentials")
def test_handler_happy_path_against_moto(
    rule: ModuleType, monkeypatch: pytest.MonkeyPatch, assert_valid_evaluations: Check
) -> None:
    with mock_aws():
        iam_backends[ACCOUNT]["global"].account_summary._account_mfa_enabled = 1
        monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
        result = rule.lambda_handler(scheduled_event(result_token="TESTMODE"), FakeContext())
    (evaluation,) = result["evaluations"]
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert evaluation["Annotation"] == "The root user has hardware MFA and no access keys."
    assert_valid_evaluations(result["evaluations"])
    assert NOTIFICATION_TIME.startswith(evaluation["OrderingTimestamp"][:19])


# --- plumbing -----------------------------------------------------------------------


def _must_not_be_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("no AWS client may be created for this event")


class _SessionWith:
    """A session whose STS and Organizations clients are stubbed ones; others are real."""

    def __init__(self, session: boto3.Session, sts: Any, organizations: Any) -> None:
        self._session = session
        self._stubbed = {"sts": sts, "organizations": organizations}

    def client(self, name: str, **kwargs: Any) -> Any:
        if name in self._stubbed:
            return self._stubbed[name]
        return self._session.client(name, **kwargs)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


def _http(status: int, body: str) -> AWSResponse:
    return AWSResponse("https://iam.amazonaws.com/", status, {}, _Body(body.encode()))


_IAM_THROTTLING = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    "<Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
)
_IAM_SUMMARY = (
    '<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    "<GetAccountSummaryResult><SummaryMap>"
    "<entry><key>AccountMFAEnabled</key><value>{mfa}</value></entry>"
    "<entry><key>AccountAccessKeysPresent</key><value>{keys}</value></entry>"
    "</SummaryMap></GetAccountSummaryResult>"
    "<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata>"
    "</GetAccountSummaryResponse>"
)
