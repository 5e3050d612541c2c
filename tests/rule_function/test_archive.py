"""The deployment package exactly as RootGuardRule ships it runs in a bare Python.

The archive comes from the same function the component passes as the Lambda's `code`;
it is extracted into an empty folder and its handler runs in a separate interpreter
whose path holds only that folder and the packages the Lambda Python runtime provides
(boto3, botocore and their dependencies): no site-packages, no project code. AWS is
moto's server on 127.0.0.1. A file missing from the archive must fail the check."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.server import ThreadedMotoServer
from rootguard.components.root_guard_rule import HANDLER, rule_function_archive

from .conftest import REGION, scheduled_event

# What the Lambda Python runtime has besides the standard library.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3")
LAMBDA_RUNTIME_MODULES = ("six",)
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:rootguard-root-account-rule"
ARCHIVE_MEMBERS = sorted(rule_function_archive().assets)

# Runs inside the bare interpreter: argv = task dir, runtime dir, handler, function ARN.
INVOKE = """
import importlib, importlib.util, json, logging, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
leaked = [m for m in ("components", "rootguard", "moto", "pulumi") if importlib.util.find_spec(m)]
if leaked:
    sys.exit("project or test code is importable: " + ", ".join(leaked))
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
module_name, function_name = sys.argv[3].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
context = type("Context", (), {"invoked_function_arn": sys.argv[4]})()
print(json.dumps(handler(json.load(sys.stdin), context)))
"""


def extract(archive: pulumi.AssetArchive, folder: Path, *, leave_out: str | None = None) -> None:
    """Write the archive's members into `folder`, as Lambda unpacks them into /var/task."""
    folder.mkdir()
    assert list(folder.iterdir()) == []
    for name, asset in archive.assets.items():
        if name == leave_out:
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(asset, pulumi.StringAsset):
            target.write_text(asset.text, encoding="utf-8")
        elif isinstance(asset, pulumi.FileAsset):
            shutil.copyfile(asset.path, target)
        else:
            raise AssertionError(f"{name}: unexpected asset kind {type(asset).__name__}")


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding only what the Lambda runtime adds to the standard library."""
    folder = tmp_path_factory.mktemp("lambda-runtime")
    for name in LAMBDA_RUNTIME_PACKAGES + LAMBDA_RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        source = Path(spec.origin)
        if spec.submodule_search_locations:
            source = source.parent
        (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def assert_handler_reports_compliant(task_dir: Path, runtime_dir: Path, endpoint: str) -> None:
    """Run the extracted handler in a bare interpreter; it must report COMPLIANT."""
    # moto's root never has MFA; switch it on in the server (this process) so the
    # happy path -- hardware MFA, no keys -- is what the handler sees.
    iam_backends[DEFAULT_ACCOUNT_ID]["global"].account_summary._account_mfa_enabled = 1
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    event = scheduled_event(account_id=DEFAULT_ACCOUNT_ID, result_token="TESTMODE")
    result = subprocess.run(
        [
            sys.executable,
            "-I",  # isolated: no PYTHON* variables, no user site, no script dir
            "-S",  # no site module: the venv's site-packages is not on the path
            "-c",
            INVOKE,
            str(task_dir),
            str(runtime_dir),
            HANDLER,
            FUNCTION_ARN,
        ],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        cwd=task_dir,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    evaluations = json.loads(result.stdout)["evaluations"]
    assert evaluations == [
        {
            "ComplianceResourceType": "AWS::::Account",
            "ComplianceResourceId": DEFAULT_ACCOUNT_ID,
            "ComplianceType": "COMPLIANT",
            "Annotation": "The root user has hardware MFA and no access keys.",
            "OrderingTimestamp": "2025-03-10T06:00:00.123000+00:00",
        }
    ]


def test_archive_as_shipped_runs_with_only_the_lambda_runtime(
    tmp_path: Path, runtime_dir: Path, moto_endpoint: str
) -> None:
    task_dir = tmp_path / "task"
    extract(rule_function_archive(), task_dir)
    assert_handler_reports_compliant(task_dir, runtime_dir, moto_endpoint)


@pytest.mark.parametrize("missing", ARCHIVE_MEMBERS)
def test_archive_missing_file_fails_the_check(
    tmp_path: Path, runtime_dir: Path, moto_endpoint: str, missing: str
) -> None:
    task_dir = tmp_path / "task"
    extract(rule_function_archive(), task_dir, leave_out=missing)
    with pytest.raises(AssertionError, match="No module named"):
        assert_handler_reports_compliant(task_dir, runtime_dir, moto_endpoint)


def test_bare_interpreter_cannot_import_project_code(tmp_path: Path, runtime_dir: Path) -> None:
    """The check inside INVOKE works: with the repository on the path it refuses to run."""
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", INVOKE, str(repo), str(runtime_dir), HANDLER, "x"],
        input="{}",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "project or test code is importable: components" in result.stderr
