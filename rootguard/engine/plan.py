"""`rootguard plan`: run a Pulumi program offline and show what it would deploy.

The program in PROJECT_DIR runs in-process under the mock engine of
``rootguard.engine.program`` with the stack's config; no Pulumi CLI, no cloud, no credentials.
The readable output is the resource tree (stack, providers, components, resources with
their account and region) followed by counts per type, account and region; ``--json``
prints the contract shape of ARCHITECTURE.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from rootguard.engine.aws import physical_name
from rootguard.engine.fanout import describe, fan_out
from rootguard.engine.organizations import OrganizationFixture, load_fixture
from rootguard.engine.program import (
    Placement,
    Plan,
    PlannedResource,
    on_default_provider,
    placements,
    require_stack_file,
    run_program,
)

PROVIDER_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project_dir",
        nargs="?",
        default=".",
        metavar="PROJECT_DIR",
        help="the Pulumi project (holding Pulumi.yaml); default: the current directory",
    )
    parser.add_argument(
        "--stack",
        required=True,
        metavar="NAME",
        help="the stack whose Pulumi.<NAME>.yaml config the program runs with",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the resources as JSON (the plan contract)"
    )
    parser.add_argument(
        "--preview",
        action="store_true",
        help="leave computed outputs (ids, ARNs) unknown, as a first `pulumi preview` does",
    )
    parser.add_argument(
        "--accounts",
        type=Path,
        metavar="FILE",
        help="answer AWS Organizations from this fixture (ids, names, OUs): account "
        "discovery, and the accounts StackSets reach",
    )


def run(args: argparse.Namespace) -> int:
    project_dir = Path(args.project_dir)
    require_stack_file(project_dir, args.stack)
    organization = load_fixture(args.accounts) if args.accounts else None
    plan = run_program(project_dir, args.stack, preview=args.preview, organization=organization)
    if args.json:
        sys.stdout.write(json.dumps(plan.to_json(), indent=2) + "\n")
    else:
        # Wide enough for nested types when piped (CI logs) instead of rich's 80 columns.
        console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
        render(plan, console, organization)
    return 0


# --------------------------------------------------------------------------------------
# Readable output
# --------------------------------------------------------------------------------------


def _where(placement: Placement | None) -> str:
    if placement is None:
        return ""
    return f"{placement.account or '?'} {placement.region or '?'}"


def _label(resource: PlannedResource, placement: Placement | None) -> Text:
    label = Text()
    label.append(resource.name, style="bold")
    label.append(f"  {resource.type}", style="dim")
    where = _where(placement)
    if where:
        label.append(f"  {where}", style="cyan")
    if resource.type.startswith(PROVIDER_PREFIX):
        label.append("  provider", style="magenta")
    elif resource.custom and resource.type.startswith("aws:") and on_default_provider(resource):
        label.append("  default provider", style="yellow")
    physical = physical_name(resource.type, resource.inputs, resource.outputs)
    if resource.custom and resource.type.startswith("aws:") and physical:
        label.append(f"  name={physical}", style="green")
    if resource.import_id:
        label.append(f"  import {resource.import_id}", style="bold magenta")
    return label


def resource_tree(plan: Plan, where: dict[str, Placement]) -> Tree:
    """Stack -> components -> resources, in registration order; providers included."""
    stack = next((r for r in plan.resources if r.type == STACK_TYPE), None)
    if stack is None:
        root = Tree(Text(f"{plan.project} / {plan.stack}", style="bold"))
    else:
        root = Tree(_label(stack, where.get(stack.urn)))
    nodes: dict[str, Tree] = {} if stack is None else {stack.urn: root}
    for resource in plan.resources:
        if resource is not stack:  # default providers have no parent: under the stack
            label = _label(resource, where.get(resource.urn))
            nodes[resource.urn] = nodes.get(resource.parent or "", root).add(label)
    return root


def _count_table(
    title: str, column: str, counts: Counter[str], notes: dict[str, str] | None = None
) -> Table:
    """One count per row, largest first; `notes` adds a column (e.g. provider names)."""
    table = Table(title=title, title_justify="left")
    table.add_column(column)
    if notes is not None:
        table.add_column("providers")
    table.add_column("resources", justify="right")
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        # Text cells: names are shown as they are, never read as rich markup.
        cells = [Text(key)] + ([Text(notes.get(key, ""))] if notes is not None else [])
        table.add_row(*cells, Text(str(count)))
    total = [Text("total", style="bold")] + ([Text("")] if notes is not None else [])
    table.add_row(*total, Text(str(counts.total()), style="bold"))
    return table


def _aws_resources(plan: Plan, where: dict[str, Placement]) -> list[PlannedResource]:
    """The aws resources with an account and region (providers left out)."""
    return [r for r in plan.resources if r.urn in where and not r.type.startswith(PROVIDER_PREFIX)]


def _provider_names(plan: Plan, where: dict[str, Placement]) -> dict[str, str]:
    """Account -> names of the providers deploying into it (the default one as such)."""
    names: dict[str, list[str]] = {}
    for resource in plan.resources:
        if resource.custom and resource.urn in where:
            account = where[resource.urn].account or "?"
            if resource.type.startswith(PROVIDER_PREFIX):
                name = resource.name
            elif resource.provider is None:
                name = "(default)"
            else:
                continue
            if name not in names.setdefault(account, []):
                names[account].append(name)
    return {account: ", ".join(found) for account, found in names.items()}


def summary_tables(plan: Plan, where: dict[str, Placement]) -> list[Table]:
    """Counts per type (every resource of ``--json``, the stack too), per account and per
    region (aws resources, providers left out)."""
    by_type: Counter[str] = Counter(r.type for r in plan.resources)
    located = [where[r.urn] for r in _aws_resources(plan, where)]
    by_account: Counter[str] = Counter(p.account or "?" for p in located)
    by_region: Counter[str] = Counter(p.region or "?" for p in located)
    return [
        _count_table("Resources by type", "type", by_type),
        _count_table(
            "AWS resources by account", "account", by_account, _provider_names(plan, where)
        ),
        _count_table("AWS resources by region", "region", by_region),
    ]


def headline(plan: Plan, where: dict[str, Placement]) -> str:
    """One line: what the plan holds, counted as ``--json`` lists it (the stack included;
    default providers, which have no parent, count as providers)."""
    stacks = sum(1 for r in plan.resources if r.type == STACK_TYPE)
    declared = [r for r in plan.resources if r.type != STACK_TYPE]
    providers = sum(1 for r in declared if r.type.startswith(PROVIDER_PREFIX))
    components = sum(1 for r in declared if not r.custom)
    aws = _aws_resources(plan, where)
    other = len(declared) - providers - components - len(aws)
    imported = sum(1 for r in plan.resources if r.import_id)
    accounts = {where[r.urn].account for r in aws}
    regions = {where[r.urn].region for r in aws}
    parts = [
        f"{stacks} stack",
        f"{len(aws)} aws in {len(accounts)} accounts and {len(regions)} regions",
        f"{providers} providers",
        f"{components} components",
    ]
    if other:
        parts.append(f"{other} other")
    if imported:
        parts.append(f"{imported} to import")
    mode = "preview (computed outputs unknown)" if plan.preview else "plan"
    return (
        f"rootguard {mode}: project {plan.project}, stack {plan.stack}: "
        f"{len(plan.resources)} resources: {', '.join(parts)}"
    )


def render(plan: Plan, console: Console, organization: OrganizationFixture | None = None) -> None:
    where = placements(plan)
    console.print(Text(headline(plan, where), style="bold"))
    spread = fan_out(plan, organization)
    if spread is not None:
        console.print(Text(describe(spread), style="bold"))
    console.print(resource_tree(plan, where))
    for table in summary_tables(plan, where):
        console.print(table)
