"""Where a batch run's time goes: the engine marks the end of each piece of work with the
name of its stage, and a caller that wants the breakdown listens (bench/bench_end_to_end.py).

The stages, in the order a run meets them: ``reading`` (the file decoded into columns),
``validation`` (the columns checked, the events table built, duplicates found), ``regrouping``
(the tickets cut into partitions and each column regrouped by ticket), ``layout`` (a
partition's timeline: events ordered within each ticket, fields and statuses carried
forward, the policy in force), ``calendar`` (the business seconds of every stretch between
two events), ``kernel`` (every metric's cycles run and judged) and ``assembly`` (the records
table built). A mark charges the time since the previous mark to its stage.

The engine never reads a clock itself (the core is pure): the listener does. With no
listener a mark costs one global look-up, a handful of times per partition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

STAGES = ("reading", "validation", "regrouping", "layout", "calendar", "kernel", "assembly")

Listener = Callable[[str], None]

_listener: Listener | None = None


def mark(stage: str) -> None:
    """The work since the previous mark belongs to ``stage`` (one of :data:`STAGES`)."""
    if _listener is not None:
        _listener(stage)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """``listener`` hears every mark of this process while the block runs (the workers of
    ``jobs`` > 1 are not heard)."""
    global _listener
    before, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = before
