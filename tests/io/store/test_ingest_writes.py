"""The ingest's bulk writes through the driver (``sql/ingest_writes.py``: ``COPY`` on
PostgreSQL, the driver's ``executemany`` on SQLite; the owners' reads and inserts in
``sql/owners.py``) store exactly what the SQLAlchemy
statements they replaced stored: the same batches sent through both (the former statements
kept below as the reference) give the same outcomes, event rows in the same order,
quarantine, owners and recompute marks."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from accord.core.event_validation import content_digest
from accord.core.events import Actor, Event, Kind
from accord.errors import RowProblem
from accord.io.store import SqlStore
from accord.io.store import schema as t
from accord.io.store.base import Incoming
from accord.io.store.sql import events as sql_events
from accord.io.store.sql import owners as sql_owners
from accord.io.store.sql.connection import _RETURNING_ROWS, _chunks
from accord.io.store.sql.rows import _event_from_row, _event_row
from tests.io.store.test_store import T0

_EXAMPLES = itertools.count()

texts = st.sampled_from(
    ["", "Acme", "acme", "é ü 中文 🎫", 'quote " and \\ backslash', "line\nbreak", "a\x00b"]
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    st.lists(texts.filter(bool), max_size=3).map(tuple),
)
field_maps = st.dictionaries(
    st.sampled_from(["status", "priority", "customer", "team", "tags", "x_custom", "ünï"]),
    values,
    max_size=4,
)
events = st.builds(
    lambda n, tid, ts, us, kind, actor, public, fields: (
        n,
        tid,
        ts,
        us,
        kind,
        actor,
        public,
        fields,
    ),
    st.integers(0, 40),  # event ids from a small pool: duplicates and conflicting re-uses
    st.integers(0, 9),  # ticket 9's id holds a NUL, which PostgreSQL refuses
    st.integers(T0 - 10, T0 + 10),
    st.sampled_from([0, 1, 999_999]),
    st.sampled_from(list(Kind)),
    st.sampled_from([None, *Actor]),
    st.sampled_from([None, True, False]),
    field_maps,
)
batches = st.lists(
    st.lists(events, min_size=_RETURNING_ROWS + 1, max_size=_RETURNING_ROWS + 25),
    min_size=1,
    max_size=3,
)


def _event(prefix: str, spec: tuple[Any, ...]) -> Event:
    n, tid, ts, us, kind, actor, public, fields = spec
    ticket = f"{prefix}T{tid}" + ("\x00" if tid == 9 else "")
    return Event(f"{prefix}e{n}", ticket, ts, kind, actor, public, fields, ts_us=us)


def _plain(value: Any, prefix: str) -> Any:
    """``value`` with this example's id prefix taken out (JSON text included)."""
    if isinstance(value, str):
        return value.replace(prefix, "")
    if isinstance(value, dict):
        return {_plain(k, prefix): _plain(v, prefix) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, prefix) for v in value]
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return value


def _stored(store: SqlStore, prefix: str) -> dict[str, Any]:
    """What the store holds for the ids of ``prefix`` (seq left out: the order is kept)."""
    like = f"{prefix}%"
    with store._read.connect() as conn:
        # the digest is over the content, prefixed ids included: each must be its row's
        ev = [
            _plain(
                (*r[1:9], bytes(r.digest) == content_digest(_event_from_row(r)), *r[10:]), prefix
            )
            for r in conn.execute(
                sa.select(t.events).where(t.events.c.event_id.like(like)).order_by(t.events.c.seq)
            )
        ]
        fields_text = [
            _plain(r[0], prefix)
            for r in conn.execute(
                sa.select(sa.cast(t.events.c.fields, sa.Text))
                .where(t.events.c.event_id.like(like))
                .order_by(t.events.c.seq)
            )
        ]
        quarantine = [
            _plain((r.source, r.row, r.field, r.reason, r.raw), prefix)
            for r in conn.execute(sa.select(t.quarantine).order_by(t.quarantine.c.id))
            if prefix in json.dumps(r.raw) or prefix in r.reason
        ]
        dirty = sorted(
            _plain((r.ticket_id, r.since), prefix)
            for r in conn.execute(sa.select(t.dirty).where(t.dirty.c.ticket_id.like(like)))
        )
        owners = sorted(
            _plain((r.ticket_id, r.customer, r.ts, r.ts_us), prefix)
            for r in conn.execute(
                sa.select(t.ticket_owners).where(t.ticket_owners.c.ticket_id.like(like))
            )
        )
    return {
        "events": ev,
        "fields": fields_text,
        "quarantine": quarantine,
        "dirty": dirty,
        "owners": owners,
    }


def _outcome(o: Any, prefix: str) -> Any:
    if isinstance(o, RowProblem):
        return ("rejected", o.field, _plain(o.reason, prefix))
    return o


@pytest.fixture
def sql_store(sql_url: str) -> Iterator[SqlStore]:
    store = SqlStore(sql_url)
    try:
        yield store
    finally:
        store.close()


