"""The ``sustained`` part of ``bench_service.py``: a steady stream of events for minutes, and
how far the background recompute lags behind it.

- **Ingest**, open loop: batch ``i`` (``--batch`` events of a demo helpdesk log, in delivery
  order) is due at ``start + i * batch / rate`` and handed then to a pool of client threads,
  whether or not the earlier ones were answered, so a slow server shows up as requests that
  start late (``late``: how long after its due instant a batch's request started) instead of
  as a lower offered rate. Bodies are encoded just before they are due.
- **Backlog**: ``accord_recompute_pending`` (tickets with new events whose clocks are not
  stored yet) read from ``GET /metrics`` every ``SAMPLE_EVERY`` seconds.
- **Visibility**: every ``PROBE_EVERY`` seconds a probe thread posts one ``created`` event of a
  new ticket (its fields those of a demo ticket, its assignee unique to the probe), then asks
  ``GET /api/v1/at-risk?assignee=<that assignee>`` every ``POLL`` seconds until the ticket's
  clocks are listed: the at-risk queue is filtered on the stored clocks, so they are listed
  once the recompute has stored them. Latency: from the acknowledgement of the event to the
  first answer that lists them (within ``POLL`` plus one request of the truth).

Batches no client could start within ``GRACE`` seconds after the run's end are not sent
(counted). After the last batch the part waits for every probe to be listed (or missed after
``GIVE_UP`` seconds), then up to ``DRAIN_WAIT`` seconds for the backlog to drain.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from accord.core.events import Event, Kind
from accord.demo.generate import generate_log

SAMPLE_EVERY = 5.0  # seconds between two reads of the backlog
PROBE_EVERY = 1.0  # seconds between two probe events
POLL = 0.1  # seconds between two at-risk reads of an unseen probe
GIVE_UP = 300.0  # a probe not listed this long after its acknowledgement counts as missed
GRACE = 60.0  # seconds after the run's end that started requests may take to be answered
DRAIN_WAIT = 180.0  # seconds the part waits, after the last batch, for the backlog to drain


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Run:
    """What one sustained run saw (times in seconds since its start)."""

    batches: int = 0
    acked: int = 0
    latencies: list[float] = field(default_factory=list)  # per batch request
    late: list[float] = field(default_factory=list)  # request start minus due instant
    last_ack: float = 0.0
    backlog: list[tuple[float, int, float]] = field(default_factory=list)  # (t, pending, scrape)
    probes: list[float] = field(default_factory=list)  # ack to visible in at-risk
    probed_at: list[float] = field(default_factory=list)  # each probe's ack, since the start
    missed: int = 0
    unsent: int = 0  # events still waiting for a client when the run's time was up
    left: int = 0  # tickets still pending when the wait for the drain gave up
    newest: str = ""  # the ticket of the last event posted (the probes' ids follow it)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def demo_log(events: int, seed: int) -> tuple[Iterator[Event], Event]:
    """About ``events`` demo events in delivery order (generated up front as columns, turned
    into events one at a time), and one ``created`` event to copy for the probes."""
    end = datetime.now(UTC).replace(microsecond=0)
    log = generate_log(seed=seed, end=end, target_events=events)
    first = log.events()
    created = next(e for e in first if e.kind is Kind.CREATED and e.fields.get("priority"))
    return log.events(), created


def _encode(events: Iterator[Event], n: int, run: Run) -> tuple[bytes, int]:
    chunk = [e.to_dict() for _, e in zip(range(n), events, strict=False)]
    if chunk:
        run.newest = chunk[-1]["ticket_id"]
    return json.dumps(chunk).encode(), len(chunk)


def _post_batches(
    base: str,
    headers: dict[str, str],
    work: queue.Queue[tuple[float, bytes, int] | None],
    run: Run,
    t0: float,
    end: float,
) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=300) as http:
        while True:
            got = work.get()
            if got is None:
                return
            due, body, size = got
            start = time.perf_counter()
            if start > end:  # the run is over: what the server could not take is not sent
                with run.lock:
                    run.unsent += size
                continue
            try:
                res = http.post("/api/v1/events", content=body)
            except httpx.HTTPError as e:
                with run.lock:
                    run.errors.append(f"batch: {type(e).__name__}: {e}")
                continue
            answered = time.perf_counter()
            with run.lock:
                if res.status_code != 200:
                    run.errors.append(f"batch: {res.status_code} {res.text[:200]}")
                    continue
                got_json = res.json()
                run.batches += 1
                run.acked += got_json["accepted"] + got_json["duplicates"]
                run.latencies.append(answered - start)
                run.late.append(start - due)
                run.last_ack = max(run.last_ack, answered - t0)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux)."""
    import os

    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def run_queue_seconds(pid: int) -> float | None:
    """Seconds a process has spent runnable but waiting for a CPU (Linux schedstat; ``None``
    when it cannot be read): on a shared host, how much of its time the others took."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def spawned_children(pid: int) -> list[int]:
    """The processes ``pid`` started with multiprocessing's spawn (the recompute process;
    the resource tracker left out)."""
    import glob

    out: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(path) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        for kid in kids:
            try:
                with open(f"/proc/{kid}/cmdline") as f:
                    if "spawn_main" in f.read():
                        out.append(kid)
            except OSError:
                continue
    return out


def gauge(http: httpx.Client, name: str) -> float | None:
    """A gauge of ``GET /metrics`` (``None``: not listed)."""
    text = http.get("/metrics").text
    line = next((x for x in text.splitlines() if x.startswith(f"{name} ")), None)
    return float(line.split()[1]) if line is not None else None


def pending(http: httpx.Client) -> int:
    return int(gauge(http, "accord_recompute_pending") or 0)


def recompute_cpu(base: str, token: str) -> float | None:
    """CPU seconds of the server's recompute processes so far (``None``: the recompute runs
    in the server's own process, whose CPU time includes it)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        return gauge(http, "accord_recompute_process_cpu_seconds")


