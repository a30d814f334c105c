"""A batch recompute pass on a SQL store saves the rows the store makes from the engine's
records table (no record object per row): on SQLite and PostgreSQL the stored tickets,
records, failures and marks are those the records' way stores, pass after pass, with the same
rows written (only those that changed); whoever is told of the saves reads the same records;
and a ticket the store refuses is set aside alone, as before."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.events import Event
from accord.demo.generate import generate_events
from accord.io.store import SqlStore, TicketResult
from accord.io.store.base import Incoming
from accord.io.store.sql import changed, saves
from accord.service import pass_records, recompute
from accord.service.pass_records import RecordValues, TableRecords
from accord.service.recompute import BATCH_TICKETS
from tests.service.stores import STORES, stored_rows, two_urls

END = datetime(2026, 3, 2, 9, tzinfo=UTC)
T_END = int(END.timestamp())


@runtime_checkable
class _Nobody(Protocol):
    """A protocol no store follows: the records' way, for the ``old`` store."""

    def no_store_has_this(self) -> None: ...


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Configuration, list[Event]]]:
    """The demo configuration (with agreements) and some 60 demo tickets' events."""
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(copy_demo_config(Path(tmp) / "config", alerts=False))
    events = list(generate_events(seed=11, end=END, days=12, tickets=3 * BATCH_TICKETS))
    return config, events


class _Pass:
    """What one recompute pass did on a store: the diffs it wrote, what ``on_saved`` heard."""

    def __init__(self) -> None:
        self.diffs: list[Any] = []
        self.told: list[TicketResult] = []
        self.seqs: dict[str, int] = {}


