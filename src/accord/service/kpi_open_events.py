"""The KPI view's open tickets' events (:class:`OpenEvents`): an events table from which a
sync drops the tickets it reads again without filtering the whole table each time.

At a million tickets the open events are some 3.3 million rows; filtering them (every
column copied) at each sync of a thousand changed tickets was most of the sync's CPU. A sync
now only notes which rows are gone; the filter runs once, when a reader needs the whole
table (a fresh layout, the facts of every open ticket, a saved state), or when the rows
kept for nothing grow too many (:func:`accord.service.kpi_view_parts.drop_open`). The reads
of every ticket's values after a sync use the kept layout and facts, which drop tickets on
their own, and never need it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class OpenEvents:
    """An events table (or none) less the rows of dropped tickets.

    ``dropped`` maps a ticket to a row index: its rows before it are gone, those from it on
    are its events read again after the drop (a sync drops a ticket, then adds what it read
    of it). The content never changes: :meth:`whole` applies the drops in place (the same
    rows in the same order), so a reader holding this object while a sync makes the next
    one sees one consistent content."""

    __slots__ = ("_state",)

    def __init__(
        self, table: pa.Table | None, dropped: Mapping[str, int] | None = None, drops: int = 0
    ) -> None:
        # one attribute: a reader takes the table and its drops together
        self._state: tuple[pa.Table | None, Mapping[str, int], int] = (table, dropped or {}, drops)

    @property
    def pending(self) -> int:
        """The drops of a ticket since the rows were last filtered out: a ticket dropped at
        each of many syncs counts each time, as the rows it leaves behind add up."""
        return self._state[2]

    @property
    def held_bytes(self) -> int:
        """The memory the table holds, dropped rows included."""
        table = self._state[0]
        return int(table.nbytes) if table is not None else 0

    def whole(self) -> pa.Table | None:
        """The table without the dropped rows (filtered once, then kept)."""
        table, dropped, _ = self._state
        if table is None or not dropped:
            return table
        table = table.filter(_kept(table.column("ticket_id"), None, dropped))
        self._state = (table, {}, 0)
        return table

    def of(self, ids: pa.Array | pa.ChunkedArray) -> pa.Table | None:
        """The rows of these tickets (in the table's order), without the dropped ones: what
        filtering :meth:`whole` on them gives, without filtering every row's columns."""
        table, dropped, _ = self._state
        if table is None:
            return None
        mask = pc.is_in(table.column("ticket_id"), value_set=ids)
        if not dropped:
            return table.filter(mask)
        rows = pc.indices_nonzero(mask)
        sub = table.take(rows)
        return sub.filter(_kept(sub.column("ticket_id"), rows, dropped))

    def plus(self, table: pa.Table) -> OpenEvents:
        """These events (of tickets not held, or dropped) added after the held ones."""
        held, dropped, drops = self._state
        if held is not None:
            table = pa.concat_tables([held, table], promote_options="default")
        return OpenEvents(table, dropped, drops)

    def without(self, ids: Collection[str]) -> OpenEvents:
        """These tickets' events dropped (all those held now)."""
        held, dropped, drops = self._state
        if held is None or not ids:
            return self
        end = held.num_rows
        return OpenEvents(held, {**dropped, **dict.fromkeys(ids, end)}, drops + len(ids))


def _kept(
    ticket_ids: pa.ChunkedArray, rows: pa.Array | None, dropped: Mapping[str, int]
) -> pa.Array:
    """Which rows stay: those of tickets not dropped, or at or after their drop's index
    (``rows``: the rows' indices in the table, their positions when ``None``)."""
    keys = pa.array(list(dropped), type=pa.string())
    ends = pa.array(list(dropped.values()), type=pa.int64())
    end = pc.take(ends, pc.index_in(ticket_ids, value_set=keys))  # null: not dropped
    at = pa.array(np.arange(len(ticket_ids), dtype=np.int64)) if rows is None else rows
    return pc.or_kleene(pc.is_null(end), pc.greater_equal(pc.cast(at, pa.int64()), end))
