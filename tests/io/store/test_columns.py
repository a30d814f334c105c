"""The columnar reads (``events_table_of``, ``records_frame_of``) give what the object reads
give turned into columns, on every store: custom fields of every JSON type, tags, fields
cleared, records with and without an ``as_of`` of their own, warnings, explanations, nulls."""

from __future__ import annotations

import itertools
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from accord.core.engine.batch import events_to_table
from accord.core.events import Actor, Event, Kind
from accord.core.kpi.frames import records_frame
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.io.store import Incoming, SqlStore, Store
from accord.io.store.base import TicketResult, TicketSummary

_EXAMPLE = itertools.count()  # each example's tickets are its own in the test's store
T0 = 1_770_000_000

# text the stores keep as given (PostgreSQL refuses NUL; lone surrogates are not text)
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=6)
small = st.sampled_from(["a", "b", "ü", ""])
custom_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
_TEXTS = ("status", "priority", "customer", "team", "type")
_NAMES = (*_TEXTS, "tags", "region", "size", "vip", "ratio", "note")


def _valid(name: str, value: Any) -> bool:
    """What the event validator lets through: standard fields text, tags a tuple of text."""
    if value is None:
        return True
    if name == "tags":
        return isinstance(value, tuple)
    if name in _TEXTS:
        return isinstance(value, str)
    return not isinstance(value, tuple)


tags = st.one_of(
    st.just({}),
    st.just({"tags": None}),
    st.lists(small, max_size=3).map(lambda v: {"tags": tuple(v)}),
)
fields = st.tuples(
    st.dictionaries(
        st.sampled_from(_NAMES),
        st.one_of(st.none(), small, custom_value, st.lists(small, max_size=3).map(tuple)),
        max_size=5,
    ),
    tags,
).map(lambda d: {k: v for k, v in {**d[0], **d[1]}.items() if _valid(k, v)})
event_parts = st.tuples(
    st.integers(0, 3),  # ticket
    st.integers(0, 10_000),  # ts offset
    st.integers(0, 999_999),  # ts_us
    st.sampled_from(list(Kind)),
    st.one_of(st.none(), st.sampled_from(list(Actor))),
    st.one_of(st.none(), st.booleans()),
    fields,
)
maybe = st.one_of(st.none(), st.integers(0, 10**6))
record_parts = st.tuples(
    st.integers(0, 3),  # ticket
    st.sampled_from(["first_response", "resolution", "zz"]),
    st.integers(1, 3),  # cycle
    st.lists(st.one_of(st.none(), small), min_size=7, max_size=7),  # the text columns
    st.tuples(maybe, maybe, maybe, maybe, maybe),  # policy_version, target, stop, due, breached
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.sampled_from(list(State)),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 100)),  # as_of apart from the ticket's, or not
    st.lists(st.tuples(st.integers(1, 100), st.integers(0, 10**6)), max_size=2),
    st.lists(st.tuples(st.integers(0, 10**6), text, text, st.one_of(st.none(), text)), max_size=2),
)


def _record(tid: str, parts: tuple[Any, ...]) -> MetricRecord:
    _, metric, cycle, texts, ints, elapsed, state, now, ever, apart, warns, steps = parts
    version, target, stop, due, breached = ints
    return MetricRecord(
        ticket_id=tid,
        metric=metric,
        cycle=cycle,
        policy=texts[0],
        policy_version=version,
        calendar=texts[1],
        priority=texts[2],
        customer=texts[3],
        team=texts[4],
        assignee=texts[5],
        channel=texts[6],
        target=target,
        start=T0,
        stop=stop,
        due=due,
        breached_at=breached,
        business_elapsed=elapsed[0],
        paused_business=elapsed[1],
        calendar_elapsed=elapsed[2],
        state=state,
        breached_now=now,
        ever_breached=ever,
        as_of=T0 + 10**7 + (apart or 0),
        warnings=tuple(Warning_(a, b) for a, b in warns),
        explanation=tuple(Step(*s) for s in steps),
    )


def _fill(store: Store, evs: list[tuple[Any, ...]], recs: list[tuple[Any, ...]]) -> list[str]:
    n = next(_EXAMPLE)
    ids = [f"x{n}-{i}" for i in range(4)]
    events = [
        Event(f"x{n}e{j}", ids[p[0]], T0 + p[1], p[3], p[4], p[5], p[6], ts_us=p[2])
        for j, p in enumerate(evs)
    ]
    store.add_events([Incoming(e, "test", i) for i, e in enumerate(events)], received_at=T0)
    by_ticket: dict[str, dict[tuple[str, int], MetricRecord]] = {}
    for p in recs:
        r = _record(ids[p[0]], p)
        by_ticket.setdefault(r.ticket_id, {})[(r.metric, r.cycle)] = r
    store.save_results(
        [
            TicketResult(
                TicketSummary(tid, None, None, None, None, None, T0, T0, 0, T0), list(rs.values())
            )
            for tid, rs in by_ticket.items()
        ]
    )
    return ids


def _objects(store: Store, ids: list[str]) -> tuple[Any, pl.DataFrame]:
    got = store.events_of(sorted(ids))
    table = events_to_table(e for tid in sorted(ids) for e in got[tid])
    recs = store.records_of(sorted(ids))
    flat = sorted(
        (r for rs in recs.values() for r in rs), key=lambda r: (r.ticket_id, r.metric, r.cycle)
    )
    return table, records_frame(flat)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    evs=st.lists(event_parts, max_size=12),
    recs=st.lists(record_parts, max_size=8),
    asked=st.sets(st.integers(0, 5), max_size=6),
)
def test_the_columnar_reads_equal_the_object_reads(
    store: Store, evs: list[tuple[Any, ...]], recs: list[tuple[Any, ...]], asked: set[int]
) -> None:
    ids = _fill(store, evs, recs)
    # some asked, some not, some without events or records, some unknown
    prefix = ids[0][:-1]
    wanted = [f"{prefix}{i}" for i in sorted(asked)]
    table, frame = _objects(store, wanted)
    got = store.events_table_of(wanted)
    assert got.schema == table.schema
    assert got.equals(table), (got.to_pylist(), table.to_pylist())
    assert_frame_equal(store.records_frame_of(wanted), frame)


def test_a_stored_record_without_any_as_of_is_an_error_naming_it(sql_url: str) -> None:
    store = SqlStore(sql_url)
    try:
        ids = _fill(store, [(0, 0, 0, Kind.CREATED, None, None, {})], [])
        parts = (0, "resolution", 1, [None] * 7, (None,) * 5, (0, 0, 0),
                 State.MET, False, False, None, [], [])  # fmt: skip
        summary = TicketSummary(ids[0], None, None, None, None, None, T0, T0, 0, T0)
        store.save_results([TicketResult(summary, [_record(ids[0], parts)])])
        with store._writing() as conn:  # a broken store: the ticket row lost the instant
            conn.execute(sa.text("UPDATE tickets SET records_as_of = NULL"))
        with pytest.raises(ValueError, match=f"{ids[0]}/resolution has no as_of"):
            store.records_frame_of([ids[0]])
        with pytest.raises(ValueError, match=f"{ids[0]}/resolution has no as_of"):
            store.records_of([ids[0]])  # as the object read says
    finally:
        store.close()
