"""Jira (Jira Service Management) webhooks.

Verification: a Jira admin webhook registered with a secret sends
``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>``. Jira sends no timestamp header, so
the payload's own ``timestamp`` (milliseconds since the epoch, part of the signed body) is the
delivery's time, and one more than five minutes away is refused as a replay.

Mapping (``webhookEvent``; the ticket id is the issue key, e.g. ``SUP-42``):

=============================  ===============================================================
payload                         canonical row
=============================  ===============================================================
``jira:issue_created``          ``created``: ``status``, ``priority`` (names), ``assignee``
                                (``accountId``), ``customer`` (project key), ``team`` (first
                                component), ``type`` (issue type), ``tags`` (labels);
                                ``event_id`` ``jira:<issue id>:created``
``jira:issue_updated``          ``updated`` with the ``changelog`` items Accord knows
                                (status, priority, assignee, labels, components, issue type);
                                ``event_id`` ``jira:<issue id>:changelog:<changelog id>``;
                                no known item: ignored
``comment_created``             ``message``: ``public`` from ``comment.jsdPublic`` (true when
                                absent); ``actor`` customer when the author is the issue's
                                reporter, else agent; ``event_id`` ``jira:comment:<id>``
``jira:issue_deleted``          ``deleted``
anything else                   ignored
=============================  ===============================================================

``ts`` is the payload's ``timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from accord.core.timeutil import Instant
from accord.errors import AuthError
from accord.service.webhooks import check_freshness, constant_time_equal, iso_from_ms

SIGNATURE_HEADER = "X-Hub-Signature"
SOURCE = "webhook:jira"

_CHANGELOG_FIELDS = {
    "status": "status",
    "priority": "priority",
    "assignee": "assignee",
    "issuetype": "type",
}


def sign(secret: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> None:
    """Raise :class:`AuthError` unless ``body`` is signed with ``secret``."""
    if not signature:
        raise AuthError(f"a Jira delivery needs {SIGNATURE_HEADER}: sha256=<hex>")
    if not constant_time_equal(sign(secret, body), signature.strip()):
        raise AuthError("the Jira signature does not match the body")


def signed_at(payload: Any) -> Instant:
    """The delivery's time: the payload's ``timestamp`` in milliseconds."""
    ms = payload.get("timestamp") if isinstance(payload, Mapping) else None
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < 2**53:
        raise AuthError("a Jira delivery needs its 'timestamp' (milliseconds since the epoch)")
    return ms // 1000


def check(payload: Any, *, now: Instant, tolerance: int) -> None:
    check_freshness(signed_at(payload), now, tolerance)


def _name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        got = value.get("name") or value.get("value") or value.get("key")
        return str(got) if got is not None else None
    return None


def _account(value: Any) -> str | None:
    if isinstance(value, Mapping):
        got = value.get("accountId") or value.get("name") or value.get("key")
        return str(got) if got is not None else None
    return None


def _issue_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    status = _name(fields.get("status"))
    if status is not None:
        out["status"] = status
    out["priority"] = _name(fields.get("priority"))
    out["assignee"] = _account(fields.get("assignee"))
    project = fields.get("project")
    if isinstance(project, Mapping) and project.get("key") is not None:
        out["customer"] = str(project["key"])
    components = fields.get("components")
    if isinstance(components, list) and components:
        out["team"] = _name(components[0])
    issue_type = _name(fields.get("issuetype"))
    if issue_type is not None:
        out["type"] = issue_type
    labels = fields.get("labels")
    if isinstance(labels, list):
        out["tags"] = [str(x) for x in labels]
    return out


def _changes(changelog: Any) -> dict[str, Any]:
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    out: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        field = str(item.get("field", "")).lower().replace(" ", "")
        if field in _CHANGELOG_FIELDS:
            name = _CHANGELOG_FIELDS[field]
            value = item.get("to") if name == "assignee" else item.get("toString")
            if name == "status" and value is None:
                continue
            out[name] = None if value is None else str(value)
        elif field == "labels":
            text = item.get("toString") or ""
            out["tags"] = [t for t in str(text).split() if t]
        elif field == "component":
            out["team"] = item.get("toString") or None
    return out


def to_rows(payload: Any) -> list[dict[str, Any]]:
    """The canonical rows of one Jira delivery (none for events Accord does not track)."""
    if not isinstance(payload, Mapping):
        return [{"_payload": payload}]
    signed_at(payload)  # the timestamp is the events' instant: it must be there
    event = payload.get("webhookEvent")
    issue = payload.get("issue")
    issue = issue if isinstance(issue, Mapping) else {}
    fields = issue.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    row: dict[str, Any] = {"ticket_id": issue.get("key"), "ts": iso_from_ms(payload["timestamp"])}
    issue_id = issue.get("id")
    if event == "jira:issue_created":
        row.update(
            event_id=f"jira:{issue_id}:created", kind="created", fields=_issue_fields(fields)
        )
    elif event == "jira:issue_updated":
        changes = _changes(payload.get("changelog"))
        if not changes:
            return []
        changelog = payload.get("changelog")
        change_id = changelog.get("id") if isinstance(changelog, Mapping) else None
        row.update(
            event_id=f"jira:{issue_id}:changelog:{change_id}", kind="updated", fields=changes
        )
    elif event == "comment_created":
        comment = payload.get("comment")
        comment = comment if isinstance(comment, Mapping) else {}
        author = _account(comment.get("author"))
        reporter = _account(fields.get("reporter"))
        public = comment.get("jsdPublic", True)
        row.update(
            event_id=f"jira:comment:{comment.get('id')}",
            kind="message",
            actor="customer" if author is not None and author == reporter else "agent",
            public=public,
        )
    elif event == "jira:issue_deleted":
        row.update(event_id=f"jira:{issue_id}:deleted", kind="deleted")
    else:
        return []
    return [row]
