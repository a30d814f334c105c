"""Shared helpers for the importer tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.core.events import Event
from accord.io.importers import ImportMapping, ImportRun, open_import

FIXTURES = Path(__file__).parent / "fixtures"


def run_import(
    source: Path | str,
    fmt: str,
    mapping: ImportMapping | str | Path | None = None,
    source_tz: str | None = None,
) -> tuple[list[Event], ImportRun]:
    run = open_import(source, fmt, mapping=mapping, source_tz=source_tz)
    events = list(run.events())
    assert run.stats.accounted(), run.stats.to_dict()
    return events, run


def by_ticket(events: list[Event]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for e in events:
        out.setdefault(e.ticket_id, []).append(e)
    return out


def summary(e: Event) -> tuple[str, str, dict[str, Any]]:
    """(kind, ISO instant, fields) of an event, for compact expectations."""
    d = e.to_dict()
    return d["kind"], d["ts"], d.get("fields", {})
