"""The columnar importer's batches of JSON records (Zendesk, Jira, Freshdesk exports).

Each record is converted by the importer's own :meth:`~accord.io.importers.base.JsonImporter.
convert_parts` (the row importer's code: its ``convert`` makes the canonical dicts of these
parts), but the events of many records are validated together by the table validator
(:func:`~accord.io.importers.columnar_checks.check_candidates`) instead of one event at a
time; an event the table validator cannot decide plainly sends its record through the row
importer's own check, on the very dicts the row importer builds. What the row importer does
between records stays in order: a record whose conversion asks for a ``commit`` (it
updates what the importer remembers per ticket, which the next records read) is decided
before the next record is converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.io.importers.base import CanonicalDict, EventParts, event_of
from accord.io.importers.columnar_checks import Candidates, Checked, FieldColumn, check_candidates
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_values import Values
from accord.io.importers.mapping import ISO, ImportMapping
from accord.io.importers.sources import SourceRow


class _Originals(Candidates):
    """Candidates whose canonical dicts are made from the parts the importer built (for the
    records that go through the row importer's check): the very dicts ``convert`` gives."""

    originals: list[EventParts]

    def dicts(self, events: list[int]) -> list[CanonicalDict]:
        return [event_of(self.originals[e]) for e in events]


@dataclass
class JsonBatch:
    """Records converted and waiting for their events' check, in source order."""

    rows: list[SourceRow] = field(default_factory=list)
    parts: list[EventParts] = field(default_factory=list)
    event_row: list[int] = field(default_factory=list)  # the batch row of each event
    seq: list[int] = field(default_factory=list)  # each event's ``seq``

    def add(self, row: SourceRow, parts: list[EventParts], seq: int) -> None:
        r = len(self.rows)
        self.rows.append(row)
        self.parts.extend(parts)
        self.event_row.extend([r] * len(parts))
        self.seq.extend(range(seq, seq + len(parts)))

    def __len__(self) -> int:
        return len(self.parts)

    def check(self, mapping: ImportMapping, tz: tzinfo | None, source: str) -> Checked:
        """The batch's events checked; ``seq`` of the accepted ones set to the import's."""
        cand = _candidates(self.parts, np.asarray(self.event_row, dtype=np.int64), mapping, tz)
        seq_of = np.asarray(self.seq, dtype=np.int64)
        rows = self.rows
        checked = check_candidates(
            cand,
            source=source,
            line_of=lambda r: rows[r].row,
            seq_of=seq_of,
            tz=tz,
            skip_rows=np.zeros(len(rows), dtype=bool),
        )
        events = checked.events
        events = events.set_column(
            events.schema.get_field_index("seq"), "seq", pa.array(seq_of[checked.event_index])
        )
        return Checked(events, checked.event_index, checked.failed)


_TEXT_ONLY = frozenset({str})
_TEXT_OR_NONE = frozenset({str, type(None)})
_BOOL_OR_NONE = frozenset({bool, type(None)})


def _text_column(values: list[Any], doubt: list[bool], required: bool = False) -> pa.Array:
    """A text column; a value that is not text (or missing where ``required``) is left
    null and its event doubted: the row importer's check words the problem."""
    # the usual column: every value text (or None where allowed), seen by class in C
    classes = set(map(type, values))
    if classes <= (_TEXT_ONLY if required else _TEXT_OR_NONE):
        return pa.array(values, pa.string())
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v.__class__ is str or (v is None and not required):
            out.append(v)
        else:
            out.append(None)
            doubt[i] = True
    return pa.array(out, pa.string())


def _instant_indices(
    instants: Instants, dts: list[datetime], mapping: ImportMapping
) -> NDArray[np.int64]:
    """The index in ``instants`` of each datetime: its ``isoformat`` text (what the row
    importer hands the validator) read in columns when the mapping reads ISO 8601 first
    (``parse_ts`` of that text gives the datetime back), else one at a time."""
    if not dts or mapping.timestamp_format[0] != ISO:
        return np.asarray([instants.add(dt) for dt in dts], dtype=np.int64)
    got, problems = instants.read_array(pa.array([dt.isoformat() for dt in dts], pa.string()))
    for i in problems:  # none expected: the text is the datetime's own
        got[i] = instants.add(dts[i])
    return got


def _candidates(
    parts: list[EventParts], event_row: Any, mapping: ImportMapping, tz: tzinfo | None
) -> _Originals:
    n = len(parts)
    doubt = [False] * n
    instants = Instants(mapping, tz)
    # each datetime object once (the importers parse each distinct text once; every part is
    # alive here, so no two of them share an ``id``), read as the validator reads its text
    dts = [p[2] for p in parts]
    by_id = {id(dt): dt for dt in dts}  # in order of first sight
    at = {k: i for i, k in enumerate(by_id)}
    which = np.fromiter(map(at.__getitem__, map(id, dts)), dtype=np.int64, count=n)
    ts = _instant_indices(instants, list(by_id.values()), mapping)[which]
    publics: list[bool | None] = [p[5] for p in parts]
    if not set(map(type, publics)) <= _BOOL_OR_NONE:
        for i, pub in enumerate(publics):
            if not (pub is None or pub.__class__ is bool):
                publics[i] = None
                doubt[i] = True
    columns: dict[str, tuple[Values, list[int], list[bool], dict[Any, int]]] = {}
    for i, p in enumerate(parts):
        fields = p[6]
        if fields is None:
            continue
        if not fields:
            doubt[i] = True  # an empty "fields" is left to the row importer's check
            continue
        for name, v in fields.items():
            col = columns.get(name)
            if col is None:
                col = columns[name] = (Values(), [-1] * n, [False] * n, {})
            values, codes, given, memo = col
            if isinstance(v, list):
                v = tuple(v)
            # the batch's own memo of ``values.code`` (same key: class and value)
            try:
                key = (v.__class__, v)
                c = memo.get(key)
            except TypeError:  # not hashable: not a field value the table carries
                doubt[i] = True
                continue
            if c is None:
                c = memo[key] = values.code(v)
            codes[i] = c
            given[i] = True
    if not instants.arrays()[0].size:
        instants.add(datetime(1970, 1, 1))  # no event: an index to point at
    cand = _Originals(
        row=event_row,
        ticket=_text_column([p[1] for p in parts], doubt, required=True),
        event_id=_text_column([p[0] for p in parts], doubt),
        kind=_text_column([p[3] for p in parts], doubt, required=True),
        ts=ts,
        instants=instants,
        fields=[
            FieldColumn(
                name, values, np.asarray(codes, dtype=np.int32), np.asarray(given, dtype=bool)
            )
            for name, (values, codes, given, _) in columns.items()
        ],
        actor=_text_column([p[4] for p in parts], doubt),
        public=pa.array(publics, pa.bool_()),
        doubt=np.asarray(doubt, dtype=bool),
    )
    cand.originals = parts
    return cand
