"""The contract endpoints: the contracts in force, a customer's statement and budget, judged
at the request's instant; and isolation: a customer token sees its own contract only, and
another customer answers 404 exactly like one without a contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.core.timeutil import iso
from tests.service.conftest import CONFIG, T0, Api, created, make_api, reply

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
  globex:
    policies: [Standard]
    monthly_fee: "500"
    currency: EUR
    objectives:
      first_response: {metric: first_response, met_share: 90%}
"""


@pytest.fixture
def api(tmp_path: Path) -> Any:
    a = make_api(tmp_path, config={**CONFIG, "contracts.yaml": CONTRACTS})
    a.send(
        created("a1", "A1", 0, status="new", customer="acme"),
        reply("a2", "A1", 30),  # 30 minutes: met
        created("a3", "A2", 10, status="new", customer="acme"),
        reply("a4", "A2", 130),  # 2 hours against 1 hour: breached
        created("a5", "A3", 140, status="new", customer="acme"),  # open, 10 minutes in
        created("g1", "G1", 0, status="new", customer="globex"),
        reply("g2", "G1", 30),
    )
    a.clock.now = T0 + 150 * 60
    a.drain()
    try:
        yield a
    finally:
        a.store.close()


def test_contracts_in_force(api: Api) -> None:
    res = api.get("/api/v1/contracts")
    assert res.status_code == 200, res.text
    items = res.json()["items"]
    assert [(c["name"], c["customer"], c["monthly_fee"], c["currency"]) for c in items] == [
        ("acme", "acme", "1000.00", "USD"),
        ("globex", "globex", "500", "EUR"),
    ]
    assert items[0]["objectives"]["first_response"]["met_share"] == "0.95"


def test_a_customer_token_lists_its_own_contract_only(api: Api) -> None:
    res = api.get("/api/v1/contracts", who="acme")
    assert [c["name"] for c in res.json()["items"]] == ["acme"]


def test_the_statement_of_the_current_period(api: Api) -> None:
    res = api.get("/api/v1/customers/acme/statement", who="acme", params={"period": "2026-03"})
    assert res.status_code == 200, res.text
    data = res.json()
    assert (data["customer"], data["period"], data["final"]) == ("acme", "2026-03", False)
    fr = data["objectives"][0]
    # A1 met, A2 breached; A3 still open within its target counts nowhere yet
    assert (fr["numerator"], fr["denominator"], fr["status"]) == (1, 2, "missed")
    assert [b["ticket_id"] for b in fr["breaches"]] == ["A2"]
    # one breach × 50.00 = 50.00, provisional while March is not over
    assert data["credits"][0]["computation"] == "1 breach × 50.00 USD = 50.00 USD"
    assert data["totals"] == {"due": "0.00", "pending": "50.00", "waived": "0.00"}


def test_the_statement_is_judged_at_as_of(api: Api) -> None:
    # 35 minutes in: A1 is met, A2 (25 minutes in) is still running
    res = api.get("/api/v1/customers/acme/statement", params={"as_of": "2026-03-02T09:35:00Z"})
    assert res.status_code == 200, res.text
    fr = res.json()["objectives"][0]
    assert (fr["numerator"], fr["denominator"]) == (1, 1)


def test_the_budget_of_the_current_period(api: Api) -> None:
    res = api.get("/api/v1/customers/acme/budget", who="acme")
    assert res.status_code == 200, res.text
    data = res.json()
    fr = data["objectives"][0]
    assert data["period"] == "2026-03"
    assert fr["budget"] == {
        "allowed": 0, "used": 1, "remaining": -1, "basis": "floor((1 − 95%) × 2) = 0"}  # fmt: skip
    # 1 of the 2 completed clocks breached (50 %) against the 5 % allowed: burn 10
    assert (fr["burn"]["clocks"], fr["burn"]["rate"]) == (2, 10.0)
    # A3 has 50 minutes left, less than the typical (median) 75 minutes of A1 and A2
    assert [(r["ticket_id"], r["remaining"]) for r in fr["at_risk"]] == [("A3", 3000)]
    assert fr["forecast"]["status"] == "missed"
    assert data["next_period"]["period"] == "2026-04"


