"""Evaluation: empty periods, dimensions, change, forecast, bands and direction, ratios and
derived KPIs, periods in other zones, and the errors a caller can make."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from accord.core.config.loader import build_config
from accord.core.kpi.evaluate import (
    BASIS_LINEAR,
    BASIS_NOW,
    BASIS_RATIO,
    BASIS_SO_FAR,
    evaluate,
    inapplicable,
)
from accord.core.kpi.facts import ticket_facts
from accord.core.kpi.frames import RECORDS_SCHEMA, events_frame
from accord.core.kpi.models import KpiSpec
from accord.errors import InputError, NotFoundError
from tests.core.engine.helpers import at, created, status

AS_OF = at("2026-03-11T12:00:00Z")  # Wednesday; UTC week W11 from Mon 03-09
ELAPSED = (2.5 * 86400 + 1) / (7 * 86400)


def _records(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {k: None for k in RECORDS_SCHEMA}
    filled = [{**base, "metric": "first_response", "state": "met", **r} for r in rows]
    return pl.DataFrame(filled, schema=RECORDS_SCHEMA)


def _kpi(**spec: Any) -> KpiSpec:
    return KpiSpec.model_validate(spec)


COUNT = {"measure": {"over": "records", "agg": "count"}}
MEDIAN = {"measure": {"over": "records", "agg": "median", "of": "business_elapsed"}}


def _rows(table: pl.DataFrame, **where: Any) -> list[dict[str, Any]]:
    out = table
    for k, v in where.items():
        out = out.filter(pl.col(k) == v)
    return out.to_dicts()


def test_an_empty_period_counts_zero_and_has_no_median() -> None:
    records = _records([{"stop": at("2026-03-10T10:00:00Z"), "business_elapsed": 60}])
    catalog = {"n": _kpi(**COUNT), "m": _kpi(**MEDIAN)}
    table = evaluate(catalog, AS_OF, records=records, periods=3)
    by = {(r["kpi"], r["period"]): (r["value"], r["n"]) for r in table.to_dicts()}
    assert by[("n", "2026-W09")] == (0.0, 0)
    assert by[("m", "2026-W09")] == (None, 0)
    assert by[("m", "2026-W11")] == (60.0, 1)


def test_a_dimension_value_seen_in_one_period_gets_a_row_in_every_period() -> None:
    records = _records(
        [
            {"stop": at("2026-03-03T10:00:00Z"), "team": "A", "business_elapsed": 10},
            {"stop": at("2026-03-10T10:00:00Z"), "team": "B", "business_elapsed": 20},
            {"stop": at("2026-03-10T11:00:00Z"), "team": None, "business_elapsed": 30},
        ]
    )
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=records, periods=2, by=["team"])
    got = sorted((r["period"], r["team"] or "-", r["value"]) for r in table.to_dicts())
    assert got == [
        ("2026-W10", "-", 0.0), ("2026-W10", "A", 1.0), ("2026-W10", "B", 0.0),
        ("2026-W11", "-", 1.0), ("2026-W11", "A", 0.0), ("2026-W11", "B", 1.0),
    ]  # fmt: skip


def test_a_kpi_without_any_row_still_reports_every_period() -> None:
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=_records([]), periods=2, by=["team"])
    assert [(r["period"], r["team"], r["value"]) for r in table.to_dicts()] == [
        ("2026-W10", None, 0.0), ("2026-W11", None, 0.0)]  # fmt: skip


def test_change_compares_with_the_period_before_even_for_the_first_shown() -> None:
    stops = ["2026-03-02T10:00:00Z"] * 4 + ["2026-03-09T10:00:00Z"] * 5
    records = _records([{"stop": at(s)} for s in stops])
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=records, periods=1)
    [row] = table.to_dicts()
    assert (row["period"], row["value"], row["previous"]) == ("2026-W11", 5.0, 4.0)
    assert row["change"] == 1.0 and row["change_rel"] == pytest.approx(0.25)


def test_counts_forecast_by_linear_extrapolation_over_the_elapsed_share() -> None:
    records = _records([{"stop": at("2026-03-10T10:00:00Z")}] * 3)
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=records, periods=2)
    past, now = table.to_dicts()
    assert past["forecast"] is None and not past["current"]
    assert now["current"] and now["elapsed"] == pytest.approx(ELAPSED)
    assert now["forecast"] == pytest.approx(3 / ELAPSED)
    assert now["forecast_basis"] == BASIS_LINEAR


def test_medians_and_shares_forecast_their_value_so_far() -> None:
    records = _records(
        [{"stop": at("2026-03-10T10:00:00Z"), "business_elapsed": v} for v in (10, 20, 90)]
    )
    share = {"measure": {"agg": "share", "condition": {"business_elapsed": {"gt": 15}}}}
    table = evaluate({"m": _kpi(**MEDIAN), "s": _kpi(**share)}, AS_OF, records=records, periods=1)
    m, s = table.to_dicts()
    assert (m["value"], m["forecast"], m["n"], m["forecast_basis"]) == (20.0, 20.0, 3, BASIS_SO_FAR)
    assert s["forecast"] == pytest.approx(2 / 3)


def test_the_backlog_forecasts_its_value_now_and_ratios_their_parts_forecasts() -> None:
    events = [
        created("2026-03-09T09:00:00Z", ticket="A"),
        created("2026-03-10T09:00:00Z", ticket="B"),
        status("2026-03-10T10:00:00Z", "solved", ticket="B"),
    ]
    facts = ticket_facts(events_frame(events), build_config(_ONE_POLICY), AS_OF)
    catalog = {
        "backlog": _kpi(measure={"over": "backlog", "agg": "count"}),
        "solved_share": _kpi(
            ratio={
                "numerator": {"over": "tickets", "agg": "count", "where": {"solved": True}},
                "denominator": {"over": "tickets", "agg": "count"},
            }
        ),
    }
    table = evaluate(catalog, AS_OF, facts=facts, periods=1)
    backlog, ratio = table.to_dicts()
    assert (backlog["value"], backlog["forecast"], backlog["forecast_basis"]) == (
        1.0,
        1.0,
        BASIS_NOW,
    )
    assert (ratio["value"], ratio["forecast"], ratio["forecast_basis"]) == (0.5, 0.5, BASIS_RATIO)


_ONE_POLICY = {
    "calendars": {"C": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}},
    "policies": [{"name": "P", "calendar": "C", "metrics": {"first_response": "1h"}}],
}


def test_rolling_windows_have_no_unfinished_period_and_no_forecast() -> None:
    records = _records([{"stop": AS_OF - 86400}, {"stop": AS_OF - 9 * 86400}])
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=records, periods=2, rolling=7)
    assert [(r["value"], r["current"], r["forecast"]) for r in table.to_dicts()] == [
        (1.0, False, None), (1.0, False, None)]  # fmt: skip


@pytest.mark.parametrize(
    ("direction", "values", "bands"),
    [
        ("lower", [50, 100, 101, 150, 151], ["green", "green", "amber", "amber", "red"]),
        ("higher", [50, 100, 101, 150, 151], ["red", "amber", "amber", "green", "green"]),
    ],
)
def test_bands_follow_the_direction(direction: str, values: list[int], bands: list[str]) -> None:
    green, amber = (100, 150) if direction == "lower" else (150, 100)
    records = _records(
        [
            {"stop": at("2026-03-10T10:00:00Z"), "team": f"t{i}", "business_elapsed": v}
            for i, v in enumerate(values)
        ]
    )
    spec = _kpi(**MEDIAN, direction=direction, target=green,
                bands={"green": green, "amber": amber})  # fmt: skip
    table = evaluate({"m": spec}, AS_OF, records=records, periods=1, by=["team"])
    assert table.sort("team").get_column("band").to_list() == bands
    assert table.get_column("target").unique().to_list() == [float(green)]


def test_a_target_without_bands_is_green_when_met_and_red_otherwise() -> None:
    records = _records(
        [
            {"stop": at("2026-03-10T10:00:00Z"), "team": "a", "business_elapsed": 600},
            {"stop": at("2026-03-10T10:00:00Z"), "team": "b", "business_elapsed": 601},
        ]
    )
    spec = _kpi(**MEDIAN, direction="lower", target="10m")
    table = evaluate({"m": spec}, AS_OF, records=records, periods=2, by=["team"])
    got = {(r["period"], r["team"]): r["band"] for r in table.to_dicts()}
    assert got[("2026-W11", "a")] == "green" and got[("2026-W11", "b")] == "red"
    assert got[("2026-W10", "a")] is None  # no value, no band


def test_percentiles_interpolate_linearly_like_numpy() -> None:
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    records = _records(
        [{"stop": at("2026-03-10T10:00:00Z"), "business_elapsed": v} for v in values]
    )
    spec = _kpi(measure={"agg": "p90", "of": "business_elapsed"})
    [row] = evaluate({"p": spec}, AS_OF, records=records, periods=1).to_dicts()
    assert row["value"] == pytest.approx(float(np.percentile(values, 90)))


def test_a_derived_kpi_computes_its_expression_and_gives_nothing_for_division_by_zero() -> None:
    records = _records(
        [{"stop": at("2026-03-10T10:00:00Z"), "state": s} for s in ("met", "met", "breached")]
    )
    catalog = {
        "met": _kpi(measure={"agg": "count", "where": {"state": "met"}}),
        "all": _kpi(measure={"agg": "count"}),
        "pct": _kpi(expr="100 * met / all"),
    }
    table = evaluate(catalog, AS_OF, records=records, periods=2, kpis=["pct"])
    assert [r["value"] for r in table.to_dicts()] == [None, pytest.approx(200 / 3)]


def test_a_record_dimension_can_be_a_custom_field_of_its_ticket() -> None:
    events = [
        created("2026-03-09T09:00:00Z", ticket="A", region="EMEA"),
        created("2026-03-09T09:00:00Z", ticket="B", region="APAC"),
    ]
    facts = ticket_facts(events_frame(events, ["region"]), build_config(_ONE_POLICY), AS_OF,
                         fields=["region"])  # fmt: skip
    records = _records(
        [{"ticket_id": t, "stop": at("2026-03-10T10:00:00Z")} for t in ("A", "A", "B")]
    )
    table = evaluate({"n": _kpi(**COUNT)}, AS_OF, records=records, facts=facts, periods=1,
                     by=["field.region"])  # fmt: skip
    assert {r["field.region"]: r["value"] for r in table.to_dicts()} == {"APAC": 1, "EMEA": 2}


def test_periods_follow_the_zone_across_the_new_york_dst_change() -> None:
    # Sunday 2026-03-08 23:30 EDT is still week 10 in New York, but Monday in UTC
    records = _records([{"stop": at("2026-03-09T03:30:00Z")}])
    spec = _kpi(**COUNT, period={"grain": "week", "tz": "America/New_York"})
    table = evaluate({"n": spec}, AS_OF, records=records, periods=2)
    assert {r["period"]: r["value"] for r in table.to_dicts()} == {"2026-W10": 1, "2026-W11": 0}
    utc = evaluate({"n": spec}, AS_OF, records=records, periods=2, tz="UTC")
    assert {r["period"]: r["value"] for r in utc.to_dicts()} == {"2026-W10": 0, "2026-W11": 1}


def test_a_month_boundary_in_tokyo_is_local_midnight() -> None:
    records = _records([{"stop": at("2026-02-28T14:59:59Z")}, {"stop": at("2026-02-28T15:00:00Z")}])
    spec = _kpi(**COUNT, period={"grain": "month", "tz": "Asia/Tokyo"})
    table = evaluate({"n": spec}, AS_OF, records=records, periods=2)
    assert {r["period"]: r["value"] for r in table.to_dicts()} == {"2026-02": 1, "2026-03": 1}


def test_unknown_kpis_and_impossible_breakdowns_are_refused() -> None:
    catalog = {"n": _kpi(**COUNT), "t": _kpi(measure={"over": "tickets", "agg": "count"})}
    with pytest.raises(NotFoundError, match="did you mean 'n'"):
        evaluate(catalog, AS_OF, records=_records([]), kpis=["nn"])
    assert inapplicable(catalog, "t", ["metric"]) is not None
    assert inapplicable(catalog, "n", ["metric", "agent"]) is None
    with pytest.raises(InputError, match="metric"):
        evaluate(catalog, AS_OF, records=_records([]), kpis=["t"], by=["metric"])
    with pytest.raises(InputError, match="ticket facts"):
        evaluate(catalog, AS_OF, records=_records([]), kpis=["t"])


def test_a_filter_on_a_value_no_record_has_counts_zero_not_an_error() -> None:
    # no record has the state 'breached': the filter folds to a literal false, which must
    # still mean "no record", once per record
    records = _records([{"stop": at("2026-03-10T10:00:00Z"), "state": "met"}] * 3)
    # as records_frame builds it: an Enum of the states present, so 'breached' is not one
    records = records.with_columns(pl.col("state").cast(pl.Enum(["met"])))
    spec = _kpi(measure={"agg": "count", "where": {"state": "breached"}})
    [row] = evaluate({"b": spec}, AS_OF, records=records, periods=1).to_dicts()
    assert (row["value"], row["n"]) == (0.0, 0)
