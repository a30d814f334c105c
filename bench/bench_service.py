"""The service under load: sustained ingest from concurrent clients, and reads of the at-risk
queue with a million tickets stored.

Each part runs a real ``accord serve`` process (uvicorn, one worker) on 127.0.0.1 with the demo
configuration, on SQLite (a fresh file, WAL, ``synchronous=FULL``) and on PostgreSQL (a fresh
schema of the local server):

1. **Batches**: ``--clients`` threads post the demo helpdesk's events in batches of
   ``--batch`` until ``--events`` are in; events/s is acknowledged events over wall time, with
   the p50 / p99 latency of one batch. Also: how long the background recompute of the touched
   tickets took to catch up after the last acknowledgement.
2. **Single events**: the same clients post ``--singles`` events one request each; requests/s
   and p50 / p99 latency.
3. **Sustained** (``--parts sustained``): ``--rate`` events/s for ``--minutes``, open loop, in
   batches of ``--batch``, with the recompute's backlog sampled and the latency from an
   event's acknowledgement to its clocks listed in ``GET /api/v1/at-risk`` (see
   ``service_sustained.py``). Goal (issue 20): 5,000 events/s for 10 minutes with the backlog
   bounded and that latency's p99 under 2 s. The CPU time of the server's process and that
   of its recompute process (``accord_recompute_process_cpu_seconds``) are reported apart.
4. **At-risk reads**: ``--tickets`` tickets are bulk-loaded through the store (their events,
   summaries and metric records; the records are those of a few thousand template tickets
   computed by the reference engine, copied under new ids), then ``GET /api/v1/at-risk``
   (50 clocks, each recomputed from its events at the request's instant) is timed: the first
   page, a later page (cursor), and the first page for one customer's token. The reads start
   once the server is warm: after a start it loads its in-memory records view (compliance
   counts) in the background, which takes seconds with a million tickets and is reported apart.

Goals (issue 4): ≥ 5,000 events/s in batches, p99 < 50 ms for single events, at-risk reads
< 100 ms with 1,000,000 tickets. The clients run on the same 2-core machine as the server and
take their share of the CPU; bodies are encoded before the clock starts.

    .venv/bin/python bench/bench_service.py            # everything (some minutes)
    .venv/bin/python bench/bench_service.py --quick    # small sizes, to try it out
    .venv/bin/python bench/bench_service.py --parts sustained --rate 5000 --minutes 10 --batch 250
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.engine import compute_ticket
from accord.core.events import Event
from accord.core.ownership import owner_of
from accord.demo.generate import generate_events
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token
from accord.service.recompute import summarize
from service_sustained import (
    cpu_seconds,
    recompute_cpu,
    run_queue_seconds,
    spawned_children,
    summary,
    sustained,
)

PG_URL = os.environ.get(
    "ACCORD_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------- databases and the server


@contextmanager
def sqlite_url(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    engine = sa.create_engine(PG_URL)
    schema = f"accord_bench_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


_PG_SETTINGS = ("server_version", "autovacuum", "shared_buffers", "max_wal_size")


def pg_settings(url: str) -> str:
    """The PostgreSQL server's settings that move a sustained run's figures most: with
    autovacuum off (as on some CI machines) the rewritten rows' dead versions stay in the
    tables and their indexes for the whole run."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            got = [f"{n} {conn.exec_driver_sql(f'SHOW {n}').scalar()}" for n in _PG_SETTINGS]
    finally:
        engine.dispose()
    return ", ".join(got)


