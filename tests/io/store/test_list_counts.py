"""A sorted list read counts its filters' rows to choose how to walk (SQLite), and the list's
total counts the same rows next: the second count takes the first's answer. These pin that the
total stays the count of its own filter, whatever read came before it, on every store; and
that PostgreSQL sessions of the store run without JIT compilation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from accord.core.records import State
from accord.io.store import ClockQuery, SqlStore, Store, TicketQuery
from accord.io.store.base import SortKey
from tests.io.store.test_lists import NOW, _fill_many
from tests.io.store.test_store import T0, rec, save

TEAM = SortKey("team")


def _fresh_ticket_count(store: Store, query: TicketQuery) -> int:
    store.count_open_clocks(ClockQuery(now=NOW))  # any other count first: nothing kept
    return store.count_ticket_list(query)


def test_the_total_after_a_sorted_read_is_the_count_of_its_filter(store: Store) -> None:
    _fill_many(store)
    for kw in ({}, {"customer": "acme"}, {"state": State.RUNNING}, {"channel": "email"}):
        query = TicketQuery(now=NOW, sort=TEAM, limit=3, **kw)  # type: ignore[arg-type]
        expected = _fresh_ticket_count(store, query)
        store.find_tickets(query)
        assert store.count_ticket_list(query) == expected
        store.find_tickets(query)
        assert [store.count_ticket_list(query, at_most=n) for n in (1, 5)] == [
            min(expected, n) for n in (1, 5)
        ]
        clocks = ClockQuery(now=NOW, sort=TEAM, limit=3, **kw)  # type: ignore[arg-type]
        expected = store.count_open_clocks(clocks)
        store.open_clocks(clocks)
        assert store.count_open_clocks(clocks) == expected


def test_a_count_after_a_sorted_read_of_another_filter_counts_its_own(store: Store) -> None:
    _fill_many(store)
    acme = TicketQuery(now=NOW, customer="acme", sort=TEAM, limit=3)
    globex = replace(acme, customer="globex")
    expected = _fresh_ticket_count(store, globex)
    store.find_tickets(acme)
    assert store.count_ticket_list(globex) == expected
    assert store.count_ticket_list(acme) == _fresh_ticket_count(store, acme)


def test_a_count_is_taken_once_later_counts_read_the_store_again(store: Store) -> None:
    _fill_many(store)
    query = TicketQuery(now=NOW, customer="acme", sort=TEAM, limit=3)
    before = _fresh_ticket_count(store, query)
    store.find_tickets(query)
    assert store.count_ticket_list(query) == before
    save(store, "N1", [rec("N1", due=T0)], customer="acme", team="ops")
    assert store.count_ticket_list(query) == before + 1


def test_postgresql_sessions_of_the_store_run_without_jit(pg_url: str) -> None:
    store = SqlStore(pg_url)
    try:
        for _ in range(2):  # a rolled-back read transaction keeps the session's setting
            with store._read.connect() as conn:
                assert conn.execute(sa.text("SHOW jit")).scalar_one() == "off"
                conn.rollback()
    finally:
        store.close()


def test_on_sqlite_the_total_after_a_sorted_read_runs_no_second_count(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        _fill_many(store)
        statements: list[str] = []
        sa.event.listen(store._read, "before_cursor_execute", lambda *a: statements.append(a[2]))
        query = TicketQuery(now=NOW, customer="acme", sort=TEAM, limit=3)
        store.find_tickets(query)
        before = len(statements)
        total = store.count_ticket_list(query, at_most=10_001)
        assert len(statements) == before  # answered by the read's own count
        assert total == _fresh_ticket_count(store, query)
    finally:
        store.close()
