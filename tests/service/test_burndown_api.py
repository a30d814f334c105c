"""``GET /api/v1/customers/{customer}/burndown``: each objective's budget left at the end of
every day of the period, ending where the statement's budget ends; a customer token sees its
own contract only; internal clocks never count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import CONFIG, HOUR, T0, Api, created, make_api, reply

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 50%}
      few_breaches: {metric: first_response, max_breaches: 3}
      speed: {metric: first_response, statistic: median, max: 1h}
  globex:
    policies: [Standard]
    monthly_fee: "500"
    currency: EUR
    objectives:
      first_response: {metric: first_response, met_share: 90%}
"""
DAY = 24 * 60  # minutes


@pytest.fixture
def api(tmp_path: Path) -> Any:
    a = make_api(tmp_path, config={**CONFIG, "contracts.yaml": CONTRACTS})
    a.send(
        # acme, Gold (first response 1 h): met on 2 March, breached on 2 and 4 March
        created("a1", "A1", 0, status="new", customer="acme"),
        reply("a2", "A1", 30),
        created("a3", "A2", 10, status="new", customer="acme"),
        reply("a4", "A2", 130),
        created("a5", "A3", 2 * DAY, status="new", customer="acme"),
        reply("a6", "A3", 2 * DAY + 200),
        created("a7", "A4", 3 * DAY, status="new", customer="acme"),
        reply("a8", "A4", 3 * DAY + 5),
        created("g1", "G1", 0, status="new", customer="globex"),
        reply("g2", "G1", 30),
    )
    a.clock.now = T0 + 4 * 24 * HOUR
    a.drain()
    try:
        yield a
    finally:
        a.store.close()


def _objectives(api: Api, who: str = "read", query: str = "") -> dict[str, Any]:
    res = api.get(f"/api/v1/customers/acme/burndown{query}", who=who)
    assert res.status_code == 200, res.text
    return {o["name"]: o for o in res.json()["objectives"]}


def test_the_budget_left_falls_on_the_days_of_the_breaches(api: Api) -> None:
    got = _objectives(api)["few_breaches"]
    assert got["budget"]["allowed"] == 3
    days = [(d["date"], d["breaches"], d["remaining"]) for d in got["days"]]
    assert days == [
        ("2026-03-01", 0, 3),
        ("2026-03-02", 1, 2),
        ("2026-03-03", 0, 2),
        ("2026-03-04", 1, 1),
        ("2026-03-05", 0, 1),
        ("2026-03-06", 0, 1),
    ]
    assert got["days"][0]["start"] == "2026-03-01T00:00:00Z"
    assert got["days"][-1]["end"] == "2026-03-07T00:00:00Z"  # the day of as-of, whole


def test_the_last_day_ends_where_the_statements_budget_ends(api: Api) -> None:
    budget = {o["name"]: o for o in api.get("/api/v1/customers/acme/budget").json()["objectives"]}
    for name, o in _objectives(api).items():
        if o["budget"] is None:
            assert o["kind"] == "statistic" and o["days"] == [] and name == "speed"
            continue
        assert o["budget"] == budget[name]["budget"]
        assert o["days"][-1]["remaining"] == budget[name]["budget"]["remaining"]
        assert sum(d["breaches"] for d in o["days"]) == o["budget"]["used"]


def test_an_even_burn_reaches_zero_at_the_periods_end(api: Api) -> None:
    got = _objectives(api, query="?period=2026-03&as_of=2026-04-01T00:00:00Z")["few_breaches"]
    assert len(got["days"]) == 31
    assert got["days"][-1]["even"] == 0 and got["days"][0]["even"] == round(3 * 30 / 31, 4)


def test_a_customer_token_sees_its_own_burndown_only(api: Api) -> None:
    assert _objectives(api, who="acme") == _objectives(api)
    other = api.get("/api/v1/customers/globex/burndown", who="acme")
    missing = api.get("/api/v1/customers/nobody/burndown", who="acme")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/customers/globex/burndown").status_code == 200


@pytest.mark.parametrize(
    ("query", "param"), [("period=2026-13", "period"), ("as_of=yesterday", "as_of")]
)
def test_bad_parameters_are_named(api: Api, query: str, param: str) -> None:
    res = api.get(f"/api/v1/customers/acme/burndown?{query}")
    assert res.status_code == 400 and param in res.text
    assert api.get("/api/v1/customers/acme/burndown?period=2026-05").status_code == 400
