"""Large figure computations in a separate process.

A refresh of the KPI values or a statement on a large store replays every stored event for
minutes, mostly in Python and in library calls that hold the interpreter lock for seconds at a
time; in the server's own process that stalls every other request for as long (seconds at the
99th percentile with a million tickets). A snapshot whose last computation took at least
:data:`OFFLOAD_AFTER` seconds is therefore recomputed in a worker process: one at a time, a
fresh process for each (its memory, gigabytes for a million tickets, goes back to the system
when it is done), reading the same database. Only SQL stores can be shared this way; an
in-memory store computes in process.

The worker functions take only plain values (database URL, configuration files, request
parameters) and return the answer the router keeps: the KPI table, or the encoded statements.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

import polars as pl

from accord.core.config.resolved import Configuration
from accord.core.contracts.statement import Statement, build_statement
from accord.core.kpi.models import Grain
from accord.core.timeutil import Instant, iso
from accord.io.store import SqlStore, Store
from accord.service.configuration import build_files
from accord.service.figures import (
    contracts_of_files,
    customer_data,
    evaluate_kpi_values,
    kpi_catalog,
    kpi_inputs,
)

T = TypeVar("T")
Files = tuple[tuple[str, str], ...]
OFFLOAD_AFTER = 2.0  # seconds: below this a worker process costs more than it saves

RENDERS: dict[str, Callable[[Statement], dict[str, Any]]] = {
    "statement": Statement.to_json,
    "budget": Statement.budget_json,
}


def encode(data: dict[str, Any]) -> bytes:
    """JSON as ``JSONResponse`` encodes it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def store_url(store: Store) -> str | None:
    """The URL a worker process opens ``store`` by (``None``: not shareable)."""
    if isinstance(store, SqlStore) and store.url.database not in (None, "", ":memory:"):
        return store.url.render_as_string(hide_password=False)
    return None


class Offload:
    """One worker process at a time, started on first use."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.runs = 0  # tasks run in a worker process (for tests)

    @property
    def available(self) -> bool:
        return self.url is not None

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._pool is None:
                # spawn: forking a server with threads is unsafe; a fresh process per task
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=1,
                )
            pool = self._pool
        got = pool.submit(fn, self.url, *args).result()
        self.runs += 1
        return got

    def stop(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None


@lru_cache(maxsize=4)
def _config(files: Files) -> Configuration:
    return build_files(dict(files))


def remote_kpi_table(
    url: str,
    files: Files,
    at: Instant,
    custom: list[str],
    customer: str | None,
    selected: list[str],
    dims: list[str] | None,
    grain: Grain | None,
    rolling: int | None,
    tz: str | None,
    periods: int,
) -> pl.DataFrame:
    """``GET /api/v1/kpis/values`` at ``at`` (see :mod:`accord.service.routers.kpis`)."""
    config, catalog = kpi_catalog(files)
    store = SqlStore(url, run_migrations=False)
    try:
        inputs = kpi_inputs(store, config, at, at, custom, customer)
    finally:
        store.close()
    return evaluate_kpi_values(
        catalog, config, at, inputs, selected, dims, grain, rolling, tz, periods
    )


def remote_statements(
    url: str,
    files: Files,
    name: str,
    customer: str,
    at: Instant,
    label: str | None,
    fields: list[str],
    parts: tuple[str, ...],
) -> dict[str, bytes]:
    """The statement of contract ``name`` at ``at``, encoded as each of ``parts`` (see
    :mod:`accord.service.routers.contracts`)."""
    config = _config(files)
    spec = contracts_of_files(dict(files))[name]
    store = SqlStore(url, run_migrations=False)
    try:
        records, tickets = customer_data(store, config, customer, at, at, fields)
    finally:
        store.close()
    statement = build_statement(name, spec, records, tickets, at, label)
    return {p: encode({**RENDERS[p](statement), "computed_at": iso(at)}) for p in parts}
