"""How `rootguard plan` scales: wall time, CPU and peak memory for N accounts x 17 regions.

    .venv/bin/python benchmarks/plan_scale.py                  # 1, 10, 50 accounts x 17 regions
    .venv/bin/python benchmarks/plan_scale.py --accounts 1 5 --regions 2 --preview

Each size runs ``rootguard.engine.run_program`` in a fresh Python process with a stack
config generated from the program's example stack (its ``<project>:accounts`` and
``<project>:regions`` replaced), passed as ``config=``: no stack file is written and
the repository is never touched. The program is this repository's stack
program; until that exists, the baseline-shaped fixture
``tests/fixtures/programs/multi-account`` stands in (the output says which ran).

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


def default_program() -> Path:
    return REPO if (REPO / "__main__.py").exists() else FIXTURE


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
    """Runs in the child process: one plan, its figures as a dict."""
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    from rootguard.engine import run_program

    config = json.loads(config_file.read_text())
    plan = run_program(program, BENCH_STACK, preview=preview, config=config)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "resources": len(plan.resources),
        "custom": sum(1 for r in plan.resources if r.custom),
        "wall": time.perf_counter() - start_wall,
        "cpu": time.process_time() - start_cpu,
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
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{accounts} accounts: the plan failed:\n{result.stderr.strip()}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    figures.update(accounts=accounts, regions=regions)
    return figures


def report(program: Path, rows: list[dict[str, Any]], preview: bool) -> None:
    which = "this repository's program" if program == REPO else f"fixture {program.name}"
    print(f"rootguard plan scale ({which}; {'preview' if preview else 'plan'}; fresh process each)")
    header = f"{'accounts':>8} {'regions':>7} {'resources':>9} {'wall s':>7} {'cpu s':>6}"
    print(header + f" {'peak MiB':>8} {'ms/resource':>11}")
    for row in rows:
        per_resource = 1000 * row["wall"] / row["resources"]
        print(
            f"{row['accounts']:>8} {row['regions']:>7} {row['resources']:>9} "
            f"{row['wall']:>7.2f} {row['cpu']:>6.2f} {row['peakMiB']:>8.0f} {per_resource:>11.2f}"
        )
    # Marginal cost of one more account between consecutive sizes: flat means linear.
    for low, high in itertools.pairwise(rows):
        extra = high["accounts"] - low["accounts"]
        if extra <= 0:
            continue
        wall = (high["wall"] - low["wall"]) / extra
        cpu = (high["cpu"] - low["cpu"]) / extra
        memory = (high["peakMiB"] - low["peakMiB"]) / extra
        print(
            f"per extra account {low['accounts']:>3} -> {high['accounts']:>3}: "
            f"{wall * 1000:6.0f} ms wall, {cpu * 1000:6.0f} ms cpu, {memory:5.1f} MiB"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--program", type=Path, default=None, help="Pulumi project to plan")
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
    program = (args.program or default_program()).resolve()
    rows = [run_size(program, n, args.regions, args.preview) for n in sorted(args.accounts)]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        report(program, rows, args.preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())
