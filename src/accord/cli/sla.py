"""``accord sla EVENTS --config DIR``: compute every SLA clock at an as-of instant."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import as_of_or_now, err, handle_errors, out
from accord.cli.summary import render_summary
from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.records import MetricRecord
from accord.core.timeutil import format_duration, iso, zone
from accord.io.quarantine import write_quarantine
from accord.io.readers import read_many
from accord.io.records_out import records_to_csv, write_records

FORMATS = ("table", "csv", "json", "jsonl", "parquet")


@handle_errors
def sla(
    events: Annotated[list[Path], typer.Argument(help="Event files: .jsonl, .csv, .parquet")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Configuration directory")],
    as_of: Annotated[
        str | None, typer.Option(help="Judge the clocks at this instant (default: now)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=" | ".join(FORMATS))] = "table",
    out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file")] = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where bad rows are kept (default: <first file>.quarantine.jsonl)"),
    ] = None,
    source_tz: Annotated[
        str | None, typer.Option(help="Time zone of timestamps that carry no offset")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows shown by --format table")] = 30,
) -> None:
    """Compute one record per ticket × metric × cycle and print or write them."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt == "parquet" and out_path is None:
        raise typer.BadParameter("parquet needs --out FILE", param_hint="--format")
    cfg = load_config(config)
    tz = None
    if source_tz:
        try:
            tz = zone(source_tz)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--source-tz") from None
    when = as_of_or_now(as_of)
    with err.status("reading events…"):
        read = read_many(events, source_tz=tz, status_category=cfg.status_category)
    if read.quarantined:
        qpath = quarantine or events[0].with_name(events[0].name + ".quarantine.jsonl")
        write_quarantine(qpath, read.quarantined)
        err.print(
            f"[yellow]{len(read.quarantined)} row(s) quarantined[/yellow] in {qpath} "
            f"(first: {read.quarantined[0].source}:{read.quarantined[0].row}: "
            f"{read.quarantined[0].reason})",
            highlight=False,
        )
    with err.status(f"computing {len(read.events):,} events…"):
        records = compute(read.events, cfg, when)
    err.print(
        f"{read.rows:,} rows read, {len(read.events):,} events, {read.duplicates:,} duplicates, "
        f"{len(read.quarantined):,} quarantined → {len(records):,} records as of {iso(when)}",
        highlight=False,
    )
    _emit(records, fmt, out_path, limit)


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
        render_summary(records, out)
        out.print(_records_table(records[:limit]))
        if len(records) > limit:
            out.print(f"… {len(records) - limit:,} more; use --format csv or --out FILE")


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
