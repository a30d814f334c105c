"""The recompute's bookkeeping in the store: the marks are taken the longest waiting first,
and a recompute's save writes only the rows that changed, leaving exactly the rows a full
rewrite would."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from accord.core.events import Actor, Event, Kind
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT
from accord.io.store import ClockQuery, SqlStore, Store, TicketResult, TicketSummary
from accord.io.store import schema as t
from accord.io.store.base import SortKey, month_of
from accord.io.store.sql.changed import _diff, _json_text, _statements
from accord.io.store.sql.connection import _WAL_CHECKPOINT_PAGES, _WRITE_CACHE_KIB, _dumps
from accord.io.store.sql.rows import (
    _event_from_row,
    _record_row,
    _record_values,
    _ticket_row,
    _ticket_values,
    shared_as_of,
)
from tests.io.store.old_rows import save_before_0009, upgrade_to
from tests.io.store.test_store import T0, ev, inc, rec, summary

# ---------------------------------------------------------------- marks, oldest first


def test_marks_are_taken_in_the_order_first_marked_not_by_ticket_id(store: Store) -> None:
    store.add_events(inc(ev("e1", "T9")), received_at=T0)
    store.add_events(inc(ev("e2", "T5"), ev("e3", "T1")), received_at=T0 + 1)
    store.add_events(inc(ev("e4", "T0")), received_at=T0 + 2)
    # a newer event of the oldest ticket keeps its place in line
    store.add_events(inc(ev("e5", "T9")), received_at=T0 + 3)
    assert [tid for tid, _ in store.dirty(10)] == ["T9", "T1", "T5", "T0"]
    assert [tid for tid, _ in store.dirty(2)] == ["T9", "T1"]


def test_a_recomputed_ticket_marked_again_goes_to_the_back(store: Store) -> None:
    store.add_events(inc(ev("e1", "A")), received_at=T0)
    store.add_events(inc(ev("e2", "B")), received_at=T0 + 1)
    store.clear_dirty([m for m in store.dirty(10) if m[0] == "A"])
    store.add_events(inc(ev("e3", "A")), received_at=T0 + 2)
    assert [tid for tid, _ in store.dirty(10)] == ["B", "A"]


def test_a_retried_failed_ticket_goes_first(store: Store) -> None:
    store.add_events(inc(ev("e1", "A")), received_at=T0)
    store.record_failures({"A": "boom"}, at=T0, clear=store.dirty(10))
    store.add_events(inc(ev("e2", "B")), received_at=T0 + 5)
    assert store.retry_failed() == ["A"]
    assert [tid for tid, _ in store.dirty(10)] == ["A", "B"]


# ---------------------------------------------------------------- writes of changed rows


def _record(ticket: str, key: tuple[str, int], v: dict[str, Any]) -> MetricRecord:
    base = rec(ticket, key[0], key[1])
    stopped = v["stop"] is not None
    return replace(
        base,
        state=State.MET if stopped else State.RUNNING,
        stop=v["stop"],
        business_elapsed=v["elapsed"],
        calendar_elapsed=v["elapsed"] * 2,
        as_of=v["as_of"],
        warnings=(Warning_("75%", T0 + 10),) if v["warned"] else (),
        due=None if v["paused"] else base.due,
    )


_KEYS = [("first_response", 1), ("resolution", 1), ("resolution", 2)]
_values = st.fixed_dictionaries(
    {
        "stop": st.sampled_from([None, T0 + 60]),
        "elapsed": st.integers(0, 3),
        "as_of": st.sampled_from([T0 + 600, T0 + 601]),
        "warned": st.booleans(),
        "paused": st.booleans(),
    }
)
# a version of one ticket: its summary's event count and its records by key
_version = st.tuples(st.integers(1, 3), st.dictionaries(st.sampled_from(_KEYS), _values))
# versions of up to three tickets, saved one after the other
_history = st.lists(st.lists(_version, min_size=1, max_size=3), min_size=1, max_size=4)
_run = itertools.count()


def _results(prefix: str, version: list[tuple[int, dict[Any, dict[str, Any]]]]) -> list[Any]:
    out = []
    for n, (events, records) in enumerate(version):
        tid = f"{prefix}{n}"
        got = [_record(tid, key, v) for key, v in sorted(records.items())]
        out.append(TicketResult(summary(tid, events=events, computed_at=T0 + events), got))
    return out


def _rows(store: SqlStore, table: sa.Table, prefix: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` whose ticket starts with ``prefix``, the prefix cut off."""
    with store._read.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.ticket_id.startswith(prefix)))
        return sorted(
            tuple(v[len(prefix) :] if c == "ticket_id" else v for c, v in r._mapping.items())
            for r in rows
        )


