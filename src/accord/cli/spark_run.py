"""``--engine spark`` of ``accord sla`` and ``accord kpi``: the same command, run on Spark.

``--format parquet --out DIR`` writes the records as a Parquet dataset partitioned by metric and
month (and the tickets' fingerprints an incremental run needs); every other format collects the
records to the driver and writes them with the local writers, so the bytes are the local
engine's. Bad rows go to ``--quarantine FILE``, by default next to the output
(``<out>.quarantine.jsonl``; without ``--out``, next to the first input as locally).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import polars as pl
import typer

from accord.cli.breakdown import Breakdown
from accord.cli.common import err
from accord.cli.progress import Progress
from accord.cli.spark_progress import spark_phase
from accord.core.config.resolved import Configuration
from accord.core.kpi.models import KpiSpec
from accord.core.timeutil import Instant, iso
from accord.io.quarantine import QuarantineRecord

P = ParamSpec("P")
R = TypeVar("R")


def spark_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` with Spark's own failures (Py4J and PySpark errors, whose text is a JVM stack
    trace) told as one :class:`~accord.errors.AccordError` line with a hint, not a traceback."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            from accord.spark.session import spark_failure

            failure = spark_failure(e)
            if failure is None:
                raise
            raise failure from e

    return run


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/(?!/)")


def uri(path: Path) -> str:
    """A command-line path as Spark should read it: ``s3://b/k`` survives, though ``Path``
    folds it to ``s3:/b/k``."""
    text = str(path)
    return _SCHEME.sub(r"\1://", text) if _SCHEME.match(text) and len(text) > 3 else text


@spark_errors
def sla_on_spark(
    events: list[Path],
    cfg: Configuration,
    when: Instant,
    tz: tzinfo | None,
    quarantine: Path | None,
    fmt: str,
    out_path: Path | None,
    limit: int,
    master: str | None,
    since: Path | None,
    split: Breakdown | None = None,
    progress: Progress | None = None,
) -> tuple[int, str]:
    """Read and compute on Spark, then write or print as the local engine does; return the
    rows quarantined and the quarantine file (for ``--strict``). ``split``: the breakdown
    (``--breakdown``), computed by a second kernel pass and collected to the driver."""
    from accord.cli.rows import refuse_no_events, say_quarantined
    from accord.cli.sla import _scoreboard
    from accord.cli.summary import table_summary
    from accord.core.engine.batch import records_from_table
    from accord.io.records_text import TEXT_FORMATS, write_table_file, write_table_text
    from accord.spark import read_events, records_table, session, write_quarantine_rows
    from accord.spark.compute import records_of
    from accord.spark.incremental import update_records, write_run

    if since is not None and (fmt != "parquet" or out_path is None):
        # an incremental run feeds a dataset: kept records are not in the kernel's order
        raise typer.BadParameter("needs --format parquet --out DIR", param_hint="--since-records")
    if since is not None and out_path is not None and uri(since) == uri(out_path):
        raise typer.BadParameter("write the new records elsewhere", param_hint="--out")
    if since is not None and split is not None:
        # the kept records' attribution rows are not kept by the previous run
        raise typer.BadParameter("not with --since-records: run in full", param_hint="--breakdown")
    inputs = [uri(p) for p in events]
    progress = progress or Progress()
    with progress.phase("starting Spark", unit=""):
        spark = session(master)
    with spark_phase(progress, spark, "reading on Spark"):
        read = read_events(spark, inputs, source_tz=tz, status_category=cfg.status_category)
    try:
        qpath = (
            uri(quarantine)
            if quarantine
            else (uri(out_path) if out_path else inputs[0]) + ".quarantine.jsonl"
        )
        with spark_phase(progress, spark, "checking on Spark"):
            bad = write_quarantine_rows(read, qpath)
            accepted = read.events.count()
        say_quarantined(bad, qpath)
        refuse_no_events(read.rows, accepted, [], Path(qpath) if bad else None, events)
        if since is not None:
            records = update_records(spark, read, cfg, when, uri(since))
        else:
            records = records_of(spark, read.events, cfg, when)
        if fmt == "parquet" and out_path is not None:
            with spark_phase(progress, spark, "computing and writing on Spark"):
                write_run(records, read.events, when, uri(out_path), mode="overwrite")
            n = spark.read.parquet(uri(out_path)).count()
        else:
            with spark_phase(progress, spark, "computing on Spark"):
                table = records_table(records)
            n = table.num_rows
        err.print(
            f"{read.rows:,} rows read, {accepted:,} events, {read.duplicates:,} duplicates, "
            f"{bad:,} quarantined → {n:,} records as of {iso(when)}",
            highlight=False,
        )
        if fmt == "parquet" and out_path is not None:
            err.print(f"wrote {n:,} records to {out_path} (by metric and month)")
        elif fmt in TEXT_FORMATS and out_path is not None:
            write_table_file(table, out_path, fmt)
            err.print(f"wrote {n:,} records to {out_path}")
        elif fmt in TEXT_FORMATS:
            sys.stdout.flush()
            write_table_text(table, fmt, sys.stdout.buffer, indent=False)
            if fmt == "json":
                sys.stdout.buffer.write(b"\n")
            sys.stdout.buffer.flush()
        else:
            first = records_from_table(table.slice(0, limit))
            _scoreboard(table_summary(table), first, n, limit)
        if split is not None:
            from accord.cli.breakdown import write_breakdown
            from accord.spark import attribution_of, attribution_rows

            with spark_phase(progress, spark, "computing the breakdown on Spark"):
                frame = attribution_of(spark, read.events, cfg, when, split.dimensions)
                rows = attribution_rows(frame)
            write_breakdown(rows, split)
        return bad, qpath
    finally:
        read.release()


@spark_errors
def kpis_on_spark(
    events: list[Path],
    cfg: Configuration,
    when: Instant,
    tz: tzinfo | None,
    master: str | None,
    catalog: Mapping[str, KpiSpec],
    selected: list[str],
    dims: list[str] | None,
    custom: list[str],
    options: dict[str, Any],
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, dict[str, int], list[QuarantineRecord], int]:
    """``accord kpi --engine spark``: the events read and the records computed on Spark, and
    every records KPI on the records' columns aggregated there
    (:func:`accord.spark.kpi.compute_kpis`). Only KPIs over tickets or the backlog need the
    events on the driver (their ticket facts are built there), and only a records measure
    naming ticket columns needs the records there. Returns the KPI table, the counts to
    report (``events``, ``records``, ``tickets``), the quarantined rows and the rows read."""
    from accord.core.kpi.facts import policy_fields, ticket_facts
    from accord.core.kpi.frames import events_frame_of_table, records_frame_of_table
    from accord.spark import read_events, records_table, session
    from accord.spark.compute import records_of
    from accord.spark.kpi import compute_kpis, measures_of, on_spark
    from accord.spark.output import events_table

    progress = progress or Progress()
    with progress.phase("starting Spark", unit=""):
        spark = session(master)
    with spark_phase(progress, spark, "reading on Spark"):
        read = read_events(
            spark, [uri(p) for p in events], source_tz=tz, status_category=cfg.status_category
        )
    try:
        with spark_phase(progress, spark, "checking on Spark"):
            rejected = read.quarantined()
            n_events = read.events.count()
        counts = {"events": n_events, "records": 0, "tickets": 0}
        if n_events == 0:
            return pl.DataFrame(), counts, rejected, read.rows
        measures = measures_of(catalog, selected)
        by = dims or ()
        records = records_of(spark, read.events, cfg, when).persist()
        facts = None
        if any(m.over != "records" for m in measures):
            with progress.phase("ticket facts on the driver", n_events):
                fields = [*policy_fields(cfg), *custom]
                frame = events_frame_of_table(events_table(read.events), fields)
                facts = ticket_facts(frame, cfg, when, fields=custom)
            counts["tickets"] = len(facts.tickets)
        local: list[pl.DataFrame] = []

        def collected() -> pl.DataFrame:
            if not local:
                local.append(records_frame_of_table(records_table(records)))
            return local[0]

        if any(m.over == "records" and not on_spark(m, by) for m in measures):
            # before the evaluation's phase: it says what it waits for
            with spark_phase(progress, spark, "collecting records to the driver"):
                collected()
        with spark_phase(progress, spark, "aggregating KPIs on Spark"):
            table = compute_kpis(records, catalog, when, facts=facts, kpis=selected, by=dims,
                                 local_records=collected, **options)  # fmt: skip
            counts["records"] = records.count()
        records.unpersist()
    finally:
        read.release()
    return table, counts, rejected, read.rows
