"""The records view's content (:class:`ViewState`) and the pure steps that change and read it:
the rows of the records with a target, their groups and kinds, the static counts, the delta
of tickets replaced since the last compaction and the running clocks judged at each read. The
view itself (:mod:`accord.service.records_view`) holds one content, reads the store and keeps
it current under its lock."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from accord.core.agreements.models import AGREEMENT_PREFIX
from accord.core.records import State
from accord.core.timeutil import Instant
from accord.io.store import TicketResult
from accord.io.store.base import COMPLIANCE_DIMENSIONS, ComplianceKey, month_of

# kinds of a record with a target; a cancelled one counts nowhere, but its group is listed
# (with zeros), as the store's query lists it
MET, BREACHED, OPEN, CANCELLED, DYNAMIC = 0, 1, 2, 3, 4
_KIND = {
    State.MET.value: MET,
    State.BREACHED.value: BREACHED,
    State.PAUSED.value: OPEN,
    State.CANCELLED.value: CANCELLED,
}
GROUP_COLUMNS = ("metric", "priority", "policy", "team", "customer", "month")
_DIM_COLUMN = {d: d for d in COMPLIANCE_DIMENSIONS}

Group = tuple[str, str | None, str | None, str | None, str | None, str]
Row = tuple[int, int, int]  # group id, kind, due (0 unless dynamic)
_BASE_SCHEMA: dict[str, Any] = {
    "ticket_id": pl.String,
    "gid": pl.Int32,
    "kind": pl.Int8,
    "due": pl.Int64,
}
_DYN_SCHEMA: dict[str, Any] = {"ticket_id": pl.String, "gid": pl.Int32, "due": pl.Int64}


_RUNNING = State.RUNNING.value  # read once: an Enum member's ``value`` is a property


def kind_of(state: str, due: Instant | None) -> int | None:
    """The kind of a stored record with a target (``None``: a state unknown here)."""
    if state == _RUNNING:
        return OPEN if due is None else DYNAMIC
    return _KIND.get(state)


@dataclass
class ViewState:
    """One consistent content of the view; replaced whole on a reload."""

    groups: dict[Group, int]
    group_rows: list[Group]
    counts: np.ndarray  # (groups, 4) int64: met, breached, open, cancelled (static records)
    base: pl.DataFrame  # _BASE_SCHEMA: the records as loaded (and compacted)
    delta: dict[str, list[Row]]  # ticket -> its current rows, for tickets replaced since
    # _DYN_SCHEMA: every running record with a due instant as of the last load or compaction
    # (the tickets of ``delta`` have theirs there: dynamic_now)
    dynamic: pl.DataFrame
    stamp: tuple[int, int]  # the store's change stamp this content accounts for
    seq_seen: int  # events up to this seq are accounted for
    handled: dict[str, int]  # ticket -> highest event seq its applied records were built from
    moves_seen: int  # the store's ticket moves up to this number are accounted for

    def gid(self, g: Group) -> int:
        got = self.groups.get(g)
        if got is None:
            got = self.groups[g] = len(self.group_rows)
            self.group_rows.append(g)
            if got >= self.counts.shape[0]:
                grown = np.zeros((max(64, 2 * self.counts.shape[0]), 4), dtype=np.int64)
                grown[: self.counts.shape[0]] = self.counts
                self.counts = grown
        return got


def empty_state(stamp: tuple[int, int], moves: int = 0) -> ViewState:
    return ViewState(
        groups={},
        group_rows=[],
        counts=np.zeros((64, 4), dtype=np.int64),
        base=pl.DataFrame(schema=_BASE_SCHEMA),
        delta={},
        dynamic=pl.DataFrame(schema=_DYN_SCHEMA),
        stamp=stamp,
        seq_seen=stamp[0],
        handled={},
        moves_seen=moves,
    )


def _group_and_kind(state: ViewState, key: ComplianceKey) -> tuple[str, Row] | None:
    tid, metric, priority, policy, team, customer, month, st, due = key
    kind = kind_of(st, due)
    if kind is None:
        return None
    gid = state.gid((metric, priority, policy, team, customer, month))
    return tid, (gid, kind, due if kind == DYNAMIC and due is not None else 0)


def _add(state: ViewState, rows: Iterable[Row], sign: int) -> None:
    static = [(g, k) for g, k, _ in rows if k != DYNAMIC]
    if static:
        g, k = zip(*static, strict=True)
        np.add.at(state.counts, (np.asarray(g), np.asarray(k)), sign)


def rows_frame(
    state: ViewState, batch: Sequence[ComplianceKey]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A batch of loaded keys as base rows (counted) and dynamic rows."""
    tids: list[str] = []
    rows: list[Row] = []
    for key in batch:
        got = _group_and_kind(state, key)
        if got is not None:
            tids.append(got[0])
            rows.append(got[1])
    _add(state, rows, +1)
    frame = pl.DataFrame(
        {
            "ticket_id": tids,
            "gid": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "due": [r[2] for r in rows],
        },
        schema=_BASE_SCHEMA,
    )
    return frame, frame.filter(pl.col("kind") == DYNAMIC).select(list(_DYN_SCHEMA))


