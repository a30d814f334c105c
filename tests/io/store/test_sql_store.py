"""What only the SQL store promises: its migrations build the model's schema, and what it
committed is there when it is opened again."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.core.events import Event, Kind
from accord.io.store import Incoming, SqlStore
from accord.io.store.schema import UNMODELLED, metadata
from accord.io.store.sql import connection as sql_module

T0 = 1_772_442_000


def _modelled(_obj: object, name: str | None, _type: str, _reflected: bool, _to: object) -> bool:
    return not (name or "").startswith(UNMODELLED)


def test_migrations_create_exactly_the_schema_of_the_model(sql_url: str) -> None:
    SqlStore(sql_url).close()
    engine = sa.create_engine(sql_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": _modelled})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_opening_twice_migrates_once_and_keeps_what_was_committed(sql_url: str) -> None:
    first = SqlStore(sql_url)
    first.add_events([Incoming(Event("e1", "T1", T0, Kind.CREATED), "t", 1)], received_at=T0)
    first.close()
    again = SqlStore(sql_url)
    try:
        assert [e.event_id for e in again.iter_events()] == ["e1"]
    finally:
        again.close()


def _drop_connections(url: str, application: str) -> int:
    """Terminate the server side of every connection this store opened: what a database
    restart does to a running service's pool."""
    engine = sa.create_engine(sa.make_url(url).difference_update_query(["application_name"]))
    try:
        with engine.begin() as conn:
            return len(
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": application},
                ).all()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("ping_after", [0.0, 3600.0], ids=["pinged", "not-pinged"])
def test_a_postgresql_store_carries_on_after_its_connections_are_dropped(
    pg_url: str, ping_after: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pinged: the idle check finds the dead connection at checkout; not pinged: the
    # statement fails on it and the call runs once more on a fresh connection.
    monkeypatch.setattr(sql_module, "_PING_AFTER", ping_after)
    application = f"accord-test-{uuid.uuid4().hex[:8]}"
    url = sa.make_url(pg_url).update_query_dict({"application_name": application})
    store = SqlStore(url.render_as_string(hide_password=False))
    try:
        store.add_events([Incoming(Event("e1", "T1", T0, Kind.CREATED), "t", 1)], received_at=T0)
        assert _drop_connections(pg_url, application) >= 1
        got = store.add_events(
            [Incoming(Event("e2", "T1", T0 + 1, Kind.CREATED), "t", 1)], received_at=T0
        )
        assert got == ["accepted"]
        assert store.count_events() == 2
    finally:
        store.close()
