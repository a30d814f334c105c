"""Writing only the rows that changed: the recompute's store of a ticket's summary and records.

A recompute of a ticket after a new event changes few of its stored columns: most of its
clocks are closed and come out as they were (the instant they were computed at is stored once
per ticket, in its row: migration 0009), a running one moves its elapsed times. Deleting and
inserting every row costs an entry in each of the table's many indexes per row (and, for the
tickets, the id search's trigram rows); on SQLite an ``UPDATE`` of columns no index holds
touches no index. The rows stored afterwards are the same as a full rewrite's.

This is the recompute's hottest path, so it talks to the driver directly (the DBAPI
connection under SQLAlchemy's, in the same transaction), with plain tuples: SQLAlchemy's
per-row parameter processing and result rows cost more than the database's own work here. The
JSON columns are compared and written as the JSON text the store writes everywhere
(:func:`~accord.io.store.sql.connection._dumps`), read back as text (``CAST``): a row stored
with other spacing is merely written again. On PostgreSQL the writes go a statement a kind
(``COPY``, arrays: :mod:`accord.io.store.sql.changed_pg`), on SQLite by ``executemany``, each
stored row updated or deleted by the rowid read with it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from operator import itemgetter, ne
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.io.store.sql.changed_pg import pg_statements, write_sets
from accord.io.store.sql.connection import _dumps, driver_cursor, pg_each_key

Row = Mapping[str, Any]


class _Statements:
    """A table's statements in one driver's SQL: its columns in the model's order."""

    def __init__(self, table: sa.Table, keys: tuple[str, ...], dialect: sa.Dialect) -> None:
        quote = dialect.identifier_preparer.quote
        pg = dialect.name == "postgresql"
        self.ph = "%s" if pg else "?"
        self.columns = tuple(c.name for c in table.columns)
        self.json = frozenset(c.name for c in table.columns if isinstance(c.type, sa.JSON))
        self.keys = keys
        self.key_at = tuple(self.columns.index(k) for k in keys)
        # a row's key as a tuple, at C speed (itemgetter of one index gives the bare value)
        pick = itemgetter(*self.key_at)
        self.key_getter = pick if len(self.key_at) > 1 else lambda row: (pick(row),)
        self.json_at = tuple(i for i, c in enumerate(self.columns) if c in self.json)
        self.getter = itemgetter(*self.columns)
        self.quoted = {c: quote(c) for c in self.columns}
        self.table = quote(table.name)
        # PostgreSQL takes the JSON text as json; SQLite keeps it as it is (a CAST there
        # would give the text numeric affinity)
        self.value = {
            c: f"{self.ph}::json" if pg and c in self.json else self.ph for c in self.columns
        }
        read = ", ".join(
            f"CAST({self.quoted[c]} AS TEXT)" if c in self.json else self.quoted[c]
            for c in self.columns
        )
        # on SQLite each stored row comes with its rowid, first: the writes find their rows by
        # it (a search of the table's own tree) instead of by the key's index (a search of a
        # text index, then of the table); the transaction that read it holds the write lock,
        # so no other writer moves a row in between
        self.select = f"SELECT rowid, {read} FROM {self.table} WHERE {self.quoted['ticket_id']} IN "
        stored_pick = itemgetter(*(i + 1 for i in self.key_at))
        self.stored_key_getter = (
            stored_pick if len(self.key_at) > 1 else lambda row: (stored_pick(row),)
        )
        self.select_any = pg_each_key(
            f"SELECT {read} FROM {self.table} WHERE {self.quoted['ticket_id']}"
        )
        self.insert = (
            f"INSERT INTO {self.table} ({', '.join(self.quoted[c] for c in self.columns)}) "
            f"VALUES ({', '.join(self.value[c] for c in self.columns)})"
        )
        self.delete = f"DELETE FROM {self.table} WHERE rowid = ?"

    def update(self, columns: Sequence[int]) -> str:
        """SQLite's update of these columns of the row of a rowid (the last parameter)."""
        sets = ", ".join(
            f"{self.quoted[self.columns[i]]} = {self.value[self.columns[i]]}" for i in columns
        )
        return f"UPDATE {self.table} SET {sets} WHERE rowid = ?"

    def tuple_of(self, row: Row) -> tuple[Any, ...]:
        """``row`` as the driver takes it: in column order, the JSON columns as text."""
        values: tuple[Any, ...] = self.getter(
            row
        )  # at C speed: most rows are compared, then left alone
        if not self.json_at:
            return values
        out = list(values)
        for i in self.json_at:
            out[i] = _json_text(out[i])
        return tuple(out)


