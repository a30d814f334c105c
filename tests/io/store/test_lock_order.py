"""Writers never lock the recompute marks in a cycle: ingests (marks written in ticket order)
and a recompute clearing its marks oldest first, side by side on PostgreSQL, never abort each
other; and a write the database aborted to break a lock cycle is run again, not failed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from accord.core.events import Actor, Event, Kind
from accord.io.store import Incoming, SqlStore
from accord.io.store.sql.connection import deadlocked

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z

TICKETS = [f"T{n:02d}" for n in range(24)]


def batch(n: int, tickets: Sequence[str]) -> list[Incoming]:
    """Round ``n``'s ingest: one event for each of ``tickets``, in ticket order."""
    return [
        Incoming(Event(f"e{n}-{tid}", tid, T0 + n, Kind.MESSAGE, Actor.AGENT, public=True), "t", i)
        for i, tid in enumerate(tickets)
    ]


def beside_ingests(
    store: SqlStore, tickets: Sequence[str], rounds: int, work: Callable[[int], None]
) -> list[BaseException]:
    """Two threads ingesting ``rounds`` batches of ``tickets`` while a third runs ``work(n)``
    for ``n`` in ``range(3 * rounds)``; what any of them raised."""
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            for n in range(rounds):
                store.add_events(batch(n, tickets), received_at=T0 + n)
        except BaseException as e:
            errors.append(e)

    def other() -> None:
        try:
            for n in range(rounds * 3):
                work(n)
        except BaseException as e:
            errors.append(e)

    store.add_events(batch(-1, tickets), received_at=T0)
    threads = [threading.Thread(target=f) for f in (ingest, ingest, other)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    return errors


def test_ingests_and_a_recompute_clearing_oldest_first_never_deadlock(pg_url: str) -> None:
    store = SqlStore(pg_url)

    def recompute(_n: int) -> None:
        # the marks as the recompute takes them: the longest waiting first, here the reverse
        # of ticket order, as a backlog makes it
        store.clear_dirty(sorted(store.dirty(1_000), reverse=True))

    try:
        assert beside_ingests(store, TICKETS, 60, recompute) == []
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
