"""How long the gate's Analyzer conversation takes, apart from planning and policy logic.

Runs `rootguard.gate.run_gate` over synthetic plans of N buckets with the small test pack
(tests/fixtures/packs/recorder: two resource and two stack policies, recording off) and
prints wall time, pack start-up and Analyze throughput. Usage:

    .venv/bin/python benchmarks/gate_protocol.py [N ...]     (default: 100 1000 5000)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from gate_support import RECORDER, bucket, make_plan, urn

from rootguard.gate import analyzer
from rootguard.gate.analyzer import PackConfig, PolicyConfig
from rootguard.gate.runner import run_gate


def measure(count: int) -> None:
    log = urn("test:index:Log", "log")
    plan = make_plan(
        *(
            bucket(
                f"b{i}", f"ok-b{i}", inputs={"tags": {"team": "x", "n": str(i)}}, dependencies=[log]
            )
            for i in range(count)
        )
    )
    spent: dict[str, float] = {"start": 0.0, "stack": 0.0}
    connect = analyzer.PackProcess.connect
    analyze_stack = analyzer.AnalyzerSession.analyze_stack

    def timed_connect(self: analyzer.PackProcess, timeout: float | None = None) -> None:
        began = time.perf_counter()
        connect(self, timeout)
        spent["start"] += time.perf_counter() - began

    def timed_stack(self: analyzer.AnalyzerSession, *args: object) -> list[analyzer.Violation]:
        began = time.perf_counter()
        found = analyze_stack(self, *args)  # type: ignore[arg-type]
        spent["stack"] += time.perf_counter() - began
        return found

    analyzer.PackProcess.connect = timed_connect  # type: ignore[method-assign]
    analyzer.AnalyzerSession.analyze_stack = timed_stack  # type: ignore[method-assign]
    config = PackConfig("bench", {"bucket-count": PolicyConfig(None, {"max": count})})
    try:
        began = time.perf_counter()
        result = run_gate(plan, [RECORDER], [config])
        total = time.perf_counter() - began
    finally:
        analyzer.PackProcess.connect = connect  # type: ignore[method-assign]
        analyzer.AnalyzerSession.analyze_stack = analyze_stack  # type: ignore[method-assign]
    resources = len(plan.resources)
    per_resource = total - spent["start"] - spent["stack"]
    print(
        f"{resources:>6} resources: gate {total:6.2f} s = pack start {spent['start']:.2f} s"
        f" + Analyze {per_resource:6.2f} s ({1000 * per_resource / resources:.2f} ms/resource)"
        f" + AnalyzeStack {spent['stack']:5.2f} s; {len(result.violations)} violation(s)"
    )


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [100, 1000, 5000]:
        measure(n)
