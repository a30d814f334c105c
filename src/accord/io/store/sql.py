"""The real store: SQLAlchemy Core over SQLite (the default, a file) or PostgreSQL (psycopg 3).

Durability
----------

Every write is one transaction committed before the method returns, so once the service
answers, what it acknowledged is on disk as far as the database promises. SQLite runs in WAL
mode with ``synchronous=FULL`` by default: a commit is fsync'ed to the WAL, so it survives a
killed process *and* a power loss. ``synchronous=NORMAL`` (``ACCORD_SQLITE_SYNCHRONOUS``) is
faster and still survives a killed process (the WAL is written before the commit returns),
but the last commits may roll back after a power loss or an OS crash.

Concurrency
-----------

SQLite allows one writer at a time. Write transactions start with ``BEGIN IMMEDIATE`` so that
they queue on the lock (``busy_timeout``) instead of failing when a read inside them would have
to be upgraded; reads use a second engine with plain ``BEGIN`` and never wait for writers (WAL).
On PostgreSQL the unique ``event_id`` settles races between concurrent ingests: a transaction
that loses one is retried, and then sees the other's event as already stored.
"""

from __future__ import annotations

import functools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib import resources
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from accord.core.alerts.evaluate import Alert
from accord.core.event_validation import content_digest
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import Instant
from accord.errors import ConflictError, InputError, RowProblem, StoreError
from accord.io.store import schema as t
from accord.io.store.base import (
    COMPLIANCE_DIMENSIONS,
    NO_DUE,
    AlertAttemptRecord,
    AlertQuery,
    ClockQuery,
    ComplianceKey,
    ComplianceRow,
    ConfigVersion,
    EventOutcome,
    Incoming,
    QuarantineEntry,
    Scope,
    StoredAlert,
    StoreStats,
    TicketQuery,
    TicketResult,
    TicketSummary,
    TokenRecord,
    conflict_problem,
    is_queued,
    month_of,
    snooze_refusal,
)

SQLITE_SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")
_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit
_RETRIES = 5
_RETURNING_ROWS = 16  # up to this many new ids, one INSERT ... RETURNING (see _add_events)

P = ParamSpec("P")
R = TypeVar("R")


def _guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Database failures leave the store as :class:`StoreError` (503), never as a bare
    driver exception."""

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
        except sa.exc.IntegrityError:
            raise
        except sa.exc.DataError as e:
            raise InputError(f"the store cannot keep a value of this request: {e.orig or e}") from e
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
            raise StoreError(f"the store is unavailable: {e.orig or e}") from e

    return wrapper


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    """JSON for the JSON columns: PostgreSQL refuses NaN and Infinity, so a quarantined row
    that holds them keeps them as text."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, default=str)


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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


