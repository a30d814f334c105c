"""A server settles its heap when it starts, before its background work and its first request:
the full collections that its views' loads set off no longer walk its modules and its app,
and no read waits on such a walk (docs/performance.md, "The slow read among ten")."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from accord.io.store import SqlStore
from accord.service import runtime as runtime_module
from accord.service.runtime import Runtime
from accord.service.settings import Settings

from .conftest import Clock


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
