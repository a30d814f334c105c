"""``accord demo``: a realistic synthetic helpdesk, end to end on the embedded store."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import err, handle_errors, out
from accord.cli.summary import render_summary
from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.timeutil import from_instant, iso, parse_instant, to_instant
from accord.demo.generate import generate_events
from accord.io.readers import read_events
from accord.io.records_out import write_records
from accord.io.writers import write_events

app = typer.Typer(help="Generate and run the demo helpdesk.", no_args_is_help=True)


def copy_demo_config(dest: Path) -> Path:
    """Copy the demo configuration (calendars, policies, statuses) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    src = resources.files("accord.demo") / "config"
    for item in src.iterdir():
        if item.name.endswith((".yaml", ".yml")):
            with resources.as_file(item) as p:
                shutil.copyfile(p, dest / item.name)
    return dest


def _end(value: str | None) -> datetime:
    if value:
        return parse_instant(value)
    # the CLI is the edge that reads the clock; whole seconds keep the log tidy
    return from_instant(to_instant(datetime.now(UTC)))


@app.command("generate")
@handle_errors
def generate(
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Event file (.jsonl/.csv/.parquet)")
    ] = Path("demo-events.jsonl"),
    config_dir: Annotated[
        Path | None, typer.Option("--config-out", help="Also write the demo configuration here")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed and end → same log)")] = 7,
    days: Annotated[int, typer.Option(help="Days of history")] = 90,
    tickets: Annotated[int | None, typer.Option(help="Number of tickets")] = None,
    events: Annotated[int | None, typer.Option(help="Aim for about this many events")] = None,
    end: Annotated[str | None, typer.Option(help="Last instant of the log (default: now)")] = None,
) -> None:
    """Write a seeded synthetic event log of a multi-customer helpdesk."""
    end_dt = _end(end)
    gen = generate_events(seed=seed, end=end_dt, days=days, tickets=tickets, target_events=events)
    n = write_events(out_path, gen)
    err.print(
        f"wrote {n:,} events to {out_path} (seed {seed}, {days} days to {iso(to_instant(end_dt))})"
    )
    if config_dir is not None:
        copy_demo_config(config_dir)
        err.print(f"wrote the demo configuration to {config_dir}")


@app.command("run")
@handle_errors
def run(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo's files go")] = Path(
        "demo-data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    events: Annotated[int | None, typer.Option(help="Aim for about this many events")] = None,
) -> None:
    """Generate the demo log, compute every SLA clock and print the scoreboard."""
    end_dt = _end(None)
    directory.mkdir(parents=True, exist_ok=True)
    events_path = directory / "events.jsonl"
    config_dir = copy_demo_config(directory / "config")
    with err.status("generating 90 days of helpdesk events…"):
        n = write_events(events_path, generate_events(seed=seed, end=end_dt, target_events=events))
    cfg = load_config(config_dir)
    read = read_events(events_path, status_category=cfg.status_category)
    as_of = to_instant(end_dt)
    with err.status(f"computing SLA clocks over {n:,} events…"):
        records = compute(read.events, cfg, as_of)
    write_records(records, directory / "records.csv")
    render_summary(records, out)
    records_path = directory / "records.csv"
    out.print(
        f"\nEvents: {events_path}  Configuration: {config_dir}  Records: {records_path}"
        f"\nTry: accord sla {events_path} --config {config_dir} --as-of {iso(as_of)}"
    )
