"""Instants in the viewer's zone: the browser's by default, another chosen in the header (it
stays chosen from page to page), and the zone named beside every instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.browser.conftest import Served, sign_in


def _judged(page: Any) -> str:
    page.wait_for_selector("#ticket dl.facts")
    facts = page.locator("#ticket dl.facts").first
    return str(facts.locator("dt:text-is('judged at') + dd").inner_text())


def test_instants_show_in_the_browsers_zone_then_in_the_one_chosen(
    browser: Any, served: Served
) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    ticket = httpx.get(f"{served.base}/api/v1/tickets?limit=1", headers=auth, timeout=120).json()[
        "items"
    ][0]
    page = sign_in(browser, served, served.read_token, timezone_id="Asia/Tokyo")
    page.goto(f"{served.base}/tickets/{ticket['ticket_id']}")
    shown = _judged(page)
    assert shown.endswith(" GMT+9"), shown  # Tokyo: nine hours ahead, no daylight saving
    at = datetime.strptime(shown.removesuffix(" GMT+9")[:16], "%Y-%m-%d %H:%M")
    events = page.locator("#ticket table:has(caption:has-text('Events in time order'))")
    first = events.locator("tbody tr td").first.inner_text()  # the first event
    created = datetime.fromisoformat(ticket["first_event"].replace("Z", "+00:00"))
    tokyo = (created + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert first.startswith(tokyo) and first.endswith("GMT+9"), (first, tokyo)
    assert page.locator("#tz").input_value() == "Asia/Tokyo"
    # choose UTC: the page shows every instant again in UTC, nine hours earlier
    page.select_option("#tz", "UTC")
    page.wait_for_load_state()
    again = _judged(page)
    assert again.endswith(" UTC"), again
    utc = datetime.strptime(again.removesuffix(" UTC")[:16], "%Y-%m-%d %H:%M")
    assert abs((at - utc) - timedelta(hours=9)) <= timedelta(minutes=2)
    # the choice holds on the next page
    page.goto(f"{served.base}/at-risk")
    page.wait_for_selector("#list-table tbody tr")
    assert page.locator("#tz").input_value() == "UTC"
    assert page.inner_text("#updated").rstrip(".").endswith("UTC")
    page.context.close()
