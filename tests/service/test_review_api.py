"""``POST /api/v1/review/whatif``, ``GET /api/v1/review/jobs/{id}`` and ``GET
/api/v1/review/targets``: the same figures as the CLI over the stored events, scopes and
customer isolation, candidates that do not validate, and nothing stored by a what-if."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.errors import ConflictError
from accord.service.review_runs import ReviewJobs
from tests.service.conftest import CONFIG, HOUR, T0, Api, created, make_api, reply

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      fr:
        metric: first_response
        met_share: 90%
        credit: {per_breach: "10.00"}
"""
LOG = [
    # acme (Gold: first response 1h)
    created("a1", "A1", 0, status="new", priority="high", customer="acme", team="support"),
    reply("a2", "A1", 30),
    created("a3", "A2", 60, status="new", priority="high", customer="acme", team="support"),
    reply("a4", "A2", 60 + 90),  # 1h30m: breached under 1h, met under 2h
    created("a5", "A3", 120, status="new", priority="low", customer="acme", team="ops"),
    reply("a6", "A3", 120 + 300),  # 5h
    # globex (Standard: 4h)
    created("g1", "G1", 0, status="new", priority="high", customer="globex", team="support"),
    reply("g2", "G1", 200),
]
OVERRIDES = {"policies.Gold.metrics.first_response": "2h"}


@pytest.fixture
def review_api(tmp_path: Path) -> Iterator[Api]:
    api = make_api(tmp_path, config={**CONFIG, "contracts.yaml": CONTRACTS})
    api.send(*LOG)
    api.clock.now = T0 + 24 * HOUR
    api.drain()
    try:
        yield api
    finally:
        api.store.close()


def _whatif(api: Api, who: str = "write", **body: Any) -> Any:
    return api.post("/api/v1/review/whatif", who=who, json={"overrides": OVERRIDES, **body})


def test_a_what_if_over_the_stored_events_answers_the_figures_of_both_configurations(
    review_api: Api,
) -> None:
    res = _whatif(review_api, by=["metric", "customer"])
    assert res.status_code == 200, res.text
    data = res.json()
    groups = {(g["key"]["metric"], g["key"]["customer"]): g for g in data["groups"]}
    acme = groups[("first_response", "acme")]
    assert (acme["current"]["met"], acme["current"]["breached"]) == (1, 2)
    assert (acme["candidate"]["met"], acme["candidate"]["breached"]) == (2, 1)
    assert [c["ticket_id"] for c in acme["changed"]] == ["A2"]
    assert acme["changed"][0]["explanation"]["candidate"]
    # the customer's contract: one breach fewer, 10.00 less credit
    assert acme["current"]["credits"] == "20.00" and acme["candidate"]["credits"] == "10.00"
    assert groups[("first_response", "globex")]["changed"] == []
    assert data["config_version"] == 1
    assert data["configurations"]["candidate"]["overrides"][0]["line"] == 1


def test_a_what_if_needs_a_write_or_admin_token(review_api: Api) -> None:
    for who in ("read", "acme"):
        res = _whatif(review_api, who=who)
        assert res.status_code == 403
        assert res.json()["error"]["code"] == "forbidden"
    assert _whatif(review_api, who="admin").status_code == 200


def test_a_candidate_that_does_not_validate_gets_every_problem_with_its_file_and_line(
    review_api: Api,
) -> None:
    text = (
        "policies.Gold.metrics.first_response: 2h\n"
        "policies.Gold.metrics.resolution: 8 hours\n"
        "policies.Platinum.pause: [pending]\n"
    )
    res = review_api.post("/api/v1/review/whatif", json={"overrides": text})
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "config_invalid"
    located = {(d["file"], d["line"]) for d in error["details"] if d["severity"] == "error"}
    assert located == {("overrides.yaml", 2), ("overrides.yaml", 3)}
    assert all(d["hint"] for d in error["details"])


def test_a_whole_configuration_is_a_candidate_and_is_checked_like_an_upload(
    review_api: Api,
) -> None:
    files = {
        **CONFIG,
        "policies.yaml": CONFIG["policies.yaml"].replace(
            "first_response: 1h", "first_response: 2h"
        ),
    }
    res = review_api.post("/api/v1/review/whatif", json={"files": files})
    assert res.status_code == 200, res.text
    bad = review_api.post("/api/v1/review/whatif", json={"files": {"x.yaml": "policies: [\n"}})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["file"] == "x.yaml"
    both = review_api.post("/api/v1/review/whatif", json={"files": files, "overrides": OVERRIDES})
    assert both.status_code == 400


