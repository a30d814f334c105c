"""The service over each SQL store: SQLite in a folder, or a fresh PostgreSQL schema (dropped
afterwards), for the tests that must hold on both (schemathesis, the bad inputs)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accord.io.store import SqlStore
from accord.io.store import schema as t
from accord.io.store.memory import MemoryStore
from tests.io.store.conftest import PG_URL, _in_ci
from tests.service.conftest import Api, make_api

STORES = ("sqlite", "postgresql")


@contextmanager
def pg_schema() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL schema; fails in CI (skips elsewhere) when the
    server cannot be reached, like the store tests."""
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as e:
        engine.dispose()
        message = f"PostgreSQL is not reachable at {PG_URL}: {e.orig}"
        if _in_ci():
            pytest.fail(message + " (CI is set: the service must be tested on PostgreSQL)")
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


@contextmanager
def api_over(kind: str, tmp_path: Path, **kw: Any) -> Iterator[Api]:
    """The test API (tests.service.conftest.make_api) over the store ``kind`` (``memory``
    too, for the tests that run on it)."""
    if kind == "memory":
        yield make_api(tmp_path, store=MemoryStore(), **kw)
        return
    if kind == "sqlite":
        api = make_api(tmp_path, **kw)
        try:
            yield api
        finally:
            api.store.close()
        return
    with pg_schema() as url:
        api = make_api(tmp_path, url=url, **kw)
        try:
            yield api
        finally:
            api.store.close()


@contextmanager
def two_urls(kind: str) -> Iterator[tuple[str, str]]:
    """Two fresh stores of one kind (``sqlite`` or ``postgresql``): a new way and an old way
    run side by side, their stored rows compared (:func:`stored_rows`)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/new.db", f"sqlite:///{tmp}/old.db"
        return
    with pg_schema() as new, pg_schema() as old:
        yield new, old


def stored_rows(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    """What a recompute leaves in a store: its tickets, records and failures, sorted, and
    which tickets keep a mark (a mark's value is random)."""
    out = {}
    with store._read.connect() as conn:
        for table in (t.tickets, t.records, t.failed_tickets):
            out[table.name] = sorted(tuple(r) for r in conn.execute(sa.select(table)))
        out["dirty"] = sorted(conn.execute(sa.select(t.dirty.c.ticket_id)).scalars())
    return out
