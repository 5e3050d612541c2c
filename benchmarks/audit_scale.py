"""How much faster `rootguard audit` is than the guide's script, at organization scale.

Starts moto's server (tests/moto_audit_server.py) with a fixed latency added to every
request, close to what IAM and STS answer from outside AWS (100 ms), builds an
organization of 300 accounts with a mix of root MFA on and off, then times, each
in its own process:

1. the baseline: the guide's script call for call (one ListAccounts per page,
   then per account a new STS client, AssumeRole, a new IAM client,
   GetAccountSummary, one printed line), sequential like the original;
2. `rootguard audit --concurrency 16 --format json` (a role assumed in each account);
3. `rootguard audit --root-sessions --concurrency 16 --format json` (a root session in
   each member through the test front, tests/root_access_front.py; members with root
   MFA have a password and a device, the others no root credentials at all).

Prints the wall times with the CPU each used and the moto server's CPU meanwhile, the
time per account, the accounts each found (and whether each one's MFA verdict is right),
and the ratio of the best times over `--repeat` rounds.

    .venv/bin/python benchmarks/audit_scale.py [--accounts 300] [--latency 0.1] [--repeat 3]
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


def _baseline_rows(stdout: str) -> dict[str, bool | None]:
    """Account id -> MFA on (None for an Error line), from the baseline's printed lines."""
    rows: dict[str, bool | None] = {}
    for account_id, status in re.findall(r"\((\d{12})\): (OK|WARNING - NO MFA|Error)", stdout):
        rows[account_id] = {"OK": True, "WARNING - NO MFA": False}.get(status)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300, help="accounts incl. management")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds (baseline then rootguard); best is reported"
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="time rootguard only (quick iterations)"
    )
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline()
        return 0

    sys.path.insert(0, str(ROOT))
    from tests import moto_audit_server as audit_moto

    with audit_moto.MotoAuditServer() as server:
        members = audit_moto.create_organization(
            server.endpoint, [f"bench-{i:04d}" for i in range(args.accounts - 1)]
        )
        from tests.root_access_front import RootState, virtual_serial

        mfa_on = {audit_moto.MANAGEMENT_ACCOUNT}
        audit_moto.set_root_mfa(audit_moto.MANAGEMENT_ACCOUNT)
        for index, account in enumerate(members):
            server.front.roots[account] = RootState()  # no root credentials
            if index % 3 == 0:
                audit_moto.set_root_mfa(account, virtual=index % 2 == 0)
                mfa_on.add(account)
                device = virtual_serial(account) if index % 2 == 0 else f"GAHT{index:08d}"
                server.front.roots[account] = RootState(password=True, mfa_devices=[device])
        server.injector.latency = args.latency  # only now: setup is not measured
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env = {**base_env, **server.environment()}
        every = {audit_moto.MANAGEMENT_ACCOUNT, *members}
        print(
            f"organization: {args.accounts} accounts ({len(mfa_on)} with root MFA), "
            f"{args.latency * 1000:.0f} ms added per request",
            flush=True,
        )

        seq_times: list[float] = []
        rg_times: list[float] = []
        rs_times: list[float] = []
        ok = True
        for _ in range(args.repeat):
            if not args.skip_baseline:
                before = server.injector.requests
                seq_time, seq = _timed(
                    "baseline (guide's script, sequential)",
                    [sys.executable, __file__, "--baseline"],
                    env,
                )
                seq_rows = _baseline_rows(seq.stdout)
                seq_right = seq_rows == {account: account in mfa_on for account in every}
                print(
                    f"  found {len(seq_rows)}/{args.accounts} accounts, "
                    f"{server.injector.requests - before} requests, "
                    f"MFA verdicts {'all right' if seq_right else 'WRONG'}"
                )
                seq_times.append(seq_time)
                ok = ok and seq_right

            before = server.injector.requests
            rg_time, rg = _timed(
                f"rootguard audit --concurrency {args.concurrency}",
                [ROOTGUARD, "audit", "--concurrency", str(args.concurrency), "--format", "json"],
                env,
            )
            if rg.returncode not in (0, 1):
                print(rg.stderr, file=sys.stderr)
                return 1
            report = json.loads(rg.stdout)
            rg_rows = {row["id"]: row["mfaEnabled"] for row in report["accounts"]}
            rg_right = rg_rows == {account: account in mfa_on for account in every} and len(
                report["accounts"]
            ) == len(every)
            print(
                f"  found {len(rg_rows)}/{args.accounts} accounts, "
                f"{server.injector.requests - before} requests, "
                f"MFA verdicts {'all right' if rg_right else 'WRONG'}; {report['summary']}"
            )
            rg_times.append(rg_time)
            ok = ok and rg_right

            before = server.injector.requests
            rs_time, rs = _timed(
                f"rootguard audit --root-sessions --concurrency {args.concurrency}",
                [
                    ROOTGUARD,
                    "audit",
                    "--root-sessions",
                    "--concurrency",
                    str(args.concurrency),
                    "--format",
                    "json",
                ],
                env,
            )
            report = json.loads(rs.stdout) if rs.returncode in (0, 1) else {}
            rs_rows = {row["id"]: row["mfaEnabled"] for row in report.get("accounts", [])}
            rs_right = (
                report.get("mode") == "root-sessions"
                and rs_rows == {account: account in mfa_on for account in every}
                and len(report["accounts"]) == len(every)
            )
            print(
                f"  found {len(rs_rows)}/{args.accounts} accounts, "
                f"{server.injector.requests - before} requests, "
                f"MFA verdicts {'all right' if rs_right else 'WRONG'}; "
                f"{report.get('summary', rs.stderr.strip())}"
            )
            rs_times.append(rs_time)
            ok = ok and rs_right and not server.front.invalid

    per_account = [
        ("guide's script", seq_times),
        ("rootguard audit (roles)", rg_times),
        ("rootguard audit --root-sessions", rs_times),
    ]
    print("per account (best round):")
    for label, times in per_account:
        if times:
            print(f"  {label:<34} {min(times) / args.accounts * 1000:6.1f} ms")
    if seq_times:
        print(
            f"speed-up: {min(seq_times) / min(rg_times):.1f}x roles, "
            f"{min(seq_times) / min(rs_times):.1f}x root sessions (best {min(seq_times):.2f} s "
            f"against best {min(rg_times):.2f} s and {min(rs_times):.2f} s of {args.repeat})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
