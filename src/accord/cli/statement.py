"""``accord statement EVENTS --config DIR CUSTOMER --period 2026-10``: one customer's
compliance statement for one contract period: every objective with numerator and
denominator, the breaches and their tickets, the error budget, the credits and how each
amount was computed."""

from __future__ import annotations

import csv
import difflib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from accord.cli.common import as_of_or_now, err, handle_errors, must_exist, out
from accord.cli.progress import Progress, Quiet
from accord.cli.rows import Quarantine, Strict, keep_quarantine, refuse_no_events, strict_exit
from accord.core.config.loader import check_config_contracts
from accord.core.contracts.assignment import resolve_period
from accord.core.contracts.statement import (
    CSV_COLUMNS,
    Statement,
    build_statement,
    find_contract,
    ticket_fields,
)
from accord.core.engine import compute
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame
from accord.core.timeutil import Instant, from_instant, iso, zone
from accord.errors import ConfigError, NotFoundError
from accord.io.readers import read_many

FORMATS = ("table", "json", "csv")
_STATUS_STYLE = {"met": "green", "missed": "red", "no_data": "dim"}


@handle_errors
def statement(
    events: Annotated[
        list[Path], typer.Argument(metavar="EVENTS", help="Event files: .jsonl, .csv, .parquet")
    ],
    customer: Annotated[
        str, typer.Argument(metavar="CUSTOMER", help="The customer whose contract is stated")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="DIR", help="Configuration directory")
    ],
    period: Annotated[
        str | None,
        typer.Option(
            metavar="PERIOD",
            help="2026-10 (month), 2026-Q4 (quarter), current or previous (default: current)",
        ),
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
    quarantine: Quarantine = None,
    strict: Strict = False,
    quiet: Quiet = False,
) -> None:
    """A customer's statement for one contract period: objectives, breaches, budget, credits.

    Bad rows are quarantined (their count and file are printed on stderr); an input that
    gives no event exits 4, and with --strict any quarantined row exits 10.
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    tz = None
    if source_tz is not None:
        try:
            tz = zone(source_tz)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--source-tz") from None
    must_exist(config, "the configuration")
    cfg, contracts, issues = check_config_contracts(config)
    if cfg is None:
        raise ConfigError(issues)
    found = find_contract(contracts, customer)
    if found is None:
        customers = [c.customer_name for c in contracts.values()]
        near = difflib.get_close_matches(customer, customers, n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{near[0]}'?"
            if near
            else "; the contracts' customers are " + ", ".join(customers)
            if customers
            else "; the configuration has no 'contracts:' section"
        )
        raise NotFoundError(f"no contract for customer '{customer}'{hint}")
    name, contract = found
    when = as_of_or_now(as_of)
    resolve_period(contract, period, when)  # a mistyped period fails before any work
    progress = Progress(quiet)
    with progress.phase("reading") as phase:
        read = read_many(events, source_tz=tz, status_category=cfg.status_category)
        phase.update(len(read.events))
    qpath = keep_quarantine(read.quarantined, quarantine, events)
    refuse_no_events(read.rows, len(read.events), read.quarantined, qpath, events)
    fields = ticket_fields([contract])
    with progress.phase("computing", len(read.events)) as phase:
        records = compute(read.events, cfg, when)
        frame = events_frame(read.events, [*policy_fields(cfg), *fields])
        facts = ticket_facts(frame, cfg, when, fields=fields)
        result = build_statement(name, contract, records, facts.tickets, when, period)
        phase.update(len(read.events))
    err.print(
        f"{len(read.events):,} events, {len(records):,} records → statement of {customer} "
        f"for {result.period} as of {iso(when)}",
        highlight=False,
    )
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.csv_rows())
    else:
        _table(result)
    if strict:
        strict_exit(len(read.quarantined), qpath)


def _local(t: Instant, tz: str) -> str:
    return from_instant(t).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def _table(s: Statement) -> None:
    spec = s.spec
    state = "final" if s.final else f"provisional, {s.elapsed:.0%} of the period elapsed"
    out.print(
        f"[bold]Statement[/bold] of {s.customer} (contract {s.contract}) for [bold]{s.period}"
        f"[/bold]: {_local(s.start, spec.tz)} to {_local(s.end, spec.tz)} {spec.tz}, {state}; "
        f"as of {iso(s.as_of)}",
        highlight=False,
    )
    out.print(
        f"period fee {s.period_fee:,} {spec.currency} (monthly {spec.monthly_fee:,}); clocks "
        f"count in the period they {_RULES[spec.count_by]}",
        highlight=False,
    )
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for col in ("objective", "promise", "result", "of", "status", "budget", "credit"):
        t.add_column(col, justify="right" if col in ("result", "of", "credit") else "left")
    for o in s.objectives:
        b, c = o.budget, o.credit
        num = o.numerator
        shown = "-" if num is None else (o.value_text() if o.spec.kind == "statistic" else num)
        style = _STATUS_STYLE[o.outcome.status]
        t.add_row(
            o.name,
            o.describe(),
            o.value_text(),
            f"{shown} / {o.denominator}",
            f"[{style}]{o.outcome.status}[/{style}]",
            _budget_text(b.used, b.allowed) if b else "-",
            f"{c.amount:,} ({c.status})" if c else "-",
        )
    out.print(t)
    for o in s.objectives:
        if o.breaches:
            tickets = ", ".join(
                f"{b.ticket_id}{'' if b.cycle == 1 else f'#{b.cycle}'}"
                + (" (open)" if b.open else "")
                for b in o.breaches
            )
            out.print(f"breaches of {o.name}: {tickets}", highlight=False)
        if o.expected is not None and o.expected.warning is not None:
            out.print(f"[yellow]budget warning[/yellow] for {o.name}: {o.expected.warning}")
        if o.forecast is not None:
            out.print(
                f"forecast of {o.name}: {_forecast_text(o.forecast.status)} — {o.forecast.basis}",
                highlight=False,
            )
        if o.burn is not None and o.burn.clocks:
            out.print(f"burn of {o.name}: {o.burn.basis}", highlight=False)
        for r in o.at_risk:
            out.print(
                f"at risk ({o.name}): {r.ticket_id} {r.metric} #{r.cycle}: {r.reason}",
                highlight=False,
            )
    for e in s.excluded:
        out.print(f"excluded: {e.ticket_id}: {e.reason}", highlight=False)
    if s.credits:
        out.print("[bold]Credits[/bold]")
        for c in s.credits:
            out.print(
                f"  {c.objective} ({c.scheme}): {c.amount:,} {spec.currency}, {c.status}",
                highlight=False,
            )
            for line in (c.computation, *c.notes):
                out.print(f"      {line}", highlight=False)
    if s.cap:
        out.print(s.cap, highlight=False)
    out.print(
        f"[bold]total due {s.total_due:,} {spec.currency}[/bold]; pending "
        f"{s.total_pending:,}; waived {s.total_waived:,}",
        highlight=False,
    )


_RULES = {
    "completed": "completed in (stop, or breach while still open)",
    "decided": "were decided in (breach, or stop when met)",
    "created": "ticket was created in",
}


def _budget_text(used: int, allowed: int) -> str:
    if used > allowed:
        return f"{used} of {allowed} used, {used - allowed} over"
    return f"{used} of {allowed} used, {allowed - used} left"


def _forecast_text(status: str) -> str:
    return {"met": "on track", "missed": "likely missed", "no_data": "no data"}[status]
