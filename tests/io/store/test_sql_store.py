"""What only the SQL store promises: its migrations build the model's schema, and what it
committed is there when it is opened again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.core.events import Event, Kind
from accord.io.store import Incoming, SqlStore
from accord.io.store.schema import metadata

T0 = 1_772_442_000


def test_migrations_create_exactly_the_schema_of_the_model(sql_url: str) -> None:
    SqlStore(sql_url).close()
    engine = sa.create_engine(sql_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
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
