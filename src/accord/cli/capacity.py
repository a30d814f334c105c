"""``accord review capacity``: how many agents a target needs (docs/review.md, "Capacity").

Two forms, one command:

- the calculator, ``--calls 100 --interval 30m --aht 180s --answer-within 20s --agents 14``
  (or ``--service-level 0.8`` for the agents needed), Erlang C or, with ``--patience``,
  Erlang A;
- from history, ``EVENTS… --config DIR``: arrivals per interval of the week per calendar (and
  team or channel), agents needed per interval for a first-response target, and with
  ``--agents N`` what N agents achieve and where they fall short.

The lead registers :func:`capacity` as ``accord review capacity``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer
from rich import box
from rich.table import Table

from accord.cli.common import as_of_or_now, err, handle_errors, out
from accord.cli.progress import Progress, Quiet
from accord.cli.rows import keep_quarantine, refuse_no_events
from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.memory import engine_memory
from accord.core.kpi.frames import records_frame_of_table
from accord.core.review.arrivals import (
    GROUPINGS,
    Range,
    group_loads,
    interval_seconds,
    parse_bound,
    parse_period,
    parse_target,
)
from accord.core.review.capacity_rows import (
    CALCULATOR_COLUMNS,
    ROW_COLUMNS,
    calculator,
    plan_json,
    plan_rows,
    to_csv,
)
from accord.core.review.staffing import GroupPlan, plan
from accord.core.timeutil import format_duration, iso, parse_duration, zone
from accord.errors import InputError
from accord.io.columnar import read_columnar

FORMATS = ("table", "json", "csv")
DEFAULT_GOAL = 0.8


def _seconds(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as e:
        raise InputError(f"{option}: {e}") from None


@handle_errors
def capacity(
    events: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="EVENTS", help="Event files (.jsonl, .csv, .parquet): staff from history"
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", metavar="DIR", help="Configuration directory (history)"),
    ] = None,
    calls: Annotated[
        float | None, typer.Option(metavar="N", help="Calculator: contacts arriving per interval")
    ] = None,
    interval: Annotated[
        str, typer.Option(metavar="DURATION", help="Length of an interval: 15m, 30m, 1h, …")
    ] = "1h",
    aht: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="Average handle time, e.g. 180s or 12m (history: from agent_work)",
        ),
    ] = None,
    answer_within: Annotated[
        str | None,
        typer.Option(metavar="DURATION", help="Calculator: the answer-within target, e.g. 20s"),
    ] = None,
    agents: Annotated[
        int | None, typer.Option(metavar="N", help="Agents available (per interval, from history)")
    ] = None,
    service_level: Annotated[
        float | None,
        typer.Option(
            metavar="SHARE", help="Share to answer within target, 0 to 1 (history: default 0.8)"
        ),
    ] = None,
    patience: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION", help="Mean customer patience, e.g. 2h: Erlang A instead of Erlang C"
        ),
    ] = None,
    concurrency: Annotated[
        float, typer.Option(metavar="N", help="Contacts one agent works at once (1 or more)")
    ] = 1.0,
    by: Annotated[
        str | None, typer.Option(metavar="DIM", help="History: per team or channel")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="History from this date or instant")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="History up to this date (included) or instant"),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(metavar="PERIOD", help="History over 2026, 2026-Q3, 2026-09 or 2026-W05"),
    ] = None,
    target: Annotated[
        str,
        typer.Option(
            metavar="TARGET",
            help="METRIC or METRIC=DURATION: whose arrivals, and the target to meet",
        ),
    ] = "first_response",
    as_of: Annotated[
        str | None,
        typer.Option(metavar="TS", help="Judge the clocks at this instant (default: now)"),
    ] = None,
    source_tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of timestamps that carry no offset"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))
    ] = "table",
    quiet: Quiet = False,
) -> None:
    """Agents needed to answer in time: a calculator, or from the history of EVENTS."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    step = _seconds(interval, "--interval")
    assert step is not None
    if events:
        if calls is not None or answer_within is not None:
            raise typer.BadParameter(
                "--calls and --answer-within are for the calculator; from history give "
                "--target first_response=1h",
                param_hint="--calls",
            )
        if config is None:
            raise typer.BadParameter("history needs the configuration", param_hint="--config")
        _history(
            events, config, step, aht, agents, service_level, patience, concurrency, by,
            from_, to, period, target, as_of, source_tz, fmt, Progress(quiet),
        )  # fmt: skip
        return
    if calls is None or answer_within is None:
        raise typer.BadParameter(
            "give --calls, --aht and --answer-within (the calculator), or EVENTS… --config DIR",
            param_hint="--calls",
        )
    handle = _seconds(aht, "--aht")
    if handle is None:
        raise typer.BadParameter("the calculator needs the handle time", param_hint="--aht")
    within = _seconds(answer_within, "--answer-within")
    assert within is not None
    result = calculator(
        calls=calls,
        interval=step,
        aht=handle,
        answer_within=within,
        agents=agents,
        goal=service_level,
        patience=_seconds(patience, "--patience"),
        concurrency=concurrency,
    )
    _emit_calculator(result, fmt)


