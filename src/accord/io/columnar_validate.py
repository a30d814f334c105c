"""The columnar reader's validation of a table of rows, and the events table it builds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.columns import masked_array
from accord.core.engine.batch.schema import (
    CLEARED,
    EVENTS_SCHEMA,
    FIELD_PREFIX,
    TEXT_FIELDS,
    events_to_table,
)
from accord.core.event_limits import (
    MAX_CUSTOM_VALUE_BYTES,
    MAX_EVENT_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_FIELDS,
    MAX_ID_BYTES,
    MAX_STANDARD_VALUE_BYTES,
    MAX_TAG_BYTES,
    MAX_TAGS,
    NUMBER_BYTES,
    text_problem,
    utf8_size,
)
from accord.core.event_validation import (
    TOP_LEVEL_FIELDS,
    TOP_LEVEL_KEYS,
    StatusMapper,
)
from accord.io.columnar_cells import (
    _ACTORS,
    _CATEGORY_NAMES,
    _KINDS,
    I64,
    BoolArray,
    _choice_codes,
    _Fast,
    _id_column,
    _plain_types,
    _public,
    _set_mask,
    _ts_column,
    _valid_mask,
)
from accord.io.columnar_fields import (
    _custom_field,
    _FieldOut,
    _rating_words,
    _tags_field,
    _text_field,
)


def _validate_columns(
    table: pa.Table,
    status_category: StatusMapper | None,
    force_slow: BoolArray,
) -> _Fast:
    n = table.num_rows
    fast = _Fast(n, force_slow.copy())
    names = table.column_names

    def known(text: str) -> bool:
        if status_category is None or text.strip().casefold() in _CATEGORY_NAMES:
            return True
        return status_category(text) is not None

    sources: dict[str, list[tuple[str, pa.ChunkedArray]]] = {}
    for name in names:
        col = table.column(name)
        if name in TOP_LEVEL_KEYS and name != "fields":
            continue
        if name == "fields" or (not _plain_types(col) and name != "tags"):
            # a fields cell (JSON or struct), or a value type the row validator must judge
            fast.slow |= _set_mask(col)
            continue
        if name.startswith(FIELD_PREFIX):
            fname = name[len(FIELD_PREFIX) :]
            if not fname or fname in TOP_LEVEL_FIELDS:
                fast.slow |= _set_mask(col)
                continue
            sources.setdefault(fname, []).append((name, col))
        elif name in TOP_LEVEL_FIELDS:
            sources.setdefault(name, []).append((name, col))
        else:
            fast.slow |= _set_mask(col)  # an unknown column with a value: a problem
    for key in ("ticket_id", "ts", "kind"):
        if key not in names:
            fast.slow |= True
    if fast.slow.all():
        return fast
    _limits(table, fast)

    fast.columns["ticket_id"] = _id_column(table.column("ticket_id"), fast, required=True)
    if "event_id" in names:
        fast.columns["event_id"] = _id_column(table.column("event_id"), fast, required=False)
    else:
        fast.slow |= True
    ts, ts_us = _ts_column(table.column("ts"), fast)
    fast.columns["ts"] = pa.array(ts)
    fast.columns["ts_us"] = pa.array(ts_us.astype(np.int32, copy=False))
    kind_codes, kind_names = _choice_codes(table.column("kind"), fast, _KINDS)
    fast.slow |= kind_codes < 0
    kind_idx = np.maximum(kind_codes, 0)
    fast.columns["kind"] = pa.DictionaryArray.from_arrays(
        pa.array(kind_idx), pa.array(kind_names, type=pa.string())
    )
    is_message = kind_codes == kind_names.index("message")
    is_rating = kind_codes == kind_names.index("rating")
    no_fields = is_message | (kind_codes == kind_names.index("deleted"))
    if "actor" in names:
        a_codes, a_names = _choice_codes(table.column("actor"), fast, _ACTORS)
        has_actor = a_codes >= 0
        fast.columns["actor"] = pa.DictionaryArray.from_arrays(
            masked_array(np.maximum(a_codes, np.int32(0)), pa.int32(), has_actor),
            pa.array(a_names, pa.string()),
        )
    else:
        has_actor = np.zeros(n, dtype=bool)
    if "public" in names:
        pub = _public(table.column("public"), fast)
        fast.columns["public"] = masked_array(pub == 1, pa.bool_(), pub >= 0)
    else:
        pub = np.full(n, -1, dtype=np.int8)
    fast.slow |= is_message & (~has_actor | (pub < 0))

    any_field = np.zeros(n, dtype=bool)
    standard = np.zeros(n, dtype=bool)
    for fname, cols in sources.items():
        given = np.zeros(n, dtype=bool)
        outs: list[_FieldOut] = []
        for _label, col in cols:
            if fname == "tags":
                out = _tags_field(col, fast)
            elif fname in TEXT_FIELDS:
                out = _text_field(col, fast, fname == "status", known)
            elif fname == "rating":
                out = _rating_words(col, is_rating, fast)
            else:
                out = _custom_field(col, fast, cell_text=True)
            fast.slow |= given & out.given  # one field from two columns: the row decides
            given |= out.given
            outs.append(out)
        any_field |= given
        if fname in TEXT_FIELDS or fname == "tags":
            standard |= given
        key = fname if fname in TEXT_FIELDS or fname == "tags" else FIELD_PREFIX + fname
        arr = outs[0].array
        for extra in outs[1:]:
            arr = pc.if_else(pa.array(extra.given), extra.array, arr)
        fast.columns[key] = arr
        if fname == "rating":
            fast.slow |= is_rating & ~given
    if "rating" not in sources:
        fast.slow |= is_rating
    fast.slow |= no_fields & any_field
    fast.slow |= is_rating & standard
    fast.set_any = any_field
    return fast


# A tags cell of more bytes than this may hold a tag over its limit or more tags than allowed
# (n tags take at least 2n - 1 bytes): the row validator counts them.
_TAGS_CELL_BYTES = min(MAX_TAG_BYTES, 2 * MAX_TAGS)
# columns that add nothing to an event's size, and whose values are checked exactly anyway
_NOT_SIZED = frozenset({"ts", "kind", "actor", "public", "fields"})


def _cell_limit(name: str) -> int:
    if name in ("event_id", "ticket_id"):
        return MAX_ID_BYTES
    if name in TEXT_FIELDS:
        return MAX_STANDARD_VALUE_BYTES
    if name == "tags":
        return _TAGS_CELL_BYTES
    return MAX_CUSTOM_VALUE_BYTES  # rating and custom fields (unknown columns are slow anyway)


def _text_bytes(arr: pa.Array) -> tuple[I64, BoolArray]:
    """UTF-8 bytes of each text value (0 for null) and whether it holds a NUL character."""
    if pa.types.is_string(arr.type) and len(arr):
        # from the offsets, and one look for a zero byte in the text (NUL is rare)
        bufs = arr.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
        nbytes = np.diff(offsets).astype(np.int64)
        if arr.null_count:
            nbytes[~np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)] = 0
        data = bufs[2]
        text = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data else None
        # a NUL is the least byte there is: one reduction finds it, without the mask of
        # every byte that ``== 0`` would make (as many bytes again as the text)
        if text is None or text.size == 0 or int(text.min()) != 0:
            return nbytes, np.zeros(len(arr), dtype=bool)
    nbytes = np.asarray(pc.binary_length(arr).fill_null(0).to_numpy(), dtype=np.int64)
    nul = pc.match_substring(arr, "\x00").fill_null(False)
    return nbytes, np.asarray(nul.to_numpy(zero_copy_only=False), dtype=bool)


def _cell_bytes(col: pa.ChunkedArray, fast: _Fast) -> I64:
    """Each row's bytes in this column (numbers count :data:`NUMBER_BYTES`, a list its items);
    rows holding NUL, or list items over their limit, go to the row validator."""
    out = np.zeros(len(col), dtype=np.int64)
    nul = np.zeros(len(col), dtype=bool)
    at = 0
    for ch in col.chunks:
        n = len(ch)
        t = ch.type
        if pa.types.is_dictionary(t) and _plain_types(pa.chunked_array([ch.dictionary])):
            if pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type):
                d_bytes, d_nul = _text_bytes(ch.dictionary)
            else:
                d_bytes = np.full(len(ch.dictionary), NUMBER_BYTES, dtype=np.int64)
                d_nul = np.zeros(len(ch.dictionary), dtype=bool)
            idx = np.asarray(ch.indices.fill_null(-1).to_numpy(), dtype=np.int64)
            out[at : at + n] = np.append(d_bytes, 0)[idx]
            nul[at : at + n] = np.append(d_nul, False)[idx]
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            out[at : at + n], nul[at : at + n] = _text_bytes(ch)
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            flat = pc.list_flatten(ch)
            if len(flat) and (pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type)):
                parents = np.asarray(pc.list_parent_indices(ch).to_numpy(), dtype=np.int64)
                f_bytes, f_nul = _text_bytes(flat)
                out[at : at + n] = np.bincount(parents, weights=f_bytes, minlength=n)
                bad = f_nul | (f_bytes > MAX_TAG_BYTES)
                nul[at : at + n] = np.bincount(parents[bad], minlength=n) > 0
            counts = pc.list_value_length(ch).fill_null(0).to_numpy()
            nul[at : at + n] |= np.asarray(counts, dtype=np.int64) > MAX_TAGS
        elif _plain_types(pa.chunked_array([ch])):
            valid = np.asarray(ch.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            out[at : at + n] = np.where(valid, NUMBER_BYTES, 0)
        at += n
    fast.slow |= nul
    return out


def _limits(table: pa.Table, fast: _Fast) -> None:
    """Rows that may break a limit of :mod:`accord.core.event_limits` (a cell over its size, a
    NUL, too many fields, too large an event) go to the row validator, which words the
    reason. The bounds here are upper bounds of what the validator measures: a column's name
    is at least its field's name, a cell at least its trimmed value."""
    if not _within_limits(table):
        _row_limits(table, fast)


