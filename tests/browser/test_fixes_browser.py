"""Fixes a person sees (no column out of view: test_layout_browser.py): the customer page's month in
the address with a loading state, money with its currency, breach-count objectives with their
unit, credit statuses explained, and clocks without a target "measured", not "met"."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import Served, sign_in


def test_the_customer_month_is_in_the_address_and_loads_visibly(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/customers/acme")
    page.wait_for_selector("#statement table tbody tr")
    first = page.input_value("#period")
    # an earlier month: the address changes, the old figures give way to a loading notice
    year, month = (int(x) for x in first.split("-"))
    earlier = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
    page.route(
        "**/statement?period=*", lambda route: (page.wait_for_timeout(300), route.continue_())
    )
    page.fill("#period", earlier)
    page.click("#period-form button[type=submit]")
    page.wait_for_url(f"**/customers/acme?period={earlier}")
    assert f"Loading {earlier}" in page.inner_text("#statement")
    page.wait_for_function(
        f"document.querySelector('#statement p')?.innerText.includes('period {earlier}')"
    )
    text = page.inner_text("#statement")
    assert "fee " in text and "USD" in text  # the demo's acme contract is in dollars
    assert "Credits due" in text and text.count("USD") >= 4  # fee and the three totals
    page.go_back()
    page.wait_for_function(
        f"document.querySelector('#statement p')?.innerText.includes('period {first}')"
    )
    assert page.input_value("#period") == first
    page.goto(f"{served.base}/customers/acme?period={earlier}")  # a shared link: that month
    page.wait_for_selector("#statement table tbody tr")
    assert page.input_value("#period") == earlier
    page.context.close()


def test_count_objectives_have_a_unit_and_credit_statuses_are_explained(
    browser: Any, served: Served
) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    res = httpx.get(
        f"{served.base}/api/v1/customers/acme/statement?period=previous", headers=auth, timeout=120
    )
    assert res.status_code == 200, res.text
    statement = res.json()
    period = statement["period"]
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/customers/acme?period={period}")
    page.wait_for_selector("#statement table tbody tr")
    text = page.inner_text("#statement")
    counts = [o for o in statement["objectives"] if o["kind"] == "max_breaches"]
    for o in counts:
        assert f"at most {o['target']} breach" in text
    statuses = {c["status"] for c in statement["credits"]}
    explained = page.locator("#statement .credit-statuses li").all_inner_texts()
    assert {line.split(":")[0] for line in explained} == statuses
    page.context.close()


def test_a_clock_without_a_target_reads_measured_not_met(browser: Any, served: Served) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    found = None
    url = f"{served.base}/api/v1/tickets?state=met&limit=50"
    body = httpx.get(url, headers=auth, timeout=120).json()
    for t in body["items"]:
        if any(c["target"] is None and c["state"] == "met" for c in t["clocks"]):
            found = t
            break
    assert found is not None, "the demo has clocks measured without a target"
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/tickets/{found['ticket_id']}")
    page.wait_for_selector("#ticket .clock")
    untargeted = [c for c in found["clocks"] if c["target"] is None and c["state"] == "met"]
    for c in untargeted:
        card = page.locator(f"#ticket .clock[aria-label^='{c['metric']} cycle {c['cycle']}:']")
        assert card.locator("h3 .state").inner_text() == "measured"
    targeted = [c for c in found["clocks"] if c["target"] is not None and c["state"] == "met"]
    for c in targeted:
        card = page.locator(f"#ticket .clock[aria-label^='{c['metric']} cycle {c['cycle']}:']")
        assert card.locator("h3 .state").inner_text() == "met"
    page.context.close()