def _sample(http: httpx.Client, run: Run, t0: float, stop: threading.Event) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        try:
            n = pending(http)
        except httpx.HTTPError as e:
            with run.lock:
                run.errors.append(f"metrics: {type(e).__name__}: {e}")
        else:
            took = time.perf_counter() - start
            with run.lock:
                run.backlog.append((start - t0, n, took))
        stop.wait(SAMPLE_EVERY)


def _probe(
    http: httpx.Client, template: Event, run: Run, t0: float, stop: threading.Event, tag: str
) -> None:
    """Post a probe every PROBE_EVERY seconds until ``stop``; poll the unseen ones."""
    unseen: dict[str, float] = {}  # assignee: acknowledged at (perf_counter)
    n = 0
    next_probe = time.perf_counter()
    while unseen or not stop.is_set():
        now = time.perf_counter()
        if not stop.is_set() and now >= next_probe:
            n += 1
            who = f"probe-{tag}-{n:05d}"
            event = replace(
                template,
                event_id=f"{who}-created",
                # beside a ticket of the last batch in the recompute's order (by ticket id),
                # not always first or last
                ticket_id=f"{run.newest or template.ticket_id}-{who}",
                ts=int(time.time()),
                fields={**template.fields, "assignee": who},
            )
            res = http.post("/api/v1/events", content=json.dumps(event.to_dict()).encode())
            if res.status_code == 200 and res.json()["accepted"] == 1:
                unseen[who] = time.perf_counter()
            else:
                with run.lock:
                    run.errors.append(f"probe: {res.status_code} {res.text[:200]}")
            next_probe += PROBE_EVERY
        for who, acked in list(unseen.items()):
            res = http.get("/api/v1/at-risk", params={"assignee": who, "limit": 1})
            seen = time.perf_counter()
            if res.status_code == 200 and res.json()["items"]:
                with run.lock:
                    run.probes.append(seen - acked)
                    run.probed_at.append(acked - t0)
                del unseen[who]
            elif seen - acked > GIVE_UP:
                with run.lock:
                    run.missed += 1
                del unseen[who]
        time.sleep(POLL)


