"""The columnar importer's validation of the events it derived from a block of rows.

The events are laid out as the flat dialect's columns and checked by the columnar reader's
table validator (:mod:`accord.io.columnar_validate`) a column at a time. An event the table
validator cannot decide plainly (a field cleared, a tag list it would split differently, a
value with spaces around it, an instant it does not read, …) sends its whole row to the row
importer's own check (:func:`accord.io.importers.base.validate_row_events`) on the canonical
dicts the row importer would have built: same events, same quarantine reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import tzinfo

import numpy as np
import pyarrow as pa

from accord.core.engine.batch.columns import masked_array
from accord.core.engine.batch.schema import CLEARED, FIELD_PREFIX, TEXT_FIELDS, events_to_table
from accord.core.event_limits import MAX_EVENT_BYTES, MAX_FIELDS, MAX_ID_BYTES
from accord.core.events import Event, FieldValue
from accord.io.columnar_validate import _conform, _events_table, _validate_columns
from accord.io.importers.base import CanonicalDict, validate_row_events
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_values import I32, I64, NAN, NONE, BoolArray, Values


@dataclass
class FieldColumn:
    """One field of every event: its value code and whether the event sets it."""

    name: str
    values: Values
    codes: I32
    given: BoolArray


@dataclass
class Candidates:
    """The events derived from a block's rows, in output order (rows ascending)."""

    row: I64  # the block row of each event
    ticket: pa.Array  # text
    event_id: pa.Array  # text; null: the validator gives the content's hash
    kind: pa.Array  # text
    ts: I64  # index into ``instants``
    instants: Instants
    fields: list[FieldColumn]
    actor: pa.Array | None = None
    public: pa.Array | None = None  # bool
    doubt: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n(self) -> int:
        return int(self.row.size)

    def dicts(self, events: list[int]) -> list[CanonicalDict]:
        """The canonical dicts of these events, as the row importer builds them."""
        out: list[CanonicalDict] = []
        for e in events:
            d: CanonicalDict = {}
            eid = self.event_id[e].as_py()
            if eid is not None:
                d["event_id"] = eid
            d["ticket_id"] = self.ticket[e].as_py()
            d["ts"] = self.instants.dt(int(self.ts[e])).isoformat()
            d["kind"] = self.kind[e].as_py()
            if self.actor is not None and (a := self.actor[e].as_py()) is not None:
                d["actor"] = a
            if self.public is not None and (p := self.public[e].as_py()) is not None:
                d["public"] = p
            fields: dict[str, FieldValue | list[str]] = {}
            for f in self.fields:
                if f.given[e]:
                    v = f.values.value(int(f.codes[e]))
                    fields[f.name] = list(v) if isinstance(v, tuple) else v
            if fields:  # an empty "fields" and none validate alike
                d["fields"] = fields
            out.append(d)
        return out


def _doubtful(v: FieldValue, name: str) -> bool:
    """A value the flat columns would not carry as the canonical dict does."""
    if isinstance(v, str):
        return not v.strip() or v != v.strip()
    if isinstance(v, tuple):
        return not v or any(";" in t or not t.strip() or t != t.strip() for t in v)
    if isinstance(v, float):
        return not np.isfinite(v)
    del name
    return False


def _flat_column(f: FieldColumn, doubt: BoolArray) -> tuple[str, pa.Array, BoolArray, int]:
    """The field as a flat column (null where not set), the events that clear it, and its
    longest value in bytes; marks the events the columns cannot carry."""
    given = f.given & (f.codes >= 0)
    cleared = f.given & (f.codes == NONE)
    if f.name == "tags":
        doubt |= cleared  # a null tag list reads as "no tags": the canonical dict says it
        cleared = np.zeros_like(cleared)
    doubt |= f.given & (f.codes == NAN)
    used = f.codes[given]
    uniq, inv = np.unique(used, return_inverse=True)
    vals = [f.values.values[int(u)] for u in uniq]
    bad = np.array([_doubtful(v, f.name) for v in vals] + [False], dtype=bool)
    idx = np.full(f.codes.size, len(vals), dtype=np.int64)
    idx[given] = inv
    doubt |= bad[idx]
    if f.name in TEXT_FIELDS:
        name, dictionary = f.name, pa.array(vals, pa.string())
    elif f.name == "tags":
        name = "tags"
        dictionary = pa.array([";".join(v) if isinstance(v, tuple) else "" for v in vals])
    else:
        name = FIELD_PREFIX + f.name
        try:
            dictionary = pa.array(vals)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            doubt |= given
            dictionary = pa.array([""] * len(vals), pa.string())
    longest = max((len(str(v).encode()) + 8 for v in vals), default=0)
    if len(vals) == 0:
        return name, pa.nulls(f.codes.size, pa.string()), cleared, longest
    indices = masked_array(np.where(given, idx, 0).astype(np.int32), pa.int32(), given)
    return name, pa.DictionaryArray.from_arrays(indices, dictionary), cleared, longest