def pg_tables(url: str) -> list[str]:
    """The bench's largest tables after a run: live and dead rows, updates (of them HOT, in
    place), autovacuum runs and the size with indexes."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT relname, n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, "
                "autovacuum_count, pg_total_relation_size(relid) FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() ORDER BY pg_total_relation_size(relid) "
                "DESC LIMIT 4"
            ).all()
    finally:
        engine.dispose()
    return [
        f"{name} {live:,} live / {dead:,} dead rows, {upd:,} updates ({hot:,} HOT), "
        f"{vac} autovacuums, {size / 2**20:,.0f} MiB"
        for name, live, dead, upd, hot, vac, size in rows
    ]


class Server:
    def __init__(self, url: str, config: Path, log: Path) -> None:
        self.url = url
        self.port = free_port()
        cmd = [
            sys.executable,
            "-c",
            "from accord.cli.main import app; app()",
            "serve",
            "--port",
            str(self.port),
            "--database-url",
            url,
            "--config",
            str(config),
            "--log-level",
            "warning",
        ]
        with log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=out)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"accord serve exited; see {log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.proc.kill()
        raise SystemExit(f"accord serve did not come up in 120 s: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def admin_token(url: str) -> str:
    store = SqlStore(url)
    try:
        token, _ = create_token(store, scope=Scope.ADMIN, customer=None, name="bench", now=0)
        return token
    finally:
        store.close()


# ---------------------------------------------------------------- ingest


def demo_events(n: int, seed: int) -> list[dict[str, Any]]:
    end = datetime.now(UTC).replace(microsecond=0)
    out = [e.to_dict() for e in generate_events(seed=seed, end=end, target_events=n)]
    return out[:n]


def run_clients(
    base: str, token: str, bodies: list[bytes], sizes: list[int], clients: int
) -> tuple[float, list[float], int]:
    """Post ``bodies`` from ``clients`` threads; (wall seconds, latencies, events acked)."""
    work: queue.Queue[tuple[bytes, int]] = queue.Queue()
    for body, size in zip(bodies, sizes, strict=True):
        work.put((body, size))
    latencies: list[float] = []
    acked = [0]
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            while True:
                try:
                    body, _size = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                res = http.post("/api/v1/events", content=body)
                dt = time.perf_counter() - t0
                if res.status_code != 200:
                    raise SystemExit(f"ingest failed: {res.status_code} {res.text[:300]}")
                got = res.json()
                with lock:
                    latencies.append(dt)
                    acked[0] += got["accepted"] + got["duplicates"]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, acked[0]


def pending(base: str, token: str) -> float:
    text = httpx.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ).text
    line = next(x for x in text.splitlines() if x.startswith("accord_recompute_pending "))
    return float(line.split()[1])


def wait_view(base: str, token: str) -> float:
    """Seconds until the server's in-memory records view is loaded (it loads in the background
    after a start, a one-time cost that is reported apart from the read latencies)."""
    t0 = time.perf_counter()
    while True:
        text = httpx.get(
            f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ).text
        line = next(x for x in text.splitlines() if x.startswith("accord_records_view_ready "))
        if float(line.split()[1]) == 1:
            return time.perf_counter() - t0
        time.sleep(0.25)


def wait_recompute(base: str, token: str) -> float:
    t0 = time.perf_counter()
    while pending(base, token) > 0:
        time.sleep(0.25)
    return time.perf_counter() - t0


def bench_ingest(
    name: str, url: str, config: Path, tmp: Path, args: argparse.Namespace
) -> dict[str, Any]:
    token = admin_token(url)
    server = Server(url, config, tmp / f"server-{name}.log")
    try:
        events = demo_events(args.events + args.singles, seed=17)
        batch_events, single_events = events[: args.events], events[args.events :]
        bodies, sizes = [], []
        for i in range(0, len(batch_events), args.batch):
            chunk = batch_events[i : i + args.batch]
            bodies.append(json.dumps(chunk).encode())
            sizes.append(len(chunk))
        wall, lat, acked = run_clients(server.base, token, bodies, sizes, args.clients)
        catch_up = wait_recompute(server.base, token)
        singles = [json.dumps(e).encode() for e in single_events]
        s_wall, s_lat, s_acked = run_clients(
            server.base, token, singles, [1] * len(singles), args.clients
        )
        wait_recompute(server.base, token)
    finally:
        server.stop()
    return {
        "store": name,
        "batch_events": acked,
        "batch_rate": acked / wall,
        "batch_p50": pct(lat, 50),
        "batch_p99": pct(lat, 99),
        "catch_up": catch_up,
        "single_events": s_acked,
        "single_rate": s_acked / s_wall,
        "single_p50": pct(s_lat, 50),
        "single_p99": pct(s_lat, 99),
    }


# ---------------------------------------------------------------- a million tickets


def templates(
    config_dir: Path, n: int, now: int, events: int | None = None
) -> list[tuple[list[Event], list[Any]]]:
    """``n`` demo tickets of the last days, cut to their first ``events`` events (default
    :data:`EVENTS_PER_TICKET`: many still open, as in a real queue; ``0``: whole, most of them
    solved, as in a store's history), with their records at ``now``."""
    keep = EVENTS_PER_TICKET if events is None else (events or None)
    config = load_config(config_dir)
    end = datetime.fromtimestamp(now, UTC)
    by_ticket: dict[str, list[Event]] = {}
    for e in generate_events(seed=23, end=end, days=10, tickets=n):
        by_ticket.setdefault(e.ticket_id, []).append(e)
    out = []
    for tid, evs in by_ticket.items():
        head = sorted(evs, key=Event.sort_key)[:keep]
        out.append((head, compute_ticket(tid, head, config, now)))
    return out


EVENTS_PER_TICKET = 4
_TID = "\x00tid\x00"  # stands for the ticket id in the template rows


def _rows(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    """A row of the store as a plain tuple, JSON columns as text (the driver's own format)."""
    out = []
    for col in table.columns:
        if col.name == "seq":
            continue
        v = row[col.name]
        if isinstance(col.type, sa.JSON):
            v = json.dumps(v, ensure_ascii=False)
        out.append(v)
    return tuple(out)


def bulk_load(
    url: str, config_dir: Path, tickets: int, now: int, events: int | None = None
) -> float:
    """Store ``tickets`` tickets (events, summaries, metric records) straight into the
    store's tables, with the store's own row layout; return the seconds it took. ``events``:
    as :func:`templates`.

    Going through ``Store.add_events`` / ``save_results`` builds every row in Python with
    SQLAlchemy (~1.5 ms a ticket here: 25 minutes for a million), so the rows of a few
    thousand template tickets are built once by the store's own converters and copied under
    new ids with the driver's bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL).
    """
    from accord.core.event_validation import content_digest
    from accord.io.store import schema
    from accord.io.store.sql.rows import _event_row, _record_row, _ticket_row, shared_as_of

    t0 = time.perf_counter()
    SqlStore(url).close()  # create the schema
    base = []
    for evs, recs in templates(config_dir, 2_000, now, events):
        tevs = [replace(e, ticket_id=_TID, event_id=f"{_TID}-{i}") for i, e in enumerate(evs)]
        summary = summarize(_TID, tevs, now)
        # the ticket's current customer, as the ingest keeps it (the event's arrival number
        # is not known before the copy; 0 sorts it before any later event at the same instant)
        owner = owner_of(tevs)
        base.append(
            (
                [_rows(schema.events, _event_row(e, content_digest(e), now)) for e in tevs],
                [
                    _rows(
                        schema.records,
                        _record_row(
                            replace(r, ticket_id=_TID), summary.customer, shared_as_of(recs)
                        ),
                    )
                    for r in recs
                ],
                _rows(schema.tickets, _ticket_row(summary, shared_as_of(recs))),
                None if owner is None else (_TID, owner.customer, owner.key[0], owner.key[1], 0),
            )
        )

    def swap(row: tuple[Any, ...], tid: str) -> tuple[Any, ...]:
        return tuple(v.replace(_TID, tid) if isinstance(v, str) and _TID in v else v for v in row)

    engine = sa.create_engine(url)
    rng = random.Random(3)
    tables = (schema.events, schema.records, schema.tickets, schema.ticket_owners)
    columns = {
        t.name: [c.name for c in t.columns if not (t is schema.events and c.name == "seq")]
        for t in tables
    }
    # the secondary indexes are built once after the copy, as a restore does: kept up row by
    # row, the working lists' dozen indexes made a million tickets take an hour here
    indexes = [ix for table in tables for ix in table.indexes]
    try:
        with engine.begin() as conn:
            for ix in indexes:
                ix.drop(conn)
        with engine.begin() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            for start in range(0, tickets, 20_000):
                batch: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in tables}
                for n in range(start, min(tickets, start + 20_000)):
                    ev_rows, rec_rows, ticket_row, owner_row = base[rng.randrange(len(base))]
                    tid = f"B{n:07d}"
                    batch["events"].extend(swap(r, tid) for r in ev_rows)
                    batch["records"].extend(swap(r, tid) for r in rec_rows)
                    batch["tickets"].append(swap(ticket_row, tid))
                    if owner_row is not None:
                        batch["ticket_owners"].append(swap(owner_row, tid))
                for name, rows in batch.items():
                    _insert(raw, engine.dialect.name, name, columns[name], rows)
                if start % 200_000 == 0:
                    print(f"  loaded {min(tickets, start + 20_000):,} tickets", flush=True)
        with engine.begin() as conn:
            for ix in indexes:
                ix.create(conn)
        if engine.dialect.name == "postgresql":
            # statistics for the planner, and the visibility map that lets it answer from an
            # index alone (what autovacuum gives a live database after a bulk load)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in tables:
                    conn.execute(sa.text(f"VACUUM (ANALYZE) {table.name}"))
    finally:
        engine.dispose()
    return time.perf_counter() - t0


def _insert(raw: Any, dialect: str, table: str, columns: list[str], rows: list[Any]) -> None:
    cur = raw.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    if dialect == "postgresql":
        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    cur.close()


def customer_token(url: str, customer: str) -> str:
    store = SqlStore(url)
    try:
        token, _ = create_token(store, scope=Scope.READ, customer=customer, name="b", now=0)
        return token
    finally:
        store.close()


def time_reads(get: Callable[[], httpx.Response], n: int) -> list[float]:
    get()  # warm the caches the first request fills (configuration, connections)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        res = get()
        out.append(time.perf_counter() - t0)
        if res.status_code != 200:
            raise SystemExit(f"read failed: {res.status_code} {res.text[:300]}")
    return out


def bench_reads(
    name: str, url: str, config: Path, tmp: Path, args: argparse.Namespace
) -> dict[str, Any]:
    now = int(time.time())
    load_s = bulk_load(url, config, args.tickets, now)
    token = admin_token(url)
    acme = customer_token(url, "acme")
    server = Server(url, config, tmp / f"server-read-{name}.log")
    try:
        warm_s = wait_view(server.base, token)
        with httpx.Client(base_url=server.base, timeout=120) as http:
            auth = {"Authorization": f"Bearer {token}"}
            first = http.get("/api/v1/at-risk", headers=auth).json()
            cursor = first["next_cursor"]
            for _ in range(20):  # a page deep in the queue
                cursor = http.get(
                    "/api/v1/at-risk", headers=auth, params={"cursor": cursor}
                ).json()["next_cursor"]
            top = time_reads(lambda: http.get("/api/v1/at-risk", headers=auth), args.reads)
            deep = time_reads(
                lambda: http.get("/api/v1/at-risk", headers=auth, params={"cursor": cursor}),
                args.reads,
            )
            scoped = time_reads(
                lambda: http.get("/api/v1/at-risk", headers={"Authorization": f"Bearer {acme}"}),
                args.reads,
            )
            items = len(first["items"])
    finally:
        server.stop()
    return {
        "store": name,
        "tickets": args.tickets,
        "load_s": load_s,
        "warm_s": warm_s,
        "items": items,
        "top_p50": pct(top, 50),
        "top_p99": pct(top, 99),
        "deep_p50": pct(deep, 50),
        "deep_p99": pct(deep, 99),
        "scoped_p50": pct(scoped, 50),
        "scoped_p99": pct(scoped, 99),
    }


# ---------------------------------------------------------------- sustained ingest


def report_sustained(
    name: str, url: str, config: Path, tmp: Path, args: argparse.Namespace
) -> None:
    token = admin_token(url)
    if url.startswith("postgresql"):
        print(f"[{name}] server: {pg_settings(url)}", flush=True)
    server = Server(url, config, tmp / f"server-sustained-{name}.log")
    seconds = args.minutes * 60
    load = os.getloadavg()
    cpu0 = cpu_seconds(server.proc.pid)
    child0 = recompute_cpu(server.base, token)
    # time spent runnable but without a CPU: how much the host's other work took from them
    watched = {"server": server.proc.pid}
    deadline = time.monotonic() + 30  # the recompute process is spawned as the server starts
    while child0 is not None and "recompute" not in watched and time.monotonic() < deadline:
        for pid in spawned_children(server.proc.pid)[:1]:
            watched["recompute"] = pid
        time.sleep(0.1)
    waits0 = {k: run_queue_seconds(p) for k, p in watched.items()}
    t0 = time.perf_counter()
    try:
        run = sustained(
            server.base,
            token,
            rate=args.rate,
            seconds=seconds,
            batch=args.batch,
            clients=args.clients,
        )
        cpu = cpu_seconds(server.proc.pid) - cpu0
        child1 = recompute_cpu(server.base, token)
        waits1 = {k: run_queue_seconds(p) for k, p in watched.items()}
        wall = time.perf_counter() - t0
    finally:
        server.stop()
    r = summary(run, seconds, args.rate)
    if args.samples is not None:
        kept = json.loads(args.samples.read_text()) if args.samples.exists() else {}
        kept[name] = {
            "backlog": [[round(t, 3), n] for t, n, _ in run.backlog],
            "probes": [
                [round(a, 3), round(p, 4)] for a, p in zip(run.probed_at, run.probes, strict=True)
            ],
            "last_ack": run.last_ack,
        }
        args.samples.write_text(json.dumps(kept))
    per_event = 1e6 / max(r["acked"], 1)
    if child0 is not None and child1 is not None:
        child = child1 - child0
        where = (
            f"the server used {cpu:,.0f} CPU-seconds, {cpu * per_event:,.0f} us per acknowledged "
            f"event (ingest, reads, views); its recompute process {child:,.0f} CPU-seconds, "
            f"{child * per_event:,.0f} us per acknowledged event"
        )
    else:
        where = (
            f"the server used {cpu:,.0f} CPU-seconds, {cpu * per_event:,.0f} us per "
            "acknowledged event (ingest and recompute, in one process)"
        )
    print(
        f"[{name}] load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}; {where}",
        flush=True,
    )
    bounded = r["backlog_second_half_max"] <= max(1.25 * r["backlog_first_half_max"], 1_000)
    print(
        f"[{name}] sustained {args.rate:,.0f} events/s offered for {args.minutes:g} min in "
        f"batches of {args.batch}: {r['acked']:,} acknowledged, {r['rate']:,.0f} events/s "
        f"({r['unsent']:,} not sent: no client free before the end); "
        f"batch p50 {ms(r['batch_p50'])} p99 {ms(r['batch_p99'])}; requests started late "
        f"p99 {ms(r['late_p99'])} max {ms(r['late_max'])}",
        flush=True,
    )
    print(
        f"[{name}] recompute backlog (tickets pending; highest per minute): "
        f"{r['backlog_per_minute']}; first half max {r['backlog_first_half_max']:,}, second "
        f"half max {r['backlog_second_half_max']:,} ({'bounded' if bounded else 'GROWING'}); "
        f"lowest per minute {r['backlog_low_per_minute']}; mean first half "
        f"{r['backlog_first_half_mean']:,.0f}, second half {r['backlog_second_half_mean']:,.0f}; "
        f"drained {r['drained_after']:.1f} s after the last acknowledgement "
        f"({r['left']:,} still pending when the wait gave up) "
        f"(/metrics scrape p50 {ms(r['scrape_p50'])})",
        flush=True,
    )
    print(
        f"[{name}] acknowledged -> clocks listed in at-risk: {r['probes']} probes, "
        f"p50 {ms(r['probe_p50'])}, p99 {ms(r['probe_p99'])}, max {ms(r['probe_max'])}, "
        f"{r['missed']} not listed within 300 s",
        flush=True,
    )
    waited = [
        f"{k} {b - a:,.0f} s"
        for k, a in waits0.items()
        if a is not None and (b := waits1[k]) is not None
    ]
    if waited:
        print(
            f"[{name}] waiting for a CPU while runnable (run queue), over the run's "
            f"{wall:,.0f} s: {', '.join(waited)}",
            flush=True,
        )
    if r["error_count"]:
        print(f"[{name}] {r['error_count']} errors, first: {r['errors']}", flush=True)
    if url.startswith("postgresql"):
        print(f"[{name}] tables after the run: {'; '.join(pg_tables(url))}", flush=True)


# ---------------------------------------------------------------- main


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--singles", type=int, default=4_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--parts", default="ingest,reads")
    parser.add_argument("--rate", type=float, default=5_000, help="sustained: events/s")
    parser.add_argument("--minutes", type=float, default=10, help="sustained: how long")
    parser.add_argument(
        "--samples",
        type=Path,
        help="sustained: write each store's backlog samples and probe latencies, with their "
        "times, to this JSON file (one key a store)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes")
    args = parser.parse_args()
    if args.quick:
        args.events, args.singles, args.tickets, args.reads = 10_000, 500, 20_000, 10
    info = machine_info(("sqlalchemy", "psycopg", "fastapi", "uvicorn"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    stores = args.stores.split(",")
    parts = args.parts.split(",")
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for store in stores:
            make = (lambda: sqlite_url(tmp)) if store == "sqlite" else postgres_url
            if "ingest" in parts:
                with make() as url:
                    r = bench_ingest(store, url, config, tmp, args)
                print(
                    f"[{store}] batches of {args.batch}: {r['batch_events']:,} events, "
                    f"{r['batch_rate']:,.0f} events/s, p50 {ms(r['batch_p50'])}, "
                    f"p99 {ms(r['batch_p99'])}; recompute caught up "
                    f"{r['catch_up']:.1f} s after the last ack",
                    flush=True,
                )
                print(
                    f"[{store}] single events: {r['single_events']:,}, "
                    f"{r['single_rate']:,.0f} requests/s, p50 {ms(r['single_p50'])}, "
                    f"p99 {ms(r['single_p99'])}",
                    flush=True,
                )
            if "sustained" in parts:
                with make() as url:
                    report_sustained(store, url, config, tmp, args)
            if "reads" in parts:
                with make() as url:
                    r = bench_reads(store, url, config, tmp, args)
                print(
                    f"[{store}] at-risk with {r['tickets']:,} tickets (loaded in "
                    f"{timedelta(seconds=int(r['load_s']))}; server warm after "
                    f"{r['warm_s']:.1f} s), {r['items']} clocks a page: "
                    f"first page p50 {ms(r['top_p50'])} p99 {ms(r['top_p99'])}; "
                    f"page 22 p50 {ms(r['deep_p50'])} p99 {ms(r['deep_p99'])}; "
                    f"customer token p50 {ms(r['scoped_p50'])} p99 {ms(r['scoped_p99'])}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
