"""Stubbed boto3 clients for the audit tests.

One botocore session serves every client (its loader keeps the parsed service models);
the clients point at an endpoint that cannot resolve, so an unstubbed call never reaches
AWS; `stubbed_audit` puts them behind `rootguard.audit.runner`'s boto3.Session.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from rootguard.audit import runner as audit

BOTOCORE = botocore.session.Session()


def stub_client(service: str, region: str = "us-east-1") -> Any:
    # Straight from botocore: tests patch boto3.Session (see `stubbed_audit`).
    return BOTOCORE.create_client(
        service,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url="https://example.invalid",
    )


class FakeSession:
    """Stands in for boto3.Session in rootguard.audit.runner: hands out the given clients."""

    def __init__(self, clients: dict[str, Any], region_name: str) -> None:
        self.clients = clients
        self.region_name = region_name

    def get_credentials(self) -> object:
        return object()

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]


@contextmanager
def stubbed_audit(
    monkeypatch: pytest.MonkeyPatch, services: Sequence[str], region: str = "us-east-1"
) -> Iterator[dict[str, Stubber]]:
    """An active Stubber per service behind `rootguard.audit.runner`; every queued response must
    have been used when the block ends."""
    clients = {name: stub_client(name, region) for name in services}
    monkeypatch.setattr(audit.boto3, "Session", lambda **_: FakeSession(clients, region))
    stubs = {name: Stubber(client) for name, client in clients.items()}
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()