def _cleared_column(names: list[str], cleared: list[BoolArray], rows: I64) -> pa.Array:
    """The ``cleared`` column of these events: the names of the fields each one clears."""
    n = rows.size
    if not cleared or n == 0:
        return pa.nulls(n, pa.list_(pa.string()))
    bits = np.zeros(n, dtype=object) if len(cleared) > 62 else np.zeros(n, dtype=np.int64)
    for k, c in enumerate(cleared):
        bits = bits + (c[rows].astype(np.int64) << k)
    uniq, inv = np.unique(bits, return_inverse=True)
    lists = [[nm for k, nm in enumerate(names) if (int(u) >> k) & 1] or None for u in uniq]
    return pa.array(lists, pa.list_(pa.string())).take(pa.array(inv.reshape(-1)))


@dataclass
class Checked:
    """The outcome: accepted events (ordered, ``seq`` = candidate index) and failed rows."""

    events: pa.Table
    event_index: I64  # the candidate index of each accepted event
    failed: dict[int, tuple[str, str]]  # block row -> (field, reason)


def check_candidates(
    c: Candidates,
    *,
    source: str,
    line_of: Callable[[int], int],
    seq_of: I64,
    tz: tzinfo | None,
    skip_rows: BoolArray,
) -> Checked:
    """Validate the candidates (``seq_of``: each event's ``seq``); rows in ``skip_rows``
    (known to fail) are left out."""
    n = c.n
    keep = ~skip_rows[c.row] if n else np.zeros(0, dtype=bool)
    sec, us, ok, *_ = c.instants.arrays()
    ts_ix = c.ts
    doubt = c.doubt.copy() if c.doubt.size == n else np.zeros(n, dtype=bool)
    doubt |= ~ok[ts_ix] if n else doubt
    cols: dict[str, pa.Array] = {
        "event_id": c.event_id,
        "ticket_id": c.ticket,
        "ts": pa.array(sec[ts_ix] * 1_000_000 + us[ts_ix], pa.timestamp("us", tz="UTC")),
        "kind": c.kind,
    }
    if c.actor is not None:
        cols["actor"] = c.actor
    if c.public is not None:
        cols["public"] = c.public
    clears: list[BoolArray] = []
    longest = 2 * MAX_ID_BYTES
    for f in c.fields:
        name, arr, cleared, most = _flat_column(f, doubt)
        cols[name] = arr
        clears.append(cleared)
        longest += most + len(f.name.encode()) + 8
    any_clear = np.logical_or.reduce(clears) if clears else np.zeros(n, dtype=bool)
    if longest > MAX_EVENT_BYTES or len(c.fields) > MAX_FIELDS:
        doubt |= any_clear  # a clear could take an event over a limit: the validator says
    table = pa.table(cols)
    fast = _validate_columns(table, None, doubt | ~keep)
    slow_rows = np.unique(c.row[fast.slow & keep])
    good = ~fast.slow & keep
    if slow_rows.size:
        good &= ~np.isin(c.row, slow_rows)
    ok_ix = np.flatnonzero(good)
    parts = []
    if ok_ix.size:
        plain = _events_table(fast, ok_ix, ok_ix.astype(np.int64))
        gone = _cleared_column([f.name for f in c.fields], clears, ok_ix)
        plain = plain.set_column(plain.schema.get_field_index(CLEARED), CLEARED, gone)
        parts.append(plain)
    failed: dict[int, tuple[str, str]] = {}
    exact: list[Event] = []
    if slow_rows.size:
        starts = np.searchsorted(c.row, slow_rows, side="left")
        ends = np.searchsorted(c.row, slow_rows, side="right")
        for r, a, b in zip(slow_rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
            got = validate_row_events(
                c.dicts(list(range(a, b))), source, line_of(r), int(seq_of[a]), tz
            )
            if isinstance(got, tuple):
                failed[r] = got
            else:
                exact.extend(replace(ev, seq=a + i) for i, ev in enumerate(got))
    if exact:
        parts.append(events_to_table(exact))
    if not parts:
        return Checked(events_to_table([]), np.zeros(0, dtype=np.int64), failed)
    events = _conform(parts)
    if len(parts) > 1:
        events = events.sort_by("seq")
    index = np.asarray(events.column("seq").to_numpy(), dtype=np.int64)
    return Checked(events, index, failed)


__all__ = ["NONE", "Candidates", "Checked", "FieldColumn", "check_candidates"]
