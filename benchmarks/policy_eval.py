"""Policy evaluation time of the `rootguard` pack at 1, 10 and 50 accounts x 17 regions.

Builds a synthetic stack shaped like rootguard's own (per account: a provider, per
region a recorder, delivery channel and recorder status; in the home region the
delivery bucket with its public access block and policy, the root-MFA rules, the custom
rule with its Lambda, permission and role, and a Cost Anomaly monitor and subscription),
then times, in-process with pulumi_policy's own servicer (deserialization and proxies
included, no gRPC transport):
  - Analyze for every resource (all resource policies),
  - AnalyzeStack once (all stack policies),
  - each stack policy's validator alone.
Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/policy_eval.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policies.rootguard_policies import ALL_POLICIES

REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "sa-east-1",
]  # fmt: skip
BASE = "urn:pulumi:dev::rootguard::"


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


class _Builder:
    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.resources: list[analyzer_pb2.AnalyzerResource] = []

    def unknown_or(self, value: Any) -> Any:
        return UNKNOWN_STRING_VALUE if self.preview else value

    def add(
        self,
        type_: str,
        name: str,
        props: dict[str, Any],
        provider: analyzer_pb2.AnalyzerProviderResource | None,
        deps: tuple[str, ...] = (),
        prop_deps: dict[str, list[str]] | None = None,
    ) -> str:
        urn = f"{BASE}{type_}::{name}"
        self.resources.append(
            analyzer_pb2.AnalyzerResource(
                type=type_,
                urn=urn,
                name=name,
                properties=_struct(props),
                provider=provider,
                dependencies=list(deps),
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                    for k, v in (prop_deps or {}).items()
                },
            )
        )
        return urn


FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
TLS_ONLY = json.dumps(
    {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
)
ROOT_RULES = (
    "ROOT_ACCOUNT_MFA_ENABLED",
    "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED",
    "IAM_ROOT_ACCESS_KEY_CHECK",
)
S3, CFG = "aws:s3/", "aws:cfg/"


def _provider(acct: str) -> analyzer_pb2.AnalyzerProviderResource:
    arn = f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole"
    props = {
        "region": REGIONS[0],
        "assumeRoles": json.dumps([{"role_arn": arn}]),
        "allowedAccountIds": json.dumps([acct]),
    }
    name = f"aws-{acct}"
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        urn=f"{BASE}pulumi:providers:aws::{name}",
        name=name,
        properties=_struct(props),
    )


def _account(b: _Builder, acct: str) -> None:
    p = _provider(acct)
    unknown = b.unknown_or
    bucket = b.add(S3 + "bucket:Bucket", f"{acct}-logs", {"bucket": f"cfg-{acct}"}, p)
    on_bucket = {"bucket": [bucket]}
    bname = unknown(f"cfg-{acct}")
    pab = {"bucket": bname, **dict.fromkeys(FLAGS, True)}
    b.add(
        S3 + "bucketPublicAccessBlock:BucketPublicAccessBlock", f"{acct}-pab", pab, p, (), on_bucket
    )
    policy_props = {"bucket": bname, "policy": unknown(TLS_ONLY)}
    policy = b.add(
        S3 + "bucketPolicy:BucketPolicy", f"{acct}-policy", policy_props, p, (), on_bucket
    )
    statuses = []
    for region in REGIONS:
        group = {"allSupported": True, "includeGlobalResourceTypes": region == REGIONS[0]}
        rec_props = {"region": region, "recordingGroup": group, "roleArn": unknown("r")}
        rec = b.add(CFG + "recorder:Recorder", f"{acct}-{region}-rec", rec_props, p)
        chan_props = {"region": region, "s3BucketName": bname}
        chan = b.add(
            CFG + "deliveryChannel:DeliveryChannel",
            f"{acct}-{region}-chan",
            chan_props,
            p,
            (rec, policy),
            {"s3BucketName": [bucket]},
        )
        status_props = {"region": region, "isEnabled": True, "name": "default"}
        statuses.append(
            b.add(
                CFG + "recorderStatus:RecorderStatus",
                f"{acct}-{region}-on",
                status_props,
                p,
                (chan,),
                {"name": [rec]},
            )
        )
    for rule in ROOT_RULES:
        source = {"owner": "AWS", "sourceIdentifier": rule}
        b.add(CFG + "rule:Rule", f"{acct}-{rule}", {"source": source}, p, (statuses[0],))
    role = b.add("aws:iam/role:Role", f"{acct}-fn-role", {"assumeRolePolicy": "{}"}, p)
    on_role = {"role": [role]}
    role_policy = {"role": unknown("r"), "policy": json.dumps({"Statement": []})}
    b.add("aws:iam/rolePolicy:RolePolicy", f"{acct}-fn-policy", role_policy, p, (), on_role)
    fn_props = {"runtime": "python3.12", "role": unknown("r")}
    fn = b.add("aws:lambda/function:Function", f"{acct}-fn", fn_props, p, (), on_role)
    perm_props = {
        "function": unknown("f"),
        "principal": "config.amazonaws.com",
        "sourceAccount": acct,
    }
    perm = b.add(
        "aws:lambda/permission:Permission", f"{acct}-perm", perm_props, p, (), {"function": [fn]}
    )
    custom = {"source": {"owner": "CUSTOM_LAMBDA", "sourceIdentifier": unknown("arn")}}
    b.add(CFG + "rule:Rule", f"{acct}-custom", custom, p, (statuses[0], perm), {"source": [fn]})
    monitor_props = {"monitorType": "DIMENSIONAL", "monitorDimension": "SERVICE"}
    mon = b.add("aws:costexplorer/anomalyMonitor:AnomalyMonitor", f"{acct}-mon", monitor_props, p)
    subscription = {
        "frequency": "DAILY",
        "monitorArnLists": [unknown("m")],
        "subscribers": [{"type": "EMAIL", "address": "secops@example.com"}],
        "thresholdExpression": {"dimension": {"key": "K", "values": ["100"]}},
    }
    b.add(
        "aws:costexplorer/anomalySubscription:AnomalySubscription",
        f"{acct}-sub",
        subscription,
        p,
        (),
        {"monitorArnLists": [mon]},
    )


def build(accounts: int, preview: bool) -> list[analyzer_pb2.AnalyzerResource]:
    b = _Builder(preview)
    for index in range(accounts):
        _account(b, f"{100000000000 + index}")
    return b.resources


def main() -> None:
    servicer = _PolicyAnalyzerServicer(
        "rootguard", "0.1.0", list(ALL_POLICIES), EnforcementLevel.MANDATORY
    )
    header = ("accounts", "preview", "resources", "analyze", "stack", "slowest stack policy")
    print(f"{header[0]:>8} {header[1]:>7} {header[2]:>9} {header[3]:>9} {header[4]:>8} "
          f"{header[5]:>36} violations")  # fmt: skip
    for accounts in (1, 10, 50):
        for preview in (False, True):
            resources = build(accounts, preview)
            start = time.perf_counter()
            violations = 0
            for r in resources:
                request = analyzer_pb2.AnalyzeRequest(
                    type=r.type,
                    properties=r.properties,
                    urn=r.urn,
                    name=r.name,
                    provider=r.provider,
                )
                violations += _mandatory(servicer.Analyze(request, None))
            analyze = time.perf_counter() - start
            start = time.perf_counter()
            stack_request = analyzer_pb2.AnalyzeStackRequest(resources=resources)
            violations += _mandatory(servicer.AnalyzeStack(stack_request, None))
            stack = time.perf_counter() - start
            slowest = _slowest_stack_policy(resources)
            print(f"{accounts:>8} {preview!s:>7} {len(resources):>9} {analyze:>8.2f}s "
                  f"{stack:>7.2f}s {slowest:>36} {violations:>10}")  # fmt: skip


def _mandatory(response: analyzer_pb2.AnalyzeResponse) -> int:
    return sum(d.enforcementLevel == analyzer_pb2.MANDATORY for d in response.diagnostics)


def _slowest_stack_policy(resources: list[analyzer_pb2.AnalyzerResource]) -> str:
    """The stack policy whose validator alone takes longest (resources built once)."""
    one = analyzer_pb2.AnalyzeStackRequest(resources=resources)
    timings = []
    for policy in ALL_POLICIES:
        if not isinstance(policy, StackValidationPolicy):
            continue
        single = _PolicyAnalyzerServicer("rootguard", "0.1.0", [policy], EnforcementLevel.MANDATORY)
        start = time.perf_counter()
        single.AnalyzeStack(one, None)
        timings.append((time.perf_counter() - start, policy.name))
    seconds, name = max(timings)
    return f"{name} {seconds:.2f}s"


if __name__ == "__main__":
    main()
