"""A fast reader for the batch engine: event files straight into an events table.

:func:`read_columnar` reads the same files as :func:`accord.io.readers.read_many` and gives
the same outcome — the same accepted events (as an events table, see
:mod:`accord.core.engine.batch.schema`), the same quarantined rows with the same reasons, the
same duplicate count and ``seq`` numbering — but validates whole columns at once:

- every rule is checked on a column's *distinct* values (Parquet dictionary pages make those
  free) or with one vectorised pass (regular expressions for ids and ISO instants, array
  arithmetic for dates), never row by row;
- a row that the vectorised checks cannot accept as plainly valid (a missing ``event_id``
  that needs its content hash, a ``fields`` JSON cell, a timestamp in an unusual ISO form or
  without an offset, a value with surrounding spaces, anything wrong) is handed to the row
  validator (:func:`accord.core.event_validation.validate_flat_row`), which decides and words
  the reason. Only those rows cost Python time;
- duplicate ``event_id`` values are found with one hashing pass (and a sort of the few
  hashes whose bucket is shared); only rows whose id repeats are compared by content
  digest, in order, as the :class:`~accord.io.readers.Deduplicator` does.

Formats: Parquet is read column by column, a batch at a time; with ``threads`` > 1 its row
groups are decoded and validated on that many threads, each with its own reader of the file
(the outcome is the same, in the same order). CSV is parsed by pyarrow when every record sits on
one line (the usual export); a line with quotes is re-read by Python's ``csv`` module so that
its cells are exactly what the row reader sees; a file whose records span lines, or that is
not valid UTF-8, or whose rows do not all have the header's cell count, is read by the row
reader as a whole. JSON Lines are read a block of lines at a time by a compiled scanner (or
``pyarrow.json`` for a block it declines) and laid out as Parquet's columns; the lines whose
meaning the columns could change (explicit nulls, blank texts, escapes, …) are decided row by
row (:mod:`accord.io.columnar_jsonl`).
Quarantine replays go through the row reader.

The parts: :mod:`~accord.io.columnar_sources` (Parquet and CSV in columns),
:mod:`~accord.io.columnar_cells` (checks of single columns), :mod:`~accord.io.columnar_fields`
(field columns), :mod:`~accord.io.columnar_validate` (a table of rows validated, the events
table built), :mod:`~accord.io.columnar_threads` (a source validated in pieces, on threads) and
this module (files read, duplicates found).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.engine.batch.memory import engine_memory
from accord.core.engine.batch.schema import (
    events_from_table,
    events_to_table,
)
from accord.core.engine.batch.stages import mark
from accord.core.event_validation import (
    StatusMapper,
    validate_flat_row,
)
from accord.core.events import Event
from accord.io import columnar_threads as threaded
from accord.io.columnar_cells import _blank_or_padded, _distinct, _Fast, _public
from accord.io.columnar_sources import _csv_source, _parquet_source, _Source
from accord.io.columnar_validate import _conform
from accord.io.quarantine import QuarantineRecord
from accord.io.readers import (
    Deduplicator,
    Duplicate,
    PathLike,
    _json_safe,
    detect_format,
)

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]

__all__ = ["ColumnarRead", "read_columnar", "validate_table"]
# checks reached through this module by the tests
_REEXPORTED = (_Fast, _blank_or_padded, _public)

# Python's str.isspace() characters, for regular expressions that must agree with strip()
VALIDATE_ROWS = 1 << 20
"""Rows validated at a time (see :func:`read_columnar`)."""
# read as dictionaries: validated on their distinct values, and the kernel groups by codes


@dataclass
class ColumnarRead:
    """What a columnar read produced (compare :class:`accord.io.readers.ReadResult`)."""

    events: pa.Table
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    duplicates: int = 0
    rows: int = 0  # data rows seen: accepted + duplicates + quarantined
    slow_rows: int = 0  # rows the row validator decided
    # without deduplication: each accepted event's row number in its file (by position)
    event_rows: I64 | None = None

    def take_events(self) -> pa.Table:
        """The events table, handed over: this result keeps an empty one in its place, so
        that the caller's is the only reference and the table's memory goes as soon as the
        caller lets go of it (:func:`accord.core.engine.batch.stream.stream_batch` lets go
        of each column once regrouped)."""
        events, self.events = self.events, self.events.schema.empty_table()
        return events


@dataclass
class _Part:
    """The accepted events of one file, and how to find its rows again."""

    index: int
    source: _Source
    first_seq: int
    events: pa.Table


def _fallback(
    path: PathLike,
    fmt: str,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    first_seq: int,
    quarantined: list[tuple[int, int, QuarantineRecord]],
    index: int,
) -> tuple[_Source, pa.Table, int]:
    """A whole file through the row reader's parsing and the row validator."""
    from accord.core.event_validation import validate_event
    from accord.io.readers import PARQUET_BATCH_ROWS, _raw_rows

    raws: list[dict[str, Any]] = []
    numbers: list[int] = []
    events: list[Event] = []
    name = os.fspath(path)
    for i, r in enumerate(_raw_rows(path, fmt, PARQUET_BATCH_ROWS)):
        raws.append(r.raw)
        numbers.append(r.row)
        if r.data is None:
            rec = QuarantineRecord(r.source, r.row, "*", r.problem or "unreadable row", r.raw)
            quarantined.append((index, r.row, rec))
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
        if isinstance(got, Event):
            events.append(got)
        else:
            quarantined.append((index, r.row, got))

    def raw(rows: I64) -> list[dict[str, Any]]:
        return [raws[i] for i in rows.tolist()]

    src = _Source(name, None, np.array(numbers, dtype=np.int64), raw, np.zeros(0, dtype=bool))
    return src, events_to_table(events), len(raws)


