"""Connections of the SQL store: engines, transactions, retries and the error guard."""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib import resources
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from accord.core.event_limits import escape_unstorable
from accord.errors import InputError, StoreError

SQLITE_SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")
# A recompute's save dirties a page of nearly every index for each few rows it writes (their
# keys are spread over the whole index): thousands of pages a transaction. With SQLite's
# default 2 MiB cache the write connection read them again and again within one transaction
# and spilled dirty ones to the WAL before the commit, and every commit went past the default
# checkpoint (1,000 pages), copying back pages the next transaction dirtied again. A larger
# cache for the writers (memory only as pages are used; reads keep the default) and a
# checkpoint every 10,000 WAL pages (40 MiB) cut the store's reads ~15x and its writes ~20%
# on the recompute's saves (docs/performance.md, "SQLite recompute writes").
_WRITE_CACHE_KIB = 32 * 1024
_WAL_CHECKPOINT_PAGES = 10_000
_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit
_RETRIES = 5
_RETURNING_ROWS = 16  # up to this many new ids, one INSERT ... RETURNING (see _add_events)

P = ParamSpec("P")
R = TypeVar("R")


# SQLSTATE classes of a statement the database refuses for its data, not for being unavailable:
# 22 data exception (a value out of range, a NUL in text), 23 integrity constraint violation;
# and 54000, program limit exceeded (an index row over PostgreSQL's btree limit).
_REFUSAL_CLASSES = ("22", "23")
_REFUSAL_STATES = ("54000",)


def refused(e: BaseException) -> bool:
    """Whether the database (or its driver) refused the data of a statement: retrying it as
    it is cannot succeed, unlike a lost connection or a lock timeout."""
    if isinstance(e, UnicodeError | OverflowError):
        return True  # text with no UTF-8 form, an integer over 64 bits: refused by the driver
    if isinstance(e, sa.exc.StatementError) and not isinstance(e, sa.exc.DBAPIError):
        return isinstance(e.orig, UnicodeError | OverflowError | ValueError | TypeError)
    if not isinstance(e, sa.exc.DBAPIError) or e.connection_invalidated:
        return False
    state = getattr(e.orig, "sqlstate", None)
    if isinstance(state, str) and state:
        return state[:2] in _REFUSAL_CLASSES or state in _REFUSAL_STATES
    # SQLite, and errors the driver raises itself (psycopg's NUL check) carry no SQLSTATE
    return isinstance(e, sa.exc.DataError | sa.exc.IntegrityError)


def lost_race(e: BaseException) -> bool:
    """Whether ``e`` is a lost race on a unique key (an ``event_id``, a configuration version
    that a concurrent writer took first): the transaction may run again and see it."""
    if not isinstance(e, sa.exc.IntegrityError):
        return False
    if getattr(e.orig, "sqlstate", None) == "23505":  # unique_violation
        return True
    return "UNIQUE constraint failed" in str(e.orig)


def deadlocked(e: BaseException) -> bool:
    """Whether the database aborted the transaction to break a lock cycle with another one
    (PostgreSQL ``40P01``) or as a serialization failure (``40001``): nothing of it was
    written, and it may simply run again."""
    if not isinstance(e, sa.exc.DBAPIError) or e.connection_invalidated:
        return False
    return getattr(e.orig, "sqlstate", None) in ("40P01", "40001")


def refusal_text(e: BaseException) -> str:
    """The database's reason, on one line, without the statement SQLAlchemy appends."""
    orig = getattr(e, "orig", None) or e
    return escape_unstorable(" ".join(str(orig).split("\n", 1)[0].split())[:500])


def _guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Database failures leave the store as :class:`StoreError` (503), never as a bare
    driver exception; data the database refuses as :class:`InputError` (400): retrying the
    same request cannot help."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            try:
                return fn(*args, **kwargs)
            except sa.exc.DBAPIError as e:
                if not e.connection_invalidated:
                    raise
                # A pooled connection died (the database restarted): the pool has dropped
                # them all and one more try runs on a fresh one. A transaction on a dead
                # connection did not commit; only a death inside COMMIT is ambiguous, and
                # the keyed writes (events by event_id, results by ticket) store nothing
                # twice then.
                return fn(*args, **kwargs)
        except (sa.exc.StatementError, UnicodeError, OverflowError) as e:
            if refused(e):
                raise InputError(f"the database refused a value: {refusal_text(e)}") from e
            if isinstance(e, sa.exc.OperationalError | sa.exc.InterfaceError):
                raise StoreError(f"the store is unavailable: {e.orig or e}") from e
            raise

    return wrapper


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# json.dumps(value, ensure_ascii=False, allow_nan=False, default=str), built once: json.dumps
# with options builds an encoder per call, a fifth of an event row's cost at ingest
_JSON_COLUMN = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str)


def _dumps(value: Any) -> str:
    """JSON for the JSON columns: PostgreSQL refuses NaN and Infinity, so a quarantined row
    that holds them keeps them as text."""
    try:
        return _JSON_COLUMN.encode(value)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, default=str)


