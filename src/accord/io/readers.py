"""Read canonical ticket events from JSON Lines, CSV and Parquet files (DESIGN §2).

Formats
-------

The format comes from the file name, or from ``fmt`` (one of ``jsonl``, ``csv``, ``parquet``,
``quarantine``; ``ndjson`` and ``json`` mean ``jsonl``):

- ``.jsonl``, ``.ndjson``, ``.json``, each optionally ``.gz``: JSON Lines, one object per line;
- ``.csv`` or ``.csv.gz``: CSV, a header line, then one row per line;
- ``.parquet``: Parquet, one record per event;
- ``quarantine`` is never inferred: it replays a quarantine file (see
  :mod:`accord.io.quarantine`).

Any other name raises :class:`~accord.errors.UnsupportedFormatError` unless ``fmt`` is given.
Gzip compression is recognised by the file's first bytes, whatever its name. Text is UTF-8 (a
byte-order mark is ignored). Blank lines, and CSV rows whose cells are all empty, are skipped.

**JSON Lines** rows are objects as described in :mod:`accord.core.event_validation`::

    {"event_id": "e1", "ticket_id": "T-1", "ts": "2026-03-02T09:15:00Z", "kind": "created",
     "actor": "customer", "fields": {"status": "new", "priority": "P1", "region": "EMEA"}}
    {"ticket_id": 1, "ts": "2026-03-02T09:20:00+01:00", "kind": "message", "actor": "agent",
     "public": true}

**CSV** is the flattened form: the same top-level columns (``event_id``, ``ticket_id``, ``ts``,
``kind``, ``actor``, ``public``), the standard fields as their own columns (``status``,
``priority``, ``customer``, ``team``, ``assignee``, ``channel``, ``type``, ``tags``,
``rating``), custom fields as ``field.<name>`` columns, and an optional ``fields`` column
holding a JSON object. An empty cell means "not set by this event"; ``tags`` are separated by
``;``; ``public`` is true/false/1/0/yes/no. Custom field cells stay text: put typed values
(numbers, true/false) or ``null`` (to clear a field) in the ``fields`` column::

    event_id,ticket_id,ts,kind,actor,public,status,priority,tags,field.region,fields
    e1,T-1,2026-03-02T09:15:00Z,created,customer,,new,P1,vip;billing,EMEA,"{""seats"": 40}"

**Parquet** has the same columns as CSV. ``ts`` may also be a timestamp column (one without
a time zone needs ``source_tz``), ``tags`` a list column, ``public`` a boolean column and
``fields`` a JSON text or a struct column (null members of a struct mean "not set").

Outcomes
--------

Every row is either accepted (an :class:`~accord.core.events.Event`), a duplicate, or
quarantined (a :class:`~accord.io.quarantine.QuarantineRecord` naming the source, the row, the
field and the reason). Reading never raises on bad data; it raises only when the file as a whole
cannot be read (unknown format, missing file, a file that is not Parquet).

- ``Event.seq`` is the row's arrival index across the whole read (0-based; rejected rows and
  duplicates use up their index too, so it can have gaps). The engine orders by ``ts``, ties by
  ``seq``; rows may arrive in any order.
- Ingest is idempotent on ``event_id``: a later row with the same id and the same content is a
  duplicate (counted, not kept); the same id with different content is quarantined.
- :func:`iter_rows` streams: memory stays flat however long the file is (JSON Lines and CSV are
  read line by line, Parquet by record batches). Remembering ids for duplicate detection is the
  one thing that grows, with the number of events, and only when a :class:`Deduplicator` is
  passed (a sink that is itself idempotent on ``event_id`` can do without one).
- Rows are numbered for problems as the quarantine describes: the 1-based line in JSON Lines and
  CSV (the header is line 1; a quoted cell over several lines counts them all), the 1-based
  record in Parquet. A CSV row with more or fewer cells than the header is rejected whole.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import IO, Any, cast

from accord.core.event_validation import StatusMapper, validate_event, validate_flat_row
from accord.core.event_validation import content_digest as _digest
from accord.core.events import Event
from accord.errors import DamagedInputError, InputError, UnsupportedFormatError
from accord.io import safejson
from accord.io.compression import damaged_file
from accord.io.quarantine import QuarantineRecord, iter_quarantine_lines

FORMATS = ("jsonl", "csv", "parquet", "quarantine")
_FORMAT_ALIASES = {"ndjson": "jsonl", "json": "jsonl"}
_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
_GZIP_MAGIC = b"\x1f\x8b"
PARQUET_BATCH_ROWS = 8192

PathLike = str | os.PathLike[str]


def detect_format(path: PathLike, fmt: str | None = None) -> str:
    """The reader format for ``path``: ``fmt`` if given (aliases allowed), else from its name.

    Raises :class:`UnsupportedFormatError` when neither says a known format.
    """
    if fmt is not None:
        name = fmt.strip().lower().lstrip(".")
        name = _FORMAT_ALIASES.get(name, name)
        if name not in FORMATS:
            raise UnsupportedFormatError(
                f"unknown event format '{fmt}'; expected one of {', '.join(FORMATS)}"
            )
        return name
    lower = os.fspath(path).lower()
    gz = lower.endswith(".gz")
    stem = lower[:-3] if gz else lower
    suffix = os.path.splitext(stem)[1]
    got = _SUFFIX_FORMATS.get(suffix)
    if got is None or (gz and got == "parquet"):
        raise UnsupportedFormatError(
            f"cannot tell the event format of '{os.fspath(path)}' from its name; name it .jsonl, "
            ".ndjson, .csv (optionally .gz) or .parquet, or give the format"
        )
    return got


def is_flat_source(source: str) -> bool:
    """Whether rows from ``source`` are in the flattened (CSV / Parquet) dialect, by its name."""
    lower = source.lower()
    return lower.endswith((".csv", ".csv.gz", ".parquet"))


@dataclass(frozen=True, slots=True)
class Accepted:
    """A row that became an event."""

    event: Event
    source: str
    row: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row whose event was already read (same ``event_id``, same content): ignored."""

    event: Event
    source: str
    row: int
    first_source: str
    first_row: int