def _row_limits(table: pa.Table, fast: _Fast) -> None:
    """:func:`_limits` row by row: each row's bytes, cells and fields summed over the
    columns."""
    n = fast.n
    size = np.zeros(n, dtype=np.int64)
    fields_set = np.zeros(n, dtype=np.int64)
    field_columns = 0
    for name in table.column_names:
        if name in _NOT_SIZED:
            continue
        col = table.column(name)
        if name.startswith(FIELD_PREFIX):
            bad_name = text_problem(name[len(FIELD_PREFIX) :], MAX_FIELD_NAME_BYTES, "name")
            if bad_name is not None:
                fast.slow |= _set_mask(col)
                continue
        nbytes = _cell_bytes(col, fast)
        fast.slow |= nbytes > _cell_limit(name)
        size += nbytes + utf8_size(name)
        if name not in ("event_id", "ticket_id"):
            field_columns += 1
            fields_set += _valid_mask(col)
    fast.slow |= size > MAX_EVENT_BYTES
    if field_columns > MAX_FIELDS:
        fast.slow |= fields_set > MAX_FIELDS


def _column_bound(col: pa.ChunkedArray) -> int | None:
    """The most bytes any cell of ``col`` counts in :func:`_cell_bytes`, from its dictionaries
    (every value, used or not) or its offsets, without a pass over the rows; ``None`` when
    a cell may hold a NUL or the column is of a kind only the rows can tell (lists, other
    types)."""
    most = 0
    for ch in col.chunks:
        t = ch.type
        values = ch.dictionary if pa.types.is_dictionary(t) else ch
        vt = values.type
        if not _plain_types(pa.chunked_array([values])):
            return None
        if pa.types.is_string(vt) or pa.types.is_large_string(vt):
            nbytes, nul = _text_bytes(values)
            if nul.any():
                return None
            most = max(most, int(nbytes.max()) if nbytes.size else 0)
        else:
            most = max(most, NUMBER_BYTES)
    return most


