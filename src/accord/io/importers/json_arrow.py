"""A page of JSON records parsed into typed Arrow columns (no Python object a record), for an
importer whose columnar conversion reads Arrow tables (Jira, Freshdesk).

The page reader (:mod:`~accord.io.importers.json_pages`) knows where each record of a page
starts and ends; the table holds only the keys of an explicit schema (others skipped). It is
built by the compiled projection reader (:mod:`~accord.io.importers.json_scan`, assembled by
:mod:`~accord.io.importers.json_scan_table`): one pass over the page's bytes writes the
schema's values into column buffers, checking every other value as JSON, and gives exactly
the table ``pyarrow.json`` gives for the page, or nothing when it cannot be sure of that.
Then (``arrow_table``) the commas between records become newlines, so the page is
newline-delimited JSON, read by ``pyarrow.json`` with the schema. A raw newline inside a
record is whitespace (one inside a string is not JSON, and the reader refuses it as the row
reader does).

A page is parsed here only when the result is certain to be the records the row reader
sees: every record starts with ``{`` (Arrow takes a ``null`` line for an empty record, and
crashes on one in first place), Arrow accepts the page whole with the schema (a value of
another type, a key given twice, a number out of range, a lone surrogate: refused) and gives
one row a record. Anything else is ``None``: the page goes the typed-decoder way.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.json as pj
from numpy.typing import NDArray

from accord.io.importers.json_scan_table import ScanReader, scan_reader

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _all_objects(
    buf: NDArray[np.uint8], starts: NDArray[np.int64], ends: NDArray[np.int64]
) -> bool:  # pragma: no cover  (compiled)
    """Whether each record ``buf[starts[k]:ends[k]]`` starts with ``{`` after blanks."""
    for k in range(starts.size):
        i = starts[k]
        e = ends[k]
        while i < e and (buf[i] == 32 or buf[i] == 9 or buf[i] == 10 or buf[i] == 13):
            i += 1
        if i >= e or buf[i] != 123:
            return False
    return True


def arrow_table(
    arr: NDArray[np.uint8], starts: NDArray[np.int64], ends: NDArray[np.int64], schema: pa.Schema
) -> pa.Table | None:
    """The records ``arr[starts[k]:ends[k]]`` read by ``pyarrow.json`` with ``schema``
    (other keys ignored), ``None`` when it refuses them or does not give one row a record."""
    block = bytearray(arr[starts[0] : ends[-1]])
    # the commas between records become newlines: one record a line (or more)
    np.frombuffer(block, dtype=np.uint8)[ends[:-1] - starts[0]] = 10
    try:
        table = pj.read_json(
            io.BytesIO(block),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(block) + 1),
            parse_options=pj.ParseOptions(
                explicit_schema=schema,
                unexpected_field_behavior="ignore",
                newlines_in_values=True,
            ),
        )
    except (pa.ArrowException, ValueError):  # (a UnicodeDecodeError is a ValueError)
        return None
    if table.num_rows != starts.size:  # a blank record, two values in one: not sure
        return None
    return table


class ArrowPage:
    """A page's records as an Arrow table (one row a record, in order) and their texts
    (``row(k)``: record ``k`` as the page reader's row, for quarantine and conversion one
    record at a time)."""

    __slots__ = ("buf", "ends", "number", "starts", "table", "wrappers")

    def __init__(
        self,
        table: pa.Table,
        buf: bytes,
        starts: list[int],
        ends: list[int],
        number: int,
        wrappers: frozenset[str],
    ) -> None:
        self.table = table
        self.buf = buf
        self.starts = starts
        self.ends = ends
        self.number = number  # the row of the page's first record, less one
        self.wrappers = wrappers

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def nbytes(self) -> int:
        return self.ends[-1] - self.starts[0]

    def row(self, k: int) -> Any:
        from accord.io.importers.json_pages import PageRow

        # no trimmed dict: a record converted alone is converted whole, as the row reader has it
        return PageRow(
            self.number + k + 1, {}, self.buf[self.starts[k] : self.ends[k]], self.wrappers
        )


class ArrowReading:
    """How an importer's pages are parsed by Arrow: ``schema`` is learned from the first
    page's trimmed records (``learn``; ``None``: no page is parsed by Arrow)."""

    def __init__(self, learn: Callable[[list[dict[str, Any]]], pa.Schema | None]) -> None:
        self._learn = learn
        self.schema: pa.Schema | None = None
        self.learned = False
        self.scan: ScanReader | None = None

    def learn(self, typed: list[dict[str, Any]]) -> None:
        self.learned = True
        self.schema = self._learn(typed) if typed else None
        self.scan = None if self.schema is None else scan_reader(self.schema)

    def page(
        self, buf: bytes, starts: list[int], ends: list[int], number: int, wrappers: frozenset[str]
    ) -> ArrowPage | None:
        """The page's records read by Arrow, ``None`` when it cannot be sure of them."""
        schema = self.schema
        if schema is None or not starts:
            return None
        arr = np.frombuffer(buf, dtype=np.uint8)
        s = np.asarray(starts, dtype=np.int64)
        e = np.asarray(ends, dtype=np.int64)
        if not _all_objects(arr, s, e):
            return None
        scan = self.scan
        if scan is not None and scan.schema is schema:
            got = scan.read(arr, s, e)
            if got is not None:
                return ArrowPage(got, buf, starts, ends, number, wrappers)
        table = arrow_table(arr, s, e, schema)
        if table is None:
            return None
        return ArrowPage(table, buf, starts, ends, number, wrappers)
