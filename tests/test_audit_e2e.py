"""`rootguard audit` end to end: the real console script, in a subprocess, against moto.

One moto server (this process) serves the whole module: an organization of the
management account and 104 members, so ListAccounts needs two pages (moto pages
at 100). Root MFA, a root virtual MFA device and root access keys are set in
moto's backends; a refused and a slow AssumeRole are injected by the middleware
in front of moto (tests/moto_audit_server.py). Every row of every run is checked.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import moto_audit_server as audit_moto
from tests.moto_audit_server import MANAGEMENT_ACCOUNT, MotoAuditServer

ROOTGUARD = str(Path(sys.executable).with_name("rootguard"))
MEMBERS = 104
SLOW_SECONDS = 8.0
TIMEOUT = "4"
# The report's columns, in order: JSON row keys and CSV header alike.
REPORT_COLUMNS = [
    "id",
    "name",
    "status",
    "mfaEnabled",
    "mfaType",
    "rootAccessKeys",
    "error",
    "passwordPresent",
    "signingCertificates",
    "mfaDevices",
    "mfaDeviceTypes",
    "findings",
]
ROOT_SESSION_ONLY = {
    "passwordPresent": None,
    "signingCertificates": None,
    "mfaDevices": None,
    "mfaDeviceTypes": None,
    "findings": [],
}
"""Without --root-sessions these are unknown (null) or empty."""


@dataclass
class Org:
    server: MotoAuditServer
    ids: list[str]
    """Management first, then members in creation (= ListAccounts) order."""
    names: dict[str, str]
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)
    """Account id -> text its `error` must contain (NOT_APPLICABLE / ERROR rows)."""

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {**base, **self.server.environment(**extra)}


def _row(status: str, mfa: bool | None, mfa_type: str, keys: bool | None) -> dict[str, Any]:
    return {"status": status, "mfaEnabled": mfa, "mfaType": mfa_type, "rootAccessKeys": keys}


COMPLIANT_HW = _row("COMPLIANT", True, "hardware", False)
NO_MFA = _row("NON_COMPLIANT", False, "none", False)
UNCHECKED = {"mfaEnabled": None, "mfaType": "unknown", "rootAccessKeys": None}


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    with MotoAuditServer() as server:
        member_names = [f"member-{index:03d}" for index in range(MEMBERS)]
        members = audit_moto.create_organization(server.endpoint, member_names)
        ids = [MANAGEMENT_ACCOUNT, *members]
        names = dict(zip(ids, ["master", *member_names], strict=True))
        org = Org(server, ids, names)
        virtual, user_device, keys_and_mfa, keys_no_mfa, closed, denied, slow = members[:7]
        last = members[-1]  # on ListAccounts' second page

        # The management account: MFA on; AssumeRole into it is refused, so it is
        # COMPLIANT only if it is checked with the caller's own credentials.
        audit_moto.set_root_mfa(MANAGEMENT_ACCOUNT)
        server.injector.deny_assume_role.add(MANAGEMENT_ACCOUNT)
        org.expected[MANAGEMENT_ACCOUNT] = COMPLIANT_HW

        audit_moto.set_root_mfa(virtual, virtual=True)
        org.expected[virtual] = _row("COMPLIANT", True, "virtual", False)
        # A virtual device assigned to an IAM user does not make root's MFA virtual.
        audit_moto.set_root_mfa(user_device)
        audit_moto.assign_user_virtual_mfa(user_device)
        org.expected[user_device] = COMPLIANT_HW
        audit_moto.set_root_mfa(keys_and_mfa)
        audit_moto.set_root_access_keys(keys_and_mfa)
        org.expected[keys_and_mfa] = _row("NON_COMPLIANT", True, "hardware", True)
        audit_moto.set_root_access_keys(keys_no_mfa)
        org.expected[keys_no_mfa] = _row("NON_COMPLIANT", False, "none", True)
        audit_moto.close_account(server.endpoint, closed)
        org.expected[closed] = {"status": "NOT_APPLICABLE", **UNCHECKED}
        org.reason[closed] = "SUSPENDED"
        server.injector.deny_assume_role.add(denied)
        org.expected[denied] = {"status": "ERROR", **UNCHECKED}
        org.reason[denied] = "AccessDenied on AssumeRole"
        org.expected[slow] = NO_MFA  # slow only while `slow_run` runs
        audit_moto.set_root_mfa(last, virtual=True)
        org.expected[last] = _row("COMPLIANT", True, "virtual", False)
        for index, account in enumerate(members[7:-1]):
            if index % 2:
                audit_moto.set_root_mfa(account)
            org.expected[account] = COMPLIANT_HW if index % 2 else NO_MFA
        yield org


def run_audit(
    org: Org, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROOTGUARD, "audit", *args],
        env=env or org.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def slow_run(org: Org) -> subprocess.CompletedProcess[str]:
    """The JSON run, with one account whose AssumeRole outlasts the per-account bound."""
    slow = org.ids[7]
    org.server.injector.slow_assume_role[slow] = SLOW_SECONDS
    try:
        return run_audit(org, "--format", "json", "--timeout", TIMEOUT)
    finally:
        org.server.injector.slow_assume_role.pop(slow)


def _expected_rows(org: Org, *, slow_times_out: bool) -> dict[str, dict[str, Any]]:
    expected = {key: dict(value) for key, value in org.expected.items()}
    if slow_times_out:
        expected[org.ids[7]] = {"status": "ERROR", **UNCHECKED}
    return expected


def _check_rows(org: Org, rows: list[dict[str, Any]], *, slow_times_out: bool) -> None:
    expected = _expected_rows(org, slow_times_out=slow_times_out)
    assert [row["id"] for row in rows] == org.ids  # every account once, ListAccounts order
    for row in rows:
        want = expected[row["id"]]
        got = {key: row[key] for key in want}
        assert got == want, row
        assert row["name"] == org.names[row["id"]]
        if row["status"] in ("COMPLIANT", "NON_COMPLIANT"):
            assert row["error"] is None, row
        else:
            assert row["error"], row
    for account, text in org.reason.items():
        assert text in next(row["error"] for row in rows if row["id"] == account)
    if slow_times_out:
        slow = next(row for row in rows if row["id"] == org.ids[7])
        assert slow["error"] == f"timed out after {TIMEOUT}s"


def test_audit_moto_lists_accounts_on_two_pages(org: Org) -> None:
    # The premise of the paging check: moto really splits this organization.
    client = boto3.client("organizations", **_client_kwargs(org))
    first = client.list_accounts()
    assert len(first["Accounts"]) == 100 and first.get("NextToken")
    assert len(org.ids) == MEMBERS + 1 > 100


def _client_kwargs(org: Org) -> dict[str, str]:
    return {
        "endpoint_url": org.server.endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def test_audit_json_every_account_expected_exit_1(
    org: Org, slow_run: subprocess.CompletedProcess[str]
) -> None:
    assert slow_run.returncode == 1, slow_run.stderr
    assert slow_run.stderr == ""  # no progress bar when stderr is not a terminal
    report = json.loads(slow_run.stdout)
    assert set(report) == {"accounts", "summary", "mode"}
    assert report["mode"] == "roles"
    for row in report["accounts"]:
        assert list(row) == REPORT_COLUMNS
        assert {key: row[key] for key in ROOT_SESSION_ONLY} == ROOT_SESSION_ONLY
    _check_rows(org, report["accounts"], slow_times_out=True)
    statuses = [row["status"] for row in report["accounts"]]
    assert report["summary"] == {
        "total": MEMBERS + 1,
        "compliant": statuses.count("COMPLIANT"),
        "nonCompliant": statuses.count("NON_COMPLIANT"),
        "centrallyManaged": 0,
        "notApplicable": 1,
        "errors": 2,
    }


def test_audit_json_reads_second_page_of_accounts(
    org: Org, slow_run: subprocess.CompletedProcess[str]
) -> None:
    rows = {row["id"]: row for row in json.loads(slow_run.stdout)["accounts"]}
    page_two = org.ids[100:]
    assert page_two and all(account in rows for account in page_two)
    assert rows[org.ids[-1]]["mfaType"] == "virtual"


def test_audit_management_account_uses_caller_credentials(
    org: Org, slow_run: subprocess.CompletedProcess[str]
) -> None:
    rows = {row["id"]: row for row in json.loads(slow_run.stdout)["accounts"]}
    assert MANAGEMENT_ACCOUNT in org.server.injector.deny_assume_role
    assert rows[MANAGEMENT_ACCOUNT]["status"] == "COMPLIANT"


def test_audit_csv_every_account_expected(org: Org) -> None:
    result = run_audit(org, "--format", "csv", "--concurrency", "4")
    assert result.returncode == 1, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == REPORT_COLUMNS
    cells = {"true": True, "false": False, "": None}
    rows: list[dict[str, Any]] = []
    for line in reader:
        row: dict[str, Any] = dict(line)
        for key in ("mfaEnabled", "rootAccessKeys"):
            row[key] = cells[row[key]]
        row["error"] = row["error"] or None
        assert [row.pop(key) for key in ROOT_SESSION_ONLY] == [""] * len(ROOT_SESSION_ONLY)
        rows.append(row)
    _check_rows(org, rows, slow_times_out=False)


@dataclass
class SmallOrg:
    """A second organization on the same server, every active account compliant."""

    ids: list[str]
    env: dict[str, str]


@pytest.fixture(scope="module")
def small_org(org: Org) -> SmallOrg:
    # moto tells callers apart by access key: this organization's management account
    # gets an IAM user's key of its own, made in moto's backend.
    from moto.iam.models import iam_backends

    management = "210987654321"
    backend = iam_backends[management]["global"]
    backend.create_user(region_name="us-east-1", user_name="auditor", path="/")
    key = backend.create_access_key("auditor")
    client = boto3.client(
        "organizations",
        endpoint_url=org.server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    organization = client.create_organization(FeatureSet="ALL")["Organization"]
    assert organization["MasterAccountId"] == management
    members = [
        client.create_account(AccountName=f"small-{i}", Email=f"small-{i}@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        for i in range(3)
    ]
    for account in [management, members[0]]:
        audit_moto.set_root_mfa(account)
    audit_moto.set_root_mfa(members[1], virtual=True)
    client.close_account(AccountId=members[2])
    env = org.env(AWS_ACCESS_KEY_ID=key.access_key_id, AWS_SECRET_ACCESS_KEY=key.secret_access_key)
    return SmallOrg([management, *members], env)


def test_audit_all_compliant_organization_exit_0(org: Org, small_org: SmallOrg) -> None:
    result = run_audit(org, "--format", "json", env=small_org.env)

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [
        (row["id"], row["status"], row["mfaType"], row["error"]) for row in report["accounts"]
    ] == [
        (small_org.ids[0], "COMPLIANT", "hardware", None),
        (small_org.ids[1], "COMPLIANT", "hardware", None),
        (small_org.ids[2], "COMPLIANT", "virtual", None),
        (
            small_org.ids[3],
            "NOT_APPLICABLE",
            "unknown",
            "account is SUSPENDED, not ACTIVE: root is not checked",
        ),
    ]
    assert report["summary"] == {
        "total": 4,
        "compliant": 3,
        "nonCompliant": 0,
        "centrallyManaged": 0,
        "notApplicable": 1,
        "errors": 0,
    }


def test_audit_table_every_account_and_summary(org: Org, small_org: SmallOrg) -> None:
    result = run_audit(org, env=small_org.env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    for account in small_org.ids:
        assert sum(account in line for line in lines) == 1
    assert lines[-1] == "4 accounts: 3 compliant, 0 non-compliant, 1 not applicable, 0 errors"


def test_audit_no_credentials_one_line_exit_2(org: Org, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=org.server.endpoint,
    )
    result = run_audit(org, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rootguard audit: error: no AWS credentials found")