def _within_limits(table: pa.Table) -> bool:
    """Whether no row of ``table`` can break a limit that :func:`_limits` checks: each column's
    largest cell within its limit, holding no NUL, the largest cells of all columns together
    within the event's limit, and no more field columns than fields allowed. Then the
    per-row sums could not send a row to the row validator, and are not made (the usual
    case: a pass over a few dictionaries instead of a dozen over the rows)."""
    total = 0
    field_columns = 0
    for name in table.column_names:
        if name in _NOT_SIZED:
            continue
        if name.startswith(FIELD_PREFIX) and (
            text_problem(name[len(FIELD_PREFIX) :], MAX_FIELD_NAME_BYTES, "name") is not None
        ):
            return False
        most = _column_bound(table.column(name))
        if most is None or most > _cell_limit(name):
            return False
        total += most + utf8_size(name)
        if name not in ("event_id", "ticket_id"):
            field_columns += 1
    return total <= MAX_EVENT_BYTES and field_columns <= MAX_FIELDS


# ------------------------------------------------------------------------------- assembling


def _events_table(fast: _Fast, rows: I64, seq: I64) -> pa.Table:
    """The plainly valid rows as an events table."""
    everything = rows.size == fast.n  # rows are distinct, sorted, in range: all of them
    take = pa.array(rows)

    def pick(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return a if everything else a.take(take)

    arrays: list[pa.Array | pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for f in EVENTS_SCHEMA:
        if f.name == "seq":
            arr: Any = pa.array(seq)
        elif f.name == CLEARED:
            arr = pa.nulls(rows.size, f.type)
        elif f.name in fast.columns:
            arr = pick(fast.columns[f.name])
        else:
            arr = pa.nulls(rows.size, f.type)
        arrays.append(arr)
        fields.append(pa.field(f.name, arr.type))
    for name in sorted(k for k in fast.columns if k.startswith(FIELD_PREFIX)):
        arr = pick(fast.columns[name])
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _conform(tables: Sequence[pa.Table]) -> pa.Table:
    """One table from several events tables whose optional columns and string encodings
    differ (plain text columns become dictionaries where any part is one)."""
    tables = [t for t in tables if t.num_rows] or list(tables[:1])
    if not tables:
        return events_to_table([])
    names: dict[str, pa.DataType] = {}
    plain: set[str] = set()
    for t in tables:
        for f in t.schema:
            prev = names.get(f.name)
            if not pa.types.is_dictionary(f.type):
                plain.add(f.name)
            if prev is None or (pa.types.is_dictionary(f.type) and _wider(f.type, prev)):
                names[f.name] = f.type
    for name, typ in names.items():
        # narrowed codes (see :func:`compact_codes`) widen back where another part's do not
        # fit in them, and where plain text joins them (its distinct values are unknown)
        if pa.types.is_dictionary(typ) and typ.index_type != pa.int32() and name in plain:
            names[name] = pa.dictionary(pa.int32(), typ.value_type)
    out = []
    for t in tables:
        cols = []
        for name, typ in names.items():
            if name in t.column_names:
                c = t.column(name)
                cols.append(c if c.type == typ else c.cast(typ))
            else:
                cols.append(pa.nulls(t.num_rows, typ))
        out.append(pa.Table.from_arrays(cols, names=list(names)))
    return pa.concat_tables(out)


def _wider(typ: pa.DataType, than: pa.DataType) -> bool:
    """Whether dictionary type ``typ`` should replace ``than`` as a column's common type:
    ``than`` is plain, or has narrower indices."""
    if not pa.types.is_dictionary(than):
        return True
    return bool(typ.index_type.bit_width > than.index_type.bit_width)


def compact_codes(table: pa.Table) -> pa.Table:
    """``table`` with the indices of its dictionary columns narrowed to one byte where every
    chunk's dictionary has fewer than 128 values (statuses, kinds, priorities, teams…): a
    quarter of the memory of those columns, which the batch engine decodes alike."""
    cols = []
    for col in table.columns:
        typ = col.type
        if (
            pa.types.is_dictionary(typ)
            and typ.index_type.bit_width > 8
            and all(len(ch.dictionary) < 128 for ch in col.chunks)
        ):
            narrow = pa.dictionary(pa.int8(), typ.value_type)
            col = pa.chunked_array(
                [
                    pa.DictionaryArray.from_arrays(ch.indices.cast(pa.int8()), ch.dictionary)
                    for ch in col.chunks
                ],
                type=narrow,
            )
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)
