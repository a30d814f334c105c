"""Property tests of the business calendar (hypothesis), including a brute-force oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.calendar import NEVER, BusinessCalendar
from accord.core.config.models import CalendarSpec

DAY = 86400
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]
# Santiago changes its clocks at midnight, so local midnight itself falls in a gap.
DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago"]
HOLIDAY_SOURCES: list[dict[str, Any]] = [
    {"country": "DE"},
    {"country": "US", "subdivision": "NY"},
    {"country": "AU", "subdivision": "NSW"},
]
# Days where bugs hide: DST changes of the zones above in 2024, and holidays of each source.
# With the local clock times inside the hour that is skipped or repeated on that day.
DST_DAYS = [
    (date(2024, 3, 10), "America/New_York", (7200, 9000)),
    (date(2024, 11, 3), "America/New_York", (3600, 5400)),
    (date(2024, 3, 31), "Europe/Berlin", (7200, 9000)),
    (date(2024, 10, 27), "Europe/Berlin", (7200, 9000)),
    (date(2024, 4, 7), "Australia/Sydney", (7200, 9000)),
    (date(2024, 10, 6), "Australia/Sydney", (7200, 9000)),
    (date(2024, 4, 6), "America/Santiago", (82800, 84600)),
    (date(2024, 9, 8), "America/Santiago", (0, 1800)),
]
HOLIDAY_DAYS = [
    (date(2024, 5, 1), 0),
    (date(2024, 10, 3), 0),
    (date(2024, 12, 25), 0),
    (date(2024, 7, 4), 1),
    (date(2024, 11, 28), 1),
    (date(2024, 6, 10), 2),
    (date(2024, 10, 7), 2),
]
SPREAD = 10  # dated items and instants fall within this many days of the focus day

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ strategies

# Local times at which the zones above change their clocks (Santiago: around midnight).
CHANGE_CLOCKS = [0, 1800, 3600, 5400, 7200, 9000, 10800, 82800, 84600]
clock = st.one_of(
    st.integers(0, 95).map(lambda q: q * 900),  # quarter hours
    st.sampled_from(CHANGE_CLOCKS),
    st.integers(0, DAY - 1),
)
length = st.one_of(st.integers(1, 96).map(lambda q: q * 900), st.integers(1, DAY))


@st.composite
def windows(draw: st.DrawFn, min_size: int = 0, max_size: int = 2) -> list[dict[str, int]]:
    out = []
    for _ in range(draw(st.integers(min_size, max_size))):
        o = draw(clock)
        out.append({"open": o, "close": o + draw(length)})  # may run past midnight
    return out


def week() -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(windows(), min_size=7, max_size=7).map(lambda days: {"days": days})


def spans(lo_days: int, hi_days: int) -> st.SearchStrategy[int]:
    """Seconds between ``lo_days`` and ``hi_days + 1`` days, spread over the whole range
    (a plain ``st.integers`` would favour spans of a few seconds)."""
    within_day = st.one_of(st.integers(0, 95).map(lambda q: q * 900), st.integers(0, DAY - 1))
    return st.builds(lambda d, s: d * DAY + s, st.integers(lo_days, hi_days), within_day)


offsets = spans(-SPREAD, SPREAD)


def near(focus: date) -> st.SearchStrategy[date]:
    return st.integers(-SPREAD, SPREAD).map(lambda k: focus + timedelta(days=k))


@st.composite
def closure(draw: st.DrawFn, focus: date) -> dict[str, Any]:
    f = draw(clock)
    return {"date": draw(near(focus)), "from": f, "to": min(DAY, f + draw(length))}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A random calendar and an instant near the days its dated items crowd around."""
    kind = draw(st.sampled_from(["dst", "holiday", "any"]))
    source = draw(st.sampled_from(HOLIDAY_SOURCES)) if draw(st.booleans()) else None
    tz = draw(st.sampled_from([*ZONES, "America/Santiago"]))
    changed: tuple[int, ...] = ()
    if kind == "dst":
        focus, tz, changed = draw(st.sampled_from(DST_DAYS))
    elif kind == "holiday":
        focus, k = draw(st.sampled_from(HOLIDAY_DAYS))
        source = HOLIDAY_SOURCES[k]
    else:
        focus = draw(st.dates(date(2024, 1, 1), date(2025, 1, 1)))
    # The focus day itself is drawn often, so rules on one date meet each other.
    dates = st.one_of(st.just(focus), near(focus))
    spec: dict[str, Any] = {"tz": tz}
    spec["hours"] = draw(week())
    if changed:
        # A window that opens or closes inside the changed hour of the focus day.
        at = draw(st.sampled_from(changed))
        span = draw(st.sampled_from([900, 1800, 3600, 5400, 36000, DAY]))
        if draw(st.booleans()):
            day, o, close = focus.weekday(), at, at + span
        elif at >= span:
            day, o, close = focus.weekday(), at - span, at
        else:  # closes there overnight, from the day before
            day, o, close = (focus.weekday() - 1) % 7, at + DAY - span, at + DAY
        spec["hours"]["days"][day].append({"open": o, "close": close})
    if source is not None:
        spec["holidays"] = [source]
    spec["closed_dates"] = [d.isoformat() for d in draw(st.lists(dates, max_size=4))]
    special = draw(st.lists(st.tuples(dates, windows()), max_size=3))
    if kind == "holiday" and draw(st.booleans()):
        special.append((focus, draw(windows(min_size=1, max_size=1))))  # special hours on a holiday
    spec["special_hours"] = [{"date": d.isoformat(), "hours": w} for d, w in special]
    spec["closures"] = draw(st.lists(closure(focus), max_size=4))
    versions = []
    for d in draw(st.lists(dates, max_size=2, unique=True)):
        v: dict[str, Any] = {"effective_from": d.isoformat()}
        if draw(st.booleans()):
            v["hours"] = draw(week())
        if draw(st.booleans()):
            v["holidays"] = draw(st.sampled_from([[], *([s] for s in HOLIDAY_SOURCES)]))
        versions.append(v)
    spec["versions"] = versions
    midnight = int(datetime(focus.year, focus.month, focus.day, tzinfo=UTC).timestamp())
    # Mostly shortly before the focus day, so forward spans cross it.
    return spec, midnight + draw(st.one_of(spans(-1, 0), offsets))


