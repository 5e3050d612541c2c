"""How `rootguard plan` scales: wall time, CPU and peak memory for N accounts x 17 regions.

    .venv/bin/python benchmarks/plan_scale.py                  # 1, 10, 50 accounts x 17 regions
    .venv/bin/python benchmarks/plan_scale.py --accounts 1 5 --regions 2 --preview
    .venv/bin/python benchmarks/plan_scale.py --fixture         # the engine on a fixed shape

Each size runs in a fresh Python process what ``rootguard plan`` does: the program
through ``rootguard.engine.run_program``, then both outputs (the ``--json`` document and
the readable tree with its counts, written to memory). The program is this repository's
stack program, with its example stack's config (Pulumi.dev.yaml) and ``accounts``,
``regions`` and ``homeRegion`` replaced; the config is passed as ``config=``, so no
stack file is written and the repository is never touched.

``--fixture`` plans ``tests/fixtures/programs/multi-account`` instead: a baseline-shaped
program that does not change as components grow, to tell the engine's cost from the
program's.

Figures: ``process s`` is the child's whole life as the parent sees it (interpreter,
imports, plan, outputs), ``plan s`` the ``run_program`` call alone; ``peak MiB`` is the
child's maximum RSS. Per extra account: the marginal cost between consecutive sizes,
flat when growth is linear.

Target (issue 2): 50 accounts x 17 regions in under 60 s and 1 GiB on 2 cores, the
cost per account flat (linear growth).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "programs" / "multi-account"
# The 17 regions AWS enables by default in every account (opt-in regions left out).
REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
]
BENCH_STACK = "bench"  # its stack file need not exist: the config is passed in


TARGET_ACCOUNTS = 50
TARGET_SECONDS = 60
TARGET_MIB = 1024


def example_config(program: Path, project: str) -> dict[str, Any]:
    """The config of the program's example stack (dev, else the first one found)."""
    files = sorted(program.glob("Pulumi.*.yaml"))
    preferred = [f for f in files if f.name == "Pulumi.dev.yaml"] or files
    if not preferred:
        return {}
    config = (yaml.safe_load(preferred[0].read_text()) or {}).get("config") or {}
    return {(k if ":" in k else f"{project}:{k}"): v for k, v in config.items()}


def bench_config(program: Path, accounts: int, regions: int) -> dict[str, Any]:
    """The example stack's config with ``accounts`` accounts and ``regions`` regions."""
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())["name"]
    config = example_config(program, project)
    chosen = REGIONS[:regions]
    config[f"{project}:regions"] = chosen
    if f"{project}:homeRegion" in config:
        config[f"{project}:homeRegion"] = chosen[0]
    config["aws:region"] = chosen[0]
    config[f"{project}:accounts"] = [
        {"id": f"{100000000000 + i:012d}", "name": f"account-{i:03d}"}
        for i in range(1, accounts + 1)
    ]
    return config


def measure_one(program: Path, config_file: Path, preview: bool) -> dict[str, Any]:
    """Runs in the child process: one plan and its two outputs, the figures as a dict."""
    import io

    from rich.console import Console

    from rootguard.engine.plan import render
    from rootguard.engine.program import run_program

    config = json.loads(config_file.read_text())
    start = time.perf_counter()
    plan = run_program(program, BENCH_STACK, preview=preview, config=config)
    planned = time.perf_counter()
    json_bytes = len(json.dumps(plan.to_json(), indent=2))
    render(plan, Console(file=io.StringIO(), width=160, highlight=False))
    rendered = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "resources": len(plan.resources),
        "custom": sum(1 for r in plan.resources if r.custom),
        "plan": planned - start,
        "output": rendered - planned,
        "jsonMiB": json_bytes / 2**20,
        "cpu": time.process_time(),
        # ru_maxrss is KiB on Linux (bytes on macOS).
        "peakMiB": usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024),
    }


def run_size(program: Path, accounts: int, regions: int, preview: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rootguard-bench-") as workdir:
        config_file = Path(workdir) / "config.json"
        config_file.write_text(json.dumps(bench_config(program, accounts, regions)))
        command = [sys.executable, __file__, "--child", str(program), str(config_file)]
        if preview:
            command.append("--preview")
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        process = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{accounts} accounts: the plan failed:\n{result.stderr.strip()}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    figures.update(accounts=accounts, regions=regions, process=process)
    return figures


def report(program: Path, rows: list[dict[str, Any]], preview: bool) -> None:
    if program == REPO:
        which = "this repository's program"
    elif program.is_relative_to(REPO):
        which = f"program {program.relative_to(REPO)}"
    else:
        which = f"program {program}"
    mode = "preview" if preview else "plan"
    print(f"rootguard plan scale ({which}; {mode}; fresh process each)")
    print(
        f"{'accounts':>8} {'regions':>7} {'resources':>9} {'per acct':>8} {'process s':>9} "
        f"{'plan s':>6} {'output s':>8} {'cpu s':>6} {'peak MiB':>8} {'ms/resource':>11}"
    )
    for row in rows:
        print(
            f"{row['accounts']:>8} {row['regions']:>7} {row['resources']:>9} "
            f"{row['resources'] / row['accounts']:>8.0f} {row['process']:>9.2f} "
            f"{row['plan']:>6.2f} {row['output']:>8.2f} {row['cpu']:>6.2f} "
            f"{row['peakMiB']:>8.0f} {1000 * row['plan'] / row['resources']:>11.2f}"
        )
    # Marginal cost of one more account between consecutive sizes: flat means linear.
    for low, high in itertools.pairwise(rows):
        extra = high["accounts"] - low["accounts"]
        if extra <= 0:
            continue
        print(
            f"per extra account {low['accounts']:>3} -> {high['accounts']:>3}: "
            f"{(high['process'] - low['process']) / extra * 1000:6.0f} ms wall, "
            f"{(high['cpu'] - low['cpu']) / extra * 1000:6.0f} ms cpu, "
            f"{(high['peakMiB'] - low['peakMiB']) / extra:5.1f} MiB, "
            f"{(high['resources'] - low['resources']) / extra:5.1f} resources"
        )
    for row in rows:
        if row["accounts"] == TARGET_ACCOUNTS and row["regions"] == len(REGIONS):
            verdict = (
                "met"
                if row["process"] < TARGET_SECONDS and row["peakMiB"] < TARGET_MIB
                else "MISSED"
            )
            print(
                f"target {TARGET_ACCOUNTS} x {len(REGIONS)} under {TARGET_SECONDS} s and "
                f"{TARGET_MIB} MiB: {verdict} ({row['process']:.1f} s, {row['peakMiB']:.0f} MiB)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    programs = parser.add_mutually_exclusive_group()
    programs.add_argument("--program", type=Path, default=REPO, help="Pulumi project to plan")
    programs.add_argument(
        "--fixture",
        dest="program",
        action="store_const",
        const=FIXTURE,
        help=f"plan the fixed-shape {FIXTURE.relative_to(REPO)} instead of the repository",
    )
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--regions", type=int, default=17, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--preview", action="store_true", help="plan as a first preview")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", type=Path, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        program, config_file = args.child
        print(json.dumps(measure_one(program, config_file, args.preview)))
        return 0
    program = args.program.resolve()
    rows = [run_size(program, n, args.regions, args.preview) for n in sorted(args.accounts)]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        report(program, rows, args.preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())
