"""The scoreboard the CLI prints after computing records: compliance by metric and priority,
the open clocks most at risk, and a one-line headline.

:func:`compliance_table` and :func:`most_at_risk` are pure, so the figures are tested without
Rich; :func:`render_summary` only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from accord.core.agreements.models import AGREEMENT_PREFIX, is_internal
from accord.core.config.models import BUILTIN_METRICS
from accord.core.records import MetricRecord, State
from accord.core.timeutil import format_duration, iso

PRIORITY_ORDER = ("urgent", "high", "normal", "low")
_OPEN = frozenset({State.RUNNING, State.PAUSED})


@dataclass(slots=True)
class _Counts:
    met: int = 0
    breached: int = 0
    open: int = 0
    at_risk: int = 0
    cancelled: int = 0
    tickets: set[str] = field(default_factory=set)

    def add(self, r: MetricRecord) -> None:
        if r.state is State.MET:
            self.met += 1
        elif r.state is State.BREACHED:  # closed late, or still open past its target
            self.breached += 1
        elif r.state in _OPEN:
            self.open += 1
            if r.warnings:
                self.at_risk += 1
        elif r.state is State.CANCELLED:
            self.cancelled += 1
        self.tickets.add(r.ticket_id)

    def row(self, metric: str, priority: str | None, *, total: bool) -> dict[str, Any]:
        counts = {
            "tickets": len(self.tickets),
            "met": self.met,
            "breached": self.breached,
            "open": self.open,
            "at_risk": self.at_risk,
            "cancelled": self.cancelled,
        }
        return _row(metric, priority, total, counts)


def _row(metric: str, priority: str | None, total: bool, c: Mapping[str, int]) -> dict[str, Any]:
    """A row of :func:`compliance_table` from its counts."""
    judged = int(c["met"]) + int(c["breached"])
    return {
        "metric": metric,
        "priority": priority,
        "total": total,
        "tickets": int(c["tickets"]),
        "met": int(c["met"]),
        "breached": int(c["breached"]),
        "judged": judged,
        "compliance": int(c["met"]) / judged if judged else None,
        "open": int(c["open"]),
        "at_risk": int(c["at_risk"]),
        "cancelled": int(c["cancelled"]),
    }


def _metric_key(metric: str) -> tuple[int, str]:
    order = BUILTIN_METRICS.index(metric) if metric in BUILTIN_METRICS else len(BUILTIN_METRICS)
    return (order, metric)


def _priority_key(priority: str | None) -> tuple[int, str]:
    if priority is None:
        return (len(PRIORITY_ORDER) + 1, "")
    if priority in PRIORITY_ORDER:
        return (PRIORITY_ORDER.index(priority), priority)
    return (len(PRIORITY_ORDER), priority)


def compliance_table(records: Iterable[MetricRecord]) -> list[dict[str, Any]]:
    """Compliance by metric and priority, over the records that have a target.

    One row per (metric, priority) in a stable order (built-in metrics in their documented
    order, then custom ones by name; priorities urgent, high, normal, low, then others by name,
    then none), each metric followed by its total row (``total=True``, ``priority=None``).
    Keys: ``metric``, ``priority``, ``total``, ``tickets`` (distinct), ``met``, ``breached``
    (closed late or still open past the target), ``judged`` (met + breached), ``compliance``
    (met / judged, ``None`` when nothing is judged yet), ``open`` (running or paused, not yet
    breached), ``at_risk`` (open with a warning), ``cancelled``.
    """
    cells: dict[str, dict[str | None, _Counts]] = {}
    totals: dict[str, _Counts] = {}
    for r in records:
        if r.target is None:  # measured only: nothing to comply with
            continue
        cells.setdefault(r.metric, {}).setdefault(r.priority, _Counts()).add(r)
        totals.setdefault(r.metric, _Counts()).add(r)
    rows: list[dict[str, Any]] = []
    for metric in sorted(cells, key=_metric_key):
        for priority in sorted(cells[metric], key=_priority_key):
            rows.append(cells[metric][priority].row(metric, priority, total=False))
        rows.append(totals[metric].row(metric, None, total=True))
    return rows


def headline(records: Sequence[MetricRecord]) -> dict[str, Any]:
    """Tickets, records and the totals of :func:`compliance_table` over every SLA metric
    (internal agreements' clocks apart): ``met``, ``breached``, ``open`` and ``compliance``
    (met / (met + breached))."""
    total = _Counts()
    for r in records:
        if r.target is not None and not is_internal(r.metric):
            total.add(r)
    judged = total.met + total.breached
    return {
        "tickets": len({r.ticket_id for r in records}),
        "records": len(records),
        "met": total.met,
        "breached": total.breached,
        "open": total.open,
        "compliance": total.met / judged if judged else None,
    }


def most_at_risk(records: Iterable[MetricRecord], top: int = 10) -> list[MetricRecord]:
    """The open clocks with a target, already-breached ones first, then by due instant
    (soonest first); ties by ticket and metric so the order is stable."""
    open_ = [
        r
        for r in records
        if r.target is not None
        and r.due is not None
        and r.stop is None
        and r.state in (State.RUNNING, State.PAUSED, State.BREACHED)
    ]
    open_.sort(key=lambda r: (r.state is not State.BREACHED, r.due, r.ticket_id, r.metric, r.cycle))
    return open_[: max(top, 0)]


def _percent(share: float | None) -> Text:
    if share is None:
        return Text("-", style="dim")
    style = "green" if share >= 0.95 else "yellow" if share >= 0.85 else "red"
    return Text(f"{share * 100:.1f}%", style=style)


def _label(metric: str) -> str:
    return metric.replace("_", " ")


def _table(title: str) -> Table:
    # No vertical rules and single spaces between columns, so both tables fit 80 columns.
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )


def table_summary(table: pa.Table, top: int = 10) -> Figures:
    """:func:`headline`, :func:`compliance_table` and :func:`most_at_risk` of a batch engine
    records table, computed on its columns (a million records would first be a million
    Python objects): the same figures as over the same records."""
    import polars as pl

    from accord.core.engine.batch import records_from_table

    names = ["ticket_id", "metric", "priority", "target", "state", "warnings", "due", "stop"]
    plain = pa.table(
        {
            n: table.column(n).cast(table.column(n).type.value_type)
            if pa.types.is_dictionary(table.column(n).type)
            else table.column(n)
            for n in [*names, "cycle"]
        }
    )
    df = pl.from_arrow(plain)
    assert isinstance(df, pl.DataFrame)
    df = df.with_row_index("row")
    state = pl.col("state")
    is_open = state.is_in([State.RUNNING.value, State.PAUSED.value])
    counts = [
        (state == State.MET.value).sum().alias("met"),
        (state == State.BREACHED.value).sum().alias("breached"),
        is_open.sum().alias("open"),
        (is_open & (pl.col("warnings") != "[]")).sum().alias("at_risk"),
        (state == State.CANCELLED.value).sum().alias("cancelled"),
        pl.col("ticket_id").n_unique().alias("tickets"),
    ]
    targeted = df.filter(pl.col("target").is_not_null())

    cells: dict[str, dict[str | None, dict[str, Any]]] = {}
    for c in targeted.group_by(["metric", "priority"]).agg(counts).iter_rows(named=True):
        cells.setdefault(c["metric"], {})[c["priority"]] = c
    totals = {c["metric"]: c for c in targeted.group_by("metric").agg(counts).iter_rows(named=True)}
    rows: list[dict[str, Any]] = []
    for metric in sorted(cells, key=_metric_key):
        for priority in sorted(cells[metric], key=_priority_key):
            rows.append(_row(metric, priority, False, cells[metric][priority]))
        rows.append(_row(metric, None, True, totals[metric]))
    sla = targeted.filter(~pl.col("metric").str.starts_with(AGREEMENT_PREFIX))
    whole = sla.select(counts).row(0, named=True) if sla.height else None
    met = int(whole["met"]) if whole else 0
    breached = int(whole["breached"]) if whole else 0
    head = {
        "tickets": df.get_column("ticket_id").n_unique(),
        "records": df.height,
        "met": met,
        "breached": breached,
        "open": int(whole["open"]) if whole else 0,
        "compliance": met / (met + breached) if met + breached else None,
    }
    risky = (
        targeted.filter(
            pl.col("due").is_not_null()
            & pl.col("stop").is_null()
            & state.is_in([State.RUNNING.value, State.PAUSED.value, State.BREACHED.value])
        )
        .sort([state != State.BREACHED.value, "due", "ticket_id", "metric", "cycle"])
        .head(max(top, 0))
        .get_column("row")
        .to_list()
    )
    return head, rows, records_from_table(table.take(pa.array(risky, pa.int64())))


Figures = tuple[dict[str, Any], list[dict[str, Any]], list[MetricRecord]]
"""What the scoreboard shows: :func:`headline`, :func:`compliance_table`, :func:`most_at_risk`."""


def record_figures(records: Sequence[MetricRecord], top: int = 10) -> Figures:
    """The scoreboard's figures over records (:func:`table_summary` over a records table)."""
    return headline(records), compliance_table(records), most_at_risk(records, top)


def render_summary(records: Sequence[MetricRecord], console: Console, *, top: int = 10) -> None:
    """Print the compliance table, the ``top`` open clocks most at risk and a headline."""
    render_figures(*record_figures(records, top), console)


def render_figures(
    head: dict[str, Any],
    rows: list[dict[str, Any]],
    risky: Sequence[MetricRecord],
    console: Console,
) -> None:
    """Lay out what :func:`render_summary` prints, from its figures."""
    table = _table("SLA compliance by metric and priority")
    table.add_column("metric", min_width=10)
    table.add_column("priority", no_wrap=True)
    for name in ("tickets", "met", "breached", "met %", "open", "at risk", "cancelled"):
        table.add_column(name, justify="right", no_wrap=True)
    previous: str | None = None
    for row in rows:
        total = bool(row["total"])
        table.add_row(
            "" if row["metric"] == previous else _label(row["metric"]),
            "all" if total else (row["priority"] or "-"),
            f"{row['tickets']:,}",
            f"{row['met']:,}",
            Text(f"{row['breached']:,}", style="red" if row["breached"] else ""),
            _percent(row["compliance"]),
            f"{row['open']:,}",
            Text(f"{row['at_risk']:,}", style="yellow" if row["at_risk"] else ""),
            f"{row['cancelled']:,}",
            style="bold" if total else None,
            end_section=total,
        )
        previous = row["metric"]
    if rows:
        console.print(table)
    else:
        console.print("[dim]No records with a target yet.[/dim]")

    if risky:
        risk = _table(f"Most at risk: open clocks, top {len(risky)}")
        risk.caption = "remaining: business time left (negative: already breached; grey: paused)"
        risk.caption_justify = "left"
        risk.add_column("ticket", no_wrap=True)
        risk.add_column("metric")
        risk.add_column("priority", no_wrap=True)
        risk.add_column("policy")
        risk.add_column("assignee")
        risk.add_column("remaining", justify="right", no_wrap=True)
        risk.add_column("due", no_wrap=True)
        for r in risky:
            style = (
                "red"
                if r.state is State.BREACHED
                else "dim"
                if r.state is State.PAUSED
                else "yellow"
                if r.warnings
                else ""
            )
            risk.add_row(
                r.ticket_id,
                _label(r.metric),
                r.priority or "-",
                r.policy or "-",
                r.assignee or "-",
                Text(format_duration(r.remaining), style=style),
                iso(r.due) or "-",
            )
        console.print()
        console.print(risk)

    console.print()
    line = Text()
    line.append(f"{head['tickets']:,} tickets, {head['records']:,} records; compliance ")
    line.append_text(_percent(head["compliance"]))
    line.append(f" ({head['met']:,} met, {head['breached']:,} breached, {head['open']:,} open)")
    console.print(line)
