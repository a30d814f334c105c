"""The columnar import of a JSON export whose importer converts records in columns (Jira,
Freshdesk): records are read a page at a time (:mod:`~accord.io.importers.json_pages`; after
the first, pages parsed by Arrow where it is sure of them, :mod:`json_arrow`), gathered, and
converted together (``importer.columns().derive``, or ``derive_table`` for Arrow pages); the
records it leaves out (odd ones, and those the page reader gave whole) are converted one at
a time as before. Consecutive
records of one kind are checked together, in source order, so events, ``seq``, counts and
quarantine come out as the row importer's.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pyarrow as pa

from accord.io.compression import Damaged
from accord.io.importers.base import Conversion, JsonImporter
from accord.io.importers.columnar_checks import Candidates, FieldColumn, check_candidates
from accord.io.importers.columnar_json import JsonBatch
from accord.io.importers.json_arrow import ArrowPage
from accord.io.importers.json_pages import PageRow, page_items
from accord.io.importers.sources import SourceRow

if TYPE_CHECKING:
    from accord.io.importers.columnar import ColumnarImportRun

GATHER_RECORDS = 8192  # records converted together at most
GATHER_EVENTS = 1 << 16  # and about as many events (a record's bytes / 256 as its guess)


def json_column_tables(run: ColumnarImportRun, columns: Any) -> Iterator[pa.Table]:
    """The events tables of ``run`` (whose importer has ``columns``), in source order."""
    importer, stats = run.importer, run.stats
    assert isinstance(importer, JsonImporter)
    arrow = columns.arrow_reading() if hasattr(columns, "arrow_reading") else None
    pending: list[SourceRow | ArrowPage] = []
    weight = records = 0
    progress, every = run.on_progress, run.progress_every
    try:
        for item in page_items(importer, run.source, arrow):
            if item.__class__ is ArrowPage:
                assert isinstance(item, ArrowPage)
                before = stats.rows
                stats.rows += len(item)
                if progress is not None and stats.rows // every > before // every:
                    progress(run.source.position(), run.source.size)
                weight += len(item) + (item.nbytes >> 8)
                records += len(item)
            else:
                row: Any = item
                stats.rows += 1
                if progress is not None and stats.rows % every == 0:
                    progress(run.source.position(), run.source.size)
                weight += 1 + (len(row._text[0]) >> 8 if row.__class__ is PageRow else 4)
                records += 1
            pending.append(item)
            if records >= GATHER_RECORDS or weight >= GATHER_EVENTS:
                tables = _gathered_items(run, columns, pending)
                # the records are let go before the tables are handed over: the collector,
                # which runs while the caller has a table, would scan them all again
                pending, weight, records = [], 0, 0
                yield from tables
    except Damaged:
        if pending:  # the records read before the damage are kept
            tables, pending = _gathered_items(run, columns, pending), []
            yield from tables
        raise
    if pending:
        tables, pending = _gathered_items(run, columns, pending), []
        yield from tables


def _gathered_items(
    run: ColumnarImportRun, columns: Any, items: list[SourceRow | ArrowPage]
) -> list[pa.Table]:
    """The tables of a gathering of rows and Arrow pages, in order: each run of pages
    converted from their table, each run of rows as rows."""
    out: list[pa.Table] = []
    for is_page, group in itertools.groupby(items, key=lambda i: i.__class__ is ArrowPage):
        got = list(group)
        if is_page:
            out.extend(_gathered_pages(run, columns, got))  # type: ignore[arg-type]
        else:
            out.extend(_gathered(run, columns, got))  # type: ignore[arg-type]
    return out


class _PageRows(Sequence[SourceRow]):
    """The records of consecutive Arrow pages as rows, each made when asked."""

    def __init__(self, pages: list[ArrowPage]) -> None:
        self.pages = pages
        self.first = np.cumsum([0, *(len(p) for p in pages)]).tolist()

    def __len__(self) -> int:
        return int(self.first[-1])

    def _one(self, i: int) -> SourceRow:
        k = bisect.bisect_right(self.first, i) - 1
        row: SourceRow = self.pages[k].row(i - self.first[k])
        return row

    @overload
    def __getitem__(self, i: int) -> SourceRow: ...
    @overload
    def __getitem__(self, i: slice) -> list[SourceRow]: ...
    def __getitem__(self, i: int | slice) -> SourceRow | list[SourceRow]:
        if isinstance(i, slice):
            return [self._one(k) for k in range(*i.indices(len(self)))]
        return self._one(i)


class _Whole(Sequence[Any]):
    """Each record whole (as the row reader gives it), decoded when asked."""

    def __init__(self, rows: _PageRows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: Any) -> Any:
        return self.rows[int(i)].data


def _gathered_pages(run: ColumnarImportRun, columns: Any, pages: list[ArrowPage]) -> list[pa.Table]:
    """The tables of consecutive Arrow pages: their records converted from their table
    (any failure there: each record converted alone, as rows)."""
    rows = _PageRows(pages)
    n = len(rows)
    fast = range(n)
    table = pa.concat_tables([p.table for p in pages])
    numbers = np.concatenate(
        [np.arange(p.number + 1, p.number + 1 + len(p), dtype=np.int64) for p in pages]
    )
    try:
        derived = columns.derive_table(table, numbers, _Whole(rows), run._tz)
    except Exception:  # (not expected: a text Arrow took that Python reads otherwise)
        derived = None
    return _runs(run, rows, fast, derived)


def _gathered(run: ColumnarImportRun, columns: Any, rows: list[SourceRow]) -> list[pa.Table]:
    """The tables of a gathering of records, in order."""
    fast = [i for i, r in enumerate(rows) if isinstance(r, PageRow) and r.typed]
    derived = None
    if fast:
        trimmed = [rows[i] for i in fast]
        derived = columns.derive(
            [r.typed for r in trimmed],  # type: ignore[attr-defined]
            [r.row for r in trimmed],
            run._tz,
        )
    return _runs(run, rows, fast, derived)


def _runs(
    run: ColumnarImportRun, rows: Sequence[SourceRow], fast: Sequence[int], derived: Any
) -> list[pa.Table]:
    """The tables of a gathering's records (``fast``: those ``derived`` took, the others
    and its odd ones converted alone), in runs of one kind, in order."""
    in_columns = np.zeros(len(rows), dtype=bool)
    at = np.full(len(rows), -1, dtype=np.int64)  # the derived record of each row
    if derived is not None:
        ok = np.ones(len(fast), dtype=bool)
        ok[derived.odd] = False
        in_columns[np.asarray(fast, dtype=np.int64)[ok]] = True
        at[np.asarray(fast, dtype=np.int64)] = np.arange(len(fast))
    # runs of consecutive rows of one kind, in order
    edges = np.flatnonzero(in_columns[1:] != in_columns[:-1]) + 1
    bounds = [0, *edges.tolist(), len(rows)]
    out: list[pa.Table] = []
    for a, b in itertools.pairwise(bounds):
        if in_columns[a]:
            assert derived is not None
            got = _column_run(run, derived, rows, fast, int(at[a]), int(at[b - 1]) + 1)
            if got is not None:
                out.append(got)
        else:
            out.extend(_row_run(run, rows[a:b]))
    return out


def _column_run(
    run: ColumnarImportRun,
    derived: Any,
    rows: Sequence[SourceRow],
    fast: Sequence[int],
    lo: int,
    hi: int,
) -> pa.Table | None:
    """Check the derived records ``lo:hi`` (none of them odd) and accept their events."""
    cand: Candidates = derived.candidates
    rec = derived.event_rec
    if lo > 0 or hi < len(fast):
        cand = _subset(cand, (rec >= lo) & (rec < hi))
    n = cand.n
    if not n:
        return None
    seq_of = np.arange(run._json_seq, run._json_seq + n, dtype=np.int64)
    run._json_seq += n
    checked = check_candidates(
        cand,
        source=run.source.path,
        line_of=lambda r: rows[fast[r]].row,
        seq_of=seq_of,
        tz=run._tz,
        skip_rows=np.zeros(len(fast), dtype=bool),
    )
    for r, (fld, why) in sorted(checked.failed.items()):
        run._quarantine(rows[fast[r]], fld, why)
    events = checked.events
    events = events.set_column(
        events.schema.get_field_index("seq"), "seq", pa.array(seq_of[checked.event_index])
    )
    return run._accept(events, cand.row[checked.event_index], run._ticket_codes(events))


def _subset(c: Candidates, keep: np.ndarray[Any, Any]) -> Candidates:
    """The candidates of ``keep`` (the value tables and instants shared)."""
    mask = pa.array(keep)
    out = type(c)(
        row=c.row[keep],
        ticket=c.ticket.filter(mask),
        event_id=c.event_id.filter(mask),
        kind=c.kind.filter(mask),
        ts=c.ts[keep],
        instants=c.instants,
        fields=[FieldColumn(f.name, f.values, f.codes[keep], f.given[keep]) for f in c.fields],
        actor=None if c.actor is None else c.actor.filter(mask),
        public=None if c.public is None else c.public.filter(mask),
        doubt=c.doubt[keep],
    )
    for name in ("parts_of", "event_rec", "event_place"):
        if hasattr(c, name):
            v = getattr(c, name)
            setattr(out, name, v[keep] if isinstance(v, np.ndarray) else v)
    return out


def _row_run(run: ColumnarImportRun, rows: Sequence[SourceRow]) -> Iterator[pa.Table]:
    """Records converted one at a time and checked in batches (the row importer's loop)."""
    stats = run.stats
    batch = JsonBatch()
    early: list[tuple[SourceRow, str, str]] = []
    for row in rows:
        problem = ("*", row.problem) if row.problem is not None else None
        conv = run._convert(row) if problem is None else Conversion()
        problem = problem or conv.problem
        if problem is not None:
            early.append((row, *problem))
            continue
        parts = conv.parts or []
        if not parts:
            stats.unchanged += 1
            continue
        batch.add(row, parts, run._json_seq)
        run._json_seq += len(parts)
    if len(batch) or early:
        got, _ = run._check(batch, early)
        if got is not None:
            yield got
