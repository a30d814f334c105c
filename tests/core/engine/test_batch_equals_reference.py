"""The batch engine equals the reference engine, record for record (DESIGN §4)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.engine.batch import compute_partition, events_to_table, records_from_table
from accord.core.events import Event
from tests.core.engine.batch_strategies import configurations, event_logs

EXAMPLES = int(os.environ.get("ACCORD_BATCH_EXAMPLES", "200"))


def batch(events: list[Event], config: Configuration, as_of: int) -> list:  # type: ignore[type-arg]
    return records_from_table(compute_partition(events_to_table(events), config, as_of))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], int]:
    config, base = draw(configurations())
    events, as_of = draw(event_logs(base))
    return config, events, as_of


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_batch_records_equal_reference_records(
    case: tuple[Configuration, list[Event], int],
) -> None:
    config, events, as_of = case
    expected = compute(events, config, as_of)
    got = batch(events, config, as_of)
    assert got == expected
