"""Plan a program in a child process that streams each registration as it happens.

The engine analyzes each resource as its step is generated, while the language host
goes on running the program. `rootguard gate` mirrors that: `ProgramStream` (the gate's
side) starts this module as a child process, and the child runs
`rootguard.engine.run_program` and writes one JSON line per message to its stdout:

    {"resource": {urn, type, name, custom, parent, provider, dependencies,
                  property_dependencies, inputs, import_id, version, source}}
                                                        one per registration, in order
    {"end": {project, stack, preview, config, answers: [[id, outputs], ...]}}
    {"error": "<one line>"}                             a program or usage error (exit 2)

The child writes without ever blocking the program: what the pipe cannot take yet is
kept and sent with the next line, and all of it at the end. Anything the program
itself writes to file descriptor 1 goes to stderr, as in-process (`run_program`).
The child imports the engine first, then waits for one JSON line on stdin (the project,
stack, preview and config) before it runs the program, so the gate can start and
configure its packs meanwhile and still report a bad pack config before planning.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rootguard.errors import UsageError

if TYPE_CHECKING:
    from rootguard.engine.program import Plan, PlannedResource

STOP_GRACE_S = 2.0
PIPE_SIZE = 1 << 20  # Linux's default maximum for an unprivileged pipe
_F_SETPIPE_SZ = 1031

# What is known of a resource when it registers; outputs and id follow in "end".
REGISTRATION_FIELDS = (
    "urn",
    "type",
    "name",
    "custom",
    "parent",
    "provider",
    "dependencies",
    "property_dependencies",
    "inputs",
    "import_id",
    "version",
    "source",
)


# --- the gate's side -------------------------------------------------------------------------
class ProgramStream(contextlib.AbstractContextManager["ProgramStream"]):
    """A program planned by a child process: its resources as they register, then the Plan.

    Entering spawns the child (it imports the engine meanwhile); `start` lets it run the
    program; iterating yields each `PlannedResource` in registration order, and sets
    `plan` at the end. A program error raises `UsageError` with the child's one line.
    Leaving stops the child, also on errors and Ctrl-C; it never outlives the gate.
    """

    def __init__(
        self,
        project_dir: Path,
        stack: str,
        *,
        preview: bool = False,
        config: Mapping[str, Any] | None = None,
        accounts: Path | None = None,
    ) -> None:
        self._request = {
            "project_dir": str(project_dir),
            "stack": stack,
            "preview": preview,
            "config": None if config is None else dict(config),
            "accounts": None if accounts is None else str(accounts),
        }
        self._proc: subprocess.Popen[bytes] | None = None
        self._resources: list[PlannedResource] = []
        self.plan: Plan | None = None

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc is not None else 0

    def __enter__(self) -> ProgramStream:
        from rootguard.gate.analyzer import _PDEATHSIG_LAUNCHER

        # -P: the working directory (maybe a project with its own modules) is not on sys.path
        command = [sys.executable, "-P", "-m", "rootguard.engine.worker"]
        if sys.platform.startswith("linux"):
            command = [sys.executable, "-c", _PDEATHSIG_LAUNCHER, str(os.getpid()), *command]
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=os.name == "posix",  # its own group: we stop it, not the tty
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Let the child run the program."""
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(self._request).encode() + b"\n")
            self._proc.stdin.close()
        except BrokenPipeError:
            pass  # it is gone: iterating says so

    def __iter__(self) -> Iterator[PlannedResource]:
        from rootguard.engine.program import Plan, PlannedResource

        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            message = json.loads(line)
            if "resource" in message:
                resource = PlannedResource(**message["resource"], outputs={}, id=None)
                if resource.source is not None:  # a [file, line] list in JSON
                    resource.source = (resource.source[0], int(resource.source[1]))
                self._resources.append(resource)
                yield resource
            elif "end" in message:
                end = message["end"]
                answers = end["answers"]
                if len(answers) != len(self._resources):
                    break
                for resource, (id_, outputs) in zip(self._resources, answers, strict=True):
                    resource.id = id_
                    resource.outputs = outputs
                self.plan = Plan(
                    end["project"], end["stack"], end["preview"], end["config"], self._resources
                )
                return
            else:
                raise UsageError(str(message.get("error")))
        code = self._proc.wait()
        raise UsageError(f"the planning process ended without a plan (exit code {code})")

    def stop(self) -> None:
        """End the child (its process group on POSIX), SIGKILL after a grace period."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
                proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _signal(self, signum: int) -> None:
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.name == "posix":
                os.killpg(self._proc.pid, signum)
            else:
                self._proc.send_signal(signum)


# --- the child's side ------------------------------------------------------------------------
class _LineWriter:
    """JSON lines to a pipe without blocking the writer until `finish`."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending = bytearray()
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(fd, False)

    def send(self, message: Mapping[str, Any]) -> None:
        self._pending += json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with contextlib.suppress(BlockingIOError):
            while self._pending:
                del self._pending[: os.write(self._fd, self._pending)]

    def finish(self, message: Mapping[str, Any]) -> None:
        self._pending += json.dumps(message, separators=(",", ":")).encode() + b"\n"
        os.set_blocking(self._fd, True)
        while self._pending:
            del self._pending[: os.write(self._fd, self._pending)]


def main() -> int:
    # The slow import, done while the gate starts its packs.
    from rootguard.engine import program as engine
    from rootguard.engine.organizations import load_fixture

    writer = _LineWriter(os.dup(1))
    os.dup2(2, 1)  # what the program writes to fd 1 is diagnostics, as in-process
    line = sys.stdin.readline()
    if not line:
        return 0  # the gate went away before the program was to run
    request = json.loads(line)

    def registered(resource: engine.PlannedResource) -> None:
        writer.send({"resource": {key: getattr(resource, key) for key in REGISTRATION_FIELDS}})

    try:
        accounts = request.get("accounts")
        plan = engine.run_program(
            Path(request["project_dir"]),
            request["stack"],
            preview=request["preview"],
            config=request["config"],
            on_register=registered,
            organization=load_fixture(Path(accounts)) if accounts else None,
        )
    except UsageError as err:
        writer.finish({"error": str(err)})
        return 2
    writer.finish(
        {
            "end": {
                "project": plan.project,
                "stack": plan.stack,
                "preview": plan.preview,
                "config": plan.config,
                "answers": [[r.id, r.outputs] for r in plan.resources],
            }
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
