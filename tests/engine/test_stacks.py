"""The example stacks under the real engine: preview, up, a second up, destroy.

`pulumi preview` and `pulumi up` of the dev, org and member stacks with the stand-in aws
provider: every resource created, the stack outputs the README documents, the state's
URNs, types, parents, providers and dependencies equal to `rootguard plan`'s, no change on
a second `up` (the program's inputs are deterministic), and `pulumi destroy` removes it all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.engine.program import Plan, run_program
from tests.engine.conftest import EXAMPLE_STACKS, run

ACCOUNT_OUTPUT_KEYS = {
    "accountId",
    "recorders",
    "deliveryBucket",
    "rootRules",
    "anomalyMonitorArn",
    "anomalyTopicArn",
    "customRuleArn",
    "rootActivityTopicArn",
    "executionRoleArn",
}
OUTPUTS = {
    "dev": {"prod", "staging", "sandbox"},
    "org": {"self", "organization"},
    "member": {"prod", "staging"},
    "org-stackset": {"organization"},
}


def _provider_urn(reference: str | None) -> str | None:
    """The URN of a provider reference."""
    return reference.rsplit("::", 1)[0] if reference else None


def engine_graph(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The exported state as {urn: shape}, the engine's default providers included (the
    offline engine registers them too, where the engine does)."""
    graph = {}
    for r in state["resources"]:
        graph[r["urn"]] = {
            "type": r["type"],
            "parent": r.get("parent") or None,
            "provider": _provider_urn(r.get("provider")),
            "dependencies": sorted(r.get("dependencies") or []),
            "propertyDependencies": {
                k: sorted(v) for k, v in (r.get("propertyDependencies") or {}).items() if v
            },
        }
    return graph


def plan_graph(plan: Plan) -> dict[str, dict[str, Any]]:
    return {
        r.urn: {
            "type": r.type,
            "parent": r.parent,
            "provider": _provider_urn(r.provider),
            "dependencies": sorted(r.dependencies),
            "propertyDependencies": {k: v for k, v in r.property_dependencies.items() if v},
        }
        for r in plan.resources
    }


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_stack_lifecycle_under_the_real_engine(
    stack: str, rootguard_project: Path, engine_env: dict[str, str]
) -> None:
    preview, up, export, again, destroy = run(
        rootguard_project,
        stack,
        ["preview", "up", "export", "up", "destroy"],
        engine_env,
    )
    plan = run_program(rootguard_project, stack)
    declared = {r.urn for r in plan.resources}

    assert preview.ok, preview.error
    creates = {s["urn"] for s in preview.steps if s["op"] == "create"}
    assert declared <= creates, sorted(declared - creates)[:5]

    assert up.ok, up.error
    # The update's summary leaves the engine's default providers out.
    defaults = {urn for urn in declared if "::pulumi:providers:" in urn and "::default" in urn}
    assert up.summary.get("create", 0) >= len(declared - defaults)
    assert set(up.outputs) == OUTPUTS[stack]
    for name, value in up.outputs.items():
        if name != "organization":
            assert set(value) == ACCOUNT_OUTPUT_KEYS, name
            assert value["recorders"], name  # recorder names per region

    assert engine_graph(export.state) == plan_graph(plan)

    assert again.ok, again.error
    assert set(again.summary) == {"same"}, again.summary  # no create, update or replace

    assert destroy.ok, destroy.error
    assert destroy.summary.get("delete", 0) == up.summary["create"]


def test_stack_files_are_read_as_the_engine_reads_them(
    rootguard_project: Path, engine_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unquoted `id: 098765432109` is a number to the CLI (YAML 1.2, yaml.v3), so the
    program rejects it under the real engine - and under `rootguard plan`, which reads
    stack files the same way (PyYAML's YAML 1.1 would make it the string "098765432109")."""
    (rootguard_project / "Pulumi.unquoted.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  rootguard:accounts:\n"
        "    - id: 098765432109\n      name: prod\n"
    )
    (preview,) = run(rootguard_project, "unquoted", ["preview"], engine_env)
    assert not preview.ok
    assert main(["plan", str(rootguard_project), "--stack", "unquoted"]) == 2
    planned = capsys.readouterr().err.strip().split("error: ", 1)[1]
    assert "98765432109" in planned
    assert planned in " ".join(preview.error.split())
