"""The Trends page as a person uses it: a line chart with axes, its target and bands, values on
hover, a table with exactly the API's figures; the choice in the address; a click on a point
opens the rows behind it, as many as the point counts. And the customer page's burn-down."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from tests.browser.conftest import Served, shot, sign_in
from tests.browser.test_accessibility_browser import _violations


def _api(served: Served, path: str) -> Any:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    res = httpx.get(f"{served.base}{path}", headers=auth, timeout=120)
    assert res.status_code == 200, res.text
    return res.json()


def _values_in_table(page: Any) -> list[tuple[str, str]]:
    rows = page.locator("#trend .table-wrap table tbody tr").all()
    return [
        (r.locator("td").nth(0).inner_text(), r.locator("td").nth(4).inner_text()) for r in rows
    ]


def test_the_chart_has_axes_and_target_and_the_table_holds_the_apis_figures(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/trends?series=backlog&grain=week")
    page.wait_for_selector("#trend .uplot canvas", timeout=120_000)
    assert page.locator("#trend .u-axis").count() == 2  # periods and values
    # the ticks uPlot drew on the canvas: period labels along x, counts up y
    ticks = page.evaluate("() => trendChart.axes.map((a) => a._values.filter((v) => v))")
    assert ticks[0] and all(t.startswith("2026-W") or t.startswith("2025-W") for t in ticks[0])
    assert ticks[1] and all(t.replace(",", "").isdigit() for t in ticks[1])
    legend = page.inner_text("#trend .legend")
    assert "target ≤ 120" in legend and "on target" in legend  # the demo's backlog target
    got = _api(served, "/api/v1/trends?series=backlog&grain=week")
    assert got["kpi"] == "backlog" and len(got["points"]) == 12
    table = _values_in_table(page)
    want = [
        (p["period"] + (" (so far)" if p["current"] else ""), str(p["n"])) for p in got["points"]
    ]
    assert table == want
    values = page.locator("#trend .table-wrap table tbody tr td:nth-child(3)").all_inner_texts()
    assert values == [f"{round(p['value']):,}" for p in got["points"]]
    # hovering a point shows its value in the legend
    chart = page.locator("#trend .u-over")
    box = chart.bounding_box()
    x = page.evaluate("() => trendChart.valToPos(trendChart.data[0][3], 'x')")
    page.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    shown = page.locator("#trend .u-legend .u-series").nth(1).inner_text()
    assert f"{round(got['points'][3]['value']):,}" in shown
    shot(page, "trends-1440")
    page.context.close()


def test_a_click_on_a_point_opens_as_many_rows_as_the_point_counts(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}/trends?series=compliance&grain=week")
    page.wait_for_selector("#trend .uplot canvas", timeout=120_000)
    points = page.evaluate("() => trendChart.data[1].length")
    i = points - 2  # a finished week: its figure no longer moves
    n = page.locator("#trend .table-wrap table tbody tr").nth(i).locator("td").nth(4).inner_text()
    box = page.locator("#trend .u-over").bounding_box()
    x = page.evaluate(f"() => trendChart.valToPos(trendChart.data[0][{i}], 'x')")
    page.mouse.click(box["x"] + x, box["y"] + box["height"] / 2)
    page.wait_for_url("**/kpi-rows?**")
    page.wait_for_selector("#kpi-rows-count", timeout=120_000)
    assert "kpi=sla_compliance" in page.url
    count = page.inner_text("#kpi-rows-count")
    assert count.startswith(f"{n} rows behind sla_compliance")
    assert page.locator("#kpi-rows table tbody tr").count() == int(n)
    page.context.close()


def test_the_choice_lives_in_the_address_and_a_team_or_month_changes_the_figures(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}/trends")
    page.wait_for_selector("#trend .uplot canvas", timeout=120_000)
    team = page.locator("#t-team option").nth(1).get_attribute("value")
    assert team
    page.select_option("#t-series", "breaches")
    page.select_option("#t-grain", "month")
    page.fill("#t-from", "2026-01-01")
    page.select_option("#t-team", team)
    page.click("#trend-form button[type=submit]")
    page.wait_for_url("**/trends?**team=**")
    page.wait_for_function(
        "() => document.querySelector('#trend .table-wrap caption')?.textContent.includes('team')"
    )
    query = urlencode({"series": "breaches", "grain": "month", "from": "2026-01-01", "team": team})
    assert query.split("&team")[0] in page.url
    to = page.input_value("#t-to")
    got = _api(served, f"/api/v1/trends?{query}&to={to}")
    assert _values_in_table(page)[0][0] == "2026-01"
    assert [n for _, n in _values_in_table(page)] == [str(p["n"]) for p in got["points"]]
    page.go_back()
    page.wait_for_function("() => document.querySelector('#t-series').value === 'compliance'")
    page.context.close()


def test_the_trends_page_has_no_serious_accessibility_violation(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}/trends?series=kpi:first_response_median")
    page.wait_for_selector("#trend .uplot canvas", timeout=120_000)
    page.wait_for_timeout(300)
    assert _violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "trends-390")
    page.context.close()


def test_the_customer_page_draws_each_objectives_burndown(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/customers/acme")
    page.wait_for_selector("#burndown .burn .uplot canvas", timeout=120_000)
    month = page.input_value("#period")
    got = _api(served, f"/api/v1/customers/acme/burndown?period={month}")
    budgeted = [o for o in got["objectives"] if o["budget"] is not None]
    assert page.locator("#burndown .burn").count() == len(budgeted) > 0
    first = page.locator("#burndown .burn").first
    assert f"{budgeted[0]['budget']['remaining']} left" in first.locator("figcaption").inner_text()
    first.locator("summary").click()
    rows = first.locator(".table-wrap table tbody tr")
    assert rows.count() == len(budgeted[0]["days"])
    assert rows.last.locator("td").nth(3).inner_text() == str(budgeted[0]["days"][-1]["remaining"])
    assert _violations(page) == []
    shot(page, "customer-burndown-1440")
    page.context.close()
