"""OpenAPI schemas of the canonical event and of ingest results."""

from __future__ import annotations

from typing import Any

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ticket_id", "ts", "kind"],
    "properties": {
        "event_id": {"type": "string", "description": "Unique id; ingest is idempotent on it"},
        "ticket_id": {"type": "string"},
        "ts": {"type": "string", "format": "date-time", "example": "2026-03-02T09:15:00Z"},
        "kind": {"type": "string", "enum": ["created", "updated", "message", "rating", "deleted"]},
        "actor": {"type": "string", "enum": ["customer", "agent", "system"]},
        "public": {"type": "boolean"},
        "fields": {"type": "object", "additionalProperties": True},
    },
}

BATCH_LIMIT = 5000  # the default of ACCORD_MAX_BATCH_ITEMS

INGEST_SCHEMA: dict[str, Any] = {
    "description": (
        "One event (a JSON object) or a batch (a JSON array of at most 5,000). Any JSON value "
        "within the JSON limits is read and answered row by row: an item that is not an event "
        "(see the Event schema) is rejected in the answer and kept in the quarantine; it does "
        "not make the request invalid."
    ),
    "maxItems": BATCH_LIMIT,
}

RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {"type": "integer"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": "integer"},
                    "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
                    "event_id": {"type": "string"},
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}
