"""Slow snapshots are refreshed in a worker process: its answers equal the server's own, and
a stale snapshot served while the worker refreshes it is replaced by the refreshed one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from accord.core.kpi.evaluate import evaluate
from accord.service import runtime as runtime_module
from accord.service.figures import kpi_catalog, kpi_inputs
from accord.service.offload import Offload, remote_kpi_table, store_url
from tests.service.conftest import Api, created, make_api
from tests.service.test_kpis_api import AS_OF, CONFIG_WITH_KPIS, LOG


def _api(tmp_path: Path, **settings: object) -> Api:
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS, **settings)
    api.send(*LOG)
    api.clock.now = AS_OF
    return api


def test_the_worker_process_computes_the_same_kpi_table_as_the_server(tmp_path: Path) -> None:
    api = _api(tmp_path)
    offload = Offload(store_url(api.store))
    try:
        current = api.runtime.configs.current(AS_OF)
        assert current is not None
        files = tuple(sorted(current[0].files.items()))
        remote = offload.run(
            remote_kpi_table, files, AS_OF, [], "acme", ["backlog"], ["team"], "week", None, None, 2
        )
        config, catalog = kpi_catalog(files)
        records, facts = kpi_inputs(api.store, config, AS_OF, AS_OF, [], "acme")
        here = evaluate(
            catalog,
            AS_OF,
            records=records,
            facts=facts,
            kpis=["backlog"],
            by=["team"],
            grain="week",
            periods=2,
        )
    finally:
        offload.stop()
        api.store.close()
    assert remote.equals(here)
    assert remote.height > 0


def test_an_in_memory_store_is_never_offloaded() -> None:
    from accord.io.store.memory import MemoryStore

    assert store_url(MemoryStore()) is None


def test_a_slow_stale_snapshot_is_served_then_replaced_by_the_worker_process_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every computation counts as slow here: stale ones are refreshed in the background,
    # in the worker process
    monkeypatch.setattr(runtime_module, "OFFLOAD_AFTER", 0.0)
    api = _api(tmp_path, background=True, snapshot_cheap=0.0)
    runtime = api.runtime
    # the KPI view answers whenever it can; what it cannot answer goes this way
    monkeypatch.setattr(runtime, "kpi_view_inputs", lambda *a, **k: None)
    try:
        path = "/api/v1/kpis/values?kpi=backlog&periods=1"
        first = api.get(path).json()
        before = first["values"][-1]["value"]
        api.clock.now = AS_OF + 10
        api.send(created("n1", "N1", 10 * 24 * 60 - 5, status="new", customer="globex"))
        stale = api.get(path).json()
        assert stale == first  # served at once, stale, while the refresh runs
        done = threading.Event()
        for _ in range(600):  # a spawned worker process starts in a few seconds
            if runtime.snapshots.refreshes:
                done.set()
                break
            done.wait(0.1)
        assert done.is_set(), "the background refresh did not finish"
        assert runtime.offload.runs == 1
        fresh = api.get(path).json()
        assert fresh["as_of"] == fresh["computed_at"] != first["as_of"]
        assert fresh["values"][-1]["value"] == before + 1
    finally:
        runtime.stop()
        api.store.close()
