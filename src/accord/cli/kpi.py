"""``accord kpi EVENTS --config DIR``: KPI values per period, with targets, bands, change
and the forecast of the current period."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import polars as pl
import typer
from rich import box
from rich.table import Table
from rich.text import Text

from accord.cli.common import as_of_or_now, err, handle_errors, must_exist, out
from accord.cli.progress import Progress, Quiet
from accord.cli.rows import Quarantine, Strict, keep_quarantine, refuse_no_events, strict_exit
from accord.core.config.loader import check_config_kpis
from accord.core.engine import compute
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.memory import engine_memory
from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import (
    OUTPUT_HEAD,
    OUTPUT_TAIL,
    calendar_zones,
    evaluate,
    inapplicable,
)
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import (
    events_frame,
    events_frame_of_table,
    records_frame,
    records_frame_of_table,
)
from accord.core.kpi.models import GRAINS, Grain
from accord.core.timeutil import format_duration, iso, zone
from accord.errors import ConfigError, InputError, NotFoundError
from accord.io.columnar import read_columnar
from accord.io.readers import read_many

FORMATS = ("table", "csv", "json")
ENGINES = ("batch", "reference", "spark")
_BAND_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def _grain(value: str | None) -> tuple[Grain | None, int | None]:
    if value is None:
        return None, None
    text = value.strip().lower()
    if text in GRAINS:
        return cast(Grain, text), None
    days = text[:-1] if text.endswith("d") else ""
    if days.isdigit() and int(days) > 0:
        return None, int(days)
    raise typer.BadParameter(
        "use day, week, month, quarter, or a rolling window such as 28d", param_hint="--grain"
    )


@handle_errors
def kpi(
    events: Annotated[
        list[Path], typer.Argument(metavar="EVENTS", help="Event files: .jsonl, .csv, .parquet")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="Configuration directory")
    ],
    as_of: Annotated[
        str | None, typer.Option(metavar="TS", help="Evaluate at this instant (default: now)")
    ] = None,
    names: Annotated[
        list[str] | None,
        typer.Option(
            "--kpi", "-k", metavar="NAME", help="A KPI to show (repeat for several; default: all)"
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DIM",
            help="Break down by a dimension: team, agent, priority, channel, "
            "customer, policy, metric, field.<name> (repeatable)",
        ),
    ] = None,
    grain: Annotated[
        str | None,
        typer.Option(
            metavar="GRAIN",
            help="day, week, month, quarter, or rolling days such as 28d (default: each KPI's own)",
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of the periods (default: each KPI's own)"),
    ] = None,
    periods: Annotated[
        int, typer.Option(min=1, metavar="N", help="How many periods, up to now")
    ] = 4,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))
    ] = "table",
    source_tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of timestamps that carry no offset"),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            metavar="ENGINE",
            help="batch: the vectorised engine and reader (default); reference: the plain "
            "ones; spark: read, compute the records and aggregate the records KPIs on Spark "
            "(docs/spark.md)",
        ),
    ] = "batch",
    spark_master: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="--engine spark: the Spark master (default: spark-submit's, or local[2])",
        ),
    ] = None,
    quarantine: Quarantine = None,
    strict: Strict = False,
    quiet: Quiet = False,
) -> None:
    """Evaluate KPIs over the last periods: value, target, band, change and forecast.

    Bad rows are quarantined (their count and file are printed on stderr); an input that
    gives no event exits 4, and with --strict any quarantined row exits 10.
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    period_grain, rolling = _grain(grain)
    for value, hint in ((tz, "--tz"), (source_tz, "--source-tz")):
        if value is not None:
            try:
                zone(value)
            except ValueError as e:
                raise typer.BadParameter(str(e), param_hint=hint) from None
    must_exist(config, "the configuration")
    cfg, catalog, issues = check_config_kpis(config)
    if cfg is None:
        raise ConfigError(issues)
    when = as_of_or_now(as_of)
    dims = list(by) if by else None
    selected = list(dict.fromkeys(names)) if names else list(catalog)
    for name in selected:  # before any work: a typo should not wait for the computation
        if name not in catalog:
            near = difflib.get_close_matches(name, list(catalog), n=1, cutoff=0.6)
            hint = f"; did you mean '{near[0]}'?" if near else "; see docs/kpis.md"
            raise NotFoundError(f"unknown KPI '{name}'{hint}")
        why = inapplicable(catalog, name, dims) if dims and names else None
        if why is not None:
            raise InputError(
                f"KPI '{name}' cannot be broken down by {', '.join(dims or [])}: {why}"
            )
    if dims and not names:
        # the whole library by a dimension some KPIs lack: show the others, say which
        skipped = [n for n in selected if inapplicable(catalog, n, dims) is not None]
        if skipped:
            err.print(f"not broken down by {', '.join(dims)}: {', '.join(skipped)}")
        selected = [n for n in selected if n not in skipped]
    custom = custom_fields([catalog[n] for n in selected], dims or ())
    fields = [*policy_fields(cfg), *custom]
    tzinfo = zone(source_tz) if source_tz else None
    progress = Progress(quiet)
    if engine == "spark":
        from accord.cli.spark_run import kpis_on_spark

        options = {"grain": period_grain, "rolling": rolling, "tz": tz, "periods": periods}
        table, counts, rejected, rows = kpis_on_spark(
            events, cfg, when, tzinfo, spark_master, catalog, selected, dims, custom, options,
            progress,
        )  # fmt: skip
        qpath = keep_quarantine(rejected, quarantine, events)
        refuse_no_events(rows, counts["events"], rejected, qpath, events)
        tickets = f", {counts['tickets']:,} tickets" if counts["tickets"] else ""
        err.print(
            f"{counts['events']:,} events, {counts['records']:,} records{tickets} "
            f"→ {len(selected)} KPI(s) as of {iso(when)} (aggregated on Spark)",
            highlight=False,
        )
        _emit(table, fmt)
        if strict:
            strict_exit(len(rejected), qpath)
        return
    # the records frame and the events frame: the same frames from either engine (tested)
    if engine == "reference":
        with progress.phase("reading") as phase:
            read = read_many(events, source_tz=tzinfo, status_category=cfg.status_category)
            phase.update(len(read.events))
        rejected, rows = read.quarantined, read.rows
        qpath = keep_quarantine(rejected, quarantine, events)
        n = len(read.events)
        refuse_no_events(rows, n, rejected, qpath, events)
        with progress.phase("computing", n) as phase:
            records = records_frame(compute(read.events, cfg, when))
            frame = events_frame(read.events, fields)
            phase.update(n)
    else:
        with engine_memory():
            with progress.phase("reading") as phase:
                batch = read_columnar(events, source_tz=tzinfo, status_category=cfg.status_category)
                phase.update(batch.events.num_rows)
            rejected, rows = batch.quarantined, batch.rows
            qpath = keep_quarantine(rejected, quarantine, events)
            n = batch.events.num_rows
            refuse_no_events(rows, n, rejected, qpath, events)
            with progress.phase("computing", n) as phase:
                table = compute_batch(batch.events, cfg, when, progress=phase.update)
                records = records_frame_of_table(table)
                frame = events_frame_of_table(batch.events, fields)
    with progress.phase("evaluating", len(selected), "KPIs") as phase:
        facts = ticket_facts(frame, cfg, when, fields=custom)
        table = evaluate(
            catalog,
            when,
            records=records,
            facts=facts,
            kpis=selected,
            by=dims,
            grain=period_grain,
            rolling=rolling,
            tz=tz,
            periods=periods,
            zones=calendar_zones(cfg.calendars),
        )
        phase.update(len(selected))
    err.print(
        f"{n:,} events, {len(records):,} records, {len(facts.tickets):,} tickets "
        f"→ {len(selected)} KPI(s) as of {iso(when)}",
        highlight=False,
    )
    _emit(table, fmt)
    if strict:
        strict_exit(len(rejected), qpath)


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    rows = table.to_dicts()
    for row in rows:
        row["period_start"] = iso(row["period_start"])
        row["period_end"] = iso(row["period_end"])
    return rows