# the store's JSON text (connection._dumps), its encoder made once: the recompute writes
# two JSON values a record, most of them empty lists
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str)


def _json_text(value: Any) -> str:
    if isinstance(value, list) and not value:
        return "[]"
    try:
        return _ENCODER.encode(value)
    except ValueError:  # NaN or Infinity: as the store writes them
        return _dumps(value)


_MADE: dict[tuple[sa.Table, tuple[str, ...], str], _Statements] = {}


def _statements(table: sa.Table, keys: tuple[str, ...], dialect: sa.Dialect) -> _Statements:
    # by the dialect's name: every engine of a test run is a new dialect object
    key = (table, keys, dialect.name)
    made = _MADE.get(key)
    if made is None:
        made = _MADE[key] = _Statements(table, keys, dialect)
    return made


def _diff(
    stored: Mapping[tuple[Any, ...], Sequence[Any]],
    new: Sequence[tuple[Any, ...]],
    key_of: Callable[[Sequence[Any]], tuple[Any, ...]],
    width: range,
    *,
    rowid: bool = False,
) -> tuple[list[tuple[Any, ...]], dict[tuple[int, ...], list[tuple[Any, ...]]]]:
    """The rows of ``new`` to insert (their key not stored), and those to update grouped by
    the columns that changed (changed columns: rows of the changed values, then the key, or
    with ``rowid`` the stored row's rowid, which then comes first in each stored row)."""
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    get = stored.get
    for values in new:
        key = key_of(values)
        before = get(key)
        if before is None:
            inserts.append(values)
            continue
        old = before[1:] if rowid else tuple(before)
        if old != values:  # the common case: equal, compared at C speed
            # the changed columns, found at C speed; the key's are equal (the key matched)
            changed = tuple(compress(width, map(ne, old, values)))
            if not changed:
                continue
            group = updates.get(changed)
            if group is None:
                group = updates[changed] = []
            group.append((*[values[i] for i in changed], *((before[0],) if rowid else key)))
    return inserts, updates


def write_changed_values(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    ticket_ids: Sequence[str],
    new: Sequence[tuple[Any, ...]],
) -> None:
    """Make ``table``'s rows of these tickets (its ``ticket_id`` column) into ``new`` (every
    row those tickets must have, as the driver takes them: ``tuple_of``, the table's columns
    in order, the JSON columns as the store's JSON text): insert the new keys, delete the keys
    gone, and update in a stored row only the columns whose value differs."""
    if not ticket_ids:
        return
    st = _statements(table, tuple(keys), conn.dialect)
    pg = conn.dialect.name == "postgresql"
    with driver_cursor(conn) as cursor:
        width = range(len(st.columns))
        key_of = st.key_getter
        if pg:  # one array: one statement text whatever the number of tickets
            cursor.execute(st.select_any, (list(ticket_ids),))
            stored = {key_of(row): row for row in cursor.fetchall()}
            inserts, updates = _diff(stored, new, key_of, width)
            seen = set(map(key_of, new))
            gone = [key for key in stored if key not in seen]
            # a statement a kind, not a row (changed_pg.py)
            write_sets(cursor, pg_statements(table, tuple(keys)), gone, updates, inserts)
            return
        cursor.execute(st.select + f"({', '.join([st.ph] * len(ticket_ids))})", ticket_ids)
        stored_key = st.stored_key_getter
        stored = {stored_key(row): row for row in cursor.fetchall()}
        inserts, updates = _diff(stored, new, key_of, width, rowid=True)
        seen = set(map(key_of, new))
        gone = [(row[0],) for key, row in stored.items() if key not in seen]
        writes = [(st.delete, gone), *((st.update(c), p) for c, p in updates.items())]
        for statement, params in [*writes, (st.insert, inserts)]:
            if params:
                cursor.executemany(statement, params)
