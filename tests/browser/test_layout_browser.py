"""Every page at the widths of the documentation's screenshots (bench/screenshots.py): at
1440 px no table hides a column (none scrolls sideways in its box), and at 390 px (a phone) no
page is wider than the window (a wide table scrolls inside its own box, the page does not).
Pages reached by a link (a drill-down) follow the first such link, as a person would."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Served, sign_in

# (page, the link on it to follow or ""); "{ticket}" is a globex ticket of the demo
PAGES = [
    ("/overview", ""),
    ("/overview", "#kpis a[href^='/kpi-rows']"),
    ("/at-risk", ""),
    ("/tickets", ""),
    ("/tickets/{ticket}", ""),
    ("/compliance", ""),
    ("/compliance", "#explorer a[href^='/clocks']"),
    ("/drivers?metric=first_response&by=team", ""),
    ("/customers", ""),
    ("/customers/acme", ""),
    ("/customers/acme", "#statement-html[href*='statement.html']"),
    ("/trends", ""),
    ("/alerts", ""),
    ("/review", ""),
]
IDS = [f"{path}{' -> ' + link.split('[')[0] if link else ''}" for path, link in PAGES]
# the pages' own placeholders while their figures load
LOADED = "!/Loading|Computing/.test(document.body.innerText)"
TIMEOUT = 300_000  # ms: the first KPI read replays the demo's events on a busy machine


def _open(page: Any, served: Served, path: str, link: str) -> None:
    page.goto(f"{served.base}{path.format(ticket=served.globex_ticket)}")
    page.wait_for_function(LOADED, timeout=TIMEOUT, polling=250)
    if link:
        page.goto(f"{served.base}{page.locator(link).first.get_attribute('href')}")
        page.wait_for_function(LOADED, timeout=TIMEOUT, polling=250)
    page.wait_for_timeout(300)  # charts are drawn after their figures


@pytest.mark.parametrize(("path", "link"), PAGES, ids=IDS)
def test_no_table_hides_a_column_at_1440_px(
    browser: Any, served: Served, path: str, link: str
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    _open(page, served, path, link)
    assert page.locator("table").count() > 0  # the page has its figures, not an error
    clipped = page.evaluate(
        "[...document.querySelectorAll('.table-wrap')]"
        ".filter(w => w.scrollWidth > w.clientWidth + 1)"
        ".map(w => w.querySelector('caption')?.innerText)"
    )
    assert clipped == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    page.context.close()


@pytest.mark.parametrize(("path", "link"), PAGES, ids=IDS)
def test_no_page_is_wider_than_a_phone(browser: Any, served: Served, path: str, link: str) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 390, "height": 844})
    _open(page, served, path, link)
    assert page.locator("table").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()


def test_the_statement_documents_wide_table_scrolls_in_its_box_on_a_phone(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 390, "height": 844})
    _open(page, served, "/customers/acme", "#statement-html[href*='statement.html']")
    # the objectives table has seven columns: wider than a phone, so its box scrolls
    boxes = page.evaluate(
        "[...document.querySelectorAll('.scroll')].map(b => [b.scrollWidth, b.clientWidth])"
    )
    assert boxes and all(client <= 390 for _, client in boxes)
    assert any(width > client for width, client in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()


def test_an_alerts_instant_reads_on_one_line(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    _open(page, served, "/alerts", "")
    # an inline box broken across lines has one rectangle a line; "held until" adds one line
    lines = page.evaluate(
        "[...document.querySelectorAll('#alerts td .when')]"
        ".map(s => [s.getClientRects().length, s.querySelectorAll('br').length + 1])"
    )
    assert lines, "the demo's alert log has rows"
    assert all(rects == expected for rects, expected in lines)
    page.context.close()
