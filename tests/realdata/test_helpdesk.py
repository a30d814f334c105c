"""The Helpdesk log (an Italian software company), a process-mining CSV: import without loss,
and resolution figures that agree with the raw rows."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

import pytest

from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.records import MetricRecord, State
from accord.core.timeutil import parse_as_of
from accord.io.importers import ImportRun, open_import
from tests.realdata._data import CONFIGS, HELPDESK, ROME, gz_rows, needs_data

pytestmark = needs_data

AS_OF = parse_as_of("2014-02-01T00:00:00Z")  # after the log's last row
SOLVING = {"Resolve ticket", "RESOLVED", "Closed", "VERIFIED", "INVALID", "DUPLICATE"}
REOPENING = {
    "Insert ticket", "Assign seriousness", "Take in charge ticket", "Wait", "Require upgrade",
    "Create SW anomaly", "Resolve SW anomaly", "Schedule intervention",
}  # fmt: skip


def _ts(text: str) -> int:
    # the "+00:00" suffix is an export artefact: the times are Rome wall-clock time
    return int(datetime.fromisoformat(text[:19]).replace(tzinfo=ROME).timestamp())


@dataclass(frozen=True)
class Case:
    created: int
    unsolved: tuple[tuple[int, int], ...]
    last_solve: int | None
    waits: bool


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    return list(gz_rows(HELPDESK))


@pytest.fixture(scope="module")
def cases(raw: list[dict[str, str]]) -> dict[str, Case]:
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in raw:
        rows[r["case:concept:name"]].append(r)
    out: dict[str, Case] = {}
    for case, rs in rows.items():
        created = _ts(rs[0]["time:timestamp"])
        spans: list[tuple[int, int]] = []
        start, solved, last = created, False, None
        for r in rs:
            t, activity = _ts(r["time:timestamp"]), r["concept:name"]
            if activity in SOLVING and not solved:
                spans.append((start, t))
                solved, last = True, t
            elif activity in REOPENING and solved:
                solved, start = False, t
        if not solved:  # still open at the end: the clock has not stopped
            spans.append((start, AS_OF))
            last = None
        out[case] = Case(created, tuple(spans), last, any(r["concept:name"] == "Wait" for r in rs))
    return out


@pytest.fixture(scope="module")
def imported() -> tuple[list[Event], ImportRun]:
    run = open_import(HELPDESK, "process-mining", mapping="helpdesk-italian")
    return list(run.events()), run


def _resolution(events: list[Event], config: str) -> dict[str, MetricRecord]:
    records = compute(events, load_config(CONFIGS / "helpdesk" / config), AS_OF)
    return {r.ticket_id: r for r in records if r.metric == "resolution"}


def test_every_row_and_ticket_is_accounted_for(
    raw: list[dict[str, str]], cases: dict[str, Case], imported: tuple[list[Event], ImportRun]
) -> None:
    events, run = imported
    s = run.stats
    assert (len(raw), len(cases)) == (21_348, 4_580)
    adjacent_repeats = sum(a == b for a, b in pairwise(raw))
    assert (s.rows, s.tickets, s.quarantined) == (21_348, 4_580, 0)
    assert s.duplicates == adjacent_repeats == 127
    assert s.rows == s.rows_with_events + s.duplicates and s.events == len(events) == 21_221


def test_each_ticket_starts_at_its_first_activity_in_rome_time(
    cases: dict[str, Case], imported: tuple[list[Event], ImportRun]
) -> None:
    events, _ = imported
    created = {e.ticket_id: e.ts for e in events if e.kind.value == "created"}
    assert created == {n: c.created for n, c in cases.items()}
    waits = {e.ticket_id for e in events if e.fields.get("status") == "pending"}
    assert waits == {n for n, c in cases.items() if c.waits} and len(waits) == 1_236


def test_wall_clock_resolution_equals_the_raw_rows(
    cases: dict[str, Case], imported: tuple[list[Event], ImportRun]
) -> None:
    wall = _resolution(imported[0], "24x7")
    assert set(wall) == set(cases)
    for case, c in cases.items():
        r = wall[case]
        assert (r.start, r.stop) == (c.created, c.last_solve), case
        assert r.business_elapsed == sum(b - a for a, b in c.unsolved), case


def test_documented_sla_figures(imported: tuple[list[Event], ImportRun]) -> None:
    res = _resolution(imported[0], "sla")
    states = Counter(r.state for r in res.values())
    met = states[State.MET] / len(res)
    median = statistics.median(r.business_elapsed for r in res.values()) / 3600
    solved = sum(r.stop is not None for r in res.values()) / len(res)
    assert (f"{met:.2%}", f"{median:.1f}", f"{solved:.2%}") == ("61.68%", "25.8", "99.74%")
