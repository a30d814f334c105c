"""JSON exports read a page at a time by a typed decoder (``msgspec``), the records trimmed
to the keys the importer reads.

The stdlib decoder builds every key of every record (bodies, descriptions, audit trails the
mapping never reads) one record at a time, the largest single cost of a JSON import. Here
the file is read in chunks; a compiled scan finds where each record of the top-level array
ends (commas at the array's own depth, outside strings), and each page of whole records is
decoded at once into plain dicts holding only the keys of the importer's ``record_type``
(a ``TypedDict`` built from its mapping: unknown keys are skipped by the C decoder).

What this reader yields equals :meth:`JsonImporter.read` record by record, for every input:

* each :class:`PageRow` carries the trimmed dict for the conversion (``typed``) and gives
  the whole record, as the stdlib decodes it, when asked for ``data`` (a quarantined
  record keeps every key);
* a page the typed decoder refuses (a value out of its range such as ``1e400`` or ``NaN``,
  a lone surrogate, bytes that are not UTF-8, a record of another shape) is decoded record
  by record by the stdlib, as the row reader would;
* anything else (a file that is not one array of records or one ``{"<list key>": [...]}``
  page, a compressed file, text the stdlib cannot read either, text after the array) is
  left to the row reader: it reads the file again from its start, and the records already
  yielded are skipped, so damage is found and worded exactly as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import msgspec
import numba
import numpy as np
from numpy.typing import NDArray

from accord.io.importers.base import JsonImporter
from accord.io.importers.json_arrow import ArrowPage, ArrowReading
from accord.io.importers.sources import SourceFile, SourceRow

CHUNK_BYTES = 1 << 20  # bytes read at a time: a page is the whole records of a chunk
_WS = rb"[ \t\r\n]*"
_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _record_ends(
    buf: NDArray[np.uint8], start: int, state: NDArray[np.int64], ends: NDArray[np.int64]
) -> int:  # pragma: no cover  (compiled)
    """Scan ``buf`` from ``start``; write the position of each comma at the records array's
    own depth (a record's end), then of the array's closing bracket, into ``ends``; return
    how many. ``state`` (depth below the array, in a string, after a backslash, where the
    scan stopped, whether the array closed) carries the scan from one chunk to the next."""
    depth, in_str, esc = state[0], state[1], state[2]
    n = 0
    i = start
    size = buf.size
    while i < size:
        if in_str:
            # a string's bytes in a loop of their own: only a quote or backslash matters
            # (the scan spent most of its time testing its state at each byte)
            while i < size:
                c = buf[i]
                if esc:
                    esc = 0
                elif c == 92:  # backslash
                    esc = 1
                elif c == 34:  # quote
                    in_str = 0
                    break
                i += 1
            if in_str:  # the chunk ends inside the string
                break
            i += 1
            continue
        c = buf[i]
        if c == 34:
            in_str = 1
        elif c == 123 or c == 91:  # { [
            depth += 1
        elif c == 125 or c == 93:  # } ]
            depth -= 1
            if depth < 0:  # the records array closes
                ends[n] = i
                n += 1
                state[4] = 1
                i += 1
                break
        elif c == 44 and depth == 0:  # a comma between records
            ends[n] = i
            n += 1
            if n == ends.size:
                i += 1
                break
        i += 1
    state[0], state[1], state[2], state[3] = depth, in_str, esc, i
    return n


class PageRow(SourceRow):
    """A record read from a page: ``typed`` (the keys the importer reads) for converting,
    ``data`` (the whole record, decoded by the stdlib when first asked) for quarantine."""

    __slots__ = ("_full", "_text", "typed")
    typed: dict[str, Any]
    _full: dict[str, Any] | None
    _text: tuple[bytes, frozenset[str]]

    def __init__(
        self, row: int, typed: dict[str, Any], text: bytes, wrappers: frozenset[str]
    ) -> None:
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "problem", None)
        object.__setattr__(self, "typed", typed)
        object.__setattr__(self, "_text", (text, wrappers))
        object.__setattr__(self, "_full", None)

    @property
    def data(self) -> dict[str, Any]:
        full: dict[str, Any] | None = self._full
        if full is None:
            text, wrappers = self._text
            full = unwrapped(json.loads(text.decode("utf-8", "replace")), wrappers)
            object.__setattr__(self, "_full", full)
        assert full is not None
        return full


def unwrapped(record: dict[str, Any], wrappers: frozenset[str]) -> dict[str, Any]:
    """A record as :meth:`JsonImporter.read` gives it: ``{"issue": {...}}`` is the issue."""
    if len(record) == 1:
        ((key, inner),) = record.items()
        if key in wrappers and isinstance(inner, dict):
            return inner
    return record


def _page_start(head: bytes, list_keys: frozenset[str]) -> tuple[int, bool] | None:
    """Where the records array's first record starts in the file's first bytes, and whether
    it sits in an object (``{"<list key>": [``, after any other keys, as a Jira search page
    has them: ``{"startAt": 0, "total": 2, "issues": [``); ``None`` for any other shape."""
    got = re.match(rb"(?:\xef\xbb\xbf)?" + _WS, head)
    pos = got.end() if got is not None else 0
    if head[pos : pos + 1] == b"[":
        return pos + 1, False
    if head[pos : pos + 1] != b"{":
        return None
    # the keys before the list, read as the row reader reads them (any other value or an
    # object without the list: None, and the row reader reads the file); Latin-1 keeps a
    # character a byte (JSON's structure is ASCII; no list key has other characters)
    text = head.decode("latin-1")
    decoder = json.JSONDecoder()
    blank = " \t\r\n"
    pos += 1
    first = True
    while True:
        while pos < len(text) and text[pos] in blank:
            pos += 1
        if not first:
            if text[pos : pos + 1] != ",":
                return None
            pos += 1
            while pos < len(text) and text[pos] in blank:
                pos += 1
        first = False
        try:
            key, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return None
        while pos < len(text) and text[pos] in blank:
            pos += 1
        if not isinstance(key, str) or text[pos : pos + 1] != ":":
            return None
        pos += 1
        while pos < len(text) and text[pos] in blank:
            pos += 1
        if key in list_keys and text[pos : pos + 1] == "[":
            return pos + 1, True
        try:
            _, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return None
        if pos >= len(text) - 1:
            return None  # a value up to the chunk's end: it may go on


class _Fallback(Exception):
    """The row reader takes over after this many records."""

    def __init__(self, after: int) -> None:
        self.after = after


def page_rows(importer: JsonImporter, src: SourceFile) -> Iterator[SourceRow]:
    """The records of ``src`` as ``importer.read`` yields them (which reads what this reader
    leaves to it); a record read from a page is a :class:`PageRow`."""
    for item in page_items(importer, src, None):
        assert isinstance(item, SourceRow)
        yield item


def page_items(
    importer: JsonImporter, src: SourceFile, arrow: ArrowReading | None
) -> Iterator[SourceRow | ArrowPage]:
    """:func:`page_rows`, with the pages ``arrow`` reads (after the first, which teaches it
    their schema) given as :class:`ArrowPage`\\ s of their records instead of rows: their
    Arrow tables built by the compiled projection reader (:mod:`json_scan`) from the page's
    bytes and the record bounds found here, or by ``pyarrow.json`` where it is not sure."""
    decoder = msgspec.json.Decoder(list[importer.record_type()])  # type: ignore[misc]
    after: int | None = None
    try:
        with src.binary() as stream:
            if src.compression is not None:
                raise _Fallback(0)  # the row reader finds damage where its reads meet it
            yield from _pages(stream, decoder, importer.list_keys, importer.wrapper_keys, arrow)
    except _Fallback as f:
        after = f.after
    if after is not None:
        for row in importer.read(src):
            if row.row > after:
                yield row


def _pages(
    stream: IO[bytes],
    decoder: Any,
    list_keys: frozenset[str],
    wrappers: frozenset[str],
    arrow: ArrowReading | None = None,
) -> Iterator[SourceRow | ArrowPage]:
    buf = stream.read(CHUNK_BYTES)
    where = _page_start(buf, list_keys)
    if where is None:
        raise _Fallback(0)
    first, in_object = where
    state = np.zeros(5, dtype=np.int64)
    state[3] = first
    ends = np.empty(1 << 16, dtype=np.int64)
    number = 0
    begin = first  # where the next record starts in ``buf``
    eof = False
    while True:
        arr = np.frombuffer(buf, dtype=np.uint8)
        n = _record_ends(arr, int(state[3]), state, ends)
        if n:
            bounds = ends[:n].tolist()
            closed = bool(state[4]) and state[3] == bounds[-1] + 1
            starts = [begin, *(b + 1 for b in bounds[:-1])]
            if closed and not buf[starts[-1] : bounds[-1]].strip(b" \t\r\n"):
                if n == 1 and number == 0:  # an empty array: no record
                    starts, bounds = [], []
                else:
                    raise _Fallback(number)  # "[..., ]": the row reader words it
            got = None if arrow is None else arrow.page(buf, starts, bounds, number, wrappers)
            if got is not None:
                yield got
            elif arrow is not None and not arrow.learned and starts:
                # the first page teaches Arrow the schema (its typed records' shapes)
                rows: list[SourceRow] = []
                try:
                    rows.extend(_page(buf, starts, bounds, number, decoder, wrappers))
                except _Fallback:
                    yield from rows  # (the records before the fallback's are kept)
                    raise
                arrow.learn([r.typed for r in rows if isinstance(r, PageRow) and r.typed])
                yield from rows
            else:
                yield from _page(buf, starts, bounds, number, decoder, wrappers)
            number += len(starts)
            begin = bounds[-1] + 1 if bounds else begin
            if closed:
                break
        if not n or int(state[3]) >= len(buf):
            if eof:
                raise _Fallback(number)  # the file ends inside the array
            # a record longer than a chunk: read as much again (linear time)
            more = stream.read(max(CHUNK_BYTES, len(buf) - begin))
            eof = not more
            cut = begin
            buf = buf[cut:] + more
            state[3] -= cut
            begin = 0
    rest = _nonblank(buf[int(state[3]) :], stream)
    if in_object:
        # the page's other keys (``"total": 3, "next_page": null``) and its closing brace
        tail = rest + stream.read(CHUNK_BYTES)
        if len(tail) > CHUNK_BYTES or not _plain_tail(tail, list_keys):
            raise _Fallback(number)  # the row reader reads (and judges) them
        return
    if rest:
        raise _Fallback(number)  # more values follow: the row reader reads them


def _plain_tail(tail: bytes, list_keys: frozenset[str]) -> bool:
    """Whether the text after the records array closes its page and ends the file: its
    other keys valid JSON, none of them another list of records (the row reader would read
    its records too)."""
    tail = tail.rstrip(b" \t\r\n")
    if tail == b"}":
        return True
    if tail[:1] != b",":
        return False
    try:
        rest = json.loads(b"{" + tail[1:])
    except ValueError:
        return False
    return isinstance(rest, dict) and not any(
        isinstance(v, list) and k in list_keys for k, v in rest.items()
    )


def _nonblank(rest: bytes, stream: IO[bytes]) -> bytes:
    """``rest`` from its first non-blank byte, read on from ``stream`` while blank (empty:
    only blanks to the end)."""
    rest = rest.lstrip(b" \t\r\n")
    while not rest:
        more = stream.read(CHUNK_BYTES)
        if not more:
            return b""
        rest = more.lstrip(b" \t\r\n")
    return rest


def _page(
    buf: bytes,
    starts: list[int],
    ends: list[int],
    number: int,
    decoder: Any,
    wrappers: frozenset[str],
) -> Iterator[SourceRow]:
    """One page's records: typed in one decode, or by the stdlib record by record."""
    if not starts:
        return
    text = b"[" + buf[starts[0] : ends[-1]] + b"]"
    try:
        typed: list[dict[str, Any]] | None = decoder.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        typed = None
    if typed is not None:
        for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
            yield PageRow(number + k + 1, typed[k], buf[s:e], wrappers)
        return
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        try:
            full = json.loads(buf[s:e].decode("utf-8", "replace"))
        except ValueError:
            raise _Fallback(number + k) from None
        if not isinstance(full, dict):
            raise _Fallback(number + k)  # not an object: the row reader words it
        # no trimmed dict: the record is converted whole, one at a time
        full = unwrapped(full, wrappers)
        row = PageRow(number + k + 1, {}, buf[s:e], wrappers)
        object.__setattr__(row, "_full", full)
        yield row
