"""The columnar importer's batches of JSON records (Zendesk, Jira, Freshdesk exports).

Each record is converted by the importer's own :meth:`~accord.io.importers.base.Importer.
convert` (the row importer's code, so the same canonical dicts), but the dicts of many
records are validated together by the table validator
(:func:`~accord.io.importers.columnar_checks.check_candidates`) instead of one event at a
time; an event the table validator cannot decide plainly sends its record through the row
importer's own check, on the very dicts the importer built. What the row importer does
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

from accord.io.importers.base import CanonicalDict
from accord.io.importers.columnar_checks import Candidates, Checked, FieldColumn, check_candidates
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_values import Values
from accord.io.importers.mapping import ImportMapping
from accord.io.importers.sources import SourceRow

_KEYS = frozenset({"event_id", "ticket_id", "ts", "kind", "actor", "public", "fields"})


class _Originals(Candidates):
    """Candidates whose canonical dicts are the ones the importer built (for the records
    that go through the row importer's check)."""

    originals: list[CanonicalDict]

    def dicts(self, events: list[int]) -> list[CanonicalDict]:
        return [self.originals[e] for e in events]


@dataclass
class JsonBatch:
    """Records converted and waiting for their events' check, in source order."""

    rows: list[SourceRow] = field(default_factory=list)
    dicts: list[CanonicalDict] = field(default_factory=list)
    event_row: list[int] = field(default_factory=list)  # the batch row of each dict
    seq: list[int] = field(default_factory=list)  # each dict's ``seq``

    def add(self, row: SourceRow, dicts: list[CanonicalDict], seq: int) -> None:
        r = len(self.rows)
        self.rows.append(row)
        self.dicts.extend(dicts)
        self.event_row.extend([r] * len(dicts))
        self.seq.extend(range(seq, seq + len(dicts)))

    def __len__(self) -> int:
        return len(self.dicts)

    def check(self, mapping: ImportMapping, tz: tzinfo | None, source: str) -> Checked:
        """The batch's events checked; ``seq`` of the accepted ones set to the import's."""
        cand = _candidates(self.dicts, np.asarray(self.event_row, dtype=np.int64), mapping, tz)
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


def _text_column(values: list[Any], doubt: list[bool], required: bool = False) -> pa.Array:
    """A text column; a value that is not text (or missing where ``required``) is left
    null and its event doubted: the row importer's check words the problem."""
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v.__class__ is str or (v is None and not required):
            out.append(v)
        else:
            out.append(None)
            doubt[i] = True
    return pa.array(out, pa.string())


def _candidates(
    dicts: list[CanonicalDict], event_row: Any, mapping: ImportMapping, tz: tzinfo | None
) -> _Originals:
    n = len(dicts)
    doubt = [False] * n
    instants = Instants(mapping, tz)
    ts = np.zeros(n, dtype=np.int64)
    publics: list[bool | None] = [None] * n
    columns: dict[str, tuple[Values, list[int], list[bool]]] = {}
    for i, d in enumerate(dicts):
        if not _KEYS.issuperset(d):
            doubt[i] = True
        text = d.get("ts")
        try:
            dt = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            dt = None
        if dt is None or dt.isoformat() != text:
            doubt[i] = True  # the row importer's check reads the text itself
        else:
            ts[i] = instants.add(dt)
        p = d.get("public")
        if p is None or p.__class__ is bool:
            publics[i] = p
        else:
            doubt[i] = True
        fields = d.get("fields")
        if fields is None:
            continue
        if not isinstance(fields, dict) or not fields:
            doubt[i] = True  # an empty "fields" is left to the row importer's check
            continue
        for name, v in fields.items():
            col = columns.get(name)
            if col is None:
                col = columns[name] = (Values(), [-1] * n, [False] * n)
            values, codes, given = col
            if isinstance(v, list):
                v = tuple(v)
            try:
                codes[i] = values.code(v)
            except TypeError:  # not hashable: not a field value the table carries
                doubt[i] = True
                continue
            given[i] = True
    if not instants.arrays()[0].size:
        instants.add(datetime(1970, 1, 1))  # every event doubted: an index to point at
    cand = _Originals(
        row=event_row,
        ticket=_text_column([d.get("ticket_id") for d in dicts], doubt, required=True),
        event_id=_text_column([d.get("event_id") for d in dicts], doubt),
        kind=_text_column([d.get("kind") for d in dicts], doubt, required=True),
        ts=ts,
        instants=instants,
        fields=[
            FieldColumn(
                name, values, np.asarray(codes, dtype=np.int32), np.asarray(given, dtype=bool)
            )
            for name, (values, codes, given) in columns.items()
        ],
        actor=_text_column([d.get("actor") for d in dicts], doubt),
        public=pa.array(publics, pa.bool_()),
        doubt=np.asarray(doubt, dtype=bool),
    )
    cand.originals = dicts
    return cand
