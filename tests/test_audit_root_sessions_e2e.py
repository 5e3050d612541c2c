"""`rootguard audit --root-sessions` end to end: the real console script, in a subprocess,
against moto's server behind the root-session front (tests/root_access_front.py).

One organization of the management account and 101 members (two ListAccounts pages),
one scenario per account: centrally managed (no credentials); password and one virtual
MFA device; password and two devices; password without MFA; root access keys; AssumeRoot
refused; AssumeRoot throttled, then answered; closed; and the management account, which
AssumeRoot cannot reach and is read with the caller's own credentials. Every row and the
exit code are checked in table, JSON, CSV and HTML, every request is validated against
botocore's model by the front, and no mutating call is made.
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
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests import moto_audit_server as audit_moto
from tests.moto_audit_server import MANAGEMENT_ACCOUNT, MotoAuditServer
from tests.root_access_front import RootState, passkey_serial, virtual_serial
from tests.test_audit_e2e import REPORT_COLUMNS

ROOTGUARD = str(Path(sys.executable).with_name("rootguard"))
MEMBERS = 101
ONE_DEVICE = "Root has one MFA device only: a lost device locks root out."
HAS_CREDENTIALS = (
    "Root has credentials: delete them with rootguard remediate delete-root-credentials."
)


def _row(status: str, **fields: Any) -> dict[str, Any]:
    return {"status": status, **fields}


CENTRAL = _row(
    "CENTRALLY_MANAGED",
    mfaEnabled=False,
    mfaType="none",
    rootAccessKeys=False,
    passwordPresent=False,
    signingCertificates=False,
    mfaDevices=0,
    mfaDeviceTypes=[],
    findings=[],
    error=None,
)
UNCHECKED = {"mfaEnabled": None, "mfaType": "unknown", "rootAccessKeys": None, "mfaDevices": None}


@dataclass
class Org:
    server: MotoAuditServer
    ids: list[str]
    names: dict[str, str]
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)
    ous: dict[str, str] = field(default_factory=dict)
    """Account id -> its OU path as the HTML report names it."""

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {**base, **self.server.environment(**extra)}


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    with MotoAuditServer() as server:
        member_names = [f"member-{index:03d}" for index in range(MEMBERS)]
        members = audit_moto.create_organization(server.endpoint, member_names)
        ids = [MANAGEMENT_ACCOUNT, *members]
        org = Org(server, ids, dict(zip(ids, ["master", *member_names], strict=True)))
        front = server.front
        for account in members:
            front.roots[account] = RootState()
            org.expected[account] = CENTRAL
        central, one, two, no_mfa, keys, refused, throttled, closed = members[:8]

        audit_moto.set_root_mfa(MANAGEMENT_ACCOUNT)
        org.expected[MANAGEMENT_ACCOUNT] = _row(
            "COMPLIANT", mfaEnabled=True, mfaType="hardware", rootAccessKeys=False, mfaDevices=None
        )
        front.roots[one] = RootState(password=True, mfa_devices=[virtual_serial(one)])
        org.expected[one] = _row(
            "COMPLIANT",
            mfaEnabled=True,
            mfaType="virtual",
            passwordPresent=True,
            mfaDevices=1,
            mfaDeviceTypes=["virtual"],
            findings=[ONE_DEVICE, HAS_CREDENTIALS],
        )
        front.roots[two] = RootState(
            password=True, mfa_devices=[virtual_serial(two), passkey_serial(two)]
        )
        org.expected[two] = _row(
            "COMPLIANT",
            mfaType="hardware",
            mfaDevices=2,
            mfaDeviceTypes=["virtual", "passkey"],
            findings=[HAS_CREDENTIALS],
        )
        front.roots[no_mfa] = RootState(password=True)
        org.expected[no_mfa] = _row(
            "NON_COMPLIANT",
            mfaEnabled=False,
            mfaType="none",
            passwordPresent=True,
            mfaDevices=0,
            findings=["Root has a password and no MFA.", HAS_CREDENTIALS],
        )
        front.roots[keys] = RootState(
            access_keys=["AKIAROOTKEY000000001"], mfa_devices=["GAHT12345678"]
        )
        org.expected[keys] = _row(
            "NON_COMPLIANT",
            mfaType="hardware",
            rootAccessKeys=True,
            passwordPresent=False,
            mfaDeviceTypes=["hardware"],
            findings=["Root has 1 access key.", ONE_DEVICE, HAS_CREDENTIALS],
        )
        front.refuse.add(refused)
        org.expected[refused] = {"status": "ERROR", **UNCHECKED}
        org.reason[refused] = "root session refused: AccessDenied on AssumeRoot"
        front.throttle[throttled] = 2
        front.roots[throttled] = RootState(password=True, mfa_devices=["GAHT00000001", "GAHT02"])
        org.expected[throttled] = _row(
            "COMPLIANT", mfaType="hardware", mfaDeviceTypes=["hardware", "hardware"]
        )
        audit_moto.close_account(server.endpoint, closed)
        org.expected[closed] = {"status": "NOT_APPLICABLE", **UNCHECKED}
        org.reason[closed] = "SUSPENDED"
        del central  # the default: no credentials at all
        org.ous = {account: "Root" for account in ids}
        audit_moto.move_to_ou(server.endpoint, one, "Prod", "Web")
        org.ous[one] = "Root / Prod / Web"
        yield org


def run_audit(
    org: Org, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROOTGUARD, "audit", "--root-sessions", *args],
        env=env or org.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def json_run(org: Org, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    html = tmp_path_factory.mktemp("report") / "root-audit.html"
    result = run_audit(org, "--format", "json", "--html", str(html), "--by-ou")
    return result, html


def _check_rows(org: Org, rows: list[dict[str, Any]]) -> None:
    assert [row["id"] for row in rows] == org.ids  # every account once, ListAccounts order
    for row in rows:
        want = org.expected[row["id"]]
        assert {key: row[key] for key in want} == want, row
        assert row["name"] == org.names[row["id"]]
        if row["status"] in ("ERROR", "NOT_APPLICABLE"):
            assert row["error"], row
        else:
            assert row["error"] is None, row
    for account, text in org.reason.items():
        assert text in next(row["error"] for row in rows if row["id"] == account)


def test_root_sessions_json_every_account_expected_exit_1(org: Org, json_run: Any) -> None:
    result, _html = json_run
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["mode"] == "root-sessions"
    for row in report["accounts"]:
        assert list(row) == REPORT_COLUMNS
    _check_rows(org, report["accounts"])
    statuses = [row["status"] for row in report["accounts"]]
    assert report["summary"] == {
        "total": MEMBERS + 1,
        "compliant": 4,
        "nonCompliant": 2,
        "centrallyManaged": statuses.count("CENTRALLY_MANAGED"),
        "notApplicable": 1,
        "errors": 1,
    }
    assert statuses.count("CENTRALLY_MANAGED") == MEMBERS - 7


def test_root_sessions_every_request_valid_none_mutating(org: Org, json_run: Any) -> None:
    front = org.server.front
    assert front.invalid == []
    assert front.mutating_calls() == []
    calls = front.assume_root_calls()
    assert {call["TaskPolicyArn.arn"] for call in calls} == {
        "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    }
    assert {call["DurationSeconds"] for call in calls} == {"900"}
    # Never into the management account; never into a closed one.
    targets = {call["TargetPrincipal"] for call in calls}
    assert MANAGEMENT_ACCOUNT not in targets
    assert org.ids[8] not in targets


def test_root_sessions_throttled_assume_root_retried_then_answered(org: Org, json_run: Any) -> None:
    throttled = org.ids[7]
    assert org.server.front.throttle[throttled] == 0
    assert len(org.server.front.assume_root_calls(throttled)) >= 3  # 2 throttled + 1 answered


def test_root_sessions_reads_second_page(org: Org, json_run: Any) -> None:
    rows = {row["id"]: row for row in json.loads(json_run[0].stdout)["accounts"]}
    assert org.ids[-1] in rows and rows[org.ids[-1]]["status"] == "CENTRALLY_MANAGED"
    assert len(org.ids) > 100


def test_root_sessions_csv_every_account_expected(org: Org) -> None:
    result = run_audit(org, "--format", "csv", "--concurrency", "4")
    assert result.returncode == 1, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == REPORT_COLUMNS
    cells = {"true": True, "false": False, "": None}
    rows: list[dict[str, Any]] = []
    for line in reader:
        row: dict[str, Any] = dict(line)
        for key in ("mfaEnabled", "rootAccessKeys", "passwordPresent", "signingCertificates"):
            row[key] = cells[row[key]]
        row["error"] = row["error"] or None
        row["mfaDevices"] = int(row["mfaDevices"]) if row["mfaDevices"] else None
        row["mfaDeviceTypes"] = row["mfaDeviceTypes"].split(";") if row["mfaDeviceTypes"] else []
        row["findings"] = row["findings"].split("; ") if row["findings"] else []
        if row["mfaDevices"] is None:
            row["mfaDeviceTypes"] = None
        rows.append(row)
    expected = {k: dict(v) for k, v in org.expected.items()}
    for want in expected.values():
        if want.get("mfaDevices", 0) is None:
            want.pop("mfaDeviceTypes", None)
    org_copy = Org(org.server, org.ids, org.names, expected, org.reason, org.ous)
    for row in rows:
        if row["mfaDeviceTypes"] is None:
            row.pop("mfaDeviceTypes")
    _check_rows(org_copy, rows)


def test_root_sessions_table_every_account_and_summary(org: Org) -> None:
    result = run_audit(org)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    for account in org.ids:  # one row each (a wrapped reason may name it again)
        assert sum(line.split("│")[1:2] == [f" {account} "] for line in lines) == 1
    assert lines[-1] == (
        f"{MEMBERS + 1} accounts: 4 compliant, 2 non-compliant, {MEMBERS - 7} centrally "
        "managed, 1 not applicable, 1 errors"
    )


class _Rows(HTMLParser):
    """The account table's rows of the HTML report, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "account-table") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_root_sessions_html_every_account_expected(org: Org, json_run: Any) -> None:
    _result, html = json_run
    parser = _Rows()
    parser.feed(html.read_text(encoding="utf-8"))
    assert [row[0] for row in parser.rows] == org.ids
    for row in parser.rows:
        account, name, ou, status = row[:4]
        assert (name, status, ou) == (
            org.names[account],
            org.expected[account]["status"],
            org.ous[account],
        )
    # The per-OU summary counts the nested OU apart from the root.
    assert "Root / Prod / Web" in html.read_text(encoding="utf-8").split('id="accounts"')[0]
    text = html.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_root_sessions_fall_back_once_without_centralized_root_access(org: Org) -> None:
    front = org.server.front
    front.features = ["RootSessions"]
    try:
        result = run_audit(org, "--format", "json")
    finally:
        front.features = ["RootCredentialsManagement", "RootSessions"]
    warnings = result.stderr.splitlines()
    assert warnings == [
        "rootguard audit: warning: --root-sessions: centralized root access is not enabled "
        "(RootCredentialsManagement is off; enabled features: RootSessions); reading every "
        "account through the role OrganizationAccountAccessRole instead"
    ]
    report = json.loads(result.stdout)
    assert report["mode"] == "roles"
    assert [row["id"] for row in report["accounts"]] == org.ids
    assert {row["status"] for row in report["accounts"]} <= {
        "COMPLIANT",
        "NON_COMPLIANT",
        "NOT_APPLICABLE",
        "ERROR",
    }
    assert result.returncode == 1
