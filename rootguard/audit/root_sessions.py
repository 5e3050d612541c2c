"""Root sessions: the authoritative answer about a member account's root user.

With centralized root access, the management account (or the IAM delegated
administrator) calls `sts:AssumeRoot` for a member with an AWS managed task policy and
gets short root credentials scoped to that task. With the audit task policy those
credentials read the root user's own login profile, access keys, signing certificates
and MFA devices: no role is needed in any member account, and "no credentials at all"
is seen as such instead of being guessed from the account summary.

What AWS documents and this module relies on:
- STS API reference, AssumeRoot: "The AWS STS global endpoint is not supported for
  AssumeRoot. You must send this request to a Regional AWS STS endpoint"; DurationSeconds
  "can range from 0 seconds up to the maximum session duration of 900 seconds".
- IAM User Guide, "AWS managed policies for IAM": IAMAuditRootUserCredentials allows
  iam:GetLoginProfile, ListAccessKeys, ListSigningCertificates, ListMFADevices (and
  GetAccountSummary, GetUser, GetAccessKeyLastUsed) on the root user only;
  IAMDeleteRootUserCredentials adds DeleteLoginProfile, DeleteAccessKey,
  DeleteSigningCertificate and DeactivateMFADevice.
- IAM API reference, DeleteLoginProfile (and the other calls): UserName "is optional. If
  no user name is included, it defaults to the principal making the request"; in a root
  session that principal is the member's root user.
- IAM API reference, MFADevice: "For virtual MFA devices, the serial number is the
  device ARN" (`...:mfa/...`); GetMFADevice "only accept[s] FIDO security key ARNs"
  (`...:u2f/...`); any other serial is a hardware TOTP token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.audit.checks import (
    ACCESS_DENIED_CODES,
    Account,
    AccountError,
    AccountResult,
    MfaType,
    Status,
    bound_credentials,
    install_deadline_hook,
    translate,
)

TASK_POLICY_PREFIX = "arn:aws:iam::aws:policy/root-task/"
AUDIT_TASK_POLICY = TASK_POLICY_PREFIX + "IAMAuditRootUserCredentials"
DELETE_TASK_POLICY = TASK_POLICY_PREFIX + "IAMDeleteRootUserCredentials"
ROOT_SESSION_SECONDS = 900
"""The longest root session AWS grants; each account needs only seconds of it."""
CREDENTIALS_FEATURE = "RootCredentialsManagement"
"""The IAM organization feature behind the credential tasks (audit, delete, recovery)."""

VIRTUAL, HARDWARE, PASSKEY = "virtual", "hardware", "passkey"


class RootSessionRefused(AccountError):
    """AssumeRoot into the account was refused."""


def root_sts_client(root: botocore.session.Session, region: str, config: Config) -> Any:
    """An STS client on the Regional endpoint of `region`, whatever the environment says.

    `sts_regional_endpoints=legacy` (from AWS_STS_REGIONAL_ENDPOINTS or a profile) would
    send us-east-1 calls to the global sts.amazonaws.com, which AssumeRoot refuses; the
    setting is forced on the root session before the client is made. AWS_ENDPOINT_URL
    still wins, as botocore documents, which is how the tests reach their emulator.
    """
    root.set_config_variable("sts_regional_endpoints", "regional")
    return install_deadline_hook(root.create_client("sts", region_name=region, config=config))


def centralized_root_access(iam: Any) -> tuple[bool, str]:
    """Whether the organization has root credentials management on, and why not if not.

    `iam:ListOrganizationsFeatures` answers only in the management account or the IAM
    delegated administrator, which is where a root-session audit must run anyway.
    """
    try:
        features = iam.list_organizations_features().get("EnabledFeatures", [])
    except (ClientError, BotoCoreError) as exc:
        return False, f"cannot read the organization's root access features ({translate(exc)})"
    if CREDENTIALS_FEATURE not in features:
        enabled = ", ".join(features) or "none"
        return False, (
            f"centralized root access is not enabled ({CREDENTIALS_FEATURE} is off; "
            f"enabled features: {enabled})"
        )
    return True, ""


def assume_root(sts: Any, account_id: str, task_policy: str) -> ReadOnlyCredentials:
    """A root session in `account_id` scoped to `task_policy`; typed errors otherwise."""
    try:
        credentials = sts.assume_root(
            TargetPrincipal=account_id,
            TaskPolicyArn={"arn": task_policy},
            DurationSeconds=ROOT_SESSION_SECONDS,
        )["Credentials"]
    except ClientError as exc:
        error = translate(exc)
        if str(exc.response.get("Error", {}).get("Code")) in ACCESS_DENIED_CODES:
            error = RootSessionRefused(
                f"root session refused: {str(error).removeprefix('access denied: ')} (is "
                "centralized root access on for this account, and sts:AssumeRoot allowed "
                "for the caller and not denied by an SCP?)"
            )
        raise error from exc
    except BotoCoreError as exc:
        raise translate(exc) from exc
    return ReadOnlyCredentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def mfa_kind(serial: str) -> str:
    """virtual, passkey (FIDO security key) or hardware (TOTP token), from the serial."""
    if serial.startswith("arn:"):
        resource = serial.split(":", 5)[-1]
        if resource.startswith("mfa/"):
            return VIRTUAL
        if resource.startswith("u2f/"):
            return PASSKEY
    return HARDWARE


@dataclass(frozen=True)
class RootCredentials:
    """What a root session sees of the root user's own credentials."""

    password: bool
    access_keys: tuple[str, ...] = ()
    """Access key ids (active or not: either is a key that exists)."""
    signing_certificates: tuple[str, ...] = ()
    """Certificate ids."""
    mfa_devices: tuple[str, ...] = ()
    """MFA device serial numbers."""

    @property
    def none(self) -> bool:
        return not (self.password or self.access_keys or self.signing_certificates) and (
            not self.mfa_devices
        )

    def plan(self) -> list[dict[str, str]]:
        """Every credential, in the order remediation deletes them.

        The password goes first and the MFA devices last: a failure midway must never
        leave a password that has lost its MFA.
        """
        return [
            *([{"type": "loginProfile", "id": "root"}] if self.password else []),
            *({"type": "accessKey", "id": key} for key in self.access_keys),
            *({"type": "signingCertificate", "id": cert} for cert in self.signing_certificates),
            *({"type": "mfaDevice", "id": serial} for serial in self.mfa_devices),
        ]


