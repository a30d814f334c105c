"""Builders for the capacity tests: a Berlin office calendar, a 24×7 one, and records of
tickets created at given instants (computed by the reference engine)."""

from __future__ import annotations

from typing import Any

import polars as pl

from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.events import Actor, Event, Kind
from accord.core.kpi.frames import records_frame
from accord.core.timeutil import parse_as_of

HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY
# Monday 2026-03-02 00:00 in Berlin (UTC+1 until the DST change of 2026-03-29)
MONDAY = parse_as_of("2026-03-01T23:00:00Z")


def config(first_response: Any = {"high": "1h", "default": "4h"}) -> Configuration:  # noqa: B006
    return build_config(
        {
            "calendars": {
                "berlin": {"tz": "Europe/Berlin", "hours": {"mon-fri": [["09:00", "17:00"]]}},
                "always": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}},
            },
            "policies": [
                {"name": "Night", "calendar": "always", "when": {"team": "night"},
                 "metrics": {"first_response": "30m", "agent_work": None}},
                {"name": "Day", "calendar": "berlin",
                 "metrics": {"first_response": first_response, "agent_work": None}},
            ],
        }
    )  # fmt: skip


class Log:
    """Tickets, each created at an instant and optionally solved some seconds later."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def ticket(self, at: int, *, solved_after: int | None = None, **fields: Any) -> Log:
        tid = f"T{len(self.events)}"
        seq = len(self.events)
        self.events.append(Event(f"{tid}-c", tid, at, Kind.CREATED, Actor.CUSTOMER,
                                 fields={"status": "new", **fields}, seq=seq))  # fmt: skip
        if solved_after is not None:
            done = {"status": "solved"}
            solved = Event(f"{tid}-s", tid, at + solved_after, Kind.UPDATED, Actor.AGENT,
                           fields=done, seq=seq + 1)  # fmt: skip
            self.events.append(solved)
        return self

    def many(self, at: int, n: int, **fields: Any) -> Log:
        for _ in range(n):
            self.ticket(at, **fields)
        return self

    def records(self, cfg: Configuration, as_of: int) -> pl.DataFrame:
        return records_frame(compute(self.events, cfg, as_of))
