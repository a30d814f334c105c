"""POST /api/v1/events: one event, a batch or an NDJSON stream; per-item outcomes; every
rejected row in the quarantine; the limits."""

from __future__ import annotations

import json
from pathlib import Path

from tests.service.conftest import Api, created, make_api, reply


def test_one_event_is_accepted_and_committed(api: Api) -> None:
    res = api.post("/api/v1/events", json=created("e1", "T1", 0, status="new"))
    assert res.status_code == 200
    assert res.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": 0,
        "results": [{"row": 1, "status": "accepted", "event_id": "e1"}],
    }
    assert [e.event_id for e in api.store.iter_events()] == ["e1"]


def test_a_batch_reports_accepted_duplicate_and_rejected_per_item(api: Api) -> None:
    batch = [
        created("e1", "T1", 0, status="new"),
        created("e1", "T1", 0, status="new"),
        {"event_id": "bad", "ticket_id": "T1", "ts": "yesterday", "kind": "created"},
        reply("e2", "T1", 5),
    ]
    body = api.post("/api/v1/events", json=batch).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    statuses = [(r["row"], r["status"]) for r in body["results"]]
    assert statuses == [(1, "accepted"), (2, "duplicate"), (3, "rejected"), (4, "accepted")]
    assert body["results"][2]["field"] == "ts"
    [q] = api.store.quarantine()
    assert (q.problem.source, q.problem.row, q.problem.field) == ("api", 3, "ts")
    assert q.problem.raw["ts"] == "yesterday"


def test_resending_a_batch_is_idempotent(api: Api) -> None:
    batch = [created("e1", "T1", 0, status="new"), reply("e2", "T1", 5)]
    api.send(*batch)
    again = api.send(*batch)
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert api.store.count_events() == 2


def test_an_id_reused_for_other_content_is_rejected_and_quarantined(api: Api) -> None:
    api.send(created("e1", "T1", 0, status="new"))
    body = api.send(created("e1", "T1", 0, status="open"))
    [result] = body["results"]
    assert result["status"] == "rejected"
    assert result["field"] == "event_id"
    assert api.store.quarantine()[0].problem.raw["fields"] == {"status": "open"}


def test_a_status_the_configuration_does_not_map_is_rejected(api: Api) -> None:
    body = api.send(created("e1", "T1", 0, status="Awaiting vendor"))
    assert body["results"][0]["status"] == "rejected"
    assert "not mapped" in body["results"][0]["reason"]
    assert api.send(created("e2", "T2", 0, status="awaiting customer"))["accepted"] == 1


def test_an_ndjson_stream_is_read_line_by_line(api: Api) -> None:
    lines = [
        json.dumps(created("e1", "T1", 0, status="new")),
        "",
        "{not json",
        json.dumps(reply("e2", "T1", 5)),
    ]
    res = api.post(
        "/api/v1/events",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    body = res.json()
    assert [(r["row"], r["status"]) for r in body["results"]] == [
        (1, "accepted"),
        (3, "rejected"),
        (4, "accepted"),
    ]
    [q] = api.store.quarantine()
    assert (q.problem.source, q.problem.row) == ("api:ndjson", 3)
    assert q.problem.raw == {"_line": "{not json"}


def test_a_body_that_is_not_json_is_a_400_and_is_kept(api: Api) -> None:
    res = api.post(
        "/api/v1/events", content=b"[{oops", headers={"Content-Type": "application/json"}
    )
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "input_invalid"
    [q] = api.store.quarantine()
    assert q.problem.raw == {"_body": "[{oops"}


def test_an_item_that_is_not_an_object_is_rejected(api: Api) -> None:
    body = api.post("/api/v1/events", json=[5, "x"]).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected"]
    assert api.store.count_quarantine() == 2


def test_text_with_nul_characters_is_rejected_not_stored(api: Api) -> None:
    body = api.send(created("e\x00", "T1", 0, status="new"))
    assert body["results"][0]["status"] == "rejected"
    assert api.store.count_events() == 0


def test_a_batch_over_the_item_limit_is_413_and_stores_nothing(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_batch_items=2)
    batch = [created(f"e{i}", "T1", i, status="new") for i in range(3)]
    res = api.post("/api/v1/events", json=batch)
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "payload_too_large"
    assert api.store.count_events() == 0


def test_a_stream_over_the_line_limit_is_413(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_stream_lines=1)
    body = "\n".join(json.dumps(created(f"e{i}", "T1", i, status="new")) for i in range(2))
    res = api.post("/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert res.status_code == 413
    assert api.store.count_events() == 0


def test_a_body_over_the_byte_limit_is_413(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_body_bytes=100)
    res = api.post("/api/v1/events", json=[created(f"e{i}", "T1", i) for i in range(5)])
    assert res.status_code == 413
    assert res.json()["error"]["details"][0]["limit_bytes"] == 100


def test_another_media_type_is_415(api: Api) -> None:
    res = api.post("/api/v1/events", content=b"a,b", headers={"Content-Type": "text/csv"})
    assert res.status_code == 415
    assert res.json()["error"]["code"] == "unsupported_format"


def test_ingest_marks_touched_tickets_and_the_recompute_stores_their_clocks(api: Api) -> None:
    api.send(created("e1", "T1", 0, status="new", customer="acme", priority="high"))
    assert [t for t, _ in api.store.dirty(10)] == ["T1"]
    api.drain()
    assert api.store.dirty(10) == []
    records = api.store.records_of(["T1"])["T1"]
    assert {r.metric for r in records} == {"first_response", "resolution"}
    assert api.store.get_ticket("T1") is not None