def _insert_rows(store: SqlStore, results: list[TicketResult]) -> None:
    with store._write.begin() as conn:
        for r in results:
            as_of = shared_as_of(r.records)
            conn.execute(t.tickets.insert(), [_ticket_row(r.summary, as_of)])
            if r.records:
                rows = [_record_row(rec, r.summary.customer, as_of) for rec in r.records]
                conn.execute(t.records.insert(), rows)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=_history)
def test_saving_only_changed_rows_leaves_the_rows_of_a_full_rewrite(
    sql_url: str, history: list[list[tuple[int, dict[Any, dict[str, Any]]]]]
) -> None:
    # one ticket set saved version after version (only the changed rows are written), and a
    # second saved once with the last version into no rows at all: their rows are the same
    run = next(_run)
    seq, fresh, ref = f"r{run}s-", f"r{run}f-", f"r{run}r-"
    store = SqlStore(sql_url)
    try:
        width = max(len(v) for v in history)
        for version in history:
            # a ticket missing from a version keeps its previous rows, as a recompute of others
            store.save_results(_results(seq, version))
        last: dict[int, tuple[int, dict[Any, dict[str, Any]]]] = {}
        for version in history:
            last.update(enumerate(version))
        store.save_results(_results(fresh, [last[n] for n in range(width)]))
        # and a third with SQLAlchemy's own inserts of the store's rows (the save writes
        # through the driver itself: the same values, JSON and booleans alike)
        _insert_rows(store, _results(ref, [last[n] for n in range(width)]))
        for table in (t.tickets, t.records):
            assert _rows(store, table, seq) == _rows(store, table, fresh)
            assert _rows(store, table, seq) == _rows(store, table, ref)
        # and the records read back are the ones saved, each with its own as_of (stored once
        # per ticket when they share it, per record when not)
        want = _results(seq, [last[n] for n in range(width)])
        got = store.records_of([r.summary.ticket_id for r in want])
        assert got == {r.summary.ticket_id: list(r.records) for r in want}
    finally:
        store.close()


# ---------------------------------------------------------------- the start month


@given(st.integers(MIN_EVENT_INSTANT, MAX_EVENT_INSTANT - 1))
def test_the_start_month_is_the_utc_month_of_the_instant(t: int) -> None:
    assert month_of(t) == datetime.fromtimestamp(t, UTC).strftime("%Y-%m")


# ---------------------------------------------------------------- migration 0008


def test_marks_stored_before_the_upgrade_wait_from_0_and_go_first(sql_url: str) -> None:
    engine = sa.create_engine(sql_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("accord.io.store") / "migrations"))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0007")
            conn.execute(sa.text("INSERT INTO dirty (ticket_id, mark) VALUES ('Z', 1), ('M', 2)"))
    finally:
        engine.dispose()
    store = SqlStore(sql_url)  # migrates to the head
    try:
        store.add_events(inc(ev("e1", "A")), received_at=T0)
        assert store.dirty(2) == [("M", 2), ("Z", 1)]
        assert [tid for tid, _ in store.dirty(10)] == ["M", "Z", "A"]
    finally:
        store.close()


# ---------------------------------------------------------------- migration 0009


def _clocks(tid: str, as_of: list[int]) -> list[MetricRecord]:
    return [replace(rec(tid, key[0], key[1]), as_of=a) for key, a in zip(_KEYS, as_of, strict=True)]


