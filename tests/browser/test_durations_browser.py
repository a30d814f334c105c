"""Business durations as people read them: in business days of the clock's calendar ("3
business days 3 h" for 30 h on a 9-hour calendar), plain on a calendar open around the clock,
with the exact seconds on hover and for screen readers. The formatting is the real
durations.js, run in the page."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import Served, sign_in

H = 3600


def _api(served: Served, path: str) -> Any:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    return httpx.get(f"{served.base}{path}", headers=auth, timeout=120).json()


def test_business_durations_count_whole_business_days_then_hours_and_minutes(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    cases = [
        [30 * H, 9 * H],  # the example
        [9 * H, 9 * H],
        [9 * H - 60, 9 * H],
        [2 * 9 * H + 3 * H + 15 * 60 + 59, 9 * H],  # seconds under a minute are dropped
        [45, 9 * H],
        [0, 9 * H],
        [-(10 * H + 30 * 60), 8 * H],  # past due: a negative remaining
        [30 * H, None],  # around the clock: the plain duration
    ]
    got = page.evaluate("(cases) => cases.map(([s, d]) => businessDuration(s, d))", cases)
    assert got == [
        "3 business days 3 h",
        "1 business day",
        "8 h 59 min",
        "2 business days 3 h 15 min",
        "45 s",
        "0 s",
        "−1 business day 2 h 30 min",
        "1d 6h",
    ]
    span = page.evaluate(
        "() => { const s = businessSpan(108000, 32400);"
        " return [s.title, s.querySelector('.sr-only').textContent, s.firstChild.textContent]; }"
    )
    assert span == [
        "108,000 seconds of business time (a business day: 9h)",
        " (108,000 seconds)",
        "3 business days 3 h",
    ]
    page.context.close()


def _clock(served: Served, wanted: Any) -> tuple[str, dict[str, Any]]:
    """The first demo ticket with a clock ``wanted`` says yes to."""
    for offset in range(0, 5000, 500):
        items = _api(served, f"/api/v1/tickets?limit=500&offset={offset}")["items"]
        for t in items:
            for c in t["clocks"]:
                if wanted(c):
                    return t["ticket_id"], c
    raise AssertionError("no such clock in the demo")


def _office_clock(served: Served) -> tuple[str, dict[str, Any]]:
    """A demo ticket whose stopped clock on a business-hours calendar ran more than a business
    day (stopped: its figures stay the same between the API's answer and the page's)."""
    return _clock(
        served,
        lambda c: (
            c["business_day_seconds"]
            and c["stop"]
            and c["business_elapsed"] >= c["business_day_seconds"]
        ),
    )


def test_a_ticket_page_reads_business_time_in_business_days_with_seconds_on_hover(
    browser: Any, served: Served
) -> None:
    ticket, clock = _office_clock(served)
    assert clock["calendar"] in ("support-us", "support-eu")
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/tickets/{ticket}")
    card = page.locator("article.clock").filter(
        has=page.locator(f"h3:text-matches('^{clock['metric']} #{clock['cycle']} ')")
    )
    card.first.wait_for()
    facts = card.first.locator("dl.facts")
    elapsed = facts.locator("dt:text-is('business elapsed') + dd .duration")
    seconds = clock["business_elapsed"]
    words = elapsed.evaluate("e => e.firstChild.textContent")
    assert re.fullmatch(r"\d+ business days?( \d+ h)?( \d+ min)?", words), words
    assert int(words.split()[0]) == seconds // clock["business_day_seconds"]
    assert elapsed.get_attribute("title").startswith(f"{seconds:,} seconds of business time")
    assert f"({seconds:,} seconds)" in elapsed.locator(".sr-only").text_content()
    # the target and the paused time read in the same calendar's days
    target = facts.locator("dt:text-is('target') + dd .duration")
    assert target.get_attribute("data-seconds") == str(clock["target"])
    page.context.close()


def test_a_clock_on_the_around_the_clock_calendar_reads_plain(browser: Any, served: Served) -> None:
    ticket, clock = _clock(served, lambda c: c["calendar"] == "24x7")
    assert clock["business_day_seconds"] is None
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/tickets/{ticket}")
    page.wait_for_selector("article.clock")
    # each clock card with its calendar (a ticket's clocks may run on several: a priority
    # change can move it to another policy)
    cards = page.locator("article.clock").evaluate_all(
        "as => as.map(a => [a.querySelector('dt:nth-of-type(2) + dd').textContent,"
        " [...a.querySelectorAll('dd .duration')].map(e => [e.firstChild.textContent, e.title])])"
    )
    shown = [d for calendar, durations in cards if calendar == "24x7" for d in durations]
    assert shown and not [w for w, _ in shown if "business day" in w]
    assert all(re.fullmatch(r"-?\d+ seconds?", t.replace(",", "")) for _, t in shown), shown
    page.context.close()


def test_the_queue_reads_remaining_business_time_in_business_days(
    browser: Any, served: Served
) -> None:
    queue = _api(served, "/api/v1/at-risk?limit=500&state=running")["items"]
    long = [
        c
        for c in queue
        if c["business_day_seconds"] and c["remaining"] >= c["business_day_seconds"]
    ]
    assert long, "the demo's queue has a clock with more than a business day left"
    row = long[0]
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/at-risk?search={row['ticket_id']}&state=running")
    page.wait_for_selector("#list-table tbody tr a")
    headers = page.locator("#list-table th").all_inner_texts()
    i = headers.index("remaining (business)")
    metric = headers.index("metric")
    tr = page.locator("#list-table tbody tr").filter(
        has=page.locator(f"td:nth-child({metric + 1}):text-is('{row['metric']}')")
    )
    cell = tr.first.locator("td").nth(i).locator(".duration")
    words = cell.evaluate("e => e.firstChild.textContent")
    assert re.fullmatch(r"\d+ business days?( \d+ h)?( \d+ min)?", words), words
    title = cell.get_attribute("title")
    assert re.fullmatch(r"[\d,]+ seconds of business time \(a business day: \d+h\)", title)
    # the queue is judged at its own instant, a moment after the list read above
    assert abs(int(cell.get_attribute("data-seconds")) - row["remaining"]) <= 3600
    page.context.close()
