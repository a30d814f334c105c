"""The recompute's changed-rows writes on PostgreSQL, a statement a kind instead of a row.

``executemany`` sends one pipelined statement per row, and psycopg prepares, dumps and waits
for each in Python: on PostgreSQL that was most of the recompute's store stage and much of its
database server's CPU. Here the new rows go in by ``COPY`` (formatted in C), and the deleted
keys and each group of updated rows (rows changed in the same columns) by one statement over
arrays, one array a column (``unnest``). The rows stored are those of the per-row statements
(``tests/io/store/test_recompute_writes.py`` holds them equal on PostgreSQL). Row locks are
taken in the join's order, not the rows' order, as the per-row updates did not keep ticket
order either (they went by groups): every writer of a recomputed ticket's records takes its
owner row first (``owners.py``), which is what keeps them from a lock cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


class PgStatements:
    """A table's set statements; JSON columns travel as text arrays, cast for each value."""

    def __init__(self, table: sa.Table, keys: tuple[str, ...]) -> None:
        quote = _DIALECT.identifier_preparer.quote
        self.columns = tuple(c.name for c in table.columns)
        self.quoted = tuple(quote(c) for c in self.columns)
        self.json = frozenset(i for i, c in enumerate(table.columns) if isinstance(c.type, sa.JSON))
        self.array = tuple(
            "text[]" if i in self.json else f"{c.type.compile(_DIALECT)}[]"
            for i, c in enumerate(table.columns)
        )
        self.key_at = tuple(self.columns.index(k) for k in keys)
        self.name = quote(table.name)
        self.copy = f"COPY {self.name} ({', '.join(self.quoted)}) FROM STDIN"
        self.match = " AND ".join(f"t.{self.quoted[i]} = v.{self.quoted[i]}" for i in self.key_at)
        self.delete = (
            f"DELETE FROM {self.name} AS t USING {self._unnest(self.key_at)} WHERE {self.match}"
        )

    def _unnest(self, at: Sequence[int]) -> str:
        arrays = ", ".join(f"%s::{self.array[i]}" for i in at)
        return f"unnest({arrays}) AS v({', '.join(self.quoted[i] for i in at)})"

    def update(self, changed: Sequence[int]) -> str:
        sets = ", ".join(
            f"{self.quoted[i]} = v.{self.quoted[i]}" + ("::json" if i in self.json else "")
            for i in changed
        )
        source = self._unnest((*changed, *self.key_at))
        return f"UPDATE {self.name} AS t SET {sets} FROM {source} WHERE {self.match}"


_MADE: dict[tuple[sa.Table, tuple[str, ...]], PgStatements] = {}


def pg_statements(table: sa.Table, keys: tuple[str, ...]) -> PgStatements:
    made = _MADE.get((table, keys))
    if made is None:
        made = _MADE[(table, keys)] = PgStatements(table, keys)
    return made


def write_sets(
    cursor: Any,
    st: PgStatements,
    gone: Sequence[tuple[Any, ...]],
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]],
    inserts: Sequence[tuple[Any, ...]],
) -> None:
    """Delete the keys ``gone``, update each group of ``updates`` (changed columns: rows of
    the changed values then the key), insert ``inserts`` (whole rows), in that order."""
    if gone:
        cursor.execute(st.delete, [list(c) for c in zip(*gone, strict=True)])
    for changed, rows in updates.items():
        cursor.execute(st.update(changed), [list(c) for c in zip(*rows, strict=True)])
    if inserts:
        with cursor.copy(st.copy) as copy:
            for row in inserts:
                copy.write_row(row)
