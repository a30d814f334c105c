"""The batch engine over prepared timelines (:mod:`accord.core.engine.batch.prepared`): at
any instant from the latest event on, and after tickets left and came back changed, the
records ``compute_batch`` gives over the same events."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch, events_to_table
from accord.core.engine.batch.kernel import Options
from accord.core.engine.batch.prepared import compute, prepare
from accord.core.events import Event
from accord.demo.generate import generate_events
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.core.engine.test_batch_equals_reference import EXAMPLES
from tests.core.engine.test_batch_parallel import DEMO_CONFIG, END


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], bool]:
    agreements = draw(st.booleans())
    config, base = draw(configurations(with_agreements=agreements))
    events, _ = draw(event_logs(base))
    return config, events, agreements


def _by_ticket(table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    """The records of each ticket, in their order (partitions may come in another order)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in table.to_pylist():
        out[row["ticket_id"]].append(row)
    return dict(out)


@settings(
    max_examples=max(EXAMPLES // 2, 20),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    case=cases(),
    chunk=st.sampled_from([3, 10, 10**6]),
    later=st.lists(st.integers(0, 9 * 86400), min_size=1, max_size=3),
)
def test_prepared_timelines_give_the_records_of_compute_batch(
    case: tuple[Configuration, list[Event], bool], chunk: int, later: list[int]
) -> None:
    config, events, agreements = case
    table = events_to_table(events)
    prepared = prepare(table, config, chunk, options=Options(agreements))
    last = max(e.ts for e in events)
    assert prepared.since == last
    for delta in later:  # several instants from one preparation: none changes it
        got = compute(prepared, last + delta)
        want = compute_batch(table, config, last + delta, chunk_events=chunk,
                             agreements=agreements)  # fmt: skip
        # the same partitions in the same order: the very rows of compute_batch
        assert got.to_pylist() == want.to_pylist()


@settings(
    max_examples=max(EXAMPLES // 2, 20),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), chunk=st.sampled_from([3, 10**6]), data=st.data())
def test_tickets_left_out_and_added_back_changed(
    case: tuple[Configuration, list[Event], bool], chunk: int, data: st.DataObject
) -> None:
    config, events, agreements = case
    prepared = prepare(events_to_table(events), config, chunk, options=Options(agreements))
    tickets = sorted({e.ticket_id for e in events})
    gone = data.draw(st.lists(st.sampled_from(tickets), unique=True))
    kept = [e for e in events if e.ticket_id not in gone]
    # some of the tickets left come back, with their events but the last (a ticket changed)
    back = data.draw(st.lists(st.sampled_from(gone), unique=True)) if gone else []
    again = [
        e
        for t in back
        for e in sorted((e for e in events if e.ticket_id == t), key=lambda e: e.seq)[:-1]
    ]
    now = prepared.without(gone)
    assert now.count == len(tickets) - len(gone)
    if again:
        now = now.plus(events_to_table(again))
    left = kept + again
    as_of = max(e.ts for e in events) + data.draw(st.integers(0, 86400))
    got = compute(now, as_of)
    want = (
        compute_batch(events_to_table(left), config, as_of, agreements=agreements)
        if left
        else got.schema.empty_table()
    )
    assert _by_ticket(got) == _by_ticket(want)


def test_an_instant_before_the_latest_event_is_refused() -> None:
    config = load_config(DEMO_CONFIG)
    table = events_to_table(list(generate_events(seed=3, end=END, tickets=20)))
    prepared = prepare(table, config)
    assert compute(prepared, prepared.since).num_rows > 0
    with pytest.raises(ValueError, match="prepared events reach"):
        compute(prepared, prepared.since - 1)
