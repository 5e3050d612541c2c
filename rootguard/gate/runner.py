"""`rootguard gate`: plan a Pulumi program offline, then run policy packs on it like the engine.

    rootguard gate [PROJECT_DIR] --stack NAME [--policy-pack DIR]...
                   [--policy-pack-config FILE]... [--json] [--preview] [--sarif FILE]

The plan comes from `rootguard.engine.run_program` (no Pulumi CLI, no cloud), run in a
child process that streams each registration (`engine.stream_program`), so each resource
is analyzed while the program goes on, as in the engine; each pack runs as its own
process, driven by `rootguard.gate.analyzer` with the engine's call order.
Exit 1 when any mandatory violation is reported, 0 otherwise, 2 on bad input.

The seam for other code and tests is `run_gate(plan, packs, config) -> GateResult`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import yaml
from pulumi.runtime.proto import analyzer_pb2

from rootguard.engine.organizations import load_fixture
from rootguard.errors import UsageError
from rootguard.gate.analyzer import (
    AnalyzerSession,
    PackConfig,
    PackSet,
    PolicyPackProject,
    Remediation,
    RequestBuilder,
    ResourceLike,
    StackInfo,
    Violation,
    load_pack_config,
)
from rootguard.gate.default_providers import DefaultProviders

__all__ = [
    "GateResult",
    "GateSession",
    "PackSummary",
    "PlanLike",
    "PolicySummary",
    "Violation",
    "add_arguments",
    "default_policy_pack",
    "gate_program",
    "run",
    "run_gate",
]

EXIT_OK = 0
EXIT_VIOLATIONS = 1
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


class PlanLike(Protocol):
    """What the gate reads from `rootguard.engine.Plan`."""

    @property
    def project(self) -> str: ...
    @property
    def stack(self) -> str: ...
    @property
    def preview(self) -> bool: ...
    @property
    def config(self) -> Mapping[str, str]: ...
    @property
    def resources(self) -> Sequence[ResourceLike]: ...


@dataclass(frozen=True)
class PolicySummary:
    name: str
    description: str
    level: str  # after --policy-pack-config: advisory | mandatory | remediate | disabled
    kind: str  # resource | stack


@dataclass(frozen=True)
class PackSummary:
    name: str
    version: str
    path: Path
    policies: tuple[PolicySummary, ...]


@dataclass
class GateResult:
    """What the packs reported about a plan."""

    violations: list[Violation]
    resources: int
    packs: list[PackSummary]
    remediations: list[Remediation] = field(default_factory=list)

    @property
    def policies(self) -> int:
        """Policies that ran: every policy of every pack not configured `disabled`."""
        return sum(p.level != "disabled" for pack in self.packs for p in pack.policies)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.mandatory else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The `--json` contract: {"violations": [...], "resources": N, "policies": N}."""
        return {
            "violations": [v.to_json() for v in self.violations],
            "resources": self.resources,
            "policies": self.policies,
        }


def run_gate(
    plan: PlanLike,
    packs: Sequence[str | Path],
    config: Sequence[str | Path | PackConfig | None] | None = None,
) -> GateResult:
    """Run each pack over `plan` the way `pulumi preview --policy-pack` does.

    `config` pairs with `packs` by position, like the CLI's repeated
    `--policy-pack-config` flags: a file path, an already parsed `PackConfig`, or None.
    Bad packs or config raise `UsageError` (one line); pack processes are always stopped.
    """
    stack = StackInfo(plan.project, plan.stack, plan.preview, dict(plan.config))
    with GateSession(stack, packs, config) as session:
        for resource in plan.resources:
            session.analyze(resource)
        return session.finish(plan)


