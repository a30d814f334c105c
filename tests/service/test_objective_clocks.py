"""``GET /api/v1/compliance/clocks?objective=…``: each contract objective, error budget and
credit figure of a statement leads to the clocks behind it, as many as the figure counts
(the objective's clocks, met and breached; the budget's used breaches; a per-breach credit's
breaches), as JSON and CSV, judged at the same instant; a customer's token reads its own
contract only and never an internal clock; mistakes are 400 or 404 naming the parameter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import CONFIG, T0, Api, created, reply
from tests.service.stores import STORES, api_over

AGREEMENTS = "agreements:\n  L2:\n    while: {team: L2}\n    calendar: always\n    targets: 1h\n"
CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response:
        metric: first_response
        met_share: 95%
        credit: {per_breach: "50.00"}
      high:
        metric: [first_response, resolution]
        priority: high
        met_share: 99%
        credit: {tiers: [{below: 99%, credit: 10%}]}
      at_most_one: {metric: [first_response, resolution], max_breaches: 1}
      resolution_median: {metric: resolution, statistic: median, max: 8h}
  globex:
    policies: [Standard]
    monthly_fee: "500"
    currency: EUR
    objectives:
      first_response: {metric: first_response, met_share: 90%}
"""
URL = "/api/v1/compliance/clocks"