def _recompute(
    store: SqlStore,
    way: str,
    config: Configuration | None,
    now: int,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[_Pass, recompute.Recomputed]:
    """Recompute every ticket, the rows' way (``new``) or the records' (``old``)."""
    marks = store.dirty(10_000)
    done = _Pass()
    real = changed._diff

    def diff(*args: Any, **kwargs: Any) -> Any:
        got = real(*args, **kwargs)
        done.diffs.append(got)
        return got

    def told(results: Any, seqs: Any) -> None:
        done.told.extend(results)
        done.seqs.update(seqs)

    with monkeypatch.context() as m:
        m.setattr(changed, "_diff", diff)
        if way == "old":
            m.setattr(recompute, "RecordValues", _Nobody)
        # every ticket, as a job does (those without new events too: their records shrink
        # or grow with the agreements), the marks cleared
        every = store.ticket_ids(after=None, limit=10_000)
        got = recompute.recompute_tickets(store, every, config, now, clear=marks, on_saved=told)
    return done, got


def test_the_sql_store_makes_and_saves_the_rows_itself() -> None:
    # the rows' way is taken on the SQL store (the tests below compare it with the records')
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{tmp}/s.db")
        try:
            assert isinstance(store, RecordValues)
        finally:
            store.close()


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cuts=st.lists(st.integers(0, 100), min_size=2, max_size=2).map(sorted),
    agreements=st.lists(st.booleans(), min_size=3, max_size=3),
    tickets=st.integers(BATCH_TICKETS, 3 * BATCH_TICKETS),
)
def test_passes_from_the_engines_columns_store_what_the_records_way_stores(
    kind: str,
    demo: tuple[Configuration, list[Event]],
    cuts: list[int],
    agreements: list[bool],
    tickets: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # three passes over growing parts of the demo log, the agreements' clocks on or off in
    # each (a ticket's records grow or shrink between passes: new cycles, agreements come
    # and go); each store with its own way. After every pass the tables are equal, the same
    # rows were written, on_saved heard the same records and seqs
    config, events = demo
    ids = sorted({e.ticket_id for e in events})[:tickets]
    mine = [e for e in events if e.ticket_id in set(ids)]
    bounds = [0, *(len(mine) * c // 100 for c in cuts), len(mine)]
    with two_urls(kind) as (new_url, old_url):
        stores = {"new": SqlStore(new_url), "old": SqlStore(old_url)}
        try:
            before: Counter[str] = Counter()
            for k, with_agreements in enumerate(agreements):
                part = mine[bounds[k] : bounds[k + 1]]
                now = T_END - (2 - k) * 86_400
                conf = config if with_agreements else replace(config, agreements=())
                passes = {}
                for way, store in stores.items():
                    store.add_events(
                        [Incoming(e, "test", n) for n, e in enumerate(part)], received_at=now
                    )
                    passes[way] = _recompute(store, way, conf, now, monkeypatch)
                (new, got), (old, want) = passes["new"], passes["old"]
                assert got == want
                assert new.diffs == old.diffs
                assert new.seqs == old.seqs
                assert new.told == old.told
                assert [list(r.records) for r in new.told] == [list(r.records) for r in old.told]
                stored = stored_rows(stores["new"])
                assert stored == stored_rows(stores["old"])
                counts = Counter(row[0] for row in stored["records"])
                event(f"a ticket's records shrank: {any(counts[k] < n for k, n in before.items())}")
                event(f"a warning stored: {any(row[22] != [] for row in stored['records'])}")
                before = counts
                batch = len(new.told) >= BATCH_TICKETS
                event(f"a batch pass: {batch}")
                if batch:
                    assert all(isinstance(r.records, TableRecords) for r in new.told)
                    rows = [row for inserts, updates in new.diffs for row in inserts]
                    updated = [r for _, updates in new.diffs for g in updates.values() for r in g]
                    event(f"rows inserted: {bool(rows)}; rows updated: {bool(updated)}")
        finally:
            for store in stores.values():
                store.close()


@pytest.mark.parametrize("kind", STORES)
def test_a_ticket_the_store_refuses_in_a_pass_of_rows_is_set_aside_alone(
    kind: str,
    demo: tuple[Configuration, list[Event]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the store refuses one ticket's rows: the pass is stored ticket by ticket, that ticket
    # set aside with its error and its mark cleared, as the records' way does
    config, events = demo
    bad = sorted({e.ticket_id for e in events})[3]
    real = saves.write_changed_values

    def refusing(conn: Any, table: Any, keys: Any, ticket_ids: Any, new: Any) -> None:
        if bad in ticket_ids:
            raise ValueError("refused")
        real(conn, table, keys, ticket_ids, new)

    monkeypatch.setattr(saves, "write_changed_values", refusing)
    with two_urls(kind) as (new_url, old_url):
        stores = {"new": SqlStore(new_url), "old": SqlStore(old_url)}
        try:
            got = {}
            for way, store in stores.items():
                store.add_events(
                    [Incoming(e, "test", n) for n, e in enumerate(events)], received_at=T_END
                )
                got[way] = _recompute(store, way, config, T_END, monkeypatch)[1]
            assert got["new"] == got["old"]
            assert got["new"].failed == {bad: "storing its clocks: ValueError: refused"}
            assert got["new"].saved == len({e.ticket_id for e in events}) - 1
            stored = stored_rows(stores["new"])
            assert stored == stored_rows(stores["old"])
            assert stored["dirty"] == []
            assert [row[0] for row in stored["failed_tickets"]] == [bad]
        finally:
            for store in stores.values():
                store.close()


def test_the_records_of_a_pass_of_rows_are_made_once_when_first_read(
    demo: tuple[Configuration, list[Event]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the recompute process reads none of them: no record is made; a thread's views read
    # them: made once for the whole pass
    config, events = demo
    made: list[int] = []
    real = pass_records.records_from_table

    def counted(table: Any) -> Any:
        made.append(table.num_rows)
        return real(table)

    monkeypatch.setattr(pass_records, "records_from_table", counted)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{tmp}/s.db")
        try:
            store.add_events(
                [Incoming(e, "test", n) for n, e in enumerate(events)], received_at=T_END
            )
            done, _ = _recompute(store, "new", config, T_END, monkeypatch)
            assert made == []
            assert sum(len(r.records) for r in done.told) > 0
            assert made == []
            stored = store.records_of([r.summary.ticket_id for r in done.told])
            for r in done.told:
                read = sorted(r.records, key=lambda x: (x.metric, x.cycle))
                assert stored[r.summary.ticket_id] == read
            assert len(made) == 1
        finally:
            store.close()
