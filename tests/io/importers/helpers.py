"""Shared helpers for the importer tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.core.events import Event
from accord.io.importers import ColumnarImportRun, ImportMapping, ImportRun, open_import
from accord.io.quarantine import record_to_dict

FIXTURES = Path(__file__).parent / "fixtures"


def run_import(
    source: Path | str,
    fmt: str,
    mapping: ImportMapping | str | Path | None = None,
    source_tz: str | None = None,
) -> tuple[list[Event], ImportRun]:
    """The row importer's events and run, once the columnar importer was found to give the
    same events, counts and quarantine records on the same source."""
    run = open_import(source, fmt, mapping=mapping, source_tz=source_tz)
    events = list(run.events())
    assert run.stats.accounted(), run.stats.to_dict()
    assert_columnar_equal(source, fmt, mapping, source_tz, events, run)
    return events, run


def outcome(events: list[Event], run: ImportRun) -> dict[str, Any]:
    """Everything an import gives: events (with their order and ``seq``), counts, warnings
    and quarantine records."""
    return {
        "events": [(e.to_dict(), e.seq) for e in events],
        "stats": run.stats.to_dict(),
        "rows": (run.stats.unchanged, run.stats.duplicates, run.stats.status_events),
        "quarantined": [record_to_dict(r) for r in run.quarantined],
    }


def assert_columnar_equal(
    source: Path | str,
    fmt: str,
    mapping: ImportMapping | str | Path | None,
    source_tz: str | None,
    events: list[Event],
    run: ImportRun,
) -> None:
    col = open_import(source, fmt, mapping=mapping, source_tz=source_tz, columnar=True)
    assert isinstance(col, ColumnarImportRun)
    got = list(col.events())
    assert outcome(got, col) == outcome(events, run)


def by_ticket(events: list[Event]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for e in events:
        out.setdefault(e.ticket_id, []).append(e)
    return out


def summary(e: Event) -> tuple[str, str, dict[str, Any]]:
    """(kind, ISO instant, fields) of an event, for compact expectations."""
    d = e.to_dict()
    return d["kind"], d["ts"], d.get("fields", {})
