"""The recompute's bookkeeping in the store: the marks are taken the longest waiting first,
and a recompute's save writes only the rows that changed, leaving exactly the rows a full
rewrite would."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.records import MetricRecord, State, Warning_
from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT
from accord.io.store import SqlStore, Store, TicketResult
from accord.io.store import schema as t
from accord.io.store.base import month_of
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
    seq, fresh = f"r{run}s-", f"r{run}f-"
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
        for table in (t.tickets, t.records):
            assert _rows(store, table, seq) == _rows(store, table, fresh)
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
