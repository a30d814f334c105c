"""The breach drivers page and the internal part of a ticket page, in a real browser against a
real server with the demo helpdesk (whose configuration has an internal agreement)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import Served, shot, sign_in


def test_a_driver_row_leads_to_as_many_clocks_as_it_counts_then_to_a_ticket(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/drivers?metric=first_response&by=team")
    page.wait_for_selector("#drivers table tbody tr a")
    first = page.locator("#drivers tbody tr").first
    cells = first.locator("td").all_inner_texts()
    counted = int(cells[5].replace(",", "")) + int(cells[6].replace(",", ""))
    shot(page, "drivers")
    first.locator("a").click()
    page.wait_for_selector("#behind-count")
    said = int(re.match(r"(\d+) clock", page.inner_text("#behind-count")).group(1))  # type: ignore[union-attr]
    assert said == counted == page.locator("#drivers tbody tr").count()
    page.locator("#drivers tbody a").first.click()
    page.wait_for_selector("#ticket .clock")
    page.context.close()


def test_the_ticket_page_shows_internal_clocks_and_the_time_by_holder_to_the_teams_only(
    browser: Any, served: Served
) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    held = httpx.get(
        f"{served.base}/api/v1/tickets?clocks=agreements&customer=acme&limit=1", headers=auth
    ).json()["items"]
    assert held, "the demo has tickets the platform team held"
    tid = held[0]["ticket_id"]
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/tickets/{tid}")
    page.wait_for_selector("#internal-clocks")
    assert page.locator("#ticket .clocks.internal .clock").count() >= 1
    assert "ola:platform-fix" in page.inner_text("#ticket .clocks.internal")
    page.wait_for_selector("#attribution")
    shot(page, "ticket-internal")
    page.context.close()
    mine = sign_in(browser, served, served.acme_token)
    mine.goto(f"{served.base}/tickets/{tid}")
    mine.wait_for_selector("#ticket .clock")
    assert mine.locator("#internal-clocks").count() == 0
    assert "ola:" not in mine.inner_text("#ticket")
    mine.context.close()
