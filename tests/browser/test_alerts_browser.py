"""The Alerts page: the demo's rules fill the log; acknowledge and snooze from a row with a
write token typed on the page (the cookie only reads); the metric column; filters in the
address."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import Served, sign_in


def _alerts(served: Served, query: str = "") -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    res = httpx.get(f"{served.base}/api/v1/alerts?limit=500{query}", headers=auth, timeout=120)
    items: list[dict[str, Any]] = res.json()["items"]
    return items


def _row(page: Any, alert_id: int) -> Any:
    return page.locator("#alerts tbody tr").filter(
        has=page.locator(f"td:first-child:text-is('{alert_id}')")
    )


def test_the_demo_fills_the_alert_log_with_a_metric_column(browser: Any, served: Served) -> None:
    entries = _alerts(served)
    assert entries, "the demo's rules (demo/config/alerts.yaml) give alerts"
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/alerts")
    page.wait_for_selector("#alerts tbody tr")
    headers = page.locator("#alerts th").all_inner_texts()
    assert "metric" in headers and "actions" in headers
    metric = headers.index("metric")
    shown = page.locator("#alerts tbody tr").first.locator("td").nth(metric).inner_text()
    assert shown == (entries[0]["metric"] or "–")
    page.context.close()


def test_acknowledge_and_snooze_need_a_write_token_typed_on_the_page(
    browser: Any, served: Served
) -> None:
    open_ = [a for a in _alerts(served) if a["state"] not in ("acknowledged", "snoozed")]
    assert len(open_) >= 2
    first, second = open_[0]["id"], open_[1]["id"]
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/alerts")
    page.wait_for_selector("#alerts tbody tr")
    # no token: the page says what is needed and nothing is written
    _row(page, first).locator("button:text-is('Acknowledge')").click()
    assert "Type a write token" in page.inner_text("#alert-action")
    # a read token is refused by the API, and the page says so
    page.fill("#alert-token", served.read_token)
    _row(page, first).locator("button:text-is('Acknowledge')").click()
    page.wait_for_function("document.querySelector('#alert-action').innerText.includes('not')")
    assert [a["state"] for a in _alerts(served) if a["id"] == first] != ["acknowledged"]
    page.fill("#alert-token", served.write_token)
    _row(page, first).locator("button:text-is('Acknowledge')").click()
    page.wait_for_function(
        "document.querySelector('#alert-action').innerText.includes('acknowledged by')"
    )
    page.wait_for_function(
        f"[...document.querySelectorAll('#alerts tbody tr')].some(r => "
        f"r.cells[0].innerText === '{first}' && r.cells[1].innerText === 'acknowledged')"
    )
    assert [a["state"] for a in _alerts(served) if a["id"] == first] == ["acknowledged"]
    page.select_option("#alert-snooze-for", "4h")
    _row(page, second).locator("button:text-is('Snooze')").click()
    page.wait_for_function("document.querySelector('#alert-action').innerText.includes('snoozed')")
    [snoozed] = [a for a in _alerts(served) if a["id"] == second]
    assert snoozed["state"] == "snoozed" and snoozed["snoozed_until"]
    # the filter goes to the address, and shows the acknowledged entry
    page.select_option("#alert-state", "acknowledged")
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url("**/alerts?state=acknowledged")
    page.wait_for_function(
        "[...document.querySelectorAll('#alerts tbody tr')].every(r => "
        "r.cells[1].innerText === 'acknowledged')"
    )
    assert _row(page, first).count() == 1
    page.context.close()


def test_the_metric_filter_shows_that_metrics_alerts_and_lives_in_the_address(
    browser: Any, served: Served
) -> None:
    metrics = {a["metric"] for a in _alerts(served) if a["metric"]}
    assert len(metrics) >= 2, "the demo's rules alert on several metrics"
    chosen = sorted(metrics)[0]
    expected = [a["id"] for a in _alerts(served, f"&metric={chosen}")][:200]
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/alerts")
    page.wait_for_selector("#alerts tbody tr")
    offered = page.locator("#alert-metric option").evaluate_all("os => os.map(o => o.value)")
    assert offered[0] == "" and metrics <= set(offered)
    page.select_option("#alert-metric", chosen)
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url(f"**/alerts?metric={chosen}")
    column = page.locator("#alerts th").all_inner_texts().index("metric")
    page.wait_for_function(
        f"[...document.querySelectorAll('#alerts tbody tr')].every(r => "
        f"r.cells[{column}].innerText === '{chosen}')"
    )
    shown = page.locator("#alerts tbody tr td:first-child").all_inner_texts()
    assert [int(x) for x in shown] == expected
    # back: the whole log again, and the select says so
    page.go_back()
    page.wait_for_function(
        f"[...document.querySelectorAll('#alerts tbody tr')].some(r => "
        f"r.cells[{column}].innerText !== '{chosen}')"
    )
    assert page.input_value("#alert-metric") == ""
    # an address with the filter opens with it chosen
    page.goto(f"{served.base}/alerts?metric={chosen}&state=sent")
    page.wait_for_selector("#alerts tbody tr")
    assert page.input_value("#alert-metric") == chosen
    assert page.input_value("#alert-state") == "sent"
    page.context.close()
