"""A front for moto's server that answers what moto has no model for: centralized root
access (tests and benchmarks only; nothing in the command line imports it).

moto 5 implements neither `sts:AssumeRoot` nor `iam:ListOrganizationsFeatures`, and it
cannot answer IAM calls made *as a member account's root user* (GetLoginProfile and the
list calls with no UserName). This WSGI middleware sits in front of moto's app in the
test process and

- validates every STS and IAM request (query protocol) against botocore's service model:
  the action exists, every parameter is a member of its input shape, required members
  are present, strings, numbers and enums are within the model's bounds; a request that
  fails is answered 400 ValidationError and kept in `invalid`;
- answers AssumeRoot for member accounts (refused for chosen accounts, throttled a
  chosen number of times first), issuing root-session keys it remembers with their task
  policy;
- answers ListOrganizationsFeatures from `features`;
- answers the root user's credential calls made with a root-session key from its own
  store of root credentials (`roots`), enforcing the task policy the way AWS's managed
  policies do (audit: reads only; delete: reads and the four deletions), and can fail a
  chosen deletion to test a failure midway;
- passes everything else to moto.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import botocore.session

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

ORGANIZATION_ID = "o-rootguardtest"
TASK_POLICIES = {
    "IAMAuditRootUserCredentials",
    "IAMCreateRootUserPassword",
    "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy",
    "SQSUnlockQueuePolicy",
}
AUDIT_ACTIONS = frozenset(
    {
        "ListAccessKeys",
        "ListSigningCertificates",
        "GetLoginProfile",
        "ListMFADevices",
        "GetAccountSummary",
        "GetUser",
        "GetAccessKeyLastUsed",
    }
)
"""What IAMAuditRootUserCredentials leaves allowed (IAM User Guide, AWS managed policies)."""
DELETE_ACTIONS = (AUDIT_ACTIONS - {"GetAccountSummary"}) | {
    "DeleteAccessKey",
    "DeleteSigningCertificate",
    "DeleteLoginProfile",
    "DeactivateMFADevice",
}
"""What IAMDeleteRootUserCredentials leaves allowed."""
ALLOWED = {
    "IAMAuditRootUserCredentials": AUDIT_ACTIONS,
    "IAMDeleteRootUserCredentials": DELETE_ACTIONS,
}
MUTATING_PREFIXES = ("Delete", "Deactivate", "Create", "Update", "Put", "Attach", "Detach")
_XMLNS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request")


@dataclass
class RootState:
    """One member account's root user credentials."""

    password: bool = False
    access_keys: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    mfa_devices: list[str] = field(default_factory=list)
    """Serial numbers: a virtual device's ARN (:mfa/), a FIDO key's (:u2f/), or a token's."""


def virtual_serial(account: str, name: str = "root-account-mfa-device") -> str:
    return f"arn:aws:iam::{account}:mfa/{name}"


def passkey_serial(account: str, name: str = "key") -> str:
    return f"arn:aws:iam::{account}:u2f/root/{name}-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- request validation against botocore's model ----------------------------------------