def sustained(
    base: str,
    token: str,
    *,
    rate: float,
    seconds: float,
    batch: int,
    clients: int,
    seed: int = 17,
) -> Run:
    """Post demo events at ``rate`` events/s for ``seconds``; see the module's docstring."""
    events, template = demo_log(int(rate * seconds) + batch, seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    run = Run()
    work: queue.Queue[tuple[float, bytes, int] | None] = queue.Queue()
    stop_probes = threading.Event()
    stop_samples = threading.Event()
    t0 = time.perf_counter()
    with (
        httpx.Client(base_url=base, headers=headers, timeout=300) as sampler,
        httpx.Client(base_url=base, headers=headers, timeout=300) as prober,
    ):
        threads = [
            threading.Thread(
                target=_post_batches, args=(base, headers, work, run, t0, t0 + seconds + GRACE)
            )
            for _ in range(clients)
        ]
        threads.append(threading.Thread(target=_sample, args=(sampler, run, t0, stop_samples)))
        probe = threading.Thread(
            target=_probe, args=(prober, template, run, t0, stop_probes, f"{int(t0) % 100000}")
        )
        threads.append(probe)
        for t in threads:
            t.start()
        i = 0
        every = batch / rate
        body, size = _encode(events, batch, run)
        while size:
            due = t0 + i * every
            if due - t0 >= seconds:
                break
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            work.put((due, body, size))
            i += 1
            body, size = _encode(events, batch, run)
        for _ in range(clients):
            work.put(None)
        for t in threads[:clients]:
            t.join()
        stop_probes.set()
        probe.join()
        # the tail: until nothing is pending (read every second from here), or DRAIN_WAIT
        tail = time.perf_counter()
        while True:
            n = pending(sampler)
            with run.lock:
                run.backlog.append((time.perf_counter() - t0, n, 0.0))
            if n == 0 or time.perf_counter() - tail > DRAIN_WAIT:
                run.left = n
                break
            time.sleep(1.0)
        stop_samples.set()
        for t in threads[clients:]:
            t.join()
    return run


def summary(run: Run, seconds: float, rate: float) -> dict[str, Any]:
    """The figures of a run: acknowledged rate, batch latency, lateness, backlog over time
    (per minute: the highest and the lowest sample), the drain after the last batch and the
    probes."""
    during = [(t, n) for t, n, _ in run.backlog if t <= run.last_ack]
    after = [t for t, n, _ in run.backlog if t > run.last_ack and n == 0]
    per_minute: dict[int, int] = {}
    low_per_minute: dict[int, int] = {}
    for t, n in during:
        per_minute[int(t // 60)] = max(per_minute.get(int(t // 60), 0), n)
        low_per_minute[int(t // 60)] = min(low_per_minute.get(int(t // 60), n), n)
    half = [n for t, n in during if t < seconds / 2]
    rest = [n for t, n in during if t >= seconds / 2]
    return {
        "offered": rate,
        "acked": run.acked,
        "rate": run.acked / run.last_ack if run.last_ack else 0.0,
        "batch_p50": pct(run.latencies, 50),
        "batch_p99": pct(run.latencies, 99),
        "late_p99": pct(run.late, 99),
        "late_max": max(run.late, default=float("nan")),
        "backlog_max": max((n for _, n in during), default=0),
        "backlog_first_half_max": max(half, default=0),
        "backlog_second_half_max": max(rest, default=0),
        # the highs are single samples of a backlog that comes and goes with each pass; the
        # means of the halves say whether the level itself moves
        "backlog_first_half_mean": sum(half) / len(half) if half else 0.0,
        "backlog_second_half_mean": sum(rest) / len(rest) if rest else 0.0,
        "backlog_per_minute": [per_minute[k] for k in sorted(per_minute)],
        # a backlog that grows without bound never comes back down: the lowest sample of each
        # minute says whether the recompute still catches up between the highs
        "backlog_low_per_minute": [low_per_minute[k] for k in sorted(low_per_minute)],
        "scrape_p50": pct([s for _, _, s in run.backlog if s], 50),
        "drained_after": (min(after) - run.last_ack) if after else float("nan"),
        "probes": len(run.probes),
        "probe_p50": pct(run.probes, 50),
        "probe_p99": pct(run.probes, 99),
        "probe_max": max(run.probes, default=float("nan")),
        "missed": run.missed,
        "unsent": run.unsent,
        "left": run.left,
        "errors": run.errors[:5],
        "error_count": len(run.errors),
    }
