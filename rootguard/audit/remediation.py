"""`rootguard remediate delete-root-credentials`: remove member accounts' root credentials.

With centralized root access, the management account (or the IAM delegated
administrator) opens a root session in each named member with the AWS managed task
policy IAMDeleteRootUserCredentials and deletes the root user's password (login
profile), access keys and signing certificates, and deactivates its MFA devices
(IAM User Guide, "AWS managed policies for IAM": the policy allows exactly
DeleteLoginProfile, DeleteAccessKey, DeleteSigningCertificate and DeactivateMFADevice,
with the reads that find them, on the root user only).

- Dry run by default: a root session with the *audit* task policy reads what exists and
  the command prints exactly what `--apply` would delete; no mutating call is made.
- Never the management account: AssumeRoot cannot reach it, and its root is the one
  root that must keep working credentials; naming it is refused with one line.
- Per account, the password goes first and the MFA devices last, so a failure midway
  never leaves a password without its MFA; the account's remaining items are reported
  not deleted, and the other accounts go on.
- The record (`--record FILE`, or `--format json` on stdout) says what was deleted, when,
  and by whom (the caller's ARN), for the change log.

Exit 0 when every account ended as asked (dry run included), 1 when any deletion failed,
2 when the command could not run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.audit.checks import (
    Account,
    AccountError,
    bound_credentials,
    member_iam_client,
    translate,
)
from rootguard.audit.root_sessions import (
    AUDIT_TASK_POLICY,
    DELETE_TASK_POLICY,
    RootCredentials,
    assume_root,
    centralized_root_access,
    read_root_credentials,
    root_sts_client,
)
from rootguard.errors import UsageError

ACTION = "delete-root-credentials"
FORMATS = ("table", "json")
MAX_ATTEMPTS = 5
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    delete = actions.add_parser(
        ACTION,
        help="delete member accounts' root password, access keys, signing certificates "
        "and MFA devices through root sessions (dry run unless --apply)",
        description="Delete member accounts' root credentials through root sessions "
        "(sts:AssumeRoot with IAMDeleteRootUserCredentials). Dry run unless --apply.",
    )
    delete.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ID",
        help="a member account whose root credentials to delete (repeatable)",
    )
    delete.add_argument(
        "--from-audit",
        metavar="FILE",
        help="every account that `rootguard audit --format json` FILE found with root credentials",
    )
    delete.add_argument(
        "--apply", action="store_true", help="delete (without it: print what would be deleted)"
    )
    delete.add_argument("--format", default="table", metavar="FORMAT", help="table or json")
    delete.add_argument("--record", metavar="FILE", help="also write the JSON record to FILE")


@dataclass(frozen=True)
class RemediateOptions:
    accounts: tuple[str, ...]
    from_audit: Path | None
    apply: bool
    format: str
    record: Path | None


def parse_options(args: argparse.Namespace) -> RemediateOptions:
    for account in args.account:
        if not _ACCOUNT_ID.match(account):
            raise UsageError(f"--account: {account!r} is not an account id; expected 12 digits")
    if not args.account and args.from_audit is None:
        raise UsageError(
            "no accounts named; expected --account ID (repeatable) or --from-audit FILE.json"
        )
    if args.format not in FORMATS:
        raise UsageError(f"--format: {args.format!r} is not a format; expected table or json")
    record = Path(args.record) if args.record else None
    if record is not None and (not record.parent.is_dir() or record.is_dir()):
        raise UsageError(
            f"--record: {args.record!r} is not a file path in an existing folder; expected "
            "where to write the JSON record"
        )
    return RemediateOptions(
        accounts=tuple(dict.fromkeys(args.account)),
        from_audit=Path(args.from_audit) if args.from_audit else None,
        apply=bool(args.apply),
        format=args.format,
        record=record,
    )


def accounts_from_audit(path: Path) -> list[str]:
    """Accounts an audit JSON shows with root credentials (any mode's row shape)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        rows = report["accounts"]
        assert isinstance(rows, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise UsageError(
            f"--from-audit: {str(path)!r} is not a rootguard audit JSON report ({exc}); "
            "expected the output of `rootguard audit --format json`"
        ) from exc
    found = []
    for row in rows:
        if not isinstance(row, dict) or not _ACCOUNT_ID.match(str(row.get("id", ""))):
            raise UsageError(f"--from-audit: {str(path)!r} has a row without an account id")
        has = (
            row.get("passwordPresent") is True
            or row.get("rootAccessKeys") is True
            or row.get("signingCertificates") is True
            or (row.get("mfaDevices") or 0) > 0
            or (row.get("mfaDevices") is None and row.get("mfaEnabled") is True)
        )
        if has and row.get("status") not in ("NOT_APPLICABLE", "CENTRALLY_MANAGED"):
            found.append(str(row["id"]))
    return found


@dataclass
class AccountRecord:
    """What happened in one account; `to_json` is one entry of the record."""

    id: str
    name: str
    result: str = "PENDING"
    planned: list[dict[str, str]] = field(default_factory=list)
    deleted: list[dict[str, str]] = field(default_factory=list)
    not_deleted: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "result": self.result,
            "planned": self.planned,
            "deleted": self.deleted,
            "notDeleted": self.not_deleted,
            "error": self.error,
        }


RESULTS_OK = frozenset({"DELETED", "WOULD_DELETE", "NOTHING_TO_DELETE"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _delete(iam: Any, item: dict[str, str]) -> None:
    kind, ident = item["type"], item["id"]
    if kind == "loginProfile":
        iam.delete_login_profile()
    elif kind == "accessKey":
        iam.delete_access_key(AccessKeyId=ident)
    elif kind == "signingCertificate":
        iam.delete_signing_certificate(CertificateId=ident)
    elif kind == "mfaDevice":
        iam.deactivate_mfa_device(SerialNumber=ident)
    else:  # pragma: no cover - RootCredentials.plan makes only the four kinds
        raise ValueError(f"unknown credential type {kind}")


def remediate_account(sts: Any, iam: Any, record: AccountRecord, *, apply: bool) -> None:
    """Plan (and with `apply` carry out) the deletion in one account; fills `record`."""
    try:
        credentials = assume_root(
            sts, record.id, DELETE_TASK_POLICY if apply else AUDIT_TASK_POLICY
        )
        with bound_credentials(credentials):
            found: RootCredentials = read_root_credentials(iam)
            record.planned = found.plan()
            if not record.planned:
                record.result = "NOTHING_TO_DELETE"
                return
            if not apply:
                record.result = "WOULD_DELETE"
                return
            for index, item in enumerate(record.planned):
                try:
                    _delete(iam, item)
                except (ClientError, BotoCoreError) as exc:
                    record.error = f"{item['type']} {item['id']}: {translate(exc)}"
                    record.not_deleted = record.planned[index:]
                    record.result = "PARTIAL" if record.deleted else "FAILED"
                    return
                record.deleted.append({**item, "at": _now()})
            record.result = "DELETED"
    except AccountError as err:
        record.error = str(err)
        record.not_deleted = list(record.planned)
        record.result = "FAILED"
    except (ClientError, BotoCoreError) as exc:
        record.error = str(translate(exc))
        record.not_deleted = list(record.planned)
        record.result = "FAILED"


def _targets(
    options: RemediateOptions, accounts: dict[str, Account], management: str | None
) -> list[Account]:
    targets: list[Account] = []
    for account_id in options.accounts:
        if account_id == management:
            raise UsageError(
                f"--account: {account_id} is the management account; root sessions cannot "
                "reach it and rootguard never deletes its root credentials"
            )
        account = accounts.get(account_id)
        if account is None:
            raise UsageError(
                f"--account: {account_id} is not an account of this organization; expected "
                "a member account id"
            )
        if not account.active:
            raise UsageError(
                f"--account: {account_id} is {account.state}; expected an ACTIVE account"
            )
        targets.append(account)
    if options.from_audit is not None:
        for account_id in accounts_from_audit(options.from_audit):
            account = accounts.get(account_id)
            if account_id == management or account is None or not account.active:
                why = (
                    "the management account"
                    if account_id == management
                    else "not an active account of this organization"
                )
                sys.stderr.write(f"rootguard remediate: skipping {account_id}: {why}\n")
                continue
            if account not in targets:
                targets.append(account)
    return targets


def render_table(records: Sequence[AccountRecord], *, apply: bool, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    def items(entries: Iterable[dict[str, str]]) -> str:
        return "\n".join(f"{entry['type']} {entry['id']}" for entry in entries)

    console = Console(file=out, width=None if out.isatty() else 200)
    title = "Root credentials deleted" if apply else "Root credentials that --apply would delete"
    table = Table(title=title, title_justify="left")
    for column in (
        "Account",
        "Name",
        "Result",
        "Deleted" if apply else "Would delete",
        "Not deleted",
        "Error",
    ):
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(
            record.id,
            record.name,
            record.result,
            items(record.deleted if apply else record.planned),
            items(record.not_deleted),
            record.error or "",
        )
    console.print(table)


def run(args: argparse.Namespace) -> int:
    options = parse_options(args)
    root = botocore.session.Session()
    session = boto3.Session(botocore_session=root)
    if session.get_credentials() is None:
        raise UsageError(
            "no AWS credentials found; expected the default boto3 chain to provide the "
            "management account's (or the IAM delegated administrator's)"
        )
    region = session.region_name or "us-east-1"
    config = Config(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS})
    caller_sts = root.create_client("sts", region_name=region, config=config)
    try:
        caller = caller_sts.get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"the AWS credentials do not work: {translate(exc)}") from exc
    organizations = root.create_client("organizations", region_name=region, config=config)
    try:
        listed = [
            Account.from_api(item)
            for page in organizations.get_paginator("list_accounts").paginate()
            for item in page.get("Accounts", [])
        ]
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"cannot list the organization's accounts: {translate(exc)}") from exc
    accounts = {account.id: account for account in listed}
    management = next((a.management_id for a in listed if a.management_id), None)
    targets = _targets(options, accounts, management)
    enabled, reason = centralized_root_access(
        root.create_client("iam", region_name=region, config=config)
    )
    if not enabled:
        raise UsageError(
            f"{ACTION} needs centralized root access: {reason}; expected "
            "RootCredentialsManagement on"
        )

    sts = root_sts_client(root, region, config)
    iam = member_iam_client(root, region, config)
    started = _now()
    records = []
    for account in targets:
        record = AccountRecord(account.id, account.name)
        remediate_account(sts, iam, record, apply=options.apply)
        records.append(record)
    document = {
        "action": ACTION,
        "dryRun": not options.apply,
        "caller": caller["Arn"],
        "startedAt": started,
        "finishedAt": _now(),
        "accounts": [record.to_json() for record in records],
    }
    if options.record is not None:
        options.record.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if options.format == "json":
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render_table(records, apply=options.apply, out=sys.stdout)
    sys.stdout.flush()
    return 0 if all(record.result in RESULTS_OK for record in records) else 1
