"""A customer-scoped token sees its customer's tickets and summaries only; every other
ticket answers as if it did not exist, and cross-customer views are refused."""

from __future__ import annotations

import csv
import io

import pytest

from tests.service.conftest import Api


def test_the_ticket_list_shows_only_the_customers_tickets(populated: Api) -> None:
    body = populated.get("/api/v1/tickets", who="acme").json()
    assert [t["ticket_id"] for t in body["items"]] == ["T1", "T2"]
    other = populated.get("/api/v1/tickets?customer=globex", who="acme").json()
    assert (other["items"], other["next_cursor"], other["total"]) == ([], None, 0)
    text = populated.get("/api/v1/tickets?format=csv", who="acme").text
    assert {row["ticket_id"] for row in csv.DictReader(io.StringIO(text))} == {"T1", "T2"}


def test_another_customers_ticket_answers_like_a_missing_one(populated: Api) -> None:
    hidden = populated.get("/api/v1/tickets/T3", who="acme")
    missing = populated.get("/api/v1/tickets/T9", who="acme")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"]
    assert populated.get("/api/v1/tickets/T3", who="globex").status_code == 200


def test_the_queue_shows_only_the_customers_clocks(populated: Api) -> None:
    body = populated.get("/api/v1/at-risk", who="globex").json()
    assert {c["ticket_id"] for c in body["items"]} == {"T3"}
    assert populated.get("/api/v1/at-risk?customer=acme", who="globex").json()["items"] == []
    text = populated.get("/api/v1/at-risk?format=csv", who="globex").text
    assert {row["ticket_id"] for row in csv.DictReader(io.StringIO(text))} == {"T3"}


def test_compliance_counts_only_the_customers_clocks(populated: Api) -> None:
    body = populated.get("/api/v1/compliance?by=customer", who="acme").json()
    assert {g["key"] for g in body["groups"]} == {"acme"}
    other = populated.get("/api/v1/compliance?customer=globex", who="acme").json()
    assert other["groups"] == [] and other["total"]["open"] == 0
    by_policy = populated.get("/api/v1/compliance?by=policy", who="acme").json()
    assert {g["key"] for g in by_policy["groups"]} == {"Gold"}


def test_the_clocks_behind_figures_are_only_the_customers(populated: Api) -> None:
    own = populated.get("/api/v1/compliance/clocks", who="acme").json()
    assert {c["ticket_id"] for c in own["clocks"]} <= {"T1", "T2"} and own["clocks"]
    for q in ("customer=globex", "by=customer&key=globex", "by=team&key=support&customer=globex"):
        other = populated.get(f"/api/v1/compliance/clocks?{q}", who="acme").json()
        assert (other["count"], other["clocks"]) == (0, []), q
    # an objective of another customer's contract: 404 as its statement, never its clocks
    path = "/api/v1/customers/globex/objectives/first_response/clocks"
    for fmt in ("json", "csv"):
        res = populated.get(path, who="acme", params={"format": fmt})
        assert res.status_code == 404 and "T3" not in res.text, fmt


def test_trends_count_only_the_customers_tickets(populated: Api) -> None:
    path = "/api/v1/trends?series=kpi:tickets_created&grain=week&from=2026-03-02"
    everyone = populated.get(path).json()["points"]
    mine = populated.get(path, who="acme").json()["points"]
    assert [p["value"] for p in everyone] == [3] and [p["value"] for p in mine] == [2]
    other = populated.get(f"{path}&customer=globex", who="acme").json()["points"]
    assert [(p["value"], p["n"]) for p in other] == [(0, 0)]
    for series in ("compliance", "breaches", "backlog"):
        res = populated.get(f"/api/v1/trends?series={series}&customer=globex", who="acme")
        assert res.status_code == 200 and all(p["n"] == 0 for p in res.json()["points"])


def test_another_customers_burndown_answers_like_a_missing_one(populated: Api) -> None:
    other = populated.get("/api/v1/customers/globex/burndown", who="acme")
    missing = populated.get("/api/v1/customers/nobody/burndown", who="acme")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]


@pytest.mark.parametrize(
    "path", ["/api/v1/config", "/metrics", "/api/v1/jobs/x", "/api/v1/quarantine", "/api/v1/tokens"]
)
def test_views_across_customers_are_refused_to_a_customer_token(populated: Api, path: str) -> None:
    res = populated.get(path, who="acme")
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "forbidden"


def test_a_customer_token_is_never_served_a_snapshot_of_figures_computed_for_another_caller(
    populated: Api,
) -> None:
    # each read happens with the others' snapshots fresh in the memo (same store, same instant)
    path = "/api/v1/kpis/values?kpi=tickets_created&by=customer&grain=day&periods=1"
    everyone = populated.get(path, who="read")
    assert everyone.status_code == 200, everyone.text
    assert {"acme", "globex"} <= {r["customer"] for r in everyone.json()["values"]}
    for who, other in (("acme", "globex"), ("globex", "acme"), ("acme", "globex")):
        res = populated.get(path, who=who)
        assert res.status_code == 200, res.text
        assert {r["customer"] for r in res.json()["values"]} - {None} == {who}
        assert other not in res.text
