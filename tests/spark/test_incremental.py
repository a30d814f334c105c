"""An incremental run (``--since-records``) equals a full run: new activity, late events
stamped before the previous as-of, and clocks left open are all recomputed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from accord.core.config.loader import load_config
from accord.core.events import Event
from accord.core.timeutil import parse_as_of
from accord.demo.generate import generate_events
from accord.io.writers import write_events
from tests.spark._compare import assert_same_records, canonical
from tests.spark.test_compute import DEMO_CONFIG

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

T1 = parse_as_of("2026-11-15T12:00:00Z")
T2 = parse_as_of("2026-11-24T08:00:00Z")


def test_an_incremental_run_with_late_events_equals_a_full_run(
    spark: SparkSession, tmp_path: Path
) -> None:
    from accord.spark import read_events, records_table
    from accord.spark.compute import records_of
    from accord.spark.incremental import update_records, write_run

    config = load_config(DEMO_CONFIG)
    events = list(generate_events(seed=5, end=datetime(2026, 11, 25, tzinfo=UTC), days=30,
                                  tickets=300))  # fmt: skip
    # what had arrived by the first run: every event up to T1 but some late ones
    late = [e for e in events if e.ts <= T1 and hash(e.event_id) % 17 == 0]
    late_ids = {e.event_id for e in late}
    assert late
    first: list[Event] = [e for e in events if e.ts <= T1 and e.event_id not in late_ids]
    write_events(tmp_path / "day1.jsonl", first)
    run1 = str(tmp_path / "run1")
    read1 = read_events(
        spark, [str(tmp_path / "day1.jsonl")], status_category=config.status_category
    )
    write_run(records_of(spark, read1.events, config, T1), read1.events, T1, run1)
    read1.release()

    # then: the late events and everything after T1, in a second file
    rest = [e for e in events if e.ts > T1 or e.event_id in late_ids]
    write_events(tmp_path / "day2.jsonl", rest)
    paths = [str(tmp_path / "day1.jsonl"), str(tmp_path / "day2.jsonl")]
    read2 = read_events(spark, paths, status_category=config.status_category)
    incremental = records_table(update_records(spark, read2, config, T2, run1))
    full = records_table(records_of(spark, read2.events, config, T2))
    assert_same_records(canonical(incremental), canonical(full))
    # and some tickets were really kept from the previous run, not recomputed
    prev = spark.read.parquet(run1)
    final = prev.where("stop is not null or state = 'cancelled'").select("ticket_id").distinct()
    assert final.count() > 0
    read2.release()


def test_a_changed_custom_field_changes_the_ticket_fingerprint_and_arrival_does_not(
    spark: SparkSession, tmp_path: Path
) -> None:
    import json

    from accord.spark import read_events
    from accord.spark.incremental import fingerprints

    def row(eid: str, ts: str, region: str, **extra: object) -> dict[str, object]:
        fields = {"region": region, **extra}
        return {"event_id": eid, "ticket_id": "T1", "ts": ts, "kind": "updated",
                "actor": "agent", "fields": fields}  # fmt: skip

    def prints(name: str, *files: list[dict[str, object]]) -> tuple[int, int]:
        paths = []
        for i, rows in enumerate(files):
            path = tmp_path / f"{name}-{i}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
            paths.append(str(path))
        read = read_events(spark, paths)
        try:
            got = fingerprints(read.events, T2).collect()
        finally:
            read.release()
        assert len(got) == 1
        return int(got[0]["n"]), int(got[0]["h"])

    a = row("e1", "2026-11-10T09:00:00Z", "north")
    b = row("e2", "2026-11-11T09:00:00Z", "south", product="x")
    base = prints("base", [a, b])
    assert prints("order", [b], [a]) == base  # arrival order and files are not content
    assert prints("region", [a, {**b, "fields": {"region": "west", "product": "x"}}]) != base
    assert prints("dropped", [a, {**b, "fields": {"region": "south"}}]) != base
    assert prints("moved", [a, {**b, "fields": {"region": "x", "product": "south"}}]) != base
