"""A small demo helpdesk for the review tests: its events, as a table and as rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from accord.core.engine.batch import events_to_table
from accord.core.events import Event
from accord.core.review.candidate import Setup, load_setup
from accord.core.timeutil import to_instant
from accord.demo import CONFIG_DIR, generate_events

END = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
AS_OF = to_instant(END)


@pytest.fixture(scope="session")
def demo_events() -> list[Event]:
    return list(generate_events(seed=3, end=END, days=90, tickets=500))


@pytest.fixture(scope="session")
def demo_table(demo_events: list[Event]) -> pa.Table:
    return events_to_table(demo_events)


@pytest.fixture(scope="session")
def demo_setup() -> Setup:
    return load_setup(CONFIG_DIR)
