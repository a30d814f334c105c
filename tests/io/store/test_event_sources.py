"""Where each event came in, held on every store (memory, SQLite, PostgreSQL): the last
arrival of a source is what the ``no_data`` alerts read, and the alert loop's watch state is
written compare-and-set."""

from __future__ import annotations

import sqlalchemy as sa

from accord.core.events import Event, Kind
from accord.io.store import Incoming, SqlStore, Store

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z


def created(event_id: str, ticket: str = "T1") -> Event:
    return Event(event_id, ticket, T0, Kind.CREATED)


def test_the_last_received_instant_of_each_source_is_its_latest_stored_event(
    store: Store,
) -> None:
    store.add_events([Incoming(created("e1"), "api", 1)], received_at=T0)
    store.add_events(
        [Incoming(created("e2"), "webhook:zendesk", 1), Incoming(created("e3"), "api", 2)],
        received_at=T0 + 60,
    )
    store.add_events([Incoming(created("e4"), "webhook:zendesk", 1)], received_at=T0 + 120)
    got = store.last_received(["api", "webhook:zendesk", "jira-import"])
    assert got == {"api": T0 + 60, "webhook:zendesk": T0 + 120, "jira-import": None}


def test_a_duplicate_does_not_count_as_a_new_arrival_of_its_source(store: Store) -> None:
    store.add_events([Incoming(created("e1"), "api", 1)], received_at=T0)
    # the same event again, later: nothing new was stored, so the source is not heard from
    store.add_events([Incoming(created("e1"), "api", 1)], received_at=T0 + 600)
    assert store.last_received(["api"]) == {"api": T0}


def test_the_watch_state_is_written_only_over_the_value_the_writer_expects(
    store: Store,
) -> None:
    assert store.get_watch(["kpi:a"]) == {}
    assert store.set_watch("kpi:a", "green", at=T0, expected=None)
    assert not store.set_watch("kpi:a", "red", at=T0, expected=None)  # taken: first one wins
    assert not store.set_watch("kpi:a", "red", at=T0, expected="amber")  # stale expectation
    assert store.set_watch("kpi:a", "amber", at=T0 + 1, expected="green")
    assert not store.set_watch("kpi:b", "red", at=T0, expected="green")  # absent
    assert store.get_watch(["kpi:a", "kpi:b"]) == {"kpi:a": "amber"}


def test_the_sql_store_keeps_the_source_in_its_column_with_an_index(sql_url: str) -> None:
    sql = SqlStore(sql_url)
    try:
        sql.add_events([Incoming(created("e1"), "api:ndjson", 1)], received_at=T0)
    finally:
        sql.close()
    engine = sa.create_engine(sql_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT event_id, source FROM events")).all()
            indexes = sa.inspect(conn).get_indexes("events")
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("e1", "api:ndjson")]
    assert {"name": "ix_events_source", "cols": ["source", "received_at"]} in [
        {"name": i["name"], "cols": i["column_names"]} for i in indexes
    ]
