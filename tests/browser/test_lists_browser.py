"""The working lists in a real browser: the at-risk queue and the ticket list filtered, sorted,
searched, paged and exported, with the list's query in the address (the back button returns
to the previous list) and the instant the figures are for."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.browser.conftest import Served, shot, sign_in


def _column(page: Any, name: str) -> list[str]:
    headers = page.locator("#list-table th").all_inner_texts()
    i = headers.index(name)
    rows = page.locator("#list-table tbody tr:not(.empty)").all()
    return [r.locator("td").nth(i).inner_text() for r in rows]


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _api(served: Served, path: str) -> Any:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    return httpx.get(f"{served.base}{path}", headers=auth, timeout=120).json()


def _summary(page: Any) -> str:
    page.wait_for_function("!document.querySelector('#list-summary').innerText.includes('Load')")
    return str(page.inner_text("#list-summary"))


def test_the_queue_filters_by_customer_and_state_and_the_address_holds_the_filters(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/at-risk")
    page.wait_for_selector("#list-table tbody tr a")
    everything = _api(served, "/api/v1/at-risk?limit=1")["total"]
    assert _summary(page) == f"1–{min(50, everything)} of {everything} open clocks"
    assert page.inner_text("#updated").startswith("Updated")
    assert "Figures as of" in page.inner_text("#updated")
    # a customer and a state with open clocks (the demo's queue changes with the instant it
    # is generated at: some hours no acme clock is open): the first clock's customer
    who = _api(served, "/api/v1/at-risk?limit=1")["items"][0]["customer"]
    state = next(
        s
        for s in ("breached", "running", "paused")
        if _api(served, f"/api/v1/at-risk?customer={who}&state={s}&limit=1")["total"]
    )
    page.fill("input[name=customer]", who)
    page.select_option("select[name=state]", state)
    page.click("#list-filters button[type=submit]")
    page.wait_for_url(f"**/at-risk?*customer={who}*")
    assert _query(page) == {"customer": [who], "state": [state]}
    expected = _api(served, f"/api/v1/at-risk?customer={who}&state={state}&limit=1")["total"]
    noun = "open clock" if expected == 1 else "open clocks"
    page.wait_for_function(
        f"document.querySelector('#list-summary').innerText.endsWith('of {expected} {noun}')"
    )
    assert set(_column(page, "customer")) <= {who}
    risks = set(_column(page, "risk"))
    assert risks and (risks <= {"breached"} if state == "breached" else "breached" not in risks)
    shot(page, "at-risk-filtered-1440")
    # back: the unfiltered queue again, with the form emptied
    page.go_back()
    page.wait_for_function(
        f"document.querySelector('#list-summary').innerText.endsWith('of {everything} open clocks')"
    )
    assert page.input_value("input[name=customer]") == ""
    page.context.close()


def test_the_queue_sorts_by_a_heading_both_ways_and_pages(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/at-risk?limit=10")
    page.wait_for_selector("#list-table tbody tr a")
    page.click("#list-table th button:text-is('ticket')")
    page.wait_for_url("**sort=ticket*")
    page.wait_for_selector("th[aria-sort=ascending]")
    ids = _column(page, "ticket")
    assert ids == sorted(ids)
    page.click("#list-table th button:text-is('ticket')")
    page.wait_for_url("**sort=-ticket*")
    page.wait_for_selector("th[aria-sort=descending]")
    down = _column(page, "ticket")
    assert down == sorted(down, reverse=True)
    api = _api(served, "/api/v1/at-risk?sort=-ticket&limit=10&offset=10")
    page.click("#list-next")
    page.wait_for_url("**offset=10*")
    page.wait_for_function("document.querySelector('#list-summary').innerText.startsWith('11–')")
    assert _column(page, "ticket") == [c["ticket_id"] for c in api["items"]]
    assert page.inner_text("#list-page").startswith("Page 2 of ")
    page.context.close()


def test_the_ticket_list_searches_by_id_and_shows_sla_badges(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.click("nav a:text-is('Tickets')")
    page.wait_for_selector("#list-table tbody tr a")
    assert page.locator("#list-table .badge").count() > 0
    some = _column(page, "ticket")[3]
    page.fill("input[name=search]", some.lower())
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**search=*")
    found = _api(served, f"/api/v1/tickets?search={some.lower()}&limit=1")["total"]
    noun = "ticket" if found == 1 else "tickets"
    page.wait_for_function(
        f"document.querySelector('#list-summary').innerText.endsWith(' of {found} {noun}')"
    )
    assert some in _column(page, "ticket")
    assert all(some.lower() in t.lower() for t in _column(page, "ticket"))
    shot(page, "tickets-1440")
    page.context.close()


def test_a_shared_link_opens_the_same_filtered_ticket_list(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/tickets?team=support-us&sort=-updated&state=breached")
    page.wait_for_selector("#list-table tbody tr")
    assert page.input_value("input[name=team]") == "support-us"
    assert page.input_value("select[name=state]") == "breached"
    api = _api(served, "/api/v1/tickets?team=support-us&sort=-updated&state=breached&limit=50")
    assert _column(page, "ticket") == [t["ticket_id"] for t in api["items"]]
    assert set(_column(page, "team")) <= {"support-us"}
    page.context.close()


def test_the_export_holds_exactly_the_filtered_rows(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    who = max(
        ("acme", "globex", "initech"),
        key=lambda c: _api(served, f"/api/v1/at-risk?customer={c}&limit=1")["total"],
    )
    page.goto(f"{served.base}/at-risk?customer={who}&limit=1")
    page.wait_for_selector("#list-table tbody tr a")
    api = _api(served, f"/api/v1/at-risk?customer={who}&limit=500")
    assert api["total"] > 1  # more than one page: the export is not the page shown
    page.evaluate("LIST_EXPORT.page = 1")  # several API pages, joined under one header
    with page.expect_download() as got:
        page.click("#list-export")
    rows = list(csv.DictReader(io.StringIO(got.value.path().read_text())))
    assert len(rows) == api["total"]
    assert {(r["ticket_id"], r["metric"]) for r in rows} == {
        (c["ticket_id"], c["metric"]) for c in api["items"]
    }
    page.wait_for_function(
        "document.querySelector('#list-summary').innerText.startsWith('Exported')"
    )
    page.context.close()


def test_the_lists_fit_a_phone_screen(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 390, "height": 844})
    for path in ("/at-risk", "/tickets"):
        page.goto(f"{served.base}{path}")
        page.wait_for_selector("#list-table tbody tr a")
        # the table scrolls inside its box; the page itself does not
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, f"{path.strip('/')}-phone")
    page.context.close()


def _capped(route: Any, total: int, *, csv_page: bool = False) -> None:
    """The real answer, with its count reported as capped at ``total`` (the demo holds far
    fewer rows than the API's cap of 10,000)."""
    res = route.fetch()
    if csv_page:
        headers = {**res.headers, "x-total-count": str(total), "x-total-capped": "true"}
        route.fulfill(response=res, headers=headers)
        return
    body = res.json()
    body.update(total=total, total_capped=True)
    route.fulfill(response=res, json=body)


def test_a_capped_count_reads_as_more_than_and_the_pages_go_on(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.route("**/api/v1/tickets?*", lambda route: _capped(route, 10_000))
    page.goto(f"{served.base}/tickets")
    page.wait_for_selector("#list-table tbody tr a")
    assert _summary(page) == "1–50 of 10,000+ tickets"
    assert page.inner_text("#list-page") == "Page 1 of 200+"
    assert page.is_enabled("#list-next")
    # past the last row: an empty page ends the list, whatever the count said
    page.goto(f"{served.base}/tickets?offset=1000000")
    page.wait_for_selector("#list-table tbody tr.empty")
    assert _summary(page) == "0–0 of 10,000+ tickets"
    assert not page.is_enabled("#list-next")
    page.context.close()


def test_the_export_of_a_capped_list_reads_until_the_rows_end(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/at-risk?limit=1")
    page.wait_for_selector("#list-table tbody tr a")
    api = _api(served, "/api/v1/at-risk?limit=500")
    assert api["total"] > 2
    # every CSV page says "at least 1": the export must not stop at the count
    page.route("**/api/v1/at-risk?*format=csv*", lambda route: _capped(route, 1, csv_page=True))
    page.evaluate("LIST_EXPORT.page = 2")
    with page.expect_download() as got:
        page.click("#list-export")
    rows = list(csv.DictReader(io.StringIO(got.value.path().read_text())))
    assert {(r["ticket_id"], r["metric"]) for r in rows} == {
        (c["ticket_id"], c["metric"]) for c in api["items"]
    }
    assert len(rows) == api["total"]
    page.wait_for_function(
        "document.querySelector('#list-summary').innerText.startsWith('Exported every')"
    )
    page.context.close()