targets = st.one_of(
    st.integers(0, 3 * 7 * DAY), st.integers(0, 200).map(lambda h: h * 3600), spans(0, 20)
)


def build(spec: dict[str, Any]) -> BusinessCalendar:
    return BusinessCalendar.from_dict("prop", spec)


# ------------------------------------------------------------------ the oracle


@cache
def holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)  # fills years on lookup


def oracle_elapsed(raw: dict[str, Any], a: int, b: int) -> int:
    """Business seconds in [a, b), built day by day from the rules, without the compiled arrays."""
    if b < a:
        return -oracle_elapsed(raw, b, a)
    spec = CalendarSpec.model_validate(raw)
    tz = ZoneInfo(spec.tz)
    closed = {c.date for c in spec.closed_dates}

    def utc(d: date, seconds: int) -> int:
        # Aware arithmetic on the local midnight keeps wall time, with fold=0.
        local = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(seconds=seconds)
        return int(local.timestamp())

    intervals: list[tuple[int, int]] = []
    d = datetime.fromtimestamp(a, tz).date() - timedelta(days=2)
    last = datetime.fromtimestamp(b, tz).date() + timedelta(days=1)
    while d <= last:
        hours, sources = spec.hours, spec.holidays
        for v in spec.versions:
            if v.effective_from <= d:
                hours = v.hours if v.hours is not None else hours
                sources = v.holidays if v.holidays is not None else sources
        special = [sh for sh in spec.special_hours if sh.date == d]
        if d in closed:
            pieces: list[tuple[int, int]] = []
        elif special:
            pieces = [(w.open, w.close) for sh in special for w in sh.hours]
        elif any(d in holiday_table(s.country, s.subdivision) for s in sources):
            pieces = []
        else:
            pieces = [(w.open, w.close) for w in hours.days[d.weekday()]]
        for cl in spec.closures:
            if cl.date != d:
                continue
            cut: list[tuple[int, int]] = []
            for o, c in pieces:
                cut += [(o, min(c, cl.from_)), (max(o, cl.to), c)]
            pieces = [(o, c) for o, c in cut if o < c]
        intervals += [(utc(d, o), utc(d, c)) for o, c in pieces]
        d += timedelta(days=1)

    # Measure of the union of the intervals clipped to [a, b).
    total, reach = 0, a
    for s, e in sorted((max(s, a), min(e, b)) for s, e in intervals):
        s = max(s, reach)
        if e > s:
            total += e - s
            reach = e
    return total


# ------------------------------------------------------------------ properties

Case = tuple[dict[str, Any], int]


