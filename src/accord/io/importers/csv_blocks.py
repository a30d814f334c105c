"""CSV sources in blocks of columns, for the columnar importer: the rows the row importer's
:func:`~accord.io.importers.sources.csv_rows` reads, with the same line numbers and cells.

A block of whole lines is parsed by ``pyarrow.csv`` when it holds nothing the two parsers
could read differently: no quote, no carriage return but in ``\\r\\n``, no NUL, no blank
line, valid UTF-8 and the header's cell count on every line (each record is then one line,
so its line number is its position). From the first block that does not qualify to the end
of the file, the rows are read by ``csv_rows`` itself (over the same bytes) and laid out as
columns: a quoted cell may span lines, so the file cannot go back to the fast parser.

Only the columns the importer reads (``wanted``) are converted to Arrow text: the others
are still parsed (a row with a wrong cell count is caught), and a row's every cell is read
again from the block's bytes when it is needed (a quarantined row keeps them all; a row
whose cells may all be blank is checked on all of them).

Memory: a block of :data:`BLOCK_BYTES` and its columns at a time. Reads from the source in
pieces of :data:`READ_BYTES`, the size the row importer's text stream reads, so that a
damaged source gives the same rows before its damage.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from accord.io.importers.sources import SourceFile, SourceRow, csv_rows

BLOCK_BYTES = 8 << 20
READ_BYTES = 8192  # io.TextIOWrapper's chunk size
PYTHON_BLOCK_ROWS = 65536
_BOM = b"\xef\xbb\xbf"

I64 = NDArray[np.int64]


@dataclass
class CsvBlock:
    """Rows of a CSV source: one text column per distinct header name (the last cell of a
    repeated name, as ``dict(zip(header, cells))`` keeps), their line numbers, and the rows
    that could not be read (with their problem), all in line order."""

    table: pa.Table
    rows: I64
    bad: list[SourceRow] = field(default_factory=list)
    # set when ``table`` holds only some columns: every row's line, read again on demand
    lines: _Lines | None = None

    def column(self, name: str | None) -> pa.Array | None:
        if name is None or name not in self.table.column_names:
            if self.lines is not None and name in self.lines.header:
                # a column the importer reads but did not ask for: a bug, not a source fault
                raise KeyError(f"column {name!r} of the source was not converted")
            return None
        col = self.table.column(name)
        return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    def raw(self, i: int) -> dict[str, Any]:
        """Row ``i`` as the row importer's dict of cells."""
        if self.lines is not None:
            return dict(zip(self.lines.header, self.lines.cells(i), strict=True))
        return {k: v[0] for k, v in self.table.slice(i, 1).to_pydict().items()}


@dataclass
class _Lines:
    """The lines of a plain block (one record a line), to read a row's cells again."""

    header: list[str]
    chunk: bytes
    starts: I64  # of each row's line in ``chunk``
    stops: I64  # its end, newline left out
    delimiter: str

    def cells(self, i: int) -> list[str]:
        text = self.chunk[int(self.starts[i]) : int(self.stops[i])].decode("utf-8")
        if text.endswith("\r"):
            text = text[:-1]  # "\r\n" ends the line for pyarrow too
        # the block is plain (quotes only around whole cells, on one line): csv reads the
        # line into the cells pyarrow gave
        return next(csv.reader([text], delimiter=self.delimiter), [""])

    def take(self, keep: I64) -> _Lines:
        return _Lines(self.header, self.chunk, self.starts[keep], self.stops[keep], self.delimiter)


def _newlines(chunk: bytes) -> I64:
    """The position of every newline of ``chunk``."""
    return np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10).astype(np.int64)


def _line_bounds(chunk: bytes, n: int, ends: I64) -> tuple[I64, I64]:
    """Where each of the ``n`` lines of a block of whole lines starts and stops (``ends``:
    its newlines)."""
    stops = np.concatenate([ends, np.array([len(chunk)], dtype=np.int64)])[:n]
    starts = np.concatenate([np.zeros(1, dtype=np.int64), ends + 1])[:n]
    return starts, stops


class _Chain(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, rest: IO[bytes], damage: Exception | None) -> None:
        self.head = memoryview(head)
        self.rest = rest
        self.damage = damage  # met while reading ``head``: raised where the head ends

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if len(self.head):
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        if self.damage is not None:
            raise self.damage
        got = self.rest.read(len(b))
        b[: len(got)] = got
        return len(got)


