"""rootguard as a library: build the wheel, install it into a fresh virtual environment outside
the repository, and run docs/library.md's Python example from a consumer project that has its own
`components/` package (tests/fixtures/consumer), under Pulumi mocks.

Honesty of the set-up: the wheel is built from a copy of the source tree (no stale build/
directory of the repository can leak into it), the fresh environment gets the wheel's own
files with `pip install --no-deps`, and borrows only the third-party dependencies from this
project's environment through a .pth line (a plain path: the editable install of rootguard
living there is not activated). The consumer program runs with the consumer project as its
working directory and no PYTHONPATH; the report says where every module came from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import rootguard

ROOT = Path(__file__).resolve().parent.parent
CONSUMER_FIXTURE = ROOT / "tests" / "fixtures" / "consumer"
SOURCE_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".benchmarks",
)  # fmt: skip
# Where the wheel must put each source folder (pyproject.toml's package-dir).
PACKAGE_DIRS = {"rootguard": "rootguard", "components": "rootguard/components"}
LAMBDA_FUNCTION = "aws:lambda/function:Function"
RULE_FUNCTION = "rootguard/components/rule_function"
SECTION = "# Use it from your own project"


@dataclass
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    consumer: Path
    report: dict[str, Any]


def readme_python_example() -> str:
    """The first ```python block of docs/library.md's "Use it from your own project" section."""
    readme = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match, f"no python example under {SECTION!r}"
    return match.group(1)


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def _clean_env() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if key != "PYTHONPATH" and not key.startswith(("PULUMI_", "VIRTUAL_ENV"))
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("library")
    source, dist = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=SOURCE_IGNORE)
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
         cwd=source)  # fmt: skip
    (wheel,) = dist.glob("rootguard-*.whl")

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site_packages = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "rootguard_test_dependencies.pth").write_text("\n".join(dependencies) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--no-compile", "--quiet", str(wheel)], env=_clean_env())  # fmt: skip

    consumer = work / "consumer"
    shutil.copytree(CONSUMER_FIXTURE, consumer, ignore=SOURCE_IGNORE)
    (consumer / "__main__.py").write_text(readme_python_example(), encoding="utf-8")
    result = _run([str(python), "harness.py"], cwd=consumer, env=_clean_env())
    yield Installed(wheel, venv, site_packages, consumer, json.loads(result.stdout))


def source_files() -> set[str]:
    """Wheel paths of every file in the package folders (package data included)."""
    expected = set()
    for folder, target in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                expected.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return expected


def archive_problems(registrations: list[dict[str, Any]], inside: Path) -> list[str]:
    """Every archive or asset a resource would upload must exist, lie under `inside` (the
    installed package) and hold something; every Lambda function's archive must hold the
    module its handler names."""
    problems: list[str] = []

    def files_of(value: Any, where: str) -> set[str]:
        if not isinstance(value, dict):
            return set()
        kind = value.get("archive") or value.get("asset")
        if kind == "assets":
            found: set[str] = set()
            for name, member in value["assets"].items():
                inner = files_of(member, f"{where}/{name}")
                found |= {f"{name}/{f}" for f in inner} if member.get("archive") else {name}
            return found
        if kind == "file":
            path = Path(value["path"])
            if not path.exists():
                problems.append(f"{where}: {path} does not exist")
                return set()
            if not path.resolve().is_relative_to(inside.resolve()):
                problems.append(f"{where}: {path} is not inside {inside}")
            if path.is_dir():
                found = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}
                if not found:
                    problems.append(f"{where}: {path} is an empty folder")
                return found
            if path.stat().st_size == 0:
                problems.append(f"{where}: {path} is empty")
            return {path.name}
        if kind == "string" and value["size"] == 0:
            problems.append(f"{where}: empty string asset")
        if kind == "remote":
            problems.append(f"{where}: remote {value['uri']} is not shipped with the package")
        if kind is None:
            found = set()
            for key, member in value.items():
                found |= files_of(member, f"{where}.{key}")
            return found
        return set()

    for reg in registrations:
        where = f"{reg['type']} {reg['name']}"
        files = files_of(reg["inputs"], where)
        if reg["type"] == LAMBDA_FUNCTION:
            module = reg["inputs"].get("handler", "").rsplit(".", 1)[0].replace(".", "/") + ".py"
            if "code" not in reg["inputs"]:
                problems.append(f"{where}: no code archive")
            elif module not in files:
                problems.append(f"{where}: handler module {module} not in archive {sorted(files)}")
    return problems


def test_library_wheel_holds_every_package_file_and_nothing_else(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = {n for n in wheel.namelist() if ".dist-info/" not in n}
    expected = source_files()
    missing, extra = sorted(expected - names), sorted(names - expected)
    assert missing == [], "not in the wheel: add a package-data glob to pyproject.toml"
    assert extra == [], "in the wheel but not in the source folders"
    assert "rootguard/py.typed" in names
    assert "rootguard/components/py.typed" in names
    assert any(n.startswith("rootguard/components/rule_function/") for n in names)
    assert installed.wheel.name == f"rootguard-{rootguard.__version__}-py3-none-any.whl"


def test_library_wheel_modules_come_from_the_fresh_environment(installed: Installed) -> None:
    report = installed.report
    assert Path(report["executable"]).parent.parent == installed.venv
    for module in ("rootguard", "rootguard.components"):
        path = Path(report["modules"][module]).resolve()
        assert path.is_relative_to(installed.site_packages.resolve()), module
    assert report["version"] == report["distribution_version"] == rootguard.__version__


def test_library_wheel_consumer_components_package_stays_its_own(installed: Installed) -> None:
    modules = installed.report["modules"]
    own = str(installed.consumer / "components" / "__init__.py")
    assert modules["components (imported first)"] == own
    assert modules["components (after the program)"] == own
    assert not (installed.site_packages / "components").exists()
    types = {reg["type"] for reg in installed.report["registrations"]}
    assert "consumer:index:Team" in types


def test_library_wheel_consumer_program_declares_account_baseline(installed: Installed) -> None:
    registrations = installed.report["registrations"]
    (baseline,) = [r for r in registrations if r["type"].endswith(":AccountBaseline")]
    assert baseline["type"] == "rootguard:account_baseline:AccountBaseline"
    assert baseline["name"] == "prod"
    children = {r["type"] for r in registrations if r["parent"] == baseline["urn"]}
    assert children == {
        "rootguard:config_recorder:ConfigRecorder",
        "rootguard:root_mfa_rules:RootMfaRules",
        "rootguard:cost_anomaly:CostAnomalyAlerts",
        "rootguard:root_guard_rule:RootGuardRule",
        "rootguard:root_signin_alarm:RootSigninAlarm",
    }
    recorders = [r for r in registrations if r["type"] == "aws:cfg/recorder:Recorder"]
    assert sorted(r["inputs"]["region"] for r in recorders) == ["eu-west-1", "us-east-1"]
    sources = {
        r["inputs"]["source"]["sourceIdentifier"]
        for r in registrations
        if r["type"] == "aws:cfg/rule:Rule" and r["inputs"]["source"]["owner"] == "AWS"
    }
    assert "ROOT_ACCOUNT_MFA_ENABLED" in sources
    assert any(r["type"] == "aws:costexplorer/anomalyMonitor:AnomalyMonitor" for r in registrations)


def test_library_wheel_lambda_archive_files_come_from_the_wheel(installed: Installed) -> None:
    registrations = installed.report["registrations"]
    functions = [r for r in registrations if r["type"] == LAMBDA_FUNCTION]
    assert functions, "the baseline declares the custom rule: its Lambda must be registered"
    assert archive_problems(registrations, installed.site_packages / "rootguard") == []
    for function in functions:
        assets = function["inputs"]["code"]["assets"]
        assert "root_account_rule.py" in assets
        # The archive holds the handler exactly as the wheel installed it.
        installed_copy = installed.site_packages / RULE_FUNCTION / "root_account_rule.py"
        digest = hashlib.sha256(installed_copy.read_bytes()).hexdigest()
        assert assets["root_account_rule.py"]["sha256"] == digest


def test_library_wheel_member_template_is_read_from_the_installed_package(
    installed: Installed,
) -> None:
    # importlib.resources in the fresh environment finds the template the wheel installed.
    shipped = installed.report["member_template"]
    source = ROOT / "components" / "templates" / "member-baseline.yaml"
    assert shipped["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert Path(shipped["module"]).resolve().is_relative_to(installed.site_packages.resolve())


def test_library_wheel_console_script_runs_from_the_wheel(installed: Installed) -> None:
    result = _run([str(installed.venv / "bin" / "rootguard"), "--version"], env=_clean_env())
    assert result.stdout.strip() == f"rootguard {rootguard.__version__}"


def test_archive_problems_flags_missing_outside_and_handlerless_archives(tmp_path: Path) -> None:
    inside = tmp_path / "pkg"
    (inside / "fn").mkdir(parents=True)
    (inside / "fn" / "other.py").write_text("x = 1\n")
    outside = tmp_path / "elsewhere.zip"
    outside.write_text("zip")
    registrations = [
        {
            "type": LAMBDA_FUNCTION,
            "name": "fn",
            "inputs": {"handler": "app.handler", "code": {"archive": "file", "path": str(inside)}},
        },
        {
            "type": "aws:s3/bucketObjectv2:BucketObjectv2",
            "name": "missing",
            "inputs": {"source": {"asset": "file", "path": str(tmp_path / "gone.txt")}},
        },
        {
            "type": "aws:s3/bucketObjectv2:BucketObjectv2",
            "name": "outside",
            "inputs": {"source": {"archive": "file", "path": str(outside)}},
        },
    ]
    problems = archive_problems(registrations, inside)
    assert len(problems) == 3
    assert "handler module app.py not in archive ['fn/other.py']" in problems[0]
    assert "gone.txt does not exist" in problems[1]
    assert "is not inside" in problems[2]
