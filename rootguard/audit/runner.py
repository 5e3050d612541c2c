"""`rootguard audit`: root MFA and root access keys in every account of an organization.

The guide's loop over `ListAccounts`, made dependable: every page of accounts,
accounts that are not ACTIVE reported NOT_APPLICABLE, the caller's own account
(the management account) checked with the caller's own credentials, the others
through one assumed role each, concurrently, with adaptive retries and a time
bound per account. Every account is one row: a verdict, or the reason it has none.

Credentials come from the default boto3 chain; `AWS_ENDPOINT_URL` is honoured by
botocore itself (it applies to every client, including those made with assumed-role
credentials). Exit 0 when every active account is compliant, 1 when any is
non-compliant or could not be checked, 2 when the audit cannot run at all.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.audit.aggregator import read_evidence, results_from_evidence
from rootguard.audit.checks import (
    Account,
    AccountResult,
    CheckContext,
    check_account,
    inactive_reason,
    install_deadline_hook,
    member_iam_client,
    not_applicable,
    run_checks,
)
from rootguard.audit.reports import FORMATS, exit_code, render
from rootguard.audit.root_sessions import (
    RootSessionContext,
    centralized_root_access,
    check_account_root_session,
    root_sts_client,
)
from rootguard.errors import UsageError

DEFAULT_ROLE = "OrganizationAccountAccessRole"
DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 256
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0
MAX_ATTEMPTS = 5  # botocore attempts per call, first try included

_ROLE_NAME = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_AGGREGATOR = re.compile(r"^[\w-]{1,256}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role-name",
        default=DEFAULT_ROLE,
        metavar="NAME",
        help=f"role assumed in each member account (default {DEFAULT_ROLE})",
    )
    parser.add_argument("--external-id", metavar="ID", help="external id for AssumeRole")
    parser.add_argument(
        "--concurrency",
        default=str(DEFAULT_CONCURRENCY),
        metavar="N",
        help=f"accounts checked at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--timeout",
        default=f"{DEFAULT_TIMEOUT:g}",
        metavar="SECONDS",
        help=f"time bound per account (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--format", default="table", metavar="FORMAT", help="table (default), json or csv"
    )
    parser.add_argument(
        "--from-aggregator",
        metavar="NAME",
        help="read ROOT_ACCOUNT_MFA_ENABLED results from this AWS Config aggregator "
        "instead of assuming a role in every account",
    )
    parser.add_argument(
        "--root-sessions",
        action="store_true",
        help="read each member's root user through a root session (sts:AssumeRoot with "
        "the IAMAuditRootUserCredentials task policy) instead of a role; needs "
        "centralized root access",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained one-page HTML report to FILE",
    )
    parser.add_argument(
        "--by-ou",
        action="store_true",
        help="with --html: counts per verdict for each organizational unit too",
    )
    parser.add_argument(
        "--config-rule",
        action="append",
        default=[],
        metavar="NAME",
        help="with --from-aggregator: the exact name of the deployed root MFA rule "
        "(repeatable; default: recognise it by name)",
    )


@dataclass(frozen=True)
class AuditOptions:
    role_name: str
    external_id: str | None
    concurrency: int
    timeout: float
    format: str
    aggregator: str | None
    config_rules: tuple[str, ...]
    root_sessions: bool = False
    html: Path | None = None
    by_ou: bool = False


def parse_options(args: argparse.Namespace) -> AuditOptions:
    """Validate the command line; each problem is one UsageError line."""
    concurrency_text = str(args.concurrency)
    try:
        concurrency = int(concurrency_text)
    except ValueError:
        concurrency = 0
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(
            f"--concurrency: {concurrency_text!r} is not valid; "
            f"expected a whole number from 1 to {MAX_CONCURRENCY}"
        )
    timeout_text = str(args.timeout)
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= MAX_TIMEOUT:
        raise UsageError(
            f"--timeout: {timeout_text!r} is not valid; "
            f"expected a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    if args.format not in FORMATS:
        raise UsageError(
            f"--format: {args.format!r} is not a format; expected one of {', '.join(FORMATS)}"
        )
    if not _ROLE_NAME.match(args.role_name):
        raise UsageError(
            f"--role-name: {args.role_name!r} is not an IAM role name; expected up to 64 "
            "letters, digits or +=,.@_- (optionally after a path such as team/)"
        )
    if args.external_id is not None and not _EXTERNAL_ID.match(args.external_id):
        raise UsageError(
            f"--external-id: {args.external_id!r} is not valid; "
            "expected 2 to 1224 letters, digits or +=,.@:/_-"
        )
    if args.from_aggregator is not None and not _AGGREGATOR.match(args.from_aggregator):
        raise UsageError(
            f"--from-aggregator: {args.from_aggregator!r} is not an aggregator name; "
            "expected up to 256 letters, digits, _ or -"
        )
    rules = tuple(args.config_rule)
    if rules and args.from_aggregator is None:
        raise UsageError(f"--config-rule: {rules[0]!r} is only used with --from-aggregator NAME")
    for rule in rules:
        if not rule.strip() or len(rule) > 128:
            raise UsageError(f"--config-rule: {rule!r} is not a Config rule name")
    if args.root_sessions and args.from_aggregator is not None:
        raise UsageError(
            "--root-sessions: not with --from-aggregator; expected one way to read the accounts"
        )
    html = None
    if args.html is not None:
        html = Path(args.html)
        if not html.parent.is_dir() or html.is_dir():
            raise UsageError(
                f"--html: {args.html!r} is not a file path in an existing folder; expected "
                "where to write the report, e.g. root-audit.html"
            )
    if args.by_ou and html is None:
        raise UsageError("--by-ou: counts per OU go in the HTML report; expected --html FILE too")
    return AuditOptions(
        role_name=args.role_name,
        external_id=args.external_id,
        concurrency=concurrency,
        timeout=timeout,
        format=args.format,
        aggregator=args.from_aggregator,
        config_rules=rules,
        root_sessions=bool(args.root_sessions),
        html=html,
        by_ou=bool(args.by_ou),
    )


def _one_line(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Unknown')} on {exc.operation_name}: {error.get('Message', '')}"
    return str(exc)


def _client_config(options: AuditOptions) -> Config:
    return Config(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=min(10.0, options.timeout),
        read_timeout=min(60.0, options.timeout),
        # The shared STS client serves every worker at once.
        max_pool_connections=max(10, options.concurrency),
    )


def _list_accounts(organizations: Any) -> Iterator[Account]:
    """Every account of every ListAccounts page, lazily (pages are fetched as consumed)."""
    try:
        for page in organizations.get_paginator("list_accounts").paginate():
            for item in page.get("Accounts", []):
                yield Account.from_api(item)
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(
            f"cannot list the organization's accounts: {_one_line(exc)}; expected "
            "credentials of the management account or a delegated administrator"
        ) from exc


def account_ous(organizations: Any) -> dict[str, str]:
    """Each account's organizational unit, as a path of names (`Root / Prod / Web`).

    Walks the tree from the root (ListRoots, then per parent ListOrganizationalUnitsFor
    Parent and ListAccountsForParent, every page): one call per OU and page, not one
    ListParents per account.
    """
    found: dict[str, str] = {}
    try:
        pending: list[tuple[str, str]] = [
            (root["Id"], str(root.get("Name") or "Root"))
            for page in organizations.get_paginator("list_roots").paginate()
            for root in page.get("Roots", [])
        ]
        while pending:
            parent, path = pending.pop()
            for page in organizations.get_paginator("list_accounts_for_parent").paginate(
                ParentId=parent
            ):
                for item in page.get("Accounts", []):
                    found[str(item["Id"])] = path
            for page in organizations.get_paginator(
                "list_organizational_units_for_parent"
            ).paginate(ParentId=parent):
                for unit in page.get("OrganizationalUnits", []):
                    pending.append((unit["Id"], f"{path} / {unit.get('Name') or unit['Id']}"))
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"--by-ou: cannot read the organization's OUs: {_one_line(exc)}") from exc
    return found


class _Progress:
    """A progress bar on stderr when it is a terminal; otherwise it does nothing."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._total = 0

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("Checking accounts", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def submitted(self, _account: Account) -> None:
        self._total += 1
        if self._bar is not None:
            self._bar.update(self._task, total=self._total)

    def finished(self, _result: AccountResult) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)


