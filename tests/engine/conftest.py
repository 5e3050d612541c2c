"""The real Pulumi engine, offline: the CLI from `make pulumi-cli`, the stand-in aws provider.

Every test here is marked `engine` and runs only with `make test-engine` (`make test` leaves
them out). Each test gets its own file backend and PULUMI_HOME; programs run from copies
in a temporary folder, so `pulumi stack init` never writes into the repository's stack
files. See docs/engine-tests.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from rootguard.engine.automation import Operation, offline_environment, run_stack
from rootguard.gate.launcher import write_launcher

REPO = Path(__file__).resolve().parents[2]
CLI_BIN = REPO / ".tools" / "pulumi" / "bin"
STANDIN = REPO / "tests" / "standin_aws"
POLICY_PROGRAMS = REPO / "tests" / "fixtures" / "policy_programs"
PACK = REPO / "policies"
EXAMPLE_STACKS = ("dev", "org", "member", "org-stackset")
_IGNORED = shutil.ignore_patterns(".venv", "venv", "__pycache__", "node_modules", ".tools", ".git")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.engine)


def pinned_version() -> str:
    """PULUMI_VERSION of .ci/pulumi-cli.sh: the version `make pulumi-cli` builds."""
    script = (REPO / ".ci" / "pulumi-cli.sh").read_text(encoding="utf-8")
    found = re.search(r'PULUMI_VERSION="\$\{PULUMI_VERSION:-([0-9.]+)\}"', script)
    assert found, "no PULUMI_VERSION in .ci/pulumi-cli.sh"
    return found.group(1)


@pytest.fixture(scope="session")
def cli_bin() -> Path:
    if not (CLI_BIN / "pulumi").exists():
        pytest.fail(f"no Pulumi CLI in {CLI_BIN}: run `make pulumi-cli` first", pytrace=False)
    return CLI_BIN


@pytest.fixture(scope="session")
def has_python_host(cli_bin: Path) -> bool:
    """Whether the CLI can start Python packs and plugins itself (see docs/engine-tests.md)."""
    return (cli_bin / "pulumi-language-python").exists()


@pytest.fixture
def engine_env(tmp_path: Path, cli_bin: Path) -> dict[str, str]:
    """A file backend, a PULUMI_HOME and PATH: the stand-in provider, the CLI, this venv."""
    return offline_environment(tmp_path / "pulumi", cli_bin, [STANDIN, Path(sys.executable).parent])


def copy_project(source: Path, destination: Path) -> Path:
    """A copy of a project folder (no virtualenvs, caches or state)."""
    shutil.copytree(source, destination, ignore=_IGNORED)
    return destination


@pytest.fixture
def rootguard_project(tmp_path: Path) -> Path:
    """This repository's stack program and example stacks, copied."""
    target = tmp_path / "rootguard"
    target.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", *(f"Pulumi.{s}.yaml" for s in EXAMPLE_STACKS)):
        shutil.copy2(REPO / name, target / name)
    shutil.copytree(REPO / "components", target / "components", ignore=_IGNORED)
    return target


@pytest.fixture(scope="session")
def policy_programs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/policy_programs, copied whole (programs import ../../scaffold.py)."""
    return copy_project(POLICY_PROGRAMS, tmp_path_factory.mktemp("programs") / "policy_programs")


@pytest.fixture(scope="session")
def pack_argument(tmp_path_factory: pytest.TempPathFactory, has_python_host: bool) -> str:
    """What to pass as `--policy-pack` for this repository's pack.

    With the Python language host the CLI starts the pack folder itself; without it, an
    executable that starts the pack the same way (`rootguard.gate.launcher`).
    """
    if has_python_host:
        return str(PACK)
    return str(write_launcher(PACK, tmp_path_factory.mktemp("launcher")))


def run(
    project: Path,
    stack: str,
    operations: Sequence[str],
    env: dict[str, str],
    **kwargs: object,
) -> list[Operation]:
    return run_stack(sys.executable, project, stack, operations, env, **kwargs)  # type: ignore[arg-type]


def pulumi(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pulumi", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