def _history(
    events: list[Path],
    config: Path,
    step: int,
    aht: str | None,
    agents: int | None,
    goal: float | None,
    patience: str | None,
    concurrency: float,
    by: str | None,
    from_: str | None,
    to: str | None,
    period: str | None,
    target: str,
    as_of: str | None,
    source_tz: str | None,
    fmt: str,
    progress: Progress,
) -> None:
    if by is not None and by not in GROUPINGS:
        raise typer.BadParameter(f"choose {' or '.join(GROUPINGS)}", param_hint="--by")
    if period is not None and (from_ is not None or to is not None):
        raise typer.BadParameter("give --period or --from/--to, not both", param_hint="--period")
    interval_seconds(step)
    metric, target_seconds = parse_target(target)
    if period is not None:
        first, end = parse_period(period)
        span = Range(first, end)
    else:
        span = Range(
            None if from_ is None else parse_bound(from_, end=False),
            None if to is None else parse_bound(to, end=True),
        )
    tzinfo = None
    if source_tz is not None:
        try:
            tzinfo = zone(source_tz)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--source-tz") from None
    cfg = load_config(config)
    when = as_of_or_now(as_of)
    handle = _seconds(aht, "--aht")
    wait = _seconds(patience, "--patience")
    with engine_memory():
        with progress.phase("reading") as phase:
            batch = read_columnar(events, source_tz=tzinfo, status_category=cfg.status_category)
            phase.update(batch.events.num_rows)
        qpath = keep_quarantine(batch.quarantined, None, events)
        n = batch.events.num_rows
        refuse_no_events(batch.rows, n, batch.quarantined, qpath, events)
        with progress.phase("computing", n) as phase:
            table = compute_batch(batch.events, cfg, when, progress=phase.update)
            records = records_frame_of_table(table)
    loads = group_loads(
        records,
        cfg,
        metric=metric,
        by=cast(Literal["team", "channel"] | None, by),
        interval=step,
        span=span,
        target=target_seconds,
    )
    if not loads:
        raise InputError(f"no '{metric}' arrivals in the range: nothing to staff")
    result = plan(
        loads,
        metric=metric,
        goal=DEFAULT_GOAL if goal is None else goal,
        aht=None if handle is None else float(handle),
        target=target_seconds,
        patience=None if wait is None else float(wait),
        concurrency=concurrency,
        agents=agents,
    )
    for note in result.notes:
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if fmt == "json":
        sys.stdout.write(json.dumps(plan_json(result, by=by, interval=step)) + "\n")
    elif fmt == "csv":
        _write_csv(ROW_COLUMNS, plan_rows(result))
    else:
        for g in result.groups:
            _table(g, by, agents is not None)


def _write_csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    sys.stdout.write(to_csv(columns, rows))


def _emit_calculator(result: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if fmt == "csv":
        _write_csv(CALCULATOR_COLUMNS, [result])
        return
    t = Table(box=box.SIMPLE_HEAD, show_header=False, show_edge=False, padding=(0, 2, 0, 0))
    t.add_column("figure", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_row("model", "Erlang A" if result["model"] == "erlang_a" else "Erlang C")
    t.add_row("load", f"{result['erlangs']:,.4g} Erlang")
    t.add_row("agents", f"{result['agents']:,}")
    t.add_row("P(wait)", _share(result["p_wait"]))
    if result["p_abandon"] is not None:
        t.add_row("P(abandon)", _share(result["p_abandon"]))
    within = format_duration(result["answer_within_seconds"])
    t.add_row(f"answered within {within}", _share(result["service_level"]))
    asa = result["asa_seconds"]
    t.add_row("average speed of answer", "infinite" if asa is None else f"{asa:,.2f}s")
    if result["occupancy"] is not None:
        t.add_row("occupancy", _share(result["occupancy"]))
    if result["agents_needed"] is not None:
        goal = _share(result["service_level_goal"])
        t.add_row(f"agents needed for {goal} within {within}", f"{result['agents_needed']:,}")
    out.print(t)
    if result["message"]:
        out.print(result["message"], highlight=False)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _table(g: GroupPlan, by: str | None, with_agents: bool) -> None:
    who = f"{by} {g.group} · " if by else ""
    out.print(
        f"[bold]{who}calendar {g.calendar}[/bold] ({g.tz}), {iso(g.start)} to {iso(g.end)} "
        f"({g.weeks:.1f} weeks): {g.arrivals:,} arrivals, {g.deferred:,} while closed; "
        f"handle time {format_duration(round(g.aht_seconds))} ({g.aht_source}); "
        f"peak {g.peak_agents} agent(s)",
        highlight=False,
    )
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for col in ("interval", "open", "arrivals", "deferred", "Erlang", "needed"):
        t.add_column(col, justify="left" if col == "interval" else "right", no_wrap=True)
    if with_agents:
        for col in ("agents", "in target", "best target", "short"):
            t.add_column(col, justify="right", no_wrap=True)
    for i in g.intervals:
        if i.open_share == 0 and i.arrivals == 0:
            continue
        row = [
            f"{i.day} {i.start}–{i.end}",
            f"{i.open_share:.0%}",
            f"{i.arrivals:.2f}",
            f"{i.deferred:.2f}" if i.deferred else "",
            "closed" if i.erlangs is None else f"{i.erlangs:.2f}",
            str(i.agents_needed) + ("*" if i.limited_by == "opening backlog" else ""),
        ]
        if with_agents:
            best = i.best_target_seconds
            row += [
                "" if i.erlangs is None else str(i.agents),
                _share(i.service_level),
                ("never" if not i.reachable else "-" if best is None else format_duration(best)),
                str(i.shortfall) if i.shortfall else "",
            ]
        t.add_row(*row)
    out.print(t)
    out.print("* set by the backlog released at the opening, not by the queue", highlight=False)
    for note in g.notes:
        out.print(f"note: {note}", highlight=False)
    if with_agents:
        short = g.shortfalls
        listed = ", ".join(f"{i.day} {i.start} (+{i.shortfall})" for i in short[:12])
        more = "…" if len(short) > 12 else ""
        out.print(
            f"{len(short)} interval(s) short of agents" + (f": {listed}{more}" if short else ""),
            highlight=False,
        )
    out.print()
