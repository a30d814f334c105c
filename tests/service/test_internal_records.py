"""Internal agreements (OLAs) in the service: computed and stored beside the SLA clocks when
the configuration has agreements, shown to the teams on request, and never to a
customer-scoped token, on any route (tickets list and detail, at-risk queue, compliance, KPI
catalog and values, statements, alerts, CSV exports), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import CONFIG, T0, Api, created, event, reply
from tests.service.stores import STORES, api_over

HOUR = 3600
OLA = "ola:L2-response"

AGREEMENTS = """\
agreements:
  L2-response:
    while: {team: L2}
    calendar: always
    targets: 1h
    underpins: resolution
"""

KPIS = """\
kpis:
  l2_response_met:
    description: Share of L2 holdings answered within the agreement
    measure:
      over: records
      metric: ola:L2-response
      agg: share
      where: {state: [met, breached]}
      condition: {state: met}
      at: judged_at
    direction: higher
"""

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 95%}
"""

ALERTS = """\
channels:
  log: {type: webhook, url: 'http://127.0.0.1:9/hook'}
alerts:
  l2-late:
    kind: sla_breach
    metrics: ola:L2-response
    scope: {team: L2}
    channels: log
"""


@pytest.fixture(params=STORES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    files = {
        **CONFIG,
        "agreements.yaml": AGREEMENTS,
        "kpis.yaml": KPIS,
        "contracts.yaml": CONTRACTS,
        "alerts.yaml": ALERTS,
    }
    with api_over(request.param, tmp_path, config=files) as a:
        # T1 (acme, Gold): answered in 10 minutes (first response met), resolution running;
        # held by L2 from the start, so the L2 agreement (1h) is breached after an hour
        a.send(
            created("a1", "T1", 0, status="new", team="L2", customer="acme"),
            reply("a2", "T1", 10),
            created("g1", "G1", 0, status="new", team="L1", customer="globex"),
        )
        a.clock.now = T0 + 3 * HOUR
        a.drain()
        yield a


def _no_internal(text: str) -> None:
    assert "ola:" not in text and "L2-response" not in text and "agreement" not in text


def _lists_no_ticket(text: str) -> bool:
    """No ticket in a list's JSON or CSV answer (an instant such as ...T12:00:00Z is no id)."""
    if text.lstrip().startswith("{"):
        return not json.loads(text)["items"]
    return len([line for line in text.splitlines() if line.strip()]) <= 1  # the header alone


def test_the_recompute_stores_the_agreements_clocks_beside_the_sla_clocks(api: Api) -> None:
    got = api.store.records_of(["T1"])["T1"]
    assert {r.metric for r in got} == {"first_response", "resolution", OLA}
    ola = next(r for r in got if r.metric == OLA)
    assert ola.state.value == "breached" and ola.team == "L2"


def test_the_ticket_list_never_shows_internal_clocks_to_a_customer(api: Api) -> None:
    mine = api.get("/api/v1/tickets", who="acme")
    assert mine.status_code == 200
    assert [t["ticket_id"] for t in mine.json()["items"]] == ["T1"]
    _no_internal(mine.text)
    # T1's only breached clock is internal: a customer's state filter does not see it
    assert api.get("/api/v1/tickets?state=breached", who="acme").json()["items"] == []
    for q in ("clocks=agreements", f"metric={OLA}", "clocks=agreements&format=csv"):
        res = api.get(f"/api/v1/tickets?{q}", who="acme")
        assert res.status_code == 200, q
        _no_internal(res.text)
        assert _lists_no_ticket(res.text), q
    # the teams ask for them, and by default see the SLA clocks alone
    staff = api.get("/api/v1/tickets?state=breached&clocks=agreements").json()["items"]
    assert [(t["ticket_id"], [c["metric"] for c in t["clocks"]]) for t in staff] == [("T1", [OLA])]
    assert api.get("/api/v1/tickets?state=breached").json()["items"] == []
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/tickets?format=csv").text)))
    assert {r["metric"] for r in rows} == {"first_response", "resolution"}


def test_the_ticket_detail_shows_internal_clocks_and_attribution_to_the_teams_only(
    api: Api,
) -> None:
    mine = api.get("/api/v1/tickets/T1", who="acme")
    assert mine.status_code == 200
    body = mine.json()
    assert not {"agreements", "agreement_links", "attribution"} & body.keys()
    _no_internal(mine.text)
    staff = api.get("/api/v1/tickets/T1").json()
    assert [c["metric"] for c in staff["clocks"]] == ["first_response", "resolution"]
    assert [(c["metric"], c["state"]) for c in staff["agreements"]] == [(OLA, "breached")]
    assert staff["agreements"][0]["explanation"]
    assert [(x["metric"], x["agreement"], x["state"]) for x in staff["agreement_links"]] == [
        ("resolution", OLA, "breached")
    ]
    # every clock's time split by holder sums to its own business elapsed
    attribution = staff["attribution"]
    assert attribution["dimensions"] == ["team", "assignee", "status"]
    for clock in [*staff["clocks"], *staff["agreements"]]:
        parts = [r for r in attribution["rows"] if r["metric"] == clock["metric"]]
        assert sum(r["business_elapsed"] for r in parts) == clock["business_elapsed"]
    assert {r["team"] for r in attribution["rows"]} == {"L2"}


def test_the_at_risk_queue_never_shows_internal_clocks_to_a_customer(api: Api) -> None:
    mine = api.get("/api/v1/at-risk", who="acme")
    assert {c["metric"] for c in mine.json()["items"]} == {"resolution"}
    for q in ("clocks=agreements", f"metric={OLA}", "clocks=agreements&format=csv"):
        res = api.get(f"/api/v1/at-risk?{q}", who="acme")
        assert res.status_code == 200, q
        _no_internal(res.text)
        assert _lists_no_ticket(res.text), q
    staff = api.get("/api/v1/at-risk?clocks=agreements").json()["items"]
    assert [(c["ticket_id"], c["metric"], c["risk"]) for c in staff] == [("T1", OLA, "breached")]
    assert OLA not in api.get("/api/v1/at-risk").text


def test_compliance_never_counts_internal_clocks_for_a_customer(api: Api) -> None:
    for q in ("by=metric", "by=team", "clocks=agreements&by=team", f"metric={OLA}"):
        res = api.get(f"/api/v1/compliance?{q}", who="acme")
        assert res.status_code == 200, q
        _no_internal(res.text)
    assert api.get("/api/v1/compliance?clocks=agreements", who="acme").json()["total"] == {
        "met": 0,
        "breached": 0,
        "open": 0,
        "compliance": None,
    }
    # the teams: SLA clocks by default, the agreements per team on request
    by_metric = api.get("/api/v1/compliance?by=metric").json()
    assert OLA not in {g["key"] for g in by_metric["groups"]}
    teams = api.get("/api/v1/compliance?clocks=agreements&by=team").json()
    assert [(g["key"], g["met"], g["breached"]) for g in teams["groups"]] == [("L2", 0, 1)]


def test_the_clocks_behind_a_figure_never_show_internal_clocks_to_a_customer(api: Api) -> None:
    objective = "/api/v1/customers/acme/objectives/first_response/clocks"
    urls = (
        "/api/v1/compliance/clocks?by=team&key=L2",
        "/api/v1/compliance/clocks?clocks=agreements",
        f"/api/v1/compliance/clocks?metric={OLA}",
        "/api/v1/compliance/clocks?clocks=agreements&format=csv",
        objective,
        f"{objective}?format=csv",
        f"{objective}?period=2026-03&state=breached",
    )
    for u in urls:
        res = api.get(u, who="acme")
        assert res.status_code == 200, (u, res.text)
        _no_internal(res.text)
    # an objective's clocks are the statement's, which never holds an internal clock, for
    # the teams either; they see the agreements' clocks only when they ask for them
    for u in (objective, "/api/v1/compliance/clocks?by=team&key=L2"):
        _no_internal(api.get(u).text)
    staff = api.get("/api/v1/compliance/clocks?clocks=agreements").json()
    assert [(c["ticket_id"], c["metric"]) for c in staff["clocks"]] == [("T1", OLA)]


def test_internal_kpis_are_hidden_from_a_customer_and_counted_for_the_teams(api: Api) -> None:
    names = {k["name"] for k in api.get("/api/v1/kpis", who="acme").json()["kpis"]}
    assert "l2_response_met" not in names and "sla_compliance" in names
    assert api.get("/api/v1/kpis/values?kpi=l2_response_met", who="acme").status_code == 404
    assert api.get("/api/v1/kpis/l2_response_met", who="acme").status_code == 404
    rows = "/api/v1/kpis/l2_response_met/rows?grain=day&periods=1&period=2026-03-02"
    assert api.get(rows, who="acme").status_code == 404
    assert [r["metric"] for r in api.get(rows).json()["rows"]] == [OLA]
    everything = api.get("/api/v1/kpis/values?grain=day&periods=1", who="acme")
    assert everything.status_code == 200
    _no_internal(everything.text)
    staff = api.get("/api/v1/kpis/values?kpi=l2_response_met&by=team&grain=day&periods=1")
    assert staff.status_code == 200, staff.text
    got = [(v["team"], v["value"]) for v in staff.json()["values"] if v["value"] is not None]
    assert got == [("L2", 0.0)]
    # a KPI naming no metric counts the SLA clocks alone: the internal breach is not one
    breaches = api.get("/api/v1/kpis/values?kpi=breaches&grain=day&periods=1").json()
    assert [v["value"] for v in breaches["values"]] == [0]


def test_trends_never_show_an_internal_kpi_to_a_customer_nor_count_internal_breaches(
    api: Api,
) -> None:
    internal = "/api/v1/trends?series=kpi:l2_response_met&from=2026-03-02"
    assert api.get(internal, who="acme").status_code == 404
    staff = api.get(f"{internal}&team=L2").json()["points"]
    assert [(p["value"], p["n"]) for p in staff] == [(0.0, 1)]
    for who in ("acme", "read"):
        res = api.get("/api/v1/trends?series=breaches&from=2026-03-02", who=who)
        assert res.status_code == 200 and [p["value"] for p in res.json()["points"]] == [0]
        _no_internal(res.text)


def test_statements_never_carry_internal_clocks(api: Api) -> None:
    for path in (
        "/api/v1/customers/acme/statement",
        "/api/v1/customers/acme/budget",
        "/api/v1/customers/acme/burndown",
        "/api/v1/customers/acme/statement.html",
    ):
        for who in ("acme", "read"):
            res = api.get(path, who=who)
            assert res.status_code == 200, (path, who, res.text)
            _no_internal(res.text)


def test_alerts_about_internal_clocks_reach_the_teams_never_a_customer(api: Api) -> None:
    api.runtime.alerting.run_once()  # the rule is in force from here: older breaches are past
    api.send(created("a3", "T2", 180, status="new", team="L2", customer="acme"))
    api.clock.now = T0 + 4 * HOUR + 60
    api.drain()
    api.runtime.alerting.run_once()
    staff = api.get("/api/v1/alerts").json()["items"]
    assert [(a["rule"], a["subject"], a["metric"]) for a in staff] == [("l2-late", "T2", OLA)]
    mine = api.get("/api/v1/alerts", who="acme")
    assert mine.status_code == 200 and mine.json()["items"] == []
    assert api.get(f"/api/v1/alerts/{staff[0]['id']}", who="acme").status_code == 404


def test_an_sla_rule_naming_no_metric_does_not_watch_internal_clocks(tmp_path: Path) -> None:
    rules = ALERTS.replace("    metrics: ola:L2-response\n", "")
    files = {**CONFIG, "agreements.yaml": AGREEMENTS, "alerts.yaml": rules}
    with api_over("sqlite", tmp_path, config=files) as a:
        a.runtime.alerting.run_once()
        a.send(created("a1", "T1", 0, status="new", team="L2", customer="acme"))
        a.clock.now = T0 + HOUR + 60
        a.drain()
        a.runtime.alerting.run_once()
        # the SLA clock (first response, 1h) breached and was alerted; the agreement's not
        got = [(x["subject"], x["metric"]) for x in a.get("/api/v1/alerts").json()["items"]]
        assert got == [("T1", "first_response")]


def test_a_hand_off_stops_the_agreement_clock_in_the_stored_records(api: Api) -> None:
    api.send(event("a3", "T1", 170, "updated", fields={"team": "L1"}))
    api.drain()
    ola = [r for r in api.store.records_of(["T1"])["T1"] if r.metric == OLA]
    assert [(r.state.value, r.stop) for r in ola] == [("breached", T0 + 170 * 60)]


def test_the_prometheus_clock_gauges_count_the_sla_clocks_only(api: Api) -> None:
    text = api.get("/metrics").text
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("accord_clocks{")
    )
    stored = [r for recs in api.store.records_of(["T1", "G1"]).values() for r in recs]
    assert any(r.metric == OLA for r in stored)
    assert counted == len([r for r in stored if r.metric != OLA])
