"""Accessibility: axe-core (vendored, served by Accord itself) run on every page once its
figures are in, with no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Served, sign_in

PAGES = [
    ("/overview", "#kpis .tile, #kpis p"),
    ("/at-risk", "#list-table table"),
    ("/tickets", "#list-table table"),
    ("/compliance", "#explorer table"),
    ("/trends", "#trend .uplot canvas"),
    ("/alerts", "#alerts table"),
    ("/customers", "#customers table"),
    ("/customers/acme", "#statement table"),
    ("/review", "main"),
]


def _violations(page: Any) -> list[str]:
    page.add_script_tag(url="/static/dashboard/vendor/axe.min.js")
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_no_serious_or_critical_accessibility_violation(
    browser: Any, served: Served, path: str, ready: str
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}{path}")
    page.wait_for_selector(ready, timeout=120_000)
    page.wait_for_timeout(300)
    assert _violations(page) == []
    page.context.close()


def test_the_ticket_failures_and_sign_in_pages_have_no_serious_violation(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.admin_token)
    page.goto(f"{served.base}/tickets/{served.globex_ticket}")
    page.wait_for_selector("#ticket .clock")
    assert _violations(page) == []
    page.goto(f"{served.base}/failures")
    page.wait_for_selector("#failures table")
    assert _violations(page) == []
    page.context.close()
    fresh = browser.new_context()
    signin = fresh.new_page()
    signin.goto(f"{served.base}/signin")
    assert _violations(signin) == []
    fresh.close()
