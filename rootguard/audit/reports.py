"""How `rootguard audit` prints: a table for people, JSON and CSV for pipelines.

Results go to stdout; the progress bar (audit.py) goes to stderr, only on a terminal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, TextIO

from rootguard.audit.checks import AccountResult, Status

FORMATS = ("table", "json", "csv")
CSV_COLUMNS = (
    "id",
    "name",
    "status",
    "mfaEnabled",
    "mfaType",
    "rootAccessKeys",
    "error",
    "passwordPresent",
    "signingCertificates",
    "mfaDevices",
    "mfaDeviceTypes",
    "findings",
)
"""The JSON row's keys, in order; lists are joined with `;` (findings with `; `)."""

_STYLE = {
    Status.COMPLIANT: "green",
    Status.NON_COMPLIANT: "bold red",
    Status.CENTRALLY_MANAGED: "cyan",
    Status.NOT_APPLICABLE: "dim",
    Status.ERROR: "bold yellow",
}


def summarize(results: Sequence[AccountResult]) -> dict[str, int]:
    def count(status: Status) -> int:
        return sum(1 for result in results if result.status is status)

    return {
        "total": len(results),
        "compliant": count(Status.COMPLIANT),
        "nonCompliant": count(Status.NON_COMPLIANT),
        "centrallyManaged": count(Status.CENTRALLY_MANAGED),
        "notApplicable": count(Status.NOT_APPLICABLE),
        "errors": count(Status.ERROR),
    }


def exit_code(results: Sequence[AccountResult]) -> int:
    """0 when every active account is compliant; 1 on any non-compliant or unchecked one."""
    bad = {Status.NON_COMPLIANT, Status.ERROR}
    return 1 if any(result.status in bad for result in results) else 0


MODES = ("roles", "root-sessions", "aggregator")
"""How the accounts were read: an assumed role each, a root session each, or AWS Config."""


def to_json(results: Sequence[AccountResult], mode: str = "roles") -> dict[str, Any]:
    return {
        "accounts": [result.to_json() for result in results],
        "summary": summarize(results),
        "mode": mode,
    }


def render_json(results: Sequence[AccountResult], out: TextIO, mode: str = "roles") -> None:
    json.dump(to_json(results, mode), out, indent=2)
    out.write("\n")


def _csv_cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ("; " if column == "findings" else ";").join(str(item) for item in value)
    return str(value)


def render_csv(results: Sequence[AccountResult], out: TextIO, mode: str = "roles") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        row = result.to_json()
        writer.writerow([_csv_cell(row[column], column) for column in CSV_COLUMNS])
    out.write(buffer.getvalue())


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def render_table(results: Sequence[AccountResult], out: TextIO, mode: str = "roles") -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=None if out.isatty() else 200)
    table = Table(title="Root account audit", title_justify="left")
    for column in ("Account", "Name", "Status", "Root MFA", "MFA type", "Root keys", "Reason"):
        table.add_column(column, overflow="fold")
    for result in results:
        status = result.status.value
        table.add_row(
            result.id,
            result.name,
            f"[{_STYLE[result.status]}]{status}[/]",
            _yes_no(result.mfa_enabled),
            result.mfa_type.value,
            _yes_no(result.root_access_keys),
            "; ".join(filter(None, [result.error, *result.findings])),
        )
    console.print(table)
    summary = summarize(results)
    console.print(
        f"{summary['total']} accounts: {summary['compliant']} compliant, "
        f"{summary['nonCompliant']} non-compliant, "
        + (
            f"{summary['centrallyManaged']} centrally managed, "
            if summary["centrallyManaged"]
            else ""
        )
        + f"{summary['notApplicable']} not applicable, {summary['errors']} errors",
        highlight=False,
    )


def render(results: Sequence[AccountResult], fmt: str, out: TextIO, *, mode: str = "roles") -> None:
    {"table": render_table, "json": render_json, "csv": render_csv}[fmt](results, out, mode)
