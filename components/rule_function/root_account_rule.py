"""AWS Config custom rule: the account's root user is locked down.

A periodic rule about the account itself: one evaluation per run, resource type
`AWS::::Account`, resource id = the event's `accountId`, ordering timestamp = the
invoking event's `notificationCreationTime`. Needs nothing beyond boto3/botocore.

Rule parameters (strings, all optional):
  RequireHardwareMfa  "true" | "false" (default "false")
  RootUseWindowDays   whole days, "0" = off (default "0")
  ExecutionRoleName   role assumed in the event's account when that is not the
                      function's own account (organization rules)
  RootCredentialsManaged
                      "true" | "false" (default "false"): the organization has centralized
                      root credentials management on, so a root without credentials cannot
                      be recovered by whoever reads the root email (scenarios 7 and 14)

Scenarios (the numbers are carried by the branches below and by the tests' names):
 1. Given a message type other than ScheduledNotification,
    then no evaluation and no error.
 2. Given root has no MFA (AccountMFAEnabled 0), then NON_COMPLIANT.
 3. Given root has access keys (AccountAccessKeysPresent 1), then NON_COMPLIANT.
 4. Given root's MFA is a virtual device (an assigned virtual MFA device whose User.Arn
    is the account's root) and RequireHardwareMfa is "true", then NON_COMPLIANT.
 5. Given root has MFA, no access keys, and neither 4 nor 6 applies,
    then COMPLIANT, the annotation naming the MFA type (virtual or hardware).
 6. Given RootUseWindowDays N > 0 and the credential report's <root_account> row shows
    the password or an access key used within N days before the notification,
    then NON_COMPLIANT, the annotation giving the date.
 7. Given root has no credentials at all (no MFA, no access keys, and the credential
    report shows no password and no active key or certificate) and RootCredentialsManaged
    is "true" (root is managed centrally, password recovery is blocked),
    then NOT_APPLICABLE.
 8. Given data the rule needs could not be read (account summary incomplete, credential
    report not ready within the bounded wait or without a <root_account> row),
    then never COMPLIANT: NON_COMPLIANT naming what could not be verified.
 9. Given throttling, then botocore's adaptive retries retry the call; a credential
    report LimitExceeded is retried within the bounded wait.
10. Given AccessDenied on any call, then one log line and no evaluation.
11. Given a malformed event or rule parameter, then one log line and no evaluation.
12. Given the event's account is not the function's own, then the rule assumes
    ExecutionRoleName in that account first and reads and reports with that role.
13. Given the event's account is not the function's own and not a member of the
    function's organization (Organizations DescribeAccount answers
    AccountNotFoundException), then one log line and no evaluation: no role is assumed
    there. Config of any account can be pointed at this function; only the
    organization's accounts are evaluated.
14. Given root has no credentials at all but RootCredentialsManaged is not "true",
    then NON_COMPLIANT ("recoverable, no MFA"): whoever controls the root email address
    can recover the password, and root then has no MFA.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypedDict

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger("rootguard.root_account_rule")
LOG.setLevel(logging.INFO)

SCHEDULED_NOTIFICATION = "ScheduledNotification"
RESOURCE_TYPE = "AWS::::Account"
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
NOT_APPLICABLE = "NOT_APPLICABLE"

MAX_EVALUATIONS_PER_CALL = 100
MAX_ANNOTATION_CHARS = 256
TEST_MODE_TOKEN = "TESTMODE"

REPORT_WAIT_SECONDS = 60.0
"""Longest wait for IAM to finish a credential report (the function's timeout covers it)."""
REPORT_POLL_SECONDS = 2.0
ROOT_ROW = "<root_account>"
SESSION_NAME = "rootguard-root-account-rule"

ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
NOT_A_MEMBER_CODES = frozenset({"AccountNotFoundException", "AWSOrganizationsNotInUseException"})
REPORT_NOT_READY_CODES = frozenset(
    {"ReportNotPresent", "ReportInProgress", "ReportExpired", "LimitExceeded"}
)

# Scenario 9: adaptive retries back off and rate-limit the client on throttling.
BOTO_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=20,
)

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_WINDOW_DAYS = re.compile(r"^\d{1,4}$")


