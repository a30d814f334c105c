"""JSON Lines for the columnar reader, block by block: the rows Arrow read validated in
columns, the others (and whole pieces Arrow could not read) by the row reader, and each row
found again when a later step needs it (see :mod:`accord.io.columnar_jsonl`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

import numpy as np

from accord.core.event_validation import (
    StatusMapper,
    validate_event,
)
from accord.core.events import Event
from accord.io import columnar_jsonl
from accord.io.columnar_jsonl import JsonBlock, ParsedBlock, jsonl_blocks, parse_block
from accord.io.quarantine import QuarantineRecord
from accord.io.readers import _json_line, _open_binary, _RawRow


def row_outcomes(
    rows: list[Any],
    first_seq: int,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
) -> tuple[list[Event], list[tuple[int, QuarantineRecord]]]:
    """Rows from the row reader, validated as :func:`accord.io.readers.read_many` does."""
    events: list[Event] = []
    bad: list[tuple[int, QuarantineRecord]] = []
    for i, r in enumerate(rows):
        if r.data is None:
            bad.append(
                (
                    i,
                    QuarantineRecord(r.source, r.row, "*", r.problem or "unreadable row", r.raw),
                )
            )
            continue
        got = validate_event(
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
            bad.append((i, got))
    return events, bad


def block_rows(block: JsonBlock, source: str) -> list[Any]:
    """The block's lines as the row reader reads them (numbered from the block's first)."""
    out: list[Any] = []
    for i, line in enumerate(block.data.split(b"\n")):
        number = block.first_line + i
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            if number == 1 and block.offset:
                line = b"\xef\xbb\xbf" * (block.offset // 3) + line  # as the row reader keeps it
            raw = {"_line": line.decode("utf-8", "replace").strip()}
            out.append(_RawRow(source, number, None, raw, False, "the line is not valid UTF-8"))
            continue
        text = text.strip()
        if text:
            out.append(_json_line(source, number, text))
    return out


SPLIT_BYTES = 1 << 16
"""A block Arrow cannot read is halved until its halves are this small (one odd line then
costs the row reader's time for its small piece, not for its whole block)."""


def _parsed(
    blocks: Iterator[JsonBlock], source: str
) -> Iterator[tuple[JsonBlock, ParsedBlock | None]]:
    """Each block with its columns, or ``None`` for a piece the row reader must read."""
    for block in blocks:
        todo = [block]
        while todo:
            b = todo.pop()
            parsed = parse_block(b, source)
            mid = b.data.find(b"\n", len(b.data) // 2)
            if parsed is not None or len(b.data) <= SPLIT_BYTES or mid in (-1, len(b.data) - 1):
                yield b, parsed
                continue
            head, tail = b.data[: mid + 1], b.data[mid + 1 :]
            second = JsonBlock(tail, b.first_line + head.count(b"\n"), b.offset + len(head))
            todo.extend([second, JsonBlock(head, b.first_line, b.offset)])


class _Lines:
    """How the columnar reader finds a block's rows again: from the block's text while it is
    validated, then (for the rare row a later step needs, e.g. an id conflict) by reading the
    file again up to the row's line, so no block's text is kept."""

    def __init__(self, path: str, parsed: ParsedBlock, offset: int, data: bytes) -> None:
        self.path = path
        self.parsed = parsed
        self.offset = offset  # where the block starts in the decompressed text
        self.data: bytes | None = data

    def row(self, k: int) -> Any:
        got = self.parsed.rows.get(k)
        if got is None:
            line = self._line(k)
            got = _json_line(self.path, int(self.parsed.numbers[k]), line.strip())
            if self.data is not None:
                self.parsed.rows[k] = got
        return got

    def _line(self, k: int) -> str:
        lo, hi = int(self.parsed.starts[k]), int(self.parsed.ends[k])
        if self.data is not None:
            return self.data[lo:hi].decode("utf-8")
        with _open_binary(self.path) as stream:
            # offsets count decompressed bytes: a plain file seeks, a gzip one reads up to there
            stream.seek(self.offset + lo)
            return stream.read(hi - lo).decode("utf-8")

    def raw(self, rows: Any) -> list[dict[str, Any]]:
        return [self.row(int(k)).raw for k in rows]

    def judge(
        self,
        k: int,
        row: int,
        seq: int,
        source_tz: tzinfo | None,
        status: StatusMapper | None,
    ) -> Event | QuarantineRecord:
        r = self.row(k)
        if r.data is None:
            return QuarantineRecord(r.source, r.row, "*", r.problem or "unreadable row", r.raw)
        return validate_event(
            r.data,
            source=r.source,
            row=row,
            seq=seq,
            source_tz=source_tz,
            status_category=status,
        )


def jsonl_parts(
    path: str | os.PathLike[str],
    index: int,
    first_seq: int,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
) -> Iterator[tuple[Any, list[tuple[int, QuarantineRecord]], int, int]]:
    """One JSON Lines file read block by block: per block, the columnar reader's part (its
    accepted events), its quarantined rows (by row number), its row count and how many rows
    the row validator decided."""
    from accord.core.engine.batch.schema import events_to_table
    from accord.io.columnar import _Part, _validate_source
    from accord.io.columnar_sources import _Source

    source = os.fspath(path)
    seq = first_seq
    for block, parsed in _parsed(jsonl_blocks(path, columnar_jsonl.BLOCK_BYTES), source):
        if parsed is None:
            rows = block_rows(block, source)
            events, bad = row_outcomes(rows, seq, source_tz, status_category)
            kept: list[dict[str, Any]] = [r.raw for r in rows]

            def raw(at: Any, kept: list[dict[str, Any]] = kept) -> list[dict[str, Any]]:
                return [kept[i] for i in at.tolist()]

            numbers = np.array([r.row for r in rows], dtype=np.int64)
            src = _Source(
                source,
                None,
                numbers,
                raw,
                np.zeros(0, dtype=bool),
            )
            n = len(rows)
            yield (
                _Part(index, src, seq, events_to_table(events)),
                [(rows[i].row, rec) for i, rec in bad],
                n,
                n,
            )
            seq += n
            continue
        lines = _Lines(source, parsed, block.offset, block.data)
        for k in np.flatnonzero(parsed.force_slow).tolist():
            lines.row(k)
        table = parsed.table
        assert table is not None  # a block just parsed holds its columns
        n = table.num_rows
        src = _Source(source, table, parsed.numbers, lines.raw, parsed.force_slow)
        src.judge = lines.judge
        events_table, bad, slow = _validate_source(src, seq, source_tz, status_category)
        # the block's text and raw columns go (only the events table is kept); a row needed
        # later is read again from the file
        lines.data = None
        parsed.rows.clear()
        parsed.table = src.table = None
        yield _Part(index, src, seq, events_table), bad, n, slow
        seq += n
