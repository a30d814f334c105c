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
                                ``event_id`` ``jira:<issue id>:created``; ``ts`` the issue's
                                ``fields.created``
``jira:issue_updated``          ``updated`` with the ``changelog`` items Accord knows
                                (status, priority, assignee, labels, components, issue type);
                                ``event_id`` ``jira:<issue id>:changelog:<changelog id>``;
                                ``ts`` the change's ``changelog.created``, else the issue's
                                ``fields.updated`` (set by that change); no known item: ignored
``comment_created``             ``message``: ``public`` from ``comment.jsdPublic`` (true when
                                absent); ``actor`` customer when the author is the issue's
                                reporter, else agent; ``event_id`` ``jira:comment:<id>``;
                                ``ts`` the comment's ``created``
``jira:issue_deleted``          ``deleted``; ``event_id`` ``jira:<issue id>:deleted``
anything else                   ignored
=============================  ===============================================================

Jira retries a delivery it thinks failed, and a retry may carry a new ``timestamp``. So the
event a delivery maps to depends only on the change it reports: its id names the change (the
issue, changelog or comment id; without one, a digest of the change's own content) and its
``ts`` is the change's own instant, not the delivery's. A retry is then the same event, a
``duplicate``; a different change under an id already taken is still a conflict and is
quarantined. Only a deletion has no instant of its own in the payload: its ``ts``, like that of
any change whose own instant is missing or unreadable, is the delivery's ``timestamp``; a retry
of a deletion already stored keeps the stored deletion's instant (an issue is deleted once), so
it is a duplicate too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from accord.core.events import Event
from accord.core.timeutil import Instant, parse_instant
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


def _own_time(delivered: str, *candidates: Any) -> str:
    """The first of ``candidates`` that reads as an instant (Jira writes
    ``2026-03-02T10:15:30.123+0100``), as ISO 8601 UTC; else the delivery's time."""
    for value in candidates:
        if isinstance(value, str):
            try:
                at = parse_instant(value)
            except ValueError:
                continue
            return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    return delivered


def _text_id(value: Any) -> str | None:
    # Jira ids are numbers written as strings; an object or a list is not an id
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def _digest(*parts: Any) -> str:
    """A stable name for a change Jira gave no id: its own content, never the delivery's."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return "h" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def to_rows(payload: Any) -> list[dict[str, Any]]:
    """The canonical rows of one Jira delivery (none for events Accord does not track)."""
    if not isinstance(payload, Mapping):
        return [{"_payload": payload}]
    signed_at(payload)  # the delivery must carry its timestamp: the freshness check needs it
    delivered = iso_from_ms(payload["timestamp"])
    event = payload.get("webhookEvent")
    issue = payload.get("issue")
    issue = issue if isinstance(issue, Mapping) else {}
    fields = issue.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    row: dict[str, Any] = {"ticket_id": issue.get("key")}
    issue_id = _text_id(issue.get("id")) or _text_id(issue.get("key"))
    if event == "jira:issue_created":
        row.update(
            event_id=f"jira:{issue_id}:created",
            ts=_own_time(delivered, fields.get("created")),
            kind="created",
            fields=_issue_fields(fields),
        )
    elif event == "jira:issue_updated":
        changelog = payload.get("changelog")
        changelog = changelog if isinstance(changelog, Mapping) else {}
        changes = _changes(changelog)
        if not changes:
            return []
        ts = _own_time(delivered, changelog.get("created"), fields.get("updated"))
        change_id = _text_id(changelog.get("id")) or _digest(issue_id, changes, ts)
        row.update(
            event_id=f"jira:{issue_id}:changelog:{change_id}", ts=ts, kind="updated", fields=changes
        )
    elif event == "comment_created":
        comment = payload.get("comment")
        comment = comment if isinstance(comment, Mapping) else {}
        author = _account(comment.get("author"))
        reporter = _account(fields.get("reporter"))
        public = comment.get("jsdPublic", True)
        ts = _own_time(delivered, comment.get("created"))
        comment_id = _text_id(comment.get("id")) or _digest(issue_id, author, public, ts)
        row.update(
            event_id=f"jira:comment:{comment_id}",
            ts=ts,
            kind="message",
            actor="customer" if author is not None and author == reporter else "agent",
            public=public,
        )
    elif event == "jira:issue_deleted":
        # the payload holds no instant of the deletion but the delivery's own (a retry's
        # is settled by :func:`keep_stored_deletions`)
        row.update(event_id=f"jira:{issue_id}:deleted", ts=delivered, kind="deleted")
    else:
        return []
    return [row]


def keep_stored_deletions(
    rows: list[dict[str, Any]], stored: Mapping[str, Sequence[Event]]
) -> list[dict[str, Any]]:
    """A deletion takes the instant of the same deletion already stored, if any.

    A deletion payload carries no instant of its own, so its ``ts`` is the delivery's, and a
    retry of it carries a new one: the same change with other content, which the store would
    quarantine as a conflicting re-use of its id. An issue is deleted once: a deletion whose id
    is stored is that deletion again, and keeps the stored instant (a duplicate). ``stored``:
    the stored events of the rows' tickets."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if row.get("kind") == "deleted":
            ticket = str(row.get("ticket_id"))
            same = [e for e in stored.get(ticket, ()) if e.event_id == row.get("event_id")]
            if same:
                row = {**row, "ts": same[0].to_dict()["ts"]}  # to the microsecond
        out.append(row)
    return out
