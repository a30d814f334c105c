"""Each ticket's current customer, kept at ingest: the ``ticket_owners`` rows, the
``ticket_moves`` log and the columns reads filter on (``tickets.customer``,
``records.ticket_customer``, ``alerts.owner``).

Locks (PostgreSQL; SQLite has one writer at a time): an ingest locks the owner rows of the
tickets it may move (``FOR UPDATE``, in ticket order) before it writes them and the columns
that follow them; the recompute and the alert claims lock the rows they read (``FOR SHARE``),
so what they store is never a customer a concurrent ingest just moved the ticket away from.
Moves are numbered under a transaction-wide advisory lock, so they commit in number order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.events import Event
from accord.core.ownership import field_text
from accord.core.timeutil import Instant
from accord.io.store import schema as t
from accord.io.store.base import TicketMove
from accord.io.store.sql.connection import SqlBase, _chunks, _guard, driver_cursor
from accord.io.store.sql.ingest_writes import text_param

_MOVES_LOCK = 7410002  # pg_advisory_xact_lock key of the moves' numbering

OwnerRow = tuple[str | None, tuple[int, int, int]]  # customer, (ts, ts_us, seq)

_SET_TICKET = (
    t.tickets.update()
    .where(t.tickets.c.ticket_id == sa.bindparam("tid"))
    .values(customer=sa.bindparam("who", type_=sa.Text))
)
_SET_RECORDS = (
    t.records.update()
    .where(
        t.records.c.ticket_id == sa.bindparam("tid"),
        t.records.c.ticket_customer.is_distinct_from(sa.bindparam("who", type_=sa.Text)),
    )
    .values(ticket_customer=sa.bindparam("who", type_=sa.Text))
)
_SET_ALERTS = (
    t.alerts.update()
    .where(
        t.alerts.c.ticket_id == sa.bindparam("tid"),
        t.alerts.c.owner.is_distinct_from(sa.bindparam("who", type_=sa.Text)),
    )
    .values(owner=sa.bindparam("who", type_=sa.Text))
)
_SET_OWNER = (
    t.ticket_owners.update()
    .where(t.ticket_owners.c.ticket_id == sa.bindparam("tid"))
    .values(
        customer=sa.bindparam("who", type_=sa.Text),
        ts=sa.bindparam("k_ts"),
        ts_us=sa.bindparam("k_us"),
        seq=sa.bindparam("k_seq"),
    )
)


_OWNER_COLUMNS = "ticket_id, customer, ts, ts_us, seq"
# the text arrays' placeholders filled in per call: see ingest_writes.text_param
_PG_INSERT_OWNERS = (
    f"INSERT INTO ticket_owners ({_OWNER_COLUMNS}) SELECT a, b, c, d, e FROM "
    "unnest({}::text[], {}::text[], %s::int8[], %s::int4[], %s::int8[]) "
    "WITH ORDINALITY AS u(a, b, c, d, e, o) ORDER BY o"  # in ticket order, as given
)
_SQLITE_INSERT_OWNERS = f"INSERT INTO ticket_owners ({_OWNER_COLUMNS}) VALUES (?, ?, ?, ?, ?)"


def locked_owners(conn: Connection, ids: Collection[str], *, write: bool) -> dict[str, OwnerRow]:
    """The owner rows of ``ids``, locked for the rest of the transaction (PostgreSQL: ``FOR
    UPDATE`` when ``write``, else ``FOR SHARE``; in ticket order, so two writers never wait
    on each other in a cycle)."""
    pg = conn.dialect.name == "postgresql"
    lock = (" FOR UPDATE" if write else " FOR SHARE") if pg else ""
    out: dict[str, OwnerRow] = {}
    # through the driver: called by every ingest that sets customers and every recompute save
    with driver_cursor(conn) as cursor:
        for chunk in _chunks(sorted(set(ids))):
            cursor.execute(
                f"SELECT ticket_id, customer, ts, ts_us, seq FROM ticket_owners "
                f"WHERE ticket_id {_in(pg, chunk)} ORDER BY ticket_id{lock}",
                _params(pg, chunk),
            )
            for tid, customer, ts, ts_us, seq in cursor.fetchall():
                out[tid] = (customer, (int(ts), int(ts_us), int(seq)))
    return out


def _in(pg: bool, chunk: Sequence[str]) -> str:
    """The ``IN`` test of a column against ``chunk`` in the driver's SQL (one array on
    PostgreSQL, whatever its length, sent as ``ingest_writes.text_param`` says)."""
    return f"= ANY({text_param(chunk)}::text[])" if pg else f"IN ({', '.join('?' for _ in chunk)})"


def _params(pg: bool, chunk: Sequence[str]) -> Sequence[Any]:
    return (list(chunk),) if pg else chunk


def _looked_up(conn: Connection, sql: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (a ``SELECT ... WHERE x`` to which the ``IN`` test is added) for
    ``ids``, chunk by chunk, through the driver."""
    pg = conn.dialect.name == "postgresql"
    out: list[tuple[Any, ...]] = []
    with driver_cursor(conn) as cursor:
        for chunk in _chunks(ids):
            cursor.execute(f"{sql} {_in(pg, chunk)}", _params(pg, chunk))
            out.extend(cursor.fetchall())
    return out