def _check(context: CheckContext, account: Account) -> AccountResult:
    if not account.active:
        return not_applicable(account, inactive_reason(account))
    return check_account(context, account)


def _check_root_session(
    context: CheckContext, sessions: RootSessionContext, account: Account
) -> AccountResult:
    if not account.active:
        return not_applicable(account, inactive_reason(account))
    if account.id in (context.caller_account, account.management_id):
        # AssumeRoot reaches member accounts only: the caller's own account and the
        # management account are read as without --root-sessions.
        return check_account(context, account)
    return check_account_root_session(sessions, account)


def _audit_accounts(
    root: botocore.session.Session,
    options: AuditOptions,
    config: Config,
    *,
    region: str,
    sts: Any,
    identity: dict[str, Any],
    accounts: Iterable[Account],
) -> list[AccountResult]:
    # Every client is made here, before fanning out; workers never touch a session.
    context = CheckContext(
        sts=install_deadline_hook(sts),
        own_iam=install_deadline_hook(root.create_client("iam", region_name=region, config=config)),
        member_iam=member_iam_client(root, region, config),
        caller_account=str(identity["Account"]),
        partition=str(identity["Arn"]).split(":")[1],
        role_name=options.role_name,
        external_id=options.external_id,
    )
    check = partial(_check, context)
    if options.root_sessions:
        sessions = RootSessionContext(
            sts=root_sts_client(root, region, config), member_iam=context.member_iam
        )
        check = partial(_check_root_session, context, sessions)
    with _Progress() as progress:
        return run_checks(
            accounts,
            check,
            concurrency=options.concurrency,
            timeout=options.timeout,
            on_submit=progress.submitted,
            on_result=progress.finished,
        )


