"""A working list's page in the order of one of its columns, read by walking that column's
index and stopping at the page, however many rows the filters select.

The order is: the column's values ascending or descending, empty values last, and ties in the
list's own order (``tail``, ascending in both directions). An index on (column, tail...) holds
the ascending order; the descending one is walked backwards, which gives the ties in reverse:
the rows of each value are put back in the list's order, and the value the walk stopped in is
read again forwards from its first row (a value can hold most of the list, e.g. one team).
Empty values are a second walk, after the last value. Each walk reads at most the page (plus
the offset) of rows the filters admit; a database that cannot walk the index for a filter
sorts instead, which is correct, only slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class Column:
    """A sort column: its expression and which of its rows count as empty (sorted last)."""

    expr: sa.ColumnElement[Any]
    empty: sa.ColumnElement[bool]
    present: sa.ColumnElement[bool]


def nullable(expr: sa.ColumnElement[Any]) -> Column:
    return Column(expr, expr.is_(None), expr.is_not(None))


def sorted_rows(
    conn: Connection,
    rows: sa.Select[Any],
    column: Column,
    tail: Sequence[sa.ColumnElement[Any]],
    *,
    descending: bool,
    need: int,
) -> list[Any]:
    """The first ``need`` rows of ``rows`` (a filtered select whose first column is
    ``column.expr``) in the order of ``column``, then ``tail``."""
    col = column.expr
    out: list[Any] = []
    bound: Any = None  # the walk goes on past this value
    while len(out) < need:
        q = rows.where(column.present)
        if bound is not None:
            q = q.where(col < bound if descending else col > bound)
        if not descending:
            # the index's own order: one walk, cut at the page
            out.extend(conn.execute(q.order_by(col.asc(), *tail).limit(need - len(out))))
            break
        want = need - len(out)
        got = list(conn.execute(q.order_by(col.desc(), *(t.desc() for t in tail)).limit(want + 1)))
        groups = _groups(got)
        if len(got) <= want:  # the walk reached the last value: every group is whole
            for g in groups:
                out.extend(reversed(g))
            break
        for g in groups[:-1]:
            out.extend(reversed(g))
        last = groups[-1][0][0]
        rest = need - len(out)
        if rest > 0:
            again = rows.where(col == last).order_by(*tail).limit(rest)
            out.extend(conn.execute(again))
        bound = last
    if len(out) < need:
        empty = rows.where(column.empty).order_by(*tail).limit(need - len(out))
        out.extend(conn.execute(empty))
    return out


def _groups(rows: list[Any]) -> list[list[Any]]:
    """Consecutive rows of equal first column."""
    out: list[list[Any]] = []
    for r in rows:
        if out and out[-1][0][0] == r[0]:
            out[-1].append(r)
        else:
            out.append([r])
    return out
