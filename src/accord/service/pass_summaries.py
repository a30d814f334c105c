"""A batch recompute pass's ticket summaries computed over the pass's columns at once.

A ticket's summary (:func:`accord.service.recompute.summarize`) holds each of its fields as
the last ``created`` / ``updated`` event in time order (``ts, ts_us, seq``) that names it
left it (set or cleared), and its first and last instants. Replaying every ticket's events in
Python cost a sort with a key per event and a dict update per event; here one sort of the
whole pass (numpy) and, per field, the last naming row of each ticket (``maximum.reduceat``)
give the same summaries, with Python work per ticket only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from accord.core.events import Kind
from accord.core.timeutil import Instant
from accord.io.store import TicketSummary

SUMMARY_FIELDS = ("customer", "team", "priority", "status", "assignee")
"""The fields a summary keeps; bit ``k`` of a row's mask (:func:`pass_summaries`) names the
``k``-th."""


def field_mask(fields: Any) -> int:
    """The mask of the summary fields a fields object names (set or cleared)."""
    return sum(1 << k for k, name in enumerate(SUMMARY_FIELDS) if name in fields)


def _text(v: Any) -> str | None:
    # accord.core.ownership.field_text for the values a summary can hold here (text or
    # None: anything else made the table refuse the pass first)
    return None if v is None or v == "" else str(v)


def pass_summaries(
    tickets: Sequence[str],
    lengths: Sequence[int],
    columns: dict[str, list[Any]],
    masks: Sequence[int],
    as_of: Instant,
) -> dict[str, TicketSummary]:
    """The summaries of ``tickets``, whose rows lie one ticket after another (``lengths``
    each, in ``tickets``'s order) in ``columns`` (``ts``, ``ts_us``, ``seq``, ``kind`` and the
    :data:`SUMMARY_FIELDS`: the value a row sets, None when it sets none or clears it);
    ``masks``: each row's mask of the summary fields it names (:func:`field_mask`)."""
    if not tickets:
        return {}
    n = len(masks)
    lens = np.asarray(lengths, dtype=np.int64)
    starts = np.zeros(len(lens), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    owner = np.repeat(np.arange(len(lens)), lens)
    ts = np.asarray(columns["ts"], dtype=np.int64)
    ts_us = np.asarray(columns["ts_us"], dtype=np.int64)
    seq = np.asarray(columns["seq"], dtype=np.int64)
    # each ticket's rows in time order, the tickets kept apart: the last key sorts first
    order = np.lexsort((seq, ts_us, ts, owner))
    kind = np.asarray(columns["kind"], dtype=object)
    sets = ((kind == Kind.CREATED.value) | (kind == Kind.UPDATED.value))[order]
    named = np.asarray(masks, dtype=np.int64)[order]
    at = np.arange(n)
    rows = order.tolist()
    values: list[list[Any]] = []
    for k, name in enumerate(SUMMARY_FIELDS):
        # the last row of each ticket that names the field (-1: none does)
        naming = sets & ((named >> k) & 1).astype(bool)
        last = np.maximum.reduceat(np.where(naming, at, -1), starts).tolist()
        column = columns[name]
        values.append([None if i < 0 else _text(column[rows[i]]) for i in last])
    first_ts = ts[order[starts]].tolist()
    last_ts = ts[order[starts + lens - 1]].tolist()
    return {
        tid: TicketSummary(
            ticket_id=tid,
            customer=customer,
            team=team,
            priority=priority,
            status=status,
            assignee=assignee,
            first_ts=first,
            last_ts=latest,
            events=count,
            computed_at=as_of,
        )
        for tid, customer, team, priority, status, assignee, first, latest, count in zip(
            tickets, *values, first_ts, last_ts, lengths, strict=True
        )
    }