def delta_frame(delta: Mapping[str, list[Row]]) -> pl.DataFrame:
    pairs = [(tid, r) for tid, rows in delta.items() for r in rows]
    return pl.DataFrame(
        {
            "ticket_id": [p[0] for p in pairs],
            "gid": [p[1][0] for p in pairs],
            "kind": [p[1][1] for p in pairs],
            "due": [p[1][2] for p in pairs],
        },
        schema=_BASE_SCHEMA,
    )


def _current_rows(state: ViewState, ids: Collection[str]) -> dict[str, list[Row]]:
    """The rows the view holds now for these tickets."""
    out: dict[str, list[Row]] = {tid: list(state.delta[tid]) for tid in ids if tid in state.delta}
    rest = [tid for tid in ids if tid not in state.delta]
    if rest and state.base.height:
        # ``base`` is sorted by ticket: each ticket's rows are one run, found by binary search
        col = state.base.get_column("ticket_id")
        wanted = pl.Series(rest, dtype=pl.String)
        lo = col.search_sorted(wanted, side="left").to_numpy()
        hi = col.search_sorted(wanted, side="right").to_numpy()
        spans = [np.arange(a, b) for a, b in zip(lo, hi, strict=True) if b > a]
        if spans:
            rows = state.base[np.concatenate(spans)]
            for tid, gid, kind, due in rows.iter_rows():
                out.setdefault(tid, []).append((gid, kind, due))
    return out


def _replace_rows(state: ViewState, new: Mapping[str, list[Row]]) -> None:
    # the counts adjusted once a pass, not once a ticket (an ``np.add.at`` call costs about
    # as much as a ticket's other work); the dynamic rows are left to ``dynamic_now``: a
    # filter of every running clock at each pass grew with the store
    old = _current_rows(state, list(new))
    _add(state, [r for rows in old.values() for r in rows], -1)
    _add(state, [r for rows in new.values() for r in rows], +1)
    state.delta.update(new)


def dynamic_now(state: ViewState) -> pl.DataFrame:
    """Every running record with a due instant now: ``state.dynamic`` (as of the last load
    or compaction) less the tickets replaced since, plus their current dynamic rows."""
    if not state.delta:
        return state.dynamic
    dyn_new = [
        (tid, g, due) for tid, rows in state.delta.items() for g, k, due in rows if k == DYNAMIC
    ]
    replaced = pl.Series(list(state.delta), dtype=pl.String).implode()
    return pl.concat(
        [
            state.dynamic.filter(~pl.col("ticket_id").is_in(replaced)),
            pl.DataFrame(
                {
                    "ticket_id": [d[0] for d in dyn_new],
                    "gid": [d[1] for d in dyn_new],
                    "due": [d[2] for d in dyn_new],
                },
                schema=_DYN_SCHEMA,
            ),
        ]
    )


def apply_results(
    state: ViewState, results: Sequence[TicketResult], seqs: Mapping[str, int]
) -> None:
    new: dict[str, list[Row]] = {}
    for res in results:
        tid = res.summary.ticket_id
        rows = new.setdefault(tid, [])
        for r in res.records:
            if r.target is None:
                continue
            key: ComplianceKey = (
                tid, r.metric, r.priority, r.policy, r.team, res.summary.customer,
                month_of(r.start), r.state.value, r.due,
            )  # fmt: skip
            got = _group_and_kind(state, key)
            if got is not None:
                rows.append(got[1])
        # only events the next sync has not accounted for need remembering
        if tid in seqs and seqs[tid] > state.seq_seen:
            state.handled[tid] = max(state.handled.get(tid, -1), seqs[tid])
    if new:
        _replace_rows(state, new)