def test_records_stored_before_0009_read_the_same_after_it(sql_url: str) -> None:
    # each record carried its as_of; after the upgrade a ticket's shared instant is stored
    # once, a record computed at another instant keeps its own, and every read is unchanged
    results = [
        TicketResult(summary("SAME", computed_at=T0 + 600), _clocks("SAME", [T0 + 600] * 3)),
        TicketResult(summary("MIXED"), _clocks("MIXED", [T0 + 600, T0 + 900, T0 + 600])),
        TicketResult(summary("NONE"), []),
    ]
    upgrade_to(sql_url, "0008")
    save_before_0009(sql_url, results)
    store = SqlStore(sql_url)  # migrates to the head
    try:
        want = {
            r.summary.ticket_id: sorted(r.records, key=lambda x: (x.metric, x.cycle))
            for r in results
        }
        assert store.records_of(list(want)) == want
        for r in results:
            assert store.get_ticket(r.summary.ticket_id) == r.summary
        queue = store.open_clocks(ClockQuery(now=T0 + 600, limit=50))
        assert sorted(queue, key=_key) == sorted((c for cs in want.values() for c in cs), key=_key)
        by_start = store.open_clocks(
            ClockQuery(now=T0 + 600, limit=50, sort=SortKey("start", False))
        )
        assert sorted(by_start, key=_key) == sorted(queue, key=_key)
        with store._read.connect() as conn:
            shared = {
                a: b
                for a, b in conn.execute(
                    sa.select(t.tickets.c.ticket_id, t.tickets.c.records_as_of)
                )
            }
            apart = conn.execute(
                sa.select(t.records.c.ticket_id, t.records.c.metric, t.records.c.cycle).where(
                    t.records.c.as_of_apart.is_not(None)
                )
            ).all()
        # the upgrade takes a ticket's latest instant as its shared one
        assert shared == {"SAME": T0 + 600, "MIXED": T0 + 900, "NONE": None}
        assert sorted(tuple(a) for a in apart) == [
            ("MIXED", "first_response", 1),
            ("MIXED", "resolution", 2),
        ]
        # a recompute after the upgrade stores the shared instant once again
        store.save_results([TicketResult(summary("MIXED"), _clocks("MIXED", [T0 + 999] * 3))])
        assert {r.as_of for r in store.records_of(["MIXED"])["MIXED"]} == {T0 + 999}
    finally:
        store.close()


def _key(r: MetricRecord) -> tuple[str, str, int]:
    return (r.ticket_id, r.metric, r.cycle)


# ---------------------------------------------------------------- the JSON text of a save

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_json)
def test_the_save_writes_the_json_text_the_store_writes_everywhere(value: Any) -> None:
    # the recompute's save compares the stored JSON text with this one: the same text as the
    # store's other writes, or rows would be rewritten (or differ) for nothing
    assert _json_text(value) == _dumps(value)


# ---------------------------------------------------------------- the recompute's read

_event = st.builds(
    lambda n, kind, actor, public, fields, us: Event(
        f"e{n}", f"T{n % 3}", T0 + n, kind, actor, public, fields, ts_us=us
    ),
    st.integers(0, 10**6),
    st.sampled_from(list(Kind)),
    st.sampled_from([None, *Actor]),
    st.sampled_from([None, True, False]),
    st.dictionaries(
        st.sampled_from(["status", "priority", "tags", "customer"]),
        st.text(max_size=5) | st.lists(st.text(max_size=3), max_size=3).map(tuple),
        max_size=3,
    ),
    st.integers(0, 999_999),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_event, max_size=8, unique_by=lambda e: e.event_id))
