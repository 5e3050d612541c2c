"""`rootguard audit` usage errors: one line on stderr, exit 2, before any AWS call."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from rootguard.audit import runner as audit
from rootguard.cli import main
from tests.aws_stubs import stubbed_audit


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation must fail before any session is made; make one fail loudly."""

    def refuse(**_: Any) -> None:
        raise AssertionError("no AWS session may be created for a usage error")

    monkeypatch.setattr(audit.boto3, "Session", refuse)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--concurrency", "0"],
            "--concurrency: '0' is not valid; expected a whole number from 1 to 256",
        ),
        (
            ["--concurrency", "many"],
            "--concurrency: 'many' is not valid; expected a whole number from 1 to 256",
        ),
        (
            ["--concurrency", "1000"],
            "--concurrency: '1000' is not valid; expected a whole number from 1 to 256",
        ),
        (
            ["--timeout", "-1"],
            "--timeout: '-1' is not valid; expected a number of seconds above 0 and at most 3600",
        ),
        (["--format", "xml"], "--format: 'xml' is not a format; expected one of table, json, csv"),
        (
            ["--role-name", "bad role"],
            "--role-name: 'bad role' is not an IAM role name; expected up to 64 letters, digits "
            "or +=,.@_- (optionally after a path such as team/)",
        ),
        (
            ["--external-id", "x"],
            "--external-id: 'x' is not valid; expected 2 to 1224 letters, digits or +=,.@:/_-",
        ),
        (
            ["--from-aggregator", "has space"],
            "--from-aggregator: 'has space' is not an aggregator name; expected up to 256 "
            "letters, digits, _ or -",
        ),
        (
            ["--config-rule", "root-mfa"],
            "--config-rule: 'root-mfa' is only used with --from-aggregator NAME",
        ),
    ],
)
def test_audit_bad_option_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"rootguard audit: error: {message}\n"


def test_audit_unknown_option_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--regions", "all"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_audit_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--role-name",
        "--external-id",
        "--concurrency",
        "--timeout",
        "--format",
        "--from-aggregator",
        "--config-rule",
    ):
        assert option in out


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    with stubbed_audit(monkeypatch, ("sts", "organizations")) as stubbers:
        yield stubbers


def test_audit_expired_credentials_one_line_exit_2(
    stubs: dict[str, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    stubs["sts"].add_client_error("get_caller_identity", "ExpiredToken", "token expired", 403)
    assert main(["audit"]) == 2
    assert capsys.readouterr().err == (
        "rootguard audit: error: the AWS credentials do not work: "
        "ExpiredToken on GetCallerIdentity: token expired\n"
    )


def test_audit_member_account_caller_cannot_list_one_line_exit_2(
    stubs: dict[str, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    stubs["sts"].add_response(
        "get_caller_identity",
        {"Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/x", "UserId": "AIDA"},
    )
    stubs["organizations"].add_client_error(
        "list_accounts", "AccessDeniedException", "not the management account"
    )
    assert main(["audit", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "rootguard audit: error: cannot list the organization's accounts: AccessDeniedException "
        "on ListAccounts: not the management account; expected credentials of the management "
        "account or a delegated administrator"
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_stderr_only_when_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from rootguard.audit.checks import Account, failed

    account = Account("111111111111", "prod", "ACTIVE")
    for stream, drawn in ((io.StringIO(), False), (_Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        with audit._Progress() as progress:
            progress.submitted(account)
            progress.finished(failed(account, "x"))
        assert ("Checking accounts" in stream.getvalue()) is drawn
