"""Start a Python policy pack for a Pulumi CLI that has no Python language host.

Since v3.221 the Pulumi CLI asks the Python language host (`pulumi-language-python`) to
start a Python pack: the host answers the engine's ConfigureStack itself, then runs
`python -u -m pulumi.policy <engine> <pack dir>` in the pack directory with the stack in
its environment (PULUMI_CONFIG, PULUMI_PROJECT, PULUMI_STACK, PULUMI_ORGANIZATION,
PULUMI_DRY_RUN) and passes the pack's calls through. Where that host is missing (it is not
served by the Go module proxy that `make pulumi-cli` builds from), this module does the
same job as an *executable* policy pack, which the CLI starts directly (v3.255 and later):

    pulumi preview --policy-pack <executable that runs `python -m rootguard.gate.launcher DIR`>

It prints its own port, waits for ConfigureStack, starts the pack from DIR exactly as
`rootguard gate` does (`rootguard.gate.analyzer.PackProcess`, with the pack's virtualenv
when it has one), and relays every Analyzer call to it. `write_launcher` makes that
executable. The engine, its calls and the pack's answers are the real ones.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from rootguard.gate.analyzer import PackProcess, PolicyPackProject, StackInfo

_RELAYED = (
    "Analyze",
    "AnalyzeStack",
    "Remediate",
    "GetAnalyzerInfo",
    "GetPluginInfo",
    "Configure",
    "Cancel",
)


class PackRelay(analyzer_pb2_grpc.AnalyzerServicer):
    """The engine's analyzer: answers ConfigureStack by starting the pack, relays the rest."""

    def __init__(self, project: PolicyPackProject, engine_address: str) -> None:
        self.project = project
        self.engine_address = engine_address
        self.pack: PackProcess | None = None
        self._started = threading.Event()
        for method in _RELAYED:
            setattr(self, method, self._relay(method))

    def Handshake(self, request: Any, context: Any) -> Any:
        # As a Python pack does: the engine falls back to ConfigureStack.
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Handshake is not implemented")

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        stack = StackInfo(
            project=request.project,
            stack=request.stack,
            dry_run=request.dry_run,
            config=dict(request.config),
            organization=request.organization or "organization",
        )
        self.pack = PackProcess(self.project, stack, engine_address=self.engine_address)
        self.pack.spawn()
        self.pack.connect()
        self._started.set()
        try:
            return self.pack.stub.ConfigureStack(request)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
            return analyzer_pb2.AnalyzerStackConfigureResponse()

    def _relay(self, method: str) -> Any:
        def call(request: Any, context: Any) -> Any:
            pack = self.pack if self._started.wait(timeout=600) else None
            if pack is None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "no ConfigureStack yet")
                return empty_pb2.Empty()  # not reached: abort raises
            try:
                return getattr(pack.stub, method)(request)
            except grpc.RpcError as err:
                context.abort(err.code(), err.details())
            return empty_pb2.Empty()  # not reached: abort raises

        return call

    def stop(self) -> None:
        if self.pack is not None:
            self.pack.stop()


def write_launcher(pack_dir: Path, directory: Path, python: str = sys.executable) -> Path:
    """An executable in ``directory`` that the CLI can start as the pack in ``pack_dir``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"pulumi-analyzer-{Path(pack_dir).resolve().name}"
    path.write_text(
        "#!/bin/sh\n"
        "# Starts a Python policy pack for a Pulumi CLI without the Python language host.\n"
        f'exec "{python}" -m rootguard.gate.launcher "{Path(pack_dir).resolve()}" "$@"\n',
        encoding="utf-8",
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    # The CLI reads PulumiPolicy.yaml beside an executable pack for its name and version.
    manifest = Path(pack_dir).resolve() / "PulumiPolicy.yaml"
    (directory / "PulumiPolicy.yaml").write_text(manifest.read_text(encoding="utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rootguard.gate.launcher")
    parser.add_argument("pack_dir")
    parser.add_argument("engine_address")
    args, _ = parser.parse_known_args(argv)  # the CLI adds logging flags
    relay = PackRelay(PolicyPackProject.load(args.pack_dir), args.engine_address)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(relay, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # the engine interrupts its plugins when it is done
        pass
    finally:
        relay.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
