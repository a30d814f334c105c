"""The CPU of one background recompute pass, in process, on a store already holding many
tickets: passes of 250, 500 and 2,000 tickets with 1-3 new events each (as under a sustained
stream), read + compute + save, split by stage.

``fill`` makes the store once (the demo helpdesk's tickets, ingested and recomputed); ``run``
copies it (SQLite: the file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``), so every run starts
from the same rows, adds the same events and recomputes the same tickets at the same instants.
The code measured is whatever ``accord`` is importable, so one filled store serves an A/B:

    .venv/bin/python bench/bench_recompute_pass.py fill --store sqlite --tickets 50000
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/bench_recompute_pass.py run \
        --store sqlite
    .venv/bin/python bench/bench_recompute_pass.py run --store sqlite

CPU is the process's (``time.process_time``); on PostgreSQL the database server's CPU of the
run's connections (found by ``application_name``) is reported apart. Stages: ``read`` (the
events' rows), ``columns`` (the engine's events table and the summaries made of them),
``engine`` (the batch engine), ``save`` (the store's save, with the rows made for it
there), ``other`` (the rest of the pass: the records, or the rows, made from the engine's
table).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.events import Actor, Event, Kind
from accord.demo.generate import generate_log
from accord.io.store import SqlStore
from accord.io.store.base import Incoming
from accord.service import recompute
from bench_recompute import _server_cpu
from bench_service import PG_URL

END = datetime(2026, 12, 1, tzinfo=UTC)
T_END = int(END.timestamp())
SIZES = ((250, 24), (500, 12), (2000, 4))  # pass size, passes of that size
_PG_BASE = "accord_bench_pass"
_APP = "accord-bench-recompute"  # as bench_recompute._server_cpu looks for


def _pg(database: str) -> str:
    return sa.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def fill(store_kind: str, tickets: int, path: Path) -> None:
    """The demo log of ``tickets`` tickets, stored and recomputed."""
    if store_kind == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{_PG_BASE}"')
        _admin(f'CREATE DATABASE "{_PG_BASE}"')
        url = _pg(_PG_BASE)
    else:
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    config = load_config(copy_demo_config(Path(tempfile.mkdtemp()) / "config", alerts=False))
    log = generate_log(seed=17, end=END, days=365, tickets=tickets)
    store = SqlStore(url)
    try:
        batch: list[Incoming] = []
        n = 0
        for n, e in enumerate(log.events(), start=1):
            batch.append(Incoming(e, "bench", n))
            if len(batch) == 5000:
                store.add_events(batch, received_at=T_END)
                batch = []
        store.add_events(batch, received_at=T_END)
        done = 0
        while marks := store.dirty(2000):
            ids = [tid for tid, _ in marks]
            recompute.recompute_tickets(store, ids, config, T_END, clear=marks)
            done += len(ids)
        print(f"filled: {n:,} events, {done:,} tickets recomputed", flush=True)
    finally:
        store.close()


@contextmanager
def _copy(store_kind: str, path: Path) -> Iterator[str]:
    """A fresh copy of the filled store: its URL."""
    if store_kind == "postgresql":
        name = f"{_PG_BASE}_run"
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_PG_BASE}"')
        try:
            yield (
                sa.make_url(_pg(name))
                .update_query_dict({"application_name": _APP})
                .render_as_string(hide_password=False)
            )
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}"')
        return
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        copy = Path(tmp) / "run.db"
        shutil.copyfile(path, copy)
        yield f"sqlite:///{copy}"


def _new_events(ids: list[str], size: int, k: int, now: int) -> list[Incoming]:
    """1-3 new events for each of ``size`` tickets (the same ones in every run); ``k``: the
    pass's number."""
    rng = random.Random(k)
    out: list[Incoming] = []
    for tid in rng.sample(ids, size):
        for j in range(rng.randint(1, 3)):
            kind, actor, fields = rng.choice(
                [
                    (Kind.MESSAGE, Actor.AGENT, {}),
                    (Kind.MESSAGE, Actor.CUSTOMER, {}),
                    (Kind.UPDATED, Actor.AGENT, {"status": "open"}),
                    (Kind.UPDATED, Actor.AGENT, {"status": "pending"}),
                ]
            )
            e = Event(f"bp-{k}-{tid}-{j}", tid, now - 60 + j, kind, actor, True, fields)
            out.append(Incoming(e, "bench", len(out)))
    return out


