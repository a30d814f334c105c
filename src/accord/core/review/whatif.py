"""What-if replay: the same events judged under the configuration in force and under a
candidate, side by side.

Both configurations run on the batch engine over the one events table (read once by the
caller), at the same as-of. Their records are matched by ticket, metric and cycle (row for
row when the candidate leaves the cycles as they are, which the common changes of targets,
calendars and pauses do; by a join otherwise, when a reopen rule adds or removes cycles), and
then judged per group (:mod:`accord.core.review.figures`). A clock belongs to the window when
it started in it (under either configuration). Contracts are judged per configuration by
their own rules (:mod:`accord.core.review.contracts`). The clocks whose state differs are
listed; the first ``explain`` of them (by ticket, metric and cycle) get their explanation under
both configurations from the reference engine, one ticket at a time: the batch engine computes
no explanations, and computing them for every clock would cost more than the replay itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pyarrow as pa

from accord.core.config.resolved import Configuration
from accord.core.contracts.credits import round_money
from accord.core.contracts.models import ContractSpec
from accord.core.engine import compute_ticket
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.schema import events_from_table
from accord.core.events import Event
from accord.core.records import Step
from accord.core.review.candidate import Setup
from accord.core.review.contracts import ContractFigures, contract_figures
from accord.core.review.facts import exclusion_facts, in_mask
from accord.core.review.figures import (
    Changed,
    ClockSide,
    ContractComparison,
    Figures,
    Group,
    WhatIf,
)
from accord.core.review.window import Window
from accord.core.timeutil import Instant, iso
from accord.errors import InputError

DIMENSIONS = ("metric", "priority", "customer", "team", "policy")
_KEYS = ["ticket_id", "metric", "cycle"]
_SIDE_COLUMNS = ("policy", "calendar", "priority", "customer", "team", "target", "start", "stop",
                 "due", "breached_at", "business_elapsed", "state")  # fmt: skip
_SUFFIX = {"current": "_cur", "candidate": "_cand"}
_OPEN = ("running", "paused")


def parse_by(values: Iterable[str] | None, allowed: Sequence[str] = DIMENSIONS) -> tuple[str, ...]:
    """``--by metric,priority`` (repeatable, comma-separated) as a tuple of known dimensions."""
    out: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in allowed:
                raise InputError(
                    f"cannot group by '{name}'; group by any of {', '.join(allowed)}",
                    details=[{"parameter": "by", "allowed": list(allowed)}],
                )
            if name not in out:
                out.append(name)
    return tuple(out)


def run_whatif(
    events: pa.Table,
    current: Setup,
    candidate: Setup,
    as_of: Instant,
    *,
    window: Window | None = None,
    by: Sequence[str] = ("metric",),
    explain: int = 20,
    tickets: Sequence[str] | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> WhatIf:
    """Replay ``events`` under both configurations at ``as_of`` and compare (module doc).
    ``tickets``: only these tickets' events. ``progress`` hears the events replayed so far
    (each event counts twice: once per configuration)."""
    if tickets:
        events = events.filter(in_mask(events.column("ticket_id"), dict.fromkeys(tickets)))
    n = events.num_rows

    def second(done: int) -> None:
        if progress is not None:
            progress(n + done)

    a = compute_batch(events, current.config, as_of, jobs=jobs, progress=progress)
    b = compute_batch(events, candidate.config, as_of, jobs=jobs, progress=second)
    return compare(events, a, b, current, candidate, as_of, window=window, by=by, explain=explain)


def records_frame(table: pa.Table) -> pl.DataFrame:
    """The columns of a records table a what-if reads, instants as Int64 seconds."""
    cols = []
    names = [*_KEYS, *_SIDE_COLUMNS]
    for name in names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.int64())
        cols.append(col)
    df = pl.from_arrow(pa.table(cols, names=names))
    assert isinstance(df, pl.DataFrame)
    return df


def _matched(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """One row per clock of either side: the keys, then each side's columns (suffixed)."""
    sa = a.rename({c: c + _SUFFIX["current"] for c in _SIDE_COLUMNS})
    sb = b.rename({c: c + _SUFFIX["candidate"] for c in _SIDE_COLUMNS})
    aligned = a.height == b.height and all(a.get_column(k).equals(b.get_column(k)) for k in _KEYS)
    if aligned:  # the same clocks in the same order: no join needed
        return sa.hstack(sb.drop(_KEYS))
    return sa.join(sb, on=_KEYS, how="full", coalesce=True, maintain_order="left_right")


