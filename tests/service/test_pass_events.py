"""A batch recompute pass goes from the store's event rows straight to the engine's columns:
the same table and summaries as the events made first, and on SQLite and PostgreSQL the same
stored tickets, records, failures and marks as the former way."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import events_to_table
from accord.core.events import Actor, Event, Kind
from accord.io.store import SqlStore
from accord.io.store.base import Incoming
from accord.io.store.sql.rows import _fields_json
from accord.service import recompute
from accord.service.pass_events import Row, pass_columns
from accord.service.recompute import BATCH_TICKETS, summarize
from tests.service.conftest import T0
from tests.service.stores import STORES, stored_rows, two_urls

_value = (
    st.text(max_size=4)
    | st.integers(-5, 5)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.none()
    | st.lists(st.text(max_size=3), max_size=2).map(tuple)
)
_FIELDS = ["status", "priority", "customer", "team", "assignee", "channel", "tags", "region", "n"]


def _events(tickets: int) -> st.SearchStrategy[list[Event]]:
    event = st.builds(
        lambda n, tk, dt, kind, actor, public, fields, us: Event(
            f"e{n}", f"T{tk:02d}", T0 + dt, kind, actor, public, fields, ts_us=us
        ),
        st.integers(0, 10**6),
        st.integers(0, tickets - 1),
        st.integers(0, 5 * 86_400),
        st.sampled_from(list(Kind)),
        st.sampled_from([None, *Actor]),
        st.sampled_from([None, True, False]),
        # mostly the text a validated event holds; now and then what the table refuses
        st.dictionaries(
            st.sampled_from(_FIELDS),
            st.text(min_size=1, max_size=4) | _value,
            max_size=4,
        ),
        st.integers(0, 999_999),
    )
    return st.lists(event, max_size=6 * tickets, unique_by=lambda e: e.event_id)


def _plain(event_id: str, ticket: int, ts: int, kind: Kind, fields: dict[str, Any]) -> Event:
    return Event(event_id, f"T{ticket:02d}", ts, kind, Actor.CUSTOMER, None, fields)


def _row(e: Event, seq: int) -> Row:
    """``e`` as the SQL store's driver reads it back (fields as JSON text)."""
    fields = json.dumps(_fields_json(e.fields))
    return (seq, e.event_id, e.ticket_id, e.ts, e.ts_us, e.kind.value, e.actor, e.public, fields)


@settings(max_examples=300, deadline=None)
@given(_events(4))
def test_the_rows_columns_and_summaries_are_those_of_the_events(events: list[Event]) -> None:
    rows: dict[str, list[Row]] = {f"T{k:02d}": [] for k in (3, 0, 2, 1)}  # the marks' order
    for seq, e in enumerate(events, start=1):
        rows[e.ticket_id].append(_row(e, seq))
    # the events as the store gives them back: arrival order, the fields through JSON
    from accord.service.pass_events import events_of_rows

    stored = {tid: evs for tid, evs in events_of_rows(rows).items() if evs}
    try:
        want = events_to_table(e for evs in stored.values() for e in evs)
    except Exception as refused:
        with pytest.raises(type(refused)):
            pass_columns(rows, T0)
        return
    table, summaries = pass_columns(rows, T0)
    assert table.equals(want, check_metadata=True)
    assert table.schema == want.schema
    assert summaries == {tid: summarize(tid, evs, T0) for tid, evs in stored.items()}


# ---------------------------------------------------------------- on the stores


@pytest.fixture(scope="module")
def demo_config() -> Iterator[Configuration]:
    with tempfile.TemporaryDirectory() as tmp:
        yield load_config(copy_demo_config(Path(tmp) / "config", alerts=False))


def _recompute(
    store: SqlStore, way: str, config: Configuration, now: int, monkeypatch: pytest.MonkeyPatch
) -> int:
    """Recompute every marked ticket, the new way or the former (no rows read); how many."""
    marks = store.dirty(1000)
    with monkeypatch.context() as m:
        if way == "old":
            m.setattr(recompute, "_rows_of", lambda *a: None)
        recompute.recompute_tickets(store, [tid for tid, _ in marks], config, now, clear=marks)
    return len(marks)


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=_events(BATCH_TICKETS + 4), cut=st.integers(0, 100))
def test_a_pass_from_the_rows_stores_what_the_former_passstored_rows(
    kind: str,
    demo_config: Configuration,
    events: list[Event],
    cut: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two passes (the first over some of the events), each store with its own way; the
    # tables afterwards are equal, failed tickets and marks too. Every ticket is created
    # before the first pass and updated before the second: both passes are batch passes
    first = len(events) * cut // 100
    tickets = range(BATCH_TICKETS + 4)
    opened = [_plain(f"c{k}", k, T0 - 86_400 + k, Kind.CREATED, {"status": "new"}) for k in tickets]
    moved = [_plain(f"u{k}", k, T0 + 86_400 + k, Kind.UPDATED, {"status": "open"}) for k in tickets]
    with two_urls(kind) as (new_url, old_url):
        stores = {"new": SqlStore(new_url), "old": SqlStore(old_url)}
        try:
            for part, now in (
                (opened + events[:first], T0 + 3 * 86_400),
                (events[first:] + moved, T0 + 6 * 86_400),
            ):
                for way, store in stores.items():
                    store.add_events(
                        [Incoming(e, "test", n) for n, e in enumerate(part)], received_at=now
                    )
                    passed = _recompute(store, way, demo_config, now, monkeypatch)
                event(f"a batch pass: {passed >= BATCH_TICKETS}")
            got = stored_rows(stores["new"])
            assert got == stored_rows(stores["old"])
            event(f"records stored: {bool(got['records'])}")
        finally:
            for store in stores.values():
                store.close()


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize(
    ("spoil", "unreadable"),
    [
        ("kind = 'bogus'", True),
        ("actor = 'robot'", True),
        ("fields = '[1]'", True),
        ("fields = '{\"status\": 5}'", False),
        ('fields = \'{"tags": "x"}\'', False),
    ],
)
def test_rows_the_table_refuses_fail_their_ticket_as_before(
    kind: str,
    spoil: str,
    unreadable: bool,
    demo_config: Configuration,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a stored row no Event or table can be made of: the pass falls back to the former way,
    # which sets the ticket aside (or computes it alone) with the same error as before
    events = [
        _plain(f"e-T{k:02d}", k, T0 + k, Kind.CREATED, {"status": "new"})
        for k in range(BATCH_TICKETS + 2)
    ]
    with two_urls(kind) as (new_url, old_url):
        stores = {"new": SqlStore(new_url), "old": SqlStore(old_url)}
        try:
            for way, store in stores.items():
                store.add_events(
                    [Incoming(e, "test", n) for n, e in enumerate(events)], received_at=T0
                )
                with store._write.begin() as conn:
                    conn.execute(sa.text(f"UPDATE events SET {spoil} WHERE event_id = 'e-T03'"))
                _recompute(store, way, demo_config, T0 + 3600, monkeypatch)
            got = stored_rows(stores["new"])
            assert got == stored_rows(stores["old"])
            assert len(got["tickets"]) >= BATCH_TICKETS  # the other tickets were stored
            # a row no event can be made of sets its ticket aside; the others it computes
            assert [r[0] for r in got["failed_tickets"]] == (["T03"] if unreadable else [])
        finally:
            for store in stores.values():
                store.close()
