"""Zendesk records converted and checked a batch at a time, speculatively.

A Zendesk audit reads what its ticket's earlier *accepted* audits left (the requester, whether
the ticket was created): the row importer converts a record, checks its events, and only
then commits that state for the next record. Here a batch of records is converted in order
with each record's state committed at once (speculation), and all their events are checked
together. A record refused by the check must not have left its state: each later record of
its ticket that was converted with another state than the accepted records leave is
converted again with that state and checked alone, in order, ticket by ticket (a record's
conversion reads only its own ticket's state). The batch is then checked once more with the
final events, and settled as the row importer would have settled its records one by one:
the same events, ``seq``, counts, quarantine records and order.

A record whose conversion fails (:class:`~accord.io.importers.base.RowError`) fails
whatever state it reads, and commits nothing. Anything the speculation does not expect (a
record that fails only with the other state, a final check that refuses other records than
the single ones did) settles the batch a record at a time, as the row importer does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from accord.io.compression import Damaged
from accord.io.importers.base import EventParts, RowError
from accord.io.importers.columnar_json import JsonBatch
from accord.io.importers.json_pages import PageRow, page_rows
from accord.io.importers.sources import SourceRow
from accord.io.importers.zendesk import ZendeskImporter, _Ticket

if TYPE_CHECKING:
    from accord.io.importers.columnar import ColumnarImportRun

BATCH_RECORDS = 4096  # records converted and checked together at most


@dataclass(slots=True)
class _Done:
    """A record converted: its ticket, events, and the ticket's state once it is accepted."""

    ticket: str
    parts: list[EventParts]
    state: _Ticket


# a record's conversion; ``None``: a ticket event of another kind (no events, no state); a
# pair of texts: its problem (field, reason)
_Got = _Done | tuple[str, str] | None


def speculative_tables(run: ColumnarImportRun) -> Iterator[pa.Table]:
    """The events tables of ``run`` (a Zendesk import), in source order."""
    importer, stats = run.importer, run.stats
    assert isinstance(importer, ZendeskImporter)
    progress, every = run.on_progress, run.progress_every
    pending: list[SourceRow] = []
    try:
        for row in page_rows(importer, run.source):
            stats.rows += 1
            if progress is not None and stats.rows % every == 0:
                progress(run.source.position(), run.source.size)
            pending.append(row)
            if len(pending) >= BATCH_RECORDS:
                tables, pending = _settled(run, importer, pending), []
                yield from tables
    except Damaged:
        if pending:  # the records read before the damage are kept
            tables, pending = _settled(run, importer, pending), []
            yield from tables
        raise
    if pending:
        yield from _settled(run, importer, pending)


def _convert(
    importer: ZendeskImporter, row: SourceRow, known_of: Callable[[str], _Ticket | None]
) -> _Got:
    """``convert_with`` of a row, its problem worded as the row importer words it."""
    if row.problem is not None:
        return ("*", row.problem)
    if row.__class__ is PageRow and row.typed:
        try:
            # the record trimmed to the keys the conversion reads converts as the whole
            # record does; one that does not is converted whole, its problem worded on it
            got = importer.convert_with(SourceRow(row.row, row.typed), known_of)
            return None if got is None else _Done(*got)
        except Exception:
            pass
    try:
        got = importer.convert_with(row, known_of)
    except RowError as e:
        return (e.field, e.reason)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        return ("*", f"cannot convert this {importer.row_name}: {e!r}")
    return None if got is None else _Done(*got)


def _key(state: _Ticket | None) -> tuple[str | None, bool]:
    """What a conversion reads of a ticket's state (no state reads as a fresh ticket)."""
    return (None, False) if state is None else (state.requester, state.created)


def _batch(run: ColumnarImportRun, rows: list[SourceRow], got: list[_Got]) -> JsonBatch:
    """The records' events in order, their ``seq`` from the run's next."""
    batch = JsonBatch()
    seq = run._json_seq
    for row, g in zip(rows, got, strict=True):
        if g.__class__ is _Done and g.parts:
            batch.add(row, g.parts, seq)
            seq += len(g.parts)
    return batch


