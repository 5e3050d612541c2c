"""The per-account root check of `rootguard audit`, and the pool that runs it.

Every account of the organization ends as exactly one :class:`AccountResult`:
a verdict (COMPLIANT / NON_COMPLIANT), NOT_APPLICABLE with the reason (the account
is not ACTIVE), or ERROR with the reason (role not assumable, throttled past the
retries, timed out, ...). Nothing is dropped and no traceback reaches the user.

Threading follows boto3's rules: sessions are not thread-safe, clients are. Every
client is made before fanning out, from one root session (the caller's STS and IAM
clients) plus one IAM client for all member accounts whose credentials are the
calling worker's assumed-role credentials (see AssumedRoleCredentials); workers
never touch a session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    ReadOnlyCredentials,
)
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


class Status(str, Enum):
    """The verdict for one account (the JSON `status`)."""

    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    CENTRALLY_MANAGED = "CENTRALLY_MANAGED"
    """Root has no credentials at all and the organization blocks their recovery
    (root sessions only: the authoritative answer)."""
    NOT_APPLICABLE = "NOT_APPLICABLE"
    ERROR = "ERROR"


class MfaType(str, Enum):
    """What kind of MFA protects root (the JSON `mfaType`)."""

    HARDWARE = "hardware"
    VIRTUAL = "virtual"
    NONE = "none"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Account:
    """One entry of Organizations ListAccounts."""

    id: str
    name: str
    state: str
    """`State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...), else the older `Status`."""
    management_id: str | None = None
    """The organization's management account, read from the account's ARN."""

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Account:
        # `State` superseded `Status` (which AWS is retiring); read either.
        state = item.get("State") or item.get("Status") or "UNKNOWN"
        # arn:<partition>:organizations::<management id>:account/o-<org>/<id>
        arn_parts = str(item.get("Arn", "")).split(":")
        management = arn_parts[4] if len(arn_parts) > 5 and arn_parts[4] else None
        return cls(
            id=str(item["Id"]),
            name=str(item.get("Name", "")),
            state=str(state),
            management_id=management,
        )

    @property
    def active(self) -> bool:
        return self.state == "ACTIVE"


@dataclass(frozen=True)
class AccountResult:
    """One output row; `to_json` is ARCHITECTURE.md's account shape, then what only a
    root session can tell (null in the other modes)."""

    id: str
    name: str
    status: Status
    mfa_enabled: bool | None
    mfa_type: MfaType
    root_access_keys: bool | None
    error: str | None = None
    password_present: bool | None = None
    """Root has a console password (root sessions: GetLoginProfile)."""
    signing_certificates: bool | None = None
    """Root has X.509 signing certificates (root sessions)."""
    mfa_devices: int | None = None
    """How many MFA devices root has (root sessions)."""
    mfa_device_types: tuple[str, ...] | None = None
    """Each device's kind: virtual, hardware (TOTP token) or passkey (FIDO key)."""
    findings: tuple[str, ...] = ()
    """What should be done about root, in sentences (root sessions)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status.value,
            "mfaEnabled": self.mfa_enabled,
            "mfaType": self.mfa_type.value,
            "rootAccessKeys": self.root_access_keys,
            "error": self.error,
            "passwordPresent": self.password_present,
            "signingCertificates": self.signing_certificates,
            "mfaDevices": self.mfa_devices,
            "mfaDeviceTypes": None
            if self.mfa_device_types is None
            else list(self.mfa_device_types),
            "findings": list(self.findings),
        }


def classify(
    account: Account,
    *,
    mfa_enabled: bool,
    root_access_keys: bool,
    mfa_type: MfaType,
    note: str | None = None,
) -> AccountResult:
    """COMPLIANT only when root has MFA and no access keys; NON_COMPLIANT otherwise."""
    compliant = mfa_enabled and not root_access_keys
    return AccountResult(
        id=account.id,
        name=account.name,
        status=Status.COMPLIANT if compliant else Status.NON_COMPLIANT,
        mfa_enabled=mfa_enabled,
        mfa_type=mfa_type if mfa_enabled else MfaType.NONE,
        root_access_keys=root_access_keys,
        error=note,
    )


def not_applicable(account: Account, reason: str) -> AccountResult:
    return AccountResult(
        account.id, account.name, Status.NOT_APPLICABLE, None, MfaType.UNKNOWN, None, reason
    )


def failed(account: Account, reason: str) -> AccountResult:
    return AccountResult(
        account.id, account.name, Status.ERROR, None, MfaType.UNKNOWN, None, reason
    )


def inactive_reason(account: Account) -> str:
    return f"account is {account.state}, not ACTIVE: root is not checked"


def root_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def mfa_type_from_devices(devices: Iterable[Mapping[str, Any]], root: str) -> MfaType:
    """Given that root MFA is on: virtual when an assigned virtual device belongs to root.

    The decision is by the device's `User.Arn`, never by its serial number's name;
    MFA on with no virtual device of root's means a hardware device (TOTP token or
    FIDO security key).
    """
    for device in devices:
        if (device.get("User") or {}).get("Arn") == root:
            return MfaType.VIRTUAL
    return MfaType.HARDWARE


# --- typed failures ---------------------------------------------------------------

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidClientTokenId"}
)


class AccountError(Exception):
    """An account could not be checked; str() is the reason in its ERROR row."""


class RoleNotAssumable(AccountError):
    """AssumeRole into the account was refused (role missing, or not trusting the caller)."""


class AccessDenied(AccountError):
    """The assumed role may not read the account summary."""


class Throttled(AccountError):
    """Throttled still after botocore's adaptive retries."""


class AccountTimeout(AccountError):
    """The account took longer than the per-account time bound."""


class Unreachable(AccountError):
    """The endpoint could not be reached or did not answer in time."""


class ApiFailure(AccountError):
    """Any other AWS error answer."""


def translate(exc: ClientError | BotoCoreError, *, role_arn: str | None = None) -> AccountError:
    """Turn a botocore failure into the typed error its ERROR row reports."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")).strip()
        operation = exc.operation_name
        where = f"{operation} {role_arn}" if operation == "AssumeRole" and role_arn else operation
        detail = f"{code} on {where}" + (f": {message}" if message else "")
        if code in THROTTLING_CODES:
            return Throttled(f"throttled past retries: {detail}")
        if code in ACCESS_DENIED_CODES and operation == "AssumeRole":
            return RoleNotAssumable(
                f"cannot assume role: {detail} (the role is missing or does not trust the caller)"
            )
        if code in ACCESS_DENIED_CODES:
            return AccessDenied(f"access denied: {detail}")
        return ApiFailure(f"AWS error: {detail}")
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError)):
        return Unreachable(f"endpoint unreachable: {exc}")
    return ApiFailure(f"{type(exc).__name__}: {exc}")


# --- the per-account check -----------------------------------------------------------

_local = threading.local()


def _enforce_deadline(**_: Any) -> None:
    """botocore `before-send` hook: no new attempt (first or retry) past the account's bound.

    botocore runs event handlers in the calling thread, so the worker's deadline is
    a thread-local; calls made outside a worker (no deadline) are not affected.
    """
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise AccountTimeout(f"timed out after {_local.timeout:g}s")


def install_deadline_hook(client: Any) -> Any:
    client.meta.events.register("before-send", _enforce_deadline)
    return client


class AssumedRoleCredentials(Credentials):
    """The assumed-role credentials of the account the calling thread is checking.

    botocore asks a client's credentials for a frozen copy every time it signs a
    request, in the thread making the call (that is how refreshable credentials
    work). Answering from a thread-local lets ONE IAM client, made before fanning
    out, serve every member account, each worker signing with its own account's
    credentials. A worker binds them only around its own calls; a call with none
    bound fails rather than borrow another account's.
    """

    METHOD = "rootguard-assumed-role"

    def __init__(self) -> None:
        super().__init__(access_key="", secret_key="", method=self.METHOD)

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        frozen: ReadOnlyCredentials | None = getattr(_local, "credentials", None)
        if frozen is None:
            raise AccountError("internal error: no assumed-role credentials bound to this thread")
        return frozen


@contextmanager
def bound_credentials(frozen: ReadOnlyCredentials) -> Iterator[None]:
    """Sign this thread's member-account calls with `frozen` inside the block."""
    _local.credentials = frozen
    try:
        yield
    finally:
        _local.credentials = None


class _AssumedRoleProvider(CredentialProvider):
    METHOD = AssumedRoleCredentials.METHOD
    CANONICAL_NAME = "custom-rootguard-assumed-role"

    def load(self) -> AssumedRoleCredentials:
        return AssumedRoleCredentials()


def member_iam_client(root: botocore.session.Session, region: str, config: Config) -> Any:
    """The one IAM client for every member account (see AssumedRoleCredentials).

    Why not one client per account, made from the root session under a lock: making a
    client costs 10-15 ms of CPU (all of it under that lock) and a new connection (a
    TLS handshake on AWS) per account; over 300 accounts that was 4.2 s of CPU against
    1.4 s, and 10.0 s against 6.0 s of wall time (benchmarks/audit_scale.py setup).
    Its session shares the root session's loader, so the IAM model is loaded once.
    """
    session = botocore.session.Session()
    session.register_component("data_loader", root.get_component("data_loader"))
    session.register_component(
        "credential_provider", CredentialResolver(providers=[_AssumedRoleProvider()])
    )
    client = session.create_client("iam", region_name=region, config=config)
    return install_deadline_hook(client)


@dataclass(frozen=True)
class CheckContext:
    """What every worker shares; all clients are made before fanning out."""

    sts: Any
    """STS client of the caller (its adaptive rate limiter is shared by all workers)."""
    own_iam: Any
    """IAM client with the caller's own credentials, for the caller's own account."""
    member_iam: Any
    """IAM client signing with the calling worker's bound assumed-role credentials."""
    caller_account: str
    partition: str
    role_name: str
    external_id: str | None = None

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.role_name}"


def _assume_role(ctx: CheckContext, account: Account) -> ReadOnlyCredentials:
    role_arn = ctx.role_arn(account.id)
    request: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": "rootguard-audit",
        "DurationSeconds": 900,
    }
    if ctx.external_id:
        request["ExternalId"] = ctx.external_id
    try:
        credentials = ctx.sts.assume_role(**request)["Credentials"]
    except ClientError as exc:
        error = translate(exc, role_arn=role_arn)
        if isinstance(error, RoleNotAssumable) and account.id == account.management_id:
            error = RoleNotAssumable(
                f"{error}; the management account has no role to assume into: "
                "run the audit with the management account's own credentials"
            )
        raise error from exc
    return ReadOnlyCredentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def _mfa_type(iam: Any, root: str) -> tuple[MfaType, str | None]:
    try:
        pages = iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned")
        devices = (device for page in pages for device in page.get("VirtualMFADevices", []))
        return mfa_type_from_devices(devices, root), None
    except (ClientError, BotoCoreError) as exc:
        # MFA is on either way; only its kind is unknown.
        return MfaType.UNKNOWN, f"MFA type unknown: {translate(exc)}"


def _inspect(iam: Any, ctx: CheckContext, account: Account) -> AccountResult:
    summary = iam.get_account_summary()["SummaryMap"]
    mfa_enabled = int(summary.get("AccountMFAEnabled", 0)) == 1
    root_keys = int(summary.get("AccountAccessKeysPresent", 0)) == 1
    mfa_type, note = MfaType.NONE, None
    if mfa_enabled:
        mfa_type, note = _mfa_type(iam, root_arn(ctx.partition, account.id))
    return classify(
        account,
        mfa_enabled=mfa_enabled,
        root_access_keys=root_keys,
        mfa_type=mfa_type,
        note=note,
    )


def check_account(ctx: CheckContext, account: Account) -> AccountResult:
    """Check root MFA and root access keys of one ACTIVE account; raise AccountError."""
    try:
        if account.id == ctx.caller_account:
            # No role to assume into one's own account (the management account, usually).
            return _inspect(ctx.own_iam, ctx, account)
        with bound_credentials(_assume_role(ctx, account)):
            return _inspect(ctx.member_iam, ctx, account)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc


# --- the pool ------------------------------------------------------------------------

_POLL_SECONDS = 0.1


def run_checks(
    accounts: Iterable[Account],
    check: Callable[[Account], AccountResult],
    *,
    concurrency: int,
    timeout: float,
    on_submit: Callable[[Account], None] | None = None,
    on_result: Callable[[AccountResult], None] | None = None,
) -> list[AccountResult]:
    """Run `check` over `accounts` in a thread pool; one result per account, in order.

    `accounts` may be a lazy iterable (ListAccounts pages): each account is handed to
    the pool as soon as its page arrives, so checking overlaps with paging.

    Each account has `timeout` seconds from the moment a worker picks it up. We wait
    on the futures with `wait(FIRST_COMPLETED)` rather than `as_completed` so the
    loop wakes up to declare a slow account ERROR at its own deadline; the worker
    stops at its next AWS call attempt (see `_enforce_deadline`) and its late
    answer is ignored.
    """
    started: dict[int, float] = {}
    results: dict[int, AccountResult] = {}
    submitted: list[Account] = []

    def work(index: int, account: Account) -> AccountResult:
        begin = time.monotonic()
        started[index] = begin
        _local.deadline, _local.timeout = begin + timeout, timeout
        try:
            return check(account)
        except AccountError as err:
            return failed(account, str(err))
        finally:
            _local.deadline = None

    def record(index: int, result: AccountResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="rootguard-audit")
    try:
        futures: dict[Future[AccountResult], int] = {}
        for index, account in enumerate(accounts):
            submitted.append(account)
            futures[pool.submit(work, index, account)] = index
            if on_submit is not None:
                on_submit(account)
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a bug in a check: still exactly one row
                    result = failed(
                        submitted[index], f"internal error: {type(exc).__name__}: {exc}"
                    )
                record(index, result)
            now = time.monotonic()
            for future in list(pending):
                index = futures[future]
                begin = started.get(index)
                if begin is not None and now - begin >= timeout:
                    pending.discard(future)
                    record(index, failed(submitted[index], f"timed out after {timeout:g}s"))
    finally:
        # Late workers end at their next call attempt; nothing waits for them here.
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[index] for index in range(len(submitted))]