@pytest.fixture(params=STORES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    files = {**CONFIG, "contracts.yaml": CONTRACTS, "a.yaml": AGREEMENTS}
    with api_over(request.param, tmp_path, config=files) as a:
        a.send(
            created("a1", "A1", 0, status="new", team="L2", priority="high", customer="acme"),
            reply("a2", "A1", 30),  # met
            created("a3", "A2", 10, status="new", team="L1", priority="high", customer="acme"),
            reply("a4", "A2", 130),  # breached (Gold: 1h)
            created("a5", "A3", 20, status="new", team="L1", priority="low", customer="acme"),
            reply("a6", "A3", 200),  # breached, still open at the tests' now (minute 180)
            created("a7", "A4", 140, status="new", team="L2", customer="acme"),  # open
            created("g1", "G1", 0, status="new", customer="globex"),
            reply("g2", "G1", 30),
        )
        a.clock.now = T0 + 3 * 3600
        a.drain()
        yield a


def _clocks(api: Api, who: str = "read", **params: Any) -> dict[str, Any]:
    res = api.get(URL, who=who, params=params)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    assert body["count"] == len(body["clocks"])
    return body


def _csv_rows(api: Api, **params: Any) -> list[dict[str, str]]:
    text = api.get(URL, params={**params, "format": "csv"}).text
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("period", ["2026-03", "current"])
def test_every_objective_lists_as_many_clocks_as_its_figures_count(api: Api, period: str) -> None:
    statement = api.get("/api/v1/customers/acme/statement", params={"period": period}).json()
    assert statement["objectives"]
    for o in statement["objectives"]:
        q = {"customer": "acme", "objective": o["name"], "label": period}
        every = _clocks(api, **q)
        assert every["label"] == statement["period"] and every["as_of"] == statement["as_of"]
        assert every["count"] == o["denominator"], o["name"]
        assert _clocks(api, **q, state="met")["count"] == o["met"]
        breached = _clocks(api, **q, state="breached")
        assert breached["count"] == o["breached"]
        assert len(_csv_rows(api, **q)) == o["denominator"]
        if o["kind"] != "statistic":  # a count objective names its breaches' tickets
            named = sorted(b["ticket_id"] for b in o["breaches"])
            assert sorted(c["ticket_id"] for c in breached["clocks"]) == named


def test_the_budget_used_and_a_credit_count_the_listed_breaches(api: Api) -> None:
    budget = api.get("/api/v1/customers/acme/budget").json()
    statement = api.get("/api/v1/customers/acme/statement").json()
    used = {o["name"]: o["budget"]["used"] for o in budget["objectives"] if o["budget"]}
    assert used
    for name, figure in used.items():
        q = {"customer": "acme", "objective": name, "state": "breached"}
        assert _clocks(api, **q)["count"] == figure, name
    lines = {c["objective"]: c for c in statement["credits"]}
    per_breach = lines["first_response"]
    assert per_breach["scheme"] == "per_breach"
    breaches = _clocks(api, customer="acme", objective="first_response", state="breached")
    assert Decimal(per_breach["gross"]) == Decimal("50.00") * breaches["count"] > 0
    # a tiered credit follows from the attainment, met ÷ counted of the listed clocks
    tiers = next(o for o in statement["objectives"] if o["name"] == "high")
    listed = _clocks(api, customer="acme", objective="high")
    met = sum(c["state"] == "met" for c in listed["clocks"])
    assert (met, listed["count"]) == (tiers["numerator"], tiers["denominator"])
    assert lines["high"]["scheme"] == "tiers"
    assert tiers["value"] == pytest.approx(met / listed["count"])


def test_the_listed_clocks_name_their_tickets_and_when_they_counted(api: Api) -> None:
    got = _clocks(api, customer="acme", objective="first_response")["clocks"]
    assert [(c["ticket_id"], c["state"], c["team"], c["counted_at"]) for c in got] == [
        ("A1", "met", "L2", "2026-03-02T09:30:00Z"),  # when it stopped
        ("A3", "breached", "L1", "2026-03-02T10:20:00Z"),  # open: when it breached
        ("A2", "breached", "L1", "2026-03-02T11:10:00Z"),  # stopped late: when it stopped
    ]
    assert all((c["label"], c["customer"], c["policy"]) == ("2026-03", "acme", "Gold") for c in got)


def test_as_of_judges_the_clocks_as_the_statement_at_that_instant(api: Api) -> None:
    at = "2026-03-02T09:35:00Z"  # A1 met; A2 still running within its hour
    statement = api.get("/api/v1/customers/acme/statement", params={"as_of": at}).json()
    fr = next(o for o in statement["objectives"] if o["name"] == "first_response")
    got = _clocks(api, customer="acme", objective="first_response", as_of=at)
    assert (got["count"], got["as_of"]) == (fr["denominator"], at) == (1, at)


def test_a_customer_reads_its_own_contract_only_and_no_internal_clock(api: Api) -> None:
    mine = _clocks(api, "acme", objective="first_response")
    assert mine["customer"] == "acme" and mine["count"] == 3
    other = _clocks(api, "acme", objective="first_response", customer="globex")
    assert other["clocks"] == []
    assert _clocks(api, "globex", objective="first_response")["count"] == 1
    for who in ("acme", "read"):
        text = api.get(URL, who=who, params={"objective": "high", "customer": "acme"}).text
        assert "ola:" not in text
    res = api.get(URL, who="acme", params={"objective": "high", "format": "csv"})
    assert res.status_code == 200 and "ola:" not in res.text


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"objective": "first_response"}, 400, "customer"),
        ({"objective": "nope", "customer": "acme"}, 404, None),
        ({"objective": "first_response", "customer": "initech"}, 404, None),
        ({"objective": "first_response", "customer": "acme", "label": "2026-13"}, 400, "label"),
        ({"objective": "first_response", "customer": "acme", "label": "2026-05"}, 400, None),
        ({"objective": "first_response", "customer": "acme", "state": "open"}, 400, "state"),
        ({"objective": "first_response", "customer": "acme", "by": "team"}, 400, "by"),
        ({"objective": "first_response", "customer": "acme", "as_of": "then"}, 400, "as_of"),
        ({"as_of": "2026-03-02T09:35:00Z"}, 400, "as_of"),
    ],
)
def test_mistakes_answer_400_or_404_naming_the_parameter(
    api: Api, params: dict[str, str], status: int, parameter: str | None
) -> None:
    res = api.get(URL, params=params)
    assert res.status_code == status, res.text
    if parameter is not None:
        assert parameter in res.json()["error"]["message"]