def gate_program(
    project_dir: Path,
    stack: str,
    packs: Sequence[str | Path],
    config: Sequence[str | Path | PackConfig | None] | None = None,
    *,
    preview: bool = False,
    stack_config: Mapping[str, Any] | None = None,
    accounts: Path | None = None,
) -> tuple[PlanLike, GateResult]:
    """Plan the program in `project_dir` and run the packs over it: `rootguard gate`.

    As the engine starts its analyzers before running the program, the packs start and
    get their config first, so a bad `--policy-pack-config` is reported before a long
    plan. As the engine analyzes each resource when its step is generated, while the
    program goes on, the program runs in a child process (`engine.stream_program`) that
    streams each registration; the gate analyzes it meanwhile, in registration order.
    `stack_config` replaces the stack file's config (see `run_program`); `accounts` is an
    organization fixture file (see `rootguard.engine.organizations`).
    """
    from rootguard.engine.program import load_project, read_config, stack_short_name, stream_program

    project = load_project(project_dir)
    values, _secret_keys = read_config(project, stack, stack_config)
    info = StackInfo(project.name, stack_short_name(stack), preview, values)
    # The child imports the engine while the packs start.
    with (
        stream_program(
            project_dir, stack, preview=preview, config=stack_config, accounts=accounts
        ) as program,
        GateSession(info, packs, config) as session,
    ):
        program.start()
        for resource in program:
            session.analyze(resource)
        plan = program.plan
        assert plan is not None
        return plan, session.finish(plan)


class GateSession(contextlib.AbstractContextManager["GateSession"]):
    """Packs started and configured for one stack, then fed its resources like the engine.

    Entering starts every pack and sends Configure, so a bad `--policy-pack-config` is
    reported before anything is planned. `analyze` takes resources one at a time in
    registration order (each pack sees one call at a time, as from the engine's step
    generator); `finish` sends AnalyzeStack once and returns the result. Leaving stops
    every pack process, also on errors.
    """

    def __init__(
        self,
        stack: StackInfo,
        packs: Sequence[str | Path],
        config: Sequence[str | Path | PackConfig | None] | None = None,
    ) -> None:
        projects = [PolicyPackProject.load(p) for p in packs]
        self._configs = _pair_configs(len(projects), config)
        self._packset = PackSet(projects, stack)
        self._builder = RequestBuilder(())
        self._defaults = DefaultProviders(stack)
        self._violations: list[Violation] = []
        self._remediations: list[Remediation] = []
        self._outputs: dict[str, Mapping[str, Any]] = {}  # remediated outputs by URN

    def __enter__(self) -> GateSession:
        self._packset.__enter__()
        try:
            for session, pack_config in zip(self._packset, self._configs, strict=True):
                session.configure(pack_config)
        except BaseException:
            self._packset.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._packset.close()

    def analyze(self, resource: ResourceLike) -> None:
        """Analyze one resource in every pack, after its default provider when it is that
        provider's first user (the engine registers it then)."""
        provider, resource = self._defaults.attach(resource)
        if provider is not None:
            self._analyze_one(provider)
        self._analyze_one(resource)

    def _analyze_one(self, resource: ResourceLike) -> None:
        """Remediate (when a policy asks for it), then Analyze one resource in every pack."""
        packset = self._packset
        request = self._builder.analyze(resource)
        # Pass one: remediations (a pack answers only for policies at level `remediate`).
        for session in (s for s in packset if s.remediates):
            for remedy in session.remediate(request):
                self._remediations.append(remedy)
                if remedy.diagnostic:
                    self._violations.append(_remediation_warning(remedy, session.version))
                elif remedy.properties is not None:
                    request.properties.Clear()
                    request.properties.update(dict(remedy.properties))
                    self._outputs[resource.urn] = {**resource.outputs, **remedy.properties}
        # Pass two: analysis of what the resource became.
        for session in packset:
            self._violations.extend(session.analyze(request))

    def summaries(self) -> list[PackSummary]:
        """Each pack with its policies at the levels the config gave them."""
        return [_summary(session) for session in self._packset]

    def finish(self, plan: PlanLike) -> GateResult:
        """AnalyzeStack once over the whole plan (the engine's default providers included);
        the violations of every call so far."""
        resources = list(self._defaults.expand(plan.resources))
        for resource in resources:
            self._builder.add(resource)
        stack_request = _analyze_stack_request(self._builder, resources, self._outputs)
        urns = {r.urn for r in resources}
        root = _root_stack_urn(plan)
        for session in self._packset:
            self._violations.extend(session.analyze_stack(stack_request, urns, root))
        return GateResult(
            list(self._violations), len(resources), self.summaries(), list(self._remediations)
        )


def _summary(session: AnalyzerSession) -> PackSummary:
    """A pack with each policy's level after `--policy-pack-config`."""
    policies = session.info.policies if session.info else ()
    return PackSummary(
        name=session.name,
        version=session.version,
        path=session.project.path,
        policies=tuple(
            PolicySummary(p.name, p.description, session.config[p.name].level or p.level, p.kind)
            for p in policies
        ),
    )