def move_owners(
    conn: Connection,
    dialect: str,
    setters: Sequence[Event],
    seqs: Mapping[str, int],
    received_at: Instant,
) -> None:
    """Apply the new events ``setters`` (each sets a customer) to their tickets' owners, in
    the ingest's transaction. ``seqs``: the stored ``seq`` of new events, by id, as far as the
    insert returned them (the others are looked up)."""
    if not setters:
        return
    # per ticket, the new events at its latest (ts, ts_us): the one stored last of them wins
    latest: dict[str, list[Event]] = {}
    for e in setters:
        got = latest.get(e.ticket_id)
        if got is None or (e.ts, e.ts_us) > (got[0].ts, got[0].ts_us):
            latest[e.ticket_id] = [e]
        elif (e.ts, e.ts_us) == (got[0].ts, got[0].ts_us):
            got.append(e)
    known = dict(seqs)
    missing = [e.event_id for evs in latest.values() for e in evs if e.event_id not in known]
    for eid, seq in _looked_up(conn, "SELECT event_id, seq FROM events WHERE event_id", missing):
        known[eid] = int(seq)
    new: dict[str, OwnerRow] = {}
    for tid, evs in latest.items():
        e = max(evs, key=lambda x: known[x.event_id])
        new[tid] = (field_text(e.fields["customer"]), (e.ts, e.ts_us, known[e.event_id]))
    old = locked_owners(conn, new, write=True)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    moves: list[tuple[str, str | None, str | None, int]] = []
    firsts: list[tuple[str, str | None, str | None, int]] = []
    for tid in sorted(new):
        customer, key = new[tid]
        row = {"tid": tid, "who": customer, "k_ts": key[0], "k_us": key[1], "k_seq": key[2]}
        before = old.get(tid)
        if before is None:
            inserts.append(row)
            firsts.append((tid, None, customer, key[2]))
        elif key > before[1]:
            updates.append(row)
            if customer != before[0]:
                moves.append((tid, before[0], customer, key[2]))
    if firsts:
        # a first customer is a move for readers only when the ticket was recomputed before:
        # its summary (and records, alerts) then name the customer the recompute saw; a new
        # ticket has none of them
        sql = "SELECT ticket_id, customer FROM tickets WHERE ticket_id"
        named: dict[str, str | None] = dict(_looked_up(conn, sql, [f[0] for f in firsts]))
        moves.extend(
            (tid, named[tid], to, seq)
            for tid, _, to, seq in firsts
            if tid in named and named[tid] != to
        )
        moves.sort()
    if inserts:
        _insert_owners(conn, dialect, inserts)
    if updates:
        conn.execute(_SET_OWNER, updates)
    if moves:
        # what reads filter on follows at once
        params = [{"tid": tid, "who": to} for tid, _, to, _ in moves]
        for stmt in (_SET_TICKET, _SET_RECORDS, _SET_ALERTS):
            conn.execute(stmt, params)
        _log_moves(conn, dialect, moves, received_at)


def _insert_owners(conn: Connection, dialect: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """New owner rows (``tid``, ``who``, ``k_ts``, ``k_us``, ``k_seq``), in the order given."""
    with driver_cursor(conn) as cursor:
        if dialect == "postgresql":  # one statement, the columns as arrays
            columns = [[r[k] for r in rows] for k in ("tid", "who", "k_ts", "k_us", "k_seq")]
            sql = _PG_INSERT_OWNERS.format(text_param(columns[0]), text_param(columns[1]))
            cursor.execute(sql, columns)
        else:
            cursor.executemany(
                _SQLITE_INSERT_OWNERS,
                [(r["tid"], r["who"], r["k_ts"], r["k_us"], r["k_seq"]) for r in rows],
            )


def _log_moves(
    conn: Connection,
    dialect: str,
    moves: Sequence[tuple[str, str | None, str | None, int]],
    received_at: Instant,
) -> None:
    if dialect == "postgresql":
        # held until commit: the next numbers are taken after this transaction committed
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MOVES_LOCK})"))
    top = int(conn.execute(sa.select(sa.func.max(t.ticket_moves.c.n))).scalar() or 0)
    conn.execute(
        t.ticket_moves.insert(),
        [
            {"n": top + i, "ticket_id": tid, "from_customer": a, "to_customer": b,
             "seq": seq, "received_at": received_at}
            for i, (tid, a, b, seq) in enumerate(moves, start=1)
        ],
    )  # fmt: skip


class OwnersPart(SqlBase):
    @_guard
    def owners_of(self, ticket_ids: Collection[str]) -> dict[str, str | None]:
        oc = t.ticket_owners.c
        out: dict[str, str | None] = {}
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(set(ticket_ids))):
                q = sa.select(oc.ticket_id, oc.customer).where(oc.ticket_id.in_(chunk))
                out.update({tid: customer for tid, customer in conn.execute(q)})
        return out

    @_guard
    def moves_since(self, n: int, *, limit: int = 10_000) -> list[TicketMove]:
        mc = t.ticket_moves.c
        q = sa.select(t.ticket_moves).where(mc.n > n).order_by(mc.n).limit(limit)
        with self._read.connect() as conn:
            return [
                TicketMove(
                    int(r.n), r.ticket_id, r.from_customer, r.to_customer, int(r.seq),
                    int(r.received_at),
                )
                for r in conn.execute(q)
            ]  # fmt: skip

    @_guard
    def last_move(self, *, away_from: str | None = None) -> int:
        mc = t.ticket_moves.c
        q = sa.select(sa.func.max(mc.n))
        if away_from is not None:
            q = q.where(mc.from_customer == away_from)  # the (from_customer, n) index
        with self._read.connect() as conn:
            return int(conn.execute(q).scalar() or 0)
