"""Zendesk and Jira webhooks: signatures verified, replays refused, native payloads mapped to
canonical events and stored like any other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accord.core.events import Actor, Kind
from accord.core.timeutil import iso
from accord.service.webhooks import jira, zendesk
from tests.service.conftest import JIRA_SECRET, T0, ZENDESK_SECRET, Api, make_api


def zd_payload(kind: str, event_id: str = "01HZ", **extra: Any) -> dict[str, Any]:
    detail = {
        "id": "35436",
        "status": "OPEN",
        "priority": "HIGH",
        "organization_id": "9001",
        "group_id": "77",
        "assignee_id": "55",
        "tags": ["vip"],
        "via": {"channel": "web"},
        "created_at": iso(T0),
        "updated_at": iso(T0),
    }
    return {
        "type": f"zen:event-type:ticket.{kind}",
        "id": event_id,
        "time": iso(T0),
        "subject": "zen:ticket:35436",
        "detail": detail,
        **extra,
    }


def post_zendesk(api: Api, payload: Any, *, at: int = T0, secret: str = ZENDESK_SECRET) -> Any:
    body = json.dumps(payload).encode()
    stamp = iso(at) or ""
    headers = {
        "Content-Type": "application/json",
        zendesk.SIGNATURE_HEADER: zendesk.sign(secret, stamp, body),
        zendesk.TIMESTAMP_HEADER: stamp,
    }
    return api.client.post("/api/v1/webhooks/zendesk", content=body, headers=headers)


def jira_payload(event: str, **extra: Any) -> dict[str, Any]:
    return {
        "webhookEvent": event,
        "timestamp": T0 * 1000 + 250,
        "issue": {
            "id": "10042",
            "key": "SUP-42",
            "fields": {
                "status": {"name": "Waiting for support"},
                "priority": {"name": "High"},
                "assignee": {"accountId": "agent-1"},
                "reporter": {"accountId": "cust-1"},
                "project": {"key": "ACME"},
                "components": [{"name": "Billing"}],
                "issuetype": {"name": "Incident"},
                "labels": ["vip"],
            },
        },
        **extra,
    }


def post_jira(api: Api, payload: Any, *, secret: str = JIRA_SECRET) -> Any:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", jira.SIGNATURE_HEADER: jira.sign(secret, body)}
    return api.client.post("/api/v1/webhooks/jira", content=body, headers=headers)


def test_a_signed_zendesk_ticket_event_becomes_a_canonical_event(api: Api) -> None:
    res = post_zendesk(api, zd_payload("created"))
    assert res.status_code == 200, res.text
    assert res.json()["accepted"] == 1
    [e] = api.store.events_of(["35436"])["35436"]
    assert (e.event_id, e.kind, e.ts) == ("zendesk:01HZ", Kind.CREATED, T0)
    assert dict(e.fields) == {
        "status": "open",
        "priority": "high",
        "customer": "9001",
        "team": "77",
        "assignee": "55",
        "tags": ("vip",),
        "channel": "web",
    }


def test_zendesk_comments_are_messages_by_agent_or_customer(api: Api) -> None:
    staff = {"comment": {"is_public": True, "author": {"is_staff": True}}}
    note = {"comment": {"is_public": False, "author": {"is_staff": True}}}
    customer = {"comment": {"is_public": True, "author": {"is_staff": False}}}
    for n, event in enumerate((staff, note, customer)):
        res = post_zendesk(api, zd_payload("comment_added", f"c{n}", event=event))
        assert res.json()["accepted"] == 1, res.text
    got = [(e.actor, e.public) for e in api.store.events_of(["35436"])["35436"]]
    assert got == [(Actor.AGENT, True), (Actor.AGENT, False), (Actor.CUSTOMER, True)]


def test_other_zendesk_ticket_events_update_fields_and_deletion_deletes(api: Api) -> None:
    post_zendesk(api, zd_payload("status_changed", "s1"))
    post_zendesk(api, zd_payload("soft_deleted", "d1"))
    kinds = [e.kind for e in api.store.events_of(["35436"])["35436"]]
    assert kinds == [Kind.UPDATED, Kind.DELETED]


def test_a_zendesk_redelivery_is_a_duplicate_and_non_ticket_events_are_ignored(api: Api) -> None:
    post_zendesk(api, zd_payload("created"))
    assert post_zendesk(api, zd_payload("created")).json()["duplicates"] == 1
    user = {"type": "zen:event-type:user.created", "id": "u1", "detail": {}}
    assert post_zendesk(api, user).json() == {
        "accepted": 0,
        "duplicates": 0,
        "rejected": 0,
        "results": [],
        "ignored": True,
    }


def test_a_zendesk_delivery_with_a_bad_signature_or_an_old_stamp_is_refused(api: Api) -> None:
    assert post_zendesk(api, zd_payload("created"), secret="wrong").status_code == 401
    stale = post_zendesk(api, zd_payload("created"), at=T0 - 301)
    assert stale.status_code == 401
    assert "replay" in stale.json()["error"]["message"]
    assert post_zendesk(api, zd_payload("created"), at=T0 - 299).status_code == 200
    unsigned = api.client.post("/api/v1/webhooks/zendesk", json=zd_payload("created"))
    assert unsigned.status_code == 401
    assert api.store.count_events() == 1


def test_a_zendesk_payload_that_maps_to_a_bad_event_is_quarantined(api: Api) -> None:
    payload = zd_payload("created")
    payload["time"] = "not a time"
    body = post_zendesk(api, payload).json()
    assert body["rejected"] == 1
    [q] = api.store.quarantine()
    assert (q.problem.source, q.problem.field) == ("webhook:zendesk", "ts")


def test_a_signed_jira_issue_becomes_created_updated_and_message_events(api: Api) -> None:
    assert post_jira(api, jira_payload("jira:issue_created")).json()["accepted"] == 1
    changelog = {
        "id": "501",
        "items": [
            {"field": "status", "toString": "Waiting for customer"},
            {"field": "priority", "toString": "Highest"},
            {"field": "resolution", "toString": "Done"},  # not tracked
        ],
    }
    assert (
        post_jira(api, jira_payload("jira:issue_updated", changelog=changelog)).json()["accepted"]
        == 1
    )
    for cid, author, public in (("1", "agent-1", True), ("2", "cust-1", True), ("3", "a", False)):
        comment = {"id": cid, "author": {"accountId": author}, "jsdPublic": public}
        post_jira(api, jira_payload("comment_created", comment=comment))
    events = api.store.events_of(["SUP-42"])["SUP-42"]
    assert [e.event_id for e in events] == [
        "jira:10042:created",
        "jira:10042:changelog:501",
        "jira:comment:1",
        "jira:comment:2",
        "jira:comment:3",
    ]
    assert dict(events[0].fields) == {
        "status": "Waiting for support",
        "priority": "High",
        "assignee": "agent-1",
        "customer": "ACME",
        "team": "Billing",
        "type": "Incident",
        "tags": ("vip",),
    }
    assert dict(events[1].fields) == {"status": "Waiting for customer", "priority": "Highest"}
    assert [(e.actor, e.public) for e in events[2:]] == [
        (Actor.AGENT, True),
        (Actor.CUSTOMER, True),
        (Actor.AGENT, False),
    ]
    assert events[0].ts == T0 and events[0].ts_us == 250_000


def test_jira_events_accord_does_not_track_are_ignored(api: Api) -> None:
    assert post_jira(api, jira_payload("jira:worklog_updated")).json()["ignored"] is True
    nothing = jira_payload("jira:issue_updated", changelog={"id": "1", "items": []})
    assert post_jira(api, nothing).json()["ignored"] is True


def test_a_jira_delivery_with_a_bad_signature_or_an_old_timestamp_is_refused(api: Api) -> None:
    assert post_jira(api, jira_payload("jira:issue_created"), secret="x").status_code == 401
    old = jira_payload("jira:issue_created")
    old["timestamp"] = (T0 - 600) * 1000
    assert post_jira(api, old).status_code == 401
    no_stamp = jira_payload("jira:issue_created")
    del no_stamp["timestamp"]
    assert post_jira(api, no_stamp).status_code == 401
    assert api.store.count_events() == 0


def test_a_webhook_without_a_secret_is_not_there(tmp_path: Path) -> None:
    api = make_api(tmp_path, zendesk_secret=None, jira_secret=None)
    assert post_zendesk(api, zd_payload("created")).status_code == 404
    assert post_jira(api, jira_payload("jira:issue_created")).status_code == 404


def test_a_signed_delivery_in_a_media_type_other_than_json_is_refused_415(api: Api) -> None:
    # found by the outside probe (bench/probe_hardening.py): a correctly signed Zendesk body
    # sent as text/plain was stored, where the schema and POST /api/v1/events read JSON only
    body = json.dumps(zd_payload("created")).encode()
    stamp = iso(T0) or ""
    headers = {
        "Content-Type": "text/plain",
        zendesk.SIGNATURE_HEADER: zendesk.sign(ZENDESK_SECRET, stamp, body),
        zendesk.TIMESTAMP_HEADER: stamp,
    }
    res = api.client.post("/api/v1/webhooks/zendesk", content=body, headers=headers)
    assert res.status_code == 415, res.text
    assert res.json()["error"]["code"] == "unsupported_format"
    jira_body = json.dumps(jira_payload("jira:issue_created")).encode()
    res = api.client.post(
        "/api/v1/webhooks/jira",
        content=jira_body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            jira.SIGNATURE_HEADER: jira.sign(JIRA_SECRET, jira_body),
        },
    )
    assert res.status_code == 415, res.text
    assert api.store.count_events() == 0
    # JSON with parameters is still read
    headers["Content-Type"] = "application/json; charset=UTF-8"
    res = api.client.post("/api/v1/webhooks/zendesk", content=body, headers=headers)
    assert res.status_code == 200, res.text
