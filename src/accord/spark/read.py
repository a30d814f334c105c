"""Events into Spark: read and checked on the executors exactly as the local reader checks
them, repeated ``event_id`` values settled over the whole log, bad rows kept.

**Files** (JSON Lines, CSV, Parquet, optionally gzipped; local, HDFS or S3-style URIs through
the session's Hadoop configuration): Spark lists them and hands each file's bytes to one task
(the ``binaryFile`` source), which runs the local columnar reader
(:func:`accord.io.columnar.read_columnar`) on them. The rows accepted and quarantined, the
reasons and the row numbers are therefore the local reader's, whatever the split of the files
over the executors. Reading runs in parallel over the files: split a log into files of at most
a few hundred megabytes (Spark's ``binaryFile`` source refuses files over 2 GiB).

**A DataFrame** with the canonical columns (the flat dialect of ``docs/events.md``): each Arrow
batch is validated as the local reader validates a Parquet file's columns
(:func:`accord.io.columnar.validate_table`). Its quarantined rows are named ``<DataFrame>``,
row ``monotonically_increasing_id() + 1`` (ascending in the DataFrame's order).

**Arrival order** (``seq``, which breaks ties on ``ts``) is file by file in the order given
(a directory's files by path), row by row within a file; for a DataFrame, its row order.

**Repeated ids**, as the local reader: the first row of an ``event_id`` (by arrival) wins; a
later row with the same content is a duplicate (dropped, counted), with other content it is
quarantined. Only rows whose id hashes like another's are compared (one aggregation over a
64-bit hash of the ids finds them), then exactly, over a window ordered by arrival. The
quarantined conflict keeps the event as read (canonical JSON) as its ``raw`` object.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from accord.core.event_validation import StatusMapper
from accord.errors import InputError
from accord.io.quarantine import QuarantineRecord, record_to_dict
from accord.spark.schema import (
    BAD,
    CUSTOM,
    ROW,
    SOURCE,
    STAGED_SCHEMA,
    bad_batch,
    staged_batch,
)
from accord.spark.session import ARROW_BATCH_ROWS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATAFRAME_SOURCE = "<DataFrame>"
_SEQ_SHIFT = 40  # seq = file index << 40 | the row's place in its file
_FILE_ERROR = -1  # the _row of a staged line that says a whole file is unreadable
BROADCAST_HASHES = 10_000
"""Repeated id hashes up to this many are collected and sent with the plan to every task,
which picks the rows to compare by them; more are matched by a shuffle join."""
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet", ".jsonl.gz", ".ndjson.gz",
             ".json.gz", ".csv.gz")  # fmt: skip


@dataclass
class SparkRead:
    """What reading produced. ``events``: the accepted events, one row per event, with the
    events table's columns (custom fields in ``custom``: ``[{name, value}]``, tagged text);
    ``quarantine``: one JSON object per quarantined row (``record``, as in a quarantine
    file), with the ``source`` index and ``row`` to order them; ``sources``: the input names.
    The rows as read are cached (``cached``): :meth:`release` frees them."""

    events: DataFrame
    quarantine: DataFrame
    duplicates: int
    rows: int
    sources: list[str]
    cached: list[DataFrame]

    def quarantined(self) -> list[QuarantineRecord]:
        """The quarantined rows in input order (collected to the driver)."""
        from accord.io.quarantine import record_from_dict

        rows = self.quarantine.orderBy(SOURCE, ROW).select("record").collect()
        return [record_from_dict(json.loads(r[0])) for r in rows]

    def release(self) -> None:
        for df in self.cached:
            df.unpersist()


def read_events(
    spark: SparkSession,
    events: DataFrame | str | Sequence[str],
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> SparkRead:
    """Read and check ``events`` (a DataFrame, or file paths / URIs, directories and globs
    as Spark reads them) on the executors; see the module docstring."""
    from pyspark.sql import DataFrame
    from pyspark.storagelevel import StorageLevel

    if isinstance(events, DataFrame):
        staged = _stage_dataframe(events, source_tz, status_category)
        sources = [DATAFRAME_SOURCE]
    else:
        paths = [events] if isinstance(events, str) else list(events)
        if not paths:
            raise InputError("no event files given")
        files, sources = _list_files(spark, [os.fspath(p) for p in paths])
        staged = _stage_files(spark, files, sources, fmt, source_tz, status_category)
    staged = staged.persist(StorageLevel.MEMORY_AND_DISK)
    return _settle(staged, sources)


# ------------------------------------------------------------------------------------ files


def _list_files(spark: SparkSession, paths: list[str]) -> tuple[list[str], list[str]]:
    """The files to read (Spark's paths) and their names for the quarantine, in reading
    order: the arguments in turn, a directory's or glob's files by path."""
    files: list[str] = []
    names: list[str] = []
    for p in paths:
        try:
            listed = (
                spark.read.format("binaryFile").load(p).select("path").orderBy("path").collect()
            )
        except Exception as e:  # Spark's AnalysisException: the path does not exist
            raise InputError(f"{p}: cannot read: {_first_line(e)}") from None
        found = [str(r[0]) for r in listed]
        if len(found) > 1 or os.path.isdir(p):
            found = [f for f in found if f.lower().endswith(_SUFFIXES)]
        if not found:
            raise InputError(f"{p}: no event files (.jsonl, .ndjson, .csv, .parquet, .gz)")
        for f in found:
            files.append(f)
            names.append(p if len(found) == 1 and not _is_pattern(p) and f.endswith(
                os.path.basename(p)) else _display(f))  # fmt: skip
    return files, names


def _is_pattern(p: str) -> bool:
    return any(ch in p for ch in "*?[{") or os.path.isdir(p)


def _display(uri: str) -> str:
    return uri[len("file:") :] if uri.startswith("file:") else uri


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _stage_files(
    spark: SparkSession,
    files: list[str],
    sources: list[str],
    fmt: str | None,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
) -> DataFrame:
    index = {f: i for i, f in enumerate(files)}
    names = list(sources)
    content = spark.read.format("binaryFile").load(files).select("path", "content")
    # one file a partition: a task reads whole files, so spread them over the executors
    content = content.repartition(max(1, len(files)), "path")

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from _read_files(batches, index, names, fmt, source_tz, status_category)

    return content.mapInArrow(read, STAGED_SCHEMA)


def _read_files(
    batches: Iterator[pa.RecordBatch],
    index: dict[str, int],
    names: list[str],
    fmt: str | None,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
) -> Iterator[pa.RecordBatch]:
    """On an executor: each file's rows through the local reader (no deduplication)."""
    from accord.errors import AccordError
    from accord.io.columnar import read_columnar
    from accord.io.readers import detect_format

    for batch in batches:
        paths = batch.column("path").to_pylist()
        contents = batch.column("content")
        for i, path in enumerate(paths):
            k = index[path]
            name = os.path.basename(path)
            with tempfile.TemporaryDirectory(prefix="accord-") as tmp:
                local = os.path.join(tmp, name)
                with open(local, "wb") as f:
                    f.write(contents[i].as_buffer())
                try:
                    read = read_columnar(
                        [local],
                        fmt=detect_format(name, fmt),
                        source_tz=source_tz,
                        status_category=status_category,
                        deduplicate=False,
                    )
                except AccordError as e:
                    yield bad_batch([(k, _FILE_ERROR, f"{names[k]}: {e.message}")])
                    continue
            bad = [
                (k, q.row, json.dumps(record_to_dict(dataclasses.replace(q, source=names[k]))))
                for q in read.quarantined
            ]
            if bad:
                yield bad_batch(bad)
            ev = read.events
            if ev.num_rows:
                seq = pa.array(
                    (np.int64(k) << _SEQ_SHIFT) + ev.column("seq").to_numpy().astype(np.int64)
                )
                ev = ev.set_column(ev.schema.get_field_index("seq"), "seq", seq)
                assert read.event_rows is not None
                staged = staged_batch(ev, k, pa.array(read.event_rows))
                # a whole file is one batch here: hand it to the JVM in small slices
                for lo in range(0, staged.num_rows, ARROW_BATCH_ROWS):
                    yield staged.slice(lo, ARROW_BATCH_ROWS)


# ------------------------------------------------------------------------------- dataframes


def _stage_dataframe(
    df: DataFrame, source_tz: tzinfo | None, status_category: StatusMapper | None
) -> DataFrame:
    from pyspark.sql import functions as F

    rid = "__accord_rid"
    names = list(df.columns)
    # numbered names on the way: Spark reads the dot of ``field.region`` as a struct field
    plain = [F.col(f"`{n}`").alias(f"__c{i}") for i, n in enumerate(names)]
    with_id = df.select(*plain, F.monotonically_increasing_id().alias(rid))

    def check(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from _check_batches(batches, rid, names, source_tz, status_category)

    return with_id.mapInArrow(check, STAGED_SCHEMA)


def _check_batches(
    batches: Iterator[pa.RecordBatch],
    rid: str,
    names: list[str],
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
) -> Iterator[pa.RecordBatch]:
    """On an executor: a DataFrame's batches validated as a Parquet file's columns."""
    from accord.io.columnar import validate_table

    for batch in batches:
        if batch.num_rows == 0:
            continue
        ids = batch.column(rid).to_numpy().astype(np.int64)
        table = pa.Table.from_batches([batch]).drop_columns([rid]).rename_columns(names)
        # ids are consecutive within a partition, hence within a batch
        events, bad = validate_table(
            table,
            source=DATAFRAME_SOURCE,
            row_numbers=ids + 1,
            first_seq=int(ids[0]),
            source_tz=source_tz,
            status_category=status_category,
        )
        if bad:
            yield bad_batch([(-1, q.row, json.dumps(record_to_dict(q))) for q in bad])
        if events.num_rows:
            rows = events.column("seq").to_numpy().astype(np.int64) + 1
            yield staged_batch(events, -1, pa.array(rows))


# ---------------------------------------------------------------------------- repeated ids


def _settle(staged: DataFrame, sources: list[str]) -> SparkRead:
    """The staged rows split into events and quarantine, repeated ids settled."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    errors = staged.where(F.col(ROW) == _FILE_ERROR).select(BAD).limit(1).collect()
    if errors:
        staged.unpersist()
        raise InputError(str(errors[0][0]))
    bad = staged.where(F.col(BAD).isNotNull()).select(
        F.col(SOURCE).alias(SOURCE), F.col(ROW).alias(ROW), F.col(BAD).alias("record")
    )
    events = staged.where(F.col(BAD).isNull()).drop(BAD)
    # a field the row does not set is no entry at all (files differ in their columns)
    events = events.withColumn(CUSTOM, F.filter(CUSTOM, lambda x: x["value"].isNotNull()))
    h = "__h"
    hashed = events.withColumn(h, F.xxhash64("event_id"))
    # one aggregation over the ids' hashes: most logs repeat no id, and then nothing else of
    # the settling runs (no join, no window, no second pass over the events)
    shared = hashed.groupBy(h).count().where(F.col("count") > 1).select(h)
    few = [r[0] for r in shared.limit(BROADCAST_HASHES + 1).collect()]
    cached = [staged]
    duplicates = 0
    conflicts: list[dict[str, Any]] = []
    if few:
        if len(few) <= BROADCAST_HASHES:
            # the few hashes go to every task: no shuffle of the events
            candidates = hashed.where(F.col(h).isin(few))
        else:  # many: a shuffle join (the aggregation runs again)
            candidates = hashed.join(shared, on=h, how="left_semi")
        w = Window.partitionBy("event_id").orderBy("seq")
        judged = (
            candidates.withColumn("__digest", _digest())
            .withColumn("__rn", F.row_number().over(w))
            .withColumn("__first_digest", F.first("__digest").over(w))
            .withColumn("__first_source", F.first(SOURCE).over(w))
            .withColumn("__first_row", F.first(ROW).over(w))
            .where(F.col("__rn") > 1)
            .withColumn("__conflict", F.col("__digest") != F.col("__first_digest"))
            .drop(h)
            .persist()  # counted, then its conflicts collected: computed once
        )
        cached.append(judged)
        n_later = judged.count()
        conflicts = [r.asDict() for r in judged.where(F.col("__conflict")).collect()]
        duplicates = n_later - len(conflicts)
        if n_later:
            events = events.join(judged.select("seq"), on="seq", how="left_anti")
    rows = staged.where(F.col(BAD).isNull() | (F.col(ROW) != _FILE_ERROR)).count()
    if conflicts:
        spark = staged.sparkSession
        records = [_conflict(r, sources) for r in conflicts]
        extra = spark.createDataFrame(records, f"{SOURCE} int, {ROW} long, record string")
        bad = bad.unionByName(extra)
    return SparkRead(events, bad, duplicates, rows, sources, cached)


def _digest() -> Any:
    """The content of an event (all but ``event_id``, ``seq`` and the staging columns) as
    one hash: equal exactly when :func:`accord.core.event_validation.canonical_content` is."""
    from pyspark.sql import functions as F

    from accord.core.engine.batch.schema import CLEARED, EVENTS_SCHEMA

    cols = [
        F.array_sort(F.col(CLEARED)).alias(CLEARED) if c == CLEARED else F.col(c)
        for c in EVENTS_SCHEMA.names
        if c not in ("event_id", "seq")
    ]
    content = F.to_json(F.struct(*cols, F.col(CUSTOM)), {"ignoreNullFields": "false"})
    return F.sha2(content, 256)


def _conflict(r: dict[str, Any], sources: list[str]) -> tuple[int, int, str]:
    """The quarantine record of a row whose id was first seen with other content, worded as
    :class:`accord.io.readers.Deduplicator` words it."""
    src, first = _name(sources, r[SOURCE]), _name(sources, r["__first_source"])
    where = f"row {r['__first_row']}" + ("" if first == src else f" of {first}")
    rec = QuarantineRecord(
        source=src,
        row=int(r[ROW]),
        field="event_id",
        reason=f"conflicts with event_id '{r['event_id']}' first seen at {where}: "
        "same id, different content",
        raw=_raw(r),
    )
    return int(r[SOURCE]), int(r[ROW]), json.dumps(record_to_dict(rec))


def _name(sources: list[str], k: int) -> str:
    return sources[k] if 0 <= k < len(sources) else DATAFRAME_SOURCE


def _raw(r: dict[str, Any]) -> dict[str, Any]:
    """The event as read, in the JSON Lines dialect (replayable from the quarantine)."""
    from accord.core.engine.batch.schema import TEXT_FIELDS, decode_tagged

    ts = datetime.fromtimestamp(int(r["ts"]), UTC).replace(microsecond=int(r["ts_us"] or 0))
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if r.get(name) is not None:
            fields[name] = r[name]
    if r.get("tags") is not None:
        fields["tags"] = list(r["tags"])
    for entry in r.get(CUSTOM) or ():
        fields[entry["name"]] = decode_tagged(entry["value"])
    for name in r.get("cleared") or ():
        fields[name] = None
    raw: dict[str, Any] = {
        "event_id": r["event_id"],
        "ticket_id": r["ticket_id"],
        "ts": ts.isoformat().replace("+00:00", "Z"),
        "kind": r["kind"],
    }
    if r.get("actor") is not None:
        raw["actor"] = r["actor"]
    if r.get("public") is not None:
        raw["public"] = r["public"]
    if fields:
        raw["fields"] = fields
    return raw
