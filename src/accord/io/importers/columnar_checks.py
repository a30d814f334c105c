"""The columnar importer's validation of the events it derived from a block of rows.

The events are laid out as the flat dialect's columns and checked by the columnar reader's
table validator (:mod:`accord.io.columnar_validate`) a column at a time. An event the table
validator cannot decide plainly (a field cleared, a tag list it would split differently, a
value with spaces around it, an instant it does not read, …) sends its whole row to the row
importer's own check (:func:`accord.io.importers.base.validate_row_events`) on the canonical
dicts the row importer would have built: same events, same quarantine reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.columns import masked_array
from accord.core.engine.batch.schema import (
    CLEARED,
    FIELD_PREFIX,
    TEXT_FIELDS,
    decode_tagged,
    events_to_table,
)
from accord.core.event_limits import MAX_EVENT_BYTES, MAX_FIELDS, MAX_ID_BYTES
from accord.core.event_validation import HASH_ID_PREFIX
from accord.core.events import Event, FieldValue
from accord.io.columnar_validate import _conform, _events_table, _validate_columns
from accord.io.importers.base import CanonicalDict, validate_row_events
from accord.io.importers.columnar_field_codes import field_codes
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_sha256 import sha256_prefixes
from accord.io.importers.columnar_values import (
    I32,
    I64,
    NONE,
    BoolArray,
    Values,
)
from accord.io.table_writers import _distinct_rows


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
    # ``public`` as the row importer has it (true / false, or the text it could not read)
    public_codes: I64 | None = None
    public_values: list[Any] = field(default_factory=list)

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
            if self.public_codes is not None:
                k = int(self.public_codes[e])
                if k >= 0 and self.public_values[k] is not None:
                    d["public"] = self.public_values[k]
            elif self.public is not None and (p := self.public[e].as_py()) is not None:
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


def _doubtful(v: FieldValue) -> bool:
    """A value the flat columns would not carry as the canonical dict does."""
    if isinstance(v, str):
        return not v.strip() or v != v.strip()
    if isinstance(v, tuple):
        return not v or any(";" in t or not t.strip() or t != t.strip() for t in v)
    if isinstance(v, float):
        return not np.isfinite(v)
    return False


def _flat_column(f: FieldColumn, doubt: BoolArray) -> tuple[str, pa.Array, BoolArray, int]:
    """The field as a flat column (null where not set), the events that clear it, and its
    longest value in bytes; marks the events the columns cannot carry."""
    # per distinct value once an import, not once a block
    doubtful = f.values.per_code("doubtful", _doubtful, bool)
    # a null tag list reads as "no tags": the canonical dict says it (a clear is doubted)
    given, cleared, idx, uniq = field_codes(
        f.codes, f.given, doubtful, f.name in ("tags", "rating"), doubt
    )
    every = f.values.values
    vals = [every[u] for u in uniq.tolist()]
    if f.name in TEXT_FIELDS:
        name, dictionary = f.name, pa.array(vals, pa.string())
    elif f.name == "tags":
        name = "tags"
        dictionary = pa.array([";".join(v) if isinstance(v, tuple) else "" for v in vals])
    else:
        # rating is a column of its own in the flat dialect (decided per kind there)
        name = "rating" if f.name == "rating" else FIELD_PREFIX + f.name
        try:
            dictionary = pa.array(vals)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            doubt |= given
            dictionary = pa.array([""] * len(vals), pa.string())
    sizes = f.values.per_code("bytes", lambda v: len(str(v).encode()) + 8, np.int64)
    longest = int(sizes[uniq].max()) if uniq.size else 0
    if len(vals) == 0:
        return name, pa.nulls(f.codes.size, pa.string()), cleared, longest
    indices = masked_array(idx, pa.int32(), given)
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


_PLACEHOLDER = HASH_ID_PREFIX + "0" * 32


def _json_texts(values: list[Any]) -> list[str]:
    return [json.dumps(v, ensure_ascii=False) for v in values]


_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'  # what json.dumps(ensure_ascii=False) escapes in a text


def json_text_column(values: pa.Array) -> pa.Array:
    """``json.dumps(v, ensure_ascii=False)`` of each text (null stays null): quoted in
    Arrow, only the texts with a quote, a backslash or a control character through Python."""
    if not pa.types.is_string(values.type):
        return pa.array(_json_texts(values.to_pylist()), pa.string())
    quoted = pc.binary_join_element_wise('"', values, '"', "")
    special = pc.fill_null(pc.match_substring_regex(values, _NEEDS_ESCAPE), False)
    if not pc.any(special).as_py():
        return quoted
    fixed = pa.array(_json_texts(pc.filter(values, special).to_pylist()), pa.string())
    return pc.replace_with_mask(quoted, special, fixed)


def hash_ids(table: pa.Table) -> pa.Array:
    """Every event's :func:`~accord.core.event_validation.hash_event_id`, from an events
    table: the canonical content's JSON built from each column's distinct values (the
    fields once per distinct combination), then hashed a row at a time."""
    n = table.num_rows
    names = table.column_names
    field_cols = [c for c in names if c in TEXT_FIELDS or c.startswith(FIELD_PREFIX)]
    parts: dict[str, pa.Array] = {c: table.column(c).combine_chunks() for c in field_cols}
    if "tags" in names:
        parts["tags"] = pc.binary_join(table.column("tags").combine_chunks(), "\x1f")
    if CLEARED in names:
        parts[CLEARED] = pc.binary_join(table.column(CLEARED).combine_chunks(), "\x1f")
    sub = pa.table(parts) if parts else pa.table({"_": pa.nulls(n, pa.string())})
    which, combos = _distinct_rows(sub, list(parts))
    keys = list(parts)
    texts = []
    for combo in combos:
        fields: dict[str, Any] = {}
        for key, v in zip(keys, combo, strict=True):
            if key == CLEARED:
                for name in v.split("\x1f") if v is not None else ():
                    fields.setdefault(name, None)
            elif v is None:
                continue
            elif key == "tags":
                fields["tags"] = v.split("\x1f") if v else []
            elif key.startswith(FIELD_PREFIX):
                fields[key[len(FIELD_PREFIX) :]] = decode_tagged(v)
            else:
                fields[key] = v
        texts.append(json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    fields_json = pa.array(texts, pa.string()).take(which)

    def text_json(name: str) -> pa.Array:
        col = table.column(name).combine_chunks() if name in names else pa.nulls(n, pa.string())
        enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        dictionary = json_text_column(enc.dictionary)
        return pc.fill_null(dictionary.take(enc.indices), "null")

    public = table.column("public").combine_chunks() if "public" in names else pa.nulls(n)
    pub = pc.fill_null(pc.if_else(public, "true", "false"), "null")
    ts_us = table.column("ts_us") if "ts_us" in names else pa.nulls(n, pa.int32())
    content = pc.binary_join_element_wise(
        '{"actor":', text_json("actor"),
        ',"fields":', fields_json,
        ',"kind":', text_json("kind"),
        ',"public":', pub,
        ',"ticket_id":', text_json("ticket_id"),
        ',"ts":', table.column("ts").combine_chunks().cast(pa.string()),
        ',"ts_us":', pc.fill_null(ts_us.combine_chunks(), 0).cast(pa.string()),
        "}", "",
    )  # fmt: skip
    return _hashed(content)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NO_BYTES = np.zeros(0, dtype=np.uint8)


def _hashed(content: pa.Array) -> pa.Array:
    """``HASH_ID_PREFIX`` + the hex of the first 16 bytes of each text's SHA-256, hashing the
    column's UTF-8 bytes in place (no Python string a row, in or out)."""
    n = len(content)
    if content.null_count:  # none in practice: every part above is filled
        content = pc.fill_null(content, "")
    if content.type != pa.string():
        content = content.cast(pa.string())
    bufs = content.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=content.offset * 4)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else _NO_BYTES
    raw = sha256_prefixes(offs, data)
    prefix = np.frombuffer(HASH_ID_PREFIX.encode("ascii"), dtype=np.uint8)
    width = prefix.size + 32
    out = np.empty((n, width), dtype=np.uint8)
    out[:, : prefix.size] = prefix
    out[:, prefix.size :: 2] = _HEX[raw >> 4]
    out[:, prefix.size + 1 :: 2] = _HEX[raw & 15]
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1))]
    )


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
        # an event without id gets its content's hash, once the content is validated; a
        # placeholder of the hash's size stands in, so that the size limits weigh the same
        "event_id": pc.fill_null(c.event_id, _PLACEHOLDER),
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
        unnamed = c.event_id.take(pa.array(ok_ix)).is_null()
        if pc.any(unnamed).as_py():
            ids = pc.if_else(unnamed, hash_ids(plain), plain.column("event_id").combine_chunks())
            plain = plain.set_column(plain.schema.get_field_index("event_id"), "event_id", ids)
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