def _names(header: Sequence[str]) -> tuple[list[str], list[int]]:
    """The distinct names in first-seen order, each with the position of its last cell."""
    last: dict[str, int] = {}
    for i, h in enumerate(header):
        last[h] = i
    names = list(dict.fromkeys(header))
    return names, [last[h] for h in names]


def _plain(chunk: bytes, delimiter: str, ends: I64 | None = None) -> bool:
    """Whether ``pyarrow`` reads this block of whole lines as ``csv`` reads it: no NUL, no
    blank line, a carriage return only before a newline, and quotes (if any) only around
    whole cells, doubled inside, on one line. ``ends``: the block's newlines, if known."""
    if b"\x00" in chunk or chunk.startswith((b"\n", b"\r")):
        return False
    if ends is None:
        ends = _newlines(chunk)
    # blank lines judged on the newlines' positions (a bytes search for "\n\n" is several
    # times slower than finding the newlines, which the block needs anyway)
    gaps = np.diff(ends)
    if (gaps == 1).any():
        return False
    if b"\r" in chunk:
        data = np.frombuffer(chunk, dtype=np.uint8)
        cr = np.flatnonzero(data == 13)
        if cr[-1] + 1 >= data.size or (data[cr + 1] != 10).any():
            return False  # a carriage return not before a newline
        if (data[ends[:-1][gaps == 2] + 1] == 13).any():
            return False  # a line of only "\r"
    return b'"' not in chunk or _quoted_cells_only(chunk, delimiter)


def _quoted_cells_only(chunk: bytes, delimiter: str) -> bool:
    import pyarrow.compute as pc

    d = re.escape(delimiter)
    cell = f'(?:"(?:[^"\\r\\n]|"")*"|[^"{d}\\r\\n]*)'
    pattern = f"^{cell}(?:{d}{cell})*\\r?$"
    data = np.frombuffer(chunk, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    starts = np.concatenate([[0], ends + 1]).astype(np.int64)
    stops = np.concatenate([ends, [data.size]]).astype(np.int64)
    if stops[-1] == starts[-1]:  # the block ends with its newline
        starts, stops = starts[:-1], stops[:-1]
    # the lines as a binary array over the block's bytes (newlines left out by offsets)
    offsets = np.empty(2 * starts.size, dtype=np.int64)
    offsets[0::2], offsets[1::2] = starts, stops
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 2 * starts.size - 1 if starts.size else 0,
        [None, pa.py_buffer(offsets[: max(2 * starts.size, 1)]), pa.py_buffer(chunk)],
    ) if starts.size else None  # fmt: skip
    if pieces is None:
        return True
    lines = pieces.take(pa.array(np.arange(0, 2 * starts.size - 1, 2)))
    ok = pc.match_substring_regex(lines, pattern)
    return bool(pc.all(ok).as_py())


def _parse(
    chunk: bytes, width: int, delimiter: str, positions: list[int], newlines: int
) -> pa.Table | None:
    """The block's columns at ``positions`` (only they are converted), or ``None`` when
    pyarrow cannot read it as the row reader would (``newlines``: how many it holds)."""
    names = [f"c{i}" for i in range(width)]
    chosen = [names[p] for p in positions]
    try:
        t = pacsv.read_csv(
            pa.py_buffer(chunk),
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(chunk) + 1
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in chosen},
                include_columns=chosen,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None  # a wrong cell count, bad UTF-8: the row reader says which rows
    lines = newlines + (0 if chunk.endswith(b"\n") else 1)
    if t.num_rows != lines:
        return None
    return t.select(chosen)


