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


def test_the_worst_compliance_figure_leads_to_the_teams_then_the_tickets(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.wait_for_selector("#by-metric table tbody tr a")
    # the metric with the lowest compliance on the overview
    rows = page.locator("#by-metric tbody tr")
    shares = [
        float(t.replace("%", "").strip() or 101)
        for t in rows.evaluate_all("rs => rs.map(r => r.cells[5].innerText.replace('–', ''))")
    ]
    worst = rows.nth(shares.index(min(shares)))
    worst.locator("td").first.locator("a").click()  # one click: its compliance by team
    page.wait_for_selector("#explorer table tbody tr a")
    assert page.input_value("select[name=by]") == "team"
    links = page.locator("#explorer tbody tr td:nth-child(4) a")
    counts = [int(t) for t in links.all_inner_texts()]
    # the team with the most breached clocks (the demo of some days has none breached)
    breached = links.nth(counts.index(max(counts)))
    expected = int(breached.inner_text())
    breached.click()  # two clicks: the breached clocks of that team, with their tickets
    page.wait_for_selector("#clocks-count")
    said = int(page.inner_text("#clocks-count").split()[0])
    # an empty table holds one row saying so
    listed = page.locator("#clocks tbody tr:not(:has-text('Nothing to show.'))").count()
    assert said == expected == listed
    shot(page, "clocks-behind-a-figure")
    if expected:
        page.locator("#clocks tbody a").first.click()
        page.wait_for_selector("#ticket .clock")
    page.context.close()


def _count(text: str) -> int:
    got = re.match(r"(\d+) ", text)
    assert got, text
    return int(got.group(1))


def test_the_worst_compliance_figure_leads_to_its_teams_then_to_their_breach_drivers(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.wait_for_selector("#by-metric table tbody tr a")
    rows = page.locator("#by-metric tbody tr")
    shares = [
        float(t.replace("%", "").strip() or 101)
        for t in rows.evaluate_all("rs => rs.map(r => r.cells[5].innerText.replace('–', ''))")
    ]
    worst = rows.nth(shares.index(min(shares)))
    figure = int(worst.locator("td").nth(3).inner_text())  # its breached clocks
    worst.locator("td").first.locator("a").click()  # one click: the figure by team
    page.wait_for_selector("#explorer table tbody tr a.drivers-link")
    assert page.input_value("select[name=period]") == "year"
    teams = page.locator("#explorer tbody tr")
    breached = [int(t) for t in teams.locator("td:nth-child(4)").all_inner_texts()]
    # the teams' breached clocks add up to the overview's figure, year by year
    assert sum(breached) == figure
    team = teams.nth(breached.index(max(breached))).locator("td").first.locator("a")
    name = team.inner_text()
    team.click()  # two clicks: the clocks in which that team held time, with their tickets
    page.wait_for_selector("#behind-count")
    said = _count(page.inner_text("#behind-count"))
    assert f"team = {name}" in page.inner_text("#behind-count")
    listed = page.locator("#drivers tbody tr:not(:has-text('Nothing to show.'))").count()
    assert said == listed
    shot(page, "compliance-team-drivers")
    if said:
        states = page.locator("#drivers tbody tr td:nth-child(4)").all_inner_texts()
        assert set(states) <= {"met", "breached"}
        page.locator("#drivers tbody a").first.click()
        page.wait_for_selector("#ticket .clock")
    page.context.close()


def test_a_kpi_tile_leads_to_as_many_rows_as_its_value_counts(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/overview")
    link = page.locator("#kpis .tile a", has_text="rows behind it").first
    link.wait_for()
    expected = int(link.inner_text().split()[0])
    link.click()
    page.wait_for_selector("#kpi-rows-count")
    said = int(page.inner_text("#kpi-rows-count").split()[0])
    assert said == expected == page.locator("#kpi-rows tbody tr").count()
    page.context.close()
