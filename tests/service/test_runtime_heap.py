"""A server settles its heap when it starts, before its background work and its first request,
and keeps a KPI view it loaded in the background out of the collector's sight: the full
collections no longer walk its modules, its app and the view's containers, and no read waits
that long on one (docs/performance.md, "The slow read among ten")."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from accord.io.store import SqlStore
from accord.service import runtime as runtime_module
from accord.service.heap import keep_out_of_collections
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from tests.service.conftest import Clock, make_api
from tests.service.test_kpis_api import AS_OF, CONFIG_WITH_KPIS, LOG


def _runtime(tmp_path: Path, *, background: bool) -> Runtime:
    store = SqlStore(f"sqlite:///{tmp_path / 'accord.db'}")
    return Runtime(replace(Settings(), background=background), store, Clock())


def _background_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("accord-")}


def test_the_heap_is_settled_before_the_background_work_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _background_threads()
    seen: list[set[str]] = []
    monkeypatch.setattr(runtime_module, "settle_heap", lambda: seen.append(_background_threads()))
    runtime = _runtime(tmp_path, background=True)
    try:
        runtime.start()
        assert seen == [before]  # once, and no thread of this runtime running yet
        assert _background_threads() - before  # which did start after it
    finally:
        runtime.stop()
        runtime.store.close()


def test_without_background_work_the_heap_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[None] = []
    monkeypatch.setattr(runtime_module, "settle_heap", lambda: seen.append(None))
    runtime = _runtime(tmp_path, background=False)
    try:
        runtime.start()
        assert seen == []  # tests and in-process callers keep their collector as it is
    finally:
        runtime.stop()
        runtime.store.close()


def test_starting_freezes_what_the_process_holds(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, background=True)
    held = runtime.records_view  # made before the start: long-lived
    try:
        runtime.start()
        assert gc.is_tracked(held)
        # in none of the collector's generations: frozen, so no collection walks it
        assert not any(o is held for o in gc.get_objects())
    finally:
        runtime.stop()
        runtime.store.close()
        gc.unfreeze()  # the other tests' heap as it was


def _load_kpi_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, fail: bool
) -> list[int | None]:
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS)
    api.send(*LOG)
    api.clock.now = AS_OF
    runtime = api.runtime
    seen: list[int | None] = []  # the view's version when its heap was kept out
    monkeypatch.setattr(
        runtime_module, "keep_out_of_collections", lambda: seen.append(runtime.kpi_view.version())
    )
    if fail:

        def broken(*_: object, **__: object) -> None:
            raise RuntimeError("the store went away")

        monkeypatch.setattr(runtime.kpi_view, "load", broken)
    try:
        runtime._load_kpi_view_in_force()  # in a thread, as at start
        done = threading.Event()
        while not done.wait(0.05):  # the thread ends whatever happens (its finally)
            if not runtime.kpi_view_loading:
                done.set()
        for t in threading.enumerate():  # and its warming, after the load
            if t.name == "accord-kpi-view":
                t.join()
        return seen
    finally:
        api.store.close()


def test_a_kpi_view_loaded_in_the_background_is_kept_out_of_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _load_kpi_view(tmp_path, monkeypatch, fail=False)
    # after the view holds its version, and again once its reads' layouts are made
    assert len(seen) == 2 and None not in seen


def test_a_failed_load_keeps_nothing_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load_kpi_view(tmp_path, monkeypatch, fail=True) == []


def test_keeping_out_moves_what_is_tracked_without_a_collection() -> None:
    held = {"open": {"T1", "T2"}}  # a view's containers
    collections = gc.get_stats()[2]["collections"]
    try:
        keep_out_of_collections()
        assert gc.get_stats()[2]["collections"] == collections  # no walk of the heap
        assert not any(o is held for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the other tests' heap as it was