def _blank_rows(table: pa.Table, lines: _Lines) -> NDArray[np.bool_]:
    """Rows whose every cell is blank (skipped by the row reader, as blank lines are)."""
    import pyarrow.compute as pc

    from accord.io.columnar_cells import _BLANK

    maybe = np.asarray(
        pc.match_substring_regex(table.column(0), _BLANK).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    if not maybe.any():
        return maybe
    for i in np.flatnonzero(maybe).tolist():
        maybe[i] = not any(c.strip() for c in lines.cells(i))
    return maybe


def csv_blocks(
    src: SourceFile,
    delimiter: str,
    on_header: Callable[[Sequence[str]], None],
    block_bytes: int = BLOCK_BYTES,
    wanted: Collection[str] | None = None,
) -> Iterator[CsvBlock]:
    """The source's rows in blocks (see the module docstring). ``wanted``: the columns to
    convert (``None``: all; the first is always converted). A damage met while reading
    is raised (the source words it as :class:`Damaged`) after the blocks of the rows read
    before it."""
    with src.binary() as stream:
        buf = bytearray()
        eof = False
        # a failure of the read (a damaged source): raised once the rows before it are out,
        # inside the source's context, which words it
        damage: Exception | None = None

        def fill(target: int) -> None:
            nonlocal eof, damage
            while len(buf) < target and not eof:
                try:
                    got = stream.read(READ_BYTES)
                except Exception as e:
                    damage, eof = e, True
                    return
                if not got:
                    eof = True
                buf.extend(got)

        fill(READ_BYTES)
        start = 0
        if buf.startswith(_BOM):
            start = len(_BOM)
        nl = buf.find(b"\n", start)
        while nl < 0 and not eof:
            fill(len(buf) + READ_BYTES)
            nl = buf.find(b"\n", start)
        head_line = bytes(buf[start : nl + 1]) if nl >= 0 else bytes(buf[start:])
        header: list[str] | None = None
        if damage is None and head_line.strip() and _plain(head_line, delimiter):
            try:
                text = head_line.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            cells = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
            if any(c.strip() for c in cells):
                header = [h.strip() for h in cells]
        if header is None:
            # an unusual header: the whole file through the row reader's parsing
            rest = _Chain(bytes(buf), stream, damage)
            yield from _python_blocks(rest, src.path, delimiter, on_header, 0)
            return
        on_header(header)
        names, positions = _names(header)
        if wanted is not None:
            keep = [k for k, nm in enumerate(names) if k == 0 or nm in wanted]
            names, positions = [names[k] for k in keep], [positions[k] for k in keep]
        del buf[: start + len(head_line)]
        line = 2  # of the first line in buf
        while True:
            fill(block_bytes)
            if not buf:
                break
            cut = buf.rfind(b"\n") + 1
            if eof and damage is None:
                cut = len(buf)  # the last line may lack its newline
            if cut == 0:
                break  # only a line cut short by the damage: the row reader loses it too
            chunk = bytes(buf[:cut])
            ends = _newlines(chunk)
            plain = _plain(chunk, delimiter, ends)
            table = _parse(chunk, len(header), delimiter, positions, ends.size) if plain else None
            if table is None:
                rest = _Chain(bytes(head_line) + bytes(buf), stream, damage)
                yield from _python_blocks(rest, src.path, delimiter, None, line - 2)
                return
            rows = np.arange(line, line + table.num_rows, dtype=np.int64)
            line += table.num_rows
            del buf[:cut]
            table = table.rename_columns(names)
            lines = _Lines(header, chunk, *_line_bounds(chunk, table.num_rows, ends), delimiter)
            blank = _blank_rows(table, lines) if table.num_columns else np.zeros(0, dtype=bool)
            if blank.any():
                kept = np.flatnonzero(~blank)
                table, rows, lines = table.take(pa.array(kept)), rows[kept], lines.take(kept)
            yield CsvBlock(table, rows, lines=lines)
            if eof and not buf:
                break
        if damage is not None:
            raise damage


def _python_blocks(
    raw: io.RawIOBase,
    path: str,
    delimiter: str,
    on_header: Callable[[Sequence[str]], None] | None,
    offset: int,
) -> Iterator[CsvBlock]:
    """The rows of ``raw`` (a header line, then rows) read by ``csv_rows``, in blocks;
    ``offset`` is added to their line numbers."""
    text = io.TextIOWrapper(
        io.BufferedReader(raw), encoding="utf-8-sig", errors="replace", newline=""
    )
    header: list[str] = []

    def seen(h: Sequence[str]) -> None:
        header.extend(h)
        if on_header is not None:
            on_header(h)

    good: list[SourceRow] = []
    bad: list[SourceRow] = []

    def block() -> CsvBlock:
        names, _ = _names(header)
        cols = {n: pa.array([r.data.get(n) for r in good], pa.string()) for n in names}
        rows = np.array([r.row for r in good], dtype=np.int64)
        out = CsvBlock(pa.table(cols) if cols else pa.table({}), rows, list(bad))
        good.clear()
        bad.clear()
        return out

    try:
        for r in csv_rows(text, path, delimiter, on_header=seen):
            r = SourceRow(r.row + offset, r.data, r.problem)
            (bad if r.problem is not None else good).append(r)
            if len(good) + len(bad) >= PYTHON_BLOCK_ROWS:
                yield block()
    except Exception:
        if good or bad:
            yield block()  # the rows read before the damage are imported
        raise
    finally:
        text.detach()
    if good or bad:
        yield block()