@PROPS
@given(case=cases(), d=targets)
def test_due_reaches_exactly_the_target_and_is_the_earliest_such_instant(
    case: Case, d: int
) -> None:
    spec, a = case
    cal = build(spec)
    t = cal.due(a, d)
    if t is None:
        # Only a calendar whose last weekly template is empty can run out of open time.
        parsed = CalendarSpec.model_validate(spec)
        hours = next((v.hours for v in reversed(parsed.versions) if v.hours), parsed.hours)
        assert not any(hours.days)
        assert cal.elapsed(a, a + 3 * 365 * DAY) < d
        return
    assert t >= a
    assert cal.elapsed(a, t) == d
    if d > 0:
        # Earliest: one second earlier less had passed. (The second before a due instant is
        # always open time, so exactly one second less.)
        assert cal.elapsed(a, t - 1) < d
        assert cal.elapsed(a, t - 1) == d - 1


@PROPS
@given(case=cases(), b=offsets, c=offsets)
def test_elapsed_is_additive(case: Case, b: int, c: int) -> None:
    spec, a = case
    cal = build(spec)
    b, c = a + b, a + c
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert cal.elapsed(b, a) == -cal.elapsed(a, b)


@PROPS
@given(case=cases(), x=spans(0, 30), y=spans(0, 30))
def test_elapsed_is_monotonic_in_end_and_bounded_by_real_time(case: Case, x: int, y: int) -> None:
    spec, a = case
    cal = build(spec)
    near, far = a + min(x, y), a + max(x, y)
    assert 0 <= cal.elapsed(a, near) <= cal.elapsed(a, far) <= far - a


@settings(PROPS, max_examples=300)
@given(case=cases(), span=spans(-3, 12))
def test_elapsed_agrees_with_a_brute_force_oracle(case: Case, span: int) -> None:
    spec, a = case
    assert build(spec).elapsed(a, a + span) == oracle_elapsed(spec, a, a + span)


@PROPS
@given(case=cases(), span=spans(0, 10))
def test_open_intervals_and_is_open_agree_with_elapsed(case: Case, span: int) -> None:
    spec, a = case
    cal = build(spec)
    got = cal.open_intervals(a, a + span)
    assert sum(e - s for s, e in got) == cal.elapsed(a, a + span)
    assert all(s < e for s, e in got)
    assert all(e1 < s2 for (_, e1), (s2, _) in pairwise(got))
    for s, e in got:
        assert cal.is_open(s) and cal.is_open(e - 1)
    assert cal.is_open(a) == (cal.elapsed(a, a + 1) == 1)


@PROPS
@given(case=cases())
def test_next_open_is_the_first_open_instant(case: Case) -> None:
    spec, a = case
    cal = build(spec)
    t = cal.next_open(a)
    if t is None:
        assert cal.due(a, 1) is None
        return
    assert t >= a
    assert cal.is_open(t)
    assert cal.elapsed(a, t) == 0
    assert cal.due(a, 1) == t + 1


@settings(max_examples=200, deadline=None)
@given(
    tz=st.sampled_from(DST_ZONES),
    a=st.integers(946684800, 2524608000),  # 2000 to 2050
    span=spans(-400, 400),
)
def test_24x7_calendar_counts_real_seconds_across_dst(tz: str, a: int, span: int) -> None:
    cal = build({"tz": tz, "hours": {"daily": [["00:00", "24:00"]]}})
    assert cal.elapsed(a, a + span) == span
    if span >= 0:
        assert cal.due(a, span) == a + span
        assert cal.open_intervals(a, a + span) == ([(a, a + span)] if span else [])


@PROPS
@given(
    case=cases(),
    rows=st.lists(st.tuples(offsets, spans(-5, 40), targets), max_size=30),
)
def test_array_forms_equal_the_scalar_forms(case: Case, rows: list[tuple[int, int, int]]) -> None:
    spec, a = case
    cal = build(spec)
    starts = a + np.array([r[0] for r in rows], dtype=np.int64)
    ends = starts + np.array([r[1] for r in rows], dtype=np.int64)
    seconds = np.array([r[2] for r in rows], dtype=np.int64)
    assert cal.elapsed_many(starts, ends).tolist() == [
        cal.elapsed(x, y) for x, y in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    scalar = [cal.due(x, s) for x, s in zip(starts.tolist(), seconds.tolist(), strict=True)]
    assert cal.due_many(starts, seconds).tolist() == [NEVER if t is None else t for t in scalar]
