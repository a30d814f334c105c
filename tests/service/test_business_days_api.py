"""Each clock and each KPI of business time tells the page its calendar's business day
(``business_day_seconds``), so the dashboard reads 30 h on a 9-hour calendar as "3 business
days 3 h"; a calendar open around the clock, or a figure over calendars of different days,
says ``None`` (plain durations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import HOUR, Api, created, make_api

NINE_HOURS = 9 * HOUR

CONFIG = {
    "calendars.yaml": (
        "calendars:\n"
        "  office:\n    tz: Europe/Berlin\n    hours:\n"
        '      mon-thu: [["08:00", "17:00"]]\n      fri: [["08:00", "14:00"]]\n'
        '  always:\n    tz: UTC\n    hours:\n      daily: [["00:00", "24:00"]]\n'
    ),
    "policies.yaml": (
        "policies:\n"
        "  - name: Gold\n    calendar: office\n    when: {customer: acme}\n"
        "    metrics:\n      first_response: 1h\n      resolution: 8h\n"
        "  - name: Standard\n    calendar: always\n"
        "    metrics:\n      first_response: 4h\n      resolution: 24h\n"
    ),
    "kpis.yaml": (
        "kpis:\n"
        "  office_first_response:\n"
        "    measure: {over: records, metric: first_response, agg: median,\n"
        "              of: business_elapsed, where: {calendar: office}}\n"
        "  gold_resolution:\n"
        "    measure: {over: records, metric: resolution, agg: p90,\n"
        "              of: business_elapsed, where: {policy: Gold}}\n"
        "  office_wall_clock:\n"
        "    measure: {over: records, metric: first_response, agg: median,\n"
        "              of: calendar_elapsed, where: {calendar: office}}\n"
    ),
    "contracts.yaml": (
        "contracts:\n  acme:\n    policies: [Gold]\n    monthly_fee: '1000.00'\n"
        "    currency: EUR\n    objectives:\n"
        "      first_response: {metric: first_response, met_share: 95%}\n"
    ),
}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    a = make_api(tmp_path, config=CONFIG)
    try:
        a.send(
            created("e1", "T1", 0, status="new", priority="high", customer="acme"),
            created("e2", "T2", 5, status="new", priority="high", customer="globex"),
        )
        a.clock.now += 2 * HOUR
        a.drain()
        yield a
    finally:
        a.store.close()


def _days(clocks: list[dict[str, object]]) -> dict[str, object]:
    return {str(c["calendar"]): c["business_day_seconds"] for c in clocks}


def test_ticket_clocks_carry_their_calendars_business_day(api: Api) -> None:
    office = api.get("/api/v1/tickets/T1").json()
    # Mon-Thu 9 h and Fri 6 h: the most common day, 9 h
    assert _days(office["clocks"]) == {"office": NINE_HOURS}
    always = api.get("/api/v1/tickets/T2").json()
    assert _days(always["clocks"]) == {"always": None}  # around the clock: plain


def test_the_time_split_of_a_ticket_reads_in_its_clocks_business_days(api: Api) -> None:
    rows = api.get("/api/v1/tickets/T1").json()["attribution"]["rows"]
    assert rows and {r["business_day_seconds"] for r in rows} == {NINE_HOURS}


def test_the_queue_and_the_ticket_list_carry_each_clocks_business_day(api: Api) -> None:
    queue = api.get("/api/v1/at-risk").json()["items"]
    assert {(c["ticket_id"], c["business_day_seconds"]) for c in queue} == {
        ("T1", NINE_HOURS),
        ("T2", None),
    }
    listed = {t["ticket_id"]: t for t in api.get("/api/v1/tickets").json()["items"]}
    assert _days(listed["T1"]["clocks"]) == {"office": NINE_HOURS}
    assert _days(listed["T2"]["clocks"]) == {"always": None}


def test_the_csv_of_the_queue_keeps_its_columns(api: Api) -> None:
    header = api.get("/api/v1/at-risk?format=csv").text.splitlines()[0]
    assert "business_day_seconds" not in header


def test_the_clocks_behind_an_objective_carry_their_business_day(api: Api) -> None:
    route = "/api/v1/customers/acme/objectives/first_response/clocks"
    body = api.get(route).json()
    assert [(c["ticket_id"], c["business_day_seconds"]) for c in body["clocks"]] == [
        ("T1", NINE_HOURS)
    ]
    csv_header = api.get(f"{route}?format=csv").text.splitlines()[0]
    assert "business_day_seconds" not in csv_header


def test_a_kpi_of_business_time_on_one_calendar_reads_in_its_business_days(api: Api) -> None:
    kpis = {k["name"]: k for k in api.get("/api/v1/kpis").json()["kpis"]}
    assert kpis["office_first_response"]["business_day_seconds"] == NINE_HOURS
    assert kpis["gold_resolution"]["business_day_seconds"] == NINE_HOURS
    # wall-clock time, and business time over calendars that differ, read plain
    assert kpis["office_wall_clock"]["business_day_seconds"] is None
    assert kpis["first_response_median"]["business_day_seconds"] is None
    assert kpis["backlog"]["business_day_seconds"] is None
