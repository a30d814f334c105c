"""Incremental runs: recompute only the tickets whose records can differ from a previous run's,
and keep the others' records.

A previous run at ``T1`` (written by :func:`write_run`) leaves its records and, beside them in
``_accord_tickets/``, a fingerprint of every ticket's events up to ``T1`` (how many, and the
XOR of a 64-bit hash of each one's id and content). A run at ``T2`` over the whole log then
recomputes a ticket when

- it has an event after ``T1`` (new activity; ``T2`` only judges the events up to ``T2``); or
- its events up to ``T1`` differ from the fingerprint: **late events** (stamped before ``T1``
  but arrived since), corrected or removed events, a ticket new to the log; or
- one of its previous records was still open at ``T1`` (no ``stop`` and not ``cancelled``):
  its elapsed time, state and warnings move with the as-of instant even without events.

Every other ticket's records are final: the same figures at any later as-of, so they are kept
with ``as_of`` set to ``T2``. The result equals a full run at ``T2`` (tested). Only the
relative arrival order of events with equal timestamps is not in the fingerprint: an input
whose older files are re-ordered between runs needs a full run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.core.config.resolved import Configuration
from accord.core.timeutil import Instant
from accord.errors import InputError
from accord.spark.compute import records_of
from accord.spark.output import MONTH, write_records
from accord.spark.read import SparkRead
from accord.spark.schema import CUSTOM, SPARK_RECORDS_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TICKETS_DIR = "_accord_tickets"
"""Where a run keeps its tickets' fingerprints, inside its records directory (Spark's readers
skip names starting with ``_``, so the records read back without them)."""


def fingerprints(events: DataFrame, upto: Instant) -> DataFrame:
    """Per ticket: how many of its events are at or before ``upto``, and the XOR of their
    hashes (id and content)."""
    from pyspark.sql import functions as F

    from accord.core.engine.batch.schema import CLEARED, EVENTS_SCHEMA

    content = [
        F.array_sort(F.col(CLEARED)) if c == CLEARED else F.col(c)
        for c in EVENTS_SCHEMA.names
        if c != "seq"
    ]
    # the custom fields' list is hashed as it is (element by element): through ``to_json``
    # the fingerprints cost about as much as the rest of a run's writing
    h = F.xxhash64(*content, F.col(CUSTOM))
    return (
        events.where(F.col("ts") <= F.lit(upto))
        .groupBy("ticket_id")
        .agg(F.count(F.lit(1)).alias("n"), F.bit_xor(h).alias("h"))
    )


def write_run(
    records: DataFrame, events: DataFrame, as_of: Instant, path: str, *, mode: str = "error"
) -> None:
    """The records at ``path`` (partitioned by metric and month) and the fingerprints an
    incremental run from them needs."""
    write_records(records, path, mode=mode)
    fingerprints(events, as_of).write.mode("overwrite").parquet(_tickets_path(path))


def _tickets_path(path: str) -> str:
    return path.rstrip("/") + "/" + TICKETS_DIR


def previous_as_of(previous: DataFrame) -> Instant:
    """The one as-of instant of a previous run's records."""
    from pyspark.sql import functions as F

    got = previous.select(F.unix_timestamp("as_of").alias("t")).distinct().limit(2).collect()
    if len(got) != 1:
        raise InputError("the previous records must hold exactly one as-of instant")
    return int(got[0][0])


def update_records(
    spark: SparkSession,
    read: SparkRead,
    config: Configuration,
    as_of: Instant,
    previous: str,
    *,
    partitions: int | None = None,
) -> DataFrame:
    """The records at ``as_of`` of the events of ``read`` (the whole log), from the records of
    the previous run at ``previous`` (a directory written by :func:`write_run`): only the
    tickets that need it are recomputed (see the module docstring)."""
    from pyspark.sql import functions as F

    try:
        prev = spark.read.parquet(previous)
        prints = spark.read.parquet(_tickets_path(previous))
    except Exception as e:  # AnalysisException: not there, or not Parquet
        raise InputError(
            f"{previous}: not the records of an `accord sla --engine spark --format parquet` "
            f"run ({str(e).strip().splitlines()[0]})"
        ) from None
    prev = prev.select(*(F.col(f.name).cast(f.dataType) for f in SPARK_RECORDS_SCHEMA.fields))
    t1 = previous_as_of(prev)
    if as_of < t1:
        raise InputError("--as-of must not be before the previous run's as-of")
    events = read.events
    later = events.where(F.col("ts") > F.lit(t1)).select("ticket_id")
    now = fingerprints(events, t1)
    changed = (
        now.join(prints, on="ticket_id", how="full_outer")
        .where(~_same(now["n"], prints["n"]) | ~_same(now["h"], prints["h"]))
        .select("ticket_id")
    )
    still_open = prev.where(F.col("stop").isNull() & (F.col("state") != "cancelled")).select(
        "ticket_id"
    )
    touched = later.union(changed).union(still_open).distinct()
    fresh = records_of(
        spark, events.join(touched, on="ticket_id", how="left_semi"), config, as_of, partitions
    )
    kept = prev.join(touched, on="ticket_id", how="left_anti").withColumn(
        "as_of", F.timestamp_seconds(F.lit(as_of))
    )
    return fresh.unionByName(kept).select(*SPARK_RECORDS_SCHEMA.names)


def _same(a: Column, b: Column) -> Column:
    return a.eqNullSafe(b)


__all__ = ["MONTH", "TICKETS_DIR", "fingerprints", "previous_as_of", "update_records", "write_run"]
