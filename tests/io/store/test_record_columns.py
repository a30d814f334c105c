"""The SQL store's records rows made column-wise from the batch engine's records table are the
rows it made of the records (``records_from_table`` then ``_record_values``), value for value
and type for type."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_partition, events_to_table, records_from_table
from accord.core.events import Event
from accord.core.records import MetricRecord
from accord.demo.generate import generate_events
from accord.io.store import TicketResult, TicketSummary
from accord.io.store.sql.record_columns import TicketValues, ticket_values
from accord.io.store.sql.saves import values_of_results
from accord.service.recompute import summarize
from tests.core.engine.batch_strategies import configurations, event_logs


@st.composite
def _passes(draw: st.DrawFn) -> tuple[Configuration, list[Event], int]:
    config, base = draw(configurations(with_agreements=draw(st.booleans())))
    events, as_of = draw(event_logs(base))
    return config, events, as_of


def _engine(config: Configuration, events: list[Event], as_of: int) -> pa.Table:
    table = events_to_table(events)
    return compute_partition(table, config, as_of, agreements=bool(config.agreements))


def _summaries(events: list[Event], as_of: int) -> dict[str, TicketSummary]:
    by_ticket: dict[str, list[Event]] = {}
    for e in events:
        by_ticket.setdefault(e.ticket_id, []).append(e)
    return {tid: summarize(tid, evs, as_of) for tid, evs in by_ticket.items()}


def _from_records(table: pa.Table, summaries: dict[str, TicketSummary]) -> list[TicketValues]:
    """The rows the store made before: a MetricRecord per row, then a tuple per record."""
    records: dict[str, list[MetricRecord]] = {}
    for r in records_from_table(table):
        records.setdefault(r.ticket_id, []).append(r)
    return values_of_results(
        [TicketResult(s, records.get(tid, [])) for tid, s in summaries.items()]
    )


def _types(values: list[TicketValues]) -> list[list[tuple[type, ...]]]:
    # 1 == True and 1 == 1.0: the values' types held apart too
    return [[tuple(map(type, row)) for row in v.rows] for v in values]


def _assert_same(got: list[TicketValues], want: list[TicketValues]) -> None:
    assert got == want
    assert _types(got) == _types(want)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Configuration, list[Event], int]:
    """The demo configuration (agreements and all) and a few dozen demo tickets' events."""
    config = load_config(copy_demo_config(tmp_path_factory.mktemp("demo") / "config"))
    end = datetime(2026, 3, 2, 9, tzinfo=UTC)
    events = [
        replace(e, seq=n)
        for n, e in enumerate(generate_events(seed=5, end=end, days=10, tickets=40), start=1)
    ]
    return config, events, int(end.timestamp())


_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(case=_passes())
def test_the_rows_from_the_columns_are_the_rows_of_the_records(
    case: tuple[Configuration, list[Event], int],
) -> None:
    config, events, as_of = case
    table = _engine(config, events, as_of)
    summaries = _summaries(events, as_of)
    got = ticket_values(table, summaries)
    _assert_same(got, _from_records(table, summaries))
    rows = [row for v in got for row in v.rows]
    event(f"records: {bool(rows)}")
    event(f"a warning: {any(row[22] != '[]' for row in rows)}")
    event(f"open and settled clocks: {len({row[25] for row in rows}) == 2}")


@_SETTINGS
@given(case=_passes(), data=st.data())
def test_other_customers_and_instants_apart_are_made_as_from_the_records(
    case: tuple[Configuration, list[Event], int], data: st.DataObject
) -> None:
    # the summaries' customers whatever they are, and records computed at several instants
    # (a ticket's first record's is its row's; the others' apart), as records may be
    config, events, as_of = case
    table = _engine(config, events, as_of)
    customer = st.none() | st.sampled_from(["acme", "globex", ""])
    summaries = {
        tid: replace(s, customer=data.draw(customer))
        for tid, s in _summaries(events, as_of).items()
    }
    instants = data.draw(st.lists(st.sampled_from([as_of, as_of - 1, as_of + 86_400]),
                                  min_size=table.num_rows, max_size=table.num_rows))  # fmt: skip
    at = table.schema.get_field_index("as_of")
    table = table.set_column(at, "as_of", pa.array(instants, type=table.schema.field(at).type))
    got = ticket_values(table, summaries)
    _assert_same(got, _from_records(table, summaries))
    event(f"instants apart: {any(row[28] is not None for v in got for row in v.rows)}")


def test_a_record_of_an_unknown_state_is_refused_as_by_the_records(
    demo: tuple[Configuration, list[Event], int],
) -> None:
    config, events, as_of = demo
    table = _engine(config, events, as_of)
    assert table.num_rows
    at = table.schema.get_field_index("state")
    bogus = pa.array(["bogus"] * table.num_rows).dictionary_encode()
    table = table.set_column(at, "state", bogus.cast(table.schema.field(at).type))
    summaries = _summaries(events, as_of)
    with pytest.raises(KeyError):
        records_from_table(table)
    with pytest.raises(ValueError, match="unknown state"):
        ticket_values(table, summaries)


def test_a_ticket_without_records_has_no_rows_and_no_instant(
    demo: tuple[Configuration, list[Event], int],
) -> None:
    config, events, as_of = demo
    table = _engine(config, events, as_of)
    summaries = _summaries(events, as_of)
    quiet = TicketSummary("T-quiet", None, None, None, None, None, 0, 0, 0, as_of)
    got = ticket_values(table, {**summaries, "T-quiet": quiet})
    assert got[-1] == TicketValues(quiet, [], None)
    assert got[:-1] == _from_records(table, summaries)
