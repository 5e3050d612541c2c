"""A moto server for exercising `rootguard audit` end to end (tests and benchmarks).

Needs the dev extras (`moto[server]`); nothing in the command line imports it.

moto's server answers every AWS API used by the audit in role mode, but it cannot
refuse an AssumeRole, cannot be slow, always reports root MFA as off, and has no root
sessions at all. This module runs moto's own WSGI application behind the root-session
front (tests/root_access_front.py) and a small fault-injecting middleware on 127.0.0.1
(an ephemeral port), and sets root MFA, a root virtual MFA device and root access keys
directly in moto's backends, which live in this process.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

# the account moto answers for when the access key is unknown to it
MANAGEMENT_ACCOUNT = "123456789012"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FaultInjector:
    """WSGI middleware: a fixed latency on every request, refused or slow AssumeRoles.

    The sets and dicts are read on every request, so a test can change them between
    runs of the command against the same server.
    """

    def __init__(self, app: WsgiApp, latency: float = 0.0) -> None:
        self.app = app
        self.latency = latency
        self.deny_assume_role: set[str] = set()
        """Account ids whose roles AssumeRole refuses with AccessDenied."""
        self.slow_assume_role: dict[str, float] = {}
        """Account id -> seconds AssumeRole into it takes before answering."""
        self.requests = 0
        self._count_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self._count_lock:
            self.requests += 1
        if self.latency:
            time.sleep(self.latency)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if b"Action=AssumeRole" in body:
            role_arn = parse_qs(body.decode()).get("RoleArn", [""])[0]
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
            if account in self.deny_assume_role:
                return self._access_denied(role_arn, start_response)
            if account in self.slow_assume_role:
                time.sleep(self.slow_assume_role[account])
        return self.app(environ, start_response)

    @staticmethod
    def _access_denied(role_arn: str, start_response: StartResponse) -> Iterable[bytes]:
        payload = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>User: arn:aws:iam::{MANAGEMENT_ACCOUNT}:user/moto is not authorized "
            f"to perform: sts:AssumeRole on resource: {role_arn}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def _memoize_moto_introspection() -> None:
    """Stop moto re-deriving two constant facts on every request.

    For each request moto's server lists its own package directory (to recognise
    service names) and inspects its response class for method names; on this 2-core
    machine that is about 4 ms of CPU per request, spent under one GIL, which at 16
    requests in flight, not AWS-like latency, would decide the benchmark. Both
    answers are fixed for an installed moto, so they are computed once. Nothing a
    client sees changes.
    """
    import moto.backends
    import moto.core.responses

    if not getattr(moto.backends, "_rootguard_memoized", False):
        modules = tuple(moto.backends.list_of_moto_modules())
        moto.backends.list_of_moto_modules = lambda: modules
        moto.backends._rootguard_memoized = True  # type: ignore[attr-defined]
    original = getattr(moto.core.responses, "method_names_from_class", None)
    if original is not None and not hasattr(original, "cache_info"):
        moto.core.responses.method_names_from_class = functools.lru_cache(maxsize=None)(original)


class MotoAuditServer:
    """moto's server behind a RootAccessFront (what moto cannot answer: root sessions)
    behind a FaultInjector, on 127.0.0.1 and an ephemeral port."""

    def __init__(self, latency: float = 0.0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from tests.root_access_front import RootAccessFront

        _memoize_moto_introspection()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        self.front = RootAccessFront(DomainDispatcherApplication(create_backend_app))
        self.front.management = MANAGEMENT_ACCOUNT
        self.injector = FaultInjector(self.front, latency)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        from moto.moto_api._internal.models import moto_api_backend
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        # moto's backends live in this process: a server of an earlier test module must
        # not leave its organization behind (CreateOrganization would refuse).
        moto_api_backend.reset()

        self._server = make_server(
            "127.0.0.1", 0, self.injector, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.endpoint

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()

    def environment(self, **extra: str) -> dict[str, str]:
        """Environment variables that point boto3 (in a subprocess) at this server."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        env.update(extra)
        return env

    def __enter__(self) -> MotoAuditServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _organizations(endpoint: str) -> Any:
    """An Organizations client of MANAGEMENT_ACCOUNT (moto's default credentials)."""
    import boto3

    return boto3.client(
        "organizations",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_organization(endpoint: str, member_names: Iterable[str]) -> list[str]:
    """An organization managed by MANAGEMENT_ACCOUNT with these members; their ids, in order."""
    organizations = _organizations(endpoint)
    organizations.create_organization(FeatureSet="ALL")
    ids = []
    for name in member_names:
        status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
        ids.append(status["CreateAccountStatus"]["AccountId"])
    return ids


def close_account(endpoint: str, account_id: str) -> None:
    """Close (SUSPEND) a member account through the Organizations API."""
    _organizations(endpoint).close_account(AccountId=account_id)


def move_to_ou(endpoint: str, account_id: str, *path: str) -> None:
    """Move a member account into the OU `path`, created below the root as needed."""
    organizations = _organizations(endpoint)
    root = parent = organizations.list_roots()["Roots"][0]["Id"]
    for name in path:
        created = organizations.create_organizational_unit(ParentId=parent, Name=name)
        parent = created["OrganizationalUnit"]["Id"]
    organizations.move_account(
        AccountId=account_id, SourceParentId=root, DestinationParentId=parent
    )


def _iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["global"]


def set_root_mfa(account_id: str, *, virtual: bool = False) -> None:
    """Turn root MFA on (moto reports it off); `virtual` also assigns a virtual device to root."""
    backend = _iam_backend(account_id)
    backend.account_summary._account_mfa_enabled = 1
    if virtual:
        device = backend.create_virtual_mfa_device("root-account-mfa-device", "/")
        now = datetime.now(timezone.utc)
        device.enable_date = now
        # moto serialises `user` by the shape's member names; root is no IAM user.
        device.user = {
            "Path": "/",
            "UserName": "root",
            "UserId": account_id,
            "Arn": f"arn:aws:iam::{account_id}:root",
            "CreateDate": now,
        }


def set_root_access_keys(account_id: str) -> None:
    """Report root access keys as present in the account summary."""
    _iam_backend(account_id).account_summary._account_access_keys_present = 1


def assign_user_virtual_mfa(account_id: str, user_name: str = "alice") -> None:
    """An IAM user (not root) with an assigned virtual MFA device, through moto's backend."""
    backend = _iam_backend(account_id)
    backend.create_user(region_name="us-east-1", user_name=user_name, path="/")
    device = backend.create_virtual_mfa_device(f"{user_name}-mfa", "/")
    backend.enable_mfa_device(user_name, device.serial_number, "123456", "654321")
