"""Writing only the rows that changed: the recompute's store of a ticket's summary and records.

A recompute of a ticket after a new event changes few of its stored columns: most of its
clocks are closed and come out as they were (but for ``as_of``), a running one moves its
elapsed times. Deleting and inserting every row costs an entry in each of the table's many
indexes per row (and, for the tickets, the id search's trigram rows); on SQLite an ``UPDATE``
of columns no index holds touches no index. (On PostgreSQL every updated row is a new row
version, so the saving there is small; docs/performance.md, Sustained ingest.) The rows stored
afterwards are the same as a full rewrite's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Key = tuple[Any, ...]
Row = Mapping[str, Any]


def stored_rows(
    conn: Connection, table: sa.Table, keys: Sequence[str], ticket_ids: Sequence[str]
) -> dict[Key, dict[str, Any]]:
    """The rows of ``table`` of these tickets (its ``ticket_id`` column), by key."""
    q = sa.select(table).where(table.c.ticket_id.in_(ticket_ids))
    return {tuple(row[k] for k in keys): dict(row) for row in conn.execute(q).mappings()}


def write_changed(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    stored: Mapping[Key, Row],
    new: Sequence[Row],
    *,
    shared: str | None = None,
) -> None:
    """Make ``table``'s rows of ``stored`` (every row of some tickets, by key) into ``new``
    (every row those tickets must have): insert the new keys, delete the keys gone, and update
    in a stored row only the columns whose value differs.

    ``shared``: a column that every new row may hold with the same value (the instant the
    rows were computed at): when they do, one statement sets it in every stored row of the
    tickets, and a row whose only change is that column needs no statement of its own."""
    values = {row[shared] for row in new} if shared is not None else set()
    # the shared column when one value holds for every new row
    bulk = shared if len(values) == 1 else None
    value = next(iter(values), None)
    if bulk is not None:
        stored = {k: {**row, bulk: value} for k, row in stored.items()}
    inserts: list[Row] = []
    updates: dict[tuple[str, ...], list[Row]] = {}  # the changed columns: their rows
    seen: set[Key] = set()
    for row in new:
        key = tuple(row[k] for k in keys)
        seen.add(key)
        before = stored.get(key)
        if before is None:
            inserts.append(row)
            continue
        if before == row:  # the common case, compared at C speed
            continue
        changed = tuple(c for c, v in row.items() if c not in keys and before.get(c) != v)
        if changed:
            # a row updated anyway takes the shared column too, so the statement of the
            # shared column leaves it alone (PostgreSQL writes a new row version per update)
            if bulk is not None and bulk not in changed:
                changed = (*changed, bulk)
            updates.setdefault(changed, []).append(row)
    where = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
    gone = [key for key in stored if key not in seen]
    if gone:
        conn.execute(
            table.delete().where(where),
            [{f"k_{k}": v for k, v in zip(keys, key, strict=True)} for key in gone],
        )
    for columns, rows in updates.items():
        # bind names apart from the columns': SQLAlchemy reserves those for the SET values
        stmt = table.update().where(where).values({c: sa.bindparam(f"v_{c}") for c in columns})
        conn.execute(
            stmt,
            [{**{f"k_{k}": r[k] for k in keys}, **{f"v_{c}": r[c] for c in columns}} for r in rows],
        )
    if inserts:
        conn.execute(table.insert(), inserts)
    if bulk is not None:
        tickets = sorted({key[0] for key in stored})
        if tickets:
            c = table.c
            conn.execute(
                table.update()
                .where(c.ticket_id.in_(tickets), c[bulk] != value)
                .values({bulk: value})
            )
