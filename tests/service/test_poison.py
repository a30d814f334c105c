"""Poison inputs, on SQLite and PostgreSQL: one bad row never fails its batch (per-row outcomes,
never a 503 for a data problem), text no store can keep is rejected per row, and a ticket the
recompute cannot compute or store is set aside, listed, counted and retried, while the other
tickets' clocks go on being computed."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.core.engine import compute_ticket
from accord.core.event_limits import MAX_STANDARD_VALUE_BYTES
from accord.core.events import Actor, Event, Kind
from accord.io.store import Incoming
from tests.io.store.conftest import pg_url  # noqa: F401  (the PostgreSQL fixture)
from tests.service.conftest import T0, Api, created, make_api, reply
from tests.service.test_metrics_and_docs import sample


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    a = make_api(tmp_path, url=url)
    try:
        yield a
    finally:
        a.store.close()


def statuses(body: dict[str, Any]) -> list[str]:
    return [r["status"] for r in body["results"]]


def quarantined(api: Api) -> list[dict[str, Any]]:
    return api.get("/api/v1/quarantine", who="admin").json()["items"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- one bad row, one outcome


def test_a_long_id_in_a_batch_of_good_rows_is_quarantined_and_the_good_rows_accepted(
    api: Api,
) -> None:
    long_id = secrets.token_hex(1400)  # 2,800 bytes that PostgreSQL cannot compress away
    res = api.post(
        "/api/v1/events",
        json=[
            created("e1", "T1", 0, status="new"),
            created(long_id, "T2", 1, status="new"),
            created("e3", "T3", 2, status="new"),
        ],
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert statuses(body) == ["accepted", "rejected", "accepted"]
    assert body["results"][1]["field"] == "event_id"
    assert "the limit is 512 bytes" in body["results"][1]["reason"]
    assert api.store.count_events() == 2
    [q] = quarantined(api)
    assert q["raw"]["event_id"] == long_id


def test_a_nul_value_in_a_batch_rejects_its_row_only_and_is_quarantined(api: Api) -> None:
    res = api.post(
        "/api/v1/events",
        json=[
            created("e1", "T1", 0, status="new"),
            created("e2", "T2", 1, status="new", region="e\x00u"),
            # rejected for another reason, its raw copy holding NUL: PostgreSQL refused to
            # quarantine it, and the whole request answered 400
            {**created("e3", "T3", 2, status="new"), "kind": "bogus\x00"},
            created("e4", "T4", 3, status="new"),
        ],
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert statuses(body) == ["accepted", "rejected", "rejected", "accepted"]
    assert body["results"][1]["field"] == "fields.region"
    assert "NUL" in body["results"][1]["reason"]
    assert body["results"][2]["field"] == "kind"
    assert api.store.count_events() == 2
    raws = [q["raw"] for q in quarantined(api)]
    assert raws[0]["fields"]["region"] == "e\\u0000u"
    assert raws[1]["kind"] == "bogus\\u0000"


SURROGATE = "\\ud800"  # a lone surrogate as JSON spells it (json.dumps would escape it too)
POSITIONS = {
    "event_id": '{"event_id": "e%s", "ticket_id": "T9", "ts": "2026-03-02T09:00:00Z", '
    '"kind": "created", "fields": {"status": "new"}}',
    "ticket_id": '{"event_id": "e9", "ticket_id": "T%s", "ts": "2026-03-02T09:00:00Z", '
    '"kind": "created", "fields": {"status": "new"}}',
    "fields.name": '{"event_id": "e9", "ticket_id": "T9", "ts": "2026-03-02T09:00:00Z", '
    '"kind": "created", "fields": {"status": "new", "re%s": "eu"}}',
    "fields.region": '{"event_id": "e9", "ticket_id": "T9", "ts": "2026-03-02T09:00:00Z", '
    '"kind": "created", "fields": {"status": "new", "region": "e%s"}}',
    "fields.tags": '{"event_id": "e9", "ticket_id": "T9", "ts": "2026-03-02T09:00:00Z", '
    '"kind": "created", "fields": {"status": "new", "tags": ["vip", "b%s"]}}',
}


@pytest.mark.parametrize("position", sorted(POSITIONS))
def test_a_lone_surrogate_in_any_field_position_is_rejected_per_row(
    api: Api, position: str
) -> None:
    good = json.dumps(created("e1", "T1", 0, status="new"))
    bad = POSITIONS[position] % SURROGATE
    for kind, body in (
        ("application/json", f"[{good}, {bad}]"),
        ("application/x-ndjson", f"{good}\n{bad}\n"),
    ):
        res = api.post("/api/v1/events", content=body, headers={"Content-Type": kind})
        assert res.status_code == 200, res.text
        got = res.json()
        assert statuses(got)[1] == "rejected"
        assert "surrogate" in got["results"][1]["reason"]
        assert got["results"][1]["field"] == position.replace("name", "re" + SURROGATE)
    assert api.store.count_events() == 1
    raws = [q["raw"] for q in quarantined(api)]
    assert len(raws) == 2 and all(SURROGATE in json.dumps(r) for r in raws)


def test_a_customer_too_long_for_the_index_is_rejected_at_ingest(api: Api) -> None:
    customer = secrets.token_hex(1400)
    body = api.send(created("e1", "T1", 0, status="new", customer=customer))
    assert statuses(body) == ["rejected"]
    assert body["results"][0]["field"] == "fields.customer"
    assert f"the limit is {MAX_STANDARD_VALUE_BYTES} bytes" in body["results"][0]["reason"]


# ---------------------------------------------------------------- a ticket that fails


def _poison_customer(api: Api) -> None:
    """A ticket whose customer is too long for PostgreSQL's index on the tickets table, as
    stored before the limits existed (the store takes the event; its records cannot go in)."""
    customer = secrets.token_hex(1400)
    event = Event("p1", "T-poison", T0, Kind.CREATED, Actor.CUSTOMER, None,
                  {"status": "new", "customer": customer})  # fmt: skip
    assert api.store.add_events([Incoming(event, "legacy", 1)], received_at=T0) == ["accepted"]


def test_a_ticket_postgresql_cannot_store_is_set_aside_and_the_recompute_goes_on(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    api = make_api(tmp_path, url=pg_url)
    try:
        _poison_customer(api)
        api.send(created("e1", "T1", 0, status="new", customer="acme"), reply("e2", "T1", 30))
        api.clock.now = T0 + 3600
        api.drain()
        assert api.store.dirty(10) == []
        assert api.get("/api/v1/tickets/T1").json()["clocks"]
        [f] = api.get("/api/v1/recompute/failures", who="admin").json()["items"]
        assert f["ticket_id"] == "T-poison"
        assert "ix_tickets_customer" in f["error"]
        # later tickets are computed too: the poison is not retried at every pass
        api.send(created("e3", "T2", 40, status="new"))
        api.drain()
        assert api.get("/api/v1/tickets/T2").json()["clocks"]
        assert api.store.failed_tickets()[0].attempts == 1
    finally:
        api.store.close()


def _failing_for(monkeypatch: pytest.MonkeyPatch, *bad: str) -> None:
    """The engine fails on the tickets ``bad`` (a bug, a pathological ticket)."""
    real = compute_ticket

    def compute(ticket_id: str, *args: Any, **kw: Any) -> Any:
        if ticket_id in bad:
            raise ValueError(f"cannot compute {ticket_id}")
        return real(ticket_id, *args, **kw)

    monkeypatch.setattr("accord.service.recompute.compute_ticket", compute)


@pytest.fixture
def failed(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """T-bad fails to compute; T1 and T2 are computed."""
    _failing_for(monkeypatch, "T-bad")
    api.send(
        created("e1", "T1", 0, status="new", customer="acme"),
        created("e2", "T-bad", 1, status="new", customer="acme"),
        created("e3", "T2", 2, status="new", customer="globex"),
    )
    api.clock.now = T0 + 600
    api.drain()
    return api


def test_a_ticket_that_fails_to_compute_is_set_aside_and_the_others_computed(
    failed: Api,
) -> None:
    assert failed.store.dirty(10) == []
    assert failed.store.get_ticket("T1") is not None
    assert failed.store.get_ticket("T2") is not None
    assert failed.store.get_ticket("T-bad") is None
    assert failed.runtime.recomputer.failed == 1


def test_a_failed_ticket_is_listed_counted_and_retried(
    failed: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = failed.get("/api/v1/recompute/failures", who="admin").json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["ticket_id"] == "T-bad"
    assert item["error"] == "computing its clocks: ValueError: cannot compute T-bad"
    assert item["attempts"] == 1
    assert item["first_failed_at"] == item["last_failed_at"] == "2026-03-02T09:10:00Z"
    assert sample(failed.get("/metrics").text, "accord_failed_tickets") == 1
    for who in ("read", "write", "acme"):
        assert failed.get("/api/v1/recompute/failures", who=who).status_code == 403

    # retried while still failing: one more attempt, the first failure kept
    res = failed.post("/api/v1/recompute/failures/retry", who="admin")
    assert res.status_code == 200
    assert res.json() == {"retried": 1, "ticket_ids": ["T-bad"]}
    failed.clock.now += 60
    failed.drain()
    [again] = failed.get("/api/v1/recompute/failures", who="admin").json()["items"]
    assert (again["attempts"], again["last_failed_at"]) == (2, "2026-03-02T09:11:00Z")

    # the cause fixed, a retry of that ticket computes it and it is no longer listed
    monkeypatch.undo()
    res = failed.post(
        "/api/v1/recompute/failures/retry", who="admin", json={"ticket_ids": ["T-bad", "T1"]}
    )
    assert res.json() == {"retried": 1, "ticket_ids": ["T-bad"]}
    failed.drain()
    assert failed.get("/api/v1/recompute/failures", who="admin").json()["total"] == 0
    assert failed.store.get_ticket("T-bad") is not None
    assert sample(failed.get("/metrics").text, "accord_failed_tickets") == 0


def test_a_retry_needs_an_admin_token(failed: Api) -> None:
    assert failed.post("/api/v1/recompute/failures/retry", who="write").status_code == 403
    assert failed.store.dirty(10) == []


def test_a_new_event_for_a_failed_ticket_retries_it(
    failed: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()
    failed.send(reply("e4", "T-bad", 20))
    failed.drain()
    assert failed.store.count_failed_tickets() == 0
    assert failed.get("/api/v1/tickets/T-bad").json()["clocks"]


def test_a_restart_does_not_bring_back_the_failed_tickets_loop(failed: Api, tmp_path: Path) -> None:
    # the same database opened by a new server: nothing is marked, nothing is retried
    url = str(failed.store.url.render_as_string(hide_password=False))  # type: ignore[attr-defined]
    again = make_api(tmp_path / "again", url=url)
    try:
        assert again.store.dirty(10) == []
        again.drain()
        assert again.runtime.recomputer.recomputed == 0
        [f] = again.store.failed_tickets()
        assert (f.ticket_id, f.attempts) == ("T-bad", 1)
    finally:
        again.store.close()


def test_a_recompute_job_sets_failing_tickets_aside_and_finishes(failed: Api) -> None:
    job = failed.runtime.jobs.start(background=False).to_json()
    assert (job["state"], job["done"], job["failed"]) == ("done", 3, 1)
    [f] = failed.store.failed_tickets()
    assert (f.ticket_id, f.attempts) == ("T-bad", 2)


def test_a_ticket_the_engine_fails_on_at_read_time_never_fails_the_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.send(
        created("e1", "T1", 0, status="new", customer="acme"),
        created("e2", "T2", 1, status="new", customer="acme"),
    )
    api.clock.now = T0 + 600
    api.drain()
    real = compute_ticket

    def compute(ticket_id: str, *args: Any, **kw: Any) -> Any:
        if ticket_id == "T1":
            raise ValueError("cannot compute T1")
        return real(ticket_id, *args, **kw)

    # the stored records are fine; the recomputation a read makes fails for T1 alone
    monkeypatch.setattr("accord.service.runtime.compute_ticket", compute)
    res = api.get("/api/v1/tickets")
    assert res.status_code == 200, res.text
    items = {t["ticket_id"]: t for t in res.json()["items"]}
    assert items["T1"]["clocks"] == [] and "cannot compute T1" in items["T1"]["error"]
    assert items["T2"]["clocks"] and "error" not in items["T2"]
    queue = api.get("/api/v1/at-risk")
    assert queue.status_code == 200
    assert {c["ticket_id"] for c in queue.json()["items"]} == {"T2"}
    one = api.get("/api/v1/tickets/T1")
    assert one.status_code == 200 and "cannot compute T1" in one.json()["error"]
    assert api.get("/api/v1/tickets?format=csv").status_code == 200
