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
