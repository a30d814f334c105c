"""Business time reads in business days on every page that shows it, not only the ticket page
and the lists: the breach drivers and the clocks behind them, the what-if's changed clocks,
the rows behind a KPI, the demo's per-desk tiles and their trend; each with the exact seconds
in its title. The demo: initech (Silver) runs on the US desk's 10-hour day alone."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import Served, sign_in

US_DAY = 10 * 3600
EU_DAY = 8 * 3600
IN_DAYS = re.compile(r"−?\d+ business days?( \d+ h)?( \d+ min)?")


def _api(served: Served, path: str) -> Any:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    res = httpx.get(f"{served.base}{path}", headers=auth, timeout=300)
    assert res.status_code == 200, res.text
    return res.json()


def _reads_in_days(span: Any, day: int) -> int:
    """Checks that a duration node reads in business days of ``day`` and that its words, its
    hover and its seconds agree; the seconds."""
    seconds = int(span.get_attribute("data-seconds"))
    words = span.evaluate("e => e.firstChild.textContent")
    assert IN_DAYS.fullmatch(words), words
    assert int(words.lstrip("−").split()[0]) == abs(seconds) // day, (words, seconds)
    hours = f"{day // 3600}h"
    want = f"{seconds:,} seconds of business time (a business day: {hours})"
    assert span.get_attribute("title") == want
    return seconds


def test_the_drivers_page_reads_one_desks_breached_time_in_its_business_days(
    browser: Any, served: Served
) -> None:
    got = _api(served, "/api/v1/review/drivers?customer=initech&by=team&by=hour")
    assert got["business_day_seconds"] == US_DAY
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/drivers?customer=initech&by=team,hour")
    page.wait_for_selector("#drivers table", timeout=300_000)
    captions = page.locator("#drivers caption").all_inner_texts()
    # hours are the clocks' local hours, not the viewer's: the caption says so
    assert captions == [
        "Breached time by team",
        "Breached time by hour (in each clock's calendar zone)",
    ]
    # the summary's total and each team's breached time
    _reads_in_days(page.locator("#drivers p .duration").first, US_DAY)
    spans = page.locator("#drivers tbody tr td:nth-child(2) .duration")
    assert spans.count() == len(got["rows"])
    big = [s for s in spans.all() if int(s.get_attribute("data-seconds")) >= US_DAY]
    assert big, "a team of initech's drivers holds more than a business day"
    _reads_in_days(big[0], US_DAY)
    page.context.close()


def test_the_clocks_behind_a_driver_read_in_their_calendars_business_days(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/drivers?customer=initech&by=team&dimension=team&value=support-us")
    page.wait_for_selector("#behind-count", timeout=300_000)
    # columns: ticket, metric, cycle, state, time with holder, business elapsed, target
    elapsed = page.locator("#drivers tbody tr td:nth-child(6) .duration").all()
    long = [s for s in elapsed if int(s.get_attribute("data-seconds")) >= US_DAY]
    assert long, "a clock behind the row ran more than a business day"
    _reads_in_days(long[0], US_DAY)
    page.context.close()


def test_the_rows_behind_a_desks_kpi_read_their_measured_time_in_business_days(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/kpi-rows?kpi=resolution_median_eu_desk")
    page.wait_for_selector("#kpi-rows-count", timeout=300_000)
    headers = page.locator("#kpi-rows th").all_inner_texts()
    assert "business elapsed" in headers and "business day seconds" not in headers
    column = headers.index("business elapsed") + 1
    cells = page.locator(f"#kpi-rows tbody tr td:nth-child({column}) .duration").all()
    assert cells and len(cells) == page.locator("#kpi-rows tbody tr").count()
    long = [s for s in cells if int(s.get_attribute("data-seconds")) >= EU_DAY]
    assert long, "an EU desk resolution took more than a business day"
    _reads_in_days(long[0], EU_DAY)
    page.context.close()


def test_a_desks_tile_reads_in_business_days_and_a_mixed_one_plain(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/overview")
    page.wait_for_selector("#kpis .tile", timeout=300_000)
    eu = page.locator("#kpis .tile[data-kpi=resolution_median_eu_desk]")
    # two business days of the 8-hour desk
    assert "target ≤ 2 business days" in eu.inner_text()
    assert eu.locator(".value").get_attribute("title").endswith(" seconds of business time")
    # the period's dates are the KPI's week, in its zone, named
    assert re.fullmatch(r"\d{4}-W\d\d \(.+ – .+, UTC\).*", eu.locator(".period").inner_text())
    # resolution over every calendar has no one business day: plain, in days of 24 h
    mixed = page.locator("#kpis .tile[data-kpi=resolution_median] .value")
    assert "business" not in mixed.inner_text()
    assert "business" not in (mixed.get_attribute("title") or "")
    page.context.close()


def test_the_trend_of_a_desks_kpi_reads_in_business_days_and_says_where_periods_start(
    browser: Any, served: Served
) -> None:
    page = sign_in(
        browser, served, served.read_token, viewport={"width": 1440, "height": 900},
        timezone_id="Asia/Tokyo",
    )  # fmt: skip
    page.goto(f"{served.base}/trends?series=kpi:resolution_median_eu_desk&grain=week")
    page.wait_for_selector("#trend .table-wrap table tbody tr", timeout=300_000)
    got = _api(served, "/api/v1/trends?series=kpi:resolution_median_eu_desk&grain=week")
    note = page.inner_text("#trend-note")
    # the weeks' boundaries are the KPI's (UTC), the instants the viewer's
    assert f"weeks start Monday 00:00 {got['tz']}" in note, note
    assert "(Asia/Tokyo)" in note
    head = page.locator("#trend .table-wrap th").all_inner_texts()
    assert head[1] == "starts (Asia/Tokyo)"
    starts = page.locator("#trend .table-wrap tbody tr td:nth-child(2)").all_inner_texts()
    # each week's start instant, in Tokyo (a week starting Monday 00:00 UTC: 09:00 there)
    tokyo = ZoneInfo("Asia/Tokyo")
    want = [
        datetime.fromisoformat(p["start"].replace("Z", "+00:00")).astimezone(tokyo)
        .strftime("%Y-%m-%d %H:%M GMT+9")
        for p in got["points"]
    ]  # fmt: skip
    assert starts == want
    values = page.locator("#trend .table-wrap tbody tr td:nth-child(3) .duration").all()
    assert len(values) == sum(1 for p in got["points"] if p["value"] is not None)
    long = [v for v in values if int(v.get_attribute("data-seconds")) >= EU_DAY]
    assert long
    _reads_in_days(long[0], EU_DAY)
    assert "target ≤ 2 business days" in page.inner_text("#trend .legend")
    page.context.close()


def test_the_customer_page_opens_on_the_viewers_month_not_utcs(
    browser: Any, served: Served
) -> None:
    # 2026-11-30 12:00 UTC is already 1 December at Kiritimati (UTC+14)
    page = sign_in(browser, served, served.read_token, timezone_id="Pacific/Kiritimati")
    page.clock.set_fixed_time("2026-11-30T12:00:00Z")
    page.goto(f"{served.base}/customers/acme")
    page.wait_for_function("document.getElementById('period').value !== ''")
    assert page.locator("#period").input_value() == "2026-12"
    page.context.close()


def test_a_what_ifs_changed_clocks_read_in_business_days(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/review")
    # initech's (Silver, US desk) normal resolution from 50 h to 5 h: clocks breach
    page.fill("#overrides", "policies.Silver.metrics.resolution.normal: 5h\n")
    page.fill("#whatif-token", served.write_token)
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-summary", timeout=300_000)
    changed = page.locator("#whatif table").last
    # columns: ticket, metric, cycle, state, target, elapsed, policy, explanation
    targets = changed.locator("tbody tr").first.locator("td").nth(4).locator(".duration").all()
    assert len(targets) == 2  # current → candidate
    assert _reads_in_days(targets[0], US_DAY) == 50 * 3600  # 5 business days
    assert targets[1].evaluate("e => e.firstChild.textContent") == "5 h"
    page.context.close()
