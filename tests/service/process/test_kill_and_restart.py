"""A real ``accord serve`` process, killed with SIGKILL in the middle of a stream of events.

Eight concurrent clients send 20,000 items (the demo helpdesk's events, a thousand resent
duplicates and four hundred invalid rows) in batches and one by one. Half-way the server is
killed and started again; a client whose request failed sends it again (ingest is idempotent,
so that is safe). Afterwards:

- every event the server acknowledged (accepted or duplicate) is stored exactly once, and
  nothing else is;
- every row it answered "rejected" is in the quarantine;
- the clocks it serves equal a batch recomputation (the reference engine over every stored
  event) at the same instant, and the records it stored in the background equal a
  recomputation at the instant each was computed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.engine import compute, compute_ticket
from accord.core.timeutil import iso, to_instant
from accord.demo.generate import generate_events
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token

CLIENTS = 8
TOTAL = 20_000
DUPLICATES = 1_000
INVALID = 400
END = datetime(2026, 3, 1, tzinfo=UTC)
AS_OF = to_instant(END)
WAIT = 120.0  # seconds to wait for the server to come up or catch up, before giving up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    db: Path
    config: Path
    log: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-c",
            "from accord.cli.main import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            f"sqlite:///{self.db}",
            "--config",
            str(self.config),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"accord serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("accord serve did not come up")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Ledger:
    """What the clients were told, item by item."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: set[str] = field(default_factory=set)  # accepted or duplicate
    rejected: dict[str, str] = field(default_factory=dict)  # marker -> reason
    answered: int = 0
    retries: int = 0


def _items() -> list[dict[str, Any]]:
    events = [e.to_dict() for e in generate_events(seed=11, end=END, target_events=TOTAL)]
    rng = random.Random(5)
    events = events[: TOTAL - DUPLICATES - INVALID]
    duplicates = [dict(e) for e in rng.sample(events, DUPLICATES)]
    invalid = []
    for n, e in enumerate(rng.sample(events, INVALID)):
        bad = dict(e, event_id=f"bad-{n}")
        if n % 2:
            bad["ts"] = "not a time"
        else:
            bad["kind"] = "teleported"
        invalid.append(bad)
    items = events + duplicates + invalid
    rng.shuffle(items)
    return items


def _batches(items: list[dict[str, Any]], rng: random.Random) -> Iterator[list[dict[str, Any]]]:
    i = 0
    while i < len(items):
        size = 1 if rng.random() < 0.3 else rng.randint(20, 250)
        yield items[i : i + size]
        i += size


def _client(
    server: Server, token: str, items: list[dict[str, Any]], ledger: Ledger, seed: int
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        for batch in _batches(items, rng):
            body: Any = batch[0] if len(batch) == 1 else batch
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    res = http.post("/api/v1/events", json=body)
                    if res.status_code == 200:
                        break
                    assert res.status_code == 503, res.text  # the store mid-restart
                except httpx.TransportError:
                    pass  # killed mid-request: send the same batch again
                with ledger.lock:
                    ledger.retries += 1
                assert time.monotonic() < deadline, "the server did not come back"
                time.sleep(0.1)
            results = res.json()["results"]
            assert len(results) == len(batch)
            with ledger.lock:
                for item, result in zip(batch, results, strict=True):
                    if result["status"] == "rejected":
                        ledger.rejected[item["event_id"]] = result["reason"]
                    else:
                        ledger.acknowledged.add(item["event_id"])
                ledger.answered += len(batch)


def test_killed_server_loses_nothing_acknowledged_and_serves_exact_clocks(tmp_path: Path) -> None:
    config_dir = copy_demo_config(tmp_path / "config")
    db = tmp_path / "accord.db"
    seed_store = SqlStore(f"sqlite:///{db}")
    token, _ = create_token(seed_store, scope=Scope.ADMIN, customer=None, name="t", now=0)
    seed_store.close()
    server = Server(db, config_dir, tmp_path / "server.log")
    items = _items()
    ledger = Ledger()
    shares = [items[n::CLIENTS] for n in range(CLIENTS)]
    try:
        server.start()
        threads = [
            threading.Thread(target=_client, args=(server, token, share, ledger, n))
            for n, share in enumerate(shares)
        ]
        for t in threads:
            t.start()
        while True:  # kill once a good part of the stream is in, then restart
            with ledger.lock:
                if ledger.answered >= TOTAL * 0.4:
                    break
            time.sleep(0.05)
        server.kill()
        server.start()
        for t in threads:
            t.join()
        assert ledger.answered == TOTAL
        assert ledger.retries > 0, "the kill should have interrupted some requests"

        _wait_for_recompute(server, token)
        served = _served_clocks(server, token)
    finally:
        server.stop()

    store = SqlStore(f"sqlite:///{db}")
    try:
        stored = list(store.iter_events())
        quarantined = [q.problem for q in store.quarantine(limit=100_000)]
        config = load_config(config_dir)

        # every acknowledged event exactly once; nothing that was not acknowledged
        ids = Counter(e.event_id for e in stored)
        assert max(ids.values()) == 1
        assert set(ids) == ledger.acknowledged
        assert len(ids) == TOTAL - DUPLICATES - INVALID
        # every rejected row kept with its reason
        kept = {str(p.raw.get("event_id")): p.reason for p in quarantined}
        assert len(ledger.rejected) == INVALID
        for marker, reason in ledger.rejected.items():
            assert kept[marker] == reason

        # what the server serves equals the batch recomputation of the same log
        expected = defaultdict(list)
        for r in compute(stored, config, AS_OF):
            row = r.to_row()
            expected[row.pop("ticket_id")].append(_comparable(row))
        assert served == dict(expected)

        # and what it stored in the background equals a recomputation at that instant (the
        # internal agreements' records among them: the reads keep those from customers)
        by_ticket: dict[str, list[Any]] = defaultdict(list)
        for e in stored:
            by_ticket[e.ticket_id].append(e)
        records = store.records_of(list(by_ticket))
        for tid, recs in records.items():
            assert recs, f"ticket {tid} was never recomputed"
            again = compute_ticket(
                tid, by_ticket[tid], config, recs[0].as_of, agreements=bool(config.agreements)
            )
            # the figures: a pass of many tickets is stored by the batch engine, which
            # leaves out the explanations (a read explains a ticket from its events)
            assert [_figures(r) for r in recs] == [_figures(r) for r in sorted(again, key=_key)]
    finally:
        store.close()
    shutil.rmtree(tmp_path / "config", ignore_errors=True)


def _figures(r: Any) -> dict[str, Any]:
    return {**r.to_row(), "explanation": None}


def _key(r: Any) -> tuple[str, int]:
    return (r.metric, r.cycle)


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("explanation", None)
    return row


def _wait_for_recompute(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        text = httpx.get(f"{server.url}/metrics", headers=headers, timeout=30).text
        line = next(x for x in text.splitlines() if x.startswith("accord_recompute_pending "))
        if float(line.split()[1]) == 0:
            return
        time.sleep(0.2)
    pytest.fail("the background recompute did not catch up")


def _served_clocks(server: Server, token: str) -> dict[str, list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, list[dict[str, Any]]] = {}
    cursor = None
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
        while True:
            params: dict[str, Any] = {"as_of": iso(AS_OF), "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = http.get("/api/v1/tickets", params=params).json()
            for t in page["items"]:
                if t["clocks"]:
                    for c in t["clocks"]:  # how the page reads durations, not a record field
                        c.pop("business_day_seconds")
                    out[t["ticket_id"]] = [_comparable(c) for c in t["clocks"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return out
