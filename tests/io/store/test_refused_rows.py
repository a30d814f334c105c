"""One row a store cannot keep never fails its batch (accord.io.store.refusals): an event the
database refuses is quarantined alone with the database's reason, a quarantined row holding
NUL or lone surrogates is kept with them escaped, and the good rows around them are kept."""

from __future__ import annotations

import secrets

import pytest

from accord.core.events import Actor, Event, Kind
from accord.errors import RowProblem
from accord.io.store import Incoming, SqlStore, Store

from .test_store import T0, ev, inc


@pytest.mark.parametrize("padding", [0, 40], ids=["small-batch", "large-batch"])
def test_an_event_the_store_cannot_keep_is_quarantined_alone_and_its_batch_kept(
    store: Store, padding: int
) -> None:
    # a lone surrogate (no UTF-8 form) that validation would have caught: the store's own
    # last line of defence, on both SQL paths (few ids, many ids)
    good = [ev(f"g{i}", f"T{i}") for i in range(padding + 3)]
    bad = Event("bad", "T\ud800", T0, Kind.CREATED, Actor.CUSTOMER, None, {})
    got = store.add_events(inc(good[0], bad, *good[1:]), received_at=T0)
    assert got[0] == "accepted" and got[2:] == ["accepted"] * (padding + 2)
    problem = got[1]
    assert isinstance(problem, RowProblem)
    assert (problem.source, problem.row, problem.field) == ("test", 2, "ticket_id")
    assert problem.reason.startswith("the store refused this event: ")
    assert store.count_events() == padding + 3
    [q] = store.quarantine()
    assert q.problem.raw["ticket_id"] == "T\\ud800"
    assert q.problem.raw["event_id"] == "bad"
    assert sorted(t for t, _ in store.dirty(100)) == sorted(e.ticket_id for e in good)


def test_a_quarantined_row_holding_nul_or_lone_surrogates_is_kept_with_them_escaped(
    store: Store,
) -> None:
    raw = {"event_id": "e\x00", "fields": {"re\ud800": ["a\x00", 1]}, "ts": "\udfff"}
    problem = RowProblem("api\x00", 4, "fields.re\ud800", "bad \x00 \ud800", raw)
    store.add_events(inc(ev("fine")), [problem], received_at=T0)
    [q] = store.quarantine()
    assert q.problem == RowProblem(
        "api\\u0000",
        4,
        "fields.re\\ud800",
        "bad \\u0000 \\ud800",
        {"event_id": "e\\u0000", "fields": {"re\\ud800": ["a\\u0000", 1]}, "ts": "\\udfff"},
    )
    assert store.count_events() == 1


def test_a_conflicting_event_holding_nul_is_quarantined_with_it_escaped(store: Store) -> None:
    store.add_events(inc(ev("e1", note="a")), received_at=T0)
    got = store.add_events(
        [Incoming(ev("e1", note="b"), "api", 1, {"event_id": "e1", "x": "\x00"})], received_at=T0
    )
    assert isinstance(got[0], RowProblem)
    [q] = store.quarantine()
    assert q.problem.raw == {"event_id": "e1", "x": "\\u0000"}


def test_an_event_id_over_the_postgresql_index_limit_is_quarantined_not_a_store_error(
    pg_url: str,
) -> None:
    # incompressible text: PostgreSQL compresses index rows, so repeated letters would fit
    long_id = secrets.token_hex(1400)
    store = SqlStore(pg_url)
    try:
        got = store.add_events(inc(ev("a", "T1"), ev(long_id, "T2"), ev("b", "T3")), received_at=T0)
        assert got[0] == "accepted" and got[2] == "accepted"
        problem = got[1]
        assert isinstance(problem, RowProblem)
        assert problem.field == "event_id"
        assert "index row size" in problem.reason
        assert store.count_events() == 2
        [q] = store.quarantine()
        assert q.problem.raw["event_id"] == long_id
    finally:
        store.close()


def test_a_value_refused_alone_by_postgresql_is_quarantined_and_the_rest_kept(
    pg_url: str,
) -> None:
    # NUL in an id: SQLite keeps it, PostgreSQL's driver refuses it (validation rejects it
    # long before; this is the store's own defence)
    store = SqlStore(pg_url)
    try:
        got = store.add_events(inc(ev("a\x00b"), ev("c")), received_at=T0)
        assert isinstance(got[0], RowProblem) and got[0].field == "event_id"
        assert got[1] == "accepted"
        [q] = store.quarantine()
        assert q.problem.raw["event_id"] == "a\\u0000b"
    finally:
        store.close()
