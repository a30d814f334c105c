"""The review pages and the rows behind a KPI read business time in business days too: each
figure says the business day of its clocks' calendar (``business_day_seconds``) where they
share one, ``None`` (plain) where they do not; the CSV exports keep their columns. On SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import HOUR, T0, Api, created, reply
from tests.service.stores import STORES, api_over

NINE_HOURS = 9 * HOUR

CONFIG = {
    "calendars.yaml": (
        "calendars:\n"
        '  office:\n    tz: UTC\n    hours:\n      mon-fri: [["09:00", "18:00"]]\n'
        '  always:\n    tz: UTC\n    hours:\n      daily: [["00:00", "24:00"]]\n'
    ),
    "policies.yaml": (
        "policies:\n"
        "  - name: Gold\n    calendar: office\n    when: {customer: acme}\n"
        "    metrics:\n      first_response: 1h\n"
        "  - name: Standard\n    calendar: always\n"
        "    metrics:\n      first_response: 4h\n"
    ),
    "kpis.yaml": (
        "kpis:\n"
        "  office_first_response:\n"
        "    measure: {over: records, metric: first_response, agg: median,\n"
        "              of: business_elapsed, where: {calendar: office}}\n"
        "    period: {grain: week}\n"
        "  office_wall_clock:\n"
        "    measure: {over: records, metric: first_response, agg: median,\n"
        "              of: calendar_elapsed, where: {calendar: office}}\n"
        "    period: {grain: week}\n"
    ),
}
DRIVERS = "/api/v1/review/drivers?period=2026-03&metric=first_response"


@pytest.fixture(params=STORES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with api_over(request.param, tmp_path, config=CONFIG) as a:
        # T0 is Monday 09:00Z, the office open. A1 (acme, office, 1h): answered at 90m,
        # breached; A2 (acme, office): answered at 20m, met; G1 (globex, always, 4h):
        # answered at 300m, breached. Team L1 holds the acme tickets, L2 globex's.
        a.send(
            created("a1", "A1", 0, status="new", team="L1", customer="acme"),
            reply("a2", "A1", 90),
            created("a3", "A2", 0, status="new", team="L1", customer="acme"),
            reply("a4", "A2", 20),
            created("g1", "G1", 0, status="new", team="L2", customer="globex"),
            reply("g2", "G1", 300),
        )
        a.clock.now = T0 + 6 * HOUR
        a.drain()
        yield a


def test_a_drivers_row_reads_in_business_days_when_its_clocks_share_a_calendar_day(
    api: Api,
) -> None:
    body = api.get(f"{DRIVERS}&by=team").json()
    days = {r["value"]: r["business_day_seconds"] for r in body["rows"]}
    # L1's clocks all run on the 9-hour office; L2's on the around-the-clock rota
    assert days == {"L1": NINE_HOURS, "L2": None}
    # the total mixes both calendars: no one business day
    assert body["business_day_seconds"] is None
    acme = api.get(f"{DRIVERS}&by=team&customer=acme").json()
    assert acme["business_day_seconds"] == NINE_HOURS


def test_the_clocks_behind_a_drivers_row_carry_their_calendars_business_day(api: Api) -> None:
    behind = api.get(f"{DRIVERS}&dimension=team&value=L1").json()
    assert sorted((c["ticket_id"], c["business_day_seconds"]) for c in behind["clocks"]) == [
        ("A1", NINE_HOURS),
        ("A2", NINE_HOURS),
    ]
    header = api.get(f"{DRIVERS}&dimension=team&value=L1&format=csv").text.splitlines()[0]
    assert "business_day_seconds" not in header
    rows_header = api.get(f"{DRIVERS}&by=team&format=csv").text.splitlines()[0]
    assert "business_day_seconds" not in rows_header


def test_each_side_of_a_changed_clock_reads_in_its_own_configurations_business_day(
    api: Api,
) -> None:
    # the candidate gives A1 two hours and shortens the office to 8 hours a day
    overrides = {
        "policies.Gold.metrics.first_response": "2h",
        "calendars.office.hours": {"mon-fri": [["09:00", "17:00"]]},
    }
    res = api.post("/api/v1/review/whatif", json={"overrides": overrides})
    assert res.status_code == 200, res.text
    changed = [c for g in res.json()["groups"] for c in g["changed"]]
    assert [c["ticket_id"] for c in changed] == ["A1"]
    current, candidate = changed[0]["current"], changed[0]["candidate"]
    assert (current["state"], candidate["state"]) == ("breached", "met")
    assert (current["calendar"], current["business_day_seconds"]) == ("office", NINE_HOURS)
    assert (candidate["calendar"], candidate["business_day_seconds"]) == ("office", 8 * HOUR)


def _rows(api: Api, kpi: str, csv_form: bool = False) -> Any:
    url = f"/api/v1/kpis/{kpi}/rows" + ("?format=csv" if csv_form else "")
    res = api.get(url)
    assert res.status_code == 200, res.text
    return res.text if csv_form else res.json()


def test_the_rows_behind_a_kpi_give_each_rows_measured_business_time_and_its_day(
    api: Api,
) -> None:
    body = _rows(api, "office_first_response")
    assert body["business_columns"] == ["business_elapsed"]
    assert body["duration_columns"] == []
    got = sorted(
        (r["ticket_id"], r["calendar"], r["business_elapsed"], r["business_day_seconds"])
        for r in body["rows"]
    )
    assert got == [
        ("A1", "office", 90 * 60, NINE_HOURS),
        ("A2", "office", 20 * 60, NINE_HOURS),
    ]
    # the export has the measured column, in seconds, and no reading aid
    exported = list(csv.DictReader(io.StringIO(_rows(api, "office_first_response", True))))
    assert sorted(r["business_elapsed"] for r in exported) == ["1200", "5400"]
    assert "business_day_seconds" not in exported[0]


def test_wall_clock_time_behind_a_kpi_reads_plain(api: Api) -> None:
    body = _rows(api, "office_wall_clock")
    assert (body["business_columns"], body["duration_columns"]) == ([], ["calendar_elapsed"])
    assert all("business_day_seconds" not in r for r in body["rows"])
    assert sorted(r["calendar_elapsed"] for r in body["rows"]) == [20 * 60, 90 * 60]
