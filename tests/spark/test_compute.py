"""Spark's records equal the local batch engine's, record for record: on the demo log with its
calendars and policy versions, at an as-of in the middle of tickets, with tickets spread over
several files and partitions, from a DataFrame, and with bad and repeated rows quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

import accord.demo
from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.core.events import Event
from accord.core.timeutil import parse_as_of
from accord.demo.generate import generate_events
from accord.io.columnar import read_columnar
from accord.io.quarantine import read_quarantine
from accord.io.writers import write_events
from tests.spark._compare import assert_same_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEMO_CONFIG = Path(accord.demo.__file__).parent / "config"
END = datetime(2026, 11, 25, 12, tzinfo=UTC)
MIDDLE = parse_as_of("2026-11-18T15:30:00Z")  # a week before the log ends: many open clocks


@pytest.fixture(scope="module")
def config() -> Configuration:
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def demo_events() -> list[Event]:
    return list(generate_events(seed=11, end=END, days=30, tickets=400))


def _local(paths: list[Path], config: Configuration, as_of: int) -> pa.Table:
    read = read_columnar(paths, status_category=config.status_category)
    return compute_batch(read.events, config, as_of, agreements=True)


def test_records_equal_the_local_engine_on_the_demo_log(
    spark: SparkSession, config: Configuration, demo_log: Path, tmp_path: Path
) -> None:
    from accord.spark import SPARK_RECORDS_SCHEMA, compute_records, records_table

    df = compute_records(spark, str(demo_log), config, MIDDLE, quarantine=str(tmp_path / "q"))
    assert df.schema == SPARK_RECORDS_SCHEMA
    assert [f.name for f in SPARK_RECORDS_SCHEMA] == list(
        __import__("accord.core.engine.batch.schema").core.engine.batch.schema.RECORDS_SCHEMA.names
    )
    got = records_table(df)
    expected = _local([demo_log], config, MIDDLE)
    assert_same_records(got, expected)
    # the log exercises several calendars and policy versions, and clocks still open
    assert len(set(expected.column("calendar").to_pylist())) >= 2
    assert len(set(expected.column("policy_version").to_pylist())) >= 2
    states = set(expected.column("state").to_pylist())
    assert {"running", "met", "breached"} <= states
    assert not (tmp_path / "q").exists()  # nothing bad, nothing written


def test_a_ticket_spread_over_files_and_partitions_gives_the_local_records(
    spark: SparkSession, config: Configuration, demo_events: list[Event], tmp_path: Path
) -> None:
    from accord.spark import compute_records, records_table

    # every third event to each of three files in three formats: each ticket is cut in three
    parts = [demo_events[k::3] for k in range(3)]
    paths = [tmp_path / "a.jsonl", tmp_path / "b.csv", tmp_path / "c.parquet"]
    for path, part in zip(paths, parts, strict=True):
        write_events(path, part, custom_fields=["region"])
    ticket = demo_events[0].ticket_id
    assert all(any(e.ticket_id == ticket for e in part) for part in parts)
    # five partitions, and kernel runs of 40 events: tickets are gathered across batches
    df = compute_records(
        spark, [str(p) for p in paths], config, MIDDLE, partitions=5, chunk_events=40
    )
    assert df.rdd.getNumPartitions() == 5
    assert_same_records(records_table(df), _local(paths, config, MIDDLE))


def test_a_dataframe_of_events_gives_the_local_records(
    spark: SparkSession, config: Configuration, demo_events: list[Event], tmp_path: Path
) -> None:
    from accord.spark import compute_records, records_table

    path = tmp_path / "events.parquet"
    write_events(path, demo_events, custom_fields=["region"])
    df = spark.read.parquet(str(path)).repartition(3)
    got = records_table(compute_records(spark, df, config, MIDDLE))
    assert_same_records(got, _local([path], config, MIDDLE))


def _row(event_id: str, ticket: str, ts: str, kind: str = "message", **extra: object) -> str:
    row = {"event_id": event_id, "ticket_id": ticket, "ts": ts, "kind": kind, **extra}
    return json.dumps(row)


@pytest.mark.parametrize("broadcast", [True, False], ids=["few-hashes", "join"])
def test_bad_and_conflicting_rows_are_quarantined_next_to_the_output_never_dropped(
    spark: SparkSession,
    config: Configuration,
    demo_log: Path,
    tmp_path: Path,
    broadcast: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import accord.spark.read
    from accord.spark import compute_records, read_events, records_table

    if not broadcast:  # more repeated hashes than are broadcast: the shuffle join settles them
        monkeypatch.setattr(accord.spark.read, "BROADCAST_HASHES", 0)

    extra = tmp_path / "extra.jsonl"
    first = json.loads(demo_log.read_text().splitlines()[0])
    lines = [
        _row("x-1", "Z1", "2026-11-10T09:00:00Z", "created", actor="customer"),
        "{not json",
        _row("x-2", "Z1", "yesterday", actor="agent", public=True),  # bad instant
        _row("x-3", "Z1", "2026-11-10T10:00:00Z", "message"),  # a message needs an actor
        json.dumps(first),  # the same event again: a duplicate
        json.dumps({**first, "ts": "2026-11-01T00:00:00Z"}),  # same id, other content
        _row("x-1", "Z1", "2026-11-10T09:00:00Z", "created", actor="customer"),  # duplicate
    ]
    extra.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out" / "records.parquet.quarantine.jsonl"
    paths = [demo_log, extra]
    df = compute_records(spark, [str(p) for p in paths], config, MIDDLE, quarantine=str(out))
    got = records_table(df)
    local = read_columnar(paths, status_category=config.status_category)
    assert_same_records(got, compute_batch(local.events, config, MIDDLE, agreements=True))
    kept = read_quarantine(out)
    assert [(q.source, q.row, q.field, q.reason) for q in kept] == [
        (q.source, q.row, q.field, q.reason) for q in local.quarantined
    ]
    assert len(kept) == 4  # the unreadable line, the bad instant, no actor, the conflict
    assert any("same id, different content" in q.reason for q in kept)
    read = read_events(spark, [str(p) for p in paths], status_category=config.status_category)
    try:
        assert local.duplicates == 2  # the demo's first event again, and x-1 again
        assert (read.duplicates, read.rows) == (local.duplicates, local.rows)
    finally:
        read.release()


def test_a_log_without_repeated_ids_counts_no_duplicates(
    spark: SparkSession, config: Configuration, demo_log: Path
) -> None:
    from accord.spark import read_events

    local = read_columnar([demo_log], status_category=config.status_category)
    read = read_events(spark, [str(demo_log)], status_category=config.status_category)
    try:
        assert local.duplicates == 0
        assert (read.duplicates, read.rows) == (0, local.rows)
        assert read.events.count() == local.events.num_rows
    finally:
        read.release()


def test_a_dataframe_with_bad_rows_needs_a_quarantine(
    spark: SparkSession, config: Configuration
) -> None:
    from accord.errors import InputError
    from accord.spark import compute_records

    df = spark.createDataFrame(
        [("e1", "T1", "2026-11-10T09:00:00Z", "created"), ("e2", "T1", "never", "updated")],
        "event_id string, ticket_id string, ts string, kind string",
    )
    with pytest.raises(InputError, match="quarantine"):
        compute_records(spark, df, config, MIDDLE)
