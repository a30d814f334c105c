"""Zendesk webhooks (ticket events).

Verification: Zendesk signs each delivery with the webhook's signing secret as
``base64(HMAC-SHA256(secret, timestamp + body))`` and sends the result in
``X-Zendesk-Webhook-Signature`` and the timestamp in ``X-Zendesk-Webhook-Signature-Timestamp``
(ISO 8601; Unix seconds are read too).

Mapping of a ticket event (``type`` ``zen:event-type:ticket.*``; ``detail`` is the ticket as it
is after the event, ``event`` what changed):

=======================================  ==========================================
payload                                   canonical row
=======================================  ==========================================
``id``                                    ``event_id`` = ``zendesk:<id>``
``detail.id`` (or ``subject``)            ``ticket_id``
``time`` (else ``detail.updated_at``)     ``ts``
``ticket.created``                        ``created`` with the ticket's fields
``ticket.comment_added``                  ``message``: ``actor`` agent when
                                          ``event.comment.author.is_staff`` is true,
                                          else customer; ``public`` from
                                          ``event.comment.is_public``
``ticket.soft_deleted`` / ``…deleted``    ``deleted``
any other ``ticket.*`` type               ``updated`` with the ticket's fields
other types (users, organisations, …)     ignored
=======================================  ==========================================

The ticket's fields: ``status`` and ``priority`` (lower-cased; statuses are mapped to
categories by the configuration's ``statuses``), ``customer`` = ``organization_id``,
``team`` = ``group_id``, ``assignee`` = ``assignee_id``, ``type``, ``tags``, ``channel`` =
``via.channel``. Fields missing from ``detail`` are left unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from accord.core.timeutil import Instant, parse_instant, to_instant
from accord.errors import AuthError
from accord.service.webhooks import check_freshness, constant_time_equal

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
SOURCE = "webhook:zendesk"
TICKET_PREFIX = "zen:event-type:ticket."

_FIELDS = {
    "status": "status",
    "priority": "priority",
    "organization_id": "customer",
    "group_id": "team",
    "assignee_id": "assignee",
    "type": "type",
}
_LOWER = frozenset({"status", "priority", "type"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def _signed_at(timestamp: str) -> Instant:
    text = timestamp.strip()
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return int(text)
    try:
        return to_instant(parse_instant(text))
    except (ValueError, OverflowError):
        raise AuthError(f"{TIMESTAMP_HEADER} is not a timestamp") from None


def verify(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    now: Instant,
    tolerance: int,
) -> None:
    """Raise :class:`AuthError` unless the delivery is signed with ``secret`` and fresh."""
    if not signature or not timestamp:
        raise AuthError(f"a Zendesk delivery needs {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}")
    if not constant_time_equal(sign(secret, timestamp, body), signature.strip()):
        raise AuthError("the Zendesk signature does not match the body")
    check_freshness(_signed_at(timestamp), now, tolerance)


def _text(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)  # never through float: a long id would lose digits or overflow
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def _ticket_fields(detail: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, name in _FIELDS.items():
        if key in detail:
            value = _text(detail[key])
            if isinstance(value, str) and name in _LOWER:
                value = value.lower()
            if name == "customer" and value == "0":
                value = None  # Zendesk writes 0 for "no organisation"
            fields[name] = value
    if isinstance(detail.get("tags"), list):
        fields["tags"] = [str(t) for t in detail["tags"]]
    via = detail.get("via")
    if isinstance(via, Mapping) and isinstance(via.get("channel"), str):
        fields["channel"] = via["channel"]
    if fields.get("status") is None:
        fields.pop("status", None)  # a status cannot be cleared
    return fields


def to_rows(payload: Any) -> list[dict[str, Any]]:
    """The canonical rows of one Zendesk delivery (none for events that are not about tickets).

    A malformed payload still yields a row, which validation then rejects with its reason,
    so that the delivery is kept in the quarantine rather than lost.
    """
    if not isinstance(payload, Mapping):
        return [{"_payload": payload}]
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind.startswith(TICKET_PREFIX):
        return []
    action = kind[len(TICKET_PREFIX) :]
    detail = payload.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    ticket = detail.get("id")
    if ticket is None and isinstance(payload.get("subject"), str):
        ticket = payload["subject"].rsplit(":", 1)[-1]
    row: dict[str, Any] = {
        "ticket_id": _text(ticket),
        "ts": payload.get("time") or detail.get("updated_at"),
    }
    if payload.get("id") is not None:
        row["event_id"] = f"zendesk:{payload['id']}"
    if action == "created":
        row.update(kind="created", fields=_ticket_fields(detail))
    elif action == "comment_added":
        event = payload.get("event")
        comment = event.get("comment") if isinstance(event, Mapping) else None
        comment = comment if isinstance(comment, Mapping) else {}
        author = comment.get("author")
        staff = isinstance(author, Mapping) and author.get("is_staff") is True
        row.update(kind="message", actor="agent" if staff else "customer")
        row["public"] = comment.get("is_public", True)
    elif action in ("soft_deleted", "permanently_deleted", "deleted"):
        row["kind"] = "deleted"
    else:
        row.update(kind="updated", fields=_ticket_fields(detail))
    return [row]
