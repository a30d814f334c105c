"""The Customers page: each customer with its contract's standing in the current period
(objectives met, at risk or missed, error budget left, credits due and pending), matching the
statement the API gives; a customer without a contract says so."""

from __future__ import annotations

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