class SqlStore:
    """The :class:`~accord.io.store.base.Store` over a database URL.

    ``sqlite:///path/to/accord.db`` or ``postgresql+psycopg://user@host/db``. The schema is
    migrated on open.
    """

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
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def close(self) -> None:
        self._write.dispose()
        if self._read is not self._write:
            self._read.dispose()

    # ---------------------------------------------------------------- writes with retry

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
            except sa.exc.IntegrityError as e:  # lost a race on a unique key: look again
                last = e
        raise StoreError(f"the store kept refusing a write: {last}")

    # ---------------------------------------------------------------- events

    @_guard
    def add_events(
        self,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem] = (),
        *,
        received_at: Instant,
    ) -> list[EventOutcome]:
        if not items and not problems:
            return []
        return self._retrying(lambda conn: self._add_events(conn, items, problems, received_at))

    def _add_events(
        self,
        conn: Connection,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem],
        received_at: Instant,
    ) -> list[EventOutcome]:
        # The first row of each event_id is inserted unless the id is stored already. A few
        # rows (a single event: the latency that matters) go in with one INSERT ... ON
        # CONFLICT DO NOTHING RETURNING, and only the ids that did not go in are looked up to
        # tell a duplicate from a conflicting re-use; a concurrent writer of the same id is
        # waited for by the database. Many rows are looked up first and inserted with one
        # executemany: a RETURNING over hundreds of rows is one huge statement text that the
        # driver re-parses on every batch (a third slower on PostgreSQL), and a writer that
        # raced us to an id makes the insert fail and the transaction run again.
        firsts: dict[str, tuple[int, bytes]] = {}  # event_id: (its first item, digest)
        for n, item in enumerate(items):
            if item.event.event_id not in firsts:
                firsts[item.event.event_id] = (n, content_digest(item.event))
        stored: dict[str, bytes] = {}
        inserted: set[str] = set()
        returning = len(firsts) <= _RETURNING_ROWS

        def look_up(ids: Sequence[str]) -> None:
            for chunk in _chunks(ids):
                q = sa.select(t.events.c.event_id, t.events.c.digest).where(
                    t.events.c.event_id.in_(chunk)
                )
                for event_id, digest in conn.execute(q):
                    stored[event_id] = bytes(digest)

        if not returning:
            look_up(list(firsts))
        rows = [
            _event_row(items[n].event, digest, received_at, items[n].source)
            for event_id, (n, digest) in firsts.items()
            if event_id not in stored
        ]
        if rows and returning:
            stmt = (
                self._insert(t.events)
                .on_conflict_do_nothing(index_elements=[t.events.c.event_id])
                .returning(t.events.c.event_id)
            )
            inserted = set(conn.execute(stmt, rows).scalars())
            look_up([i for i in firsts if i not in inserted])
        elif rows:
            conn.execute(t.events.insert(), rows)
            inserted = {row["event_id"] for row in rows}
        outcomes: list[EventOutcome] = []
        rejected = list(problems)
        touched: set[str] = set()
        for n, item in enumerate(items):
            e = item.event
            first, first_digest = firsts[e.event_id]
            if e.event_id in inserted and first == n:
                touched.add(e.ticket_id)
                outcomes.append("accepted")
                continue
            known = first_digest if e.event_id in inserted else stored[e.event_id]
            if known == (first_digest if first == n else content_digest(e)):
                outcomes.append("duplicate")
            else:
                problem = conflict_problem(item)
                rejected.append(problem)
                outcomes.append(problem)
        if rejected:
            conn.execute(t.quarantine.insert(), [_problem_row(p, received_at) for p in rejected])
        if touched:
            mark = secrets.randbits(62)
            stmt = self._insert(t.dirty)
            stmt = stmt.on_conflict_do_update(
                index_elements=[t.dirty.c.ticket_id], set_={"mark": stmt.excluded.mark}
            )
            conn.execute(stmt, [{"ticket_id": tid, "mark": mark} for tid in sorted(touched)])
        return outcomes

    @_guard
    def events_of(self, ticket_ids: Collection[str]) -> dict[str, list[Event]]:
        out: dict[str, list[Event]] = {tid: [] for tid in ticket_ids}
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(out)):
                q = (
                    sa.select(t.events)
                    .where(t.events.c.ticket_id.in_(chunk))
                    .order_by(t.events.c.seq)
                )
                for row in conn.execute(q):
                    out[row.ticket_id].append(_event_from_row(row))
        return out

    @_guard
    def iter_events(self, batch: int = 10_000) -> Iterator[Event]:
        after = 0
        while True:
            with self._read.connect() as conn:
                q = (
                    sa.select(t.events)
                    .where(t.events.c.seq > after)
                    .order_by(t.events.c.seq)
                    .limit(batch)
                )
                rows = conn.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield _event_from_row(row)
            after = rows[-1].seq

    @_guard
    def count_events(self) -> int:
        return self._count(t.events)

    def _count(self, table: sa.Table) -> int:
        with self._read.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    @_guard
    def quarantine(self, *, after: int = 0, limit: int = 100) -> list[QuarantineEntry]:
        q = (
            sa.select(t.quarantine)
            .where(t.quarantine.c.id > after)
            .order_by(t.quarantine.c.id)
            .limit(limit)
        )
        with self._read.connect() as conn:
            return [
                QuarantineEntry(
                    id=row.id,
                    problem=RowProblem(row.source, row.row, row.field, row.reason, dict(row.raw)),
                    received_at=row.received_at,
                )
                for row in conn.execute(q)
            ]

    @_guard
    def count_quarantine(self) -> int:
        return self._count(t.quarantine)

    # ---------------------------------------------------------------- recompute bookkeeping

    @_guard
    def dirty(self, limit: int) -> list[tuple[str, int]]:
        q = sa.select(t.dirty.c.ticket_id, t.dirty.c.mark).order_by(t.dirty.c.ticket_id)
        with self._read.connect() as conn:
            return [(a, b) for a, b in conn.execute(q.limit(limit))]

    @_guard
    def clear_dirty(self, marks: Sequence[tuple[str, int]]) -> None:
        if not marks:
            return
        with self._writing() as conn:
            conn.execute(_CLEAR_DIRTY, [{"tid": tid, "m": m} for tid, m in marks])

    @_guard
    def ticket_ids(self, *, after: str | None, limit: int) -> list[str]:
        # the tickets table lags behind the events; distinct ids of the events are the truth
        q = sa.select(t.events.c.ticket_id).distinct().order_by(t.events.c.ticket_id)
        if after is not None:
            q = q.where(t.events.c.ticket_id > after)
        with self._read.connect() as conn:
            return list(conn.execute(q.limit(limit)).scalars())

    @_guard
    def count_tickets(self) -> int:
        q = sa.select(sa.func.count(sa.distinct(t.events.c.ticket_id)))
        with self._read.connect() as conn:
            return int(conn.execute(q).scalar_one())

    @_guard
    def save_results(
        self, results: Sequence[TicketResult], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        if not results and not clear:
            return
        ids = [r.summary.ticket_id for r in results]
        ticket_rows = [_ticket_row(r.summary) for r in results]
        record_rows = [_record_row(rec, r.summary.customer) for r in results for rec in r.records]
        with self._writing() as conn:
            for chunk in _chunks(ids):
                conn.execute(t.records.delete().where(t.records.c.ticket_id.in_(chunk)))
                conn.execute(t.tickets.delete().where(t.tickets.c.ticket_id.in_(chunk)))
            if ticket_rows:
                conn.execute(t.tickets.insert(), ticket_rows)
            if record_rows:
                conn.execute(t.records.insert(), record_rows)
            if clear:
                conn.execute(_CLEAR_DIRTY, [{"tid": tid, "m": m} for tid, m in clear])

    # ---------------------------------------------------------------- reads

    @_guard
    def find_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        tk = t.tickets.c
        q = sa.select(t.tickets)
        if query.customer is not None:
            q = q.where(tk.customer == query.customer)
        if query.team is not None:
            q = q.where(tk.team == query.team)
        if query.priority is not None:
            q = q.where(tk.priority == query.priority)
        clock: list[sa.ColumnElement[bool]] = []
        if query.state is not None:
            clock.append(_state_expr(query.now) == query.state.value)
        if query.metric is not None:
            clock.append(t.records.c.metric == query.metric)
        if query.due_before is not None:
            clock.append(t.records.c.due < query.due_before)
        if clock:
            q = q.where(sa.exists().where(t.records.c.ticket_id == tk.ticket_id, *clock))
        if query.after is not None:
            q = q.where(tk.ticket_id > query.after)
        q = q.order_by(tk.ticket_id).limit(query.limit)
        with self._read.connect() as conn:
            return [_summary_from_row(row) for row in conn.execute(q)]

    @_guard
    def get_ticket(self, ticket_id: str) -> TicketSummary | None:
        q = sa.select(t.tickets).where(t.tickets.c.ticket_id == ticket_id)
        with self._read.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else _summary_from_row(row)

    @_guard
    def records_of(self, ticket_ids: Collection[str]) -> dict[str, list[MetricRecord]]:
        out: dict[str, list[MetricRecord]] = {tid: [] for tid in ticket_ids}
        rc = t.records.c
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(out)):
                q = (
                    sa.select(t.records)
                    .where(rc.ticket_id.in_(chunk))
                    .order_by(rc.ticket_id, rc.metric, rc.cycle)
                )
                for row in conn.execute(q):
                    out[row.ticket_id].append(_record_from_row(row))
        return out

    @_guard
    def open_clocks(self, query: ClockQuery) -> list[MetricRecord]:
        rc = t.records.c
        q = sa.select(t.records).where(rc.queued.is_(True))
        if query.customer is not None:
            q = q.where(rc.ticket_customer == query.customer)
        for col, value in (
            (rc.team, query.team),
            (rc.priority, query.priority),
            (rc.metric, query.metric),
            (rc.policy, query.policy),
        ):
            if value is not None:
                q = q.where(col == value)
        if query.after is not None:
            a = query.after
            q = q.where(
                sa.tuple_(rc.due_sort, rc.ticket_id, rc.metric, rc.cycle)
                > sa.tuple_(
                    sa.literal(a.due_sort, sa.BigInteger),
                    sa.literal(a.ticket_id),
                    sa.literal(a.metric),
                    sa.literal(a.cycle),
                )
            )
        q = q.order_by(rc.due_sort, rc.ticket_id, rc.metric, rc.cycle).limit(query.limit)
        with self._read.connect() as conn:
            return [_record_from_row(row) for row in conn.execute(q)]

    @_guard
    def compliance(
        self,
        by: str | None,
        *,
        now: Instant,
        customer: str | None = None,
        metric: str | None = None,
    ) -> list[ComplianceRow]:
        rc = t.records.c
        if by is not None and by not in COMPLIANCE_DIMENSIONS:
            raise ValueError(f"cannot group compliance by '{by}'")
        columns = {
            "metric": rc.metric,
            "priority": rc.priority,
            "policy": rc.policy,
            "team": rc.team,
            "customer": rc.ticket_customer,
        }
        key: sa.ColumnElement[Any] = (
            columns[by] if by is not None else sa.literal(None, sa.String).label("key")
        )
        st = _state_expr(now)

        def count(*states: State) -> sa.ColumnElement[Any]:
            hit = sa.case((st.in_([s.value for s in states]), 1), else_=0)
            return sa.func.coalesce(sa.func.sum(hit), 0)

        q = sa.select(
            key,
            rc.start_month,
            count(State.MET),
            count(State.BREACHED),
            count(State.RUNNING, State.PAUSED),
        ).where(rc.target.is_not(None))
        if customer is not None:
            q = q.where(rc.ticket_customer == customer)
        if metric is not None:
            q = q.where(rc.metric == metric)
        group = [rc.start_month] if by is None else [columns[by], rc.start_month]
        q = q.group_by(*group)
        with self._read.connect() as conn:
            return [
                ComplianceRow(k, month, int(met), int(breached), int(open_))
                for k, month, met, breached, open_ in conn.execute(q)
            ]

    @_guard
    def stats(self, now: Instant) -> StoreStats:
        rc = t.records.c
        st = _state_expr(now).label("st")
        out = StoreStats()
        with self._read.connect() as conn:
            for state, n in conn.execute(sa.select(st, sa.func.count()).group_by(st)):
                out.clocks_by_state[state] = int(n)
            q = (
                sa.select(rc.policy, rc.priority, sa.func.count())
                .where(_state_expr(now) == State.BREACHED.value)
                .group_by(rc.policy, rc.priority)
            )
            for policy, priority, n in conn.execute(q):
                out.breaches[(policy, priority)] = int(n)
            dirty_n = conn.execute(sa.select(sa.func.count()).select_from(t.dirty))
            out.pending_recompute = int(dirty_n.scalar_one())
        return out

    # ---------------------------------------------------------------- records view

    @_guard
    def change_stamp(self) -> tuple[int, int]:
        # both are primary keys: max() is an index look-up, not a scan
        q = sa.select(
            sa.select(sa.func.max(t.events.c.seq)).scalar_subquery(),
            sa.select(sa.func.max(t.config_versions.c.version)).scalar_subquery(),
        )
        with self._read.connect() as conn:
            seq, version = conn.execute(q).one()
        return int(seq or 0), int(version or 0)

    @_guard
    def changed_since(self, seq: int) -> dict[str, tuple[int, int]]:
        ec = t.events.c
        q = (
            sa.select(ec.ticket_id, sa.func.min(ec.seq), sa.func.max(ec.seq))
            .where(ec.seq > seq)
            .group_by(ec.ticket_id)
        )
        with self._read.connect() as conn:
            return {tid: (int(lo), int(hi)) for tid, lo, hi in conn.execute(q)}

    @_guard
    def compliance_keys(
        self, ticket_ids: Collection[str] | None = None, *, batch: int = 200_000
    ) -> Iterator[list[ComplianceKey]]:
        rc = t.records.c
        cols = (rc.ticket_id, rc.metric, rc.priority, rc.policy, rc.team, rc.ticket_customer)
        q = sa.select(*cols, rc.start_month, rc.state, rc.due).where(rc.target.is_not(None))
        if ticket_ids is not None:
            for chunk in _chunks(sorted(set(ticket_ids))):
                with self._read.connect() as conn:
                    yield [tuple(r) for r in conn.execute(q.where(rc.ticket_id.in_(chunk)))]
            return
        with self._read.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(q)
            while rows := result.fetchmany(batch):
                yield [tuple(r) for r in rows]

    # ---------------------------------------------------------------- configuration

    @_guard
    def add_config_version(
        self, files: Mapping[str, str], *, effective_from: Instant, uploaded_at: Instant
    ) -> ConfigVersion:
        def work(conn: Connection) -> ConfigVersion:
            top = conn.execute(sa.select(sa.func.max(t.config_versions.c.version))).scalar()
            version = ConfigVersion(int(top or 0) + 1, dict(files), effective_from, uploaded_at)
            conn.execute(
                t.config_versions.insert(),
                {
                    "version": version.version,
                    "files": dict(files),
                    "effective_from": effective_from,
                    "uploaded_at": uploaded_at,
                },
            )
            return version

        return self._retrying(work)

    @_guard
    def config_versions(self) -> list[ConfigVersion]:
        q = sa.select(t.config_versions).order_by(t.config_versions.c.version)
        with self._read.connect() as conn:
            return [
                ConfigVersion(row.version, dict(row.files), row.effective_from, row.uploaded_at)
                for row in conn.execute(q)
            ]

    # ---------------------------------------------------------------- tokens

    @_guard
    def add_token(self, token: TokenRecord) -> None:
        with self._writing() as conn:
            conn.execute(
                t.tokens.insert(),
                {
                    "id": token.id,
                    "secret_hash": token.secret_hash,
                    "scope": token.scope.value,
                    "customer": token.customer,
                    "name": token.name,
                    "created_at": token.created_at,
                    "revoked_at": token.revoked_at,
                },
            )

    @_guard
    def get_token(self, token_id: str) -> TokenRecord | None:
        with self._read.connect() as conn:
            row = conn.execute(sa.select(t.tokens).where(t.tokens.c.id == token_id)).first()
        return None if row is None else _token_from_row(row)

    @_guard
    def list_tokens(self) -> list[TokenRecord]:
        q = sa.select(t.tokens).order_by(t.tokens.c.created_at, t.tokens.c.id)
        with self._read.connect() as conn:
            return [_token_from_row(row) for row in conn.execute(q)]

    @_guard
    def revoke_token(self, token_id: str, *, at: Instant) -> bool:
        stmt = (
            t.tokens.update()
            .where(t.tokens.c.id == token_id)
            .values(revoked_at=sa.func.coalesce(t.tokens.c.revoked_at, at))
        )
        with self._writing() as conn:
            return bool(conn.execute(stmt).rowcount)

    # ---------------------------------------------------------------- alert delivery log

    @_guard
    def claim_alert(self, alert: Alert, *, now: Instant) -> StoredAlert | None:
        row = _alert_row(alert, now)
        # ON CONFLICT DO NOTHING on the unique key: of two evaluators (or a process and its
        # restarted self) exactly one inserts, and only that one delivers
        stmt = (
            self._insert(t.alerts)
            .values(row)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(t.alerts.c.id)
        )
        with self._writing() as conn:
            new_id = conn.execute(stmt).scalar()
        if new_id is None:
            return None
        return StoredAlert(int(new_id), alert, row["state"], row["next_attempt_at"], now)

    @_guard
    def known_alert_keys(self, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
                q = sa.select(t.alerts.c.key).where(t.alerts.c.key.in_(chunk))
                found.update(conn.execute(q).scalars())
        return found

    @_guard
    def last_received(self, sources: Collection[str]) -> dict[str, Instant | None]:
        ec = t.events.c
        out: dict[str, Instant | None] = {}
        with self._read.connect() as conn:
            for source in sorted(set(sources)):
                # one max() per source on the (source, received_at) index: a look-up, no scan
                q = sa.select(sa.func.max(ec.received_at)).where(ec.source == source)
                got = conn.execute(q).scalar()
                out[source] = int(got) if got is not None else None
        return out

    @_guard
    def get_watch(self, keys: Collection[str]) -> dict[str, str]:
        wc = t.alert_watch.c
        found: dict[str, str] = {}
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
                q = sa.select(wc.key, wc.value).where(wc.key.in_(chunk))
                found.update({k: v for k, v in conn.execute(q)})
        return found

    @_guard
    def set_watch(self, key: str, value: str, *, at: Instant, expected: str | None) -> bool:
        w = t.alert_watch
        with self._writing() as conn:
            if expected is None:  # only if absent: of two writers the first wins
                stmt = (
                    self._insert(w)
                    .values(key=key, value=value, updated_at=at)
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(w.c.key)
                )
                return conn.execute(stmt).scalar() is not None
            upd = (
                w.update()
                .where(w.c.key == key, w.c.value == expected)
                .values(value=value, updated_at=at)
            )
            return bool(conn.execute(upd).rowcount)

    @_guard
    def alerts_to_deliver(self) -> list[StoredAlert]:
        a = t.alerts.c
        q = (
            sa.select(t.alerts)
            .where(a.state.in_(("held", "pending")), a.acknowledged_at.is_(None))
            .order_by(a.id)
        )
        with self._read.connect() as conn:
            return self._with_attempts(conn, list(conn.execute(q)))

    def _with_attempts(self, conn: Connection, rows: Sequence[Any]) -> list[StoredAlert]:
        attempts: dict[int, list[AlertAttemptRecord]] = {row.id: [] for row in rows}
        ids = sorted(attempts)
        at = t.alert_attempts.c
        for i in range(0, len(ids), _CHUNK):
            q = (
                sa.select(t.alert_attempts)
                .where(at.alert_id.in_(ids[i : i + _CHUNK]))
                .order_by(at.alert_id, at.at, at.channel, at.number)
            )
            for r in conn.execute(q):
                attempts[r.alert_id].append(
                    AlertAttemptRecord(r.channel, r.number, r.at, r.ok, r.error, r.finished_at)
                )
        return [_stored_alert_from_row(row, attempts[row.id]) for row in rows]

    @_guard
    def claim_attempt(self, alert_id: int, channel: str, number: int, *, at: Instant) -> bool:
        stmt = (
            self._insert(t.alert_attempts)
            .values(alert_id=alert_id, channel=channel, number=number, at=at, ok=None)
            .on_conflict_do_nothing(index_elements=["alert_id", "channel", "number"])
            .returning(t.alert_attempts.c.number)
        )
        with self._writing() as conn:
            return conn.execute(stmt).scalar() is not None

    @_guard
    def finish_attempt(
        self,
        alert_id: int,
        channel: str,
        number: int,
        *,
        ok: bool,
        error: str | None,
        at: Instant,
        state: str,
        next_attempt_at: Instant | None,
    ) -> None:
        at_c = t.alert_attempts.c
        with self._writing() as conn:
            conn.execute(
                t.alert_attempts.update()
                .where(at_c.alert_id == alert_id, at_c.channel == channel, at_c.number == number)
                .values(ok=ok, error=error, finished_at=at)
            )
            conn.execute(
                t.alerts.update()
                .where(t.alerts.c.id == alert_id)
                .values(state=state, next_attempt_at=next_attempt_at)
            )

    @_guard
    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        a = t.alerts.c
        q = sa.select(t.alerts)
        if query.state is not None:
            q = q.where(_alert_state_expr(query.now) == query.state)
        if query.rule is not None:
            q = q.where(a.rule == query.rule)
        if query.customer is not None:
            q = q.where(a.customer == query.customer)
        if query.before is not None:
            q = q.where(a.id < query.before)
        q = q.order_by(a.id.desc()).limit(query.limit)
        with self._read.connect() as conn:
            return self._with_attempts(conn, list(conn.execute(q)))

    @_guard
    def get_alert(self, alert_id: int) -> StoredAlert | None:
        q = sa.select(t.alerts).where(t.alerts.c.id == alert_id)
        with self._read.connect() as conn:
            found = self._with_attempts(conn, list(conn.execute(q)))
        return found[0] if found else None

    @_guard
    def acknowledge_alert(self, alert_id: int, *, by: str, at: Instant) -> StoredAlert | None:
        a = t.alerts.c
        with self._writing() as conn:
            conn.execute(
                t.alerts.update()
                .where(a.id == alert_id, a.acknowledged_at.is_(None))
                .values(acknowledged_by=by, acknowledged_at=at)
            )
        return self.get_alert(alert_id)

    @_guard
    def snooze_alert(self, alert_id: int, *, until: Instant) -> StoredAlert | None:
        a = t.alerts.c
        with self._writing() as conn:
            changed = conn.execute(
                t.alerts.update()
                .where(
                    a.id == alert_id,
                    a.acknowledged_at.is_(None),
                    a.state.in_(("held", "pending")),
                )
                .values(snoozed_until=until)
            ).rowcount
        entry = self.get_alert(alert_id)
        if entry is not None and not changed:
            raise ConflictError(snooze_refusal(entry))
        return entry


# ---------------------------------------------------------------- row conversions


_CLEAR_DIRTY = t.dirty.delete().where(
    t.dirty.c.ticket_id == sa.bindparam("tid"), t.dirty.c.mark == sa.bindparam("m")
)


def _state_expr(now: Instant) -> sa.ColumnElement[str]:
    """The stored state judged at ``now`` (see :func:`~accord.io.store.base.state_at`)."""
    rc = t.records.c
    return sa.case(
        (
            sa.and_(
                rc.state == State.RUNNING.value,
                rc.due.is_not(None),
                rc.due < now,
            ),
            sa.literal(State.BREACHED.value),
        ),
        else_=rc.state,
    )


def _fields_json(fields: Mapping[str, FieldValue]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _fields_from_json(data: Mapping[str, Any]) -> dict[str, FieldValue]:
    # only tags are lists, and the core keeps them as tuples
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def _event_row(
    e: Event, digest: bytes, received_at: Instant, source: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "ticket_id": e.ticket_id,
        "ts": e.ts,
        "ts_us": e.ts_us,
        "kind": e.kind.value,
        "actor": e.actor.value if e.actor is not None else None,
        "public": e.public,
        "fields": _fields_json(e.fields),
        "digest": digest,
        "received_at": received_at,
        "source": source,
    }


def _event_from_row(row: Any) -> Event:
    return Event(
        event_id=row.event_id,
        ticket_id=row.ticket_id,
        ts=row.ts,
        kind=Kind(row.kind),
        actor=Actor(row.actor) if row.actor is not None else None,
        public=row.public,
        fields=_fields_from_json(row.fields),
        seq=row.seq,
        ts_us=row.ts_us,
    )


def _problem_row(p: RowProblem, received_at: Instant) -> dict[str, Any]:
    return {
        "source": p.source[:255],
        "row": p.row,
        "field": p.field[:255],
        "reason": p.reason,
        "raw": p.raw,
        "received_at": received_at,
    }


def _ticket_row(s: TicketSummary) -> dict[str, Any]:
    return {
        "ticket_id": s.ticket_id,
        "customer": s.customer,
        "team": s.team,
        "priority": s.priority,
        "status": s.status,
        "assignee": s.assignee,
        "first_ts": s.first_ts,
        "last_ts": s.last_ts,
        "events": s.events,
        "computed_at": s.computed_at,
    }


def _summary_from_row(row: Any) -> TicketSummary:
    return TicketSummary(
        ticket_id=row.ticket_id,
        customer=row.customer,
        team=row.team,
        priority=row.priority,
        status=row.status,
        assignee=row.assignee,
        first_ts=row.first_ts,
        last_ts=row.last_ts,
        events=row.events,
        computed_at=row.computed_at,
    )


def _record_row(r: MetricRecord, ticket_customer: str | None) -> dict[str, Any]:
    return {
        "ticket_id": r.ticket_id,
        "metric": r.metric,
        "cycle": r.cycle,
        "policy": r.policy,
        "policy_version": r.policy_version,
        "calendar": r.calendar,
        "priority": r.priority,
        "customer": r.customer,
        "team": r.team,
        "assignee": r.assignee,
        "channel": r.channel,
        "target": r.target,
        "start": r.start,
        "stop": r.stop,
        "due": r.due,
        "breached_at": r.breached_at,
        "business_elapsed": r.business_elapsed,
        "paused_business": r.paused_business,
        "calendar_elapsed": r.calendar_elapsed,
        "state": r.state.value,
        "breached_now": r.breached_now,
        "ever_breached": r.ever_breached,
        "as_of": r.as_of,
        "warnings": [[w.threshold, w.at] for w in r.warnings],
        "explanation": [[s.at, s.what, s.detail, s.event_id] for s in r.explanation],
        "ticket_customer": ticket_customer,
        "queued": is_queued(r),
        "due_sort": r.due if r.due is not None else NO_DUE,
        "start_month": month_of(r.start),
    }


def _record_from_row(row: Any) -> MetricRecord:
    return MetricRecord(
        ticket_id=row.ticket_id,
        metric=row.metric,
        cycle=row.cycle,
        policy=row.policy,
        policy_version=row.policy_version,
        calendar=row.calendar,
        priority=row.priority,
        customer=row.customer,
        team=row.team,
        assignee=row.assignee,
        channel=row.channel,
        target=row.target,
        start=row.start,
        stop=row.stop,
        due=row.due,
        breached_at=row.breached_at,
        business_elapsed=row.business_elapsed,
        paused_business=row.paused_business,
        calendar_elapsed=row.calendar_elapsed,
        state=State(row.state),
        breached_now=row.breached_now,
        ever_breached=row.ever_breached,
        as_of=row.as_of,
        warnings=tuple(Warning_(w[0], w[1]) for w in row.warnings),
        explanation=tuple(Step(s[0], s[1], s[2], s[3]) for s in row.explanation),
    )


def _token_from_row(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        secret_hash=row.secret_hash,
        scope=Scope(row.scope),
        customer=row.customer,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _alert_state_expr(now: Instant) -> sa.ColumnElement[str]:
    """An entry's state judged at ``now`` (see ``StoredAlert.state_at``)."""
    a = t.alerts.c
    return sa.case(
        (a.acknowledged_at.is_not(None), sa.literal("acknowledged")),
        (sa.and_(a.snoozed_until.is_not(None), a.snoozed_until > now), sa.literal("snoozed")),
        (sa.and_(a.state == "held", a.deliver_at <= now), sa.literal("pending")),
        else_=a.state,
    )


def _alert_row(alert: Alert, now: Instant) -> dict[str, Any]:
    return {
        "key": alert.key,
        "rule": alert.rule,
        "kind": alert.kind,
        "subject": alert.subject,
        "ticket_id": alert.subject if alert.kind in ("sla_warning", "sla_breach") else None,
        "customer": alert.customer,
        "metric": alert.metric,
        "cycle": alert.cycle,
        "threshold": alert.threshold,
        "at": alert.at,
        "deliver_at": alert.deliver_at,
        "channels": list(alert.channels),
        "summary": alert.summary,
        "figures": dict(alert.figures),
        "link": alert.link,
        "state": "held" if alert.deliver_at > now else "pending",
        "next_attempt_at": alert.deliver_at,
        "created_at": now,
    }


def _stored_alert_from_row(row: Any, attempts: Sequence[AlertAttemptRecord]) -> StoredAlert:
    alert = Alert(
        key=row.key,
        rule=row.rule,
        kind=row.kind,
        subject=row.subject,
        metric=row.metric,
        cycle=row.cycle,
        threshold=row.threshold,
        at=row.at,
        deliver_at=row.deliver_at,
        channels=tuple(row.channels),
        summary=row.summary,
        figures=dict(row.figures),
        link=row.link,
        customer=row.customer,
    )
    return StoredAlert(
        id=row.id,
        alert=alert,
        state=row.state,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        snoozed_until=row.snoozed_until,
        attempts=tuple(attempts),
    )
