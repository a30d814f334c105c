"""Reading source files as streams of rows: CSV, JSON (pages, arrays, JSON Lines) and XES.

Every reader yields :class:`SourceRow` values one at a time and holds at most one row (one
JSON record, one XES event with its trace's attributes) in memory. Zip and gzip files are
decompressed as streams; :meth:`SourceFile.position` reports how far into the file on disk
the read has come, for progress bars.

A file that cannot be read to its end (a gzip or zip cut short or corrupt, XML or JSON that
stops being well-formed) raises :class:`~accord.io.compression.Damaged` once the rows before
the damage have been yielded: they are kept, and the importer says what was read.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from accord.errors import InputError, NotFoundError
from accord.io.compression import (
    GZIP_MAGIC,
    ZIP_MAGIC,
    Counted,
    Damaged,
    ZipSalvage,
    damage_reason,
    unread_compression,
)

_JSON_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of a source: its number (as quarantine records name it) and its data.

    ``problem`` is set (and ``data`` holds what could be kept) when the row could not be read.
    """

    row: int
    data: dict[str, Any]
    problem: str | None = None


class SourceFile:
    """One input file, opened for streaming; zip (one member) and gzip are decompressed."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            what = "is a directory, not a file" if os.path.isdir(self.path) else "does not exist"
            raise NotFoundError(f"'{self.path}' {what}")
        self.size = os.path.getsize(self.path)
        self.compression: str | None = None  # "gzip" or "zip" once opened
        self._raw: IO[bytes] | None = None
        self._counted: Counted | None = None
        self.stopped_at: int | None = None  # bytes on disk read when damage stopped the read

    def position(self) -> int:
        """Bytes of the file on disk read so far (compressed bytes for zip and gzip)."""
        raw = self._raw
        if raw is None or raw.closed:
            return self.size if raw is not None else 0
        return raw.tell()

    def decompressed(self) -> int | None:
        """Bytes decompressed so far (``None`` for a file that is not compressed)."""
        return self._counted.count if self._counted is not None else None

    @contextmanager
    def binary(self) -> Iterator[IO[bytes]]:
        """The file's (decompressed) bytes as a stream. Damage met while reading (the
        compressed data, or the format read from it) is raised as :class:`Damaged`, and
        :attr:`stopped_at` keeps how far into the file on disk the read had come."""
        with open(self.path, "rb") as raw:
            self._raw = raw
            try:
                with self._decompressed(raw) as stream:
                    yield stream
            except Damaged:
                self.stopped_at = raw.tell()
                raise

    @contextmanager
    def _decompressed(self, raw: IO[bytes]) -> Iterator[IO[bytes]]:
        magic = raw.read(6)
        raw.seek(0)
        unread = unread_compression(magic, self.path)
        if unread is not None:
            raise InputError(unread)
        if magic[:2] == GZIP_MAGIC:
            self.compression = "gzip"
            # GzipFile is a binary stream; typeshed just does not declare it as IO[bytes]
            gz = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            with gz, self._counted_stream(gz) as counted:
                yield counted
        elif magic[:4] == ZIP_MAGIC:
            self.compression = "zip"
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile:
                # no readable directory (a download cut short): read what the first file's
                # local header leads to, then say that the archive is damaged
                raw.seek(0)
                salvage = ZipSalvage(raw)
                with self._counted_stream(cast(IO[bytes], salvage)) as counted:
                    yield counted
                how = "read to its end" if salvage.complete else "read up to the cut"
                raise Damaged(
                    "the zip archive's directory (at its end) is missing or unreadable: the "
                    f"file is truncated or corrupt; its file '{salvage.name}' was {how}"
                ) from None
            with (
                archive,
                archive.open(_member(archive)) as stream,
                self._counted_stream(stream) as counted,
            ):
                yield counted
        else:
            yield raw

    @contextmanager
    def _counted_stream(self, stream: IO[bytes]) -> Iterator[IO[bytes]]:
        """``stream`` counted, with its decompression failures raised as :class:`Damaged`."""
        counted = Counted(stream)
        self._counted = counted
        try:
            yield cast(IO[bytes], counted)
        except Exception as e:
            reason = damage_reason(e, self.compression or "compressed")
            if reason is None:
                raise
            raise Damaged(reason) from None

    @contextmanager
    def text(self) -> Iterator[IO[str]]:
        """The file as UTF-8 text (a byte-order mark is skipped; bad bytes become U+FFFD)."""
        with self.binary() as stream:
            wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
            try:
                yield wrapper
            finally:
                wrapper.detach()  # the binary stream is closed by its own context


def _member(archive: zipfile.ZipFile) -> str:
    names = [
        i.filename
        for i in archive.infolist()
        if not i.is_dir() and not i.filename.startswith("__MACOSX/")
    ]
    if len(names) != 1:
        listed = ", ".join(names) if names else "nothing"
        raise InputError(
            f"a zip to import must hold exactly one file, this one holds {listed}; "
            "unzip the one to import"
        )
    return names[0]


# ---------------------------------------------------------------- CSV


def csv_rows(
    text: IO[str],
    source: str,
    delimiter: str = ",",
    on_header: Callable[[Sequence[str]], None] | None = None,
) -> Iterator[SourceRow]:
    """Rows as column -> cell, numbered by their first line (the header is line 1).

    Blank lines are skipped; a row with more or fewer cells than the header is a problem.
    ``on_header`` sees the header before any row (and may refuse it by raising).
    """
    reader = csv.reader(text, delimiter=delimiter)
    header: list[str] | None = None
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
            yield SourceRow(start, {}, f"not a readable CSV row: {e}")
            continue
        start, last_line = last_line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [h.strip() for h in cells]
            if on_header is not None:
                on_header(header)
            continue
        data: dict[str, Any] = dict(zip(header, cells, strict=False))
        if len(cells) != len(header):
            if len(cells) > len(header):
                data["_extra"] = cells[len(header) :]
            problem = f"the row has {len(cells)} cells but the header has {len(header)} columns"
            yield SourceRow(start, data, problem)
        else:
            yield SourceRow(start, data)


# ---------------------------------------------------------------- JSON


class _JsonBuffer:
    """A sliding window over JSON text that decodes one value at a time."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters before ``buf`` (for error positions)
        self.decoder = json.JSONDecoder()

    def _fill(self, size: int = _JSON_CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(size)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.consumed += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += chunk
        return True

    def peek(self) -> str | None:
        """The next non-blank character (not consumed), or ``None`` at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return None

    def take(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            raise ValueError(f"expected '{ch}' at character {self.offset() + 1}, got {got!r}")
        self.pos += 1

    def offset(self) -> int:
        return self.consumed + self.pos

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # read as much again as is pending, so a large record costs linear time
                if self._fill(max(_JSON_CHUNK, len(self.buf) - self.pos)):
                    continue
                raise ValueError(f"{e.msg} at character {self.consumed + e.pos + 1}") from None
            # a number (or anything) that ends exactly at the window's end may go on
            if end == len(self.buf) and self._fill():
                continue
            self.pos = end
            return obj


def json_records(text: IO[str], list_keys: Collection[str]) -> Iterator[SourceRow]:
    """Stream the records of JSON text, numbered from 1.

    Accepts, one after another in the same file: an array of records; an object holding the
    records in an array under one of ``list_keys`` (an API response page: its other keys are
    skipped); any other object (one record); and JSON Lines (one of these per line). Only one
    record is in memory at a time. Text that is not JSON ends the read: :class:`Damaged`,
    after the records before it.
    """
    buf = _JsonBuffer(text)
    number = 0
    try:
        while (ch := buf.peek()) is not None:
            if ch == "[":
                buf.take("[")
                for item in _array(buf):
                    number += 1
                    yield _record(number, item)
            elif ch == "{":
                buf.take("{")
                rest: dict[str, Any] = {}
                paged = False
                first = True
                while buf.peek() != "}":
                    if not first:
                        buf.take(",")
                    first = False
                    key = buf.value()
                    buf.take(":")
                    if isinstance(key, str) and key in list_keys and buf.peek() == "[":
                        paged = True
                        buf.take("[")
                        for item in _array(buf):
                            number += 1
                            yield _record(number, item)
                    else:
                        rest[str(key)] = buf.value()
                buf.take("}")
                if not paged:
                    number += 1
                    yield SourceRow(number, rest)
            else:
                number += 1
                yield _record(number, buf.value())
    except ValueError as e:
        if not number:
            raise Damaged(f"the file is not valid JSON ({e}): no record could be read") from None
        raise Damaged(f"the text stops being valid JSON after record {number:,}: {e}") from None


def _array(buf: _JsonBuffer) -> Iterator[Any]:
    first = True
    while buf.peek() != "]":
        if not first:
            buf.take(",")
        first = False
        yield buf.value()
    buf.take("]")


def _record(number: int, item: Any) -> SourceRow:
    if isinstance(item, dict):
        return SourceRow(number, item)
    return SourceRow(number, {"_value": item}, f"expected a JSON object, got {type(item).__name__}")


# ---------------------------------------------------------------- XES

_XES_VALUES = frozenset({"string", "date", "int", "float", "boolean", "id"})
TRACE_PREFIX = "case:"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xes_value(kind: str, value: str | None) -> Any:
    if value is None:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return value.strip().lower() == "true"
    return value


def xes_rows(stream: IO[bytes], source: str) -> Iterator[SourceRow]:
    """One row per XES event: its attributes, plus its trace's attributes prefixed ``case:``.

    Rows are numbered by the event's position in the file (from 1). Nested attributes (lists,
    containers) are skipped. Elements are released as soon as their trace is done. XML that
    stops being well-formed ends the read: :class:`Damaged`, after the events before it.
    """
    stack: list[str] = []
    trace: dict[str, Any] = {}
    event: dict[str, Any] = {}
    number = 0
    root: ET.Element | None = None
    try:
        for what, el in ET.iterparse(stream, events=("start", "end")):
            tag = _local(el.tag)
            if what == "start":
                if root is None:
                    root = el
                if tag == "trace":
                    trace = {}
                elif tag == "event":
                    event = {}
                stack.append(tag)
                continue
            stack.pop()
            parent = stack[-1] if stack else ""
            if tag in _XES_VALUES:
                key = el.get("key")
                if key is not None and parent in ("event", "trace"):
                    target = event if parent == "event" else trace
                    target[key] = _xes_value(tag, el.get("value"))
            elif tag == "event":
                number += 1
                row = {TRACE_PREFIX + k: v for k, v in trace.items()}
                row.update(event)
                yield SourceRow(number, row)
                el.clear()
            elif tag == "trace" and root is not None:
                root.clear()  # drop the finished trace so memory stays flat
    except ET.ParseError as e:
        if not number:
            raise Damaged(
                f"the file is not well-formed XML ({e}): no XES event could be read"
            ) from None
        raise Damaged(
            f"the file stops being well-formed XML after XES event {number:,}: {e}"
        ) from None
