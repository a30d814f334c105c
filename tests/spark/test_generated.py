"""On generated logs (random calendars, policies with versions, internal agreements, every
metric, as-of anywhere, often in the middle of tickets) Spark's records and attribution rows
equal the local batch engine's. Each example is a few Spark jobs, so there are few."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import attribute_batch
from accord.core.events import Event
from accord.io.columnar import read_columnar
from accord.io.writers import write_events
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.spark._compare import assert_same_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DIMENSIONS = ("team", "assignee", "status", "region", "priority")


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], int, list[str]]:
    config, base = draw(configurations(with_agreements=True))
    events, as_of = draw(event_logs(base))
    dims = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=2, unique=True))
    return config, events, as_of, dims


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_generated_logs_give_the_local_records_and_attribution(
    spark: SparkSession, case: tuple[Configuration, list[Event], int, list[str]]
) -> None:
    from accord.spark import attribution_of, attribution_rows, read_events, records_table
    from accord.spark.compute import records_of

    config, events, as_of, dims = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        write_events(path, events, custom_fields=["region"])
        local = read_columnar([path], status_category=config.status_category)
        expected, expected_rows = attribute_batch(
            local.events, config, as_of, dims, agreements=True
        )
        read = read_events(spark, [str(path)], status_category=config.status_category)
        try:
            got = records_table(
                records_of(spark, read.events, config, as_of, partitions=3, chunk_events=7)
            )
            rows = attribution_rows(
                attribution_of(spark, read.events, config, as_of, dims, partitions=2)
            )
        finally:
            read.release()
    assert_same_records(got, expected)
    assert rows.schema == expected_rows.schema
    assert rows.to_pylist() == expected_rows.to_pylist()
