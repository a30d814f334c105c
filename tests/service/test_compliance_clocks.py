"""``GET /api/v1/compliance/clocks``: every compliance figure leads to the clocks behind it,
as many as the figure counts (met, breached and open of each group), with the same filters,
as JSON and CSV; a customer's token sees its own clocks only, never an internal one; on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import CONFIG, T0, Api, created, reply
from tests.service.stores import STORES, api_over

AGREEMENTS = "agreements:\n  L2:\n    while: {team: L2}\n    calendar: always\n    targets: 1h\n"


@pytest.fixture(params=STORES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with api_over(request.param, tmp_path, config={**CONFIG, "a.yaml": AGREEMENTS}) as a:
        a.send(
            created("a1", "A1", 0, status="new", team="L2", priority="high", customer="acme"),
            reply("a2", "A1", 30),  # met
            created("a3", "A2", 10, status="new", team="L1", priority="low", customer="acme"),
            reply("a4", "A2", 130),  # breached (Gold: 1h)
            created("a5", "A3", 100, status="new", team="L1", customer="acme"),  # open
            created("g1", "G1", 0, status="new", team="L2", customer="globex"),  # open (4h)
        )
        a.clock.now = T0 + 3 * 3600
        a.drain()
        yield a


@pytest.mark.parametrize("by", ["metric", "priority", "policy", "team", "customer", "period"])
@pytest.mark.parametrize("clocks", ["sla", "agreements"])
def test_every_figure_lists_as_many_clocks_as_it_counts(api: Api, by: str, clocks: str) -> None:
    body = api.get(f"/api/v1/compliance?by={by}&period=quarter&clocks={clocks}").json()
    assert body["groups"]
    for g in body["groups"]:
        for state in ("met", "breached", "open"):
            q = f"by={by}&period=quarter&label={g['period']}&state={state}&clocks={clocks}"
            q += f"&key={g['key']}" if g["key"] is not None else "&unset=true"
            if by == "period":
                q = q.replace("&unset=true", "")
            got = api.get(f"/api/v1/compliance/clocks?{q}").json()
            assert got["count"] == len(got["clocks"]) == g[state], (g, state)
            text = api.get(f"/api/v1/compliance/clocks?{q}&format=csv").text
            assert len(list(csv.DictReader(io.StringIO(text)))) == g[state]


def test_the_clocks_of_a_group_are_named_with_their_tickets(api: Api) -> None:
    got = api.get("/api/v1/compliance/clocks?by=team&key=L1&state=breached").json()
    assert [(c["ticket_id"], c["metric"]) for c in got["clocks"]] == [
        ("A2", "first_response"),
        ("A3", "first_response"),  # still open, past its hour: breached
    ]


def test_a_customer_sees_its_own_clocks_and_never_an_internal_one(api: Api) -> None:
    mine = api.get("/api/v1/compliance/clocks?by=customer&key=globex", who="acme").json()
    assert mine["clocks"] == []
    own = api.get("/api/v1/compliance/clocks", who="acme").json()
    assert {c["customer"] for c in own["clocks"]} == {"acme"}
    assert "ola:" not in api.get("/api/v1/compliance/clocks", who="acme").text
    assert api.get("/api/v1/compliance/clocks?clocks=agreements", who="acme").json()["count"] == 0
    staff = api.get("/api/v1/compliance/clocks?clocks=agreements").json()
    assert {c["metric"] for c in staff["clocks"]} == {"ola:L2"}
