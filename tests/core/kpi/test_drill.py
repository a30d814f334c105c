"""KPI drill-down (accord.core.kpi.drill): the rows behind every cell are as many as its n,
for counts, shares and medians, over records and tickets, with and without dimensions."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from accord.core.config.loader import build_config
from accord.core.engine import compute
from accord.core.kpi.drill import kpi_rows
from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.facts import ticket_facts
from accord.core.kpi.frames import events_frame, records_frame
from accord.core.kpi.library import builtin_kpis
from accord.errors import InputError, NotFoundError
from tests.core.engine.helpers import agent_reply, at, created, status

AS_OF = at("2026-03-20T12:00:00Z")


def _inputs() -> tuple[Any, Any, Any]:
    config = build_config(
        {
            "calendars": {"c": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}},
            "policies": [{"name": "P", "calendar": "c", "metrics": {"first_response": "1h"}}],
        }
    )
    events = []
    for i, (day, team, minutes) in enumerate(
        [(9, "L1", 30), (9, "L2", 90), (10, "L1", 120), (16, "L2", 20), (17, "L1", 10)]
    ):
        t = f"T{i}"
        events += [
            created(f"2026-03-{day:02d}T09:00:00Z", ticket=t, team=team),
            agent_reply(
                f"2026-03-{day:02d}T{9 + minutes // 60:02d}:{minutes % 60:02d}:00Z", ticket=t
            ),
        ]
    events.append(status("2026-03-17T12:00:00Z", "solved", ticket="T4"))
    records = records_frame(compute(events, config, AS_OF))
    facts = ticket_facts(events_frame(events, []), config, AS_OF)
    return config, records, facts


@pytest.mark.parametrize(
    "kpi", ["sla_compliance", "breaches", "first_response_median", "tickets_created", "backlog"]
)
@pytest.mark.parametrize("by", [None, ["team"]])
def test_every_cell_lists_as_many_rows_as_its_n(kpi: str, by: list[str] | None) -> None:
    _, records, facts = _inputs()
    catalog = builtin_kpis()
    table = evaluate(catalog, AS_OF, records=records, facts=facts, kpis=[kpi], by=by, grain="week",
                     periods=3)  # fmt: skip
    assert table.height
    for row in table.to_dicts():
        group = {d: row[d] for d in (by or [])}
        got = kpi_rows(catalog, AS_OF, kpi, row["period"], records=records, facts=facts,
                       group=group, grain="week", periods=3)  # fmt: skip
        assert len(got) == row["n"], (kpi, row)
        if kpi == "sla_compliance" and got:
            met = sum(r["condition"] for r in got)
            assert row["value"] == pytest.approx(met / len(got))


def test_the_rows_name_their_clocks() -> None:
    _, records, facts = _inputs()
    catalog = builtin_kpis()
    got = kpi_rows(catalog, AS_OF, "breaches", "2026-W11", records=records, facts=facts,
                   group={"team": "L2"}, grain="week", periods=3)  # fmt: skip
    assert [(r["ticket_id"], r["metric"], r["state"]) for r in got] == [
        ("T1", "first_response", "breached")
    ]


@pytest.mark.parametrize("by", [None, ["team"]])
def test_a_median_of_business_time_lists_each_rows_measured_value(by: list[str] | None) -> None:
    """Rows of a measure of a column carry that column, and the median of the listed values
    is the figure: the rows say what each adds to it."""
    _, records, facts = _inputs()
    catalog = builtin_kpis()
    kpi = "first_response_median"
    table = evaluate(catalog, AS_OF, records=records, facts=facts, kpis=[kpi], by=by, grain="week",
                     periods=3)  # fmt: skip
    checked = 0
    for row in table.to_dicts():
        group = {d: row[d] for d in (by or [])}
        got = kpi_rows(catalog, AS_OF, kpi, row["period"], records=records, facts=facts,
                       group=group, grain="week", periods=3)  # fmt: skip
        if not got:
            continue
        checked += 1
        assert {r["calendar"] for r in got} == {"c"}
        values = pl.Series([r["business_elapsed"] for r in got], dtype=pl.Float64)
        assert row["value"] == pytest.approx(values.median()), (row, got)
    assert checked >= 2


def test_a_ratio_or_an_unknown_period_is_refused() -> None:
    _, records, facts = _inputs()
    catalog = builtin_kpis()
    with pytest.raises(InputError):
        kpi_rows(catalog, AS_OF, "solved_per_agent_per_day", "2026-W12", records=records,
                 facts=facts, grain="week")  # fmt: skip
    with pytest.raises(NotFoundError):
        kpi_rows(catalog, AS_OF, "breaches", "1999-W01", records=records, facts=facts, grain="week")
    assert isinstance(records, pl.DataFrame)
