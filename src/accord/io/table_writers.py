"""Write events held as Arrow columns in the formats of :mod:`accord.io.writers`, at array speed.

:func:`write_events` takes one :class:`~accord.core.events.Event` object per event; for millions
of events (the demo generator's) that object, and ``json.dumps`` per line, is where the time
goes. Here each batch of rows is written by whole-column operations: a field's text is made
once per distinct value (its dictionary) and taken for every row. The bytes are those
:func:`~accord.io.writers.write_events` writes for the same events, their fields in column
order (tests/io/test_table_writers.py holds the two equal).

The table's columns: ``event_id``, ``ticket_id``, ``ts`` (a UTC timestamp in seconds),
``kind``, ``actor`` (null: none), ``public`` (a nullable bool), then one column per field, in
the order they are written: a standard field by its name (``tags`` as ``;``-joined text),
any other as ``field.<name>``; null where the event does not carry it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.events import STANDARD_FIELDS
from accord.errors import UnsupportedFormatError
from accord.io.readers import detect_format
from accord.io.writers import WRITE_FORMATS, event_columns

PathLike = str | os.PathLike[str]
_PLAIN = r'^[^"\\,\r\n\x00-\x1f]*$'  # text that needs no JSON escape nor CSV quotes


def _join(*parts: Any) -> pa.Array:
    args = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.string()))


def _codes(column: pa.Array) -> tuple[NDArray[np.int64], list[Any]]:
    """A column as ``(codes, values)``: ``values[codes[i]]`` is row ``i``'s value, -1 null."""
    if pa.types.is_boolean(column.type):
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        flags = column.fill_null(False).to_numpy(zero_copy_only=False)
        return np.where(nulls, -1, flags.astype(np.int64)), [False, True]
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    indices = column.indices
    codes = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if indices.null_count:
        valid = np.unpackbits(
            np.frombuffer(indices.buffers()[0], dtype=np.uint8), bitorder="little"
        )[indices.offset : indices.offset + len(indices)]
        codes[valid == 0] = -1
    return codes, column.dictionary.to_pylist()


def _distinct_rows(table: pa.Table, names: list[str]) -> tuple[pa.Array, list[list[Any]]]:
    """The distinct combinations of the ``names`` columns' values: ``(row of each table row,
    the values of each combination)`` (None: null). A log has few of them, so each is made
    into text once, in Python, and taken for every row."""
    decoded = [_codes(table.column(n).combine_chunks()) for n in names]
    radices = [len(values) + 1 for _, values in decoded]
    if not names:
        return pa.array(np.zeros(table.num_rows, dtype=np.int64)), [[]]
    if float(np.prod(np.array(radices, dtype=np.float64))) < 2.0**62:
        key = np.zeros(table.num_rows, dtype=np.int64)
        for (codes, _), radix in zip(decoded, radices, strict=True):
            key = key * radix + (codes + 1)
        # a hash table (Arrow's dictionary encoding), not a sort: one pass over the rows
        encoded = pc.dictionary_encode(pa.array(key))
        unique = encoded.dictionary.to_numpy()
        inverse = encoded.indices.to_numpy()
        digits = []
        for radix in reversed(radices):
            unique, digit = np.divmod(unique, radix)
            digits.append(digit - 1)
        matrix = np.stack(digits[::-1], axis=1)
    else:  # pragma: no cover - more combinations than one integer holds
        matrix, inverse = np.unique(
            np.stack([codes for codes, _ in decoded], axis=1), axis=0, return_inverse=True
        )
    rows = [
        [values[d] if d >= 0 else None for d, (_, values) in zip(row, decoded, strict=True)]
        for row in matrix.tolist()
    ]
    return pa.array(inverse.reshape(-1).astype(np.int64)), rows


def _json_ids(column: pa.Array) -> pa.Array:
    """An id as the inside of a JSON string: plain ids (all generated ones) as they are."""
    if pc.all(pc.match_substring_regex(column, _PLAIN)).as_py() is not False:
        return column
    texts = [json.dumps(v, ensure_ascii=False)[1:-1] for v in column.to_pylist()]
    return pa.array(texts, pa.string())


def _csv_ids(column: pa.Array) -> pa.Array:
    if pc.all(pc.match_substring_regex(column, _PLAIN)).as_py() is not False:
        return column
    return pa.array([_csv_row([v]).rstrip("\n") for v in column.to_pylist()], pa.string())


