"""`rootguard remediate delete-root-credentials` end to end: the real console script in a
subprocess against moto's server behind the root-session front, which validates every
request against botocore's model, records every call and enforces the task policies.

Dry run deletes nothing (no mutating call reaches the server); `--apply` deletes exactly
the listed credentials; a failure midway leaves a record of what was and was not
deleted, beside the accounts that succeeded; the management account is refused with one
line before anything is called.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import moto_audit_server as audit_moto
from tests.moto_audit_server import MANAGEMENT_ACCOUNT, MotoAuditServer
from tests.root_access_front import RootState, passkey_serial, virtual_serial

ROOTGUARD = str(Path(sys.executable).with_name("rootguard"))
DELETE_POLICY = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
AUDIT_POLICY = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"


@dataclass
class Org:
    server: MotoAuditServer
    full: str
    """Password, a virtual MFA device, an access key and a signing certificate."""
    password_only: str
    empty: str
    flaky: str
    """Password and two MFA devices; deactivating MFA fails there when asked."""
    other: str
    closed: str

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {**base, **self.server.environment()}

    def reset(self) -> None:
        front = self.server.front
        front.calls.clear()
        front.fail.clear()
        front.roots[self.full] = RootState(
            password=True,
            access_keys=["AKIAROOTKEY000000001"],
            certificates=["CERTROOT0000000000000001"],
            mfa_devices=[virtual_serial(self.full)],
        )
        front.roots[self.password_only] = RootState(password=True)
        front.roots[self.empty] = RootState()
        front.roots[self.flaky] = RootState(
            password=True, mfa_devices=[virtual_serial(self.flaky), passkey_serial(self.flaky)]
        )
        front.roots[self.other] = RootState(password=True, access_keys=["AKIAROOTKEY000000002"])


@pytest.fixture(scope="module")
def server() -> Iterator[Org]:
    with MotoAuditServer() as server:
        ids = audit_moto.create_organization(
            server.endpoint, ["full", "password-only", "empty", "flaky", "other", "closed"]
        )
        audit_moto.close_account(server.endpoint, ids[5])
        yield Org(server, *ids)


@pytest.fixture
def org(server: Org) -> Org:
    server.reset()
    return server


def remediate(org: Org, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROOTGUARD, "remediate", "delete-root-credentials", *args],
        env=org.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _accounts(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in json.loads(result.stdout)["accounts"]}


FULL_PLAN = [
    {"type": "loginProfile", "id": "root"},
    {"type": "accessKey", "id": "AKIAROOTKEY000000001"},
    {"type": "signingCertificate", "id": "CERTROOT0000000000000001"},
]


def test_remediate_dry_run_deletes_nothing(org: Org) -> None:
    result = remediate(org, "--account", org.full, "--account", org.empty, "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["dryRun"] is True
    entries = _accounts(result)
    assert entries[org.full]["result"] == "WOULD_DELETE"
    assert entries[org.full]["planned"] == [
        *FULL_PLAN,
        {"type": "mfaDevice", "id": virtual_serial(org.full)},
    ]
    assert entries[org.full]["deleted"] == []
    assert entries[org.empty]["result"] == "NOTHING_TO_DELETE"
    front = org.server.front
    assert front.mutating_calls() == []  # no mutating call reached the server
    assert front.invalid == []
    assert {c["TaskPolicyArn.arn"] for c in front.assume_root_calls()} == {AUDIT_POLICY}
    assert front.roots[org.full].password and front.roots[org.full].access_keys


def test_remediate_dry_run_table_prints_what_would_be_deleted(org: Org) -> None:
    result = remediate(org, "--account", org.password_only)
    assert result.returncode == 0, result.stderr
    assert "Root credentials that --apply would delete" in result.stdout
    assert "loginProfile root" in result.stdout
    assert org.server.front.mutating_calls() == []


def test_remediate_apply_deletes_exactly_the_listed_credentials(org: Org, tmp_path: Path) -> None:
    record_file = tmp_path / "change-log.json"
    result = remediate(
        org,
        "--account",
        org.full,
        "--account",
        org.password_only,
        "--apply",
        "--record",
        str(record_file),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(record_file.read_text())
    assert record == json.loads(result.stdout)
    assert record["dryRun"] is False
    assert record["caller"].startswith(f"arn:aws:sts::{MANAGEMENT_ACCOUNT}:") or record[
        "caller"
    ].startswith(f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:")
    assert record["startedAt"] <= record["finishedAt"]
    full = _accounts(result)[org.full]
    assert full["result"] == "DELETED"
    assert [{k: v for k, v in item.items() if k != "at"} for item in full["deleted"]] == [
        *FULL_PLAN,
        {"type": "mfaDevice", "id": virtual_serial(org.full)},
    ]
    assert all(item["at"].endswith("Z") for item in full["deleted"])
    front = org.server.front
    assert front.invalid == []
    assert [(action, session) for _s, action, session in front.mutating_calls()] == [
        ("DeleteLoginProfile", org.full),
        ("DeleteAccessKey", org.full),
        ("DeleteSigningCertificate", org.full),
        ("DeactivateMFADevice", org.full),
        ("DeleteLoginProfile", org.password_only),
    ]
    deletes = [p for a, p in front.root_calls(org.full) if a.startswith(("Delete", "Deactivate"))]
    assert deletes[1] == {
        "Action": "DeleteAccessKey",
        "Version": "2010-05-08",
        "AccessKeyId": "AKIAROOTKEY000000001",
    }
    assert front.roots[org.full] == RootState()
    assert front.roots[org.password_only] == RootState()
    assert {c["TaskPolicyArn.arn"] for c in front.assume_root_calls()} == {DELETE_POLICY}


def test_remediate_failure_midway_records_what_was_and_was_not_deleted(
    org: Org, tmp_path: Path
) -> None:
    org.server.front.fail[(org.flaky, "DeactivateMFADevice")] = "EntityTemporarilyUnmodifiable"
    record_file = tmp_path / "change-log.json"
    result = remediate(
        org,
        "--account",
        org.flaky,
        "--account",
        org.other,
        "--apply",
        "--record",
        str(record_file),
    )
    assert result.returncode == 1
    record = json.loads(record_file.read_text())
    entries = {entry["id"]: entry for entry in record["accounts"]}
    flaky = entries[org.flaky]
    assert flaky["result"] == "PARTIAL"
    assert [item["type"] for item in flaky["deleted"]] == ["loginProfile"]  # password first
    assert flaky["notDeleted"] == [
        {"type": "mfaDevice", "id": virtual_serial(org.flaky)},
        {"type": "mfaDevice", "id": passkey_serial(org.flaky)},
    ]
    assert "EntityTemporarilyUnmodifiable on DeactivateMFADevice" in flaky["error"]
    # The other account still succeeded, and says so.
    assert entries[org.other]["result"] == "DELETED"
    assert org.server.front.roots[org.other] == RootState()
    assert org.server.front.roots[org.flaky].mfa_devices  # MFA kept, password gone
    assert "PARTIAL" in result.stdout and "DELETED" in result.stdout


def test_remediate_management_account_refused_with_one_line(org: Org) -> None:
    result = remediate(org, "--account", org.full, "--account", MANAGEMENT_ACCOUNT, "--apply")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"rootguard remediate: error: --account: {MANAGEMENT_ACCOUNT} is the management "
        "account; root sessions cannot reach it and rootguard never deletes its root "
        "credentials"
    ]
    assert org.server.front.assume_root_calls() == []
    assert org.server.front.mutating_calls() == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--account", "999999999999"], "--account: 999999999999 is not an account of this"),
        (["--account", "closed"], "--account: 'closed' is not an account id"),
        (["--from-audit", "/no/such/file.json"], "--from-audit: '/no/such/file.json' is not"),
    ],
)
def test_remediate_bad_input_one_line_exit_2(org: Org, args: list[str], expected: str) -> None:
    result = remediate(org, *args)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"rootguard remediate: error: {expected}"), line


def test_remediate_from_audit_takes_accounts_with_credentials(org: Org, tmp_path: Path) -> None:
    def row(account: str, status: str, **fields: Any) -> dict[str, Any]:
        return {"id": account, "name": "", "status": status, **fields}

    audit = {
        "accounts": [
            row(MANAGEMENT_ACCOUNT, "COMPLIANT", mfaEnabled=True, mfaDevices=None),
            row(org.full, "NON_COMPLIANT", passwordPresent=True, mfaDevices=1),
            row(
                org.password_only,
                "NON_COMPLIANT",
                mfaEnabled=False,
                rootAccessKeys=False,
                mfaDevices=None,
                passwordPresent=None,
            ),
            row(org.empty, "CENTRALLY_MANAGED", passwordPresent=False, mfaDevices=0),
            row(org.other, "NON_COMPLIANT", rootAccessKeys=True, mfaDevices=None),
        ]
    }
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(audit))
    result = remediate(org, "--from-audit", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert list(_accounts(result)) == [org.full, org.other]
    assert result.stderr == (
        f"rootguard remediate: skipping {MANAGEMENT_ACCOUNT}: the management account\n"
    )
    assert org.server.front.mutating_calls() == []
