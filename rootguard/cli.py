"""The `rootguard` command line: `plan`, `gate`, `audit` and `remediate`.

Each subcommand lives in the package of its concern (``COMMAND_MODULES``), in a module
exposing ``add_arguments(parser)`` and ``run(args) -> int``; modules are imported only
when their subcommand runs, so `audit` never pays for loading Pulumi.

Exit codes everywhere: 0 success, 1 findings, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import NoReturn

from rootguard import __version__
from rootguard.errors import UsageError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

COMMAND_MODULES = {
    "plan": "rootguard.engine.plan",
    "gate": "rootguard.gate.runner",
    "audit": "rootguard.audit.runner",
    "remediate": "rootguard.audit.remediation",
}

SUBCOMMANDS = {
    "plan": "Run a Pulumi program under an in-process mock engine and print its resources.",
    "gate": "Plan, then run policy packs over the Analyzer protocol, as the engine does.",
    "audit": "Check root MFA and root access keys in every account of an organization.",
    "remediate": "Delete member accounts' root credentials through root sessions (dry run).",
}


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we print exactly one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported to add its arguments."""
    parser = _OneLineParser(prog="rootguard", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"rootguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for name, help_text in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            _module(name).add_arguments(sub_parser)
    return parser


def _module(name: str) -> ModuleType:
    return importlib.import_module(COMMAND_MODULES[name])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((arg for arg in argv if arg in SUBCOMMANDS), None)
    args = build_parser(command).parse_args(argv)
    try:
        return int(_module(args.command).run(args))
    except UsageError as err:
        sys.stderr.write(f"rootguard {args.command}: error: {err}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"rootguard {args.command}: interrupted\n")
        return 130