@pytest.mark.parametrize("path", ["statement", "budget"])
def test_another_customer_is_not_found_for_a_customer_token(api: Api, path: str) -> None:
    other = api.get(f"/api/v1/customers/globex/{path}", who="acme")
    missing = api.get(f"/api/v1/customers/nobody/{path}", who="acme")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert other.json()["error"]["message"] == "no contract for customer 'globex'"
    # an unscoped token sees globex
    assert api.get(f"/api/v1/customers/globex/{path}").status_code == 200


def test_mistakes_and_missing_tokens(api: Api) -> None:
    res = api.get("/api/v1/customers/acme/statement", params={"period": "2026-13"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "input_invalid"
    res = api.get("/api/v1/customers/acme/statement", params={"as_of": "yesterday"})
    assert res.status_code == 400
    assert api.client.get("/api/v1/contracts").status_code == 401


def test_without_a_configuration_there_are_no_contracts(tmp_path: Path) -> None:
    a = make_api(tmp_path, config=None)
    try:
        assert a.get("/api/v1/contracts").json() == {"items": []}
        assert a.get("/api/v1/customers/acme/statement").status_code == 404
    finally:
        a.store.close()


def test_an_upload_with_a_contract_mistake_is_refused_with_file_and_line(api: Api) -> None:
    bad = CONTRACTS.replace("policies: [Standard]", "policies: [Standart]")
    res = api.put("/api/v1/config", json={"files": {**CONFIG, "contracts.yaml": bad}})
    assert res.status_code == 422, res.text
    details = res.json()["error"]["details"]
    assert [(d["file"], d["line"], d["message"]) for d in details if d["severity"] == "error"] == [
        ("contracts.yaml", 12, "unknown policy 'Standart'")
    ]


def test_statement_and_budget_name_the_instant_of_their_figures(api: Api) -> None:
    for path in ("/api/v1/customers/acme/statement", "/api/v1/customers/acme/budget"):
        body = api.get(path).json()
        assert body["as_of"] == body["computed_at"] == iso(T0 + 150 * 60), path


def test_a_statement_for_now_is_served_from_its_snapshot_until_the_store_changes(
    api: Api,
) -> None:
    first = api.get("/api/v1/customers/acme/statement").json()
    api.clock.now += 30
    assert api.get("/api/v1/customers/acme/statement").json() == first
    api.send(reply("a6", "A3", 145))  # A3 answered within its hour: met
    changed = api.get("/api/v1/customers/acme/statement").json()
    assert changed["as_of"] == iso(T0 + 150 * 60 + 30)
    fr = changed["objectives"][0]
    assert (fr["numerator"], fr["denominator"]) == (2, 3)


def test_the_budget_and_the_statement_of_the_current_month_share_one_snapshot(api: Api) -> None:
    budget = api.get("/api/v1/customers/acme/budget").json()
    api.clock.now += 10
    statement = api.get("/api/v1/customers/acme/statement", params={"period": "2026-03"}).json()
    assert statement["as_of"] == budget["as_of"] == iso(T0 + 150 * 60)
    assert len(api.runtime.snapshots) == 1


def test_a_new_ticket_counts_before_its_first_recompute(api: Api) -> None:
    # its customer is known from its stored events: the statement replays them at once
    as_of = {"as_of": iso(T0 + 150 * 60)}
    before = api.get("/api/v1/customers/acme/statement", params=as_of).json()
    api.send(created("a6", "A4", 141, status="new", customer="acme"), reply("a7", "A4", 142))
    after = api.get("/api/v1/customers/acme/statement", params=as_of).json()
    counted = [o["denominator"] for o in (before["objectives"][0], after["objectives"][0])]
    assert counted == [2, 3]
