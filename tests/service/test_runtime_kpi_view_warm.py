"""A KPI view loaded in the background is warmed there: the open tickets' timelines are laid
out once before any read, so the first person to ask for KPI values waits as long as the
next one (docs/performance.md, "A read without replaying the open tickets")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accord.service import kpi_view as kpi_view_module
from accord.service.kpi_view import KpiView
from accord.service.runtime import Runtime
from tests.service.conftest import make_api
from tests.service.test_kpis_api import AS_OF, CONFIG_WITH_KPIS, LOG


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of open layouts made, as a list holding it."""
    calls = [0]
    real: Callable[..., Any] = kpi_view_module.prepared_open

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(kpi_view_module, "prepared_open", counting)
    return calls


def _load_in_background(runtime: Runtime) -> None:
    runtime._load_kpi_view_in_force()  # in a thread, as at start
    for t in threading.enumerate():
        if t.name == "accord-kpi-view":
            t.join()


def _runtime(tmp_path: Path) -> Runtime:
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS)
    api.send(*LOG)
    api.clock.now = AS_OF
    return api.runtime


def test_the_first_read_after_a_background_load_lays_nothing_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = _runtime(tmp_path)
    calls = _counted(monkeypatch)
    try:
        _load_in_background(runtime)
        assert runtime.kpi_view.stats()["open"] > 0  # there is something to lay out
        assert calls == [1]  # laid out in the background
        assert runtime.kpi_view.inputs(AS_OF, [], None) is not None
        assert calls == [1]  # the read used it
    finally:
        runtime.store.close()


def test_without_the_warming_the_first_read_lays_the_open_tickets_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the counterpart of the test above: what the warming saves the first reader
    runtime = _runtime(tmp_path)
    calls = _counted(monkeypatch)
    monkeypatch.setattr(KpiView, "warm", lambda self, when: None)
    try:
        _load_in_background(runtime)
        assert calls == [0]
        assert runtime.kpi_view.inputs(AS_OF, [], None) is not None
        assert calls == [1]
    finally:
        runtime.store.close()


def test_a_failed_warming_leaves_the_loaded_view_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = _runtime(tmp_path)

    def broken(self: KpiView, when: int) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(KpiView, "warm", broken)
    try:
        _load_in_background(runtime)
        assert not runtime.kpi_view_loading
        assert "warming the KPI view failed" in caplog.text
        assert runtime.kpi_view.inputs(AS_OF, [], None) is not None
    finally:
        runtime.store.close()
