"""A Jira delivery maps to the change it reports, whatever the delivery: a retry of the same
change with a new top-level ``timestamp`` is a duplicate (200, counted as one, nothing
quarantined), two changes are two events, and a different change under an id already taken is
still a conflict, quarantined."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from accord.core.timeutil import parse_as_of
from tests.service.conftest import T0, Api
from tests.service.test_metrics_and_docs import sample
from tests.service.test_webhooks import jira_payload, post_jira

# the change's own instants, as Jira writes them (local time with its offset)
CREATED = "2026-03-02T10:00:00.125+0100"  # T0 (09:00Z)
CHANGED = "2026-03-02T10:05:00.500+0100"  # T0 + 5 min


def issue_created() -> dict[str, Any]:
    payload = jira_payload("jira:issue_created")
    payload["issue"]["fields"]["created"] = CREATED
    payload["issue"]["fields"]["updated"] = CREATED
    return payload


def status_change(change_id: str | None = "501", to: str = "Waiting for customer",
                  updated: str = CHANGED) -> dict[str, Any]:  # fmt: skip
    changelog: dict[str, Any] = {"items": [{"field": "status", "toString": to}]}
    if change_id is not None:
        changelog["id"] = change_id
    payload = jira_payload("jira:issue_updated", changelog=changelog)
    payload["issue_event_type_name"] = "issue_generic"
    payload["issue"]["fields"]["created"] = CREATED
    payload["issue"]["fields"]["updated"] = updated
    return payload


def comment_created() -> dict[str, Any]:
    comment = {"id": "7", "author": {"accountId": "agent-1"}, "created": CHANGED}
    return jira_payload("comment_created", comment=comment)


def issue_deleted() -> dict[str, Any]:
    return jira_payload("jira:issue_deleted")


def redelivered(payload: dict[str, Any], later_ms: int = 90_000) -> dict[str, Any]:
    again = copy.deepcopy(payload)
    again["timestamp"] += later_ms  # Jira's retry: same change, a new delivery time
    return again


@pytest.mark.parametrize(
    "make",
    [issue_created, status_change, comment_created, issue_deleted],
    ids=["created", "changelog", "comment", "deleted"],
)
def test_a_jira_redelivery_with_a_new_timestamp_is_a_duplicate_not_a_conflict(
    api: Api, make: Any
) -> None:
    first = post_jira(api, make())
    assert first.status_code == 200 and first.json()["accepted"] == 1, first.text
    stored = api.store.count_events()
    again = post_jira(api, redelivered(make()))
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (0, 1, 0)
    assert api.store.quarantine() == []
    assert api.store.count_events() == stored == 1
    metrics = api.get("/metrics").text
    assert sample(metrics, "accord_events_duplicate_total", source="webhook:jira") == 1
    assert 'accord_events_rejected_total{source="webhook:jira"}' not in metrics


def test_a_jira_event_takes_the_changes_own_instant_not_the_deliverys(api: Api) -> None:
    post_jira(api, issue_created())
    post_jira(api, redelivered(status_change(), later_ms=120_000))
    post_jira(api, redelivered(comment_created(), later_ms=150_000))
    events = api.store.events_of(["SUP-42"])["SUP-42"]
    assert [(e.event_id, e.ts, e.ts_us) for e in events] == [
        ("jira:10042:created", T0, 125_000),
        ("jira:10042:changelog:501", T0 + 300, 500_000),
        ("jira:comment:7", T0 + 300, 500_000),
    ]


def test_two_different_jira_changes_become_two_events(api: Api) -> None:
    post_jira(api, issue_created())
    later = "2026-03-02T10:20:00.000+0100"
    assert post_jira(api, status_change("501")).json()["accepted"] == 1
    assert (
        post_jira(api, status_change("502", "Waiting for support", later)).json()["accepted"] == 1
    )
    events = api.store.events_of(["SUP-42"])["SUP-42"]
    assert [(e.event_id, e.fields.get("status")) for e in events[1:]] == [
        ("jira:10042:changelog:501", "Waiting for customer"),
        ("jira:10042:changelog:502", "Waiting for support"),
    ]
    assert events[2].ts == parse_as_of("2026-03-02T09:20:00Z")


def test_a_jira_change_id_reused_for_a_different_change_is_still_quarantined(api: Api) -> None:
    assert post_jira(api, status_change("501")).json()["accepted"] == 1
    other = redelivered(status_change("501", to="Waiting for support"))
    body = post_jira(api, other).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (0, 0, 1)
    (entry,) = api.store.quarantine()
    assert (entry.problem.source, entry.problem.field) == ("webhook:jira", "event_id")
    assert "jira:10042:changelog:501" in entry.problem.reason


def test_a_jira_change_without_an_id_is_named_by_its_own_content(api: Api) -> None:
    assert post_jira(api, status_change(None)).json()["accepted"] == 1
    assert post_jira(api, redelivered(status_change(None))).json()["duplicates"] == 1
    other = status_change(None, "Waiting for support", "2026-03-02T10:20:00.000+0100")
    assert post_jira(api, other).json()["accepted"] == 1
    ids = [e.event_id for e in api.store.events_of(["SUP-42"])["SUP-42"]]
    assert len(set(ids)) == 2 and all(i.startswith("jira:10042:changelog:h") for i in ids)
    assert api.store.quarantine() == []
