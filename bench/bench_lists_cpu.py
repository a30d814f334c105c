"""The working lists' reads in process: the CPU time each takes, whatever the host's load.

On a shared, busy host the wall time of a read is mostly waiting for a core (at a load average
of 16 on 2 cores a request gets about an eighth of one), so it says little about the code. This
runs each read of ``bench_dashboard.py --pages lists`` through the app in this process (the
store at ``--database-url``, e.g. one kept by ``bench_dashboard.py --keep``) and reports the
process CPU time of each (the server's work, the database's too on SQLite, plus the test
client's, about a millisecond), with the wall time beside it. Run it once per version of the
code to compare them on the same store, the versions alternating::

    git archive <commit> src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/bench_lists_cpu.py --database-url URL
    .venv/bin/python bench/bench_lists_cpu.py --database-url URL
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import accord
from accord.io.store import Scope, SqlStore
from accord.service.app import create_app
from accord.service.auth import create_token
from accord.service.settings import Settings
from bench_dashboard import LIST_READS

READS = ["/api/v1/at-risk?limit=50", "/api/v1/tickets?limit=50"] + [p[0] for _, p in LIST_READS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--config", type=Path, required=True, help="the store's configuration")
    parser.add_argument("--reads", type=int, default=7, help="timed reads of each, after one")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the test client's deprecation notice
    from fastapi.testclient import TestClient

    store = SqlStore(args.database_url)
    token, _ = create_token(store, scope=Scope.ADMIN, customer=None, name="cpu", now=0)
    app = create_app(Settings(background=False, config_dir=args.config), store=store)
    headers = {"Authorization": f"Bearer {token}"}
    print(f"code: {Path(accord.__file__).parent}; load average {os.getloadavg()}", flush=True)
    print(f"{'read':58s} {'CPU min':>8s} {'CPU med':>8s} {'wall med':>9s}")
    http = TestClient(app)  # no lifespan: the background work (records view) stays off
    for path in READS:
        if http.get(path, headers=headers).status_code != 200:
            raise SystemExit(f"{path}: not 200")
        cpu: list[float] = []
        wall: list[float] = []
        for _ in range(args.reads):
            c0, w0 = time.process_time(), time.perf_counter()
            http.get(path, headers=headers)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        cpu.sort()
        wall.sort()
        mid = len(cpu) // 2
        print(
            f"{path:58s} {cpu[0] * 1e3:6.1f}ms {cpu[mid] * 1e3:6.1f}ms {wall[mid] * 1e3:7.1f}ms",
            flush=True,
        )
    print(f"load average {os.getloadavg()}")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
