"""Which period a clock counts in: the contract's zone decides where a month starts and ends
(across DST changes), and the counting rule decides which instant of the clock is placed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from accord.core.contracts.assignment import resolve_period
from accord.core.contracts.models import ContractSpec
from accord.core.records import MetricRecord
from accord.errors import InputError
from tests.core.contracts.helpers import HOUR, clock, contract, statement, t, tickets

LA = "America/Los_Angeles"
OBJ = {"fr": {"metric": "first_response", "met_share": "95%"}}


def _counted(spec: ContractSpec, records: Sequence[MetricRecord], as_of: str, period: str) -> int:
    s = statement(spec, records, as_of, period)
    return s.objectives[0].outcome.counted


def test_a_clock_completing_at_23_30_local_on_the_last_day_counts_in_that_month() -> None:
    spec = contract(tz=LA, objectives=OBJ)
    # 31 October 23:30 in Los Angeles (PDT, UTC−7) is already 1 November 06:30 UTC
    late = clock("T1", stop=t("2026-11-01T06:30:00Z"))
    # 1 November 00:00 local (07:00 UTC) is the first instant of November
    first = clock("T2", stop=t("2026-11-01T07:00:00Z"))
    records = [late, first]
    assert _counted(spec, records, "2026-11-05T00:00:00Z", "2026-10") == 1
    assert _counted(spec, records, "2026-11-05T00:00:00Z", "2026-11") == 1
    s = statement(spec, records, "2026-11-05T00:00:00Z", "2026-10")
    assert (s.to_json()["period_start"], s.to_json()["period_end"]) == (
        "2026-10-01T07:00:00Z", "2026-11-01T07:00:00Z")  # fmt: skip
    # the same clocks in a UTC contract: both in November
    utc = contract(objectives=OBJ)
    assert _counted(utc, records, "2026-11-05T00:00:00Z", "2026-10") == 0


def test_a_month_in_which_the_clocks_go_back_lasts_an_hour_longer() -> None:
    spec = contract(tz=LA, objectives=OBJ)
    # November 2026: PDT until 1 November 02:00, then PST (UTC−8) to the end of the month
    s = statement(spec, [], "2026-12-05T00:00:00Z", "2026-11")
    assert (s.start, s.end) == (t("2026-11-01T07:00:00Z"), t("2026-12-01T08:00:00Z"))
    assert s.end - s.start == 30 * 24 * HOUR + HOUR
    # 30 November 23:30 PST = 1 December 07:30 UTC: still November
    records = [clock("T1", stop=t("2026-12-01T07:30:00Z"))]
    assert _counted(spec, records, "2026-12-05T00:00:00Z", "2026-11") == 1


def test_a_month_in_which_the_clocks_go_forward_lasts_an_hour_less() -> None:
    spec = contract(tz=LA, objectives=OBJ)
    # March 2026: PST (UTC−8) until 8 March, then PDT (UTC−7)
    s = statement(spec, [], "2026-04-05T00:00:00Z", "2026-03")
    assert (s.start, s.end) == (t("2026-03-01T08:00:00Z"), t("2026-04-01T07:00:00Z"))
    assert s.end - s.start == 31 * 24 * HOUR - HOUR
    # 31 March 23:30 PDT = 1 April 06:30 UTC: March; 28 February 23:30 PST = 1 March 07:30 UTC:
    # February
    records = [
        clock("T1", stop=t("2026-04-01T06:30:00Z")),
        clock("T2", stop=t("2026-03-01T07:30:00Z")),
    ]
    assert _counted(spec, records, "2026-04-05T00:00:00Z", "2026-03") == 1
    assert _counted(spec, records, "2026-04-05T00:00:00Z", "2026-02") == 1


def test_quarters_run_from_local_midnight_of_their_first_month() -> None:
    spec = contract(tz="Asia/Tokyo", period="quarter", objectives=OBJ)
    # Q4 in Tokyo (UTC+9) starts on 1 October 00:00 local = 30 September 15:00 UTC
    records = [
        clock("T1", stop=t("2026-09-30T15:00:00Z")),
        clock("T2", stop=t("2026-09-30T14:59:59Z")),
    ]
    s = statement(spec, records, "2027-01-10T00:00:00Z", "2026-Q4")
    assert (s.start, s.objectives[0].outcome.counted) == (t("2026-09-30T15:00:00Z"), 1)
    assert _counted(spec, records, "2027-01-10T00:00:00Z", "2026-Q3") == 1


def _late_resolution() -> list[MetricRecord]:
    # created 20 October, breached 28 October while open, solved 3 November
    return [
        clock(
            "T1",
            metric="resolution",
            start=t("2026-10-20T09:00:00Z"),
            stop=t("2026-11-03T10:00:00Z"),
            breached=True,
            target=8 * HOUR,
            breached_at=t("2026-10-28T12:00:00Z"),
            elapsed=20 * HOUR,
        )
    ]


RES = {"res": {"metric": "resolution", "max_breaches": 0}}


def test_by_default_a_clock_counts_where_it_completed() -> None:
    spec = contract(objectives=RES)
    records = _late_resolution()
    # stopped on 3 November: a November breach
    assert _counted(spec, records, "2026-11-10T00:00:00Z", "2026-10") == 0
    assert _counted(spec, records, "2026-11-10T00:00:00Z", "2026-11") == 1
    # while still open (as of 31 October) it counts where it breached
    still_open = [
        clock("T1", metric="resolution", start=t("2026-10-20T09:00:00Z"), stop=None,
              breached=True, target=8 * HOUR, breached_at=t("2026-10-28T12:00:00Z"),
              elapsed=12 * HOUR)
    ]  # fmt: skip
    s = statement(spec, still_open, "2026-10-31T12:00:00Z", "2026-10")
    assert s.objectives[0].outcome.breached == 1
    assert s.objectives[0].breaches[0].open


def test_counting_by_decision_keeps_a_breach_in_the_period_it_happened() -> None:
    spec = contract(count_by="decided", objectives=RES)
    records = _late_resolution()
    assert _counted(spec, records, "2026-11-10T00:00:00Z", "2026-10") == 1
    assert _counted(spec, records, "2026-11-10T00:00:00Z", "2026-11") == 0


def test_counting_by_creation_uses_the_tickets_creation() -> None:
    spec = contract(count_by="created", objectives=RES)
    facts = tickets([{"ticket_id": "T1", "created": t("2026-09-30T23:00:00Z")}])
    s = statement(spec, _late_resolution(), "2026-11-10T00:00:00Z", "2026-09", facts)
    assert s.objectives[0].outcome.breached == 1
    # without ticket facts the clock's own start stands in for the creation
    assert _counted(spec, _late_resolution(), "2026-11-10T00:00:00Z", "2026-10") == 1


def test_an_open_clock_within_target_counts_nowhere_yet() -> None:
    spec = contract(objectives=OBJ)
    running = clock("T1", stop=None, start=t("2026-10-31T23:30:00Z"), due=t("2026-11-01T00:30:00Z"),
                    elapsed=10 * 60)  # fmt: skip
    assert _counted(spec, [running], "2026-10-31T23:40:00Z", "current") == 0


def test_only_the_contracts_customer_and_policies_count() -> None:
    spec = contract(objectives=OBJ)
    at = t("2026-10-05T12:00:00Z")
    records = [
        clock("T1", stop=at),
        clock("T2", stop=at, customer="globex"),
        clock("T3", stop=at, policy="Standard"),
        clock("T4", stop=at, target=None),  # no target: never met nor breached
    ]
    assert _counted(spec, records, "2026-11-02T00:00:00Z", "2026-10") == 1


def test_rolling_windows_end_at_as_of() -> None:
    spec = contract(period="7d", objectives=OBJ)
    records = [
        clock("T1", stop=t("2026-10-03T12:00:00Z")),
        clock("T2", stop=t("2026-10-09T12:00:00Z")),
    ]
    s = statement(spec, records, "2026-10-10T00:00:00Z")
    assert (s.start, s.end, s.final) == (t("2026-10-03T00:00:01Z"), t("2026-10-10T00:00:01Z"), True)
    assert s.objectives[0].outcome.counted == 2
    assert _counted(spec, records, "2026-10-10T00:00:00Z", "previous") == 0


def test_period_names_are_checked() -> None:
    spec = contract(objectives=OBJ)
    as_of = t("2026-10-10T00:00:00Z")
    assert resolve_period(spec, "2026-09", as_of).label == "2026-09"
    assert resolve_period(spec, "previous", as_of).label == "2026-09"
    assert resolve_period(spec, None, as_of).label == "2026-10"
    with pytest.raises(InputError, match="has not started"):
        resolve_period(spec, "2026-11", as_of)
    with pytest.raises(InputError, match="write it like 2026-10"):
        resolve_period(spec, "2026-Q3", as_of)
    quarterly = contract(period="quarter", objectives=OBJ)
    assert resolve_period(quarterly, "2026-q3", as_of).label == "2026-Q3"
    with pytest.raises(InputError, match="2026-Q4"):
        resolve_period(quarterly, "2026-10", as_of)
    with pytest.raises(InputError, match="rolling 7-day windows"):
        resolve_period(contract(period="7d", objectives=OBJ), "2026-10", as_of)
