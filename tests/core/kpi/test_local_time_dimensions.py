"""KPIs by hour of day and day of week: a record's cycle start in its own calendar's zone, a
ticket's creation in the evaluation's zone."""

from __future__ import annotations

from typing import Any

import polars as pl

from accord.core.config.loader import build_config
from accord.core.kpi.evaluate import calendar_zones, evaluate
from accord.core.kpi.facts import ticket_facts
from accord.core.kpi.frames import RECORDS_SCHEMA, events_frame
from accord.core.kpi.models import KpiSpec
from tests.core.engine.helpers import at, created

AS_OF = at("2026-03-11T12:00:00Z")
COUNT = KpiSpec.model_validate({"measure": {"over": "records", "agg": "count"}})
TICKETS = KpiSpec.model_validate({"measure": {"over": "tickets", "agg": "count", "at": "created"}})


def _records(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {k: None for k in RECORDS_SCHEMA}
    filled = [{**base, "metric": "first_response", "state": "met", **r} for r in rows]
    return pl.DataFrame(filled, schema=RECORDS_SCHEMA)


def test_a_records_hour_and_weekday_are_its_starts_in_its_calendars_zone() -> None:
    stop = at("2026-03-10T12:00:00Z")
    records = _records(
        [
            # Monday 23:30 UTC is Tuesday 08:30 in Tokyo and Monday 19:30 in New York
            {"ticket_id": "A", "calendar": "tokyo", "start": at("2026-03-09T23:30:00Z"),
             "stop": stop},
            {"ticket_id": "B", "calendar": "ny", "start": at("2026-03-09T23:30:00Z"),
             "stop": stop},
            {"ticket_id": "C", "calendar": "tokyo", "start": at("2026-03-10T00:10:00Z"),
             "stop": stop},
        ]
    )  # fmt: skip
    zones = {"tokyo": "Asia/Tokyo", "ny": "America/New_York"}
    for dims, want in (
        (["hour"], {("08",): 1, ("09",): 1, ("19",): 1}),
        (["weekday"], {("Tue",): 2, ("Mon",): 1}),
        (["weekday", "hour"], {("Tue", "08"): 1, ("Tue", "09"): 1, ("Mon", "19"): 1}),
    ):
        table = evaluate({"n": COUNT}, AS_OF, records=records, by=dims, periods=1, zones=zones)
        got = {tuple(r[d] for d in dims): r["value"] for r in table.to_dicts()}
        assert got == want, dims


def test_a_tickets_hour_is_its_creation_in_the_zone_asked_for() -> None:
    config = build_config(
        {
            "calendars": {"c": {"tz": "Europe/Paris", "hours": {"daily": [["00:00", "24:00"]]}}},
            "policies": [{"name": "P", "calendar": "c", "metrics": {"first_response": "1h"}}],
        }
    )
    events = [
        created("2026-03-10T08:15:00Z", ticket="A"),
        created("2026-03-10T09:45:00Z", ticket="B"),
    ]
    facts = ticket_facts(events_frame(events, []), config, AS_OF)
    table = evaluate({"t": TICKETS}, AS_OF, facts=facts, by=["hour"], periods=1,
                     tz="Europe/Paris", zones=calendar_zones(config.calendars))  # fmt: skip
    assert {r["hour"]: r["value"] for r in table.to_dicts()} == {"09": 1, "10": 1}
    assert calendar_zones(config.calendars) == {"c": "Europe/Paris"}
