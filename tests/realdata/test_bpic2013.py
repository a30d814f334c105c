"""BPI Challenge 2013 incidents (Volvo IT Belgium): CSV and XES import without loss, and
resolution figures that agree with the raw rows."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.records import MetricRecord, State
from accord.core.timeutil import parse_as_of
from accord.io.importers import ImportRun, open_import
from tests.io.importers.xes import csv_to_xes
from tests.realdata._data import BPIC, CONFIGS, gz_rows, needs_data

pytestmark = needs_data

AS_OF = parse_as_of("2012-06-01T00:00:00Z")  # after the log's last row
UNMAPPED = "Unmatched"  # a status the log uses on 5 rows without meaning: quarantined


@dataclass(frozen=True)
class Case:
    created: int
    unsolved: tuple[tuple[int, int], ...]
    last_solve: int | None
    reopens: int
    waits: bool
    last_status: str


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


@pytest.fixture(scope="module")
def raw() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in gz_rows(BPIC):
        out[row["SR Number"]].append(row)
    return dict(out)


@pytest.fixture(scope="module")
def cases(raw: dict[str, list[dict[str, str]]]) -> dict[str, Case]:
    out: dict[str, Case] = {}
    for number, rows in raw.items():
        good = [r for r in rows if r["Status"] != UNMAPPED]
        created = _ts(good[0]["Change Date+Time"])
        spans: list[tuple[int, int]] = []
        start, solved, reopens, last = created, False, 0, None
        for r in good:
            t = _ts(r["Change Date+Time"])
            done = r["Status"] == "Completed"  # resolved, in call, closed, cancelled
            if done and not solved:
                spans.append((start, t))
                solved, last = True, t
            elif not done and solved:
                solved, start, reopens = False, t, reopens + 1
        if not solved:  # still open at the end: the clock has not stopped
            spans.append((start, AS_OF))
            last = None
        waits = any(r["Sub Status"].startswith("Wait") for r in good)
        out[number] = Case(created, tuple(spans), last, reopens, waits, good[-1]["Status"])
    return out


@pytest.fixture(scope="module")
def imported() -> tuple[list[Event], ImportRun]:
    run = open_import(BPIC, "bpic2013")
    return list(run.events()), run


def _resolution(events: list[Event], config: str) -> dict[str, MetricRecord]:
    records = compute(events, load_config(CONFIGS / "bpic2013" / config), AS_OF)
    return {r.ticket_id: r for r in records if r.metric == "resolution"}


def test_every_row_and_case_is_accounted_for(
    raw: dict[str, list[dict[str, str]]], imported: tuple[list[Event], ImportRun]
) -> None:
    events, run = imported
    s = run.stats
    assert (sum(len(v) for v in raw.values()), len(raw)) == (65_533, 7_554)
    assert (s.rows, s.tickets, s.duplicates) == (65_533, 7_554, 0)
    assert s.rows == s.rows_with_events + s.unchanged + s.quarantined
    assert s.quarantined == sum(r["Status"] == UNMAPPED for v in raw.values() for r in v) == 5
    assert (s.rows_with_events, s.unchanged, s.events) == (57_638, 7_890, 57_638)  # documented
    assert len(events) == s.events


def test_each_case_starts_at_its_first_row_and_waits_are_pauses(
    cases: dict[str, Case], imported: tuple[list[Event], ImportRun]
) -> None:
    events, _ = imported
    created = {e.ticket_id: e.ts for e in events if e.kind.value == "created"}
    assert created == {n: c.created for n, c in cases.items()}
    paused = {e.ticket_id for e in events if e.fields.get("status") in ("pending", "on_hold")}
    assert paused == {n for n, c in cases.items() if c.waits}


def test_wall_clock_resolution_equals_the_raw_rows(
    cases: dict[str, Case], imported: tuple[list[Event], ImportRun]
) -> None:
    wall = _resolution(imported[0], "24x7")
    assert set(wall) == set(cases)
    for number, c in cases.items():
        r = wall[number]
        assert (r.start, r.stop) == (c.created, c.last_solve), number
        assert r.business_elapsed == sum(b - a for a, b in c.unsolved), number
        assert sum(s.what == "resume" for s in r.explanation) == c.reopens, number
    still_open = [n for n, c in cases.items() if c.last_status != "Completed"]
    assert len(still_open) == 8  # the README's 8 cases ending in an Accepted state
    assert {n for n, r in wall.items() if r.stop is None} == set(still_open)


def test_documented_sla_figures(imported: tuple[list[Event], ImportRun]) -> None:
    res = _resolution(imported[0], "sla")
    states = Counter(r.state for r in res.values())
    met = states[State.MET] / len(res)
    median = statistics.median(r.business_elapsed for r in res.values()) / 3600
    solved = sum(r.stop is not None for r in res.values()) / len(res)
    assert (f"{met:.2%}", f"{median:.1f}", f"{solved:.2%}") == ("87.98%", "0.7", "99.89%")


def test_xes_of_the_whole_log_imports_like_the_csv(
    tmp_path: Path, imported: tuple[list[Event], ImportRun]
) -> None:
    # only the CSV is published here: the XES is written from it (tests/io/importers/xes.py)
    xes = tmp_path / "VINST.xes.gz"
    assert csv_to_xes(BPIC, xes) == 65_533
    run = open_import(xes, "bpic2013-xes")
    from_xes = list(run.events())
    s = run.stats
    assert (s.rows, s.tickets, s.quarantined) == (65_533, 7_554, 5)

    # the two default mappings map the same published attributes to the same fields: the
    # same events, teams, owners and custom fields included
    assert from_xes == imported[0]