def test_a_what_if_never_changes_stored_records_or_configuration_versions(review_api: Api) -> None:
    store = review_api.store
    ids = ["A1", "A2", "A3", "G1"]
    before = (
        store.config_versions(),
        store.records_of(ids),
        store.change_stamp(),
        store.count_events(),
    )
    assert _whatif(review_api).status_code == 200
    assert (
        review_api.post(
            "/api/v1/review/whatif",
            json={"overrides": {"policies.Gold.metrics.resolution": "nope"}},
        ).status_code
        == 422
    )
    after = (
        store.config_versions(),
        store.records_of(ids),
        store.change_stamp(),
        store.count_events(),
    )
    assert after == before
    current = review_api.get("/api/v1/config", who="admin").json()
    assert "first_response: 1h" in str(current)


def test_a_what_if_in_the_background_is_a_job_its_caller_polls(review_api: Api) -> None:
    res = _whatif(review_api, background=True)
    assert res.status_code == 202, res.text
    location = res.headers["Location"]
    deadline = time.monotonic() + 60
    while True:
        job = review_api.get(location, who="write").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert job["state"] == "done", job
    direct = _whatif(review_api).json()
    assert job["result"]["groups"] == direct["groups"]
    # another token does not see it, as if it did not exist
    assert review_api.get(location, who="admin").status_code == 404


def test_one_what_if_runs_at_a_time() -> None:
    jobs = ReviewJobs(lambda: T0)
    release = threading.Event()
    jobs.start(lambda: (release.wait(10), {})[1], "owner")
    with pytest.raises(ConflictError):
        jobs.run(dict)
    release.set()
    for _ in range(200):
        try:
            assert jobs.run(lambda: {"ok": True}) == {"ok": True}
            break
        except ConflictError:
            time.sleep(0.01)
    else:
        pytest.fail("the first job never finished")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"period": "2026-13"}, 400),
        ({"by": ["agent"]}, 400),
        ({"tz": "Mars/Olympus"}, 422),  # as on the KPI routes
        ({"as_of": "tomorrow"}, 400),
        ({"explain": -1}, 422),
        ({"unknown": 1}, 422),
    ],
)
def test_bad_what_if_requests_answer_in_the_one_error_shape(
    review_api: Api, body: dict[str, Any], status: int
) -> None:
    res = _whatif(review_api, **body)
    assert res.status_code == status, res.text
    assert set(res.json()["error"]) == {"code", "message", "details"}


def test_a_period_without_data_says_so(review_api: Api) -> None:
    data = _whatif(review_api, period="2025-01").json()
    assert data["groups"] == [] and any(n.startswith("no data") for n in data["notes"])


def test_recommended_targets_are_a_read(review_api: Api) -> None:
    res = review_api.get("/api/v1/review/targets?periods=1&attainment=0.6&grid=30m,1h,2h,8h")
    assert res.status_code == 200, res.text
    data = res.json()
    fr = {g["key"]["priority"]: g for g in data["groups"] if g["key"]["metric"] == "first_response"}
    assert fr["high"]["recommended"] == "2h"  # 30m, 1h30m and 3h20m: two of three within 2h
    assert data["adoption"]["contracts"][0]["contract"] == "acme"
    csv_text = review_api.get("/api/v1/review/targets?periods=1&format=csv").text
    assert csv_text.splitlines()[0].startswith("metric,priority,clocks")


def test_a_customer_token_gets_targets_of_its_own_tickets_only(review_api: Api) -> None:
    mine = review_api.get("/api/v1/review/targets?periods=1&by=customer", who="acme").json()
    assert {g["key"]["customer"] for g in mine["groups"]} == {"acme"}
    assert all(
        c["customer"] == "acme" for c in (mine["adoption"] or {"contracts": []})["contracts"]
    )
    theirs = review_api.get("/api/v1/review/targets?periods=1&by=customer", who="globex").json()
    assert {g["key"]["customer"] for g in theirs["groups"]} == {"globex"}


@pytest.mark.parametrize(
    ("query", "status"),
    [("grain=day", 422), ("tz=Mars/Olympus", 422), ("by=agent", 400), ("grid=soon", 400),
     ("attainment=0", 422), ("as_of=0001-01-01T00:00:00Z", 400)],
)  # fmt: skip
def test_bad_target_requests_answer_in_the_one_error_shape(
    review_api: Api, query: str, status: int
) -> None:
    res = review_api.get(f"/api/v1/review/targets?{query}")
    assert res.status_code == status, res.text
    assert set(res.json()["error"]) == {"code", "message", "details"}