def read_columnar(
    paths: Iterable[PathLike],
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
    deduplicate: bool = True,
    compact: bool = False,
    threads: int = 1,
) -> ColumnarRead:
    """Read event files into one events table; the same outcome as
    :func:`accord.io.readers.read_many` (see the module docstring). ``deduplicate=False``
    keeps every accepted row, repeated ``event_id`` values included, for a caller that
    deduplicates over more files than these (the Spark reader). ``compact=True`` narrows the
    codes of dictionary columns with fewer than 128 values to one byte (indices int8 instead
    of the schema's int32, see :func:`~accord.io.columnar_validate.compact_codes`): a
    quarter of their memory, for a caller that only hands the table to the batch engine.
    ``threads`` > 1 decodes and validates the row groups of a Parquet file on that many
    threads at once (the same outcome)."""
    with engine_memory():
        return _read_columnar(
            paths, fmt, source_tz, status_category, deduplicate, compact, max(1, threads)
        )


def _read_columnar(
    paths: Iterable[PathLike],
    fmt: str | None,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    deduplicate: bool,
    compact: bool = False,
    threads: int = 1,
) -> ColumnarRead:
    result = ColumnarRead(events_to_table([]))
    parts: list[_Part] = []
    quarantined: list[tuple[int, int, QuarantineRecord]] = []
    for index, path in enumerate(paths):
        name = detect_format(path, fmt)
        first_seq = result.rows
        src: _Source | None = None
        if name == "jsonl":
            from accord.io.columnar_jsonl_parts import jsonl_parts

            for part, bad, n, slow in jsonl_parts(
                path, index, first_seq, source_tz, status_category
            ):
                result.rows += n
                result.slow_rows += slow
                quarantined.extend((index, row, rec) for row, rec in bad)
                parts.append(part)
                first_seq += n
            continue
        if name == "parquet":
            src = _parquet_source(path)
        elif name == "csv":
            src = _csv_source(path)
        if src is None or (src.table is None and src.batches is None):
            src, table, n = _fallback(
                path, name, source_tz, status_category, first_seq, quarantined, index
            )
            result.rows += n
            result.slow_rows += n
            parts.append(_Part(index, src, first_seq, table))
            continue
        result.rows += src.table.num_rows if src.table is not None else src.num_rows
        events, bad, slow = _validate_source(
            src, first_seq, source_tz, status_category, compact, threads
        )
        mark("validation")
        quarantined.extend((index, row, rec) for row, rec in bad)
        result.slow_rows += slow
        parts.append(_Part(index, src, first_seq, events))
    if not deduplicate:
        quarantined.sort(key=lambda x: (x[0], x[1]))
        result.quarantined = [q for *_k, q in quarantined]
        result.events = _conform([p.events for p in parts]) if parts else result.events
        result.event_rows = _event_rows(parts)
        return result
    events, dups, conflicts = _deduplicate(parts, threads)
    mark("validation")
    result.duplicates = dups
    quarantined.extend(conflicts)
    quarantined.sort(key=lambda x: (x[0], x[1]))
    result.quarantined = [q for *_k, q in quarantined]
    result.events = events
    return result


