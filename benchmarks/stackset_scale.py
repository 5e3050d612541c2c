"""How the organization stack scales in StackSet mode: resources declared and plan time for
an organization of N accounts, against account stacks covering the same accounts.

    .venv/bin/python benchmarks/stackset_scale.py                   # 3, 300, 3000 accounts
    .venv/bin/python benchmarks/stackset_scale.py --accounts 3 30 --regions 2

Each size runs in a fresh Python process: an organization fixture (the example
organization, tests/fixtures/organization/example.yaml, with N generated workload
accounts) is written to a temporary file and `rootguard plan`'s program run
(`run_program`) plans Pulumi.org-stackset.yaml against it with `--regions` regions, then
the fan-out is counted as the plan's headline does. For comparison, one account stack
with `rootguard:accounts: {fromOrganization: ...}` over 3 of those accounts is planned
too: its resources per account times N is what explicit-provider stacks would declare
for the same organization (an exact product, since every account gets the same set).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.plan_scale import REGIONS  # noqa: E402
from tests import organization_fixtures as org  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from rootguard.engine.fanout import fan_out
from rootguard.engine.organizations import load_fixture
from rootguard.engine.program import run_program

repo, stack, fixture_path, config_json = sys.argv[1:5]
config = json.loads(config_json)
started = time.perf_counter()
fixture = load_fixture(Path(fixture_path))
plan = run_program(Path(repo), stack, config=config, organization=fixture)
seconds = time.perf_counter() - started
spread = fan_out(plan, fixture)
print(json.dumps({
    "resources": len(plan.resources) - 1,  # as the headline counts: the stack left out
    "accounts": len(spread.accounts) if spread and spread.accounts is not None else None,
    "stacks": spread.stacks if spread else None,
    "instances": spread.instances if spread else None,
    "plan_s": round(seconds, 2),
    "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
"""


def org_stack_config(regions: list[str]) -> dict[str, object]:
    import yaml

    config = yaml.safe_load((REPO / "Pulumi.org-stackset.yaml").read_text())["config"]
    config["rootguard:regions"] = regions
    return dict(config)


def account_stack_config(regions: list[str]) -> dict[str, object]:
    return {
        "aws:region": "us-east-1",
        "rootguard:regions": regions,
        "rootguard:accounts": {"fromOrganization": {"ous": ["ou-a1b2-workload"]}},
        "rootguard:alerts": {"emails": ["secops@example.com"]},
    }


def measure(stack: str, fixture: Path, config: dict[str, object]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(REPO), stack, str(fixture), json.dumps(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[3, 300, 3000])
    parser.add_argument("--regions", type=int, default=len(REGIONS))
    args = parser.parse_args()
    regions = REGIONS[: args.regions]
    with tempfile.TemporaryDirectory() as work:
        small = org.write(Path(work) / "three.yaml", org.organization(3))
        per_account_stack = measure("bench-accounts", small, account_stack_config(regions))
        per_account = int(per_account_stack["resources"]) / 3
        print(f"account stacks: {per_account:.0f} resources per account x {len(regions)} regions")
        print("| accounts | org stack resources | stack instances (resources) | accounts reached "
              "| stacks AWS deploys | plan s | peak MiB | account stacks' resources |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for count in args.accounts:
            fixture = org.write(Path(work) / f"org-{count}.yaml", org.organization(count))
            figures = measure("bench-stackset", fixture, org_stack_config(regions))
            print(
                f"| {count} | {figures['resources']} | {figures['instances']} | "
                f"{figures['accounts']} | {figures['stacks']} | {figures['plan_s']} | "
                f"{figures['peak_mib']} | {per_account * count:,.0f} |"
            )


if __name__ == "__main__":
    main()
