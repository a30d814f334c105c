"""The recompute's saves: each ticket's summary and records, written where they changed.

Two ways in, one write: :meth:`SavesPart.save_results` takes the records as
:class:`~accord.core.records.MetricRecord` values (every caller of the store), and
:meth:`SavesPart.save_values` the rows already made, as a batch recompute pass makes them
column-wise from the engine's table (:mod:`accord.io.store.sql.record_columns`), with no
record object per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from accord.io.store import schema as t
from accord.io.store.base import TicketResult, TicketSummary
from accord.io.store.sql.changed import write_changed_values
from accord.io.store.sql.connection import SqlBase, _chunks, _guard, driver_cursor
from accord.io.store.sql.marks import clear_marks
from accord.io.store.sql.owners import locked_owners
from accord.io.store.sql.record_columns import TicketValues, Values, ticket_values
from accord.io.store.sql.rows import _record_values, _ticket_values, shared_as_of

_TICKET_KEY = ("ticket_id",)
_RECORD_KEY = ("ticket_id", "metric", "cycle")
_CUSTOMER_AT = 24  # ticket_customer in a records row (rows._record_values)
# Every statement of a save finds its rows by their keys, a chunk of tickets at a time: on
# PostgreSQL its plans are held to look-ups of the keys' indexes, for this transaction only.
# Left to itself the planner joined a chunk's keys to the whole tickets table by hashing it,
# or found the owners by scanning it: its cost model (a page read a look-up) guessed 500
# look-ups dearer than a pass over 50,000 rows, where they cost a fifth of it, and that scan
# grows with the store while the chunk does not.
_PG_KEYED_PLANS = (
    "SELECT set_config('enable_seqscan', 'off', true), "
    "set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
)
# the save's own statement on SQLite, in the driver's SQL
_UNFAIL = "DELETE FROM failed_tickets WHERE ticket_id IN"


def values_of_results(results: Sequence[TicketResult]) -> list[TicketValues]:
    """The rows of these results' records, as :meth:`SavesPart.save_values` takes them."""
    out: list[TicketValues] = []
    for r in results:
        as_of = shared_as_of(r.records)  # the records' instant, once per ticket (0009)
        customer = r.summary.customer
        rows = [_record_values(rec, customer, as_of) for rec in r.records]
        out.append(TicketValues(r.summary, rows, as_of))
    return out


def _owned(row: Values, customer: str | None) -> Values:
    return (*row[:_CUSTOMER_AT], customer, *row[_CUSTOMER_AT + 1 :])


class SavesPart(SqlBase):
    @_guard
    def save_results(
        self, results: Sequence[TicketResult], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        # every record's row made before the write transaction (on SQLite the ingest waits
        # for its lock)
        self._save_values(values_of_results(results), clear)

    def record_values(
        self, records: pa.Table, summaries: dict[str, TicketSummary]
    ) -> list[TicketValues]:
        """What :meth:`save_values` takes for these summaries and the batch engine's records
        of their tickets (no database work: see ``record_columns.py``)."""
        return ticket_values(records, summaries)

    @_guard
    def save_values(
        self, results: Sequence[TicketValues], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        """:meth:`save_results` of results whose rows are made (:func:`values_of_results`,
        :meth:`record_values`): each ticket's rows name its summary's customer."""
        self._save_values(results, clear)

    def _save_values(
        self, results: Sequence[TicketValues], clear: Sequence[tuple[str, int]]
    ) -> None:
        if not results and not clear:
            return
        ids = list(dict.fromkeys(r.summary.ticket_id for r in results))
        by_ticket: dict[str, list[Values]] = {tid: [] for tid in ids}
        for r in results:
            for values in r.rows:
                by_ticket[values[0]].append(values)
        with self._writing() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql(_PG_KEYED_PLANS)
            # the current customers, locked: a move stored since these summaries were computed
            # stands (and one being stored waits for this transaction, then moves its rows)
            owners = locked_owners(conn, ids, write=False)
            current = {
                r.summary.ticket_id: owners[r.summary.ticket_id][0]
                if r.summary.ticket_id in owners
                else r.summary.customer
                for r in results
            }
            for r in results:
                tid = r.summary.ticket_id
                if current[tid] != r.summary.customer:  # a moved ticket: its rows made again
                    for values in r.rows:
                        rows_of = by_ticket[values[0]]
                        rows_of[rows_of.index(values)] = _owned(values, current[tid])
            tickets_of = {
                r.summary.ticket_id: _ticket_values(
                    r.summary, current[r.summary.ticket_id], r.as_of
                )
                for r in results
            }
            pg = self.dialect == "postgresql"
            for chunk in _chunks(ids):
                # only what changed is written (see changed.py): the same rows as a rewrite
                tickets = [tickets_of[i] for i in chunk]
                write_changed_values(conn, t.tickets, _TICKET_KEY, chunk, tickets)
                rows = [v for i in chunk for v in by_ticket[i]]
                write_changed_values(conn, t.records, _RECORD_KEY, chunk, rows)
                # computed and stored: no longer a failed ticket
                if pg:
                    failed = t.failed_tickets.c.ticket_id.in_(chunk)
                    conn.execute(t.failed_tickets.delete().where(failed))
                else:  # through the driver: SQLAlchemy's expanding IN costs more than the work
                    with driver_cursor(conn) as cursor:
                        cursor.execute(f"{_UNFAIL} ({', '.join('?' * len(chunk))})", chunk)
            clear_marks(conn, clear)


__all__ = ["SavesPart", "values_of_results"]