def _col(name: str, side: str) -> pl.Expr:
    return pl.col(name + _SUFFIX[side])


def _in_window(side: str, window: Window) -> pl.Expr:
    start = _col("start", side)
    cond = start.is_not_null()
    if window.start is not None:
        cond &= start >= window.start
    if window.end is not None:
        cond &= start < window.end
    return cond


def _dim(name: str, side: str) -> pl.Expr:
    return pl.col(name) if name == "metric" else _col(name, side).alias(name)


def _side_counts(
    both: pl.DataFrame, side: str, by: Sequence[str], window: Window
) -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """(met, breached, open) clocks with a target per group key, in the window."""
    # one count per (group, state) over the Categorical codes, folded in Python afterwards:
    # several times cheaper on millions of rows than a conditional sum per figure
    state = _col("state", side)
    rows = both.filter(_in_window(side, window) & _col("target", side).is_not_null())
    counts = rows.group_by([*(_dim(d, side) for d in by), state.alias("__state")]).len()
    counts = counts.with_columns(pl.col(d).cast(pl.String) for d in (*by, "__state"))
    slot = {"met": 0, "breached": 1, "running": 2, "paused": 2}
    out: dict[tuple[Any, ...], list[int]] = {}
    for *key, st, n in counts.iter_rows():
        if st in slot:
            out.setdefault(tuple(key), [0, 0, 0])[slot[st]] += int(n)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _side_frame(both: pl.DataFrame, side: str, customers: Sequence[str]) -> pl.DataFrame:
    """One side's records of ``customers`` (only the clocks it has, none cancelled)."""
    state = _col("state", side)
    return both.filter(
        state.is_not_null() & (state != "cancelled") & _col("customer", side).is_in(list(customers))
    ).select(*_KEYS, *(_col(c, side).alias(c) for c in _SIDE_COLUMNS))


def _contracts(
    events: pa.Table, both: pl.DataFrame, setups: Sequence[Setup], as_of: Instant, window: Window
) -> list[dict[str, ContractFigures]]:
    specs = [s.contracts for s in setups]
    every = [c for contracts in specs for c in contracts.values()]
    if not every:
        return [{} for _ in setups]
    fields = list(dict.fromkeys(f for c in every if (f := c.exclude.flag_field) is not None))
    created = any(c.count_by == "created" for c in every)
    tickets = exclusion_facts(events, fields, as_of, created=created)
    customers = list(dict.fromkeys(c.customer_name for c in every))
    return [
        contract_figures(contracts, _side_frame(both, side, customers), tickets, as_of, window)
        for contracts, side in zip(specs, _SUFFIX, strict=True)
    ]


def _share(
    figures: ContractFigures | None, spec: ContractSpec | None, key: dict[str, str | None]
) -> tuple[int | None, int | None, Decimal | None]:
    """Budget allowed, used and credits of the contract objectives that cover a group of one
    customer (by its metric and priority when the group has them)."""
    if figures is None or spec is None or any(d in key for d in ("team", "policy")):
        return None, None, None
    allowed: list[int] = []
    used: list[int] = []
    credits = round_money(Fraction(0), figures.currency)
    for name, objective in spec.objectives.items():
        if "metric" in key and key["metric"] not in objective.metric:
            continue
        priorities = objective.priority
        if "priority" in key and priorities is not None and key["priority"] not in priorities:
            continue
        got = figures.objective(name)
        if got is None:
            continue
        if got.allowed is not None:
            allowed.append(got.allowed)
        if got.used is not None:
            used.append(got.used)
        credits += got.credits
    return (sum(allowed) if allowed else None, sum(used) if used else None, credits)