class Evaluation(TypedDict):
    """One record of `config:PutEvaluations` (its members, as boto3 takes them)."""

    ComplianceResourceType: str
    ComplianceResourceId: str
    ComplianceType: str
    Annotation: str
    OrderingTimestamp: datetime


class MalformedEvent(ValueError):
    """The event, the context or a rule parameter is not what this rule expects."""


class CredentialReportUnavailable(Exception):
    """The credential report's root row could not be read in time."""


class NotAMember(Exception):
    """The event's account is not in the function's organization."""


@dataclass(frozen=True)
class RuleParameters:
    require_hardware_mfa: bool = False
    root_use_window_days: int = 0
    execution_role_name: str | None = None
    root_credentials_managed: bool = False


@dataclass(frozen=True)
class PeriodicEvent:
    """What an evaluation is about: the account, its partition and the run's time."""

    account_id: str
    partition: str
    notification_time: datetime


@dataclass(frozen=True)
class Invocation:
    event: PeriodicEvent
    params: RuleParameters
    result_token: str
    own_account_id: str


@dataclass(frozen=True)
class Clients:
    iam: Any
    config: Any


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Entry point: parse, evaluate, send. Never logs the event itself."""
    try:
        message_type = read_message_type(event)
        if message_type != SCHEDULED_NOTIFICATION:
            # Scenario 1
            LOG.info("No evaluation: this periodic rule ignores %s messages.", message_type)
            return {"evaluations": []}
        invocation = parse_invocation(event, context)
    except MalformedEvent as err:
        # Scenario 11
        LOG.error("No evaluation: malformed event: %s", err)
        return {"evaluations": []}

    try:
        clients = clients_for(base_session(), invocation)
        evaluations = evaluate_periodic(clients, invocation.event, invocation.params)
        sent = send_evaluations(clients.config, evaluations, invocation.result_token)
    except NotAMember as err:
        # Scenario 13
        LOG.error("No evaluation: %s", err)
        return {"evaluations": []}
    except ClientError as err:
        if error_code(err) not in ACCESS_DENIED_CODES:
            raise
        # Scenario 10
        LOG.error(
            "No evaluation for account %s: access denied on %s: %s",
            invocation.event.account_id,
            err.operation_name,
            err.response.get("Error", {}).get("Message", ""),
        )
        return {"evaluations": []}

    for evaluation in sent:
        LOG.info(
            "Account %s is %s: %s",
            evaluation["ComplianceResourceId"],
            evaluation["ComplianceType"],
            evaluation["Annotation"],
        )
    return {"evaluations": [_printable(evaluation) for evaluation in sent]}


def evaluate_periodic(
    clients: Clients,
    event: PeriodicEvent,
    params: RuleParameters,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Evaluation]:
    """The rule itself: read root's state and return its evaluations; sends nothing."""
    summary = clients.iam.get_account_summary().get("SummaryMap", {})
    mfa_enabled = summary.get("AccountMFAEnabled")
    keys_present = summary.get("AccountAccessKeysPresent")
    if mfa_enabled is None or keys_present is None:
        # Scenario 8
        return [
            _evaluation(
                event,
                NON_COMPLIANT,
                "The IAM account summary lacks AccountMFAEnabled or "
                "AccountAccessKeysPresent: the root user could not be verified.",
            )
        ]

    @functools.cache
    def root_row() -> dict[str, str] | str:
        """The report's root row, or why it could not be read (read at most once)."""
        try:
            return read_root_row(clients.iam, sleep=sleep, clock=clock)
        except CredentialReportUnavailable as err:
            return str(err)

    problems: list[str] = []
    mfa_type = ""
    if not mfa_enabled:
        # Scenario 2
        problems.append("the root user has no MFA")
        if not keys_present:
            row = root_row()
            if isinstance(row, str):
                # Scenario 8: not shown to be credential-free, so the missing MFA stands.
                problems.append(f"whether root has any credential could not be verified ({row})")
            elif has_no_credentials(row):
                # A root without credentials is safe only where its password cannot be
                # recovered. IAM User Guide, "AWS account root user": with centralized
                # root access, "Member accounts can't sign in to their root user or
                # perform password recovery for their root user unless account recovery
                # is enabled"; without it, whoever reads the root email resets the
                # password from the sign-in page, and root then has no MFA.
                if params.root_credentials_managed:
                    # Scenario 7
                    return [
                        _evaluation(
                            event,
                            NOT_APPLICABLE,
                            "The root user has no password, access key, certificate or MFA: "
                            "root access is managed centrally.",
                        )
                    ]
                # Scenario 14: replaces the plain "no MFA", which it explains.
                problems[:] = [
                    "recoverable, no MFA: the root user has no credentials, but without "
                    "centralized root credentials management whoever controls the root "
                    "email address can reset its password"
                ]
    else:
        mfa_type = "virtual" if root_has_virtual_mfa(clients.iam, event) else "hardware"
        if mfa_type == "virtual" and params.require_hardware_mfa:
            # Scenario 4
            problems.append("the root user's MFA is a virtual device, a hardware one is required")
    if keys_present:
        # Scenario 3
        problems.append("the root user has access keys")

    if params.root_use_window_days > 0:
        row = root_row()
        if isinstance(row, str):
            # Scenario 8
            problems.append(
                f"root use in the last {params.root_use_window_days} days could not be "
                f"verified ({row})"
            )
        else:
            # Scenario 6
            problems.extend(recent_root_use(row, event, params.root_use_window_days))

    if problems:
        return [_evaluation(event, NON_COMPLIANT, _sentence(problems))]
    # Scenario 5
    return [_evaluation(event, COMPLIANT, f"The root user has {mfa_type} MFA and no access keys.")]