RowOutcome = Accepted | Duplicate | QuarantineRecord


class Deduplicator:
    """Remembers each accepted ``event_id`` with a digest of its content and where it was seen.

    Holds its state across files, so one instance makes a multi-file read idempotent.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, tuple[bytes, str, int]] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def admit(self, event: Event, *, source: str, row: int, raw: Mapping[str, Any]) -> RowOutcome:
        digest = _digest(event)
        first = self._seen.get(event.event_id)
        if first is None:
            self._seen[event.event_id] = (digest, source, row)
            return Accepted(event, source, row)
        first_digest, first_source, first_row = first
        if first_digest == digest:
            return Duplicate(event, source, row, first_source, first_row)
        where = f"row {first_row}" + ("" if first_source == source else f" of {first_source}")
        return QuarantineRecord(
            source=source,
            row=row,
            field="event_id",
            reason=f"conflicts with event_id '{event.event_id}' first seen at {where}: "
            "same id, different content",
            raw=dict(raw),
        )


@dataclass
class ReadResult:
    """What a read produced: accepted events in arrival order, quarantined rows, counts."""

    events: list[Event] = field(default_factory=list)
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    duplicates: int = 0
    rows: int = 0  # data rows seen: accepted + duplicates + quarantined

    def add(self, outcome: RowOutcome) -> None:
        self.rows += 1
        if isinstance(outcome, Accepted):
            self.events.append(outcome.event)
        elif isinstance(outcome, Duplicate):
            self.duplicates += 1
        else:
            self.quarantined.append(outcome)


@dataclass(frozen=True, slots=True)
class _RawRow:
    """One row as read from a file, before validation (or a whole-row problem)."""

    source: str
    row: int
    data: Mapping[str, Any] | None  # None when ``problem`` is set
    raw: dict[str, Any]
    flat: bool
    problem: str | None = None


def _validate(
    rows: Iterable[_RawRow],
    *,
    first_seq: int,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    dedupe: Deduplicator | None,
) -> Iterator[RowOutcome]:
    for i, r in enumerate(rows):
        if r.data is None:
            yield QuarantineRecord(r.source, r.row, "*", r.problem or "unreadable row", r.raw)
            continue
        validate = validate_flat_row if r.flat else validate_event
        got = validate(
            r.data,
            source=r.source,
            row=r.row,
            seq=first_seq + i,
            source_tz=source_tz,
            status_category=status_category,
        )
        if not isinstance(got, Event):
            yield got
        elif dedupe is None:
            yield Accepted(got, r.source, r.row)
        else:
            yield dedupe.admit(got, source=r.source, row=r.row, raw=r.raw)


_LINE_LIMITS = safejson.LIMITS.but(surrogates=True)


def _json_line(source: str, number: int, text: str) -> _RawRow:
    try:
        # within limits: one line too deep or with a 5,000-digit number is that line's problem
        # lone surrogates are left to the row's validation, which names the field
        obj = safejson.loads(text, limits=_LINE_LIMITS, what="the line")
    except InputError as e:
        problem = str(e.details[0]["reason"]) if e.details else e.message
        return _RawRow(source, number, None, {"_line": text}, False, problem)
    if not isinstance(obj, dict):
        problem = f"expected one JSON object per line, got {_json_kind(obj)}"
        return _RawRow(source, number, None, {"_line": text}, False, problem)
    return _RawRow(source, number, obj, obj, False)


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "true/false" if isinstance(value, bool) else "a number"


def _jsonl_rows(lines: Iterable[bytes | str], source: str) -> Iterator[_RawRow]:
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                raw = {"_line": line.decode("utf-8", "replace").strip()}
                yield _RawRow(source, number, None, raw, False, "the line is not valid UTF-8")
                continue
        else:
            text = line
        if number == 1:
            text = text.lstrip("\ufeff")
        text = text.strip()
        if text:
            yield _json_line(source, number, text)


def _has_surrogates(text: str) -> bool:
    # undecodable bytes arrive as lone surrogates (errors="surrogateescape")
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _csv_rows(lines: Iterable[str], source: str) -> Iterator[_RawRow]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    twice: list[str] = []
    last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            start, last_line = last_line + 1, reader.line_num
            if header is None:
                raise InputError(f"{source}:{start}: cannot read the CSV header: {e}") from None
            yield _RawRow(source, start, None, {}, True, f"not a readable CSV row: {e}")
            continue
        start, last_line = last_line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line, or a row of empty cells (trailing junk of spreadsheets)
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in cells]
            twice = sorted({h for h in header if header.count(h) > 1})
            continue
        raw: dict[str, Any] = dict(zip(header, cells, strict=False))
        problem = None
        if len(cells) != len(header):
            if len(cells) > len(header):
                raw["_extra"] = cells[len(header) :]
            problem = f"the row has {len(cells)} cells but the header has {len(header)} columns"
        elif twice:
            problem = f"the header names column(s) {', '.join(twice)} more than once"
        elif any(_has_surrogates(c) for c in cells):
            problem = "the row is not valid UTF-8"
        if problem is not None:
            clean = {k: _clean_text(v) for k, v in raw.items()}
            yield _RawRow(source, start, None, clean, True, problem)
        else:
            yield _RawRow(source, start, raw, raw, True)


def _clean_text(value: Any) -> Any:
    if isinstance(value, str) and _has_surrogates(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_clean_text(v) for v in value]
    return value


def _json_safe(value: Any) -> Any:
    """A Parquet cell as plain JSON values, so that it validates and quarantines alike."""
    if isinstance(value, datetime):
        return datetime.isoformat(value)  # the base method: pandas' Timestamp adds nanoseconds
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _parquet_rows(path: PathLike, source: str, batch_rows: int) -> Iterator[_RawRow]:
    import pyarrow as pa  # imported here: pyarrow is slow to import and only Parquet needs it
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise InputError(f"'{source}' is not a readable Parquet file: {e}") from None
    number = 0
    with pf:
        for batch in pf.iter_batches(batch_size=batch_rows):
            for record in batch.to_pylist():
                number += 1
                safe = {str(k): _json_safe(v) for k, v in record.items()}
                yield _RawRow(source, number, safe, safe, True)


def _quarantine_rows(lines: Iterable[bytes], source: str) -> Iterator[_RawRow]:
    for q in iter_quarantine_lines(lines):
        if q.record is None:
            raw = {"_line": q.text}
            yield _RawRow(source, q.line, None, raw, False, f"not a quarantine line: {q.problem}")
            continue
        rec = q.record
        flat = is_flat_source(rec.source)
        line = rec.raw.get("_line")
        if not flat and set(rec.raw) == {"_line"} and isinstance(line, str):
            # a row that was not JSON at all: its (fixed) text is parsed as the row
            yield _json_line(rec.source, rec.row, line)
        else:
            yield _RawRow(rec.source, rec.row, rec.raw, rec.raw, flat)


def _is_gzip(path: PathLike) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _open_binary(path: PathLike) -> IO[bytes]:
    if _is_gzip(path):
        # GzipFile is a binary stream; typeshed just does not declare it as IO[bytes]
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def _raw_rows(path: PathLike, fmt: str, batch_rows: int) -> Iterator[_RawRow]:
    source = os.fspath(path)
    if fmt == "parquet":
        yield from _parquet_rows(path, source, batch_rows)
        return
    try:
        with _open_binary(path) as stream:
            if fmt == "jsonl":
                yield from _jsonl_rows(stream, source)
            elif fmt == "quarantine":
                yield from _quarantine_rows(stream, source)
            else:
                # surrogateescape: a bad byte quarantines its row instead of stopping the read
                text = io.TextIOWrapper(
                    stream, encoding="utf-8-sig", errors="surrogateescape", newline=""
                )
                yield from _csv_rows(text, source)
    except Exception as e:
        # a gzip cut short or corrupt: a clear error (Click would print a bare "Aborted.")
        message = damaged_file(source, e)
        if message is None:
            raise
        raise DamagedInputError(message) from None


def iter_rows(
    path: PathLike,
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
    dedupe: Deduplicator | None = None,
    first_seq: int = 0,
    batch_rows: int = PARQUET_BATCH_ROWS,
) -> Iterator[RowOutcome]:
    """Stream the outcome of each row of one file, in file order.

    Yields :class:`Accepted`, :class:`Duplicate` (only with a ``dedupe``) or a
    :class:`QuarantineRecord`. ``first_seq`` is the ``seq`` of the file's first row, to continue
    numbering across files. The format is checked before the first ``next()``; the file is
    opened lazily.
    """
    name = detect_format(path, fmt)
    rows = _raw_rows(path, name, batch_rows)
    return _validate(
        rows,
        first_seq=first_seq,
        source_tz=source_tz,
        status_category=status_category,
        dedupe=dedupe,
    )


def iter_jsonl(
    lines: Iterable[bytes | str],
    *,
    source: str,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
    dedupe: Deduplicator | None = None,
    first_seq: int = 0,
) -> Iterator[RowOutcome]:
    """Like :func:`iter_rows` over JSON Lines already in hand (e.g. a request body's lines)."""
    return _validate(
        _jsonl_rows(lines, source),
        first_seq=first_seq,
        source_tz=source_tz,
        status_category=status_category,
        dedupe=dedupe,
    )


def iter_csv(
    lines: Iterable[str],
    *,
    source: str,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
    dedupe: Deduplicator | None = None,
    first_seq: int = 0,
) -> Iterator[RowOutcome]:
    """Like :func:`iter_rows` over CSV text lines already in hand (header first)."""
    return _validate(
        _csv_rows(lines, source),
        first_seq=first_seq,
        source_tz=source_tz,
        status_category=status_category,
        dedupe=dedupe,
    )


def read_many(
    paths: Iterable[PathLike],
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> ReadResult:
    """Read several files as one: ``seq`` and duplicate detection continue across them."""
    result = ReadResult()
    dedupe = Deduplicator()
    for path in paths:
        for outcome in iter_rows(
            path,
            fmt=fmt,
            source_tz=source_tz,
            status_category=status_category,
            dedupe=dedupe,
            first_seq=result.rows,
        ):
            result.add(outcome)
    return result


def read_events(
    path: PathLike,
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> ReadResult:
    """Read one file of events into memory (see the module docstring for the formats)."""
    return read_many([path], fmt=fmt, source_tz=source_tz, status_category=status_category)