def _figures(
    counts: dict[tuple[Any, ...], tuple[int, int, int]],
    key: tuple[Any, ...],
    named: dict[str, str | None],
    contract: tuple[ContractFigures | None, ContractSpec | None] | None,
) -> Figures:
    met, breached, open_ = counts.get(key, (0, 0, 0))
    allowed = used = None
    credits = None
    if contract is not None:
        allowed, used, credits = _share(contract[0], contract[1], named)
    return Figures(met + breached, met, breached, open_, allowed, used, credits)


def _clock_side(row: dict[str, Any], side: str) -> ClockSide | None:
    s = _SUFFIX[side]
    if row["state" + s] is None:
        return None
    return ClockSide(
        state=row["state" + s],
        policy=row["policy" + s],
        calendar=row["calendar" + s],
        target=row["target" + s],
        business_elapsed=row["business_elapsed" + s],
        start=row["start" + s],
        due=row["due" + s],
        breached_at=row["breached_at" + s],
    )


def _explanations(
    events: pa.Table,
    tickets: Sequence[str],
    configs: Sequence[Configuration],
    as_of: Instant,
) -> list[dict[tuple[str, str, int], tuple[Step, ...]]]:
    """The reference engine's explanation of every clock of ``tickets``, per configuration."""
    out: list[dict[tuple[str, str, int], tuple[Step, ...]]] = [{} for _ in configs]
    if not tickets:
        return out
    mine = events.filter(in_mask(events.column("ticket_id"), tickets))
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events_from_table(mine):
        by_ticket[e.ticket_id].append(e)
    for tid, evs in by_ticket.items():
        for n, config in enumerate(configs):
            for r in compute_ticket(tid, evs, config, as_of):
                out[n][(r.ticket_id, r.metric, r.cycle)] = r.explanation
    return out


