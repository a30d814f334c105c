"""The recompute's changed-rows writes on PostgreSQL, a statement a kind instead of a row.

``executemany`` sends one pipelined statement per row, and psycopg prepares, dumps and waits
for each in Python: on PostgreSQL that was most of the recompute's store stage and much of its
database server's CPU. Here the new rows go in by ``COPY`` (formatted in C), and the deleted
keys and the updated rows by one statement over arrays, one array a column (``unnest``): rows
changed in different columns together, each column set only where its row's mask says it
changed (:func:`masked_arrays`). The rows stored are those of the per-row statements
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

    def _value(self, i: int) -> str:
        return f"v.{self.quoted[i]}" + ("::json" if i in self.json else "")

    def update(self, changed: Sequence[int]) -> str:
        sets = ", ".join(f"{self.quoted[i]} = {self._value(i)}" for i in changed)
        source = self._unnest((*changed, *self.key_at))
        return f"UPDATE {self.name} AS t SET {sets} FROM {source} WHERE {self.match}"

    def update_masked(self, columns: Sequence[int]) -> str:
        """One update of rows changed in different columns: each of ``columns`` is set to
        the new value where the row's mask (an ``int8`` a row, after the columns' arrays and
        before the key's) holds the column's bit (its place in ``columns``), and left as it is
        stored elsewhere."""
        sets = ", ".join(
            f"{self.quoted[i]} = CASE WHEN (v._m & {1 << bit}) <> 0 THEN {self._value(i)} "
            f"ELSE t.{self.quoted[i]} END"
            for bit, i in enumerate(columns)
        )
        arrays = ", ".join(
            [*(f"%s::{self.array[i]}" for i in columns), "%s::int8[]"]
            + [f"%s::{self.array[i]}" for i in self.key_at]
        )
        names = ", ".join(
            [*(self.quoted[i] for i in columns), "_m", *(self.quoted[i] for i in self.key_at)]
        )
        source = f"unnest({arrays}) AS v({names})"
        return f"UPDATE {self.name} AS t SET {sets} FROM {source} WHERE {self.match}"


def masked_arrays(
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]], keys: int
) -> tuple[tuple[int, ...], list[list[Any]]]:
    """The changed columns of any group of ``updates`` (changed columns: rows of the changed
    values then the ``keys`` key values), and the arrays of :meth:`PgStatements.update_masked`:
    a column's array holds a row's new value where the row changed it (else ``None``, unused),
    then a mask a row of the columns it changed, then the key's arrays.

    A recompute pass changes its records in a dozen or more sets of columns a chunk (a clock's
    elapsed time, its state, its stop, ...), and a statement a set cost the server its planning
    and start-up each time. The rows stored are the same: an unchanged column keeps its stored
    value, which PostgreSQL sees as unchanged (an update touching no indexed column's value
    stays HOT, as before)."""
    columns = tuple(sorted(set().union(*updates)))
    bit = {c: b for b, c in enumerate(columns)}
    out: list[list[Any]] = [[] for _ in range(len(columns) + 1 + keys)]
    values_of, mask_of, key_of = out[: len(columns)], out[len(columns)], out[len(columns) + 1 :]
    for changed, rows in updates.items():
        mask = sum(1 << bit[c] for c in changed)
        at = [bit[c] for c in changed]
        unchanged = sorted(set(range(len(columns))) - set(at))
        for row in rows:
            for b, v in zip(at, row, strict=False):
                values_of[b].append(v)
            for b in unchanged:
                values_of[b].append(None)
            mask_of.append(mask)
            for k, v in zip(key_of, row[len(changed) :], strict=True):
                k.append(v)
    return columns, out


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
    if len(updates) == 1:
        [(changed, rows)] = updates.items()
        cursor.execute(st.update(changed), [list(c) for c in zip(*rows, strict=True)])
    elif updates:  # one statement, not one a group (see masked_arrays)
        columns, arrays = masked_arrays(updates, len(st.key_at))
        cursor.execute(st.update_masked(columns), arrays)
    if inserts:
        with cursor.copy(st.copy) as copy:
            for row in inserts:
                copy.write_row(row)
