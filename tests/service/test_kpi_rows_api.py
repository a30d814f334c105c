"""``GET /api/v1/kpis/{name}/rows``: every KPI value leads to the rows behind it, as many as
its n (JSON and CSV), with the same breakdown; a customer's token sees its own rows only and
never an internal KPI."""

from __future__ import annotations

import csv
import io

from tests.service.conftest import T0, Api, created, reply


def _populate(api: Api) -> None:
    api.send(
        created("a1", "A1", 0, status="new", team="L1", customer="acme"),
        reply("a2", "A1", 30),
        created("a3", "A2", 10, status="new", team="L2", customer="acme"),
        reply("a4", "A2", 130),
        created("g1", "G1", 0, status="new", team="L2", customer="globex"),
    )
    api.clock.now = T0 + 6 * 3600
    api.drain()


def test_every_value_lists_as_many_rows_as_its_n(api: Api) -> None:
    _populate(api)
    for kpi in ("sla_compliance", "breaches", "tickets_created"):
        for by in ("", "&by=team"):
            q = f"grain=day&periods=1{by}"
            values = api.get(f"/api/v1/kpis/{kpi}/values?{q}").json()["values"]
            assert values
            for v in values:
                group = f"&group=team={v['team'] or ''}" if by else ""
                got = api.get(f"/api/v1/kpis/{kpi}/rows?{q}&period={v['period']}{group}")
                assert got.status_code == 200, got.text
                assert got.json()["count"] == len(got.json()["rows"]) == v["n"], (kpi, v)
                text = api.get(
                    f"/api/v1/kpis/{kpi}/rows?{q}&period={v['period']}{group}&format=csv"
                )
                assert len(list(csv.DictReader(io.StringIO(text.text)))) == v["n"]


def test_a_customer_sees_its_own_rows(api: Api) -> None:
    _populate(api)
    got = api.get("/api/v1/kpis/tickets_created/rows?grain=day&periods=1&period=2026-03-02",
                  who="acme").json()  # fmt: skip
    assert {r["ticket_id"] for r in got["rows"]} == {"A1", "A2"}
    assert api.get("/api/v1/kpis/nope/rows?period=2026-03-02").status_code == 404
