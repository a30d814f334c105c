"""The columnar reader's inputs: Parquet and CSV files as raw columns."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from accord.core.engine.batch.schema import (
    FIELD_PREFIX,
    TEXT_FIELDS,
)
from accord.core.events import Event
from accord.errors import DamagedInputError, InputError
from accord.io.columnar_cells import I64, BoolArray
from accord.io.compression import damaged_file
from accord.io.quarantine import QuarantineRecord
from accord.io.readers import (
    PathLike,
    _json_safe,
)

_DICT_COLUMNS = ("ticket_id", "kind", "actor", "public", "tags", *TEXT_FIELDS, "rating")


@dataclass
class _Source:
    """One file's rows as raw columns (or, when it fell back, the row reader's outcomes)."""

    name: str
    table: pa.Table | None
    row_numbers: I64 | range  # the source's row number of every row (a range: 1, 2, …)
    raw: Callable[[I64], list[dict[str, Any]]]
    force_slow: BoolArray
    # how a row the vectorised checks cannot vouch for is decided: (row index, row number,
    # seq, zone, status mapper) -> outcome; ``None``: the flat row validator on ``raw``
    judge: Callable[..., Event | QuarantineRecord] | None = None
    # a source read a batch at a time (``table`` is then None): its row count, and the batches
    batches: Callable[[], Iterator[pa.Table]] | None = None
    num_rows: int = 0
    # the same batches as independent readers of consecutive row ranges (a Parquet file's
    # row groups), each with its row count: threads can decode and validate them at once
    groups: list[tuple[int, Callable[[bool], Iterator[pa.Table]]]] | None = None


# ------------------------------------------------------------------------------------ input


def _read_bytes(path: PathLike) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception as e:
            message = damaged_file(os.fspath(path), e)
            if message is None:
                raise
            raise DamagedInputError(message) from None
    return data


def _parquet_source(path: PathLike) -> _Source:
    from accord.io.columnar import VALIDATE_ROWS

    source = os.fspath(path)
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise InputError(f"'{source}' is not a readable Parquet file: {e}") from None
    dict_cols = [
        n
        for n in schema.names
        if (n in _DICT_COLUMNS or n.startswith(FIELD_PREFIX))
        and pa.types.is_string(schema.field(n).type)
    ]
    # Memory-mapped: the column chunks are decoded straight from the page cache. Read into
    # buffers, they come from Arrow's default pool (mimalloc in the wheels, whatever the pool
    # set for the run), which returns them to the system at once: on 10 million events,
    # 160 MB of pages faulted in and given back, about 0.3 s.
    try:
        meta = pq.ParquetFile(path, memory_map=True).metadata
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"'{source}' is not a readable Parquet file: {e}") from None
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    n = sum(sizes)

    def group(i: int) -> Callable[[bool], Iterator[pa.Table]]:
        def batches(use_threads: bool) -> Iterator[pa.Table]:
            # Batches of VALIDATE_ROWS, validated and let go of: the decoded file is never
            # held whole (on 10 million events, 0.7 GiB beside the events table being
            # built). A reader of its own, so that threads decode row groups side by side;
            # Arrow's own threads only where the row groups are fewer than the threads.
            f = pq.ParquetFile(path, memory_map=True, read_dictionary=dict_cols)
            for batch in f.iter_batches(
                batch_size=VALIDATE_ROWS, row_groups=[i], use_threads=use_threads
            ):
                yield pa.Table.from_batches([batch])

        return batches

    groups = [(m, group(i)) for i, m in enumerate(sizes)]

    def batches() -> Iterator[pa.Table]:
        for _m, read in groups:
            yield from read(pa.cpu_count() > 1)

    opened: list[Any] = []

    def raw(rows: I64) -> list[dict[str, Any]]:
        # Read again for the few rows that need it (the row validator, quarantine, conflicts).
        # pyarrow.dataset is imported only here: importing it imports pandas, a tenth of a
        # second of start-up that a clean file never needs.
        if not opened:
            import pyarrow.dataset as ds

            local = pafs.LocalFileSystem(use_mmap=True)
            options = ds.ParquetReadOptions(dictionary_columns=dict_cols)
            fmt = ds.ParquetFileFormat(read_options=options)
            opened.append(ds.dataset(os.path.abspath(source), format=fmt, filesystem=local))
        part = opened[0].take(pa.array(rows)).to_pylist()
        return [{str(k): _json_safe(v) for k, v in rec.items()} for rec in part]

    return _Source(source, None, range(1, n + 1), raw, np.zeros(n, bool), None, batches, n, groups)


def _csv_source(path: PathLike) -> _Source | None:
    """``None`` when the file needs the row reader as a whole (see the module docstring)."""
    source = os.fspath(path)
    data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text.replace("\r\n", ""):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln.removesuffix("\r") for ln in lines]
    # The row reader skips lines whose cells are all blank; find the header line first.
    header_at = next((i for i, ln in enumerate(lines) if _cells(ln) is not None), None)
    if header_at is None:
        return None
    header_cells = _cells(lines[header_at])
    if header_cells is None:
        return None
    header = [h.strip().lstrip("\ufeff") for h in header_cells]
    if len(set(header)) != len(header):
        return None
    body = [(i + 1, ln) for i, ln in enumerate(lines[header_at + 1 :], start=header_at + 1)]
    kept_numbers: list[int] = []
    kept_lines: list[str] = []
    quoted: list[bool] = []
    for number, ln in body:
        if not ln.strip(" ,\t"):
            cells = _cells(ln)
            if cells is None or not any(c.strip() for c in cells):
                continue
        kept_numbers.append(number)
        kept_lines.append(ln)
        quoted.append('"' in ln)
    for ln, q in zip(kept_lines, quoted, strict=True):
        if q:
            cells = _cells(ln)
            if cells is None:
                return None
    payload = ("\n".join([",".join(_quote(h) for h in header), *kept_lines]) + "\n").encode()
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(use_threads=False, autogenerate_column_names=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(kept_lines) or table.column_names != header:
        return None
    line_of = dict(zip(range(len(kept_lines)), kept_lines, strict=True))
    numbers = np.array(kept_numbers, dtype=np.int64)
    n = table.num_rows
    force = np.array(quoted, dtype=bool) if n else np.zeros(0, dtype=bool)
    # a row whose cells are all blank is not a row; pyarrow sees it, the row reader skips it

    def raw(rows: I64) -> list[dict[str, Any]]:
        out = []
        for r in rows.tolist():
            cells = _cells(line_of[r]) or []
            out.append(dict(zip(header, cells, strict=False)))
        return out

    return _Source(source, table, numbers, raw, force)


def _cells(line: str) -> list[str] | None:
    """The cells of one CSV line as Python's csv module reads it; ``None`` when the line is
    not one complete record."""
    try:
        got = list(csv.reader([line]))
    except csv.Error:
        return None
    if len(got) != 1:
        return [] if not got else None
    return got[0]


def _quote(h: str) -> str:
    return '"' + h.replace('"', '""') + '"'