def _pair_configs(
    count: int, config: Sequence[str | Path | PackConfig | None] | None
) -> list[PackConfig | None]:
    given = list(config or [])
    if given and len(given) != count:
        raise UsageError(
            f"--policy-pack-config given {len(given)} time(s) for {count} policy pack(s); "
            "give one per --policy-pack, in the same order"
        )
    loaded: list[PackConfig | None] = []
    for item in given or [None] * count:
        if item is None or isinstance(item, PackConfig):
            loaded.append(item)
        else:
            loaded.append(load_pack_config(item))
    return loaded


def _analyze_stack_request(
    builder: RequestBuilder,
    resources: Sequence[ResourceLike],
    remediated: Mapping[str, Mapping[str, Any]],
) -> Any:
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[builder.stack_resource(r, remediated.get(r.urn, r.outputs)) for r in resources]
    )


def _root_stack_urn(plan: PlanLike) -> str:
    for resource in plan.resources:
        if resource.type == ROOT_STACK_TYPE:
            return resource.urn
    name = f"{plan.project}-{plan.stack}"
    return f"urn:pulumi:{plan.stack}::{plan.project}::{ROOT_STACK_TYPE}::{name}"


def _remediation_warning(remedy: Remediation, version: str) -> Violation:
    # The engine shows a remediation's diagnostic as an advisory policy violation.
    return Violation(
        policy_pack=remedy.policy_pack,
        policy=remedy.policy,
        urn=remedy.urn,
        message=remedy.diagnostic,
        level="advisory",
        pack_version=version,
    )


# --- default pack ----------------------------------------------------------------------------
def default_policy_pack() -> Path:
    """This repository's `policies/` pack, next to the `rootguard` package."""
    candidate = Path(__file__).resolve().parents[2] / "policies"
    if not (candidate / "PulumiPolicy.yaml").is_file():
        raise UsageError(
            f"no default policy pack: {candidate} has no PulumiPolicy.yaml; pass --policy-pack DIR"
        )
    return candidate