def _timed(into: dict[str, float], name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.process_time()
        try:
            return f(*args, **kw)
        finally:
            into[name] += time.process_time() - t0

    return wrapper


def run(store_kind: str, path: Path, freeze: bool = False) -> list[dict[str, Any]]:
    config = load_config(copy_demo_config(Path(tempfile.mkdtemp()) / "config", alerts=False))
    stages = {"_rows_of": "read", "pass_columns": "columns", "compute_partition": "engine",
              "_save": "save"}  # fmt: skip
    out: list[dict[str, Any]] = []
    with _copy(store_kind, path) as url:
        store = SqlStore(url, run_migrations=False)
        ids = store.ticket_ids(after=None, limit=1_000_000)
        saved = {name: getattr(recompute, name) for name in stages}
        number = 0  # the passes so far
        try:
            for size, passes in ((250, 1), *SIZES):  # the first: a warm-up, not reported
                split = dict.fromkeys(("read", "columns", "engine", "save"), 0.0)
                for name, f in saved.items():
                    setattr(recompute, name, _timed(split, stages[name], f))
                whole = 0.0
                events = 0
                server = _server_cpu(url)
                for _ in range(passes):
                    number += 1
                    now = T_END + 600 * number
                    incoming = _new_events(ids, size, number, now)
                    store.add_events(incoming, received_at=now)
                    events += len(incoming)
                    marks = store.dirty(size)
                    assert len(marks) == size
                    # each pass from a clean heap: the garbage of the set-up and of the
                    # events' ingest is not collected in one pass's time by chance (a
                    # young collection: a full one would leave none for the passes)
                    gc.collect(1)
                    t0 = time.process_time()
                    got = recompute.recompute_tickets(
                        store, [t for t, _ in marks], config, now, clear=marks,
                        on_saved=lambda results, seqs: None,  # the recompute process's
                    )  # fmt: skip
                    whole += time.process_time() - t0
                    assert got.saved == size and not got.failed
                    if freeze and number == 1:  # after the warm-up, as the process does
                        from accord.service.recompute_process import settle_heap

                        settle_heap()
                tickets = size * passes
                out.append(
                    {
                        "size": size,
                        "tickets": tickets,
                        "events": events,
                        "whole": whole,
                        **split,
                        "other": whole - sum(split.values()),
                        "server": _server_cpu(url) - server,
                    }
                )
        finally:
            for name, f in saved.items():
                setattr(recompute, name, f)
            store.close()
    return out[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("fill", "run"))
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--file", type=Path, default=Path("/tmp/accord-bench-pass.db"))
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--freeze", action="store_true", help="settle the heap after the warm-up pass, as the "
        "recompute process does after its first batch (recompute_process.settle_heap)"
    )  # fmt: skip
    args = parser.parse_args()
    if args.what == "fill":
        fill(args.store, args.tickets, args.file)
        return 0
    for r in run(args.store, args.file, args.freeze):
        n, ev = r["tickets"], r["events"]
        names = ("whole", "read", "columns", "engine", "save", "other", "server")
        per = {k: r[k] / n * 1e6 for k in names}
        print(
            f"{args.label} {args.store} pass of {r['size']:5}: {per['whole']:6.0f} us a ticket, "
            f"{r['whole'] / ev * 1e6:5.0f} an event (read {per['read']:.0f}, columns "
            f"{per['columns']:.0f}, engine "
            f"{per['engine']:.0f}, save {per['save']:.0f}, other {per['other']:.0f}; "
            f"server {per['server']:.0f})",
            flush=True,
        )
        print("JSON " + json.dumps({"label": args.label, "store": args.store, **r}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
