"""A recompute pass's statements on PostgreSQL, fewer and keyed: the updated rows of a chunk in
one statement (each column set only where its row changed it), the pass's marks cleared in
one statement (still in ticket order, only those still held), and the save's plans held to
key look-ups for its own transaction only."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.store import SqlStore, Store, TicketResult
from accord.io.store import schema as t
from accord.io.store.sql.changed_pg import masked_arrays, pg_statements
from accord.io.store.sql.connection import driver_cursor
from tests.io.store.test_lock_order import beside_ingests
from tests.io.store.test_store import T0, ev, inc, summary

# ---------------------------------------------------------------- one update of every group

_WIDTH = 5  # columns of the rows below: the key (column 0), then four values
_value = st.one_of(st.none(), st.integers(-3, 3))
_row = st.tuples(_value, _value, _value, _value)
# stored rows by key, and the new values of some of them
_stored = st.dictionaries(st.integers(0, 6), _row, max_size=6)


def _groups(
    stored: dict[int, tuple[Any, ...]], new: dict[int, tuple[Any, ...]]
) -> dict[tuple[int, ...], list[tuple[Any, ...]]]:
    """The updates as the diff groups them: changed columns, rows of their values then the
    key (as ``changed._diff``)."""
    out: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    for key, values in new.items():
        before = (key, *stored[key])
        after = (key, *values)
        changed = tuple(i for i in range(_WIDTH) if before[i] != after[i])
        if changed:
            out.setdefault(changed, []).append((*[after[i] for i in changed], key))
    return out


@given(_stored, st.data())
def test_a_masked_update_makes_each_row_what_its_groups_updates_make(
    stored: dict[int, tuple[Any, ...]], data: st.DataObject
) -> None:
    new = {k: data.draw(_row) for k in data.draw(st.lists(st.sampled_from(sorted(stored) or [0])))}
    new = {k: v for k, v in new.items() if k in stored}
    updates = _groups(stored, new)
    # the groups' updates, a statement each
    by_groups = {k: [k, *v] for k, v in stored.items()}
    for changed, rows in updates.items():
        for row in rows:
            for i, value in zip(changed, row, strict=False):
                by_groups[row[-1]][i] = value
    # the masked arrays, as update_masked's CASE reads them
    masked = {k: [k, *v] for k, v in stored.items()}
    if updates:
        columns, arrays = masked_arrays(updates, 1)
        keys, masks = arrays[-1], arrays[len(columns)]
        for n, key in enumerate(keys):
            for bit, i in enumerate(columns):
                if masks[n] & (1 << bit):
                    masked[key][i] = arrays[bit][n]
        assert len({len(a) for a in arrays}) == 1  # one value a row in every array
    assert masked == by_groups
    assert by_groups == {k: [k, *new.get(k, v)] for k, v in stored.items()}


_ticket_columns = [c.name for c in t.tickets.columns]
_ticket_value = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["open", "pending", None]),
        "assignee": st.sampled_from(["ann", "bob", None]),
        "last_ts": st.integers(T0, T0 + 3),
        "events": st.integers(1, 3),
    }
)
_run = itertools.count()


def _ticket_row(tid: str, v: dict[str, Any]) -> tuple[Any, ...]:
    row = {
        "ticket_id": tid, "customer": "acme", "team": "support", "priority": "high",
        "first_ts": T0, "computed_at": T0, "records_as_of": None, **v,
    }  # fmt: skip
    return tuple(row[c] for c in _ticket_columns)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(_ticket_value, _ticket_value), min_size=1, max_size=6))
def test_one_masked_update_stores_the_rows_of_an_update_a_group_on_postgresql(
    pg_url: str, versions: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    # the same tickets under two prefixes, updated to the same new rows: by a statement a
    # group of changed columns (as before), and by the one masked statement
    run = next(_run)
    st_ = pg_statements(t.tickets, ("ticket_id",))
    store = SqlStore(pg_url)  # the schema
    try:
        with store._write.begin() as conn, driver_cursor(conn) as cursor:
            tables: dict[str, list[tuple[Any, ...]]] = {}
            for prefix in (f"g{run}-", f"m{run}-"):
                old = [_ticket_row(f"{prefix}{n}", a) for n, (a, _) in enumerate(versions)]
                new = [_ticket_row(f"{prefix}{n}", b) for n, (_, b) in enumerate(versions)]
                conn.execute(
                    t.tickets.insert(), [dict(zip(_ticket_columns, r, strict=True)) for r in old]
                )
                updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
                for before, after in zip(old, new, strict=True):
                    changed = tuple(
                        i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y
                    )
                    if changed:
                        updates.setdefault(changed, []).append(
                            (*[after[i] for i in changed], after[0])
                        )
                if prefix.startswith("g"):
                    for changed, rows in updates.items():
                        cursor.execute(
                            st_.update(changed), [list(c) for c in zip(*rows, strict=True)]
                        )
                elif updates:
                    columns, arrays = masked_arrays(updates, 1)
                    cursor.execute(st_.update_masked(columns), arrays)
                got = conn.execute(
                    sa.select(t.tickets)
                    .where(t.tickets.c.ticket_id.startswith(prefix))
                    .order_by(t.tickets.c.ticket_id)
                )
                tables[prefix[0]] = [(r[0][len(prefix) :], *r[1:]) for r in got]
                assert tables[prefix[0]] == [(r[0][len(prefix) :], *r[1:]) for r in sorted(new)]
            assert tables["g"] == tables["m"]
    finally:
        store.close()


# ---------------------------------------------------------------- marks cleared at once


def test_a_failure_clears_the_marks_it_was_given_and_no_renewed_one(store: Store) -> None:
    store.add_events(inc(ev("e1", "A"), ev("e2", "B"), ev("e3", "C")), received_at=T0)
    marks = dict(store.dirty(10))
    store.add_events(inc(ev("e4", "C")), received_at=T0 + 1)  # C marked again
    store.record_failures({"A": "boom"}, at=T0 + 2, clear=sorted(marks.items(), reverse=True))
    assert [tid for tid, _ in store.dirty(10)] == ["C"]
    assert dict(store.dirty(10))["C"] != marks["C"]
    assert [f.ticket_id for f in store.failed_tickets()] == ["A"]


_TICKETS = [f"T{n:03d}" for n in range(200)]


def test_passes_clearing_marks_oldest_first_beside_ingests_never_deadlock(pg_url: str) -> None:
    # the marks' rows locked in ticket order by the array clear, as the ingest's marks take
    # them: no lock cycle, so no transaction aborted to break one (sized so that a clear
    # locking in reverse order deadlocked in every run tried)
    store = SqlStore(pg_url)

    def save(n: int) -> None:
        marks = sorted(store.dirty(1_000), reverse=True)
        if n % 2:  # a failure's clear takes no owner lock first: the marks' alone
            store.record_failures({}, at=T0, clear=marks)
        else:
            results = [TicketResult(summary(tid), []) for tid, _ in marks]
            store.save_results(results, clear=marks)

    try:
        assert beside_ingests(store, _TICKETS, 120, save) == []
        assert store.count_failed_tickets() == 0
    finally:
        store.close()


# ---------------------------------------------------------------- keyed plans, this save only


def test_the_saves_planner_settings_end_with_its_transaction_on_postgresql(pg_url: str) -> None:
    store = SqlStore(pg_url)
    try:
        store.add_events(inc(ev("e1", "A")), received_at=T0)
        store.save_results([TicketResult(summary("A"), [])], clear=store.dirty(10))
        assert store.dirty(10) == []
        # every pooled connection, the save's among them, plans as the server is set to
        with store._write.connect() as conn:
            got = conn.exec_driver_sql(
                "SELECT current_setting('enable_seqscan'), current_setting('enable_hashjoin'), "
                "current_setting('enable_mergejoin')"
            ).one()
        assert tuple(got) == ("on", "on", "on")
    finally:
        store.close()
