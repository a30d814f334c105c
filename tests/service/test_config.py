"""Configuration upload (validated, every problem with file and line), versions with an
effective instant, and the recompute job."""

from __future__ import annotations

import threading

from tests.service.conftest import CONFIG, HOUR, T0, Api

FAST_GOLD = CONFIG["policies.yaml"].replace("first_response: 1h", "first_response: 10m")


def test_an_upload_is_stored_as_the_next_version_in_force_now(api: Api) -> None:
    res = api.put("/api/v1/config", json={"files": {**CONFIG, "policies.yaml": FAST_GOLD}})
    assert res.status_code == 201, res.text
    assert res.json()["version"] == 2
    assert res.json()["files"] == ["calendars.yaml", "policies.yaml"]
    body = api.get("/api/v1/config").json()
    assert body["current"]["version"] == 2
    assert body["current"]["files"]["policies.yaml"] == FAST_GOLD
    assert [v["version"] for v in body["versions"]] == [1, 2]


def test_every_problem_comes_back_with_file_and_line_and_nothing_is_stored(api: Api) -> None:
    broken = {
        "calendars.yaml": "calendars:\n  c1: {tz: Mars/Olympus, hours: {mon-fri: []}}\n",
        "policies.yaml": "policies:\n  - name: P\n    calendar: nope\n    metrics: {x: soon}\n",
    }
    res = api.put("/api/v1/config", json={"files": broken})
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "config_invalid"
    places = {(d["file"], d["line"]) for d in error["details"]}
    assert ("calendars.yaml", 2) in places
    assert any(f == "policies.yaml" and line in (3, 4) for f, line in places)
    assert len(error["details"]) >= 3
    assert [v["version"] for v in api.get("/api/v1/config").json()["versions"]] == [1]


def test_a_file_name_that_is_not_plain_yaml_is_refused(api: Api) -> None:
    res = api.put("/api/v1/config", json={"files": {"../etc/x.yaml": "a: 1"}})
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["file"] == "../etc/x.yaml"


def test_files_can_be_uploaded_as_multipart(api: Api) -> None:
    files = [("files", (name, text.encode(), "application/yaml")) for name, text in CONFIG.items()]
    res = api.put("/api/v1/config", files=files, data={"effective_from": "2026-03-01"})
    assert res.status_code == 201, res.text
    assert res.json()["effective_from"] == "2026-03-01T00:00:00Z"


def test_a_version_for_a_future_instant_takes_effect_then(api: Api) -> None:
    later = "2026-03-02T12:00:00Z"
    res = api.put("/api/v1/config", json={"files": CONFIG, "effective_from": later})
    assert res.status_code == 201
    assert api.get("/api/v1/config").json()["current"]["version"] == 1
    api.clock.now = T0 + 3 * HOUR
    assert api.get("/api/v1/config").json()["current"]["version"] == 2


def test_malformed_uploads_are_400_or_415(api: Api) -> None:
    assert (
        api.put(
            "/api/v1/config", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert api.put("/api/v1/config", json={"files": {"a.yaml": 5}}).status_code == 400
    assert api.put("/api/v1/config", json={"nofiles": 1}).status_code == 400
    assert (
        api.put("/api/v1/config", json={"files": CONFIG, "effective_from": "soon"}).status_code
        == 400
    )
    res = api.put("/api/v1/config", content=b"a: 1", headers={"Content-Type": "text/yaml"})
    assert res.status_code == 415


def test_a_recompute_job_applies_a_new_version_to_stored_tickets(populated: Api) -> None:
    populated.put("/api/v1/config", json={"files": {**CONFIG, "policies.yaml": FAST_GOLD}})
    stored = populated.store.records_of(["T1"])["T1"]
    assert next(r for r in stored if r.metric == "first_response").state.value == "met"
    res = populated.post("/api/v1/recompute", who="admin")
    assert res.status_code == 202
    job_id = res.json()["id"]
    assert res.headers["location"] == f"/api/v1/jobs/{job_id}"
    populated.runtime.jobs.wait()
    job = populated.get(f"/api/v1/jobs/{job_id}").json()
    assert (job["state"], job["done"], job["total"], job["progress"]) == ("done", 3, 3, 1.0)
    assert job["config_version"] == 2
    stored = populated.store.records_of(["T1"])["T1"]
    assert next(r for r in stored if r.metric == "first_response").state.value == "breached"


def test_one_recompute_job_at_a_time_and_unknown_jobs_are_404(populated: Api) -> None:
    release = threading.Event()
    count = populated.store.count_tickets

    def slow_count() -> int:
        release.wait(30)
        return count()

    populated.store.count_tickets = slow_count  # type: ignore[method-assign]
    try:
        assert populated.post("/api/v1/recompute", who="admin").status_code == 202
        again = populated.post("/api/v1/recompute", who="admin")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "conflict"
    finally:
        release.set()
        populated.runtime.jobs.wait()
    assert populated.get("/api/v1/jobs/nope").status_code == 404
