"""The audit's HTML report in a real browser: Debian's headless Chromium, driven by
Playwright (`make browser` installs Chromium where it is missing; CI runs it first).

The page must render with no console error and no failed script, make no request at all
(every request but the file itself is refused, and the browser has no network), show the
summary in the first screen (checked on a screenshot: the verdict bars' colours are
there), and sort its table by a column heading.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from rootguard.audit.checks import AccountResult, MfaType, Status
from rootguard.audit.html_report import render_html

# The probe of this machine kind found these flags necessary for headless Chromium as
# root without network (see the project's machine notes).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No network at all: every host resolves to nothing, every proxy is a dead port.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
]
BAR_COLOURS = {"bad": (0xCF, 0x22, 0x2E), "good": (0x1A, 0x7F, 0x37), "managed": (0x09, 0x69, 0xDA)}


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "chromium not found: install it with `make browser` (apt-get install -y chromium)",
            pytrace=False,
        )
    return found


def _results() -> list[AccountResult]:
    rows = [
        AccountResult("111111111111", "prod <web>", Status.COMPLIANT, True, MfaType.VIRTUAL, False),
        AccountResult(
            "222222222222",
            "legacy",
            Status.NON_COMPLIANT,
            False,
            MfaType.NONE,
            True,
            findings=("Root has 1 access key.",),
        ),
        AccountResult("333333333333", "sandbox", Status.ERROR, None, MfaType.UNKNOWN, None, "x"),
    ]
    rows += [
        AccountResult(
            f"4{index:011d}",
            f"member-{index}",
            Status.CENTRALLY_MANAGED,
            False,
            MfaType.NONE,
            False,
            password_present=False,
            mfa_devices=0,
            mfa_device_types=(),
        )
        for index in range(8)
    ]
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "root-audit.html"
    ous = {"111111111111": "Root / Prod", "222222222222": "Root / Legacy"}
    path.write_text(render_html(_results(), mode="root-sessions", ous=ous), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.problems = []  # type: ignore[attr-defined]
        page.requests = []  # type: ignore[attr-defined]

        def refuse_others(route: Any) -> None:
            page.requests.append(route.request.url)  # type: ignore[attr-defined]
            if route.request.url == report.as_uri():
                route.continue_()
            else:
                route.abort()

        page.route("**/*", refuse_others)
        page.on(
            "console",
            lambda message: (
                message.type in ("error", "warning")
                and page.problems.append(f"{message.type}: {message.text}")
            ),  # type: ignore[attr-defined]
        )
        page.on("pageerror", lambda error: page.problems.append(f"pageerror: {error}"))  # type: ignore[attr-defined]
        page.goto(report.as_uri(), wait_until="load")
        yield page
        browser.close()


def test_html_report_renders_with_no_console_error(page: Any) -> None:
    assert page.title() == "Root account audit: 11 accounts"
    assert page.problems == []


def test_html_report_loads_with_no_network(page: Any, report: Path) -> None:
    assert page.requests == [report.as_uri()]  # the file itself, nothing else


def test_html_report_summary_visible_on_screenshot(page: Any) -> None:
    summary = page.locator("#summary")
    assert summary.is_visible()
    box = summary.bounding_box()
    assert box is not None and box["y"] < 900 and box["height"] > 100
    assert "1 of 11 accounts need action" in summary.inner_text()
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    colours = {colour for _count, colour in shot.getcolors(maxcolors=1 << 20) or []}
    for name, colour in BAR_COLOURS.items():
        assert colour in colours, f"the {name} verdict bar is not on the first screen"


def test_html_report_escapes_names(page: Any) -> None:
    assert (
        page.locator("#account-table tbody tr")
        .first.inner_text()
        .startswith("111111111111\tprod <web>")
    )


def test_html_report_table_sorts_by_a_column(page: Any) -> None:
    def column(index: int) -> list[str]:
        return page.locator(f"#account-table tbody tr td:nth-child({index})").all_inner_texts()

    page.get_by_role("button", name="Status").click()
    statuses = column(4)
    assert statuses == sorted(statuses)
    assert page.locator("th[aria-sort='ascending']").inner_text() == "Status"
    page.get_by_role("button", name="Status").click()
    assert column(4) == sorted(statuses, reverse=True)
    assert page.problems == []
