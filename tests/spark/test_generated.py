"""On generated logs (random calendars, policies with versions, every metric, as-of anywhere,
often in the middle of tickets) Spark's records equal the local batch engine's. Each example
is a Spark job, so there are few."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.core.events import Event
from accord.io.columnar import read_columnar
from accord.io.writers import write_events
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.spark._compare import assert_same_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], int]:
    config, base = draw(configurations())
    events, as_of = draw(event_logs(base))
    return config, events, as_of


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_generated_logs_give_the_local_records(
    spark: SparkSession, case: tuple[Configuration, list[Event], int]
) -> None:
    from accord.spark import compute_records, records_table

    config, events, as_of = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        write_events(path, events)
        local = read_columnar([path], status_category=config.status_category)
        expected = compute_batch(local.events, config, as_of)
        got = records_table(
            compute_records(spark, str(path), config, as_of, partitions=3, chunk_events=7)
        )
    assert_same_records(got, expected)