def refreshed(
    state: ViewState, ids: Sequence[str], keys: Sequence[ComplianceKey], seqs: Mapping[str, int]
) -> None:
    """Replace these tickets' rows by ``keys`` (the store's), remembering their seqs."""
    replace_keys(state, ids, [list(keys)])
    for tid, seq in seqs.items():
        if seq > state.seq_seen:
            state.handled[tid] = max(state.handled.get(tid, -1), seq)


def owned(result: TicketResult, owners: Mapping[str, str | None]) -> TicketResult:
    tid = result.summary.ticket_id
    if tid not in owners or owners[tid] == result.summary.customer:
        return result
    return TicketResult(replace(result.summary, customer=owners[tid]), result.records)


def move_rows(state: ViewState, customers: Mapping[str, str | None]) -> None:
    """Put the rows of these tickets under their new customers (same groups otherwise)."""
    held = _current_rows(state, list(customers))
    new: dict[str, list[Row]] = {}
    for tid, rows in held.items():
        to = customers[tid]
        moved: list[Row] = []
        for gid, kind, due in rows:
            metric, priority, policy, team, _, month = state.group_rows[gid]
            moved.append((state.gid((metric, priority, policy, team, to, month)), kind, due))
        new[tid] = moved
    if new:
        _replace_rows(state, new)


def replace_keys(
    state: ViewState, ids: Sequence[str], batches: Iterable[list[ComplianceKey]]
) -> None:
    """Replace these tickets' rows by the store's (none when it has no record of one)."""
    new: dict[str, list[Row]] = {tid: [] for tid in ids}
    for batch in batches:
        for key in batch:
            got = _group_and_kind(state, key)
            if got is not None:
                new[got[0]].append(got[1])
    _replace_rows(state, new)


def groups_frame(group_rows: Sequence[Group]) -> pl.DataFrame:
    cols = list(zip(*group_rows, strict=True)) if group_rows else [()] * len(GROUP_COLUMNS)
    frame: dict[str, Any] = {"gid": pl.Series("gid", range(len(group_rows)), dtype=pl.Int32)}
    for name, values in zip(GROUP_COLUMNS, cols, strict=True):
        frame[name] = pl.Series(name, list(values), dtype=pl.String)
    return pl.DataFrame(frame)


def filtered(
    frame: pl.DataFrame, customer: str | None, metric: str | None, internal: bool
) -> pl.DataFrame:
    # the SLA clocks, or the internal agreements' (never both: see TicketQuery.internal)
    ola = pl.col("metric").cast(pl.String).str.starts_with(AGREEMENT_PREFIX)
    frame = frame.filter(ola if internal else ~ola)
    if customer is not None:
        frame = frame.filter(pl.col("customer") == customer)
    if metric is not None:
        frame = frame.filter(pl.col("metric") == metric)
    return frame


def key_expr(by: str | None) -> pl.Expr:
    if by is None:
        return pl.lit(None, dtype=pl.String).alias("key")
    return pl.col(_DIM_COLUMN[by]).alias("key")


def static_rows(
    state: ViewState, by: str | None, customer: str | None, metric: str | None, internal: bool
) -> list[tuple[str | None, str, int, int, int]]:
    n = len(state.group_rows)
    groups = groups_frame(state.group_rows).with_columns(
        met=pl.Series(state.counts[:n, MET]),
        breached=pl.Series(state.counts[:n, BREACHED]),
        open=pl.Series(state.counts[:n, OPEN]),
        present=pl.Series(state.counts[:n].sum(axis=1)),
    )
    got = (
        filtered(groups, customer, metric, internal)
        .filter(pl.col("present") > 0)
        .group_by([key_expr(by), "month"])
        .agg(pl.col("met").sum(), pl.col("breached").sum(), pl.col("open").sum())
    )
    return [(k, m, int(a), int(b), int(c)) for k, m, a, b, c in got.iter_rows()]