# ---------------------------------------------------------------- the former statements


def _old_digests(conn: Connection, _dialect: str, ids: Sequence[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for chunk in _chunks(ids):
        q = sa.select(t.events.c.event_id, t.events.c.digest).where(t.events.c.event_id.in_(chunk))
        for event_id, digest in conn.execute(q):
            out[event_id] = bytes(digest)
    return out


def _old_insert(conn: Connection, _dialect: str, rows: Sequence[Any]) -> dict[str, int]:
    conn.execute(t.events.insert(), list(rows))  # the row dicts of _event_row
    return {}


def _old_marks(
    conn: Connection, dialect: str, ticket_ids: Sequence[str], mark: int, since: int
) -> None:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(t.dirty)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.dirty.c.ticket_id], set_={"mark": stmt.excluded.mark}
    )
    conn.execute(stmt, [{"ticket_id": tid, "mark": mark, "since": since} for tid in ticket_ids])


def _old_locked(conn: Connection, ids: Any, *, write: bool) -> dict[str, Any]:
    oc = t.ticket_owners.c
    out: dict[str, Any] = {}
    for chunk in _chunks(sorted(set(ids))):
        q = (
            sa.select(oc.ticket_id, oc.customer, oc.ts, oc.ts_us, oc.seq)
            .where(oc.ticket_id.in_(chunk))
            .order_by(oc.ticket_id)
        )
        q = q.with_for_update() if write else q.with_for_update(read=True)
        for tid, customer, ts, ts_us, seq in conn.execute(q):
            out[tid] = (customer, (int(ts), int(ts_us), int(seq)))
    return out


def _old_looked_up(conn: Connection, sql: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    table, column = sql.split(" FROM ")[1].split(" WHERE ")
    wanted = [sa.column(c.strip()) for c in sql[len("SELECT ") :].split(" FROM ")[0].split(",")]
    out: list[tuple[Any, ...]] = []
    for chunk in _chunks(ids):
        q = sa.select(*wanted).select_from(sa.table(table)).where(sa.column(column).in_(chunk))
        out.extend(tuple(r) for r in conn.execute(q))
    return out


def _old_owner_inserts(conn: Connection, _dialect: str, rows: Sequence[Any]) -> None:
    conn.execute(
        t.ticket_owners.insert(),
        [
            {"ticket_id": r["tid"], "customer": r["who"], "ts": r["k_ts"],
             "ts_us": r["k_us"], "seq": r["k_seq"]}
            for r in rows
        ],
    )  # fmt: skip


def _use_former_statements(m: pytest.MonkeyPatch) -> None:
    m.setattr(sql_owners, "locked_owners", _old_locked)
    m.setattr(sql_owners, "_looked_up", _old_looked_up)
    m.setattr(sql_owners, "_insert_owners", _old_owner_inserts)
    m.setattr(sql_events, "stored_digests", _old_digests)
    m.setattr(sql_events, "event_values", _event_row)
    m.setattr(sql_events, "insert_events", _old_insert)
    m.setattr(sql_events, "mark_dirty", _old_marks)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches)
def test_bulk_driver_writes_store_what_the_sqlalchemy_statements_stored(
    sql_store: SqlStore, batches: list[list[tuple[Any, ...]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    k = next(_EXAMPLES)
    driver, former = f"x{k}D:", f"x{k}F:"
    got: dict[str, list[Any]] = {driver: [], former: []}
    for prefix in (driver, former):
        with monkeypatch.context() as m:
            if prefix == former:
                _use_former_statements(m)
            for i, batch in enumerate(batches):
                items = [
                    Incoming(_event(prefix, spec), "test", n)
                    for n, spec in enumerate(batch, start=1)
                ]
                outcomes = sql_store.add_events(items, received_at=T0 + i)
                got[prefix].append([_outcome(o, prefix) for o in outcomes])
    assert got[driver] == got[former]
    assert _stored(sql_store, driver) == _stored(sql_store, former)


def test_a_marked_ticket_keeps_its_since_and_a_new_one_takes_the_batch_instant(
    sql_store: SqlStore,
) -> None:
    first = [Incoming(Event(f"a{n}", "T1", T0, Kind.UPDATED), "test", n) for n in range(20)]
    sql_store.add_events(first, received_at=T0)
    before = dict(sql_store.dirty(10))
    later = [
        Incoming(Event(f"b{n}", f"T{n % 3 + 1}", T0, Kind.UPDATED), "test", n) for n in range(20)
    ]
    sql_store.add_events(later, received_at=T0 + 50)
    with sql_store._read.connect() as conn:
        since = dict(conn.execute(sa.select(t.dirty.c.ticket_id, t.dirty.c.since)).all())
    assert since == {"T1": T0, "T2": T0 + 50, "T3": T0 + 50}
    marks = dict(sql_store.dirty(10))
    assert marks["T1"] != before["T1"]  # a new mark: a recompute that read before clears none
