"""``accord review``: choose promises that can be kept.

- ``accord review whatif EVENTS --config CURRENT --candidate CANDIDATE``: history replayed
  under a candidate configuration beside the one in force;
- ``accord review targets EVENTS --config DIR``: the smallest targets history says the team
  keeps, with what adopting them would have cost in credits.

Each subcommand is a function registered on :data:`app` (``app.command(name)(function)``), so
more review commands join the group the same way. See docs/review.md.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer

from accord.cli.capacity import capacity
from accord.cli.common import JOBS_HELP, as_of_or_now, err, handle_errors, jobs_for
from accord.cli.help import App
from accord.cli.progress import Progress, Quiet
from accord.cli.review_drivers import drivers
from accord.cli.review_render import targets_table, whatif_table
from accord.cli.rows import keep_quarantine, refuse_no_events
from accord.cli.window_options import End, Period, Start, Zone
from accord.core.config.loader import read_sources
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.memory import engine_memory
from accord.core.review.candidate import (
    Setup,
    candidate_with_overrides,
    check_setup,
    load_candidate,
    load_setup,
    overrides_source,
)
from accord.core.review.targets import (
    GRAINS,
    TARGET_DIMENSIONS,
    Targets,
    adoption_overrides,
    parse_grid,
    recommend,
)
from accord.core.review.whatif import compare, parse_by, run_whatif
from accord.core.review.window import Window, parse_window
from accord.core.timeutil import Instant, iso, zone
from accord.io.columnar import read_columnar

app = App(
    help="Review targets: replay history under a candidate configuration, recommend targets.",
    no_args_is_help=True,
)

FORMATS = ("table", "json", "csv")
Events = Annotated[
    list[Path], typer.Argument(metavar="EVENTS", help="Event files: .jsonl, .csv, .parquet")
]
AsOf = Annotated[
    str | None, typer.Option(metavar="TS", help="Judge the clocks at this instant (default: now)")
]
Format = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))]
SourceTz = Annotated[
    str | None, typer.Option(metavar="ZONE", help="Time zone of timestamps that carry no offset")
]
Jobs = Annotated[int | None, typer.Option(min=1, metavar="N", help=JOBS_HELP)]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")


def _zone(value: str | None, hint: str) -> None:
    if value is not None:
        try:
            zone(value)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint=hint) from None


def read_events(
    paths: Sequence[Path], setup: Setup, source_tz: str | None, progress: Progress | None = None
) -> pa.Table:
    """The events of ``paths`` as one table; bad rows are kept in the quarantine file next to
    the first one (their count is said on stderr), and an input without events exits 4."""
    with (progress or Progress()).phase("reading") as phase:
        read = read_columnar(
            list(paths),
            source_tz=zone(source_tz) if source_tz else None,
            status_category=setup.config.status_category,
        )
        phase.update(read.events.num_rows)
    qpath = keep_quarantine(read.quarantined, None, paths)
    refuse_no_events(read.rows, read.events.num_rows, read.quarantined, qpath, paths)
    events: pa.Table = read.events
    return events


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _emit_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


@handle_errors
def whatif(
    events: Events,
    config: Annotated[
        Path,
        typer.Option(
            "--config", "-c", metavar="DIR", help="The configuration in force (directory)"
        ),
    ],
    candidate: Annotated[
        Path,
        typer.Option(
            metavar="CANDIDATE",
            help="A whole configuration (directory or file), or an overrides file of dotted "
            "paths such as 'policies.Gold.metrics.resolution.high: 6h'",
        ),
    ],
    period: Period = None,
    start: Start = None,
    end: End = None,
    tz: Zone = "UTC",
    by: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DIMS", help="Group by metric, priority, customer, team, policy (comma list)"
        ),
    ] = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    explain: Annotated[
        int,
        typer.Option(
            min=0, metavar="N", help="Explain this many changed clocks under both configurations"
        ),
    ] = 20,
    ticket: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID", help="Replay only this ticket (repeatable): explains all its clocks"
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="Changed clocks shown by --format table")
    ] = 20,
    source_tz: SourceTz = None,
    jobs: Jobs = None,
    quiet: Quiet = False,
) -> None:
    """Replay history under a candidate configuration beside the one in force."""
    _check_format(fmt)
    _zone(source_tz, "--source-tz")
    dims = parse_by(by) or ("metric",)
    window = parse_window(period, start, end, tz)
    when = as_of_or_now(as_of)
    current = load_setup(config)
    cand = load_candidate(config, candidate)
    for w in cand.warnings:
        err.print(w.render(), markup=False, highlight=False)
    progress = Progress(quiet)
    table = read_events(events, current, source_tz, progress)
    jobs = jobs_for(jobs, table.num_rows)
    replay = progress.phase("replaying under both configurations", 2 * table.num_rows)
    with engine_memory(), replay as phase:
        result = run_whatif(
            table,
            current,
            cand,
            when,
            window=window,
            by=dims,
            explain=explain if not ticket else 10**9,
            tickets=ticket,
            jobs=jobs,
            progress=phase.update,
        )
    err.print(
        f"{result.events:,} events → {result.records[0]:,} records (current), "
        f"{result.records[1]:,} (candidate) as of {iso(when)}; {result.changed_count:,} "
        "clock(s) change state",
        highlight=False,
    )
    for note in result.notes:
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if fmt == "json":
        _emit_json(result.to_json())
    elif fmt == "csv":
        _emit_csv(result.csv_rows())
    else:
        whatif_table(result, limit)


def _targets_window(result: Targets) -> Window:
    return Window(result.start, None, f"{result.labels[0]} to {result.labels[-1]}", result.tz)


def adopt(
    result: Targets,
    table: pa.Table,
    records: pa.Table,
    current: Setup,
    sources: tuple[Any, str, Any],
    jobs: int = 1,
) -> Targets:
    """``result`` with the what-if of adopting every recommendation (credits), when they can
    be written as a configuration; ``sources`` are the current configuration's parsed files,
    origin and read problems."""
    overrides, note = adoption_overrides(result)
    if overrides is None:
        return replace(result, adoption_note=note)
    cand = candidate_with_overrides(
        sources[0], sources[1], overrides_source(overrides, "recommended targets"), sources[2]
    )
    b = compute_batch(table, cand.config, result.as_of, jobs=jobs)
    what = compare(
        table, records, b, current, cand, result.as_of, window=_targets_window(result), explain=0
    )
    return replace(result, adoption=what, adoption_overrides=overrides, adoption_note=note)


@handle_errors
def targets(
    events: Events,
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="Configuration directory")
    ],
    attainment: Annotated[
        float,
        typer.Option(metavar="SHARE", help="The share of clocks a target must meet in each period"),
    ] = 0.95,
    periods: Annotated[
        int, typer.Option(min=1, metavar="N", help="How many periods, up to as-of")
    ] = 6,
    grain: Annotated[str, typer.Option(metavar="GRAIN", help=" | ".join(GRAINS))] = "month",
    tz: Annotated[str, typer.Option(metavar="ZONE", help="Time zone of the periods")] = "UTC",
    by: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DIM", help="Besides metric: priority (default), customer, team, policy"
        ),
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option(metavar="METRIC", help="Only this metric (repeatable)")
    ] = None,
    grid: Annotated[
        str | None,
        typer.Option(metavar="GRID", help="The targets to choose from, e.g. 15m,30m,1h,2h,4h"),
    ] = None,
    credits: Annotated[
        bool,
        typer.Option(
            "--credits/--no-credits", help="Replay the contracts under the recommendations"
        ),
    ] = True,
    as_of: AsOf = None,
    fmt: Format = "table",
    source_tz: SourceTz = None,
    jobs: Jobs = None,
    quiet: Quiet = False,
) -> None:
    """Recommend the smallest targets history says are kept (open clocks censored)."""
    _check_format(fmt)
    _zone(source_tz, "--source-tz")
    _zone(tz, "--tz")
    if grain not in GRAINS:
        raise typer.BadParameter(f"choose one of {', '.join(GRAINS)}", param_hint="--grain")
    if not 0 < attainment <= 1:
        raise typer.BadParameter(
            "a share above 0 and at most 1, e.g. 0.95", param_hint="--attainment"
        )
    # the metric is always a dimension of a recommendation
    dims = tuple(d for d in parse_by(by, ("metric", *TARGET_DIMENSIONS)) if d != "metric")
    dims = dims or ("priority",)
    steps = parse_grid([g for g in grid.split(",") if g.strip()]) if grid is not None else None
    when = as_of_or_now(as_of)
    sources, read_issues = read_sources(config)
    current = check_setup(sources, str(config), read_issues)
    progress = Progress(quiet)
    table = read_events(events, current, source_tz, progress)
    jobs = jobs_for(jobs, table.num_rows)
    computing = progress.phase("computing", table.num_rows)
    with engine_memory(), computing as phase:
        records = compute_batch(table, current.config, when, jobs=jobs, progress=phase.update)
        result = recommend(
            records,
            when,
            attainment=attainment,
            periods=periods,
            grain=grain,
            tz=tz,
            by=dims,
            grid=steps,
            metrics=metric,
        )
        if credits and result.groups:
            result = adopt(
                result, table, records, current, (sources, str(config), read_issues), jobs
            )
    _say_no_data(result, when)
    if fmt == "json":
        _emit_json(result.to_json())
    elif fmt == "csv":
        _emit_csv(result.csv_rows())
    else:
        targets_table(result)


def _say_no_data(result: Targets, when: Instant) -> None:
    if not result.groups:
        err.print(
            f"[yellow]no data:[/yellow] no clock with a target started in "
            f"{result.labels[0]} to {result.labels[-1]} (as of {iso(when)})",
            highlight=False,
        )
    if result.adoption_note:
        err.print(f"[yellow]note:[/yellow] {result.adoption_note}", highlight=False)


app.command("whatif")(whatif)
app.command("targets")(targets)
app.command("capacity")(capacity)

# the report reads events as the commands above do, so it imports this module: registered last
from accord.cli.review_report import report  # noqa: E402

app.command("report")(report)
app.command("drivers")(drivers)
