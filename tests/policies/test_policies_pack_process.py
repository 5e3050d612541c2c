"""The pack boots as the engine runs it: `python policies/__main__.py` prints its port and
serves the Analyzer protocol (the full driver is `rootguard gate`; this only proves the
pack starts, lists its sixteen policies and turns preview unknowns into advisories)."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from policies.rootguard_policies import ALL_POLICIES

REPO = Path(__file__).resolve().parents[2]
CONTRACT_NAMES = [
    "config-recorder-all-resources",
    "config-recorder-enabled",
    "config-global-resources-once",
    "config-recorder-unique",
    "config-ordering",
    "config-delivery-bucket-secure",
    "root-mfa-rule-present",
    "cost-anomaly-alerts-present",
    "cost-anomaly-subscription-valid",
    "custom-rule-invocable",
    "conformance-pack-bucket-prefix",
    "lambda-runtime-supported",
    "iam-no-admin-wildcards",
    "config-delivery-writable",
    "root-activity-alarmed",
    "lambda-service-permission-scoped",
]
ROOT_ACCESS_NAMES = ["root-credentials-centralized", "root-guardrail-scp-attached"]
"""Registered in policies/__main__.py after the thirteen; advisory by default."""


def _read_port(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            raise AssertionError("the pack printed no port in time")
        chunk = os.read(proc.stdout.fileno(), 64)
        if not chunk:
            raise AssertionError(f"the pack exited with {proc.wait()} before printing a port")
        line += chunk
    return int(line.strip())


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = dict(
        os.environ,
        PULUMI_PROJECT="guarded",
        PULUMI_STACK="dev",
        PULUMI_DRY_RUN="true",
        PULUMI_CONFIG=json.dumps({"aws:region": "us-east-1"}),
    )
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "policies" / "__main__.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = _read_port(proc)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def test_pack_process_lists_sixteen_mandatory_policies(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "rootguard"
    assert [p.name for p in info.policies] == CONTRACT_NAMES + ROOT_ACCESS_NAMES
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert {levels[name] for name in CONTRACT_NAMES} == {analyzer_pb2.MANDATORY}
    assert {levels[name] for name in ROOT_ACCESS_NAMES} == {analyzer_pb2.ADVISORY}
    assert all(p.description for p in info.policies)
    schemas = {
        p.name: sorted(p.configSchema.properties)
        for p in info.policies
        if p.configSchema.properties
    }
    assert schemas == {
        "config-recorder-all-resources": ["allowedExclusions"],
        "config-global-resources-once": ["globalResourcesInAllRegions"],
        "lambda-runtime-supported": ["allowedRuntimes"],
    }
    version = analyzer.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    assert isinstance(version, plugin_pb2.PluginInfo) and version.version


def test_pack_process_unknown_value_is_advisory_not_mandatory(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    def analyze(props: dict[str, Any]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        request = analyzer_pb2.AnalyzeRequest(
            type="aws:cfg/recorderStatus:RecorderStatus",
            properties=_struct(props),
            urn="urn:pulumi:dev::guarded::aws:cfg/recorderStatus:RecorderStatus::status",
            name="status",
        )
        response = analyzer.Analyze(request, timeout=30)
        return [d for d in response.diagnostics if d.policyName == "config-recorder-enabled"]

    (preview,) = analyze({"name": "default", "isEnabled": UNKNOWN_BOOLEAN_VALUE})
    assert preview.enforcementLevel == analyzer_pb2.ADVISORY
    assert "can't be known during preview" in preview.message
    (stopped,) = analyze({"name": "default", "isEnabled": False})
    assert stopped.enforcementLevel == analyzer_pb2.MANDATORY
    assert not analyze({"name": "default", "isEnabled": True})


def test_pack_process_stack_policy_links_dependencies_by_urn(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    base = "urn:pulumi:dev::guarded::"
    recorder = analyzer_pb2.AnalyzerResource(
        type="aws:cfg/recorder:Recorder",
        urn=base + "aws:cfg/recorder:Recorder::rec",
        name="rec",
        properties=_struct({"name": "default"}),
    )

    def rule(waits: bool) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type="aws:cfg/rule:Rule",
            urn=base + "aws:cfg/rule:Rule::mfa",
            name="mfa",
            properties=_struct(
                {"source": {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}}
            ),
            dependencies=[recorder.urn] if waits else [],
        )

    def ordering(waits: bool) -> list[str]:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[recorder, rule(waits)])
        response = analyzer.AnalyzeStack(request, timeout=30)
        return [d.urn for d in response.diagnostics if d.policyName == "config-ordering"]

    assert ordering(waits=False) == [base + "aws:cfg/rule:Rule::mfa"]
    assert ordering(waits=True) == []


def test_pack_policies_in_contract_order_without_server() -> None:
    assert [p.name for p in ALL_POLICIES] == CONTRACT_NAMES
