"""Alert claims benchmark (issue 20, goal 5): what taking a round's due alerts in charge costs,
claimed one by one (a transaction and a commit each, what every round did before) against
claimed as one round (``Store.claim_alerts``: a transaction per 500 alerts), in the same run.

For each store (a fresh SQLite file, a fresh PostgreSQL schema), ``--tickets`` tickets get one
event each (so their alerts take their customer as owner, as a server's do), then ``--alerts``
SLA warnings on them are claimed both ways, each way into its own fresh store, ``--repeat``
times in alternating order; the entries claimed are checked equal. Times are process CPU
seconds (``time.process_time``) with wall seconds; on PostgreSQL the database server's own CPU
is not counted (the wall time holds it).

Run:  .venv/bin/python bench/bench_alert_claims.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accord.core.alerts.evaluate import Alert
from accord.core.events import Actor, Event, Kind
from accord.io.store import Incoming, SqlStore, StoredAlert
from bench_service import postgres_url, sqlite_url

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z


def _alerts(n: int, tickets: int) -> list[Alert]:
    out = []
    for i in range(n):
        tid = f"T{i % tickets}"
        out.append(
            Alert(
                key=f"risk|{tid}|first_response|{i}|75%",
                rule="risk",
                kind="sla_warning",
                subject=tid,
                metric="first_response",
                cycle=str(i),
                threshold="75%",
                at=T0,
                deliver_at=T0,
                channels=("ops",),
                summary=f"first_response on ticket {tid} at risk (75%)",
                figures={"ticket": tid, "due": "2026-03-02T10:00:00Z", "elapsed": "45m"},
                customer="acme",
            )
        )
    return out


@contextmanager
def _store(kind: str, tmp: Path, tickets: int) -> Iterator[SqlStore]:
    with sqlite_url(tmp) if kind == "sqlite" else postgres_url() as url:
        store = SqlStore(url)
        try:
            store.add_events(
                [
                    Incoming(
                        Event(
                            f"e{n}",
                            f"T{n}",
                            T0 - 600,
                            Kind.CREATED,
                            Actor.CUSTOMER,
                            fields={"customer": "acme", "status": "new"},
                        ),
                        "bench",
                        n,
                    )
                    for n in range(tickets)
                ],
                received_at=T0,
            )
            yield store
        finally:
            store.close()


def _one_by_one(store: SqlStore, alerts: list[Alert]) -> list[StoredAlert | None]:
    return [store.claim_alerts([a], now=T0)[0] for a in alerts]


def _as_a_round(store: SqlStore, alerts: list[Alert]) -> list[StoredAlert | None]:
    return store.claim_alerts(alerts, now=T0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=2_000)
    ap.add_argument("--tickets", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stores", default="sqlite,postgresql")
    args = ap.parse_args()
    alerts = _alerts(args.alerts, args.tickets)
    ways: dict[str, Callable[[SqlStore, list[Alert]], list[StoredAlert | None]]] = {
        "one by one (before)": _one_by_one,
        "as a round": _as_a_round,
    }
    print(f"{args.alerts:,} due alerts on {args.tickets:,} tickets, claimed into a fresh store")
    print("| store | claims | CPU s (median) | wall s (median) |\n| --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
        for kind in args.stores.split(","):
            got: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            for i in range(args.repeat):
                order = list(ways) if i % 2 == 0 else list(reversed(ways))
                entries = {}
                for name in order:
                    with _store(kind, Path(tmp_name), args.tickets) as store:
                        c0, w0 = time.process_time(), time.perf_counter()
                        claimed = ways[name](store, alerts)
                        got[name].append((time.process_time() - c0, time.perf_counter() - w0))
                        entries[name] = [(e.id, e.alert, e.state) for e in claimed if e]
                assert entries[order[0]] == entries[order[1]], "the claims differ"
            for name, rows in got.items():
                cpu, wall = median(c for c, _ in rows), median(w for _, w in rows)
                print(f"| {kind} | {name} | {cpu:.3f} | {wall:.3f} |")
    print("load " + " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
