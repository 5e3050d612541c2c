"""How much faster `rootguard audit` is than the guide's script, at organization scale.

Starts moto's server (rootguard/audit_moto.py) with a fixed latency added to every
request, close to what IAM and STS answer from outside AWS (100 ms), builds an
organization of 300 accounts with a mix of root MFA on and off, then times, each
in its own process:

1. the baseline: the guide's script call for call (one ListAccounts per page,
   then per account a new STS client, AssumeRole, a new IAM client,
   GetAccountSummary, one printed line), sequential like the original;
2. `rootguard audit --concurrency 16 --format json`.

Prints both wall times, their ratio and the accounts each found.

    .venv/bin/python benchmarks/audit_scale.py [--accounts 300] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOTGUARD = str(Path(sys.executable).with_name("rootguard"))


def baseline() -> None:
    """The guide's org-wide loop, written by us, paging ListAccounts; run in a subprocess."""
    import boto3

    org_client = boto3.client("organizations")
    accounts = []
    request: dict[str, str] = {}
    while True:
        page = org_client.list_accounts(**request)
        accounts.extend(page["Accounts"])
        if not page.get("NextToken"):
            break
        request = {"NextToken": page["NextToken"]}

    for account in accounts:
        account_id = account["Id"]
        account_name = account["Name"]
        sts = boto3.client("sts")
        try:
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                RoleSessionName="mfa-check",
            )["Credentials"]
            iam = boto3.client(
                "iam",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            summary = iam.get_account_summary()["SummaryMap"]
            mfa_enabled = summary.get("AccountMFAEnabled", 0)
            status = "OK" if mfa_enabled else "WARNING - NO MFA"
            print(f"{account_name} ({account_id}): {status}")
        except Exception as e:  # as the guide does
            print(f"{account_name} ({account_id}): Error - {e!s}")


def _timed(
    label: str, command: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run `command`; print its CPU and the moto server's (this process) CPU meanwhile."""
    before, server_before = os.times(), time.process_time()
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    client = after.children_user + after.children_system
    client -= before.children_user + before.children_system
    server = time.process_time() - server_before
    print(f"{label}: {wall:7.2f} s   (its CPU {client:.2f} s, moto server CPU {server:.2f} s)")
    return wall, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300, help="accounts incl. management")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--skip-baseline", action="store_true", help="time rootguard only (quick iterations)"
    )
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline()
        return 0

    sys.path.insert(0, str(ROOT))
    from rootguard import audit_moto

    with audit_moto.MotoAuditServer() as server:
        members = audit_moto.create_organization(
            server.endpoint, [f"bench-{i:04d}" for i in range(args.accounts - 1)]
        )
        audit_moto.set_root_mfa(audit_moto.MANAGEMENT_ACCOUNT)
        for index, account in enumerate(members):
            if index % 3 == 0:
                audit_moto.set_root_mfa(account, virtual=index % 2 == 0)
        server.injector.latency = args.latency  # only now: setup is not measured
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env = {**base_env, **server.environment()}

        print(
            f"organization: {args.accounts} accounts, {args.latency * 1000:.0f} ms added "
            "per request",
            flush=True,
        )
        seq_time, seq_found, seq_requests = float("nan"), 0, 0
        if not args.skip_baseline:
            before = server.injector.requests
            seq_time, seq = _timed(
                "baseline (guide's script, sequential)",
                [sys.executable, __file__, "--baseline"],
                env,
            )
            seq_requests = server.injector.requests - before
            seq_found = len(re.findall(r"\(\d{12}\): ", seq.stdout))

        before = server.injector.requests
        rg_time, rg = _timed(
            f"rootguard audit --concurrency {args.concurrency}",
            [ROOTGUARD, "audit", "--concurrency", str(args.concurrency), "--format", "json"],
            env,
        )
        rg_requests = server.injector.requests - before
        if rg.returncode not in (0, 1):
            print(rg.stderr, file=sys.stderr)
            return 1
        report = json.loads(rg.stdout)
        rg_found = len({row["id"] for row in report["accounts"]})

    if not args.skip_baseline:
        print(f"speed-up: {seq_time / rg_time:.1f}x")
    print(
        f"accounts found: baseline {seq_found}/{args.accounts}, "
        f"rootguard {rg_found}/{args.accounts}"
    )
    print(f"requests: baseline {seq_requests}, rootguard {rg_requests}")
    print(f"rootguard summary: {report['summary']}")
    if args.skip_baseline:
        return 0 if rg_found == args.accounts else 1
    return 0 if rg_found == seq_found == args.accounts else 1


if __name__ == "__main__":
    sys.exit(main())
