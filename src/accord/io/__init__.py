"""The edges: everything that reads or writes outside the pure core.

- :mod:`accord.io.readers`: canonical ticket events from JSON Lines, CSV and Parquet files
  (optionally gzip-compressed), streamed row by row; bad rows go to the quarantine, duplicates
  are counted. The per-row rules live in the core, in :mod:`accord.core.event_validation`
  (pure, so the REST ingest and the importers use the same ones).
- :mod:`accord.io.quarantine`: the rejected rows with their reasons, appended to a JSON Lines
  file and replayable once fixed.
- :mod:`accord.io.writers`: events back out as JSON Lines, CSV or Parquet, and the
  :class:`~accord.io.writers.EventSink` interface with an in-memory implementation for tests.
- :mod:`accord.io.records_out`: the engine's metric records as CSV, JSON, JSON Lines, Parquet.
"""

from accord.io.quarantine import QuarantineRecord, read_quarantine, write_quarantine
from accord.io.readers import (
    Accepted,
    Deduplicator,
    Duplicate,
    ReadResult,
    RowOutcome,
    iter_csv,
    iter_jsonl,
    iter_rows,
    read_events,
    read_many,
)
from accord.io.writers import EventSink, MemorySink, write_events

__all__ = [
    "Accepted",
    "Deduplicator",
    "Duplicate",
    "EventSink",
    "MemorySink",
    "QuarantineRecord",
    "ReadResult",
    "RowOutcome",
    "iter_csv",
    "iter_jsonl",
    "iter_rows",
    "read_events",
    "read_many",
    "read_quarantine",
    "write_events",
    "write_quarantine",
]
