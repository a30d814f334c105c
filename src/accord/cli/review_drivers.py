"""``accord review drivers EVENTS --config DIR --period 2026-11``: where the breached clocks'
business time went (team, assignee, status, channel, hour of day, day of week), compared with
the met clocks, ranked by contribution (see :mod:`accord.core.review.drivers`). With
``--dimension D --value V`` it lists the clocks behind one row instead."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from accord.cli.common import as_of_or_now, err, handle_errors, out
from accord.cli.progress import Progress, Quiet
from accord.cli.window_options import End, Period, Start, Zone
from accord.core.timeutil import format_duration, iso, zone

FORMATS = ("table", "json", "csv")


@handle_errors
def drivers(
    events: Annotated[
        list[Path], typer.Argument(metavar="EVENTS", help="Event files: .jsonl, .csv, .parquet")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="Configuration directory")
    ],
    period: Period = None,
    start: Start = None,
    end: End = None,
    tz: Zone = "UTC",
    customer: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this customer's clocks")
    ] = None,
    metric: Annotated[str | None, typer.Option(metavar="METRIC", help="Only this metric")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            metavar="DIMS",
            help="Dimensions (comma list; default team,assignee,status,channel,hour,weekday); "
            "any ticket field works",
        ),
    ] = None,
    dimension: Annotated[
        str | None,
        typer.Option(metavar="DIM", help="List the clocks behind one row: its dimension ..."),
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(metavar="VALUE", help="... and its value (omit it for the row without one)"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(metavar="TS", help="Judge the clocks at this instant (default: now)"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))
    ] = "table",
    source_tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of timestamps that carry no offset"),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Where the breached clocks' time went, compared with the met clocks."""
    from accord.cli.review import read_events
    from accord.core.engine.batch.schema import events_from_table
    from accord.core.engine.reference import counted
    from accord.core.review.candidate import load_setup
    from accord.core.review.drivers import (
        DEFAULT_DIMENSIONS,
        check_driver_dimensions,
        clocks_behind,
        select_clocks,
    )
    from accord.core.review.drivers import drivers as compute_drivers
    from accord.core.review.window import parse_window

    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    for name, z in (("--source-tz", source_tz), ("--tz", tz)):
        if z is not None:
            try:
                zone(z)
            except ValueError as e:
                raise typer.BadParameter(str(e), param_hint=name) from None
    dims = check_driver_dimensions([d.strip() for d in by.split(",")] if by else DEFAULT_DIMENSIONS)
    window = parse_window(period, start, end, tz)
    when = as_of_or_now(as_of)
    setup = load_setup(config)
    progress = Progress(quiet)
    table = read_events(events, setup, source_tz, progress)
    with progress.phase("computing", table.num_rows) as phase:
        selected = select_clocks(
            counted(events_from_table(table), setup.config, when, phase.update),
            window,
            customer=customer,
            metric=metric,
        )
    if dimension is not None:
        rows = [r.to_json() for r in clocks_behind(selected, dimension, value)]
        _emit(fmt, {"dimension": dimension, "value": value, "clocks": rows}, rows, _behind_table)
        return
    got = compute_drivers(selected, dims)
    if not selected:
        err.print(
            f"[yellow]no data:[/yellow] no met or breached clock with a target in "
            f"{window.describe()} (as of {iso(when)})",
            highlight=False,
        )
    body = {"window": window.to_json(), "as_of": iso(when), **got.to_json()}
    _emit(fmt, body, body["rows"], _drivers_table)


def _emit(fmt: str, body: dict[str, Any], rows: list[dict[str, Any]], table: Any) -> None:
    import csv
    import json

    if fmt == "json":
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        if rows:
            w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    else:
        table(body)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}%"


def _drivers_table(body: dict[str, Any]) -> None:
    out.print(
        f"{body['breached_clocks']:,} breached and {body['met_clocks']:,} met clocks; "
        f"breached business time {format_duration(body['breached_seconds'])}",
        highlight=False,
    )
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for h in ("dimension", "value", "breached time", "contribution", "met share", "excess",
              "breached clocks", "met clocks"):  # fmt: skip
        t.add_column(h, justify="right" if h not in ("dimension", "value") else "left")
    for r in body["rows"]:
        excess = "-" if r["excess"] is None else f"{r['excess']:+.1f} pt"
        t.add_row(
            r["dimension"],
            r["value"] if r["value"] is not None else "(none)",
            format_duration(r["breached_seconds"]),
            _pct(r["contribution"]),
            _pct(r["met_share"]),
            excess,
            f"{r['breached_clocks']:,}",
            f"{r['met_clocks']:,}",
        )
    out.print(t)


def _behind_table(body: dict[str, Any]) -> None:
    rows: Sequence[dict[str, Any]] = body["clocks"]
    out.print(
        f"{len(rows):,} clocks in which {body['dimension']} = {body['value']} counted time",
        highlight=False,
    )
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for h in ("ticket", "metric", "cycle", "state", "time with holder", "business elapsed"):
        t.add_column(h)
    for r in rows:
        t.add_row(
            r["ticket_id"],
            r["metric"],
            str(r["cycle"]),
            r["state"],
            format_duration(r["seconds"]),
            format_duration(r["business_elapsed"]),
        )
    out.print(t)
