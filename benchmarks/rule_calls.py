"""Figures for the root-account rule's Lambda: API calls per evaluation, cold import time
of the handler module, and time per invocation. Offline: moto in-process stands in for
AWS, and the import is timed in fresh bare interpreters (as Lambda loads the archive).

    .venv/bin/python benchmarks/rule_calls.py [--runs N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.client
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT
from moto.iam.models import iam_backends
from rootguard.components.root_guard_rule import HANDLER, rule_function_archive

REGION = "us-east-1"
MEMBER = "222222222222"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rootguard-root-account-rule"
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


class Context:
    invoked_function_arn = FUNCTION_ARN


def event(account_id: str = ACCOUNT, **parameters: str) -> dict[str, Any]:
    invoking = {
        "awsAccountId": account_id,
        "notificationCreationTime": "2025-03-10T06:00:00.000Z",
        "messageType": "ScheduledNotification",
    }
    return {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(parameters),
        "resultToken": "TESTMODE",
        "accountId": account_id,
        "configRuleName": "rootguard-root-account",
    }


def extract_archive(folder: Path) -> Path:
    task = folder / "task"
    task.mkdir()
    for name, asset in rule_function_archive().assets.items():
        (task / name).write_text(asset.text, encoding="utf-8")
    return task


def runtime_folder(folder: Path) -> Path:
    runtime = folder / "runtime"
    runtime.mkdir()
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        source = Path(spec.origin)
        if spec.submodule_search_locations:
            source = source.parent
        (runtime / source.name).symlink_to(source)
    return runtime


def load_handler(task: Path) -> ModuleType:
    sys.path.insert(0, str(task))
    return importlib.import_module(HANDLER.split(".")[0])


@contextmanager
def counted_calls() -> Iterator[Counter[str]]:
    """Count every AWS API call any botocore client makes."""
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        counts[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original


def timed(runs: int, call: Callable[[], Any]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def cold_import_ms(task: Path, runtime: Path, runs: int) -> tuple[float, float]:
    code = (
        "import sys, time; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
        "t = time.perf_counter(); import root_account_rule; "
        "print((time.perf_counter() - t) * 1000)"
    )
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-I", "-S", "-c", code, str(task), str(runtime)],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout))
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per figure")
    runs = parser.parse_args().runs
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        os.environ[name] = value

    with tempfile.TemporaryDirectory() as tmp:
        task = extract_archive(Path(tmp))
        runtime = runtime_folder(Path(tmp))
        import_median, import_max = cold_import_ms(task, runtime, max(5, runs // 4))
        rule = load_handler(task)

        print("API calls per evaluation (moto; its credential report has no <root_account>")
        print("row, so the report cases end NON_COMPLIANT by scenario 8):")
        cases = [
            ("happy path: hardware MFA, RootUseWindowDays 0", ACCOUNT, {}, True),
            ("RootUseWindowDays 30", ACCOUNT, {"RootUseWindowDays": "30"}, True),
            ("no MFA (report rules out 'no credentials')", ACCOUNT, {}, False),
            (
                "organization: member account via ExecutionRoleName",
                MEMBER,
                {"ExecutionRoleName": "RootGuardAudit"},
                True,
            ),
        ]
        with mock_aws():
            for label, account, params, mfa in cases:
                iam_backends[account]["global"].account_summary._account_mfa_enabled = int(mfa)
                with counted_calls() as counts:
                    result = rule.lambda_handler(event(account, **params), Context())
                compliance = result["evaluations"][0]["ComplianceType"]
                calls = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in counts.items())
                print(
                    f"  {sum(counts.values())} calls  {label} -> {compliance}\n           {calls}"
                )

            iam_backends[ACCOUNT]["global"].account_summary._account_mfa_enabled = 1
            happy = event()
            rule.base_session.cache_clear()  # as in a new execution environment
            rule.own_clients.cache_clear()
            first_start = time.perf_counter()
            rule.lambda_handler(happy, Context())
            first_ms = (time.perf_counter() - first_start) * 1000
            handler_ms = timed(runs, lambda: rule.lambda_handler(happy, Context()))

            invocation = rule.parse_invocation(happy, Context())
            clients = rule.clients_for(rule.boto3.Session(), invocation)

            def evaluate_and_send() -> None:
                evaluations = rule.evaluate_periodic(clients, invocation.event, invocation.params)
                rule.send_evaluations(clients.config, evaluations, invocation.result_token)

            core_ms = timed(runs, evaluate_and_send)

    print(
        f"Handler cold import (fresh bare interpreter, boto3 included): "
        f"median {import_median:.0f} ms, max {import_max:.0f} ms"
    )
    print(f"Per invocation, happy path against moto in-process (median / max over {runs} runs):")
    print(f"  first invocation (creates the session and clients):  {first_ms:.0f} ms")
    print(
        f"  warm handler (session and clients kept):             "
        f"{handler_ms[0]:.1f} / {handler_ms[1]:.1f} ms"
    )
    print(
        f"  evaluate_periodic + send_evaluations, clients reused: "
        f"{core_ms[0]:.1f} / {core_ms[1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