def _check(shape: Any, path: str, rest: str, value: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        head, _, deeper = rest.partition(".")
        if head not in shape.members:
            return [f"{path}: {head!r} is not a member of {shape.name}"]
        return _check(shape.members[head], f"{path}.{head}", deeper, value)
    if kind == "list":
        match = re.fullmatch(r"member\.(\d+)(?:\.(.*))?", rest)
        if not match:
            return [f"{path}: list entries must be member.N"]
        return _check(shape.member, f"{path}.member", match.group(2) or "", value)
    if rest:
        return [f"{path}: a {kind} has no member {rest!r}"]
    limits = shape.metadata
    if kind == "string":
        problems = []
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
        if len(value) < limits.get("min", 0) or len(value) > limits.get("max", 1 << 30):
            problems.append(f"{path}: length {len(value)} outside {limits}")
        pattern = limits.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            problems.append(f"{path}: {value!r} does not match {pattern}")
        return problems
    if kind in ("integer", "long"):
        if not re.fullmatch(r"-?\d+", value):
            return [f"{path}: {value!r} is not a whole number"]
        number = int(value)
        if number < limits.get("min", number) or number > limits.get("max", number):
            return [f"{path}: {number} outside {limits}"]
    return []


@functools.cache
def _service_model(service: str) -> Any:
    """Loaded once per service: loading a model costs tens of milliseconds."""
    return botocore.session.get_session().get_service_model(service)


def validate_query_request(service: str, params: dict[str, str]) -> list[str]:
    """What is wrong with a query-protocol request, by the service's botocore model."""
    model = _service_model(service)
    params = dict(params)
    action = params.pop("Action", "")
    version = params.pop("Version", None)
    problems = [] if version == model.api_version else [f"Version {version!r}"]
    if action not in model.operation_names:
        return [*problems, f"unknown action {action!r}"]
    shape = model.operation_model(action).input_shape
    members = shape.members if shape is not None else {}
    for key, value in params.items():
        head, _, rest = key.partition(".")
        if head not in members:
            problems.append(f"{action}: {head!r} is not a parameter")
        else:
            problems += _check(members[head], f"{action}.{head}", rest, value)
    for required in shape.required_members if shape is not None else []:
        if not any(key == required or key.startswith(f"{required}.") for key in params):
            problems.append(f"{action}: {required} is required")
    return problems


# --- the front ----------------------------------------------------------------------------


class RootAccessFront:
    """WSGI middleware in front of moto: see the module docstring. Thread-safe."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.features: list[str] | None = ["RootCredentialsManagement", "RootSessions"]
        """ListOrganizationsFeatures' answer; None: trusted access for IAM is off."""
        self.management: str | None = None
        """AssumeRoot into this account is refused (it has no root session)."""
        self.roots: dict[str, RootState] = {}
        self.refuse: set[str] = set()
        """Accounts whose AssumeRoot is refused with AccessDenied."""
        self.throttle: dict[str, int] = {}
        """Account -> how many more AssumeRoot calls are answered Throttling first."""
        self.fail: dict[tuple[str, str], str] = {}
        """(account, action) -> error code that call answers (a failure midway)."""
        self.invalid: list[str] = []
        """Requests that did not pass validation (a test expects none)."""
        self.calls: list[tuple[str, str, str | None, dict[str, str]]] = []
        """(service, action, root-session account or None, params) of every request."""
        self._sessions: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    # -- what tests look at
    def root_calls(self, account: str | None = None) -> list[tuple[str, dict[str, str]]]:
        return [
            (action, params)
            for _service, action, session, params in self.calls
            if session is not None and (account is None or session == account)
        ]

    def mutating_calls(self) -> list[tuple[str, str, str | None]]:
        return [
            (service, action, session)
            for service, action, session, _params in self.calls
            if action.startswith(MUTATING_PREFIXES)
        ]

    def assume_root_calls(self, account: str | None = None) -> list[dict[str, str]]:
        return [
            params
            for service, action, _session, params in self.calls
            if service == "sts"
            and action == "AssumeRoot"
            and (account is None or params.get("TargetPrincipal") == account)
        ]

    # -- WSGI
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not match or match.group(2) not in ("sts", "iam"):
            return self.app(environ, start_response)
        key, service = match.group(1), match.group(2)
        body = (
            environ["wsgi.input"].getvalue() if hasattr(environ["wsgi.input"], "getvalue") else b""
        )
        params = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        action = params.get("Action", "")
        with self._lock:
            session = self._sessions.get(key)
            self.calls.append((service, action, session[0] if session else None, params))
        problems = validate_query_request(service, params)
        if problems:
            with self._lock:
                self.invalid.extend(problems)
            return _error(start_response, service, 400, "ValidationError", "; ".join(problems))
        if service == "sts" and action == "AssumeRoot":
            return self._assume_root(start_response, params)
        if service == "iam" and action == "ListOrganizationsFeatures":
            return self._features(start_response)
        if session is not None:
            return self._root_call(start_response, session, action, params)
        return self.app(environ, start_response)

    def _assume_root(
        self, start_response: StartResponse, params: dict[str, str]
    ) -> Iterable[bytes]:
        account = (
            params["TargetPrincipal"].split(":")[4]
            if ":" in params["TargetPrincipal"]
            else params["TargetPrincipal"]
        )
        policy = params["TaskPolicyArn.arn"].rsplit("/", 1)[-1]
        with self._lock:
            if self.throttle.get(account, 0) > 0:
                self.throttle[account] -= 1
                return _error(start_response, "sts", 400, "Throttling", "Rate exceeded")
        if account in self.refuse or account == self.management or account not in self.roots:
            return _error(
                start_response,
                "sts",
                403,
                "AccessDenied",
                f"User is not authorized to perform: sts:AssumeRoot on {account}",
            )
        if not params["TaskPolicyArn.arn"].startswith("arn:aws:iam::aws:policy/root-task/") or (
            policy not in TASK_POLICIES
        ):
            return _error(
                start_response, "sts", 400, "ValidationError", f"bad task policy {policy}"
            )
        if policy.startswith("IAM") and "RootCredentialsManagement" not in (self.features or []):
            return _error(
                start_response, "sts", 403, "AccessDenied", "root credentials management is off"
            )
        access_key = "ASIAROOT" + uuid.uuid4().hex[:12].upper()
        with self._lock:
            self._sessions[access_key] = (account, policy)
        expiration = datetime.now(timezone.utc) + timedelta(
            seconds=int(params.get("DurationSeconds", 900))
        )
        result = (
            "<Credentials>"
            f"<AccessKeyId>{access_key}</AccessKeyId>"
            f"<SecretAccessKey>{uuid.uuid4().hex}</SecretAccessKey>"
            f"<SessionToken>{uuid.uuid4().hex}</SessionToken>"
            f"<Expiration>{expiration:%Y-%m-%dT%H:%M:%SZ}</Expiration>"
            "</Credentials>"
        )
        return _ok(start_response, "sts", "AssumeRoot", result)

    def _features(self, start_response: StartResponse) -> Iterable[bytes]:
        if self.features is None:
            return _error(
                start_response,
                "iam",
                400,
                "ServiceAccessNotEnabledException",
                "Trusted access for IAM is not enabled in AWS Organizations.",
            )
        members = "".join(f"<member>{feature}</member>" for feature in self.features)
        result = _xml("OrganizationId", ORGANIZATION_ID) + (
            f"<EnabledFeatures>{members}</EnabledFeatures>"
        )
        return _ok(start_response, "iam", "ListOrganizationsFeatures", result)

    def _root_call(
        self,
        start_response: StartResponse,
        session: tuple[str, str],
        action: str,
        params: dict[str, str],
    ) -> Iterable[bytes]:
        account, policy = session
        if action not in ALLOWED.get(policy, frozenset()) or "UserName" in params:
            return _error(
                start_response,
                "iam",
                403,
                "AccessDenied",
                f"root session ({policy}) may not perform iam:{action}",
            )
        failure = self.fail.get((account, action))
        if failure is not None:
            return _error(start_response, "iam", 409, failure, f"injected failure of {action}")
        root = self.roots[account]
        with self._lock:
            if action == "GetLoginProfile":
                if not root.password:
                    return _error(start_response, "iam", 404, "NoSuchEntity", "no login profile")
                result: str | None = _xml("LoginProfile", {"UserName": "root", "CreateDate": _NOW})
            elif action in _LISTS:
                wrapper, build = _LISTS[action]
                items = "".join(_xml("member", build(item)) for item in _items(root, action))
                result = f"<{wrapper}>{items}</{wrapper}><IsTruncated>false</IsTruncated>"
            elif action in _DELETIONS:
                error = self._delete(root, action, params)
                if error:
                    return _error(start_response, "iam", 404, "NoSuchEntity", error)
                result = None
            else:
                return _error(
                    start_response, "iam", 400, "ValidationError", f"{action} is not emulated"
                )
        return _ok(start_response, "iam", action, result)

    @staticmethod
    def _delete(root: RootState, action: str, params: dict[str, str]) -> str | None:
        if action == "DeleteLoginProfile":
            if not root.password:
                return "no login profile"
            root.password = False
            return None
        store, key = {
            "DeleteAccessKey": (root.access_keys, "AccessKeyId"),
            "DeleteSigningCertificate": (root.certificates, "CertificateId"),
            "DeactivateMFADevice": (root.mfa_devices, "SerialNumber"),
        }[action]
        if params[key] not in store:
            return f"{params[key]} does not exist"
        store.remove(params[key])
        return None


_NOW = "2024-01-02T03:04:05Z"
_DELETIONS = (
    "DeleteLoginProfile",
    "DeleteAccessKey",
    "DeleteSigningCertificate",
    "DeactivateMFADevice",
)
_LISTS: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
    "ListAccessKeys": (
        "AccessKeyMetadata",
        lambda key: {
            "UserName": "root",
            "AccessKeyId": key,
            "Status": "Active",
            "CreateDate": _NOW,
        },
    ),
    "ListSigningCertificates": (
        "Certificates",
        lambda cert: {
            "UserName": "root",
            "CertificateId": cert,
            "CertificateBody": "-----BEGIN CERTIFICATE-----",
            "Status": "Active",
        },
    ),
    "ListMFADevices": (
        "MFADevices",
        lambda serial: {"UserName": "root", "SerialNumber": serial, "EnableDate": _NOW},
    ),
}


def _items(root: RootState, action: str) -> list[str]:
    return {
        "ListAccessKeys": root.access_keys,
        "ListSigningCertificates": root.certificates,
        "ListMFADevices": root.mfa_devices,
    }[action]


def _xml(tag: str, content: str | dict[str, str]) -> str:
    if isinstance(content, dict):
        inner = "".join(_xml(key, value) for key, value in content.items())
    else:
        inner = escape(content)
    return f"<{tag}>{inner}</{tag}>"


def _request_id() -> str:
    return str(uuid.uuid4())


def _ok(
    start_response: StartResponse, service: str, action: str, result: str | None
) -> Iterable[bytes]:
    inner = f"<{action}Result>{result}</{action}Result>" if result is not None else ""
    payload = (
        f'<{action}Response xmlns="{_XMLNS[service]}">{inner}'
        f"<ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))])
    return [payload]


def _error(
    start_response: StartResponse, service: str, status: int, code: str, message: str
) -> Iterable[bytes]:
    payload = (
        f'<ErrorResponse xmlns="{_XMLNS[service]}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{_request_id()}</RequestId></ErrorResponse>"
    ).encode()
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}[status]
    start_response(
        f"{status} {reason}", [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