def test_the_recompute_reads_the_events_sqlalchemy_reads(sql_url: str, events: list[Event]) -> None:
    # events_of reads through the driver: the same events, in the same order, as the rows
    # SQLAlchemy gives (booleans, absent actors, tags as tuples, arrival order)
    store = SqlStore(sql_url)
    try:
        with store._write.begin() as conn:
            conn.execute(t.events.delete())
        store.add_events(inc(*events), received_at=T0)
        ids = ["T0", "T1", "T2"]
        with store._read.connect() as conn:
            q = sa.select(t.events).where(t.events.c.ticket_id.in_(ids)).order_by(t.events.c.seq)
            want: dict[str, list[Event]] = {tid: [] for tid in ids}
            for row in conn.execute(q):
                want[row.ticket_id].append(_event_from_row(row))
        assert store.events_of(ids) == want
        assert sum(len(v) for v in want.values()) == len(events)
    finally:
        store.close()


# ---------------------------------------------------------------- a record's values


_step = st.builds(
    Step, st.integers(0, 10**9), st.text(max_size=4), st.text(max_size=4), st.text(max_size=3)
)
_record_draw = st.builds(
    lambda ticket, key, v, state, warnings, steps, customer: replace(
        _record(ticket, key, v),
        state=state,
        warnings=warnings,
        explanation=steps,
        customer=customer,
    ),
    st.sampled_from(["T1", "T2"]),
    st.sampled_from(_KEYS),
    _values,
    st.sampled_from(list(State)),
    st.lists(st.builds(Warning_, st.text(max_size=3), st.integers(0, 10**9)), max_size=2).map(
        tuple
    ),
    st.lists(_step, max_size=2).map(tuple),
    st.none() | st.text(max_size=3),
)


@given(_record_draw, st.none() | st.text(max_size=3), st.sampled_from([None, T0 + 600, T0 + 601]))
def test_a_records_values_are_its_row_as_the_driver_takes_it(
    record: MetricRecord, ticket_customer: str | None, as_of: int | None
) -> None:
    # the save makes each record's values straight from it: those of its row dict, in the
    # table's column order, the JSON as the store's text
    statements = _statements(t.records, ("ticket_id", "metric", "cycle"), sqlite.dialect())
    want = statements.tuple_of(_record_row(record, ticket_customer, as_of))
    assert _record_values(record, ticket_customer, as_of) == want


# ---------------------------------------------------------------- a ticket's values


_summary_draw = st.builds(
    lambda tid, events, status, assignee, computed: replace(
        summary(tid, events=events, computed_at=T0 + computed), status=status, assignee=assignee
    ),
    st.sampled_from(["T1", "T2"]),
    st.integers(1, 5),
    st.none() | st.text(max_size=3),
    st.none() | st.text(max_size=3),
    st.integers(0, 10**6),
)


@given(_summary_draw, st.none() | st.text(max_size=3), st.sampled_from([None, T0 + 600]))
def test_a_tickets_values_are_its_row_as_the_driver_takes_it(
    s: TicketSummary, customer: str | None, as_of: int | None
) -> None:
    # the save makes each ticket's values straight from its summary and current customer:
    # those of the row dict of the summary with that customer, in the table's column order
    statements = _statements(t.tickets, ("ticket_id",), sqlite.dialect())
    want = statements.tuple_of(_ticket_row(replace(s, customer=customer), as_of))
    assert _ticket_values(s, customer, as_of) == want


# ---------------------------------------------------------------- the diff of stored rows


def _diff_reference(
    stored: dict[tuple[Any, ...], tuple[Any, ...]], new: list[tuple[Any, ...]], keys: int
) -> tuple[list[tuple[Any, ...]], dict[tuple[int, ...], list[tuple[Any, ...]]]]:
    # the former loop: column by column, the key's columns left out
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    for values in new:
        key = values[:keys]
        before = stored.get(key)
        if before is None:
            inserts.append(values)
            continue
        changed = tuple(i for i in range(keys, len(values)) if before[i] != values[i])
        if changed:
            updates.setdefault(changed, []).append((*(values[i] for i in changed), *key))
    return inserts, updates


# rows of a two-column key and three values, as SQLite gives them back (booleans as 0 and 1)
# and as the save makes them (True and False): equal values must not count as a change
_cell = st.none() | st.integers(0, 2) | st.booleans() | st.sampled_from(["[]", "[1]", "a"])
_stored_rows = st.dictionaries(
    st.tuples(st.sampled_from(["T1", "T2"]), st.integers(1, 3)),
    st.tuples(_cell, _cell, _cell),
    max_size=6,
)