@contextmanager
def driver_cursor(conn: Connection) -> Iterator[Any]:
    """A cursor of the driver's own connection under ``conn`` (in its transaction), for the
    hot statements where SQLAlchemy's per-row processing costs more than the database's work.
    The driver's errors come out as SQLAlchemy raises them, so that a refused row is still
    told from a lost store (:func:`refused`, :func:`_guard`)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None  # a connection in use holds its driver connection
    cursor = raw.cursor()
    base = conn.dialect.loaded_dbapi.Error
    try:
        yield cursor
    except base as e:
        raise sa.exc.DBAPIError.instance(None, None, e, base, dialect=conn.dialect) from e
    finally:
        cursor.close()


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def pg_each_key(select: str, *, order: str = "") -> str:
    """``select`` (a ``SELECT`` whose ``WHERE`` ends with the key column, as ``... WHERE
    ticket_id``) for the keys of one text array parameter, on PostgreSQL: one index look-up a
    key (a ``LATERAL`` join over the array), the rows ordered by the key's place in the array
    and then by ``order`` (a column of the select, as ``r.seq``) when given.

    Why not ``= ANY(array)``: for hundreds of tickets of several rows each (a recompute pass)
    the plan rests on the planner's guess of the rows a ticket has, and the statistics lag
    behind a store filling under a steady stream: with ``ORDER BY seq`` it walked the whole
    events table by its key (434 ms for a pass of 500 tickets at 277,000 events). Even with
    fresh statistics it scans the table, on both cores, once a pass holds about 2,000
    tickets. A look-up a key costs what the rows cost, whatever the table's size."""
    tail = f" ORDER BY k.n, {order}" if order else ""
    return (
        "SELECT r.* FROM unnest(%s::text[]) WITH ORDINALITY AS k(key, n) "
        f"CROSS JOIN LATERAL ({select} = k.key OFFSET 0) AS r{tail}"
    )


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (Alembic, with the migrations shipped in the package)."""
    cfg = AlembicConfig()
    location = resources.files("accord.io.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # two processes starting at once must not both create the tables
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7410001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_PING_AFTER = 10.0  # seconds a pooled connection may sit unused before it is checked


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per request, a
    quarter of a single-event ingest's time on PostgreSQL. A connection used seconds ago is
    alive unless the server restarted in between; then the statement fails, the pool drops
    its connections, and :func:`_guard` runs the call once more on a fresh one.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["accord_used"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("accord_used", 0.0) < _PING_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # the driver's own error for a dead connection
            raise sa.exc.DisconnectionError(str(e)) from e
        if not alive:
            raise sa.exc.DisconnectionError("the connection did not answer a ping")


def _no_jit(engine: Engine) -> None:
    """Turn PostgreSQL's JIT compilation off in the store's sessions.

    The planner compiles a query once its estimated cost passes a threshold, which a count of a
    working list's filters over millions of clocks does: the compilation took 130 to 260 ms of
    reads that run in tens of milliseconds without it. The store's queries are short reads and
    keyed writes, which JIT does not speed up.
    """

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SET jit = off")
        cur.close()
        dbapi_conn.commit()  # a session setting: kept whatever later transactions do


class SqlBase:
    """The connections of a :class:`~accord.io.store.sql.SqlStore`: its engines (one for
    writes and one for reads on SQLite), write transactions and retries. The schema is
    migrated on open."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        pool_size: int = 10,
        run_migrations: bool = True,
    ) -> None:
        self.url = sa.make_url(url)
        self.dialect = self.url.get_backend_name()
        self._write_lock: AbstractContextManager[object] = (
            threading.Lock() if self.dialect == "sqlite" else nullcontext()
        )
        if self.dialect not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database '{self.dialect}'; use sqlite or postgresql")
        sync = sqlite_synchronous.upper()
        if sync not in SQLITE_SYNCHRONOUS:
            raise StoreError(f"sqlite synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
        try:
            if self.dialect == "sqlite":
                if self.url.database in (None, "", ":memory:"):
                    raise StoreError("the SQLite store needs a file: sqlite:///path/to/accord.db")
                self._write = self._sqlite_engine(sync, immediate=True, pool_size=pool_size)
                self._read = self._sqlite_engine(sync, immediate=False, pool_size=pool_size)
            else:
                self._write = sa.create_engine(
                    self.url,
                    pool_size=pool_size,
                    max_overflow=pool_size,
                    json_serializer=_dumps,
                )
                _ping_when_idle(self._write)
                _no_jit(self._write)
                self._read = self._write
            if run_migrations:
                migrate(self._write)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
            raise StoreError(f"cannot open the store at {self.safe_url()}: {e.orig or e}") from e

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction. On SQLite the threads of this process queue on a lock first:
        SQLite's own busy handler sleeps in growing steps (up to 100 ms) while it waits, which
        would turn a few milliseconds of waiting into long tails."""
        with self._write_lock, self._write.begin() as conn:
            yield conn

    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _sqlite_engine(self, sync: str, *, immediate: bool, pool_size: int) -> Engine:
        engine = sa.create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
            json_serializer=_dumps,
        )

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # SQLAlchemy emits BEGIN itself (below), so the driver must not
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sync}")
            cur.execute("PRAGMA busy_timeout=30000")
            if immediate:  # the writers' connections only (see _WRITE_CACHE_KIB)
                cur.execute(f"PRAGMA cache_size=-{_WRITE_CACHE_KIB}")
                cur.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_PAGES}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def close(self) -> None:
        self._write.dispose()
        if self._read is not self._write:
            self._read.dispose()

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return pg_dialect.insert(table)
        return sqlite_dialect.insert(table)

    def _retrying(self, work: Callable[[Connection], R]) -> R:
        last: Exception | None = None
        for _ in range(_RETRIES):
            try:
                with self._writing() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as e:
                if not (lost_race(e) or deadlocked(e)):
                    raise
                # lost a race on a unique key (look again), or chosen to break a lock cycle
                last = e
        raise StoreError(f"the store kept refusing a write: {last}")
