"""The Customers page: each customer with its contract's standing in the current period
(objectives met, at risk or missed, error budget left, credits due and pending), matching the
statement the API gives; a customer without a contract says so."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import Served, shot, sign_in


def test_each_customer_shows_its_contract_standing(browser: Any, served: Served) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/customers")
    page.wait_for_selector("#customers table tbody tr", timeout=60_000)
    headers = page.locator("#customers th").all_inner_texts()
    rows = {
        r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
        for r in page.locator("#customers tbody tr").all()
    }
    assert {"acme", "globex", "initech"} <= set(rows)
    acme = dict(zip(headers, rows["acme"], strict=True))
    statement = httpx.get(
        f"{served.base}/api/v1/customers/acme/statement", headers=auth, timeout=120
    ).json()
    assert acme["period"].startswith(statement["period"])
    missed = [o for o in statement["objectives"] if o["status"] == "missed"]
    if missed:
        assert acme["standing"] == "missed" and f"{len(missed)} missed" in acme["objectives"]
    else:
        assert acme["standing"] in ("met", "at risk")
    assert statement["currency"] in acme["credits"] and acme["credits"].startswith("due ")
    for o in statement["objectives"]:
        if o["budget"] and o["budget"]["allowed"] is not None:
            left = max(0, o["budget"]["remaining"])
            assert (
                f"{o['name']}: {left} of {o['budget']['allowed']} left" in acme["error budget left"]
            )
    without = [n for n, cells in rows.items() if "no contract" in cells]
    for name in without:  # the demo's customers without a contract
        res = httpx.get(
            f"{served.base}/api/v1/customers/{name}/statement", headers=auth, timeout=120
        )
        assert res.status_code == 404
    shot(page, "customers-1440")
    page.context.close()


def test_a_budget_left_links_to_the_breached_clocks_that_used_it(
    browser: Any, served: Served
) -> None:
    auth = {"Authorization": f"Bearer {served.read_token}"}
    statement = httpx.get(
        f"{served.base}/api/v1/customers/acme/statement", headers=auth, timeout=120
    ).json()
    used = {
        o["name"]: o["budget"]["used"]
        for o in statement["objectives"]
        if o["budget"] and o["budget"]["allowed"] is not None
    }
    assert used, "the demo's acme contract has objectives with an error budget"
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.goto(f"{served.base}/customers")
    page.wait_for_selector("#customers table tbody tr")
    row = page.locator("#customers tbody tr", has=page.locator("td:first-child", has_text="acme"))
    links = [(str(a.get_attribute("href")), a.inner_text()) for a in row.locator("a.drill").all()]
    assert len(links) == len(used)
    for href, text in links:
        name = text.split(":")[0]
        page.goto(f"{served.base}{href}")
        page.wait_for_selector("#clocks-count")
        said = re.match(r"(\d+) ", page.inner_text("#clocks-count"))
        assert said and int(said.group(1)) == used[name], (href, page.inner_text("#clocks-count"))
        listed = page.locator("#clocks tbody tr:not(:has-text('Nothing to show.'))").count()
        assert listed == used[name]
    page.context.close()