def _refused(run: ColumnarImportRun, batch: JsonBatch, got: list[_Got]) -> tuple[Any, set[int]]:
    """The batch checked, and the records (indices in ``got``) the check refuses."""
    if not len(batch):
        return None, set()
    checked = batch.check(run.importer.mapping, run._tz, run.source.path)
    at = [i for i, g in enumerate(got) if isinstance(g, _Done) and g.parts]
    return checked, {at[b] for b in checked.failed}


def _failed(run: ColumnarImportRun, row: SourceRow, parts: list[EventParts]) -> bool:
    """Whether the check refuses a record's events (checked alone)."""
    one = JsonBatch()
    one.add(row, parts, 0)
    return bool(one.check(run.importer.mapping, run._tz, run.source.path).failed)


def _settled(
    run: ColumnarImportRun, importer: ZendeskImporter, rows: list[SourceRow]
) -> list[pa.Table]:
    """The tables of a batch of records, settled as the row importer settles them."""
    committed = importer._tickets
    spec: dict[str, _Ticket] = {}  # the speculative state of the batch's tickets

    def known_of(ticket: str) -> _Ticket | None:
        got = spec.get(ticket)
        return got if got is not None else committed.get(ticket)

    got: list[_Got] = []
    read_with: list[_Ticket | None] = []  # the state each record was converted with
    for row in rows:
        g = _convert(importer, row, known_of)
        before = None
        if isinstance(g, _Done):
            before = known_of(g.ticket)
            spec[g.ticket] = g.state
        got.append(g)
        read_with.append(before)
    batch = _batch(run, rows, got)
    checked, refused = _refused(run, batch, got)

    # the tickets a refused record changed the state of: their records walked again
    suspect: dict[str, list[int]] = {}
    for i in refused:
        g = got[i]
        assert isinstance(g, _Done)
        if _key(g.state) != _key(read_with[i]):
            suspect[g.ticket] = []
    redone = False
    if suspect:
        for i, g in enumerate(got):
            if isinstance(g, _Done) and g.ticket in suspect:
                suspect[g.ticket].append(i)
    for ticket, mine in suspect.items():
        state = committed.get(ticket)
        for i in mine:
            if _key(read_with[i]) != _key(state):
                fixed = state
                again = _convert(importer, rows[i], lambda _t, s=fixed: s)  # type: ignore[misc]
                if not isinstance(again, _Done) or again.ticket != ticket:
                    return _one_by_one(run, importer, rows)  # (not expected)
                got[i], read_with[i] = again, state
                redone = True
                refused.discard(i)
                if again.parts and _failed(run, rows[i], again.parts):
                    refused.add(i)
            if i not in refused:
                done = got[i]
                assert isinstance(done, _Done)
                state = done.state
    if redone:
        batch = _batch(run, rows, got)
        checked, final = _refused(run, batch, got)
        if final != refused:
            return _one_by_one(run, importer, rows)  # (not expected)

    # settled: problems and refusals quarantined in order, the states of the others kept
    early: list[tuple[SourceRow, str, str]] = []
    unchanged = 0
    for i, (row, g) in enumerate(zip(rows, got, strict=True)):
        if g is None:
            unchanged += 1
        elif isinstance(g, _Done):
            if i not in refused:
                committed[g.ticket] = g.state
                unchanged += not g.parts
        else:
            early.append((row, *g))
    run.stats.unchanged += unchanged
    run._json_seq += len(batch)
    table, _ = run._settle(batch, early, checked)
    return [] if table is None else [table]


def _one_by_one(
    run: ColumnarImportRun, importer: ZendeskImporter, rows: list[SourceRow]
) -> list[pa.Table]:
    """The records settled one at a time, each before the next is converted (the row
    importer's order of things)."""
    out: list[pa.Table] = []
    committed = importer._tickets
    for row in rows:
        g = _convert(importer, row, committed.get)
        if g is None:
            run.stats.unchanged += 1
        elif not isinstance(g, _Done):
            run._settle(JsonBatch(), [(row, *g)], None)
        elif not g.parts:
            committed[g.ticket] = g.state
            run.stats.unchanged += 1
        else:
            batch = JsonBatch()
            batch.add(row, g.parts, run._json_seq)
            run._json_seq += len(g.parts)
            table, failed = run._check(batch, [])
            if not failed:
                committed[g.ticket] = g.state
            if table is not None:
                out.append(table)
    return out
