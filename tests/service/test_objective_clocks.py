"""``GET /api/v1/customers/{customer}/objectives/{objective}/clocks``: each contract
objective, error budget and credit figure of a statement leads to the clocks behind it, as
many as the figure counts (the objective's clocks, met and breached; the budget's used
breaches; a per-breach credit's breaches), as JSON and CSV, judged at the same instant; a
customer's token reads its own contract only (another customer's is a 404, as its statement)
and never an internal clock; mistakes are 400, 404 or 422 naming the parameter."""

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


def url(customer: str, objective: str) -> str:
    return f"/api/v1/customers/{customer}/objectives/{objective}/clocks"


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


def _clocks(
    api: Api, objective: str, customer: str = "acme", who: str = "read", **params: Any
) -> dict[str, Any]:
    res = api.get(url(customer, objective), who=who, params=params)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    assert body["count"] == len(body["clocks"])
    return body


def _csv_rows(api: Api, objective: str, **params: Any) -> list[dict[str, str]]:
    text = api.get(url("acme", objective), params={**params, "format": "csv"}).text
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("period", ["2026-03", "current"])
def test_every_objective_lists_as_many_clocks_as_its_figures_count(api: Api, period: str) -> None:
    statement = api.get("/api/v1/customers/acme/statement", params={"period": period}).json()
    assert statement["objectives"]
    for o in statement["objectives"]:
        every = _clocks(api, o["name"], period=period)
        assert every["period"] == statement["period"] and every["as_of"] == statement["as_of"]
        assert every["count"] == o["denominator"], o["name"]
        assert _clocks(api, o["name"], period=period, state="met")["count"] == o["met"]
        breached = _clocks(api, o["name"], period=period, state="breached")
        assert breached["count"] == o["breached"]
        assert len(_csv_rows(api, o["name"], period=period)) == o["denominator"]
        if o["kind"] != "statistic":  # a count objective names its breaches' tickets
            named = sorted(b["ticket_id"] for b in o["breaches"])
            assert sorted(c["ticket_id"] for c in breached["clocks"]) == named


def test_the_budget_used_and_a_credit_count_the_listed_breaches(api: Api) -> None:
    budget = api.get("/api/v1/customers/acme/budget").json()
    statement = api.get("/api/v1/customers/acme/statement").json()
    used = {o["name"]: o["budget"]["used"] for o in budget["objectives"] if o["budget"]}
    assert used
    for name, figure in used.items():
        assert _clocks(api, name, state="breached")["count"] == figure, name
    lines = {c["objective"]: c for c in statement["credits"]}
    per_breach = lines["first_response"]
    assert per_breach["scheme"] == "per_breach"
    breaches = _clocks(api, "first_response", state="breached")
    assert Decimal(per_breach["gross"]) == Decimal("50.00") * breaches["count"] > 0
    # a tiered credit follows from the attainment, met ÷ counted of the listed clocks
    tiers = next(o for o in statement["objectives"] if o["name"] == "high")
    listed = _clocks(api, "high")
    met = sum(c["state"] == "met" for c in listed["clocks"])
    assert (met, listed["count"]) == (tiers["numerator"], tiers["denominator"])
    assert lines["high"]["scheme"] == "tiers"
    assert tiers["value"] == pytest.approx(met / listed["count"])


def test_the_listed_clocks_name_their_tickets_and_when_they_counted(api: Api) -> None:
    got = _clocks(api, "first_response")["clocks"]
    assert [(c["ticket_id"], c["state"], c["team"], c["counted_at"]) for c in got] == [
        ("A1", "met", "L2", "2026-03-02T09:30:00Z"),  # when it stopped
        ("A3", "breached", "L1", "2026-03-02T10:20:00Z"),  # open: when it breached
        ("A2", "breached", "L1", "2026-03-02T11:10:00Z"),  # stopped late: when it stopped
    ]
    assert {(c["period"], c["customer"], c["policy"]) for c in got} == {("2026-03", "acme", "Gold")}


def test_as_of_judges_the_clocks_as_the_statement_at_that_instant(api: Api) -> None:
    at = "2026-03-02T09:35:00Z"  # A1 met; A2 still running within its hour
    statement = api.get("/api/v1/customers/acme/statement", params={"as_of": at}).json()
    fr = next(o for o in statement["objectives"] if o["name"] == "first_response")
    got = _clocks(api, "first_response", as_of=at)
    assert (got["count"], got["as_of"]) == (fr["denominator"], at) == (1, at)


def test_a_customer_reads_its_own_contract_only_and_no_internal_clock(api: Api) -> None:
    mine = _clocks(api, "first_response", who="acme")
    assert (mine["customer"], mine["contract"], mine["count"]) == ("acme", "acme", 3)
    assert _clocks(api, "first_response", "globex", who="globex")["count"] == 1
    # another customer's contract is as invisible as a missing one, as its statement is
    for path in (url("globex", "first_response"), "/api/v1/customers/globex/statement"):
        res = api.get(path, who="acme")
        assert res.status_code == 404, (path, res.text)
        assert "G1" not in res.text
    for who in ("acme", "read"):
        for fmt in ("json", "csv"):
            res = api.get(url("acme", "high"), who=who, params={"format": fmt})
            assert res.status_code == 200 and "ola:" not in res.text


def test_csv_has_the_documented_columns_as_the_json_has_its_fields(api: Api) -> None:
    listed = _clocks(api, "first_response")["clocks"]
    rows = _csv_rows(api, "first_response")
    # the JSON's business_day_seconds is the page's reading aid, not a column of the export
    aid = "business_day_seconds"
    assert all(aid in c for c in listed)
    assert [list(r) for r in rows] == [[k for k in c if k != aid] for c in listed]
    assert [r["ticket_id"] for r in rows] == [c["ticket_id"] for c in listed]
    accepted = api.get(url("acme", "first_response"), headers={"accept": "text/csv"})
    asked = api.get(url("acme", "first_response"), params={"format": "csv"})
    assert accepted.headers["content-type"].startswith("text/csv")
    assert accepted.text == asked.text


@pytest.mark.parametrize(
    ("path", "params", "status", "parameter"),
    [
        (url("acme", "nope"), {}, 404, None),
        (url("initech", "first_response"), {}, 404, None),
        (url("acme", "first_response"), {"period": "2026-13"}, 400, "period"),
        (url("acme", "first_response"), {"period": "2026-05"}, 400, None),  # not started
        (url("acme", "first_response"), {"state": "open"}, 422, "state"),
        (url("acme", "first_response"), {"as_of": "then"}, 400, "as_of"),
        (url("acme", "first_response"), {"state": ["met", "breached"]}, 400, "state"),
    ],
)
def test_mistakes_answer_400_404_or_422_naming_the_parameter(
    api: Api, path: str, params: dict[str, Any], status: int, parameter: str | None
) -> None:
    res = api.get(path, params=params)
    assert res.status_code == status, res.text
    if parameter is not None:
        assert parameter in res.text


def test_the_compliance_clocks_take_no_objective_parameter(api: Api) -> None:
    # the compliance figure's list is one figure: its schema names no objective or as_of
    doc = api.get("/openapi.json").json()
    names = {p["name"] for p in doc["paths"]["/api/v1/compliance/clocks"]["get"]["parameters"]}
    assert not names & {"objective", "as_of"}
    assert "/api/v1/customers/{customer}/objectives/{objective}/clocks" in doc["paths"]
