"""The background recompute in a process of its own (service/recompute_process.py), on SQLite
and PostgreSQL: it starts and stops with the runtime, recomputes what is ingested, is
replaced when killed (its marks recomputed by the next one), and what the server learns from
it (records view, KPI view, snapshot stamp) equals the store, as the in-thread path does."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.timeutil import iso
from accord.io.store import Scope, SqlStore
from accord.io.store.memory import MemoryStore
from accord.service.app import create_app
from accord.service.auth import create_token
from accord.service.recompute_process import RESTART_AFTER, RESTART_MAX, restart_delay
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from tests.service.conftest import CONFIG, T0, Api, Clock
from tests.service.stores import STORES, pg_schema

DEADLINE = 120.0  # seconds: a spawned process starts in a few on a loaded machine


def wait_for(what: str, check: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {deadline:g} s")
        time.sleep(0.05)


@contextmanager
def live_api(kind: str, tmp_path: Path, **settings: Any) -> Iterator[Api]:
    """The app over a SQL store with the system clock and background work, started (and
    stopped afterwards) as ``accord serve`` does."""
    with _url(kind, tmp_path) as url:
        store = SqlStore(url)
        app = create_app(
            replace(Settings(database_url=url, background=True), **settings), store=store
        )
        runtime: Runtime = app.state.runtime
        runtime.configs.add(CONFIG, effective_from=0, uploaded_at=T0)
        tokens = {}
        for who, scope, customer in (
            ("write", Scope.WRITE, None),
            ("read", Scope.READ, None),
            ("acme", Scope.READ, "acme"),
        ):
            tokens[who], _ = create_token(store, scope=scope, customer=customer, name=who, now=T0)
        runtime.start()
        try:
            yield Api(app, Clock(), tokens)
        finally:
            runtime.stop()
            store.close()


@contextmanager
def _url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'accord.db'}"
        return
    with pg_schema() as url:
        yield url


def _now_event(event_id: str, ticket: str, kind: str = "created") -> dict[str, Any]:
    """An event at the system clock's now (the process computes at its own now)."""
    return {"event_id": event_id, "ticket_id": ticket, "ts": iso(int(time.time())), "kind": kind}


def _created(event_id: str, ticket: str, **fields: Any) -> dict[str, Any]:
    return {**_now_event(event_id, ticket), "actor": "customer", "fields": fields}


def _recomputed(api: Api, *tickets: str) -> bool:
    store = api.store
    return not store.dirty(10) and all(store.records_of([t]).get(t) for t in tickets)


@pytest.mark.parametrize("kind", STORES)
def test_the_process_starts_with_the_runtime_recomputes_and_stops_with_it(
    kind: str, tmp_path: Path
) -> None:
    with live_api(kind, tmp_path) as api:
        process = api.runtime.recompute_process
        assert process is not None
        wait_for("the recompute process running", lambda: process.pid is not None)
        pid = process.pid
        assert pid != os.getpid()
        api.send(_created("e1", "T1", customer="acme", priority="high", assignee="ann"))
        wait_for("T1's clocks stored", lambda: _recomputed(api, "T1"))
        # visible where the probes of the sustained benchmark look for them
        wait_for(
            "T1 in at-risk",
            lambda: bool(api.get("/api/v1/at-risk", params={"assignee": "ann"}).json()["items"]),
        )
        child = process._child
        assert child is not None and child.pid == pid
    # stopped with the runtime, without a child left behind
    assert not child.is_alive()
    assert child.exitcode == 0


@pytest.mark.parametrize("kind", STORES)
def test_a_killed_recompute_process_is_replaced_and_its_marks_recomputed(
    kind: str, tmp_path: Path
) -> None:
    with live_api(kind, tmp_path) as api:
        process = api.runtime.recompute_process
        assert process is not None
        wait_for("the recompute process running", lambda: process.pid is not None)
        first = process.pid
        assert first is not None
        os.kill(first, signal.SIGSTOP)  # frozen: the marks of what follows wait for it
        try:
            api.send(
                _created("k1", "K1", customer="acme", priority="high"),
                _created("k2", "K2", customer="globex", priority="low"),
            )
            assert {t for t, _ in api.store.dirty(10)} == {"K1", "K2"}
        finally:
            os.kill(first, signal.SIGKILL)
        wait_for("another recompute process", lambda: process.pid not in (None, first))
        assert process.starts == 2
        wait_for("K1 and K2 recomputed by it", lambda: _recomputed(api, "K1", "K2"))


def _views_equal_store(api: Api, now: int) -> bool:
    runtime = api.runtime
    view, store = runtime.records_view, runtime.store
    for customer in (None, "acme", "globex", "initech"):
        for by in (None, "customer", "priority", "policy"):
            got = view.compliance(by, now=now, customer=customer)
            want = store.compliance(by, now=now, customer=customer)
            if sorted(got, key=repr) != sorted(want, key=repr):
                return False
    return True


