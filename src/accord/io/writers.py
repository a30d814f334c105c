"""Write canonical events as JSON Lines, CSV or Parquet, and an in-memory sink for tests.

What is written reads back as the same events (:func:`accord.io.readers.read_events`), in the
same order, so ``seq`` is kept when the events are numbered from 0 in write order.

- **JSON Lines**: one :meth:`Event.to_dict` object per line (``ts`` in UTC with ``Z``).
- **CSV**: the header ``event_id, ticket_id, ts, kind, actor, public, status, priority,
  customer, team, assignee, channel, type, tags``, then one ``field.<name>`` column per name in
  ``custom_fields``, then ``fields``. A value goes into its own column when the column can hold
  it losslessly (non-blank text; tags without ``;``); anything else (numbers, true/false,
  ``null`` that clears a field, an empty tag list, custom fields without a column) goes into
  the ``fields`` column as JSON, so nothing changes type on the way back.
- **Parquet**: the same columns, with ``ts`` a UTC timestamp (microseconds), ``public`` a
  boolean, ``tags`` a list of strings, and ``fields`` JSON text. Written in record batches.

The format comes from the file name (``.jsonl`` / ``.ndjson`` / ``.json``, ``.csv``, either
optionally ``.gz``, or ``.parquet``) or from ``fmt``. Events are consumed one at a time (any
iterable, e.g. a generator) and the file is written to a temporary name and renamed at the end,
so a failed write never leaves half a file behind.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, Protocol

from accord.core.events import STANDARD_FIELDS, Event, FieldValue
from accord.core.timeutil import from_instant
from accord.errors import UnsupportedFormatError
from accord.io.readers import detect_format

WRITE_FORMATS = ("jsonl", "csv", "parquet")
BASE_COLUMNS = ("event_id", "ticket_id", "ts", "kind", "actor", "public", *STANDARD_FIELDS)
PARQUET_BATCH_EVENTS = 8192

PathLike = str | os.PathLike[str]


def event_columns(custom_fields: Sequence[str] = ()) -> list[str]:
    """The CSV / Parquet columns :func:`write_events` writes, in order."""
    return [*BASE_COLUMNS, *(f"field.{name}" for name in custom_fields), "fields"]


def _fits_cell(value: FieldValue) -> bool:
    # blank text would read back as "not set", so it must travel in the JSON column
    return isinstance(value, str) and bool(value.strip())


def _tags_cell(value: FieldValue) -> str | None:
    """Tags as one ``;``-separated cell, or ``None`` when that would not read back the same."""
    if not isinstance(value, tuple) or not value:
        return None
    if all(t and t == t.strip() and ";" not in t for t in value):
        return ";".join(value)
    return None


def flatten_event(
    event: Event, custom_fields: Sequence[str] = (), *, list_tags: bool = False
) -> dict[str, Any]:
    """One event as a flat row: column -> value (``None`` for "not set").

    ``list_tags``: tags as a list (Parquet) rather than ``;``-separated text (CSV).
    """
    row: dict[str, Any] = {
        "event_id": event.event_id,
        "ticket_id": event.ticket_id,
        "ts": event.to_dict()["ts"],
        "kind": event.kind.value,
        "actor": event.actor.value if event.actor is not None else None,
        "public": event.public,
    }
    columns = set(STANDARD_FIELDS) | set(custom_fields)
    rest: dict[str, Any] = {}
    for name, value in event.fields.items():
        column = name if name in STANDARD_FIELDS else f"field.{name}"
        if name == "tags" and list_tags and isinstance(value, tuple):
            row[column] = list(value)
        elif name == "tags" and (cell := _tags_cell(value)) is not None:
            row[column] = cell
        elif name in columns and name != "tags" and _fits_cell(value):
            row[column] = value
        else:
            rest[name] = list(value) if isinstance(value, tuple) else value
    for column in event_columns(custom_fields):
        row.setdefault(column, None)
    row["fields"] = json.dumps(rest, ensure_ascii=False) if rest else None
    return row


def _temp_path(path: PathLike) -> str:
    return f"{os.fspath(path)}.tmp-{os.getpid()}"


def _open_text(tmp: str, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(tmp, "wt", encoding="utf-8", newline="")
    return open(tmp, "w", encoding="utf-8", newline="")


def _write_jsonl(out: IO[str], events: Iterable[Event]) -> int:
    n = 0
    for event in events:
        out.write(json.dumps(event.to_dict(), ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def _write_csv(out: IO[str], events: Iterable[Event], custom_fields: Sequence[str]) -> int:
    columns = event_columns(custom_fields)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for event in events:
        row = flatten_event(event, custom_fields)
        public = row["public"]
        row["public"] = None if public is None else ("true" if public else "false")
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
        n += 1
    return n


def _batches(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_parquet(tmp: str, events: Iterable[Event], custom_fields: Sequence[str]) -> int:
    import pyarrow as pa  # imported here: pyarrow is slow to import and only Parquet needs it
    import pyarrow.parquet as pq

    columns = event_columns(custom_fields)
    types = {c: pa.string() for c in columns}
    types["ts"] = pa.timestamp("us", tz="UTC")
    types["public"] = pa.bool_()
    types["tags"] = pa.list_(pa.string())
    schema = pa.schema([(c, types[c]) for c in columns])
    n = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in _batches(events, PARQUET_BATCH_EVENTS):
            data: dict[str, list[Any]] = {c: [] for c in columns}
            for event in batch:
                row = flatten_event(event, custom_fields, list_tags=True)
                row["ts"] = from_instant(event.ts).replace(microsecond=event.ts_us)
                for c in columns:
                    data[c].append(row[c])
            writer.write_batch(pa.RecordBatch.from_pydict(data, schema=schema))
            n += len(batch)
    return n


def write_events(
    path: PathLike,
    events: Iterable[Event],
    fmt: str | None = None,
    *,
    custom_fields: Sequence[str] = (),
) -> int:
    """Write ``events`` to ``path`` (replacing it); return how many were written.

    ``custom_fields`` names custom fields that get their own ``field.<name>`` column in CSV and
    Parquet (the others travel in the ``fields`` column); JSON Lines ignores it.
    """
    name = detect_format(path, fmt)
    if name not in WRITE_FORMATS:
        raise UnsupportedFormatError(
            f"cannot write events as '{name}'; expected one of {', '.join(WRITE_FORMATS)}"
        )
    gz = os.fspath(path).lower().endswith(".gz")
    # a new folder is made, as `--out reports/today/events.jsonl` would be expected to
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = _temp_path(path)
    try:
        if name == "parquet":
            n = _write_parquet(tmp, events, custom_fields)
        else:
            with _open_text(tmp, gz) as out:
                if name == "jsonl":
                    n = _write_jsonl(out, events)
                else:
                    n = _write_csv(out, events, custom_fields)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return n


class EventSink(Protocol):
    """Where accepted events go: the store in production, :class:`MemorySink` in tests."""

    def add(self, events: Iterable[Event]) -> int:
        """Keep ``events`` (idempotent on ``event_id``); return how many were new."""
        ...


class MemorySink:
    """An :class:`EventSink` that keeps events in a list, ignoring ids it already holds."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._ids: set[str] = set()

    def add(self, events: Iterable[Event]) -> int:
        n = 0
        for event in events:
            if event.event_id not in self._ids:
                self._ids.add(event.event_id)
                self.events.append(event)
                n += 1
        return n

    def __len__(self) -> int:
        return len(self.events)