def _csv_row(cells: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _field_columns(table: pa.Table) -> list[tuple[str, str]]:
    """``(column, field name)`` of every field column, in order."""
    base = {"event_id", "ticket_id", "ts", "kind", "actor", "public"}
    return [(col, col.removeprefix("field.")) for col in table.column_names if col not in base]


def _value(name: str, value: Any) -> Any:
    return value.split(";") if name == "tags" else value


_TIMES_OF_DAY: NDArray[np.uint8] | None = None
# rows joined into text at a time: the pieces of a line, and the lines, stay small enough to
# be made in memory the allocator has just freed (whole batches of a million rows fault in
# hundreds of megabytes of fresh pages, which cost more than making the text)
TEXT_ROWS = 65_536


def _fixed_texts(chars: NDArray[np.uint8]) -> pa.Array:
    """A string array over the rows of a ``(rows, width)`` byte matrix, without a copy."""
    rows, width = chars.shape
    offsets = np.arange(0, rows * width + 1, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(chars)]
    )


def _ts_text(table: pa.Table) -> pa.Array:
    """``YYYY-MM-DDTHH:MM:SSZ`` of every row, 20 bytes each: the dates of the batch's days
    made once, the time of day taken from a table of the day's 86,400 seconds (strftime per
    row costs a microsecond each), both as byte rows gathered by numpy."""
    global _TIMES_OF_DAY
    if _TIMES_OF_DAY is None:
        clock = "".join(
            f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)
        )
        _TIMES_OF_DAY = np.frombuffer(clock.encode(), dtype=np.uint8).reshape(86_400, 9)
    ts = table.column("ts").combine_chunks().cast(pa.timestamp("s", tz="UTC"))
    seconds = ts.cast(pa.int64()).to_numpy(zero_copy_only=False)
    if seconds.size == 0:
        return pa.array([], pa.string())
    day = seconds // 86400
    first = int(day.min())
    days = np.arange(first, int(day.max()) + 1, dtype=np.int64) * 86400
    dates = pc.strftime(pa.array(days, pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT")
    date_chars = np.frombuffer("".join(dates.to_pylist()).encode(), dtype=np.uint8).reshape(-1, 11)
    chars = np.empty((seconds.size, 20), dtype=np.uint8)
    chars[:, :11] = date_chars[day - first]
    chars[:, 11:] = _TIMES_OF_DAY[seconds - day * 86400]
    return _fixed_texts(chars)


def jsonl_chunks(table: pa.Table, rows: int | None = None) -> Iterator[pa.Array]:
    """The JSON Lines text of every row, each ending with a newline, ``rows`` rows (default
    :data:`TEXT_ROWS`) at a time."""
    rows = rows or TEXT_ROWS
    fields = _field_columns(table)
    which, combos = _distinct_rows(table, ["kind", "actor", "public", *(c for c, _ in fields)])
    tails = []
    for kind, actor, public, *values in combos:
        tail: dict[str, Any] = {"kind": kind}
        if actor is not None:
            tail["actor"] = actor
        if public is not None:
            tail["public"] = public
        carried = {name: _value(name, v) for (_, name), v in zip(fields, values, strict=True) if v}
        if carried:
            tail["fields"] = carried
        tails.append('"' + ", " + json.dumps(tail, ensure_ascii=False)[1:] + "\n")
    tail_texts = pa.array(tails, pa.string())
    event_ids = _json_ids(table.column("event_id").combine_chunks())
    ticket_ids = _json_ids(table.column("ticket_id").combine_chunks())
    for at in range(0, table.num_rows, rows):
        part = table.slice(at, rows)
        k = part.num_rows
        yield _join(  # one pass over the rows builds every line
            '{"event_id": "',
            event_ids.slice(at, k),
            '", "ticket_id": "',
            ticket_ids.slice(at, k),
            '", "ts": "',
            _ts_text(part),
            tail_texts.take(which.slice(at, k)),
        )


def jsonl_lines(table: pa.Table) -> pa.Array:
    """The JSON Lines text of every row, each ending with a newline."""
    chunks = list(jsonl_chunks(table))
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


def csv_lines(table: pa.Table) -> pa.Array:
    """The CSV rows (columns of :func:`accord.io.writers.event_columns`), each with its
    newline."""
    fields = _field_columns(table)
    which, rows = _distinct_rows(table, ["kind", "actor", "public", *(c for c, _ in fields)])
    tails = []
    for kind, actor, public, *values in rows:
        carried = dict(zip((name for _, name in fields), values, strict=True))
        rest = {n: v for n, v in carried.items() if n not in STANDARD_FIELDS and v is not None}
        cells = [
            kind,
            actor or "",
            "" if public is None else ("true" if public else "false"),
            *(carried.get(name) or "" for name in STANDARD_FIELDS),
            json.dumps(rest, ensure_ascii=False) if rest else "",
        ]
        tails.append("," + _csv_row(cells))
    return _join(
        _csv_ids(table.column("event_id").combine_chunks()),
        ",",
        _csv_ids(table.column("ticket_id").combine_chunks()),
        ",",
        _ts_text(table),
        pa.array(tails, pa.string()).take(which),
    )


def parquet_batch(table: pa.Table) -> pa.RecordBatch:
    """The rows as :func:`accord.io.writers.write_events` writes them to Parquet."""
    col = table.column
    fields = _field_columns(table)
    own = {name: c for c, name in fields if name in STANDARD_FIELDS}
    data: dict[str, pa.Array] = {
        "event_id": col("event_id").combine_chunks(),
        "ticket_id": col("ticket_id").combine_chunks(),
        "ts": col("ts").combine_chunks().cast(pa.timestamp("us", tz="UTC")),
        "kind": col("kind").combine_chunks().cast(pa.string()),
        "actor": col("actor").combine_chunks().cast(pa.string()),
        "public": col("public").combine_chunks(),
    }
    for name in STANDARD_FIELDS:
        if name not in own:
            kind = pa.list_(pa.string()) if name == "tags" else pa.string()
            data[name] = pa.nulls(table.num_rows, kind)
            continue
        values = col(own[name]).combine_chunks()
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        if name == "tags":
            data[name] = pc.split_pattern(values.dictionary, ";").take(values.indices)
        else:
            data[name] = values.cast(pa.string())
    rest = [(c, n) for c, n in fields if n not in STANDARD_FIELDS]
    which, rows = _distinct_rows(table, [c for c, _ in rest])
    texts = []
    for values in rows:
        carried = {name: v for (_, name), v in zip(rest, values, strict=True) if v is not None}
        texts.append(json.dumps(carried, ensure_ascii=False) if carried else None)
    data["fields"] = pa.array(texts, pa.string()).take(which)
    names = event_columns()
    return pa.RecordBatch.from_arrays([data[n] for n in names], names=names)


def _text_bytes(lines: pa.Array) -> memoryview:
    """The characters of a string array, back to back (the lines already end with newlines)."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def write_event_table(
    path: PathLike,
    tables: Iterable[pa.Table],
    fmt: str | None = None,
    *,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the rows of ``tables`` (batches of one log, in order) to ``path``, replacing it
    only when all is written; return how many. ``on_rows`` hears each batch's size once it is
    written (for a progress bar)."""
    name = detect_format(path, fmt)
    if name not in WRITE_FORMATS:
        raise UnsupportedFormatError(
            f"cannot write events as '{name}'; expected one of {', '.join(WRITE_FORMATS)}"
        )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{os.fspath(path)}.tmp-{os.getpid()}"
    n = 0
    try:
        if name == "parquet":
            import pyarrow.parquet as pq

            writer: Any = None
            for table in tables:
                batch = parquet_batch(table)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, batch.schema)
                writer.write_batch(batch)
                n += table.num_rows
                if on_rows is not None:
                    on_rows(table.num_rows)
            if writer is None:
                empty = parquet_batch(_empty_table())
                writer = pq.ParquetWriter(tmp, empty.schema)
            writer.close()
        else:
            gz = os.fspath(path).lower().endswith(".gz")
            out: IO[bytes] = gzip.open(tmp, "wb") if gz else open(tmp, "wb")  # type: ignore[assignment]  # noqa: SIM115
            with out:
                if name == "csv":
                    out.write((",".join(event_columns()) + "\n").encode())
                for table in tables:
                    chunks = jsonl_chunks(table) if name == "jsonl" else [csv_lines(table)]
                    for lines in chunks:
                        out.write(_text_bytes(lines))
                    n += table.num_rows
                    if on_rows is not None:
                        on_rows(table.num_rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return n


def _empty_table() -> pa.Table:
    return pa.table(
        {
            "event_id": pa.array([], pa.string()),
            "ticket_id": pa.array([], pa.string()),
            "ts": pa.array([], pa.timestamp("s", tz="UTC")),
            "kind": pa.array([], pa.string()),
            "actor": pa.array([], pa.string()),
            "public": pa.array([], pa.bool_()),
        }
    )
