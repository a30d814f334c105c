"""KPIs aggregated by Spark SQL over a records DataFrame equal the local evaluator's, cell for
cell: every aggregate (counts, shares, rates, sums, means, minimum, maximum, distinct counts,
medians and percentiles with the local interpolation), filters, dimensions and period grains,
on the demo log and on generated logs, without the records ever reaching the driver."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.core.events import Event
from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.frames import records_frame_of_table
from accord.core.kpi.library import builtin_kpis
from accord.core.kpi.models import KpiSpec
from accord.io.columnar import read_columnar
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.spark.test_compute import DEMO_CONFIG, MIDDLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CUSTOM: dict[str, dict[str, Any]] = {
    "p95_resolution_calendar": {"measure": {"over": "records", "metric": "resolution",
        "agg": "p95", "of": "calendar_elapsed", "where": {"state": ["met", "breached"]}}},
    "p33_paused": {"measure": {"over": "records", "agg": "percentile", "p": 33.3,
        "of": "paused_business", "where": {"paused_business": {"gt": 0}}}},
    "mean_share_of_target": {"measure": {"over": "records", "agg": "mean",
        "of": "share_of_target", "at": "start"}},
    "total_business": {"measure": {"over": "records", "agg": "sum", "of": "business_elapsed",
        "where": {"metric": {"ne": "first_response"}}}},
    "mean_breached_by": {"measure": {"over": "records", "agg": "mean", "of": "breached_by",
        "at": "judged_at"}},
    "fastest": {"measure": {"over": "records", "agg": "min", "of": "business_elapsed"}},
    "slowest": {"measure": {"over": "records", "agg": "max", "of": "remaining",
        "at": "due"}},
    "agents_judged": {"measure": {"over": "records", "agg": "count_distinct", "of": "assignee",
        "at": "judged_at"}},
    "breaches_per_day": {"measure": {"over": "records", "agg": "rate",
        "where": {"state": "breached", "customer": {"not_in": ["nobody"]}},
        "at": "breached_at"}},
    "late_share": {"measure": {"over": "records", "agg": "share",
        "condition": {"breached_now": True, "cycle": {"ge": 1}},
        "where": {"has_target": True, "assignee": {"exists": True}}, "at": "judged_at"}},
    "open_clocks": {"measure": {"over": "records", "agg": "count",
        "where": {"stop": {"exists": False}}, "at": "start"}},
    "compliance_ratio": {"ratio": {
        "numerator": {"over": "records", "agg": "count", "where": {"state": "met"},
                      "at": "judged_at"},
        "denominator": {"over": "records", "agg": "count",
                        "where": {"state": ["met", "breached"]}, "at": "judged_at"}}},
    "met_minus_breached": {"expr": "compliance_ratio - breaches / 100"},
}  # fmt: skip


def _catalog(config: Configuration) -> dict[str, KpiSpec]:
    metrics = [m for m in config.metric_names()]
    out = {k: v for k, v in builtin_kpis(metrics).items() if _records_only(v)}
    out.update({k: KpiSpec.model_validate(v) for k, v in CUSTOM.items()})
    return out


def _records_only(spec: KpiSpec) -> bool:
    m = spec.measure
    return m is not None and m.over == "records"


def _never() -> pl.DataFrame:
    raise AssertionError("the records were collected to the driver")


FLOAT_SUMS = frozenset({"mean_share_of_target"})
"""Means of a non-integer column: Spark adds the values in another order than the local
evaluator, so they may differ in the last bits (docs/spark.md); every other figure is exact."""


def _same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.columns == want.columns
    assert got.height == want.height
    for a, b in zip(got.to_dicts(), want.to_dicts(), strict=True):
        if a["kpi"] in FLOAT_SUMS:
            for k in ("value", "previous", "change", "change_rel", "forecast"):
                x, y = a.pop(k), b.pop(k)
                assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-12), (k, x, y)
        assert a == b, (a, b)


def _both(
    records: DataFrame, local: pl.DataFrame, catalog: dict[str, KpiSpec], as_of: int, **kw: Any
) -> tuple[pl.DataFrame, pl.DataFrame]:
    from accord.spark.kpi import compute_kpis

    got = compute_kpis(records, catalog, as_of, local_records=_never, **kw)
    return got, evaluate(catalog, as_of, records=local, **kw)


@pytest.fixture(scope="module")
def demo_records(spark: SparkSession, demo_log: Path) -> tuple[DataFrame, pl.DataFrame]:
    from accord.spark import compute_records

    config = load_config(DEMO_CONFIG)
    records = compute_records(spark, str(demo_log), config, MIDDLE).persist()
    read = read_columnar([demo_log], status_category=config.status_category)
    local = records_frame_of_table(compute_batch(read.events, config, MIDDLE, agreements=True))
    return records, local


@pytest.mark.parametrize(
    ("by", "period"),
    [
        ((), {"grain": "week"}),
        (("team", "metric"), {"grain": "month", "tz": "Europe/Berlin"}),
        (("policy_version", "breached_now", "agent"), {"rolling": 10}),
    ],
)
def test_kpis_aggregated_on_spark_equal_the_local_evaluation_on_the_demo_log(
    demo_records: tuple[DataFrame, pl.DataFrame], by: tuple[str, ...], period: dict[str, Any]
) -> None:
    records, local = demo_records
    catalog = _catalog(load_config(DEMO_CONFIG))
    got, want = _both(records, local, catalog, MIDDLE, by=list(by) or None, periods=4, **period)
    _same(got, want)
    # the figures are there: medians, percentiles and shares with values in several periods
    values = want.filter(pl.col("value").is_not_null())
    assert {"first_response_p90", "p33_paused", "late_share", "sla_compliance"} <= set(
        values.get_column("kpi").to_list()
    )


def test_a_kpi_on_ticket_columns_is_evaluated_from_the_collected_records(
    demo_records: tuple[DataFrame, pl.DataFrame], demo_log: Path
) -> None:
    from accord.core.kpi.facts import ticket_facts
    from accord.core.kpi.frames import events_frame_of_table
    from accord.spark.kpi import compute_kpis, on_spark

    records, local = demo_records
    config = load_config(DEMO_CONFIG)
    spec = KpiSpec.model_validate({"measure": {"over": "records", "agg": "count",
        "where": {"field.region": "eu"}}})  # fmt: skip
    assert spec.measure is not None and not on_spark(spec.measure, ())
    catalog = {"eu_records": spec, "tickets_created": builtin_kpis()["tickets_created"]}
    read = read_columnar([demo_log], status_category=config.status_category)
    facts = ticket_facts(events_frame_of_table(read.events, ["region"]), config, MIDDLE,
                         fields=["field.region"])  # fmt: skip
    asked: list[int] = []

    def collect() -> pl.DataFrame:
        asked.append(1)
        return local

    got = compute_kpis(records, catalog, MIDDLE, facts=facts, local_records=collect)
    assert asked == [1]
    _same(got, evaluate(catalog, MIDDLE, records=local, facts=facts))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_kpis_on_spark_equal_the_local_evaluation_on_generated_logs(
    spark: SparkSession, data: st.DataObject
) -> None:
    import pyarrow as pa

    from accord.core.engine.batch import events_to_table
    from accord.spark.schema import SPARK_RECORDS_SCHEMA, to_spark

    config, base = data.draw(configurations(with_agreements=True))
    events: list[Event]
    events, as_of = data.draw(event_logs(base))
    table = compute_batch(events_to_table(events), config, as_of, agreements=True)
    batches = to_spark(table)
    arrow = pa.Table.from_batches(batches) if batches else None
    records = spark.createDataFrame(arrow if arrow is not None else [], SPARK_RECORDS_SCHEMA)
    catalog = {k: v for k, v in CUSTOM.items() if k not in ("met_minus_breached",)}
    specs = {k: KpiSpec.model_validate(v) for k, v in catalog.items()}
    by = data.draw(st.sampled_from([(), ("team",), ("metric", "cycle")]))
    got, want = _both(records, records_frame_of_table(table), specs, as_of, by=list(by) or None,
                      grain="day", periods=30)  # fmt: skip
    _same(got, want)
