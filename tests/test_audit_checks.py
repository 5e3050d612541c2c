"""The audit's per-account logic: classification, typed errors, the pool, the output."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber

from rootguard.audit.checks import (
    Account,
    AccountError,
    AccountResult,
    AccountTimeout,
    AssumedRoleCredentials,
    CheckContext,
    MfaType,
    RoleNotAssumable,
    Status,
    Throttled,
    bound_credentials,
    check_account,
    classify,
    failed,
    member_iam_client,
    mfa_type_from_devices,
    not_applicable,
    run_checks,
    translate,
)
from rootguard.audit.reports import exit_code, render, summarize, to_json
from tests.aws_stubs import BOTOCORE, stub_client

MEMBER = "111111111111"
MANAGEMENT = "999999999999"
ROOT = f"arn:aws:iam::{MEMBER}:root"
ACCOUNT = Account(MEMBER, "prod", "ACTIVE", MANAGEMENT)


def _device(arn: str, serial: str = "arn:aws:iam::111111111111:mfa/x") -> dict[str, Any]:
    # The full User shape, as IAM answers (the Stubber validates responses).
    user = {
        "Path": "/",
        "UserName": arn.rsplit("/", 1)[-1] if ":user/" in arn else "root",
        "UserId": "AIDAEXAMPLEEXAMPLE01",
        "Arn": arn,
        "CreateDate": "2024-01-01T00:00:00Z",
    }
    return {"SerialNumber": serial, "User": user}


# --- classification -------------------------------------------------------------------


def test_mfa_type_root_device_virtual() -> None:
    devices = [_device(f"arn:aws:iam::{MEMBER}:user/alice"), _device(ROOT)]
    assert mfa_type_from_devices(devices, ROOT) is MfaType.VIRTUAL


def test_mfa_type_only_user_devices_hardware() -> None:
    assert mfa_type_from_devices([_device(f"arn:aws:iam::{MEMBER}:user/a")], ROOT) is (
        MfaType.HARDWARE
    )


def test_mfa_type_no_devices_hardware() -> None:
    assert mfa_type_from_devices([], ROOT) is MfaType.HARDWARE


def test_mfa_type_decided_by_user_arn_not_serial_name() -> None:
    named_like_root = _device(
        f"arn:aws:iam::{MEMBER}:user/bob", serial=f"arn:aws:iam::{MEMBER}:mfa/root-account-mfa"
    )
    other_accounts_root = _device("arn:aws:iam::222222222222:root")
    unassigned = {"SerialNumber": "arn:aws:iam::111111111111:mfa/spare"}
    devices = [named_like_root, other_accounts_root, unassigned]
    assert mfa_type_from_devices(devices, ROOT) is MfaType.HARDWARE


def test_classify_mfa_on_no_keys_compliant() -> None:
    result = classify(ACCOUNT, mfa_enabled=True, root_access_keys=False, mfa_type=MfaType.VIRTUAL)
    assert (result.status, result.mfa_type, result.error) == (
        Status.COMPLIANT,
        MfaType.VIRTUAL,
        None,
    )


def test_classify_mfa_on_with_root_keys_non_compliant() -> None:
    result = classify(ACCOUNT, mfa_enabled=True, root_access_keys=True, mfa_type=MfaType.HARDWARE)
    assert result.status is Status.NON_COMPLIANT
    assert result.root_access_keys is True


def test_classify_mfa_off_non_compliant_type_none() -> None:
    result = classify(ACCOUNT, mfa_enabled=False, root_access_keys=False, mfa_type=MfaType.HARDWARE)
    assert (result.status, result.mfa_type) == (Status.NON_COMPLIANT, MfaType.NONE)


@pytest.mark.parametrize(
    ("item", "state", "active"),
    [
        ({"State": "ACTIVE", "Status": "ACTIVE"}, "ACTIVE", True),
        ({"State": "SUSPENDED", "Status": "SUSPENDED"}, "SUSPENDED", False),
        ({"Status": "PENDING_CLOSURE"}, "PENDING_CLOSURE", False),
        ({"State": "CLOSED"}, "CLOSED", False),  # the newer field alone
        ({"State": "PENDING_ACTIVATION", "Status": "ACTIVE"}, "PENDING_ACTIVATION", False),
        ({}, "UNKNOWN", False),
    ],
)
def test_account_from_api_state_prefers_state_field(
    item: dict[str, str], state: str, active: bool
) -> None:
    arn = f"arn:aws:organizations::{MANAGEMENT}:account/o-abc/{MEMBER}"
    account = Account.from_api({"Id": MEMBER, "Name": "prod", "Arn": arn, **item})
    assert (account.state, account.active) == (state, active)
    assert account.management_id == MANAGEMENT


# --- typed errors ----------------------------------------------------------------------


def _client_error(code: str, operation: str, message: str = "nope") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_translate_assume_role_denied_role_not_assumable() -> None:
    error = translate(_client_error("AccessDenied", "AssumeRole"), role_arn="arn:x")
    assert isinstance(error, RoleNotAssumable)
    assert "AccessDenied on AssumeRole arn:x: nope" in str(error)


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "TooManyRequestsException"])
def test_translate_throttling_throttled(code: str) -> None:
    error = translate(_client_error(code, "GetAccountSummary"))
    assert isinstance(error, Throttled)
    assert str(error).startswith("throttled past retries:")


def test_translate_read_timeout_unreachable() -> None:
    error = translate(ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/"))
    assert str(error).startswith("endpoint unreachable:")


def test_translate_other_code_api_failure() -> None:
    assert str(translate(_client_error("NoSuchEntity", "GetAccountSummary"))) == (
        "AWS error: NoSuchEntity on GetAccountSummary: nope"
    )


# --- the per-account check with stubbed clients ---------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[CheckContext, Stubber, Stubber, Stubber]]:
    sts, own_iam = stub_client("sts"), stub_client("iam")
    member_iam = member_iam_client(BOTOCORE, "us-east-1", Config())
    context = CheckContext(
        sts=sts,
        own_iam=own_iam,
        member_iam=member_iam,
        caller_account=MANAGEMENT,
        partition="aws",
        role_name="Auditor",
        external_id="ext-123",
    )
    with Stubber(sts) as s, Stubber(own_iam) as o, Stubber(member_iam) as m:
        yield context, s, o, m
        s.assert_no_pending_responses()
        o.assert_no_pending_responses()
        m.assert_no_pending_responses()


def _assume_ok(stub: Stubber, account: str = MEMBER) -> None:
    stub.add_response(
        "assume_role",
        {
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": "2030-01-01T00:00:00Z",
            }
        },
        {
            "RoleArn": f"arn:aws:iam::{account}:role/Auditor",
            "RoleSessionName": "rootguard-audit",
            "DurationSeconds": 900,
            "ExternalId": "ext-123",
        },
    )


def _summary(stub: Stubber, mfa: int, keys: int) -> None:
    stub.add_response(
        "get_account_summary",
        {"SummaryMap": {"AccountMFAEnabled": mfa, "AccountAccessKeysPresent": keys}},
    )


def test_check_account_virtual_device_on_second_page(stubbed: Any) -> None:
    context, sts, _, iam = stubbed
    _assume_ok(sts)
    _summary(iam, 1, 0)
    user = _device(f"arn:aws:iam::{MEMBER}:user/alice")
    iam.add_response(
        "list_virtual_mfa_devices",
        {"VirtualMFADevices": [user], "IsTruncated": True, "Marker": "m1"},
        {"AssignmentStatus": "Assigned"},
    )
    iam.add_response(
        "list_virtual_mfa_devices",
        {"VirtualMFADevices": [_device(ROOT)], "IsTruncated": False},
        {"AssignmentStatus": "Assigned", "Marker": "m1"},
    )
    result = check_account(context, ACCOUNT)
    assert result == AccountResult(MEMBER, "prod", Status.COMPLIANT, True, MfaType.VIRTUAL, False)


def test_check_account_own_account_uses_caller_credentials(stubbed: Any) -> None:
    context, _, own, _ = stubbed
    _summary(own, 1, 0)
    own.add_response("list_virtual_mfa_devices", {"VirtualMFADevices": []})
    management = Account(MANAGEMENT, "mgmt", "ACTIVE", MANAGEMENT)
    result = check_account(context, management)  # no AssumeRole stubbed: none is made
    assert (result.status, result.mfa_type) == (Status.COMPLIANT, MfaType.HARDWARE)


def test_check_account_mfa_off_skips_device_listing(stubbed: Any) -> None:
    context, sts, _, iam = stubbed
    _assume_ok(sts)
    _summary(iam, 0, 1)
    result = check_account(context, ACCOUNT)
    assert (result.status, result.mfa_enabled, result.mfa_type, result.root_access_keys) == (
        Status.NON_COMPLIANT,
        False,
        MfaType.NONE,
        True,
    )


def test_check_account_device_listing_denied_type_unknown(stubbed: Any) -> None:
    context, sts, _, iam = stubbed
    _assume_ok(sts)
    _summary(iam, 1, 0)
    iam.add_client_error("list_virtual_mfa_devices", "AccessDenied", "no list")
    result = check_account(context, ACCOUNT)
    assert (result.status, result.mfa_type) == (Status.COMPLIANT, MfaType.UNKNOWN)
    assert result.error == (
        "MFA type unknown: access denied: AccessDenied on ListVirtualMFADevices: no list"
    )


def test_check_account_assume_role_throttled_typed_error(stubbed: Any) -> None:
    context, sts, _, _ = stubbed
    sts.add_client_error("assume_role", "Throttling", "Rate exceeded", 400)
    with pytest.raises(Throttled, match="throttled past retries: Throttling on AssumeRole"):
        check_account(context, ACCOUNT)


def test_check_account_management_role_denied_explains(stubbed: Any) -> None:
    context, sts, _, _ = stubbed
    sts.add_client_error("assume_role", "AccessDenied", "not authorized", 403)
    other_caller = CheckContext(**{**context.__dict__, "caller_account": "333333333333"})
    management = Account(MANAGEMENT, "mgmt", "ACTIVE", MANAGEMENT)
    with pytest.raises(RoleNotAssumable, match="management account has no role to assume"):
        check_account(other_caller, management)


def test_check_account_summary_denied_typed_error(stubbed: Any) -> None:
    context, sts, _, iam = stubbed
    _assume_ok(sts)
    iam.add_client_error("get_account_summary", "AccessDenied", "no summary", 403)
    with pytest.raises(AccountError, match="access denied: AccessDenied on GetAccountSummary"):
        check_account(context, ACCOUNT)


# --- per-thread credentials -----------------------------------------------------------


def test_assumed_role_credentials_per_thread() -> None:
    credentials = AssumedRoleCredentials()
    seen: dict[str, str] = {}

    def worker(key: str) -> None:
        with bound_credentials(ReadOnlyCredentials(key, "secret", "token")):
            time.sleep(0.05)  # both threads bound at once
            seen[key] = credentials.get_frozen_credentials().access_key

    threads = [threading.Thread(target=worker, args=(key,)) for key in ("AKIA1", "AKIA2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"AKIA1": "AKIA1", "AKIA2": "AKIA2"}


def test_assumed_role_credentials_unbound_refuses() -> None:
    with pytest.raises(AccountError, match="no assumed-role credentials bound"):
        AssumedRoleCredentials().get_frozen_credentials()


# --- the pool -------------------------------------------------------------------------


def _accounts(count: int) -> list[Account]:
    return [Account(f"{index:012d}", f"a{index}", "ACTIVE") for index in range(count)]


def test_run_checks_one_row_per_account_in_order_whatever_fails() -> None:
    accounts = _accounts(40)

    def check(account: Account) -> AccountResult:
        index = int(account.id)
        if index % 10 == 1:
            raise RoleNotAssumable("cannot assume role: test")
        if index % 10 == 2:
            raise KeyError("a bug")  # never a traceback, never a dropped account
        time.sleep(0.001 * (index % 5))
        return classify(
            account, mfa_enabled=True, root_access_keys=False, mfa_type=MfaType.HARDWARE
        )

    seen: list[str] = []
    results = run_checks(
        iter(accounts),
        check,
        concurrency=8,
        timeout=30,
        on_result=lambda result: seen.append(result.id),
    )
    assert [result.id for result in results] == [account.id for account in accounts]
    assert sorted(seen) == sorted(account.id for account in accounts)
    statuses = [result.status for result in results]
    assert statuses.count(Status.ERROR) == 8
    assert results[1].error == "cannot assume role: test"
    assert results[2].error == "internal error: KeyError: 'a bug'"


def test_run_checks_slow_account_timed_out_at_its_bound() -> None:
    accounts = _accounts(3)
    release = threading.Event()

    def check(account: Account) -> AccountResult:
        if account.id == accounts[1].id:
            release.wait(5)
        return classify(
            account, mfa_enabled=True, root_access_keys=False, mfa_type=MfaType.HARDWARE
        )

    start = time.monotonic()
    try:
        results = run_checks(accounts, check, concurrency=3, timeout=0.3)
    finally:
        release.set()
    assert time.monotonic() - start < 2
    assert [result.status for result in results] == [
        Status.COMPLIANT,
        Status.ERROR,
        Status.COMPLIANT,
    ]
    assert results[1].error == "timed out after 0.3s"


def test_deadline_hook_stops_next_attempt() -> None:
    accounts = _accounts(1)
    iam = stub_client("iam")

    def check(account: Account) -> AccountResult:
        from rootguard.audit.checks import install_deadline_hook

        install_deadline_hook(iam)
        time.sleep(0.2)  # past the bound before the call is sent
        iam.get_account_summary()
        raise AssertionError("the call must not be sent")

    results = run_checks(accounts, check, concurrency=1, timeout=0.1)
    assert results[0].status is Status.ERROR
    assert results[0].error == "timed out after 0.1s"
    assert issubclass(AccountTimeout, AccountError)


# --- output ---------------------------------------------------------------------------


def _results() -> list[AccountResult]:
    account = Account("222222222222", "dev, eu", "SUSPENDED")
    return [
        classify(ACCOUNT, mfa_enabled=True, root_access_keys=False, mfa_type=MfaType.VIRTUAL),
        not_applicable(account, "account is SUSPENDED, not ACTIVE: root is not checked"),
    ]


def test_report_json_contract_shape() -> None:
    out = io.StringIO()
    render(_results(), "json", out)
    assert json.loads(out.getvalue()) == {
        "accounts": [
            {
                "id": MEMBER,
                "name": "prod",
                "status": "COMPLIANT",
                "mfaEnabled": True,
                "mfaType": "virtual",
                "rootAccessKeys": False,
                "error": None,
                "passwordPresent": None,
                "signingCertificates": None,
                "mfaDevices": None,
                "mfaDeviceTypes": None,
                "findings": [],
            },
            {
                "id": "222222222222",
                "name": "dev, eu",
                "status": "NOT_APPLICABLE",
                "mfaEnabled": None,
                "mfaType": "unknown",
                "rootAccessKeys": None,
                "error": "account is SUSPENDED, not ACTIVE: root is not checked",
                "passwordPresent": None,
                "signingCertificates": None,
                "mfaDevices": None,
                "mfaDeviceTypes": None,
                "findings": [],
            },
        ],
        "summary": {
            "total": 2,
            "compliant": 1,
            "nonCompliant": 0,
            "centrallyManaged": 0,
            "notApplicable": 1,
            "errors": 0,
        },
        "mode": "roles",
    }


def test_report_csv_quotes_and_blanks() -> None:
    out = io.StringIO()
    render(_results(), "csv", out)
    assert out.getvalue().splitlines() == [
        "id,name,status,mfaEnabled,mfaType,rootAccessKeys,error,passwordPresent,"
        "signingCertificates,mfaDevices,mfaDeviceTypes,findings",
        f"{MEMBER},prod,COMPLIANT,true,virtual,false,,,,,,",
        '222222222222,"dev, eu",NOT_APPLICABLE,,unknown,,'
        '"account is SUSPENDED, not ACTIVE: root is not checked",,,,,',
    ]


def test_report_table_has_rows_and_summary() -> None:
    out = io.StringIO()
    render(_results(), "table", out)
    text = out.getvalue()
    assert MEMBER in text and "NOT_APPLICABLE" in text
    assert "2 accounts: 1 compliant, 0 non-compliant, 1 not applicable, 0 errors" in text


def test_exit_code_not_applicable_only_clean() -> None:
    assert exit_code(_results()) == 0


def test_exit_code_error_or_non_compliant_findings() -> None:
    assert exit_code([*_results(), failed(ACCOUNT, "timed out after 1s")]) == 1
    non_compliant = classify(
        ACCOUNT, mfa_enabled=False, root_access_keys=False, mfa_type=MfaType.NONE
    )
    assert exit_code([non_compliant]) == 1


def test_summary_counts_each_status() -> None:
    results = [*_results(), failed(ACCOUNT, "x")]
    assert (
        summarize(results)
        == to_json(results)["summary"]
        == {
            "total": 3,
            "compliant": 1,
            "nonCompliant": 0,
            "centrallyManaged": 0,
            "notApplicable": 1,
            "errors": 1,
        }
    )
