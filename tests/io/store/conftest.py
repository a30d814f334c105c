"""The store suite runs on every implementation: the in-memory double, SQLite (a file in a
temporary folder) and PostgreSQL (a fresh schema per test, dropped afterwards).

PostgreSQL is at ``$ACCORD_TEST_DATABASE_URL`` (default: the local server, database ``test``).
When it cannot be reached the PostgreSQL tests fail if ``$CI`` is set (CI starts the server,
so a missing one is a broken run) and are skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.io.store import MemoryStore, SqlStore, Store

PG_URL = os.environ.get(
    "ACCORD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL schema (dropped after the test)."""
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as e:
        engine.dispose()
        message = f"PostgreSQL is not reachable at {PG_URL}: {e.orig}"
        if _in_ci():
            pytest.fail(message + " (CI is set: the store must be tested on PostgreSQL)")
        pytest.skip(message)
    schema = f"accord_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    sql = SqlStore(url)
    try:
        yield sql
    finally:
        sql.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for tests of the SQL store alone."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
