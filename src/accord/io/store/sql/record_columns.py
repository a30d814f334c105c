"""The SQL store's records rows made column-wise from the batch engine's records table.

A batch recompute pass used to make a :class:`~accord.core.records.MetricRecord` of every row
of the engine's table (:func:`~accord.core.engine.batch.records_from_table`), then take each
record apart again into the tuple the store's writes take
(:func:`~accord.io.store.sql.rows._record_values`). Here the columns go to Python lists once
each (``to_pylist``, the derived columns computed over whole columns) and are zipped into the
same tuples, value for value, with no object per row between. ``explanation`` is ``"[]"``, as
the records made by ``records_from_table`` carry none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.schema import _seconds, _values, _warnings
from accord.core.records import State
from accord.core.timeutil import Instant
from accord.io.store.base import NO_DUE, TicketSummary, _month_of_day
from accord.io.store.sql.changed import _json_text

Values = tuple[Any, ...]  # a records row as the writes take it (rows._record_values)


@dataclass(frozen=True, slots=True)
class TicketValues:
    """A recomputed ticket as the SQL store's writes take it: its summary, its records' rows
    (``ticket_customer`` the summary's customer, ``as_of_apart`` against ``as_of``) and the
    instant its records were computed at (``rows.shared_as_of``: None without records)."""

    summary: TicketSummary
    rows: Sequence[Values]
    as_of: Instant | None


_STATES = frozenset(s.value for s in State)
_CANCELLED = State.CANCELLED.value
# the columns taken as they are, in the records table's order up to ``state`` (rows.py)
_PLAIN = (
    "ticket_id", "metric", "cycle", "policy", "policy_version", "calendar", "priority",
    "customer", "team", "assignee", "channel", "target",
)  # fmt: skip
_INSTANTS = ("start", "stop", "due", "breached_at")
_ELAPSED = ("business_elapsed", "paused_business", "calendar_elapsed")


def _warnings_text(text: str | None) -> str:
    """The store's JSON text of a warnings column's value (the kernel's JSON, its instants
    as text) as ``_record_values`` writes the record's warnings."""
    got = _warnings(text)
    return _json_text([[w.threshold, w.at] for w in got]) if got else "[]"


def _months(start: Sequence[int]) -> list[str]:
    """``month_of`` of every start, each distinct day formatted once."""
    if not start:
        return []
    days, at = np.unique(np.asarray(start, dtype=np.int64) // 86_400, return_inverse=True)
    months = np.array([_month_of_day(int(d)) for d in days], dtype=object)
    out: list[str] = months[at.reshape(-1)].tolist()
    return out


def _first_as_of(ticket: Sequence[str], as_of: Sequence[int]) -> dict[str, int]:
    """Each ticket's first record's ``as_of`` (``shared_as_of``)."""
    if as_of and min(as_of) == max(as_of):  # a pass computes at one instant: the usual case
        return dict.fromkeys(ticket, as_of[0])
    first: dict[str, int] = {}
    for tid, at in zip(ticket, as_of, strict=True):
        first.setdefault(tid, at)
    return first


def ticket_values(tbl: pa.Table, summaries: Mapping[str, TicketSummary]) -> list[TicketValues]:
    """Every ticket of ``summaries`` (in its order) with its records' rows from ``tbl`` (in
    :data:`~accord.core.engine.batch.schema.RECORDS_SCHEMA`, each ticket's rows in the
    table's order): the tuples ``_record_values`` makes of ``records_from_table``'s records,
    with the summaries' customers. Raises where ``records_from_table`` would (an unknown state,
    warnings that are no JSON), and for a record of a ticket not in ``summaries``."""
    c: dict[str, list[Any]] = {name: _values(tbl.column(name)) for name in _PLAIN}
    for name in _INSTANTS:
        c[name] = _seconds(tbl.column(name))
    as_of = _seconds(tbl.column("as_of"))
    assert None not in c["start"] and None not in as_of  # as records_from_table holds
    state = _values(tbl.column("state"))
    if not set(state) <= _STATES:
        raise ValueError(f"a record of an unknown state: {sorted(set(state) - _STATES)}")
    # few distinct texts (most records have no warning): each parsed once
    texts = _values(tbl.column("warnings"))
    warnings = {text: _warnings_text(text) for text in set(texts)}
    ticket = c["ticket_id"]
    queued = pc.and_(
        pc.and_(pc.is_valid(tbl.column("target")), pc.is_null(tbl.column("stop"))),
        pc.not_equal(tbl.column("state").cast(pa.string()), _CANCELLED),
    )
    shared = _first_as_of(ticket, as_of)
    customer = {tid: s.customer for tid, s in summaries.items()}
    rows = zip(
        *(c[name] for name in _PLAIN),
        *(c[name] for name in _INSTANTS),
        *(_values(tbl.column(name)) for name in _ELAPSED),
        state,
        _values(tbl.column("breached_now")),
        _values(tbl.column("ever_breached")),
        [warnings[v] for v in texts],
        ["[]"] * len(ticket),
        [customer[tid] for tid in ticket],
        queued.to_pylist(),
        [NO_DUE if d is None else d for d in c["due"]],
        _months(c["start"]),
        [None if at == shared[tid] else at for tid, at in zip(ticket, as_of, strict=True)],
        strict=True,
    )
    by_ticket: dict[str, list[Values]] = {tid: [] for tid in summaries}
    for values in rows:
        by_ticket[values[0]].append(values)
    return [TicketValues(s, by_ticket[tid], shared.get(tid)) for tid, s in summaries.items()]


__all__ = ["TicketValues", "Values", "ticket_values"]