def send_evaluations(
    config: Any, evaluations: Sequence[Evaluation], result_token: str
) -> list[Evaluation]:
    """The one place that talks to Config: batches, annotation limit, TESTMODE.

    Returns the records as sent. An account-level rule has no stale resources to
    clean up: each run's single evaluation replaces the previous one.
    """
    records = [
        Evaluation(**{**evaluation, "Annotation": clip_annotation(evaluation["Annotation"])})
        for evaluation in evaluations
    ]
    for start in range(0, len(records), MAX_EVALUATIONS_PER_CALL):
        response = config.put_evaluations(
            Evaluations=records[start : start + MAX_EVALUATIONS_PER_CALL],
            ResultToken=result_token,
            TestMode=result_token == TEST_MODE_TOKEN,
        )
        failed = response.get("FailedEvaluations") or []
        if failed:
            LOG.error("Config rejected %d evaluation(s).", len(failed))
    return records


def clip_annotation(text: str) -> str:
    if len(text) <= MAX_ANNOTATION_CHARS:
        return text
    return text[: MAX_ANNOTATION_CHARS - 3] + "..."


def root_has_virtual_mfa(iam: Any, event: PeriodicEvent) -> bool:
    """True when an assigned virtual MFA device belongs to root (decided by User.Arn)."""
    root_arn = f"arn:{event.partition}:iam::{event.account_id}:root"
    paginator = iam.get_paginator("list_virtual_mfa_devices")
    pages = paginator.paginate(AssignmentStatus="Assigned", PaginationConfig={"PageSize": 1000})
    for page in pages:
        for device in page.get("VirtualMFADevices", []):
            if device.get("User", {}).get("Arn") == root_arn:
                return True
    return False


