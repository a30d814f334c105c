"""Every metric is one generic clock (DESIGN §3): a start trigger, a stop trigger, a cancel
trigger, a pause rule and a cycle rule. The built-in metrics are presets of it; custom metrics
(``metrics:`` in the configuration) are the same thing written in YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from accord.core.config.models import EventCondition, MetricSpec
from accord.core.events import Actor, Kind, StatusCategory

PauseRule = Literal["policy", "none", "fixed", "counting"]

_SOLVED = (StatusCategory.SOLVED, StatusCategory.CLOSED)
_CREATED = EventCondition(kind=(Kind.CREATED,))
_AGENT_PUBLIC = EventCondition(kind=(Kind.MESSAGE,), actor=(Actor.AGENT,), public=True)
_CUSTOMER_PUBLIC = EventCondition(kind=(Kind.MESSAGE,), actor=(Actor.CUSTOMER,), public=True)
_SOLVES = EventCondition(status=_SOLVED)


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """How one metric's clock starts, stops, pauses and repeats.

    - ``start`` opens a cycle; while a cycle is open further starts are ignored, so a cycle
      runs from the oldest unanswered start.
    - ``stop`` closes the open cycle, which is then judged met or breached.
    - ``cancel`` closes it without judging it (unless it was already past its target).
    - ``armed_by``: starts count only once this has happened (``next_reply`` begins after the
      first public agent message; earlier customer messages belong to ``first_response``).
    - ``repeat``: a new cycle may open after one ends; otherwise one cycle per ticket.
    - ``restart_on_stop``: the stop event opens the next cycle at once (periodic updates).
    - ``reopenable``: the policy's reopen rule applies (continue the stopped cycle, or open a
      new one) when the ticket leaves solved / closed.
    - ``while_unsolved``: no cycle opens while the ticket is solved or closed.
    - ``pause``: ``policy`` (the policy's pause set for this metric), ``none``, ``fixed``
      (``statuses`` is the pause set) or ``counting`` (``statuses`` are the only statuses in
      which the clock runs).
    """

    name: str
    start: EventCondition
    stop: EventCondition
    cancel: EventCondition | None = None
    armed_by: EventCondition | None = None
    repeat: bool = False
    restart_on_stop: bool = False
    reopenable: bool = False
    while_unsolved: bool = False
    pause: PauseRule = "policy"
    statuses: frozenset[StatusCategory] = frozenset()
    # whether the start event also stops (compared once: the engine asks at every start, and
    # comparing two conditions is a pydantic model comparison)
    stop_differs: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stop_differs", self.stop != self.start)


BUILTIN_CLOCKS: Mapping[str, ClockSpec] = {
    c.name: c
    for c in (
        ClockSpec("first_response", start=_CREATED, stop=_AGENT_PUBLIC, cancel=_SOLVES),
        ClockSpec(
            "next_reply",
            start=_CUSTOMER_PUBLIC,
            stop=_AGENT_PUBLIC,
            cancel=_SOLVES,
            armed_by=_AGENT_PUBLIC,
            repeat=True,
        ),
        ClockSpec(
            "periodic_update",
            start=_AGENT_PUBLIC,
            stop=_AGENT_PUBLIC,
            cancel=_SOLVES,
            repeat=True,
            restart_on_stop=True,
            while_unsolved=True,
            pause="none",
        ),
        ClockSpec(
            "pausable_update",
            start=_AGENT_PUBLIC,
            stop=_AGENT_PUBLIC,
            cancel=_SOLVES,
            repeat=True,
            restart_on_stop=True,
            while_unsolved=True,
        ),
        ClockSpec("resolution", start=_CREATED, stop=_SOLVES, reopenable=True),
        ClockSpec("total_resolution", start=_CREATED, stop=_SOLVES, reopenable=True, pause="none"),
        ClockSpec(
            "requester_wait",
            start=_CREATED,
            stop=_SOLVES,
            reopenable=True,
            pause="counting",
            statuses=frozenset({StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.ON_HOLD}),
        ),
        ClockSpec(
            "agent_work",
            start=_CREATED,
            stop=_SOLVES,
            reopenable=True,
            pause="counting",
            statuses=frozenset({StatusCategory.NEW, StatusCategory.OPEN}),
        ),
        ClockSpec(
            "time_to_own",
            start=_CREATED,
            stop=EventCondition(field="assignee"),
            cancel=_SOLVES,
        ),
    )
}


def clock_from_spec(name: str, spec: MetricSpec) -> ClockSpec:
    """The clock of a custom metric."""
    pause: PauseRule
    statuses: frozenset[StatusCategory] = frozenset()
    if spec.counting is not None:
        pause, statuses = "counting", frozenset(spec.counting)
    elif spec.pause == "policy":
        pause = "policy"
    elif spec.pause == "none":
        pause = "none"
    else:
        pause, statuses = "fixed", frozenset(spec.pause)
    return ClockSpec(
        name=name,
        start=spec.start,
        stop=spec.stop,
        cancel=spec.cancel,
        armed_by=spec.armed_by,
        repeat=spec.repeat,
        restart_on_stop=spec.restart_on_stop,
        reopenable=spec.resume_on_reopen,
        while_unsolved=spec.while_unsolved,
        pause=pause,
        statuses=statuses,
    )


def clock_for(name: str, custom: Mapping[str, MetricSpec]) -> ClockSpec | None:
    if name in custom:
        return clock_from_spec(name, custom[name])
    return BUILTIN_CLOCKS.get(name)
