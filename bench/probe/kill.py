"""A SIGKILL under load: concurrent clients post the demo helpdesk's events in batches and
one by one (with resent duplicates); half-way the server is killed with SIGKILL and started
again over the same store, and a client whose request failed sends it again (ingest is
idempotent). Afterwards every event whose POST was acknowledged (``accepted`` or
``duplicate`` in a 2xx answer) must be in its ticket's timeline, read over HTTP."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from accord.demo.generate import generate_events

from .deployment import Deployment
from .tally import Tally

WAIT = 120.0


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, str] = field(default_factory=dict)  # event id -> ticket id
    answered: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)


def items(total: int, seed: int) -> list[dict[str, Any]]:
    end = datetime.now(UTC).replace(microsecond=0)
    events = [e.to_dict() for e in generate_events(seed=seed, end=end, target_events=total)]
    rng = random.Random(seed)
    events = events[: total - total // 20]
    out = events + [dict(e) for e in rng.sample(events, total // 20)]  # resent duplicates
    rng.shuffle(out)
    return out


def _batches(share: list[dict[str, Any]], rng: random.Random) -> Iterator[list[dict[str, Any]]]:
    i = 0
    while i < len(share):
        size = 1 if rng.random() < 0.3 else rng.randint(20, 250)
        yield share[i : i + size]
        i += size


def client(
    dep: Deployment, tally: Tally, share: list[dict[str, Any]], ledger: Ledger, seed: int
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=dep.server.url, headers=dep.auth("write"), timeout=120) as http:
        for batch in _batches(share, rng):
            body: Any = batch[0] if len(batch) == 1 else batch
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    res = http.post("/api/v1/events", json=body)
                    # a 503 while the store is coming back is documented (retry it)
                    tally.answered("POST /api/v1/events under SIGKILL", res, unavailable_ok=True)
                    if res.status_code == 200:
                        break
                except httpx.TransportError:
                    pass  # killed mid-request: send the same batch again
                with ledger.lock:
                    ledger.retries += 1
                if time.monotonic() > deadline:
                    ledger.failures.append("the server did not come back")
                    return
                time.sleep(0.1)
            results = res.json()["results"]
            with ledger.lock:
                for item, result in zip(batch, results, strict=True):
                    if result["status"] in ("accepted", "duplicate"):
                        ledger.acknowledged[item["event_id"]] = item["ticket_id"]
                    else:
                        ledger.failures.append(f"{item['event_id']}: {result}")
                ledger.answered += len(batch)


def stored_ids(dep: Deployment, tally: Tally, tickets: set[str]) -> set[str]:
    out: set[str] = set()
    with httpx.Client(base_url=dep.server.url, headers=dep.auth("admin"), timeout=120) as http:
        for ticket in sorted(tickets):
            res = http.get(f"/api/v1/tickets/{ticket}")
            tally.answered("GET a ticket after the SIGKILL", res)
            if res.status_code == 200:
                out |= {e["event_id"] for e in res.json()["timeline"]}
    return out


def run(dep: Deployment, tally: Tally, *, clients: int, total: int, seed: int = 11) -> None:
    work = items(total, seed)
    ledger = Ledger()
    shares = [work[n::clients] for n in range(clients)]
    threads = [
        threading.Thread(target=client, args=(dep, tally, share, ledger, n))
        for n, share in enumerate(shares)
    ]
    for t in threads:
        t.start()
    while True:  # kill once a good part of the stream is in, then restart
        with ledger.lock:
            if ledger.answered >= len(work) * 0.4:
                break
        time.sleep(0.02)
    dep.server.kill()
    dep.server.start()
    for t in threads:
        t.join()
    for failure in ledger.failures:
        tally.add("lost", f"the probe's own events were not all answered: {failure}")
    stored = stored_ids(dep, tally, set(ledger.acknowledged.values()))
    tally.acknowledged += len(ledger.acknowledged)
    for event_id in sorted(set(ledger.acknowledged) - stored):
        tally.add("lost", f"{event_id} (ticket {ledger.acknowledged[event_id]})")
    tally.notes.append(
        f"SIGKILL: {clients} clients, {len(work)} items, killed after "
        f"{int(len(work) * 0.4)}+ answered; {ledger.retries} requests sent again"
    )
    if ledger.retries == 0:
        tally.notes.append("SIGKILL: no request was interrupted by the kill")