@pytest.mark.parametrize("mode", ["process", "thread"])
@pytest.mark.parametrize("kind", STORES)
def test_the_views_and_the_stamp_follow_the_store_as_with_the_thread(
    kind: str, mode: str, tmp_path: Path
) -> None:
    """The same ingest, the recompute in a process or in a thread: the records view ends equal
    to the store's own compliance query for every customer (none counted for another), the
    KPI view is told of every saved ticket, and the snapshot stamp moves."""
    with live_api(kind, tmp_path, recompute_process=mode == "process") as api:
        runtime = api.runtime
        assert (runtime.recompute_process is not None) == (mode == "process")
        wait_for("the records view loaded", lambda: runtime.records_view.ready)
        told: list[str] = []
        saved = runtime.kpi_view.saved
        runtime.kpi_view.saved = lambda ids: (told.extend(ids), saved(ids))[1]  # type: ignore[method-assign]
        stamp = runtime._figures_stamp()
        tickets = [f"V{i}" for i in range(30)]
        customers = ["acme", "globex"]
        api.send(
            *[
                _created(f"c{i}", t, customer=customers[i % 2], priority=["high", "low"][i % 3 % 2])
                for i, t in enumerate(tickets)
            ]
        )
        wait_for("the first events recomputed", lambda: _recomputed(api, *tickets))
        # a move to another customer and a reply, recomputed again
        moved = {**_now_event("m1", "V0", "updated"), "actor": "agent"}
        moved["fields"] = {"customer": "initech"}
        reply = {**_now_event("r1", "V1", "message"), "actor": "agent", "public": True}
        api.send(moved, reply)
        wait_for("the move recomputed", lambda: _recomputed(api, "V0", "V1"))
        now = int(time.time())
        wait_for("the records view equal to the store", lambda: _views_equal_store(api, now))
        # every customer's counts, every grouping: exactly the store's (checked once more, as
        # a fresh load would count them)
        fresh = type(runtime.records_view)(runtime.store)
        fresh.load()
        for customer in (None, "acme", "globex", "initech"):
            got = runtime.records_view.compliance("customer", now=now, customer=customer)
            want = fresh.compliance("customer", now=now, customer=customer)
            assert sorted(got, key=repr) == sorted(want, key=repr)
        assert not [
            r
            for r in runtime.records_view.compliance("customer", now=now, customer="acme")
            if r.key != "acme"
        ]
        assert set(told) >= set(tickets)
        assert runtime._figures_stamp() != stamp
        assert runtime._figures_stamp()[-1] > stamp[-1]


def test_an_in_memory_store_keeps_the_thread() -> None:
    runtime = Runtime(Settings(background=True), MemoryStore())
    runtime.start()
    try:
        assert runtime.recompute_process is None
        assert runtime.recomputer._thread is not None and runtime.recomputer._thread.is_alive()
    finally:
        runtime.stop()


def test_a_clock_set_by_the_caller_keeps_the_thread(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    runtime = Runtime(Settings(background=True), store, clock=Clock())
    runtime.start()
    try:
        assert runtime.recompute_process is None
        assert runtime.recomputer._thread is not None
    finally:
        runtime.stop()
        store.close()


def test_the_setting_turns_the_process_off(tmp_path: Path) -> None:
    assert Settings.from_env({"ACCORD_RECOMPUTE_PROCESS": "false"}).recompute_process is False
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    runtime = Runtime(Settings(background=True, recompute_process=False), store)
    runtime.start()
    try:
        assert runtime.recompute_process is None
    finally:
        runtime.stop()
        store.close()


def test_on_sqlite_a_recompute_held_by_another_writer_waits_and_loses_no_mark(
    tmp_path: Path,
) -> None:
    import sqlite3

    with live_api("sqlite", tmp_path) as api:
        process = api.runtime.recompute_process
        assert process is not None
        wait_for("the recompute process running", lambda: process.pid is not None)
        pid = process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            api.send(_created("w1", "W1", customer="acme", priority="high"))
            # another writer holds the file's write lock while the recompute wakes up
            other = sqlite3.connect(tmp_path / "accord.db", timeout=30, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
        finally:
            os.kill(pid, signal.SIGCONT)
        try:
            time.sleep(2.0)  # the pass runs into the lock meanwhile (not an assertion)
            assert [t for t, _ in api.store.dirty(10)] == ["W1"]
            assert not api.store.records_of(["W1"]).get("W1")
        finally:
            other.execute("ROLLBACK")
            other.close()
        wait_for("W1 recomputed once the lock is free", lambda: _recomputed(api, "W1"))
        assert process.starts == 1


@settings(max_examples=100, deadline=None)
@given(a=st.integers(1, 10_000), b=st.integers(1, 10_000))
def test_a_child_that_keeps_dying_young_is_restarted_ever_later_up_to_a_minute(
    a: int, b: int
) -> None:
    fewer, more = sorted((a, b))
    assert restart_delay(1) == RESTART_AFTER
    assert RESTART_AFTER <= restart_delay(fewer) <= restart_delay(more) <= RESTART_MAX
    assert restart_delay(7) == RESTART_MAX  # a minute after six quick deaths in a row