def read_root_row(
    iam: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    wait_seconds: float = REPORT_WAIT_SECONDS,
) -> dict[str, str]:
    """Generate (or reuse) the credential report, poll it, and return root's row."""
    deadline = clock() + wait_seconds
    while True:
        try:
            state = iam.generate_credential_report().get("State")
            if state == "COMPLETE":
                content = iam.get_credential_report()["Content"]
                break
        except ClientError as err:
            # Scenario 9: LimitExceeded and a report not ready yet are retried until the deadline.
            if error_code(err) not in REPORT_NOT_READY_CODES:
                raise
        if clock() >= deadline:
            raise CredentialReportUnavailable(
                f"the credential report was not ready within {wait_seconds:.0f} s"
            )
        sleep(REPORT_POLL_SECONDS)
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("user") == ROOT_ROW:
            return row
    raise CredentialReportUnavailable(f"the credential report has no {ROOT_ROW} row")


def has_no_credentials(row: Mapping[str, str]) -> bool:
    """Root has no password, key, certificate or MFA ("not_supported" proves nothing)."""
    columns = (
        "password_enabled",
        "mfa_active",
        "access_key_1_active",
        "access_key_2_active",
        "cert_1_active",
        "cert_2_active",
    )
    return all(row.get(column, "").strip().lower() == "false" for column in columns)


def recent_root_use(row: Mapping[str, str], event: PeriodicEvent, days: int) -> list[str]:
    """One problem naming every root credential used within `days` of the run."""
    since = event.notification_time - timedelta(days=days)
    uses = []
    for column, credential in (
        ("password_last_used", "password"),
        ("access_key_1_last_used_date", "access key 1"),
        ("access_key_2_last_used_date", "access key 2"),
    ):
        used = _report_time(row.get(column, ""))
        if used is not None and used >= since:
            uses.append(f"{credential} on {used:%Y-%m-%d %H:%M} UTC")
    if not uses:
        return []
    return [f"root was used within the last {days} days ({', '.join(uses)})"]


def read_message_type(event: Any) -> str:
    invoking = _invoking_event(event)
    message_type = invoking.get("messageType")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedEvent("invokingEvent has no messageType")
    return message_type


def parse_invocation(event: Any, context: Any) -> Invocation:
    """Everything a periodic run needs, checked; MalformedEvent says what is wrong."""
    invoking = _invoking_event(event)
    account_id = event.get("accountId")
    if not isinstance(account_id, str) or not _ACCOUNT_ID.match(account_id):
        raise MalformedEvent(f"accountId {account_id!r} is not a 12-digit account id")
    result_token = event.get("resultToken")
    if not isinstance(result_token, str) or not result_token:
        raise MalformedEvent("resultToken is missing")
    notification_time = _event_time(invoking.get("notificationCreationTime"))
    params = parse_rule_parameters(event.get("ruleParameters"))

    function_arn = getattr(context, "invoked_function_arn", "")
    arn_parts = function_arn.split(":") if isinstance(function_arn, str) else []
    if len(arn_parts) < 7 or not _ACCOUNT_ID.match(arn_parts[4]):
        raise MalformedEvent(f"context.invoked_function_arn {function_arn!r} is not a function ARN")
    partition, own_account_id = arn_parts[1], arn_parts[4]
    if account_id != own_account_id and params.execution_role_name is None:
        raise MalformedEvent(
            f"rule parameter ExecutionRoleName is required: the event's account {account_id} "
            f"is not the function's account {own_account_id}"
        )
    return Invocation(
        event=PeriodicEvent(account_id, partition, notification_time),
        params=params,
        result_token=result_token,
        own_account_id=own_account_id,
    )


def parse_rule_parameters(raw: Any) -> RuleParameters:
    if raw in (None, ""):
        return RuleParameters()
    try:
        values = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise MalformedEvent("ruleParameters is not a JSON object")

    hardware = str(values.get("RequireHardwareMfa", "false")).strip().lower()
    if hardware not in ("true", "false"):
        raise MalformedEvent(
            f'rule parameter RequireHardwareMfa {hardware!r} is not "true" or "false"'
        )
    window = str(values.get("RootUseWindowDays", "0")).strip()
    if not _WINDOW_DAYS.match(window):
        raise MalformedEvent(
            f"rule parameter RootUseWindowDays {window!r} is not a whole number of days (0-9999)"
        )
    managed = str(values.get("RootCredentialsManaged", "false")).strip().lower()
    if managed not in ("true", "false"):
        raise MalformedEvent(
            f'rule parameter RootCredentialsManaged {managed!r} is not "true" or "false"'
        )
    role_name = values.get("ExecutionRoleName")
    if role_name in (None, ""):
        role_name = None
    elif not isinstance(role_name, str) or not _ROLE_NAME.match(role_name):
        raise MalformedEvent(f"rule parameter ExecutionRoleName {role_name!r} is not a role name")
    return RuleParameters(
        require_hardware_mfa=hardware == "true",
        root_use_window_days=int(window),
        execution_role_name=role_name,
        root_credentials_managed=managed == "true",
    )


