"""`rootguard audit --html FILE`: a one-page report a CISO can read.

A summary first (the headline, counts per verdict as a bar chart, and per organizational
unit with `--by-ou`), then the per-account table, sortable by any column. The page is
self-contained: its style and script are inline, its Content-Security-Policy allows
nothing else (no fetch, no font, no image but data: URLs), so it opens the same from a
mail attachment, a ticket or an air-gapped laptop. It is rendered by Jinja2 from
`templates/` with autoescaping on: account names and reasons are data, never markup.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from rootguard import __version__
from rootguard.audit.checks import AccountResult, Status
from rootguard.audit.reports import summarize

VERDICTS = (
    (Status.NON_COMPLIANT, "Non-compliant", "bad"),
    (Status.ERROR, "Not checked", "warn"),
    (Status.COMPLIANT, "Compliant", "good"),
    (Status.CENTRALLY_MANAGED, "Centrally managed", "managed"),
    (Status.NOT_APPLICABLE, "Not applicable", "muted"),
)
"""Verdict, its label and its colour class, worst first (the order of the chart)."""
MODE_LABELS = {
    "roles": "read through an assumed role in each account",
    "root-sessions": "read through a root session (sts:AssumeRoot) in each member account",
    "aggregator": "read from the AWS Config organization aggregator",
}
CHART_WIDTH, LABEL_WIDTH, BAR_ROOM, ROW_HEIGHT = 720, 150, 520, 26
OU_BAR_WIDTH = 200


@dataclass(frozen=True)
class _Column:
    label: str
    kind: str  # "text" or "number": how the table sorts it


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _csp_hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("rootguard.audit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _asset(name: str) -> str:
    return (resources.files("rootguard.audit") / "templates" / name).read_text(encoding="utf-8")


def _chart(counts: Mapping[Status, int]) -> dict[str, Any]:
    largest = max(counts.values(), default=0) or 1
    bars = [
        {
            "label": label,
            "css": css,
            "count": counts.get(status, 0),
            "width": round(BAR_ROOM * counts.get(status, 0) / largest),
            "y": index * ROW_HEIGHT,
        }
        for index, (status, label, css) in enumerate(VERDICTS)
    ]
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": ROW_HEIGHT * len(VERDICTS),
        "label_width": LABEL_WIDTH,
    }


def _by_ou(results: Sequence[AccountResult], ous: Mapping[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, Counter[Status]] = {}
    for result in results:
        groups.setdefault(ous.get(result.id, "(not in any OU read)"), Counter())[result.status] += 1
    rows = []
    for name in sorted(groups):
        counts = groups[name]
        total = sum(counts.values())
        segments, x = [], 0.0
        for status, _label, css in VERDICTS:
            width = OU_BAR_WIDTH * counts[status] / total
            if width:
                segments.append({"x": round(x, 2), "width": round(width, 2), "css": css})
            x += width
        rows.append(
            {
                "name": name,
                "counts": [counts[status] for status, _label, _css in VERDICTS],
                "total": total,
                "segments": segments,
            }
        )
    return rows


def _row(result: AccountResult, css: Mapping[Status, str], ou: str | None) -> dict[str, Any]:
    if result.mfa_devices is None:
        devices, devices_value = "-", "-1"
    else:
        kinds = ", ".join(result.mfa_device_types or ())
        devices = f"{result.mfa_devices} ({kinds})" if kinds else str(result.mfa_devices)
        devices_value = str(result.mfa_devices)
    return {
        "id": result.id,
        "name": result.name,
        "ou": ou or "",
        "status": result.status.value,
        "css": css[result.status],
        "mfa": _yes_no(result.mfa_enabled),
        "mfa_type": result.mfa_type.value,
        "devices": devices,
        "devices_value": devices_value,
        "password": _yes_no(result.password_present),
        "root_keys": _yes_no(result.root_access_keys),
        "reason": " ".join(filter(None, [result.error, *result.findings])),
    }


def render_html(
    results: Sequence[AccountResult],
    *,
    mode: str = "roles",
    ous: Mapping[str, str] | None = None,
    generated: datetime | None = None,
) -> str:
    """The report as one HTML document."""
    style, script = _asset("report.css"), _asset("report.js")
    counts = Counter(result.status for result in results)
    css = {status: klass for status, _label, klass in VERDICTS}
    columns = [_Column("Account", "text"), _Column("Name", "text")]
    if ous is not None:
        columns.append(_Column("OU", "text"))
    columns += [
        _Column("Status", "text"),
        _Column("Root MFA", "text"),
        _Column("MFA type", "text"),
        _Column("MFA devices", "number"),
        _Column("Password", "text"),
        _Column("Root keys", "text"),
        _Column("Reason and findings", "text"),
    ]
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            summary=summarize(results),
            verdicts=[
                {"label": label, "css": klass, "count": counts.get(status, 0)}
                for status, label, klass in VERDICTS
            ],
            chart=_chart(counts),
            ous=_by_ou(results, ous) if ous is not None else None,
            columns=columns,
            rows=[_row(r, css, ous.get(r.id) if ous is not None else None) for r in results],
            generated=when,
            mode_label=MODE_LABELS.get(mode, mode),
            version=__version__,
            style=style,
            script=script,
            style_hash=_csp_hash(style),
            script_hash=_csp_hash(script),
        )
    )


def write_html(
    results: Sequence[AccountResult],
    path: Path,
    *,
    mode: str = "roles",
    ous: Mapping[str, str] | None = None,
) -> None:
    path.write_text(render_html(results, mode=mode, ous=ous), encoding="utf-8")