def _audit_aggregator(
    session: Any,
    options: AuditOptions,
    config: Config,
    accounts: Sequence[Account] | None,
) -> list[AccountResult]:
    assert options.aggregator is not None
    if not session.region_name:
        raise UsageError(
            f"--from-aggregator: {options.aggregator!r} needs its region; "
            "set AWS_REGION (or the profile's region) to the aggregator's region"
        )
    config_client = session.client("config", region_name=session.region_name, config=config)
    try:
        evidence = read_evidence(config_client, options.aggregator, options.config_rules)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchConfigurationAggregatorException":
            raise UsageError(
                f"--from-aggregator: {options.aggregator!r} is not a configuration aggregator "
                f"in {session.region_name}; expected the name of an organization aggregator"
            ) from exc
        raise UsageError(f"--from-aggregator: {options.aggregator!r}: {_one_line(exc)}") from exc
    except BotoCoreError as exc:
        raise UsageError(f"--from-aggregator: {options.aggregator!r}: {_one_line(exc)}") from exc
    return results_from_evidence(accounts, evidence, options.aggregator)


def run(args: argparse.Namespace) -> int:
    options = parse_options(args)
    root = botocore.session.Session()  # the one root session (boto3's default chain)
    session = boto3.Session(botocore_session=root)
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise UsageError(f"AWS credentials: {exc}") from exc
    if credentials is None:
        raise UsageError(
            "no AWS credentials found; expected the default boto3 chain to provide some "
            "(AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO or an instance role)"
        )
    # IAM and Organizations are global; STS answers in any region.
    region = session.region_name or "us-east-1"
    config = _client_config(options)
    sts = session.client("sts", region_name=region, config=config)
    organizations = session.client("organizations", region_name=region, config=config)
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"the AWS credentials do not work: {_one_line(exc)}") from exc

    mode = "aggregator" if options.aggregator else "roles"
    if options.root_sessions:
        own_iam = root.create_client("iam", region_name=region, config=config)
        enabled, reason = centralized_root_access(own_iam)
        if enabled:
            mode = "root-sessions"
        else:
            # Said once; every account is then read as without --root-sessions.
            sys.stderr.write(
                f"rootguard audit: warning: --root-sessions: {reason}; reading every account "
                f"through the role {options.role_name} instead\n"
            )
            options = replace(options, root_sessions=False)
    if options.aggregator is None:
        results = _audit_accounts(
            root,
            options,
            config,
            region=region,
            sts=sts,
            identity=identity,
            accounts=_list_accounts(organizations),
        )
    else:
        accounts: list[Account] | None
        try:
            accounts = list(_list_accounts(organizations))
        except UsageError as err:
            sys.stderr.write(
                f"rootguard audit: warning: {err}; reporting the aggregator's accounts only\n"
            )
            accounts = None
        results = _audit_aggregator(session, options, config, accounts)
    render(results, options.format, sys.stdout, mode=mode)
    sys.stdout.flush()
    if options.html is not None:
        from rootguard.audit.html_report import write_html

        ous = account_ous(organizations) if options.by_ou else None
        write_html(results, options.html, mode=mode, ous=ous)
    return exit_code(results)