@functools.cache
def base_session() -> boto3.Session:
    """The function's own session, kept for the life of the execution environment:
    service models load once, not on every invocation."""
    return boto3.Session()


@functools.cache
def own_clients(session: boto3.Session) -> Clients:
    """Clients with the function's own role; they refresh their credentials themselves."""
    return Clients(
        iam=session.client("iam", config=BOTO_CONFIG),
        config=session.client("config", config=BOTO_CONFIG),
    )


def clients_for(session: boto3.Session, invocation: Invocation) -> Clients:
    """Clients for the event's account: the function's own, or an assumed role."""
    event = invocation.event
    if event.account_id == invocation.own_account_id:
        return own_clients(session)
    require_member(session, event.account_id)  # Scenario 13
    # Scenario 12
    role_arn = (
        f"arn:{event.partition}:iam::{event.account_id}:role/"
        f"{invocation.params.execution_role_name}"
    )
    sts = session.client("sts", config=BOTO_CONFIG)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    keys = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    # Clients from the one session with explicit keys: no second model load.
    return Clients(
        iam=session.client("iam", config=BOTO_CONFIG, **keys),
        config=session.client("config", config=BOTO_CONFIG, **keys),
    )


def require_member(session: boto3.Session, account_id: str) -> None:
    """Raise NotAMember unless `account_id` belongs to the function's organization.

    DescribeAccount answers for accounts of the caller's organization only, and the
    function runs where it may call it: the management account, or a delegated
    administrator (Organizations API reference: "called only from the organization's
    management account or by a member account that is a delegated administrator").
    """
    organizations = session.client("organizations", config=BOTO_CONFIG)
    try:
        organizations.describe_account(AccountId=account_id)
    except ClientError as err:
        if error_code(err) in NOT_A_MEMBER_CODES:
            raise NotAMember(
                f"account {account_id} is not a member of this function's organization "
                f"({error_code(err)}); no role is assumed there"
            ) from None
        raise


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _invoking_event(event: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    raw = event.get("invokingEvent")
    try:
        invoking = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        invoking = None
    if not isinstance(invoking, dict):
        raise MalformedEvent("invokingEvent is not a JSON object string")
    return invoking


def _event_time(raw: Any) -> datetime:
    parsed = _parse_time(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise MalformedEvent(f"notificationCreationTime {raw!r} is not an ISO 8601 time")
    return parsed


def _report_time(raw: str) -> datetime | None:
    """A credential report date; None for N/A, no_information, not_supported."""
    return _parse_time(raw.strip()) if raw and raw[0].isdigit() else None


def _parse_time(raw: str) -> datetime | None:
    text = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _evaluation(event: PeriodicEvent, compliance: str, annotation: str) -> Evaluation:
    return Evaluation(
        ComplianceResourceType=RESOURCE_TYPE,
        ComplianceResourceId=event.account_id,
        ComplianceType=compliance,
        Annotation=annotation,
        OrderingTimestamp=event.notification_time,
    )


def _sentence(problems: Sequence[str]) -> str:
    text = "; ".join(problems)
    return text[0].upper() + text[1:] + "."


def _printable(evaluation: Evaluation) -> dict[str, str]:
    """The evaluation as JSON-safe values (a Lambda return value must serialize)."""
    return {
        **{key: str(value) for key, value in evaluation.items()},
        "OrderingTimestamp": evaluation["OrderingTimestamp"].isoformat(),
    }