# --- command line ----------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
        help="Pulumi program directory (default: .)",
    )  # fmt: skip
    parser.add_argument("--stack", required=True, metavar="NAME", help="stack name")
    parser.add_argument(
        "--policy-pack", action="append", dest="policy_packs", metavar="DIR",
        help="policy pack directory; repeat for several (default: rootguard's policies/)",
    )  # fmt: skip
    parser.add_argument(
        "--policy-pack-config", action="append", dest="policy_pack_configs", metavar="FILE",
        help="JSON config for the pack at the same position, as for `pulumi preview`",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--preview", action="store_true",
        help="plan as a first preview: computed values are unknown",
    )  # fmt: skip
    parser.add_argument(
        "--sarif", metavar="FILE", help="also write the violations as SARIF 2.1.0 to FILE"
    )
    parser.add_argument(
        "--engine", choices=("mock", "pulumi"), default="mock",
        help="mock: rootguard's in-process engine (default, no CLI, no cloud); pulumi: "
        "`pulumi preview --policy-pack` of a new stack with the Pulumi CLI on PATH",
    )  # fmt: skip
    parser.add_argument(
        "--allow-no-policies", action="store_true",
        help="pass when every policy is disabled (by default a gate that checked nothing exits 2)",
    )  # fmt: skip
    parser.add_argument(
        "--accounts", type=Path, metavar="FILE",
        help="answer AWS Organizations from this fixture (see `rootguard plan --accounts`)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    project_dir = Path(args.project_dir)
    packs = [Path(p) for p in args.policy_packs or []] or [default_policy_pack()]
    # Check packs and config files before planning: bad input fails fast.
    for pack in packs:
        PolicyPackProject.load(pack)
    configs = _pair_configs(len(packs), args.policy_pack_configs)
    if args.accounts:
        if args.engine == "pulumi":
            raise UsageError(
                f"--accounts {args.accounts}: answers AWS Organizations in rootguard's own "
                "engine only; expected --engine mock (the default) with it"
            )
        load_fixture(args.accounts)  # a bad fixture fails before the packs start

    plan: Any
    if args.engine == "pulumi":
        from rootguard.gate.pulumi_engine import gate_with_pulumi

        given = args.policy_pack_configs or [None] * len(packs)
        plan, result = gate_with_pulumi(project_dir, args.stack, packs, given)
    else:
        plan, result = gate_program(
            project_dir, args.stack, packs, configs, preview=args.preview, accounts=args.accounts
        )
    if result.policies == 0 and not args.allow_no_policies:
        names = ", ".join(pack_label(p) for p in result.packs)
        raise UsageError(
            f"no policy ran: every policy of {names} is disabled (--policy-pack-config), so "
            "the gate checked nothing; expected at least one enabled policy "
            "(pass --allow-no-policies to accept an empty gate)"
        )

    if args.sarif:
        from rootguard.gate.sarif import to_sarif

        sources = {}
        for resource in plan.resources:
            declared = getattr(resource, "source", None)  # (file, line) from the plan
            if declared:
                sources[resource.urn] = (_artifact_uri(Path(declared[0])), int(declared[1]))
        document = to_sarif(
            result,
            artifact_uri=_artifact_uri(program_entry(project_dir)),
            automation_id=f"rootguard-gate/{plan.project}/{plan.stack}/",
            sources=sources,
        )
        try:
            Path(args.sarif).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        except OSError as err:
            raise UsageError(f"--sarif {args.sarif}: cannot write: {err.strerror}") from err
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        print_table(result)
    return result.exit_code


def program_entry(project_dir: Path) -> Path:
    """The file a Python Pulumi program starts in: Pulumi.yaml's `main`, else __main__.py."""
    main: Any = None
    try:
        data = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
        main = data.get("main") if isinstance(data, dict) else None
    except (OSError, yaml.YAMLError):
        pass
    entry = project_dir / str(main) if main else project_dir
    if entry.is_dir() or entry.suffix != ".py":
        return entry / "__main__.py"
    return entry


def _artifact_uri(path: Path) -> str:
    """Relative to the working directory (the repository root in CI) when inside it."""
    relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    if relative.startswith(".."):
        return path.resolve().as_uri()
    return Path(relative).as_posix()


def pack_label(pack: PackSummary) -> str:
    """``name@vX.Y.Z``, as the Pulumi CLI names a pack (the version of PulumiPolicy.yaml)."""
    return f"{pack.name}@v{pack.version}" if pack.version else pack.name


def verdict_line(result: GateResult) -> str:
    mandatory = len(result.mandatory)
    advisory = len(result.violations) - mandatory
    verdict = "the gate fails" if mandatory else "the gate passes"
    return (
        f"{mandatory} mandatory, {advisory} advisory violation(s) over {result.resources} "
        f"resources and {result.policies} policies: {verdict}."
    )


def print_table(result: GateResult, stream: TextIO | None = None) -> None:
    """Violations as a table on a terminal; elsewhere (CI logs) one full line each.

    A table fitted to a log's width wraps each message a few words a line and cuts long
    ones off; a log gets ``LEVEL policy resource: message`` lines, never truncated.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = stream if stream is not None else sys.stdout
    packs = ", ".join(pack_label(p) for p in result.packs)
    if not result.violations:
        out.write(
            f"No policy violations: {result.resources} resources checked by "
            f"{result.policies} policies ({packs}).\n"
        )
        return
    console = Console(file=out)
    if not console.is_terminal:
        out.write(f"Policy violations ({packs}):\n")
        for v in result.violations:
            message = " ".join(v.message.split())
            out.write(f"{v.level.upper():<9} {v.policy} {_short_urn(v.urn)}: {message}\n")
        out.write(verdict_line(result) + "\n")
        return
    table = Table(title=Text(f"Policy violations ({packs})"), show_lines=True)
    table.add_column("Level", no_wrap=True)
    table.add_column("Policy", no_wrap=True)
    table.add_column("Resource", overflow="fold")
    table.add_column("Message")
    for v in result.violations:
        style = "bold red" if v.level == "mandatory" else "yellow"
        # Text, not markup: messages may hold brackets
        table.add_row(
            Text(v.level, style=style), Text(v.policy), Text(_short_urn(v.urn)), Text(v.message)
        )
    console.print(table)
    console.print(Text(verdict_line(result)))


def _short_urn(urn: str) -> str:
    """`<type>::<name>` — the readable tail of a URN."""
    parts = urn.split("::", 3)
    if len(parts) != 4:
        return urn
    return f"{parts[2].rsplit('$', 1)[-1]}::{parts[3]}"
