"""A recompute's marks cleared, in the transaction that stores (or fails) their tickets.

A mark is deleted only if it is still the one the recompute read: an ingest that marked the
ticket again since then changed it (``ON CONFLICT DO UPDATE``), and the ticket waits for its
next pass. Row locks go in ticket order, the order in which the ingest marks a batch
(``ingest_writes._PG_MARK``); two transactions taking the same rows in other orders could wait
for each other, and PostgreSQL would break the cycle by aborting one.

On PostgreSQL the pass's marks go in two statements over arrays, whatever their number: a
statement a mark (``executemany``) cost the server about as much per mark as the delete
itself. The first locks the rows in ticket order (``FOR UPDATE`` above a sort on the marks'
place in the sorted array; a join's own order is the planner's choice), the second deletes
them: under READ COMMITTED it sees the marks as they are once locked, so a mark renewed by an
ingest that committed meanwhile is not deleted, as with the statement a mark.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from accord.io.store.sql.connection import driver_cursor

_MARKS = "unnest(%s::text[], %s::int8[]) WITH ORDINALITY AS v(ticket_id, mark, n)"
_PG_LOCK = (
    f"SELECT 1 FROM dirty AS d JOIN {_MARKS} "
    "ON d.ticket_id = v.ticket_id AND d.mark = v.mark ORDER BY v.n FOR UPDATE OF d"
)
_PG_DELETE = (
    f"DELETE FROM dirty AS d USING {_MARKS} WHERE d.ticket_id = v.ticket_id AND d.mark = v.mark"
)
_SQLITE_DELETE = "DELETE FROM dirty WHERE ticket_id = ? AND mark = ?"


def clear_marks(conn: Connection, marks: Sequence[tuple[str, int]]) -> None:
    """Delete the ``dirty`` rows of ``marks`` (ticket, mark) that still hold that mark."""
    if not marks:
        return
    ordered = sorted(marks)  # ticket order (Python's, code points: the ingest's too)
    with driver_cursor(conn) as cursor:
        if conn.dialect.name == "postgresql":
            arrays = [[tid for tid, _ in ordered], [m for _, m in ordered]]
            cursor.execute(_PG_LOCK, arrays)
            cursor.execute(_PG_DELETE, arrays)
        else:  # SQLite: one writer at a time, no lock order; plain tuples to the driver
            cursor.executemany(_SQLITE_DELETE, ordered)


__all__ = ["clear_marks"]
