"""The API's bounded parameters read exactly what their schemas admit: instants and periods in
the years 1901 to 2199, page cursors of each grammar (every text of the grammar is a position),
and empty query parameters read as absent."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.io.store import ClockCursor
from accord.io.store.base import NO_DUE
from accord.service import cursors, kpi_params, params
from accord.service.protocol import without_empty_parameters


def test_the_year_pattern_admits_exactly_the_documented_years() -> None:
    year = re.compile(params.YEAR_PATTERN)
    admitted = [y for y in range(10_000) if year.fullmatch(f"{y:04d}")]
    assert admitted == list(range(params.FIRST_YEAR, params.LAST_YEAR + 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:15:00Z", datetime(2026, 3, 2, 9, 15, tzinfo=UTC)),
        ("2026-03-02t10:15:00.999+01:00", datetime(2026, 3, 2, 9, 15, tzinfo=UTC)),
        ("1901-01-01T00:00:00+23:59", datetime(1900, 12, 31, 0, 1, tzinfo=UTC)),
        ("2199-12-31T23:59:59-23:59", datetime(2200, 1, 1, 23, 58, 59, tzinfo=UTC)),
    ],
)
def test_an_instant_parameter_reads_rfc_3339_in_whole_seconds(
    text: str, expected: datetime
) -> None:
    assert params.instant(text, "as_of") == int(expected.timestamp())


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59Z",
        "1900-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "2026-03-02T09:15:00",  # no offset
        "2026-03-02T09:15Z",  # no seconds
        "2026-02-30T00:00:00Z",  # no such day
        "2026-03-02T23:59:60Z",  # a leap second: clocks do not have them
        "2026-03-02T09:15:00Z\n",
        "2026-03-02 09:15:00Z",
        "٢٠٢٦-03-02T09:15:00Z",  # digits, but not ASCII ones
        "yesterday",
    ],
)
def test_an_instant_parameter_outside_the_grammar_or_the_years_is_400(text: str) -> None:
    with pytest.raises(InputError) as caught:
        params.instant(text, "as_of")
    assert caught.value.details == [{"parameter": "as_of"}]


def test_effective_from_is_an_instant_or_a_date_in_the_same_years() -> None:
    assert params.instant_or_date("2026-06-01", "effective_from") == int(
        datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    )
    for bad in ("9999-12-31", "2026-02-30", "2026-6-1"):
        with pytest.raises(InputError):
            params.instant_or_date(bad, "effective_from")


@pytest.mark.parametrize("good", ["2026-10", "2026-Q4", "current", "previous"])
def test_a_period_is_a_month_a_quarter_current_or_previous(good: str) -> None:
    assert params.period(good) == good
    for bad in (good + " ", good.upper() if good.islower() else "2026-Q5", "9999-01"):
        with pytest.raises(InputError):
            params.period(bad)


@given(st.from_regex(cursors.TICKET_PATTERN, fullmatch=True))
def test_every_ticket_cursor_of_the_grammar_is_a_position(cursor: str) -> None:
    assert "\x00" not in cursors.read_ticket_cursor(cursor)


@given(st.from_regex(cursors.QUEUE_PATTERN, fullmatch=True))
def test_every_queue_cursor_of_the_grammar_is_a_position(cursor: str) -> None:
    got = cursors.read_queue_cursor(cursor)
    assert -NO_DUE <= got.due_sort <= NO_DUE and 0 <= got.cycle < 2**31


@given(st.from_regex(cursors.ALERT_PATTERN, fullmatch=True))
def test_every_alert_cursor_of_the_grammar_is_a_position(cursor: str) -> None:
    assert 0 < cursors.read_alert_cursor(cursor) < 2**62


@given(
    st.text(min_size=1).filter(lambda t: "\x00" not in t),
    st.text().filter(lambda t: "\x00" not in t),
    st.integers(-(10**12), 10**12) | st.just(NO_DUE),
    st.integers(0, 10**6),
)
def test_cursors_come_back_as_the_positions_they_were_made_from(
    ticket: str, metric: str, due: int, cycle: int
) -> None:
    assert cursors.read_ticket_cursor(cursors.ticket_cursor(ticket)) == ticket
    position = ClockCursor(due, ticket, metric, cycle)
    assert cursors.read_queue_cursor(cursors.queue_cursor(position)) == position
    assert cursors.read_alert_cursor(cursors.alert_cursor(cycle + 1)) == cycle + 1


@pytest.mark.parametrize(
    ("read", "bad"),
    [
        *((cursors.read_ticket_cursor, b) for b in ("0", "zz", "ABCD", "7431=", "74 31")),
        *((cursors.read_queue_cursor, b) for b in ("p.1.74", "0.0.7.", "x.0..", "1.1234567890..")),
        *((cursors.read_alert_cursor, b) for b in ("0", "01", "-1", "1" * 19, "1e3")),
    ],
)
def test_a_cursor_outside_its_grammar_is_400(read: Callable[[str], object], bad: str) -> None:
    with pytest.raises(InputError) as caught:
        read(bad)
    assert caught.value.details == [{"parameter": "cursor"}]


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        (b"a=&b=1&c", b"b=1"),
        (b"cursor=&as_of=2026", b"as_of=2026"),
        (b"kpi=&kpi=x&&", b"kpi=x"),
        (b"x=%20", b"x=%20"),  # a space is a value
    ],
)
def test_empty_query_parameters_are_dropped(query: bytes, kept: bytes) -> None:
    assert without_empty_parameters(query) == kept


def test_the_grain_pattern_admits_exactly_the_calendar_grains_and_1_to_366_days() -> None:
    grain = re.compile(kpi_params.GRAIN_SCHEMA["pattern"])
    days = [n for n in range(1000) if grain.fullmatch(f"{n}d")]
    assert days == list(range(1, kpi_params.MAX_ROLLING_DAYS + 1))
    assert [
        g for g in ("day", "week", "month", "quarter", "year", "DAY") if grain.fullmatch(g)
    ] == [
        "day",
        "week",
        "month",
        "quarter",
    ]
