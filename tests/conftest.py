"""Shared fixtures: a recording Pulumi mock engine.

`pulumi_mocks` installs fresh mocks whose monitor records every RegisterResourceRequest
(type, name, parent, dependencies, property dependencies, provider, import id, inputs)
with the outputs the mocks answered, and restores the runtime settings and config
afterwards, so no test sees another's state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks_module
from pulumi.runtime import rpc
from pulumi.runtime.settings import reset_options

MOCK_ACCOUNT = "999999999999"
MOCK_ORGANIZATION = "o-exampleorgid"


@dataclass
class Registration:
    """One RegisterResourceRequest as the engine would receive it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    import_id: str
    ignore_changes: list[str]
    retain_on_delete: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


class AwsLikeMocks(pulumi.runtime.Mocks):
    """Answers with the inputs plus the outputs consumers read (arn, name, bucket)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        resource_id = args.resource_id or f"{args.name}-id"
        state.setdefault("name", args.name)
        state.setdefault("bucket", args.name)
        state.setdefault("arn", f"arn:aws:mock::{MOCK_ACCOUNT}:{args.name}")
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": MOCK_ACCOUNT,
                "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:user/ci",
                "id": MOCK_ACCOUNT,
                "userId": "AIDAMOCK",
            }
        if args.token == "aws:organizations/getOrganization:getOrganization":
            return {
                "id": MOCK_ORGANIZATION,
                "arn": f"arn:aws:organizations::{MOCK_ACCOUNT}:organization/{MOCK_ORGANIZATION}",
                "masterAccountId": MOCK_ACCOUNT,
                "featureSet": "ALL",
            }
        return {}


class RecordingMonitor(pulumi_mocks_module.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=request.custom,
                    parent=request.parent,
                    provider=request.provider,
                    dependencies=list(request.dependencies),
                    property_dependencies={
                        key: list(value.urns) for key, value in request.propertyDependencies.items()
                    },
                    import_id=request.importId,
                    ignore_changes=list(request.ignoreChanges),
                    retain_on_delete=bool(request.retainOnDelete),
                    inputs=rpc.deserialize_properties(request.object),
                    outputs=rpc.deserialize_properties(response.object),
                )
            )
        return response


class Recorder:
    """What a test gets: run a program under the mocks, then query what it registered."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor

    def run(self, program: Callable[[], Any]) -> list[Registration]:
        pulumi.runtime.test(program)()
        return self.monitor.registrations

    @property
    def registrations(self) -> list[Registration]:
        return self.monitor.registrations

    def of_type(self, type_: str) -> list[Registration]:
        return [reg for reg in self.registrations if reg.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[reg.name for reg in found]}"
        return found[0]

    def by_name(self, name: str) -> Registration:
        found = [reg for reg in self.registrations if reg.name == name]
        assert len(found) == 1, f"expected one resource named {name}, got {len(found)}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(reg for reg in self.registrations if reg.urn == urn)

    def descendants(self, urn: str) -> list[Registration]:
        children = [reg for reg in self.registrations if reg.parent == urn]
        return children + [d for child in children for d in self.descendants(child.urn)]


def policy_document(value: Any) -> dict[str, Any]:
    """A policy input as a dict (inputs carry it as a JSON string)."""
    return json.loads(value) if isinstance(value, str) else dict(value)


@pytest.fixture
def pulumi_mocks() -> Iterator[Recorder]:
    reset_options()
    runtime_config.set_all_config({})
    monitor = RecordingMonitor(AwsLikeMocks())
    pulumi.runtime.set_mocks(
        monitor.mocks, project="rootguard", stack="test", preview=False, monitor=monitor
    )
    try:
        yield Recorder(monitor)
    finally:
        reset_options()
        runtime_config.set_all_config({})


def pytest_configure(config: pytest.Config) -> None:
    # Importing pulumi_aws.s3 defines its deprecated V2 classes, each warning once.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws.*")
