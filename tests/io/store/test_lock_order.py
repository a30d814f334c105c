"""Writers never lock the recompute marks in a cycle: ingests (marks written in ticket order)
and a recompute clearing its marks oldest first, side by side on PostgreSQL, never abort each
other; and a write the database aborted to break a lock cycle is run again, not failed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from accord.core.events import Actor, Event, Kind
from accord.io.store import Incoming, SqlStore
from accord.io.store.sql.connection import deadlocked

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z

TICKETS = [f"T{n:02d}" for n in range(24)]


def _batch(n: int) -> list[Incoming]:
    return [
        Incoming(Event(f"e{n}-{tid}", tid, T0 + n, Kind.MESSAGE, Actor.AGENT, public=True), "t", i)
        for i, tid in enumerate(TICKETS)
    ]


def test_ingests_and_a_recompute_clearing_oldest_first_never_deadlock(pg_url: str) -> None:
    store = SqlStore(pg_url)
    errors: list[BaseException] = []
    rounds = 60

    def ingest() -> None:
        try:
            for n in range(rounds):
                store.add_events(_batch(n), received_at=T0 + n)
        except BaseException as e:
            errors.append(e)

    def recompute() -> None:
        try:
            for _ in range(rounds * 3):
                # the marks as the recompute takes them: the longest waiting first, here the
                # reverse of ticket order, as a backlog makes it
                marks = sorted(store.dirty(1_000), reverse=True)
                store.clear_dirty(marks)
        except BaseException as e:
            errors.append(e)

    try:
        store.add_events(_batch(-1), received_at=T0)
        threads = [threading.Thread(target=f) for f in (ingest, ingest, recompute)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=600)
        assert errors == []
    finally:
        store.close()


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _error(sqlstate: str) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("DELETE FROM dirty", {}, _Orig(sqlstate))


@pytest.mark.parametrize(
    ("sqlstate", "again"),
    [("40P01", True), ("40001", True), ("23505", False), ("57014", False), ("08006", False)],
)
def test_only_a_transaction_aborted_for_a_lock_cycle_or_serialization_is_run_again(
    sqlstate: str, again: bool
) -> None:
    assert deadlocked(_error(sqlstate)) is again


def test_a_write_aborted_to_break_a_lock_cycle_runs_again(sql_url: str) -> None:
    store = SqlStore(sql_url)
    calls: list[int] = []

    def work(conn: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _error("40P01")
        return "written"

    try:
        assert store._retrying(work) == "written"
        assert len(calls) == 2
    finally:
        store.close()
