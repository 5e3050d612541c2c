"""rootguard's components from other languages, through the real CLI.

The TypeScript and Go SDKs of the component provider (`provider/`) are generated and both
compile (`npm install` + `tsc`; `go mod tidy` + `go build`); a YAML program declares an
`AccountBaseline` through the provider and the real engine previews it with the baseline's
children. The provider runs as an executable plugin (`pulumi-resource-rootguard`, which
runs provider/__main__.py with this interpreter): the CLI built here has no Python
language host to start the provider folder itself.

SDK generation is `pulumi package gen-sdk` when the CLI has the Node.js / Go language hosts
that run it (an official install); the Go module proxy does not serve those hosts, so
otherwise `pulumi package get-schema` gives the schemas and `pulumi-sdkgen`
(tests/engine/sdkgen) runs the same code generators of pulumi/pkg/v3 on them. The aws
schema is the stand-in provider's (every pulumi-aws resource type, with pulumi-aws's
package names). See docs/engine-tests.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.conftest import REPO, STANDIN, pinned_version, pulumi

CHILD_TYPES = {
    "rootguard:config_recorder:ConfigRecorder",
    "aws:cfg/recorder:Recorder",
    "aws:cfg/deliveryChannel:DeliveryChannel",
    "aws:cfg/recorderStatus:RecorderStatus",
    "aws:s3/bucket:Bucket",
    "aws:cfg/rule:Rule",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor",
    "aws:costexplorer/anomalySubscription:AnomalySubscription",
}


@pytest.fixture(scope="module")
def provider_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding an executable `pulumi-resource-rootguard`."""
    folder = tmp_path_factory.mktemp("rootguard-plugin")
    plugin = folder / "pulumi-resource-rootguard"
    plugin.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" "{REPO / "provider" / "__main__.py"}" "$@"\n'
    )
    plugin.chmod(0o755)
    return folder


def _gen_sdk(env: dict[str, str], cli_bin: Path, plugin: Path, language: str, out: Path) -> Path:
    """The SDK of the rootguard package in ``language`` (nodejs or go), under ``out``."""
    if (cli_bin / f"pulumi-language-{language}").exists():
        done = pulumi(
            env, "package", "gen-sdk", str(plugin), "--language", language, "--out", str(out)
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return out / language
    schemas = []
    for name, source in (("rootguard", plugin), ("aws", STANDIN / "pulumi-resource-aws")):
        done = pulumi(env, "package", "get-schema", str(source))
        assert done.returncode == 0, done.stderr[-2000:]
        schemas.append(out / f"{name}.json")
        schemas[-1].write_text(done.stdout)
    _run(
        [
            str(cli_bin / "pulumi-sdkgen"),
            "-language",
            language,
            "-out",
            str(out),
            *map(str, schemas),
        ],
        out,
        env,
    )
    return out / language


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)}: {(done.stdout + done.stderr)[-3000:]}"
    return done.stdout


def test_typescript_sdk_compiles(
    provider_plugin: Path, cli_bin: Path, engine_env: dict[str, str], tmp_path: Path
) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is not on PATH (the TypeScript SDK is compiled with tsc)")
    plugin = provider_plugin / "pulumi-resource-rootguard"
    sdk = _gen_sdk(engine_env, cli_bin, plugin, "nodejs", tmp_path)
    package = json.loads((sdk / "package.json").read_text())
    assert package["name"] == "@pulumi/rootguard"
    assert {"accountBaseline.ts", "organizationBaseline.ts"} <= {p.name for p in sdk.iterdir()}
    # The SDK pins the aws SDK at the stand-in's version (the installed pulumi-aws for
    # Python); the npm registry here has @pulumi/aws up to 7.48, so any 7.x will do.
    package["dependencies"]["@pulumi/aws"] = "^7.0.0"
    (sdk / "package.json").write_text(json.dumps(package, indent=2))
    _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], sdk, engine_env)
    _run(["npx", "--no-install", "tsc"], sdk, engine_env)
    assert (sdk / "bin" / "accountBaseline.js").is_file()
    assert (sdk / "bin" / "organizationBaseline.d.ts").is_file()


def test_go_sdk_compiles(
    provider_plugin: Path, cli_bin: Path, engine_env: dict[str, str], tmp_path: Path
) -> None:
    # The proxy serves pulumi-aws's Go SDK at v6 only (sdk/v7 is refused): the stand-in's
    # schema names v6's import path, so the generated SDK refers to aws types there.
    env = {**engine_env, "STANDIN_AWS_GO_SDK": "github.com/pulumi/pulumi-aws/sdk/v6"}
    sdk = _gen_sdk(env, cli_bin, provider_plugin / "pulumi-resource-rootguard", "go", tmp_path)
    sources = list(sdk.rglob("accountBaseline.go"))
    assert sources, sorted(p.name for p in sdk.rglob("*"))
    package_dir = sources[0].parent
    # The generated files import their internal package by the package's import path.
    imports = [
        line.split('"')[1]
        for line in sources[0].read_text().splitlines()
        if line.strip().endswith('/internal"')
    ]
    module = imports[0].rsplit("/internal", 1)[0] if imports else "example.com/rootguard"
    sdk_module = f"github.com/pulumi/pulumi/sdk/v3 v{pinned_version()}"
    (package_dir / "go.mod").write_text(f"module {module}\n\ngo 1.24\n\nrequire {sdk_module}\n")
    env = {**env, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    _run(["go", "mod", "tidy"], package_dir, env)
    _run(["go", "build", "./..."], package_dir, env)


def test_yaml_program_declares_an_account_baseline(
    provider_plugin: Path, engine_env: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / "yaml-baseline"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"""\
name: yaml-baseline
runtime: yaml
plugins:
  providers:
    - name: rootguard
      path: {provider_plugin}
resources:
  baseline:
    type: rootguard:index:AccountBaseline
    properties:
      accountId: "123456789012"
      homeRegion: us-east-1
      regions: [us-east-1, eu-west-1]
      alertEmails: [secops@example.com]
outputs:
  recorders: ${{baseline.recorderNames}}
"""
    )
    (project / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n")
    init = pulumi(engine_env, "stack", "init", "test", cwd=project)
    assert init.returncode == 0, init.stderr
    done = pulumi(engine_env, "preview", "--json", "--stack", "test", cwd=project)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    steps = json.loads(done.stdout)["steps"]
    by_urn = {s["urn"]: s for s in steps}
    baseline = next(s for s in steps if s["urn"].endswith("::baseline"))
    types = {s["urn"].split("::")[2].rsplit("$", 1)[-1] for s in steps}
    assert types >= CHILD_TYPES, sorted(CHILD_TYPES - types)

    def descends_from_baseline(urn: str) -> bool:
        while urn:
            if urn == baseline["urn"]:
                return True
            urn = (by_urn.get(urn, {}).get("newState") or {}).get("parent", "")
        return False

    children = [s for s in steps if s["urn"] != baseline["urn"] and "::baseline-" in s["urn"]]
    assert children and all(descends_from_baseline(s["urn"]) for s in children)
