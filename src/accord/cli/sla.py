"""``accord sla EVENTS --config DIR``: compute every SLA clock at an as-of instant."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from accord.cli.breakdown import Breakdown, parse_breakdown, write_breakdown
from accord.cli.common import (
    as_of_or_now,
    err,
    handle_errors,
    jobs_for,
    must_exist,
    out,
    usable_cores,
)
from accord.cli.progress import Progress, Quiet
from accord.cli.rows import Quarantine, Strict, keep_quarantine, refuse_no_events, strict_exit
from accord.cli.summary import Figures, record_figures, render_figures, table_summary
from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine import attribute, compute
from accord.core.engine.attribution import attribution_table
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant, format_duration, iso, zone
from accord.io.readers import read_many
from accord.io.records_out import records_to_csv, write_records
from accord.io.records_text import TEXT_FORMATS, write_table_file, write_table_text

if TYPE_CHECKING:
    import pyarrow as pa

    from accord.core.engine.batch.stream import Records

SLA_JOBS_HELP = (
    "Threads for the batch engine (default: a Parquet log read on every core, the records "
    "computed on threads chosen from the input size: 1 below 10M events, then one per 5M "
    "events, at most the cores)"
)
FORMATS = ("table", "csv", "json", "jsonl", "parquet")
ENGINES = ("batch", "reference", "spark")


@handle_errors
def sla(
    events: Annotated[
        list[Path], typer.Argument(metavar="EVENTS", help="Event files: .jsonl, .csv, .parquet")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="Configuration directory")
    ],
    as_of: Annotated[
        str | None,
        typer.Option(metavar="TS", help="Judge the clocks at this instant (default: now)"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))
    ] = "table",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", metavar="FILE", help="Write to a file")
    ] = None,
    quarantine: Quarantine = None,
    source_tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of timestamps that carry no offset"),
    ] = None,
    limit: Annotated[int, typer.Option(metavar="N", help="Rows shown by --format table")] = 30,
    engine: Annotated[
        str,
        typer.Option(
            metavar="ENGINE",
            help="batch: the vectorised engine (default); reference: the plain one, which also "
            "fills each record's explanation",
        ),
    ] = "batch",
    jobs: Annotated[int | None, typer.Option(min=1, metavar="N", help=SLA_JOBS_HELP)] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="--engine spark: the Spark master (default: spark-submit's, or local[2])",
        ),
    ] = None,
    since_records: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="--engine spark: the records directory of a previous run; recompute only the "
            "tickets that changed since (docs/spark.md)",
        ),
    ] = None,
    breakdown: Annotated[
        str | None,
        typer.Option(
            metavar="DIMS",
            help="Split every clock's time by these holders, e.g. team,assignee (also status, "
            "channel, any field): one row per cycle and holder",
        ),
    ] = None,
    breakdown_out: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Where the breakdown goes (.csv, .jsonl, .json, .parquet); default: "
            "beside --out, as <name>.breakdown.<format>",
        ),
    ] = None,
    strict: Strict = False,
    quiet: Quiet = False,
) -> None:
    """Compute one record per ticket × metric × cycle and print or write them (the internal
    agreements' records too, metric ola:<name>).

    Bad rows are quarantined (their count and file are printed on stderr); an input that
    gives no event exits 4, and with --strict any quarantined row exits 10.
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt == "parquet" and out_path is None:
        raise typer.BadParameter("parquet needs --out FILE", param_hint="--format")
    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    if engine == "reference" and jobs not in (None, 1):
        raise typer.BadParameter("the reference engine runs in one process", param_hint="--jobs")
    must_exist(config, "the configuration")
    if engine != "spark" and (spark_master or since_records):
        hint = "--spark-master" if spark_master else "--since-records"
        raise typer.BadParameter("only with --engine spark", param_hint=hint)
    split = parse_breakdown(breakdown, breakdown_out, fmt, out_path)
    if engine == "batch" and (jobs or usable_cores()) > 1:
        _start_compiler_aside()
    cfg = load_config(config)
    tz = None
    if source_tz:
        try:
            tz = zone(source_tz)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--source-tz") from None
    when = as_of_or_now(as_of)
    if engine == "spark":
        from accord.cli.spark_run import sla_on_spark

        rejected, spark_q = sla_on_spark(
            events,
            cfg,
            when,
            tz,
            quarantine,
            fmt,
            out_path,
            limit,
            spark_master,
            since_records,
            split,
            Progress(quiet),
        )
        if strict:
            strict_exit(rejected, spark_q)
        return
    progress = Progress(quiet)
    if engine == "reference":
        with progress.phase("reading") as phase:
            read = read_many(events, source_tz=tz, status_category=cfg.status_category)
            phase.update(len(read.events))
        qpath = keep_quarantine(read.quarantined, quarantine, events)
        refuse_no_events(read.rows, len(read.events), read.quarantined, qpath, events)
        with progress.phase("computing", len(read.events)) as phase:
            if split is None:
                records = compute(read.events, cfg, when, agreements=True)
            else:
                records, rows = attribute(read.events, cfg, when, split.dimensions, agreements=True)
            phase.update(len(read.events))
        _counts(read.rows, len(read.events), read.duplicates, len(read.quarantined), records, when)
        _emit(records, fmt, out_path, limit)
        if split is not None:
            write_breakdown(attribution_table(rows, split.dimensions, when), split)
        rejected = len(read.quarantined)
    else:
        rejected, qpath = _batch(
            events, cfg, when, tz, quarantine, fmt, out_path, limit, jobs, split, progress
        )
    if strict:
        strict_exit(rejected, qpath)


def _start_compiler_aside() -> None:
    """numba's compiler initialised on a thread of its own (the batch engine's first compiled
    loop would otherwise pay for it on the main thread, in the reading), while the main
    thread loads the configuration and opens the log: for a run on more than one thread."""
    import threading

    from accord.core.engine.batch._jit import start_compiler

    threading.Thread(target=start_compiler, name="accord-numba", daemon=True).start()


def _batch(
    events: list[Path],
    cfg: Configuration,
    when: Instant,
    tz: tzinfo | None,
    quarantine: Path | None,
    fmt: str,
    out_path: Path | None,
    limit: int,
    jobs: int | None,
    split: Breakdown | None = None,
    progress: Progress | None = None,
) -> tuple[int, Path | None]:
    """Read, compute and emit with the batch engine; return the rows quarantined and their
    file."""
    from accord.cli.main import process_ends

    if process_ends:
        from accord.cli.without_pandas import leave_pandas_out

        leave_pandas_out()
    import pyarrow as pa

    from accord.core.engine.batch import records_from_table
    from accord.core.engine.batch.memory import engine_memory
    from accord.core.engine.batch.schema import RECORDS_SCHEMA
    from accord.core.engine.batch.stream import stream_batch
    from accord.io.columnar import read_columnar
    from accord.io.records_out import write_records_parquet

    progress = progress or Progress()
    # one allocation regime over reading, computing and writing: what one frees, the next
    # reuses; the free memory not returned when the process ends right after
    with engine_memory(give_back=not process_ends):
        with progress.phase("reading") as phase:
            # codes of small dictionaries in one byte: the table only goes to the engine
            # the row groups of a Parquet log on --jobs threads (by default every core
            # this process may use: threads start at no cost, and idle ones cost nothing)
            read = read_columnar(
                events,
                source_tz=tz,
                status_category=cfg.status_category,
                compact=True,
                threads=jobs if jobs is not None else usable_cores(),
            )
            phase.update(read.events.num_rows)
        qpath = keep_quarantine(read.quarantined, quarantine, events)
        n = read.events.num_rows
        refuse_no_events(read.rows, n, read.quarantined, qpath, events)
        jobs = jobs_for(jobs, n)
        attributions: list[pa.Table] = []
        # computed and, to a Parquet file, written a partition at a time; the events handed
        # over, so that each column goes once regrouped
        streamed = fmt == "parquet" and out_path is not None
        label = "computing and writing" if streamed else "computing"
        with progress.phase(f"{label} on {jobs} thread(s)", n) as phase:
            parts = stream_batch(
                read.take_events(),
                cfg,
                when,
                jobs=jobs,
                agreements=True,
                dimensions=split.dimensions if split is not None else (),
                progress=phase.update,
                plain=streamed,
            )
            if streamed:
                assert out_path is not None
                count = write_records_parquet(_records(parts, attributions), out_path)
                table = None
            else:
                tables = list(_records(parts, attributions))
                table = pa.concat_tables(tables) if tables else RECORDS_SCHEMA.empty_table()
                count = table.num_rows
        if split is not None:
            from accord.core.engine.attribution import attribution_schema

            empty = attribution_schema(split.dimensions).empty_table()
            rows = pa.concat_tables(attributions) if attributions else empty
    err.print(
        f"{read.rows:,} rows read, {n:,} events, {read.duplicates:,} duplicates, "
        f"{len(read.quarantined):,} quarantined → {count:,} records as of {iso(when)}",
        highlight=False,
    )
    # Written from the table's columns: the same bytes as the per-record writers, without a
    # Python object per record (minutes and gigabytes for millions of records).
    if table is None:
        err.print(f"wrote {count:,} records to {out_path}")
    elif fmt in TEXT_FORMATS and out_path is not None:
        with progress.phase("writing", table.num_rows, "records") as phase:
            write_table_file(table, out_path, fmt)
            phase.update(table.num_rows)
        err.print(f"wrote {table.num_rows:,} records to {out_path}")
    elif fmt in TEXT_FORMATS:
        sys.stdout.flush()
        write_table_text(table, fmt, sys.stdout.buffer, indent=False)
        if fmt == "json":
            sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.flush()
    else:
        first = records_from_table(table.slice(0, limit))
        _scoreboard(table_summary(table), first, table.num_rows, limit)
    if split is not None:
        write_breakdown(rows, split)
    return len(read.quarantined), qpath


def _records(parts: Iterator[Records], attributions: list[pa.Table]) -> Iterator[pa.Table]:
    """The records tables of ``parts``, their attributions put aside into ``attributions``."""
    for table, rows in parts:
        if rows is not None:
            attributions.append(rows)
        yield table


def _counts(
    rows: int,
    events: int,
    duplicates: int,
    quarantined: int,
    records: Sequence[MetricRecord],
    when: Instant,
) -> None:
    err.print(
        f"{rows:,} rows read, {events:,} events, {duplicates:,} duplicates, "
        f"{quarantined:,} quarantined → {len(records):,} records as of {iso(when)}",
        highlight=False,
    )


def _emit(records: Sequence[MetricRecord], fmt: str, out_path: Path | None, limit: int) -> None:
    if out_path is not None and fmt != "table":
        write_records(records, out_path, fmt)
        err.print(f"wrote {len(records):,} records to {out_path}")
        return
    if fmt == "csv":
        sys.stdout.write(records_to_csv(records))
    elif fmt == "json":
        sys.stdout.write(json.dumps([r.to_row() for r in records], ensure_ascii=False) + "\n")
    elif fmt == "jsonl":
        for r in records:
            sys.stdout.write(json.dumps(r.to_row(), ensure_ascii=False) + "\n")
    else:
        _scoreboard(record_figures(records), records[:limit], len(records), limit)


def _scoreboard(figures: Figures, first: Sequence[MetricRecord], total: int, limit: int) -> None:
    """The summary, then the first ``limit`` of ``total`` records."""
    render_figures(*figures, out)
    out.print(_records_table(first))
    if total > limit:
        out.print(f"… {total - limit:,} more; use --format csv or --out FILE")


def _records_table(records: Sequence[MetricRecord]) -> Table:
    t = Table(title="Metric records", title_justify="left")
    for col in ("ticket", "metric", "cycle", "policy", "priority", "target", "elapsed", "due",
                "state"):  # fmt: skip
        t.add_column(col)
    for r in records:
        t.add_row(
            r.ticket_id,
            r.metric,
            str(r.cycle),
            r.policy or "-",
            r.priority or "-",
            format_duration(r.target),
            format_duration(r.business_elapsed),
            iso(r.due) or "-",
            r.state.value,
        )
    return t
