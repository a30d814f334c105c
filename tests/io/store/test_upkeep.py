"""A store names what in its database's setup will make it degrade as it is used: on
PostgreSQL, autovacuum turned off (the recompute rewrites records all the time, and their
dead versions would stay); nothing on SQLite or in memory."""

from __future__ import annotations

import sqlalchemy as sa

from accord.io.store import SqlStore, Store
from accord.io.store.sql.upkeep import AUTOVACUUM_OFF


def test_upkeep_warnings_name_postgresql_autovacuum_exactly_when_it_is_off(store: Store) -> None:
    got = store.upkeep_warnings()
    if not isinstance(store, SqlStore) or not store.url.drivername.startswith("postgresql"):
        assert got == []
        return
    # the server's setting, read apart from the store
    engine = sa.create_engine(store.url)
    try:
        with engine.connect() as conn:
            on = conn.exec_driver_sql("SHOW autovacuum").scalar()
    finally:
        engine.dispose()
    assert got == ([] if on == "on" else [AUTOVACUUM_OFF])
