"""The columnar importer: the row importer's outcome, a block of rows at a time.

:class:`ColumnarImportRun` gives what :class:`~accord.io.importers.base.ImportRun` gives —
the same events in the same order, the same rows quarantined with the same field and
reason, the same counts — but reads a CSV source in blocks of columns
(:mod:`~accord.io.importers.csv_blocks`), cleans each column's distinct values with the row
importer's own functions, derives the events with array operations
(:mod:`~accord.io.importers.columnar_snapshot`), validates them with the table validator
(:mod:`~accord.io.importers.columnar_checks`) and yields events tables
(:mod:`accord.core.engine.batch.schema`). Memory: one block, plus per ticket what the row
importer keeps per ticket.

Sources it reads in columns: the CSV logs — snapshots (``servicenow``, ``bpic2013``, ``csv``
with ``snapshot: true``; :mod:`~accord.io.importers.columnar_snapshot`) and one event a row
(``csv``, ``process-mining``; :mod:`~accord.io.importers.columnar_eventrows`). Any other
source (JSON exports, XES) runs through the row importer and comes out as tables all the
same, so callers need one path. The row importer stays the reference: the tests hold the
two equal.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.schema import CLEARED, events_from_table, events_to_table
from accord.core.events import Event
from accord.errors import DamagedInputError
from accord.io.compression import Damaged
from accord.io.importers.base import (
    Conversion,
    Importer,
    ImportRun,
    JsonImporter,
    ProgressFn,
    QuarantineFn,
    RowError,
)
from accord.io.importers.bpic2013 import Bpic2013CsvImporter
from accord.io.importers.columnar_checks import Checked
from accord.io.importers.columnar_eventrows import EventRowsColumns, event_rows_supported
from accord.io.importers.columnar_intern import TextNumbers
from accord.io.importers.columnar_json import JsonBatch
from accord.io.importers.columnar_json_runs import json_column_tables
from accord.io.importers.columnar_snapshot import SnapshotColumns
from accord.io.importers.columnar_values import I64
from accord.io.importers.csv_blocks import BLOCK_BYTES, CsvBlock, csv_blocks
from accord.io.importers.generic_csv import GenericCsvImporter
from accord.io.importers.json_pages import PageRow, page_rows
from accord.io.importers.servicenow import ServiceNowImporter
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import SnapshotImporter, TabularImporter
from accord.io.importers.zendesk import ZendeskImporter
from accord.io.importers.zendesk_batches import speculative_tables

TABLE_EVENTS = 1 << 16  # events a table when the row importer runs underneath


def gc_paused(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """``tables`` made with the cyclic garbage collector paused (the caller's code between
    two tables runs with it as it was). Why: a JSON batch (or a table's worth of events from
    the row importer) holds a million young containers (records, parts, field dicts) that
    all live until the batch is checked, and Python's collector would scan them again and
    again for cycles they do not form (a third of a Jira import's CPU); collection resumes,
    and catches up, once a table is handed over."""
    while True:
        was = gc.isenabled()
        gc.disable()
        try:
            table = next(tables)
        except StopIteration:
            return
        finally:
            if was:
                gc.enable()
        yield table


def distinct_count(small: I64) -> int:
    """How many distinct values ``small`` (non-negative, below a block's or batch's size)
    holds: marked in a table rather than sorted or hashed (``np.unique`` cost about a
    second of a 2M-row CSV import)."""
    if not small.size:
        return 0
    seen = np.zeros(int(small.max()) + 1, dtype=bool)
    seen[small] = True
    return int(np.count_nonzero(seen))


def reads_in_columns(importer: Importer) -> bool:
    """Whether :class:`ColumnarImportRun` derives this importer's events in columns."""
    cls = type(importer)
    if not isinstance(importer, TabularImporter) or cls.read is not TabularImporter.read:
        return False
    if event_rows_supported(importer):
        return True
    if not isinstance(importer, SnapshotImporter) or type(importer).event is not (
        SnapshotImporter.event
    ):
        return False
    if cls in (ServiceNowImporter, Bpic2013CsvImporter):
        return True
    return cls is GenericCsvImporter and importer.mapping.snapshot


def read_columns(importer: Importer) -> frozenset[str]:
    """The source columns the columnar kernels may read: every column the mapping names,
    and each role's own name (the column a role falls back to when it is not mapped)."""
    m = importer.mapping
    out: set[str] = {role.name for role in importer.roles}
    for role in m.columns:
        out.add(role)
        out.update(m.role(role))
    out.update(m.fields.values())
    out.update(spec.column for spec in m.custom_fields.values())
    return frozenset(out)


class ColumnarImportRun(ImportRun):
    """One import of one file; iterate :meth:`tables` (or :meth:`events`)."""

    def __init__(
        self,
        importer: Importer,
        path: str | os.PathLike[str],
        *,
        on_quarantine: QuarantineFn | None = None,
        on_progress: ProgressFn | None = None,
    ) -> None:
        super().__init__(importer, path, on_quarantine=on_quarantine, on_progress=on_progress)
        self.in_columns = reads_in_columns(importer)
        # JSON exports: converted a record at a time, checked in batches
        self.json_batches = (
            isinstance(importer, JsonImporter)
            and importer.batch_checks
            and type(importer).convert_parts is not JsonImporter.convert_parts
        )
        # records whose conversion reads what earlier accepted ones left (Zendesk):
        # converted speculatively a batch at a time (``zendesk_batches``)
        self.speculative = isinstance(importer, ZendeskImporter)
        self.json_batches = self.json_batches or self.speculative
        self._ticket_numbers = TextNumbers()
        self._last_ts = np.zeros(0, dtype=np.int64)
        self._last_ids: list[Any] = []  # per ticket: the ids at its latest instant
        self._ticket_events = 0
        self._json_seq = 0  # the ``seq`` of the next JSON record's first event
        self.block_bytes = BLOCK_BYTES  # tests make it small, to cross many blocks

    def events(self) -> Iterator[Event]:
        for t in self.tables():
            yield from events_from_table(t)

    def tables(self) -> Iterator[pa.Table]:
        """The valid events, in source order, as events tables (one or more a block)."""
        if self.json_batches:
            assert isinstance(self.importer, JsonImporter)
            columns = self.importer.columns()
            try:
                if self.speculative:
                    yield from gc_paused(speculative_tables(self))
                elif columns is not None:  # converted in columns, a gathering at a time
                    yield from gc_paused(json_column_tables(self, columns))
                else:
                    yield from gc_paused(self._json_tables())
            except Damaged as d:
                self._finish()
                raise self._damaged(d.reason) from None
            self._finish()
            return
        if not self.in_columns:
            yield from gc_paused(self._row_tables())
            return
        importer = self.importer
        assert isinstance(importer, TabularImporter)
        kernel: SnapshotColumns
        if event_rows_supported(importer):
            kernel = EventRowsColumns(importer, self.source.path)
        else:
            assert isinstance(importer, SnapshotImporter)
            kernel = SnapshotColumns(importer, self.source.path)

        def header(found: Any) -> None:
            importer.check_columns(found, self.source.path, "the header")

        try:
            blocks = csv_blocks(
                self.source, importer.mapping.delimiter, header, self.block_bytes,
                read_columns(importer),
            )  # fmt: skip
            for block in blocks:
                got = self._block(kernel, block)
                if got is not None:
                    yield got
                if self.on_progress is not None:
                    self.on_progress(self.source.position(), self.source.size)
        except Damaged as d:
            self._finish()
            raise self._damaged(d.reason) from None
        self._finish()

    def _finish(self) -> None:
        super()._finish()
        if self.in_columns or self.json_batches:
            self.stats.tickets = self._ticket_events

    def _row_tables(self) -> Iterator[pa.Table]:
        batch: list[Event] = []
        try:
            for ev in super().events():
                batch.append(ev)
                if len(batch) >= TABLE_EVENTS:
                    yield events_to_table(batch)
                    batch = []
        except DamagedInputError:
            if batch:
                yield events_to_table(batch)  # the events read before the damage are kept
            raise
        if batch:
            yield events_to_table(batch)

    # ------------------------------------------------------------------ one block

    def _block(self, kernel: SnapshotColumns, block: CsvBlock) -> pa.Table | None:
        stats = self.stats
        n = block.table.num_rows
        out = kernel.block(block) if n else None
        stats.rows += n + len(block.bad)
        bad: list[tuple[int, SourceRow, str, str]] = [
            (r.row, r, "*", r.problem or "") for r in block.bad
        ]
        if out is not None:
            for i, (fld, why) in out.failed.items():
                line = int(block.rows[i])
                bad.append((line, SourceRow(line, block.raw(i)), fld, why))
        for _line, row, fld, why in sorted(bad, key=lambda b: b[0]):
            self._quarantine(row, fld, why)
        if out is None:
            return None
        stats.unchanged += out.unchanged
        return self._accept(out.events, out.event_rows, out.event_tickets)

    def _accept(self, events: pa.Table, rows: I64, tickets: I64) -> pa.Table | None:
        """The checked events of a block (``rows``: the block row of each) without those
        already written, with the counts of their rows."""
        stats = self.stats
        if events.num_rows == 0:
            return None
        fresh = self._fresh_mask(events, tickets)
        with_events = distinct_count(rows)
        kept_rows = distinct_count(rows[fresh])
        stats.rows_with_events += kept_rows
        stats.duplicates += with_events - kept_rows
        if not fresh.all():
            events = events.filter(pa.array(fresh))
        stats.events += events.num_rows
        for item in pc.value_counts(events.column("kind").combine_chunks()).to_pylist():
            stats.kinds[str(item["values"])] += int(item["counts"])
        status = events.column("status").is_valid()
        if CLEARED in events.column_names:
            gone = pc.fill_null(
                pc.list_contains(events.column(CLEARED), "status")
                if hasattr(pc, "list_contains")
                else pa.array([False] * events.num_rows, pa.bool_()),  # typed: maybe empty
                False,
            )
            status = pc.or_(status, gone)
        stats.status_events += int(pc.sum(status).as_py() or 0)
        return events

    # ------------------------------------------------------------------ JSON records

    def _json_tables(self) -> Iterator[pa.Table]:
        """The row importer's ``_events`` loop, with the events checked a batch at a time."""
        importer, stats = self.importer, self.stats
        batch = JsonBatch()
        early: list[tuple[SourceRow, str, str]] = []  # quarantined before the check
        seq = 0
        assert isinstance(importer, JsonImporter)
        paged = importer.record_type() is not None
        rows = page_rows(importer, self.source) if paged else importer.read(self.source)
        try:
            for row in rows:
                stats.rows += 1
                if self.on_progress is not None and stats.rows % self.progress_every == 0:
                    self.on_progress(self.source.position(), self.source.size)
                problem = ("*", row.problem) if row.problem is not None else None
                conv = self._convert(row) if problem is None else Conversion()
                problem = problem or conv.problem
                if problem is not None:
                    if not len(batch):
                        self._quarantine(row, *problem)  # nothing before it is pending
                        continue
                    early.append((row, *problem))
                    if len(early) < TABLE_EVENTS:
                        continue
                    got, _ = self._check(batch, early)
                    batch, early = JsonBatch(), []
                    if got is not None:
                        yield got
                    continue
                parts = conv.parts or []
                if not parts:
                    if conv.commit is not None:
                        conv.commit()
                    stats.unchanged += 1
                    continue
                batch.add(row, parts, seq)
                seq += len(parts)
                if conv.commit is not None or len(batch) + len(early) >= TABLE_EVENTS:
                    # a commit changes what the next records are converted with: this
                    # record is decided first
                    got, failed = self._check(batch, early)
                    if conv.commit is not None and len(batch.rows) - 1 not in failed:
                        conv.commit()
                    batch, early = JsonBatch(), []
                    if got is not None:
                        yield got
        except Damaged:
            if len(batch) or early:  # the records read before the damage are kept
                got, _ = self._check(batch, early)
                if got is not None:
                    yield got
            raise
        if len(batch) or early:
            got, _ = self._check(batch, early)
            if got is not None:
                yield got

    def _convert(self, row: SourceRow) -> Conversion:
        importer = self.importer
        assert isinstance(importer, JsonImporter)
        if isinstance(row, PageRow) and row.typed:
            try:
                # the record trimmed to the keys the conversion reads converts as the whole
                # record does; one that does not convert is converted whole, so its problem
                # is worded on the record the row importer sees
                return Conversion(parts=importer.convert_parts(SourceRow(row.row, row.typed)))
            except Exception:
                pass
        try:
            return Conversion(parts=importer.convert_parts(row))
        except RowError as e:
            return Conversion.bad(e.field, e.reason)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
            # an API record of an unexpected shape: keep the row rather than stop the import
            return Conversion.bad("*", f"cannot convert this {self.importer.row_name}: {e!r}")

    def _check(
        self, batch: JsonBatch, early: list[tuple[SourceRow, str, str]]
    ) -> tuple[pa.Table | None, dict[int, tuple[str, str]]]:
        """Check a batch: quarantine (in source order) what failed, keep the rest."""
        checked = None
        if len(batch):
            checked = batch.check(self.importer.mapping, self._tz, self.source.path)
        return self._settle(batch, early, checked)

    def _settle(
        self, batch: JsonBatch, early: list[tuple[SourceRow, str, str]], checked: Checked | None
    ) -> tuple[pa.Table | None, dict[int, tuple[str, str]]]:
        """A checked batch (``checked``: ``batch.check``'s result, ``None`` for an empty
        batch) settled: what failed quarantined in source order, the rest kept."""
        bad = list(early)
        failed: dict[int, tuple[str, str]] = {}
        if checked is not None:
            failed = checked.failed
            bad.extend((batch.rows[r], *why) for r, why in failed.items())
        for row, fld, why in sorted(bad, key=lambda b: b[0].row):
            self._quarantine(row, fld, why)
        if checked is None:
            return None, failed
        events = checked.events
        rows = np.asarray(batch.event_row, dtype=np.int64)[checked.event_index]
        return self._accept(events, rows, self._ticket_codes(events)), failed

    def _ticket_codes(self, events: pa.Table) -> I64:
        """Each event's ticket as a number (the same for a ticket across tables), numbered
        in order of first sight by a compiled pass over the column's bytes (an accepted
        event always has a ticket: a null, never met, would count as the text "")."""
        tickets = events.column("ticket_id").combine_chunks()
        got = self._ticket_numbers.numbers(pc.fill_null(tickets, ""))
        assert got is not None
        return got

    def _fresh_mask(self, events: pa.Table, tickets: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The row importer's ``_fresh`` for every event: False for an event whose id was
        already written for its ticket at the same instant (whole seconds)."""
        n = events.num_rows
        need = int(tickets.max()) + 1 if n else 0
        if need > self._last_ts.size:
            grown = max(need, 2 * self._last_ts.size, 1024)
            self._last_ts = np.concatenate(
                [self._last_ts, np.full(grown - self._last_ts.size, -(2**62), dtype=np.int64)]
            )
            self._last_ids.extend([None] * (grown - len(self._last_ids)))
        sec = np.asarray(events.column("ts").to_numpy(), dtype=np.int64)
        ids_arr = events.column("event_id").combine_chunks()
        order = np.argsort(tickets, kind="stable")
        t_s, sec_s = tickets[order], sec[order]
        start = np.ones(n, dtype=bool)
        start[1:] = (t_s[1:] != t_s[:-1]) | (sec_s[1:] != sec_s[:-1])
        tstart = np.ones(n, dtype=bool)
        tstart[1:] = t_s[1:] != t_s[:-1]
        run = np.cumsum(start) - 1
        # an id twice in one run (ticket and second): only runs of more than one event are
        # looked at, their ids numbered (most runs hold one event: no id hashed for them)
        dup = np.zeros(n, dtype=bool)
        shared = np.flatnonzero(np.bincount(run)[run] > 1) if n else run
        if shared.size:
            enc = pc.dictionary_encode(ids_arr.take(pa.array(order[shared])))
            idc = np.asarray(enc.indices.to_numpy(), dtype=np.int64)
            key = run[shared] * (len(enc.dictionary) + 1) + idc
            k_order = np.argsort(key, kind="stable")
            ks = key[k_order]
            dup_sorted = np.zeros(shared.size, dtype=bool)
            dup_sorted[1:] = ks[1:] == ks[:-1]
            dup[shared[k_order]] = dup_sorted

        def id_at(i: int) -> Any:  # the id of the ``i``-th event in ticket order
            return ids_arr[int(order[i])].as_py()

        # a ticket's first run that continues its latest instant from an earlier block
        carried = self._last_ts[t_s] == sec_s
        cont_run = np.zeros(run[-1] + 1 if n else 0, dtype=bool)
        cont_run[run[tstart & carried]] = True
        for i in np.flatnonzero(cont_run[run] & ~dup).tolist():
            prev = self._last_ids[int(t_s[i])]
            eid = id_at(i)
            if prev == eid or (isinstance(prev, set) and eid in prev):
                dup[i] = True
        # remember each ticket's latest instant and the ids there (one id: kept as text)
        tend = np.ones(n, dtype=bool)
        tend[:-1] = t_s[1:] != t_s[:-1]
        new_tickets = tstart & (self._last_ts[t_s] == -(2**62))
        self._ticket_events += int(np.count_nonzero(new_tickets))
        ends = np.flatnonzero(tend)
        run_start = np.flatnonzero(start)[run[ends]]
        single = (run_start == ends) & ~cont_run[run[ends]]
        last_t = t_s[ends]
        self._last_ts[last_t] = sec_s[ends]
        if single.any():
            texts = ids_arr.take(pa.array(order[ends[single]])).to_pylist()
            for t, text in zip(last_t[single].tolist(), texts, strict=True):
                self._last_ids[t] = text
        for i, lo in zip(ends[~single].tolist(), run_start[~single].tolist(), strict=True):
            t = int(t_s[i])
            ids = {id_at(x) for x in range(lo, i + 1)}
            if cont_run[run[i]]:
                prev = self._last_ids[t]
                ids |= prev if isinstance(prev, set) else {prev}
            self._last_ids[t] = next(iter(ids)) if len(ids) == 1 else ids
        fresh = np.ones(n, dtype=bool)
        fresh[order] = ~dup
        return fresh
