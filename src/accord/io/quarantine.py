"""The quarantine: rejected event rows, kept with their reason so that nothing is lost.

A quarantine file is JSON Lines, one rejected row per line::

    {"source": "events.csv", "row": 12, "field": "ts", "reason": "...", "raw": {...}}

- ``source``: where the row came from (the file as the reader was given it);
- ``row``: its place there: the 1-based line number for JSON Lines and CSV (the CSV header is
  line 1), the 1-based record number for Parquet;
- ``field``: the first wrong field (``fields.region``, ``field.region`` for a CSV column, or
  ``*`` when the whole row is unusable, e.g. invalid JSON);
- ``reason``: every problem of the row, each naming the value and what was expected;
- ``raw``: the row as the source gave it (for CSV: column -> cell text; a line that was not a
  JSON object is kept as ``{"_line": "<the text>"}``).

:func:`write_quarantine` appends, so one file can collect several imports.

Replay: fix the ``raw`` of a line in place (or the text in ``_line``) and read the file with
``read_events(path, fmt="quarantine")``. Each line's ``raw`` is validated again in the dialect
of its original ``source`` (flattened for ``.csv`` / ``.csv.gz`` / ``.parquet`` sources, JSON
otherwise), and the outcome keeps the original ``source`` and ``row`` (so a row that is still
wrong can go back into a quarantine unchanged in where it points).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from accord.errors import InputError, RowProblem

QuarantineRecord = RowProblem
"""One rejected row: ``QuarantineRecord(source, row, field, reason, raw)``.

The same class as :class:`accord.errors.RowProblem`, so that a record can be raised as an
:class:`~accord.errors.EventValidationError` without conversion.
"""

_KEYS = ("source", "row", "field", "reason", "raw")


def record_to_dict(record: QuarantineRecord) -> dict[str, Any]:
    """The JSON object of one quarantine line."""
    return {
        "source": record.source,
        "row": record.row,
        "field": record.field,
        "reason": record.reason,
        "raw": record.raw,
    }


def record_from_dict(obj: Mapping[str, Any]) -> QuarantineRecord:
    """Parse one quarantine line's object; raise ``ValueError`` naming what is wrong."""
    missing = [k for k in _KEYS if k not in obj]
    if missing:
        raise ValueError(
            f"a quarantine line needs {', '.join(_KEYS)}; missing {', '.join(missing)}"
        )
    if not isinstance(obj["raw"], Mapping):
        raise ValueError("'raw' must be an object (the rejected row)")
    row = obj["row"]
    if not isinstance(row, int) or isinstance(row, bool):
        raise ValueError(f"'row' must be a whole number, got {row!r}")
    return QuarantineRecord(
        source=str(obj["source"]),
        row=row,
        field=str(obj["field"]),
        reason=str(obj["reason"]),
        raw=dict(obj["raw"]),
    )


def write_quarantine(path: str | os.PathLike[str], records: Iterable[QuarantineRecord]) -> int:
    """Append ``records`` to the quarantine file at ``path``; return how many were written."""
    n = 0
    # backslashreplace: a raw cell that was not valid UTF-8 still gets written (as an escape)
    with open(path, "a", encoding="utf-8", errors="backslashreplace", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record_to_dict(record), ensure_ascii=False, default=str))
            out.write("\n")
            n += 1
    return n


@dataclass(frozen=True, slots=True)
class QuarantineLine:
    """One non-blank line of a quarantine file: its record, or why it could not be read."""

    line: int
    text: str
    record: QuarantineRecord | None
    problem: str | None = None


def iter_quarantine_lines(lines: Iterable[bytes | str]) -> Iterator[QuarantineLine]:
    """Parse quarantine lines one at a time; a bad line yields a ``problem`` instead."""
    for number, line in enumerate(lines, start=1):
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        text = text.strip().lstrip("\ufeff")
        if not text:
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield QuarantineLine(number, text, None, f"not valid JSON: {e.msg} at column {e.colno}")
            continue
        if not isinstance(obj, Mapping):
            yield QuarantineLine(number, text, None, "expected a JSON object per line")
            continue
        try:
            yield QuarantineLine(number, text, record_from_dict(obj))
        except ValueError as e:
            yield QuarantineLine(number, text, None, str(e))


def read_quarantine(path: str | os.PathLike[str]) -> list[QuarantineRecord]:
    """Every record of a quarantine file; raise :class:`InputError` at the first bad line."""
    out: list[QuarantineRecord] = []
    with open(path, "rb") as f:
        for q in iter_quarantine_lines(f):
            if q.record is None:
                raise InputError(f"{os.fspath(path)}:{q.line}: {q.problem}")
            out.append(q.record)
    return out