def _event_rows(parts: Sequence[_Part]) -> I64:
    """The row number of every accepted event of ``parts``, in the order of their tables."""
    out = [np.zeros(0, dtype=np.int64)]
    for p in parts:
        if p.events.num_rows:
            at = np.asarray(p.events.column("seq").to_numpy(), dtype=np.int64) - p.first_seq
            out.append(np.asarray(p.source.row_numbers, dtype=np.int64)[at])
    return np.concatenate(out)


def validate_table(
    table: pa.Table,
    *,
    source: str,
    row_numbers: I64,
    first_seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> tuple[pa.Table, list[QuarantineRecord]]:
    """Rows already in columns (a Parquet file's, a Spark DataFrame's Arrow batch) validated as
    :func:`read_columnar` validates a Parquet file's: the accepted events (``seq`` from
    ``first_seq`` on, in row order) and the quarantined rows, ``row_numbers`` naming each row.
    No deduplication: that needs every row of the log (see :func:`read_columnar`)."""
    n = table.num_rows

    def raw(rows: I64) -> list[dict[str, Any]]:
        part = table.take(pa.array(rows)).to_pylist()
        return [{str(k): _json_safe(v) for k, v in rec.items()} for rec in part]

    src = _Source(source, table, row_numbers, raw, np.zeros(n, bool))
    events, bad, _slow = _validate_source(src, first_seq, source_tz, status_category)
    return events, [rec for _row, rec in bad]


def _validate_source(
    src: _Source,
    first_seq: int,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    compact: bool = False,
    threads: int = 1,
) -> tuple[pa.Table, list[tuple[int, QuarantineRecord]], int]:
    """One source's rows: the accepted events, the quarantined rows (by row number) and how
    many rows the row validator decided. With ``threads`` > 1 and a source of several row
    groups, the groups are decoded and validated on that many threads (the outcome is the
    same, in the same order)."""
    quarantined: list[tuple[int, QuarantineRecord]] = []
    goods: list[pa.Table] = []
    slow_parts: list[I64] = []

    check = threaded.PieceCheck(src.force_slow, first_seq, status_category, compact)

    def keep(outcomes: Iterable[threaded.Outcome]) -> None:
        for good, slow_rows in outcomes:
            if good is not None:
                goods.append(good)
            slow_parts.append(slow_rows)

    if threads > 1 and src.groups is not None and len(src.groups) > 1:
        for good_list, slow_list in threaded.threaded_groups(src.groups, check, threads):
            goods.extend(good_list)
            slow_parts.extend(slow_list)
    else:
        # validated a slice at a time: each pass then runs over arrays that stay in the
        # caches, instead of streaming every whole column from memory a dozen times
        lo = 0
        pool = threaded.pool(threads) if threads > 1 else None
        try:
            for piece in _pieces(src):
                mark("reading")
                m = piece.num_rows
                if pool is None or m < 2 * threaded.SPLIT_ROWS:
                    keep([check(piece, lo)])
                else:
                    keep(threaded.split_piece(pool, threads, piece, lo, check))
                del piece
                mark("validation")
                lo += m
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    slow = np.concatenate(slow_parts) if slow_parts else np.zeros(0, dtype=np.int64)
    slow_events: list[Event] = []
    if slow.size and src.judge is not None:
        for i in slow.tolist():
            row = int(src.row_numbers[i])
            got = src.judge(i, row, first_seq + i, source_tz, status_category)
            if isinstance(got, Event):
                slow_events.append(got)
            else:
                quarantined.append((row, got))
    elif slow.size:
        for i, raw in zip(slow.tolist(), src.raw(slow), strict=True):
            row = int(src.row_numbers[i])
            got = validate_flat_row(
                raw,
                source=src.name,
                row=row,
                seq=first_seq + i,
                source_tz=source_tz,
                status_category=status_category,
            )
            if isinstance(got, Event):
                slow_events.append(got)
            else:
                quarantined.append((row, got))
    return _conform([*goods, events_to_table(slow_events)]), quarantined, int(slow.size)


def _pieces(src: _Source) -> Iterator[pa.Table]:
    """A source's rows, :data:`VALIDATE_ROWS` at a time (a batched source's own batches)."""
    if src.batches is not None:
        yield from src.batches()
        return
    table = src.table
    assert table is not None
    for lo in range(0, table.num_rows, VALIDATE_ROWS):
        yield table.slice(lo, VALIDATE_ROWS)


def _deduplicate(
    parts: Sequence[_Part], threads: int = 1
) -> tuple[pa.Table, int, list[tuple[int, int, QuarantineRecord]]]:
    """Drop repeated ``event_id`` values as the row reader does: the first row wins; a later
    row with the same content is a duplicate, with other content it is quarantined.
    ``threads``: for finding the repeated ids (see :func:`_repeated`)."""
    if not parts:
        return events_to_table([]), 0, []
    events = _conform([p.events for p in parts])
    if events.num_rows == 0:
        return events, 0, []
    if not _ascending(events.column("seq")):
        order = np.argsort(events.column("seq").to_numpy(), kind="stable")
        events = events.take(pa.array(order))
    repeated = _repeated(events.column("event_id"), threads)
    if repeated.size == 0:
        return events, 0, []
    starts = np.array([p.first_seq for p in parts], dtype=np.int64)
    dedupe = Deduplicator()
    drop: list[int] = []
    conflicts: list[tuple[int, int, QuarantineRecord]] = []
    sub = events.take(pa.array(repeated))
    for i, ev in zip(repeated.tolist(), events_from_table(sub), strict=True):
        part = parts[int(np.searchsorted(starts, ev.seq, side="right")) - 1]
        pos = np.array([ev.seq - part.first_seq], dtype=np.int64)
        row = int(part.source.row_numbers[pos[0]])
        got = dedupe.admit(ev, source=part.source.name, row=row, raw={})
        if isinstance(got, Duplicate):
            drop.append(i)
        elif isinstance(got, QuarantineRecord):
            drop.append(i)
            raw = part.source.raw(pos)[0]
            fixed = QuarantineRecord(got.source, got.row, got.field, got.reason, dict(raw))
            conflicts.append((part.index, row, fixed))
    keep = np.ones(events.num_rows, dtype=bool)
    keep[drop] = False
    return events.filter(pa.array(keep)), len(drop) - len(conflicts), conflicts


def _ascending(col: pa.ChunkedArray) -> bool:
    """Whether an integer column never decreases, chunk by chunk (no copy of the column)."""
    last: int | None = None
    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        v = np.asarray(chunk.to_numpy(zero_copy_only=False))
        if (last is not None and v[0] < last) or not bool(np.all(v[1:] >= v[:-1])):
            return False
        last = int(v[-1])
    return True


def _repeated(ids: pa.ChunkedArray, threads: int = 1) -> I64:
    """Positions of the rows whose id occurs more than once: equal 64-bit hashes first (one
    compiled pass over the text), then the candidates' ids compared exactly. ``threads`` > 1:
    the hashes and the buckets on that many threads (the same positions)."""
    from accord.core.engine.batch._jit import shared_buckets, string_hashes

    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    text = ids.cast(pa.string()) if pa.types.is_dictionary(ids.type) else ids
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    h = np.empty(len(text), dtype=np.uint64)
    ends = np.cumsum([0, *(len(chunk) for chunk in text.chunks)])

    def hash_chunk(c: int) -> None:
        # hashed straight from the Arrow buffers (a null hashes as its empty bytes)
        chunk = text.chunk(c)
        bufs = chunk.buffers()
        m = len(chunk)
        if m == 0:
            return
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=m + 1, offset=chunk.offset * 4)
        data = (
            np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
        )
        string_hashes(offsets, data, h[ends[c] : ends[c + 1]])

    if threads > 1 and text.num_chunks > 1:
        # the compiled loop releases the GIL: the chunks (a Parquet file's row groups) side
        # by side
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(hash_chunk, range(text.num_chunks)))
    else:
        for c in range(text.num_chunks):
            hash_chunk(c)
    # only rows whose hash bucket is shared can repeat: sort those hashes, not all of them
    shared = np.flatnonzero(shared_buckets(h, threads)).astype(np.int64)
    if shared.size == 0:
        return np.zeros(0, dtype=np.int64)
    hs = h[shared]
    s = np.sort(hs)
    same = s[1:] == s[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    candidates = shared[np.isin(hs, s[1:][same])]
    exact = text.take(pa.array(candidates))
    codes, _values = _distinct(exact)
    counts = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1)
    return candidates[counts[np.maximum(codes, 0)] > 1]
