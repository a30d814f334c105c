"""Several recompute workers drain the marks together (``Recomputer(..., workers=n)``, the
recompute process's ``ACCORD_RECOMPUTE_WORKERS``): each pass holds tickets no other pass holds,
the stored clocks are the reference engine's as with one worker, a mark is cleared only when
no event came in meanwhile, and the first error ends the drain with the failing pass's marks
kept. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.engine import compute_ticket
from accord.core.events import Event
from accord.demo.generate import generate_events
from accord.errors import InputError, StoreError
from accord.service import recompute
from accord.service.recompute import Recomputer
from accord.service.settings import Settings
from tests.service.conftest import T0, Api
from tests.service.stores import STORES, api_over

END = datetime.fromtimestamp(T0, UTC)


def _demo(tmp_path: Path, tickets: int = 60) -> tuple[dict[str, str], list[Event]]:
    folder = copy_demo_config(tmp_path / "config", alerts=False)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
    return files, list(generate_events(seed=11, end=END, days=10, tickets=tickets))


def _workers(api: Api, n: int, batch: int) -> Recomputer:
    return Recomputer(api.store, api.runtime.config_at, api.clock, batch=batch, workers=n)


def _send(api: Api, events: list[Event], size: int = 200) -> None:
    for start in range(0, len(events), size):
        got = api.send(*[e.to_dict() for e in events[start : start + size]])
        assert got["rejected"] == 0


def _figures(records: Any) -> list[dict[str, Any]]:
    rows = [{**r.to_row(), "explanation": None} for r in records]
    return sorted(rows, key=lambda r: (r["metric"], r["cycle"]))


def _assert_stored_as_the_reference_computes(api: Api, tmp_path: Path, ids: set[str]) -> None:
    assert api.store.dirty(10) == []
    stored_events = api.store.events_of(sorted(ids))
    stored = api.store.records_of(list(stored_events))
    config = load_config(tmp_path / "config")
    for tid, evs in stored_events.items():
        want = compute_ticket(tid, evs, config, api.clock.now, agreements=True)
        assert _figures(stored.get(tid, [])) == _figures(want), tid
        summary = api.store.get_ticket(tid)
        assert summary is not None and summary.events == len(evs), tid


@contextmanager
def _passes_watched(monkeypatch: pytest.MonkeyPatch, hold: float) -> Iterator[list[int]]:
    """Every pass checked against the passes in flight (no ticket in two at once), each held
    ``hold`` seconds so that the workers overlap; yields [most passes in flight at once]."""
    real = recompute.recompute_tickets
    lock = threading.Lock()
    flying: list[set[str]] = []
    most = [0]

    def watched(store: Any, ticket_ids: Collection[str], *args: Any, **kw: Any) -> Any:
        mine = set(ticket_ids)
        with lock:
            for other in flying:
                assert not (mine & other), f"tickets in two passes at once: {mine & other}"
            flying.append(mine)
            most[0] = max(most[0], len(flying))
        try:
            time.sleep(hold)
            return real(store, ticket_ids, *args, **kw)
        finally:
            with lock:
                flying.remove(mine)

    monkeypatch.setattr(recompute, "recompute_tickets", watched)
    yield most


@pytest.mark.parametrize("kind", STORES)
def test_several_workers_store_the_reference_engines_clocks_and_clear_every_mark(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, events = _demo(tmp_path)
    with api_over(kind, tmp_path, config=files) as api:
        _send(api, events)
        marked = len(api.store.dirty(10_000))
        worker = _workers(api, 3, batch=7)
        with _passes_watched(monkeypatch, hold=0.02) as most:
            assert worker.drain() == marked
        assert most[0] >= 2  # the passes did run at once
        assert worker.recomputed == marked and worker.failed == 0
        _assert_stored_as_the_reference_computes(api, tmp_path, {e.ticket_id for e in events})


@pytest.mark.parametrize("kind", STORES)
def test_events_that_arrive_during_a_drain_of_several_workers_are_not_lost(
    kind: str, tmp_path: Path
) -> None:
    files, events = _demo(tmp_path, tickets=80)
    half = len(events) // 2
    with api_over(kind, tmp_path, config=files) as api:
        _send(api, events[:half])
        worker = _workers(api, 2, batch=5)
        sender = threading.Thread(target=_send, args=(api, events[half:], 25))
        sender.start()
        while sender.is_alive():
            worker.drain()
        sender.join()
        worker.drain()  # what the last ingests marked
        _assert_stored_as_the_reference_computes(api, tmp_path, {e.ticket_id for e in events})


@pytest.mark.parametrize("kind", STORES)
def test_a_store_error_in_one_worker_ends_the_drain_and_keeps_that_passes_marks(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, events = _demo(tmp_path)
    with api_over(kind, tmp_path, config=files) as api:
        _send(api, events)
        victim = api.store.dirty(1)[0][0]
        real = api.store.save_results

        def save(results: Any, **kw: Any) -> None:
            if any(r.summary.ticket_id == victim for r in results):
                raise StoreError("the database went away")
            real(results, **kw)

        monkeypatch.setattr(api.store, "save_results", save)
        worker = _workers(api, 2, batch=4)
        with pytest.raises(StoreError, match="went away"):
            worker.drain()
        assert victim in {tid for tid, _ in api.store.dirty(10_000)}
        monkeypatch.setattr(api.store, "save_results", real)
        worker.drain()  # the next drain takes the kept marks up
        _assert_stored_as_the_reference_computes(api, tmp_path, {e.ticket_id for e in events})


class _Halt(Exception):
    pass


def test_a_progress_that_raises_stops_every_worker_and_the_rest_waits_in_the_store(
    tmp_path: Path,
) -> None:
    files, events = _demo(tmp_path)
    with api_over("sqlite", tmp_path, config=files) as api:
        _send(api, events)
        marked = len(api.store.dirty(10_000))
        heard: list[int] = []

        def progress(done: int) -> None:
            heard.append(done)
            raise _Halt

        worker = _workers(api, 3, batch=4)
        with pytest.raises(_Halt):
            worker.drain(progress)
        # a pass or two ended before the stop was heard by the others; never all of them
        assert 1 <= len(heard) <= 3
        assert heard == sorted(heard)
        left = len(api.store.dirty(10_000))
        assert left == marked - worker.recomputed > 0


def test_the_number_of_workers_must_be_at_least_one() -> None:
    assert Settings.from_env({"ACCORD_RECOMPUTE_WORKERS": "3"}).recompute_workers == 3
    assert Settings().recompute_workers == 2
    with pytest.raises(InputError, match="recompute_workers"):
        Settings.from_env({"ACCORD_RECOMPUTE_WORKERS": "0"})


def test_one_worker_drains_as_before(tmp_path: Path) -> None:
    files, events = _demo(tmp_path, tickets=30)
    with api_over("sqlite", tmp_path, config=files) as api:
        _send(api, [replace(e) for e in events])
        marked = len(api.store.dirty(10_000))
        assert _workers(api, 1, batch=6).drain() == marked
        _assert_stored_as_the_reference_computes(api, tmp_path, {e.ticket_id for e in events})


def test_several_workers_tell_every_saved_ticket_once_and_the_drained_end_once(
    tmp_path: Path,
) -> None:
    files, events = _demo(tmp_path)
    with api_over("sqlite", tmp_path, config=files) as api:
        _send(api, events)
        marked = {tid for tid, _ in api.store.dirty(10_000)}
        told: list[str] = []
        drained: list[int] = []
        worker = _workers(api, 3, batch=4)
        worker.on_saved = lambda results, seqs: told.extend(seqs)
        worker.on_drained = lambda: drained.append(1)
        worker.drain()
        assert sorted(told) == sorted(marked)
        assert drained == [1]
        worker.drain()  # nothing marked: nothing to tell
        assert drained == [1]