def compare(
    events: pa.Table,
    current_records: pa.Table,
    candidate_records: pa.Table,
    current: Setup,
    candidate: Setup,
    as_of: Instant,
    *,
    window: Window | None = None,
    by: Sequence[str] = ("metric",),
    explain: int = 20,
) -> WhatIf:
    """The what-if of two records tables of the same ``events`` (see :func:`run_whatif`)."""
    window = window or Window()
    by = tuple(by) or ("metric",)
    both = _matched(records_frame(current_records), records_frame(candidate_records))
    counts = [_side_counts(both, side, by, window) for side in _SUFFIX]
    state_a = _col("state", "current").cast(pl.String)
    state_b = _col("state", "candidate").cast(pl.String)
    changed_rows = (
        both.filter(
            (_in_window("current", window) | _in_window("candidate", window))
            & state_a.ne_missing(state_b)
        )
        .with_columns(
            *(
                pl.coalesce(
                    _dim(d, "candidate").cast(pl.String), _dim(d, "current").cast(pl.String)
                ).alias("__" + d)
                for d in by
            ),
            state_a.alias("state_cur"),
            state_b.alias("state_cand"),
            *(_col(c, side).cast(pl.String) for c in ("policy", "calendar") for side in _SUFFIX),
        )
        .sort(_KEYS)
    )
    first = changed_rows.head(max(explain, 0))
    tickets = list(dict.fromkeys(first.get_column("ticket_id").to_list()))
    explained = _explanations(events, tickets, (current.config, candidate.config), as_of)
    wanted = {(r["ticket_id"], r["metric"], r["cycle"]) for r in first.iter_rows(named=True)}
    by_group: dict[tuple[Any, ...], list[Changed]] = defaultdict(list)
    for row in changed_rows.iter_rows(named=True):
        k = (row["ticket_id"], row["metric"], row["cycle"])
        sides = [_clock_side(row, s) for s in _SUFFIX]
        if k in wanted:
            sides = [
                None if s is None else replace(s, explanation=explained[n].get(k, ()))
                for n, s in enumerate(sides)
            ]
        by_group[tuple(row["__" + d] for d in by)].append(
            Changed(row["ticket_id"], row["metric"], int(row["cycle"]), sides[0], sides[1])
        )
    keys = sorted(
        {*counts[0], *counts[1], *by_group},
        key=lambda t: tuple((v is None, v or "") for v in t),
    )
    figures = _contracts(events, both, (current, candidate), as_of, window)
    groups = []
    for key in keys:
        named = dict(zip(by, key, strict=True))
        contract_of = None
        if "customer" in by:
            contract_of = [
                next(
                    (
                        (figures[n].get(cname), spec)
                        for cname, spec in setup.contracts.items()
                        if spec.customer == named["customer"]
                    ),
                    (None, None),
                )
                for n, setup in enumerate((current, candidate))
            ]
        figures_ab = [
            _figures(counts[n], key, named, contract_of[n] if contract_of else None)
            for n in range(2)
        ]
        groups.append(Group(named, figures_ab[0], figures_ab[1], tuple(by_group.get(key, ()))))
    total = Group({}, _sum([g.current for g in groups]), _sum([g.candidate for g in groups]))
    contracts = _compare_contracts(figures[0], figures[1])
    notes = _notes(both, window, total, changed_rows.height, explain, by_group)
    return WhatIf(
        as_of=as_of,
        window=window,
        by=by,
        current=current,
        candidate=candidate,
        events=events.num_rows,
        records=(current_records.num_rows, candidate_records.num_rows),
        groups=tuple(groups),
        total=total,
        contracts=contracts,
        explain_limit=explain,
        notes=tuple(notes),
    )


def _sum(figures: Sequence[Figures]) -> Figures:
    return Figures(
        sum(f.judged for f in figures),
        sum(f.met for f in figures),
        sum(f.breached for f in figures),
        sum(f.open for f in figures),
    )


def _compare_contracts(
    a: dict[str, ContractFigures], b: dict[str, ContractFigures]
) -> tuple[ContractComparison, ...]:
    out = []
    for name in dict.fromkeys((*a, *b)):
        fa, fb = a.get(name), b.get(name)
        ref = fb or fa
        assert ref is not None
        out.append(ContractComparison(name, ref.customer, ref.currency, fa, fb))
    return tuple(out)


def _notes(
    both: pl.DataFrame,
    window: Window,
    total: Group,
    changed: int,
    explain: int,
    by_group: dict[tuple[Any, ...], list[Changed]],
) -> list[str]:
    notes: list[str] = []
    seen = total.current.judged + total.current.open + total.candidate.judged
    if seen + total.candidate.open == 0:
        starts = both.select(
            pl.min_horizontal(_col("start", "current"), _col("start", "candidate"))
        ).to_series()
        if starts.is_empty() or starts.null_count() == starts.len():
            notes.append("no data: the events hold no clock with a target")
        else:
            lo, hi = starts.min(), starts.max()
            notes.append(
                f"no data: no clock with a target among the {window.describe()} (the clocks "
                f"start from {iso(int(lo))} to {iso(int(hi))})"  # type: ignore[arg-type]
            )
    if changed > explain:
        first = next((c for cs in by_group.values() for c in cs if not c.explained), None)
        example = f" (e.g. --ticket {first.ticket_id})" if first is not None else ""
        notes.append(
            f"{changed:,} clocks change state; the first {max(explain, 0):,} are explained under "
            f"both configurations; replay one ticket to explain its clocks{example}"
        )
    return notes
