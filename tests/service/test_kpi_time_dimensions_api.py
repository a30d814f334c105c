"""``GET /api/v1/kpis/values?by=hour|weekday``: KPIs by hour of day and day of week, a
record's in its calendar's zone (the test calendar is UTC)."""

from __future__ import annotations

from tests.service.conftest import T0, Api, created, reply


def test_compliance_by_hour_and_weekday_of_the_clocks_start(api: Api) -> None:
    api.send(
        created("a1", "A1", 0, status="new", customer="acme"),  # Monday 09:00, answered: met
        reply("a2", "A1", 30),
        created("a3", "A2", 70, status="new", customer="acme"),  # 10:10, answered late
        reply("a4", "A2", 200),
    )
    api.clock.now = T0 + 4 * 3600
    api.drain()
    q = "/api/v1/kpis/values?kpi=sla_compliance_first_response&grain=day&periods=1"
    hours = api.get(q + "&by=hour").json()["values"]
    assert {v["hour"]: v["value"] for v in hours} == {"09": 1.0, "10": 0.0}
    days = api.get(q + "&by=weekday").json()["values"]
    assert {v["weekday"]: v["n"] for v in days} == {"Mon": 2}
    catalog = api.get("/api/v1/kpis").json()["kpis"]
    assert {"hour", "weekday"} <= set(
        next(k for k in catalog if k["name"] == "sla_compliance")["dimensions"]
    )
