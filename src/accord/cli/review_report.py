"""``accord review report``: the quarterly review as an HTML or PDF document (docs/review.md,
"Review report"). Reads the events once, computes the records once and hands them to
:func:`accord.core.review.report.build_report`; the documents are drawn here, at the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import as_of_or_now, err, handle_errors, jobs_for
from accord.cli.progress import Progress, Quiet
from accord.cli.review import Events, Jobs, SourceTz, read_events
from accord.core.config.loader import read_sources
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.memory import engine_memory
from accord.core.review.arrivals import parse_target
from accord.core.review.candidate import (
    Setup,
    candidate_with_overrides,
    check_setup,
    load_candidate,
    overrides_source,
)
from accord.core.review.report import (
    CapacityOptions,
    build_report,
    customer_events,
    own_records,
)
from accord.core.review.targets import GRAINS
from accord.core.timeutil import parse_duration, zone
from accord.errors import InputError
from accord.reports.review_html import render_review_html
from accord.reports.review_pdf import render_review_pdf

FORMATS = ("html", "pdf")


@handle_errors
def report(
    events: Events,
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="The configuration in force")
    ],
    period: Annotated[
        str, typer.Option(metavar="PERIOD", help="The quarter (2026-Q3), month or year to review")
    ],
    out_path: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Where to write the document")
    ],
    customer: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this customer's tickets and contract")
    ] = None,
    candidate: Annotated[
        Path | None,
        typer.Option(
            metavar="CANDIDATE", help="Also replay this candidate (directory or overrides)"
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))
    ] = "html",
    tz: Annotated[str, typer.Option(metavar="ZONE", help="Time zone of the period")] = "UTC",
    grain: Annotated[
        str | None,
        typer.Option(metavar="GRAIN", help="Trend per month or week (default: week for a month)"),
    ] = None,
    attainment: Annotated[
        float, typer.Option(metavar="SHARE", help="The share recommended targets must meet")
    ] = 0.95,
    agents: Annotated[
        int | None, typer.Option(min=0, metavar="N", help="Agents per interval: list shortfalls")
    ] = None,
    aht: Annotated[
        str | None, typer.Option(metavar="DURATION", help="Handle time (default: agent_work)")
    ] = None,
    target: Annotated[
        str,
        typer.Option(metavar="TARGET", help="Capacity: METRIC or METRIC=DURATION"),
    ] = "first_response",
    service_level: Annotated[
        float, typer.Option(metavar="SHARE", help="Capacity: share to answer within target")
    ] = 0.8,
    as_of: Annotated[
        str | None, typer.Option(metavar="TS", help="Judge the clocks at this instant")
    ] = None,
    source_tz: SourceTz = None,
    jobs: Jobs = None,
    quiet: Quiet = False,
) -> None:
    """The quarterly review as a document: attainment, trends, targets, what-if, capacity.

    Attainment per objective and its trend, the recommended targets, the what-if of adopting
    them (breaches, credits) and the capacity shortfalls, as HTML or PDF."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if grain is not None and grain not in GRAINS:
        raise typer.BadParameter(f"choose one of {', '.join(GRAINS)}", param_hint="--grain")
    if not 0 < attainment <= 1:
        raise typer.BadParameter("a share above 0 and at most 1", param_hint="--attainment")
    try:
        zone(tz)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--tz") from None
    metric, target_seconds = parse_target(target)
    try:
        handle = None if aht is None else float(parse_duration(aht))
    except ValueError as e:
        raise InputError(f"--aht: {e}") from None
    when = as_of_or_now(as_of)
    sources, read_issues = read_sources(config)
    current = check_setup(sources, str(config), read_issues)
    cand = load_candidate(config, candidate) if candidate is not None else None

    def adopt(overrides: dict[str, str]) -> Setup:
        src = overrides_source(overrides, "recommended targets")
        return candidate_with_overrides(sources, str(config), src, read_issues)

    progress = Progress(quiet)
    table = read_events(events, current, source_tz, progress)
    jobs = jobs_for(jobs, table.num_rows)
    computing = progress.phase("computing the report", table.num_rows)
    with engine_memory(), computing as phase:
        records = compute_batch(table, current.config, when, jobs=jobs, progress=phase.update)
        if customer is not None:
            table = customer_events(table, records, customer)
            records = own_records(compute_batch(table, current.config, when, jobs=jobs), customer)
        result = build_report(
            table,
            records,
            current,
            when,
            period=period,
            tz=tz,
            customer=customer,
            grain=grain,
            attainment=attainment,
            adopt=adopt,
            candidate=cand,
            capacity=CapacityOptions(metric, target_seconds, service_level, handle, agents),
            jobs=jobs,
        )
    if fmt == "pdf":
        out_path.write_bytes(render_review_pdf(result))
    else:
        out_path.write_text(render_review_html(result), encoding="utf-8")
    for note in result.notes:
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    err.print(
        f"wrote the review of {result.window.label} ({len(result.objectives)} objective(s)) "
        f"to {out_path}",
        highlight=False,
    )