def read_root_credentials(iam: Any) -> RootCredentials:
    """The root user's credentials through a root session (no UserName: the caller)."""
    try:
        iam.get_login_profile()
        password = True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        password = False
    keys = [
        key["AccessKeyId"]
        for page in iam.get_paginator("list_access_keys").paginate()
        for key in page.get("AccessKeyMetadata", [])
    ]
    certificates = [
        cert["CertificateId"]
        for page in iam.get_paginator("list_signing_certificates").paginate()
        for cert in page.get("Certificates", [])
    ]
    devices = [
        device["SerialNumber"]
        for page in iam.get_paginator("list_mfa_devices").paginate()
        for device in page.get("MFADevices", [])
    ]
    return RootCredentials(password, tuple(keys), tuple(certificates), tuple(devices))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def classify_root(account: Account, found: RootCredentials, *, managed: bool) -> AccountResult:
    """The verdict from what the root session saw.

    CENTRALLY_MANAGED: no credentials at all, and recovery blocked (`managed`: root
    credentials management on; IAM User Guide, "Centralize root access for member
    accounts": member accounts "can't sign in to their root user or perform password
    recovery for their root user"). Without it the same root is recoverable with no MFA.
    """
    kinds = tuple(mfa_kind(serial) for serial in found.mfa_devices)
    mfa_type = MfaType.NONE
    if kinds:
        mfa_type = MfaType.VIRTUAL if set(kinds) == {VIRTUAL} else MfaType.HARDWARE
    findings: list[str] = []
    bad = False
    if found.none:
        if managed:
            status = Status.CENTRALLY_MANAGED
        else:
            findings.append(
                "Recoverable, no MFA: root has no credentials, but without centralized root "
                "credentials management whoever controls the root email can reset its password."
            )
            status = Status.NON_COMPLIANT
    else:
        if found.access_keys:
            bad = True
            findings.append(f"Root has {_plural(len(found.access_keys), 'access key')}.")
        if found.signing_certificates:
            bad = True
            count = _plural(len(found.signing_certificates), "signing certificate")
            findings.append(f"Root has {count}.")
        if found.password and not kinds:
            bad = True
            findings.append("Root has a password and no MFA.")
        if len(kinds) == 1:
            findings.append("Root has one MFA device only: a lost device locks root out.")
        findings.append(
            "Root has credentials: delete them with rootguard remediate delete-root-credentials."
        )
        status = Status.NON_COMPLIANT if bad else Status.COMPLIANT
    return AccountResult(
        id=account.id,
        name=account.name,
        status=status,
        mfa_enabled=bool(kinds),
        mfa_type=mfa_type,
        root_access_keys=bool(found.access_keys),
        error=None,
        password_present=found.password,
        signing_certificates=bool(found.signing_certificates),
        mfa_devices=len(kinds),
        mfa_device_types=kinds,
        findings=tuple(findings),
    )


@dataclass(frozen=True)
class RootSessionContext:
    """What every root-session worker shares (all clients made before fanning out)."""

    sts: Any
    """Regional STS client with the caller's credentials (see root_sts_client)."""
    member_iam: Any
    """IAM client signing with the worker's bound root-session credentials."""
    managed: bool = True


def check_account_root_session(ctx: RootSessionContext, account: Account) -> AccountResult:
    """Audit one member's root through a root session; raise AccountError."""
    credentials = assume_root(ctx.sts, account.id, AUDIT_TASK_POLICY)
    try:
        with bound_credentials(credentials):
            found = read_root_credentials(ctx.member_iam)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
    return classify_root(account, found, managed=ctx.managed)
