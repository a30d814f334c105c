"""A batch recompute pass's records straight from the engine's table into the store's rows.

On a store that makes its rows from the batch engine's records table itself (the SQL store:
:mod:`accord.io.store.sql.record_columns`), a pass saves those rows, with no
:class:`~accord.core.records.MetricRecord` made per record. The pass's results still carry
their records for whoever is told of the saves (``on_saved``): as :class:`TableRecords`, made
from the table (:func:`~accord.core.engine.batch.records_from_table`) the first time one of the
pass's tickets' records is read, and never when none is (the recompute process reads only the
tickets' ids).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, overload, runtime_checkable

import pyarrow as pa

from accord.core.engine.batch import records_from_table
from accord.core.records import MetricRecord
from accord.io.store import TicketResult, TicketSummary
from accord.io.store.sql.record_columns import TicketValues


@runtime_checkable
class RecordValues(Protocol):
    """A store that saves the rows it makes from the batch engine's records table."""

    def record_values(
        self, records: pa.Table, summaries: dict[str, TicketSummary]
    ) -> list[TicketValues]: ...

    def save_values(
        self, results: Sequence[TicketValues], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None: ...


class _PassRecords:
    """The records of a pass's table by ticket, made once, when first asked for."""

    def __init__(self, table: pa.Table) -> None:
        self._table: pa.Table | None = table
        self._by_ticket: dict[str, list[MetricRecord]] = {}

    def of(self, ticket_id: str) -> list[MetricRecord]:
        if self._table is not None:
            by_ticket: dict[str, list[MetricRecord]] = {}
            for r in records_from_table(self._table):
                by_ticket.setdefault(r.ticket_id, []).append(r)
            self._by_ticket, self._table = by_ticket, None
        return self._by_ticket.get(ticket_id, [])


class TableRecords(Sequence[MetricRecord]):
    """One ticket's records of a pass's table, made when first read (see the module)."""

    __slots__ = ("_count", "_records", "_ticket_id")

    def __init__(self, records: _PassRecords, ticket_id: str, count: int) -> None:
        self._records = records
        self._ticket_id = ticket_id
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> MetricRecord: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[MetricRecord]: ...

    def __getitem__(self, i: int | slice) -> MetricRecord | Sequence[MetricRecord]:
        return self._records.of(self._ticket_id)[i]

    def __iter__(self) -> Iterator[MetricRecord]:
        return iter(self._records.of(self._ticket_id))

    def __eq__(self, other: object) -> bool:
        # equal to any sequence of the same records, as the list it stands for is
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list's: not hashable

    def __repr__(self) -> str:
        return repr(list(self))


def pass_values(
    store: RecordValues, table: pa.Table, summaries: dict[str, TicketSummary]
) -> tuple[list[TicketResult], list[TicketValues]]:
    """The pass's results (records made when read) and the store's rows of them, in
    ``summaries``'s order, from the batch engine's records table of the pass."""
    values = store.record_values(table, summaries)
    records = _PassRecords(table)
    results = [
        TicketResult(v.summary, TableRecords(records, v.summary.ticket_id, len(v.rows)))
        for v in values
    ]
    return results, values


__all__ = ["RecordValues", "TableRecords", "pass_values"]
