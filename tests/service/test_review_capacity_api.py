"""``POST /api/v1/review/capacity`` (the calculator) and ``GET /api/v1/review/capacity``
(agents needed per interval from the stored events): the worked example, the same figures as
the library on the same log, customer-scoped tokens that see their own tickets' workload
only, and every bad input answered in the one error shape, never with NaN or a 500."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from accord.core.review.capacity import Queue, agents_needed
from tests.service.conftest import CONFIG, HOUR, T0, Api, created, event, make_api

EXAMPLE = {"calls": 100, "interval": "30m", "aht": "180s", "answer_within": "20s"}
URL = "/api/v1/review/capacity"


def _no_constant(name: str) -> object:
    raise AssertionError(f"{name} in the JSON answer")


def _body(res: Any) -> Any:
    return json.loads(res.text, parse_constant=_no_constant)


def test_the_calculator_answers_the_worked_example(api: Api) -> None:
    res = api.post(URL, who="read", json={**EXAMPLE, "agents": 14, "service_level": 0.8})
    assert res.status_code == 200, res.text
    got = _body(res)
    assert got["erlangs"] == pytest.approx(10.0)
    assert round(got["p_wait"], 5) == 0.17413
    assert round(got["service_level"], 5) == 0.88835
    assert round(got["asa_seconds"], 2) == 7.84
    assert got["agents_needed"] == 14
    seconds = {**EXAMPLE, "interval": 1800, "aht": 180, "answer_within": 20, "agents": 13}
    got = _body(api.post(URL, who="read", json=seconds))
    assert round(got["service_level"] * 100, 2) == 79.56


def test_the_calculator_answers_an_unstable_queue_with_nulls(api: Api) -> None:
    got = _body(api.post(URL, who="read", json={**EXAMPLE, "agents": 9}))
    assert got["stable"] is False and got["asa_seconds"] is None and got["service_level"] == 0.0
    got = _body(api.post(URL, who="read", json={**EXAMPLE, "agents": 0, "patience": "2m"}))
    assert got["stable"] is True and got["p_abandon"] == 1.0 and got["asa_seconds"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**EXAMPLE}, 400),  # neither agents nor a service level
        ({**EXAMPLE, "agents": -1}, 422),
        ({**EXAMPLE, "agents": 3, "calls": -1}, 422),
        ({**EXAMPLE, "agents": 3, "aht": "soon"}, 400),
        ({**EXAMPLE, "agents": 3, "aht": 0}, 400),
        ({**EXAMPLE, "agents": 3, "interval": "0s"}, 400),
        ({**EXAMPLE, "agents": 3, "patience": 10**30}, 422),
        ({**EXAMPLE, "agents": 3, "patience": "99999999d"}, 400),
        ({**EXAMPLE, "service_level": 1}, 422),
        ({**EXAMPLE, "agents": 3, "extra": 1}, 422),
        ({**EXAMPLE, "agents": 3, "calls": 1e12, "aht": "10d"}, 400),  # beyond the largest load
    ],
)
def test_bad_calculator_input_is_an_error_in_the_one_shape(
    api: Api, body: dict[str, Any], status: int
) -> None:
    res = api.post(URL, who="read", json=body)
    assert res.status_code == status, res.text
    assert set(res.json()["error"]) == {"code", "message", "details"}


def test_nan_in_the_body_is_refused(api: Api) -> None:
    raw = '{"calls": NaN, "interval": "30m", "aht": "3m", "answer_within": "20s", "agents": 3}'
    res = api.post(URL, who="read", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 422, res.text


def test_the_calculator_needs_a_token(api: Api) -> None:
    assert api.client.post(URL, json={**EXAMPLE, "agents": 3}).status_code == 401


# ------------------------------------------------------------------ from the stored events


def _log(api: Api) -> None:
    """Two Mondays with 20 tickets of acme in 09:00–10:00 UTC (a 24×7 UTC calendar, Gold:
    first response 1h) and one Monday with 10 of globex (Standard: 4h)."""
    rows: list[dict[str, Any]] = []
    for week in range(2):
        base = week * 7 * 24 * 60
        for k in range(20):
            rows.append(created(f"a{week}-{k}", f"A{week}-{k}", base + k * 3, status="new",
                                customer="acme", team="support"))  # fmt: skip
            rows.append(event(f"a{week}-{k}s", f"A{week}-{k}", base + k * 3 + 6, "updated",
                              actor="agent", fields={"status": "solved"}))  # fmt: skip
    for k in range(10):
        rows.append(created(f"g{k}", f"G{k}", k * 6, status="new", customer="globex",
                            team="support"))  # fmt: skip
    api.send(*rows)
    api.clock.now = T0 + 14 * 24 * HOUR
    api.drain()


def test_history_gives_the_agents_needed_per_interval(api: Api) -> None:
    _log(api)
    res = api.get(URL, params={"from": "2026-03-02", "to": "2026-03-15", "aht": "6m"})
    assert res.status_code == 200, res.text
    got = _body(res)
    assert got["config_version"] == 1 and got["as_of"] is not None
    (g,) = got["groups"]
    assert (g["calendar"], g["tz"], g["weeks"], g["arrivals"]) == ("always", "UTC", 2, 50)
    mon = g["intervals"][9]
    assert mon["arrivals"] == 25  # (20 + 20 + 10) / 2 Mondays
    assert mon["erlangs"] == pytest.approx(25 * 360 / 3600)
    mix = [(40.0, 3600.0), (10.0, 4 * 3600.0)]
    assert mon["agents_needed"] == agents_needed(Queue(2.5, 360.0), 0.8, mix)


def test_history_as_csv_and_with_agents(api: Api) -> None:
    _log(api)
    params = {"from": "2026-03-02", "to": "2026-03-15", "aht": "6m", "agents": "2",
              "target": "first_response=5m", "format": "csv"}  # fmt: skip
    res = api.get(URL, params=params)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert len(rows) == 7 * 24
    mon = rows[9]
    assert mon["agents"] == "2" and int(mon["shortfall"]) > 0


def test_a_customer_token_staffs_its_own_tickets_only(api: Api) -> None:
    _log(api)
    got = _body(api.get(URL, who="acme", params={"aht": "6m", "from": "2026-03-02",
                                                  "to": "2026-03-15"}))  # fmt: skip
    (g,) = got["groups"]
    assert g["arrivals"] == 40 and g["intervals"][9]["arrivals"] == 20


def test_handle_time_comes_from_agent_work_when_the_policies_measure_it(tmp_path: Path) -> None:
    measured = {**CONFIG, "policies.yaml": CONFIG["policies.yaml"].replace(
        "      resolution: 8h\n", "      resolution: 8h\n      agent_work: null\n")}  # fmt: skip
    api = make_api(tmp_path, config=measured)
    try:
        _log(api)
        got = _body(api.get(URL, params={"from": "2026-03-02", "to": "2026-03-15"}))
        # acme's tickets (Gold) were worked 6 minutes each; globex's (Standard) are open
        assert got["groups"][0]["aht_seconds"] == 360
        assert got["groups"][0]["aht_source"] == "agent_work of 40 ticket(s)"
    finally:
        api.store.close()


def test_without_agent_work_the_handle_time_must_be_given(api: Api) -> None:
    _log(api)
    res = api.get(URL, params={"from": "2026-03-02", "to": "2026-03-15"})
    assert res.status_code == 400
    assert "handle time" in res.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"interval": "7m"}, 400),
        ({"interval": "later"}, 400),
        ({"target": "nope=1h"}, 400),
        ({"period": "2026-Q9"}, 400),
        ({"period": "2026-Q1", "from": "2026-01-01"}, 400),
        ({"from": "yesterday"}, 400),
        ({"from": "2026-03-09", "to": "2026-03-01"}, 400),
        ({"as_of": "soon"}, 400),
        ({"by": "customer"}, 422),
        ({"agents": "-1"}, 422),
        ({"service_level": "1.5"}, 422),
        ({"patience": "forever"}, 400),
    ],
)
def test_bad_history_parameters_are_errors_in_the_one_shape(
    api: Api, params: dict[str, str], status: int
) -> None:
    _log(api)
    res = api.get(URL, params={"aht": "6m", **params})
    assert res.status_code == status, res.text
    assert set(res.json()["error"]) == {"code", "message", "details"}


def test_history_without_a_configuration_is_a_conflict(tmp_path: Path) -> None:
    api = make_api(tmp_path, config=None)
    try:
        res = api.get(URL)
        assert res.status_code == 409
        assert "PUT /api/v1/config" in res.json()["error"]["message"]
    finally:
        api.store.close()


def test_history_with_no_arrivals_is_an_empty_plan(api: Api) -> None:
    got = _body(api.get(URL, params={"aht": "6m"}))
    assert got["groups"] == []