@given(_stored_rows, _stored_rows)
def test_the_diff_finds_the_rows_and_columns_the_former_loop_found(
    stored: dict[tuple[Any, ...], tuple[Any, ...]], wanted: dict[tuple[Any, ...], tuple[Any, ...]]
) -> None:
    before = {k: (*k, *v) for k, v in stored.items()}
    new = [(*k, *v) for k, v in wanted.items()]
    got = _diff(before, new, itemgetter(0, 1), range(5))
    assert got == _diff_reference(before, new, 2)
    # and the updates make each stored row into its new one
    inserts, updates = got
    rows = dict(before)
    for changed, params in updates.items():
        for p in params:
            key = p[len(changed) :]
            row = list(rows[key])
            for i, v in zip(changed, p, strict=False):
                row[i] = v
            rows[key] = tuple(row)
    rows.update({r[:2]: r for r in inserts})
    assert {k: rows[k] for k in wanted} == {r[:2]: r for r in new}


@given(_stored_rows, _stored_rows, st.permutations(range(6)))
def test_the_diff_by_rowid_finds_what_the_diff_by_key_finds(
    stored: dict[tuple[Any, ...], tuple[Any, ...]],
    wanted: dict[tuple[Any, ...], tuple[Any, ...]],
    rowids: list[int],
) -> None:
    # SQLite's stored rows come with their rowid first (any rowids: a row's is not its key's
    # order): the same inserts, and the same updates with the row's rowid in place of its key
    before = {k: (*k, *v) for k, v in stored.items()}
    rowid_of = dict(zip(before, rowids, strict=False))
    with_rowid = {k: (rowid_of[k], *row) for k, row in before.items()}
    new = [(*k, *v) for k, v in wanted.items()]
    inserts, updates = _diff(with_rowid, new, itemgetter(0, 1), range(5), rowid=True)
    want_inserts, want_updates = _diff_reference(before, new, 2)
    assert inserts == want_inserts
    by_rowid = {
        changed: [(*p[: len(changed)], rowid_of[p[len(changed) :]]) for p in params]
        for changed, params in want_updates.items()
    }
    assert updates == by_rowid


# ---------------------------------------------------------------- marks cleared by a save


def test_a_save_clears_the_marks_it_was_given_and_no_renewed_one(store: Store) -> None:
    store.add_events(inc(ev("e1", "A"), ev("e2", "B"), ev("e3", "C")), received_at=T0)
    marks = dict(store.dirty(10))
    # B marked again by a new event after its recompute read: its new mark stays
    store.add_events(inc(ev("e4", "B")), received_at=T0 + 1)
    results = [TicketResult(summary(tid), []) for tid in ("C", "A", "B")]
    store.save_results(results, clear=[(tid, marks[tid]) for tid in ("C", "A", "B")])
    assert [tid for tid, _ in store.dirty(10)] == ["B"]
    assert dict(store.dirty(10))["B"] != marks["B"]
    assert {tid: store.get_ticket(tid) for tid in "ABC"} == {
        r.summary.ticket_id: r.summary for r in results
    }


# ---------------------------------------------------------------- the writers' cache


def test_sqlite_writers_keep_a_larger_cache_and_checkpoint_less_often(tmp_path: Path) -> None:
    # the recompute's saves dirty thousands of pages a transaction: the write connections
    # hold them (and let the WAL grow) where the readers keep SQLite's defaults
    store = SqlStore(f"sqlite:///{tmp_path / 'cache.db'}")
    try:
        pragmas = ("cache_size", "wal_autocheckpoint", "journal_mode")
        with store._write.connect() as conn:
            wrote = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas]
        with store._read.connect() as conn:
            read = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas]
    finally:
        store.close()
    assert wrote == [-_WRITE_CACHE_KIB, _WAL_CHECKPOINT_PAGES, "wal"]
    assert read == [-2000, 1000, "wal"]
