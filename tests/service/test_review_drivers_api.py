"""``GET /api/v1/review/drivers``: the breach drivers of the stored events, the clocks behind
each row (as many as the row counts, JSON and CSV), a customer's token limited to its own
tickets, never an internal agreement's clock; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import CONFIG, T0, Api, created, event, reply
from tests.service.stores import STORES, api_over

AGREEMENTS = """\
agreements:
  L2-response:
    while: {team: L2}
    calendar: always
    targets: 10m
"""


@pytest.fixture(params=STORES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    files = {**CONFIG, "agreements.yaml": AGREEMENTS}
    with api_over(request.param, tmp_path, config=files) as a:
        # T0 is Monday 2026-03-02 09:00Z; the calendar is always open, in UTC.
        # A1 (acme, Gold 1h): L1 30m, then L2 60m, answered at 90m: breached
        # A2 (acme): L1 answers in 20m: met. G1 (globex, Standard 4h): L2 5h: breached
        a.send(
            created("a1", "A1", 0, status="new", team="L1", customer="acme"),
            event("a2", "A1", 30, "updated", fields={"team": "L2"}),
            reply("a3", "A1", 90),
            created("a4", "A2", 0, status="new", team="L1", customer="acme"),
            reply("a5", "A2", 20),
            created("g1", "G1", 0, status="new", team="L2", customer="globex"),
            reply("g2", "G1", 300),
        )
        a.clock.now = T0 + 6 * 3600
        a.drain()
        yield a


def test_the_drivers_rank_the_teams_by_their_share_of_breached_time(api: Api) -> None:
    res = api.get("/api/v1/review/drivers?period=2026-03&metric=first_response&by=team")
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["breached_clocks"], body["met_clocks"]) == (2, 1)
    rows = [(r["value"], r["breached_seconds"], r["met_seconds"]) for r in body["rows"]]
    assert rows == [("L2", 3600 + 5 * 3600, 0), ("L1", 1800, 1200)]
    # no internal agreement's clock is ever a driver
    assert "ola:" not in res.text


def test_every_row_leads_to_as_many_clocks_as_it_counts(api: Api) -> None:
    base = "/api/v1/review/drivers?period=2026-03&metric=first_response"
    body = api.get(f"{base}&by=team&by=hour").json()
    for row in body["rows"]:
        q = f"{base}&dimension={row['dimension']}&value={row['value']}"
        behind = api.get(q).json()
        assert (
            behind["count"] == len(behind["clocks"]) == row["breached_clocks"] + row["met_clocks"]
        )
        text = api.get(q + "&format=csv").text
        assert len(list(csv.DictReader(io.StringIO(text)))) == behind["count"]
    breached = api.get(f"{base}&dimension=team&value=L1&state=breached").json()
    assert [c["ticket_id"] for c in breached["clocks"]] == ["A1"]


def test_a_customer_token_sees_the_drivers_of_its_own_tickets(api: Api) -> None:
    mine = api.get("/api/v1/review/drivers?metric=first_response&by=team", who="acme").json()
    assert (mine["breached_clocks"], mine["met_clocks"]) == (1, 1)
    other = api.get("/api/v1/review/drivers?customer=globex", who="acme").json()
    assert other["rows"] == [] and other["breached_clocks"] == 0
    behind = api.get("/api/v1/review/drivers?dimension=team&value=L2", who="acme").json()
    assert {c["ticket_id"] for c in behind["clocks"]} == {"A1"}


def test_bad_parameters_answer_400_or_422(api: Api) -> None:
    assert api.get("/api/v1/review/drivers?period=2026-13").status_code == 422
    assert api.get("/api/v1/review/drivers?period=1969-12").status_code == 422
    assert api.get("/api/v1/review/drivers?by=tags").status_code == 400
    assert api.get("/api/v1/review/drivers?as_of=yesterday").status_code == 400
    assert api.get("/api/v1/review/drivers?dimension=team&value=a&value=b").status_code == 400
    assert api.get("/api/v1/review/drivers?period=&as_of=").status_code == 200
