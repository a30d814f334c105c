"""Columns of an events table as integer codes over small dictionaries of distinct values.

The batch engine evaluates every rule on the distinct values of a column (a few hundred
Python calls at most) and gathers the answers by code, so no rule is ever run per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch import _jit
from accord.core.engine.batch.schema import decode_tagged
from accord.core.events import FieldValue

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def masked_array(values: NDArray[Any], typ: pa.DataType, valid: NDArray[np.bool_]) -> pa.Array:
    """``values`` (contiguous, of ``typ``'s width; booleans as bytes) as an Arrow array, null
    where not ``valid``: the buffers built directly (``pa.array(mask=...)`` takes several
    times longer)."""
    n = values.size
    nulls = n - int(np.count_nonzero(valid))
    bits = None if nulls == 0 else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if pa.types.is_boolean(typ):
        data = pa.py_buffer(np.packbits(values, bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    return pa.Array.from_buffers(typ, n, [bits, data], null_count=nulls)


def _chunked(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    return col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])


_NO_BITS = np.zeros(0, dtype=np.uint8)
_NO_TABLE = np.zeros(0, dtype=np.int32)


def _chunk_indices(ch: pa.Array, out: I32, table: I32 = _NO_TABLE) -> None:
    """One dictionary chunk's indices into ``out`` (int32, -1 where null, mapped through
    ``table`` if given): read from the Arrow buffers in one compiled pass."""
    idx = ch.indices
    n = len(idx)
    bufs = idx.buffers()
    if n == 0:
        return
    if bufs[1] is None or idx.null_count == n:
        out[:] = -1
        return
    dtype = np.dtype(idx.type.to_pandas_dtype())
    data = np.frombuffer(bufs[1], dtype=dtype, count=n, offset=idx.offset * dtype.itemsize)
    bits = np.frombuffer(bufs[0], dtype=np.uint8) if idx.null_count else _NO_BITS
    _jit.decode_indices(data, bits, idx.offset, table, out)


def _dictionary_key(d: pa.Array) -> tuple[int, ...]:
    # chunks read from one Parquet row group share their dictionary's buffers
    return (d.offset, len(d), *(0 if b is None else b.address for b in d.buffers()))


def unified_tables(col: pa.ChunkedArray) -> tuple[pa.Array, list[I32]]:
    """One dictionary for a dictionary column whose chunks have several, and per chunk the
    table that maps its indices to codes in that dictionary (-1: null). Chunks that all share
    one dictionary keep it, with empty tables (their indices are the codes)."""
    keys: dict[tuple[int, ...], int] = {}
    distinct: list[pa.Array] = []
    which: list[int] = []
    for chunk in col.chunks:
        d = chunk.dictionary
        k = keys.setdefault(_dictionary_key(d), len(distinct))
        if k == len(distinct):
            distinct.append(d)
        which.append(k)
    if len(distinct) == 1:
        return distinct[0], [_NO_TABLE] * len(which)
    enc = pc.dictionary_encode(pa.concat_arrays(distinct))
    mapped = np.array(enc.indices.fill_null(-1).to_numpy(), dtype=np.int32)  # writable
    starts = np.cumsum([0, *(len(d) for d in distinct)])
    tables = [np.ascontiguousarray(mapped[starts[k] : starts[k + 1]]) for k in range(len(distinct))]
    return enc.dictionary, [tables[k] for k in which]


def string_order(strings: pa.Array) -> I64:
    """The indices that sort a string array (no nulls) bytewise, as ``pc.sort_indices`` does.

    Ticket ids usually differ within a few bytes after a shared prefix (``INC0012345``): then
    one integer sort of those bytes orders them, about a third of the time of the string
    sort, which remains the answer for every other case."""
    arr = strings.cast(pa.string()) if not pa.types.is_string(strings.type) else strings
    n = len(arr)
    if n < 2 or arr.null_count:
        return np.asarray(pc.sort_indices(arr).to_numpy(), dtype=np.int64)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else _NO_BITS
    keys, exact = _jit.prefix_keys(offsets, data)
    if not exact:
        return np.asarray(pc.sort_indices(arr).to_numpy(), dtype=np.int64)
    # equal keys are equal strings here; a stable sort keeps them in place, as Arrow does
    return np.argsort(keys, kind="stable").astype(np.int64, copy=False)


def dictionary_array(col: pa.ChunkedArray | pa.Array) -> tuple[I32, pa.Array]:
    """``(codes, dictionary)``: code ``-1`` is null; the distinct values stay an Arrow array
    (for columns with many distinct values, such as ticket ids)."""
    ch = _chunked(col)
    if not pa.types.is_dictionary(ch.type):
        ch = pc.dictionary_encode(ch)
    if ch.num_chunks == 0:
        return np.full(len(ch), -1, dtype=np.int32), pa.array([], type=pa.string())
    # Unify the distinct dictionaries only (one per Parquet row group, not one per chunk):
    # hash their values once, then map each chunk's indices with one gather.
    dictionary, tables = unified_tables(ch)
    out = np.empty(len(ch), dtype=np.int32)
    bounds = np.cumsum([0, *(len(chunk) for chunk in ch.chunks)])
    for c, (table, chunk) in enumerate(zip(tables, ch.chunks, strict=True)):
        _chunk_indices(chunk, out[bounds[c] : bounds[c + 1]], table)
    return out, dictionary


def dictionary_codes(col: pa.ChunkedArray | pa.Array) -> tuple[I32, list[object]]:
    """``(codes, values)``: code ``-1`` is null; ``values[code]`` the value (as Python)."""
    codes, dictionary = dictionary_array(col)
    return codes, dictionary.to_pylist()


def tags_codes(col: pa.ChunkedArray | pa.Array) -> tuple[I32, list[tuple[str, ...]]]:
    """Codes of tag lists (null: not set); ``values[code]`` is the tuple of tags."""
    arr = _chunked(col).combine_chunks()
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int32), []
    if pa.types.is_large_list(arr.type):
        arr = arr.cast(pa.list_(pa.string()))
    offsets = arr.offsets
    base = offsets[0].as_py()
    flat = arr.values.slice(base, offsets[-1].as_py() - base)
    # each tag as "<bytes>:<tag>", so that joining them is unambiguous whatever the tags hold
    lens = pc.cast(pc.binary_length(flat), pa.string())
    enc = pc.binary_join_element_wise(lens, flat.cast(pa.string()), ":")
    rebased = pc.subtract(offsets, pa.scalar(base, offsets.type))
    keyed = pa.ListArray.from_arrays(rebased, enc, mask=arr.is_null())
    joined = pc.binary_join(keyed, "")
    codes, keys = dictionary_codes(joined)
    return codes, [_split_key(str(k)) for k in keys]


def _split_key(key: str) -> tuple[str, ...]:
    raw = key.encode("utf-8")
    out: list[str] = []
    i = 0
    while i < len(raw):
        colon = raw.index(b":", i)
        size = int(raw[i:colon])
        out.append(raw[colon + 1 : colon + 1 + size].decode("utf-8"))
        i = colon + 1 + size
    return tuple(out)


def tagged_codes(col: pa.ChunkedArray | pa.Array) -> tuple[I32, list[FieldValue]]:
    """Codes of a custom field column in tagged text; values decoded."""
    codes, raw = dictionary_codes(col)
    return codes, [decode_tagged(str(v)) for v in raw]


def cleared_masks(
    col: pa.ChunkedArray | pa.Array | None, names: Sequence[str], n: int
) -> dict[str, BoolArray]:
    """For each of ``names``, which rows clear that field (name it in ``cleared``)."""
    out = {name: np.zeros(n, dtype=bool) for name in names}
    if col is None:
        return out
    arr = _chunked(col).combine_chunks()
    if len(arr) == 0 or arr.null_count == len(arr):
        return out
    flat = pc.list_flatten(arr)
    parents = pc.list_parent_indices(arr).to_numpy()
    if len(flat) == 0:
        return out
    codes, values = dictionary_codes(flat)
    for k, v in enumerate(values):
        if v in out:
            out[str(v)][parents[codes == k]] = True
    return out


def int_column(col: pa.ChunkedArray | pa.Array | None, n: int, default: int = 0) -> I64:
    if col is None:
        return np.full(n, default, dtype=np.int64)
    arr = _chunked(col)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.int64())
    # (no fill when there is nothing to fill: the one-chunk column is then read without a copy)
    full = arr.fill_null(default) if arr.null_count else arr
    out: I64 = np.asarray(full.to_numpy(), dtype=np.int64)
    return out


def bool_codes(col: pa.ChunkedArray | pa.Array | None, n: int) -> NDArray[np.int8]:
    """-1 null, 0 false, 1 true."""
    if col is None:
        return np.full(n, -1, dtype=np.int8)
    arr = _chunked(col)
    if not pa.types.is_boolean(arr.type):
        arr = arr.cast(pa.bool_())
    # as int8 in Arrow (a bitmap unpack), not via numpy's object path for booleans
    vals: NDArray[np.int8] = np.asarray(
        arr.cast(pa.int8()).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int8
    )
    return vals


def lookup(values: Sequence[object], table: dict[object, int], default: int) -> I32:
    """``table[v]`` for every dictionary value (``default`` when absent), for gathering."""
    return np.array([table.get(v, default) for v in values], dtype=np.int32)
