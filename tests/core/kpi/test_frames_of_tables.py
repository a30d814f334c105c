"""The events frame built from an events table equals the one built from the same events."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal

from accord.core.engine.batch import events_to_table
from accord.core.events import Event, Kind
from accord.core.kpi.frames import events_frame, events_frame_of_table
from accord.demo.generate import generate_events
from tests.core.engine.batch_strategies import event_logs

BASE = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())
CUSTOM = ["region", "tier", "product", "never_set"]


def _same(events: list[Event]) -> None:
    table = events_to_table(events)
    assert_frame_equal(events_frame_of_table(table, CUSTOM), events_frame(events, CUSTOM))


def test_the_demo_log_gives_the_same_events_frame() -> None:
    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    _same(list(generate_events(seed=3, end=end, tickets=80)))


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(log=event_logs(BASE))
def test_any_log_gives_the_same_events_frame(log: tuple[list[Event], int]) -> None:
    events, _ = log
    _same(events)


def test_a_field_of_true_false_values_stays_true_false_and_mixed_values_become_text() -> None:
    mk = lambda i, fields: Event(  # noqa: E731
        event_id=f"e{i}", ticket_id="T", ts=BASE + i, kind=Kind.UPDATED, fields=fields, seq=i
    )
    events = [mk(0, {"tier": True}), mk(1, {"tier": False}), mk(2, {"region": 1}),
              mk(3, {"region": 1.0}), mk(4, {"region": True}), mk(5, {"region": None})]  # fmt: skip
    frame = events_frame_of_table(events_to_table(events), CUSTOM)
    assert frame.get_column("f:tier").to_list() == [True, False, None, None, None, None]
    assert frame.get_column("f:region").to_list() == [None, None, "1", "1.0", "True", None]
    assert frame.get_column("s:region").to_list() == [False, False, True, True, True, True]
    _same(events)