def _emit(table: pl.DataFrame, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(_rows(table), ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(pl.DataFrame(_rows(table), schema=table.schema | {
            "period_start": pl.String, "period_end": pl.String}).write_csv())  # fmt: skip
        return
    dims = [c for c in table.columns if c not in (*OUTPUT_HEAD, *OUTPUT_TAIL)]
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for col in ("kpi", "period", *dims):
        t.add_column(col, no_wrap=True)
    for col in ("value", "n", "target", "change", "forecast"):
        t.add_column(col, justify="right", no_wrap=True)
    previous: str | None = None
    for row in table.iter_rows(named=True):
        unit = row["unit"]
        band = row["band"]
        style = _BAND_STYLE.get(band or "", "")
        forecast = _show(row["forecast"], unit)
        if row["forecast_band"]:
            forecast = f"{forecast} ({row['forecast_band']})"
        period = row["period"] + ("*" if row["current"] else "")
        t.add_row(
            "" if row["kpi"] == previous else row["kpi"],
            period,
            *("-" if row[d] is None else str(row[d]) for d in dims),
            Text(_show(row["value"], unit), style=style),
            str(row["n"]) if row["n"] is not None else "-",
            _show(row["target"], unit),
            _change(row["change"], unit),
            forecast if row["forecast"] is not None else "",
        )
        previous = row["kpi"]
    out.print(t)
    out.print("* the current period, unfinished: its forecast is the end-of-period estimate")


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "duration":
        return format_duration(round(value))
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.2f}"


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    sign = "+" if value > 0 else "-" if value < 0 else "±"
    if unit == "percent":
        return f"{sign}{abs(value) * 100:.1f} pt"
    return sign + _show(abs(value), unit)
