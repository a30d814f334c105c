"""The columnar reader's field columns: text, tags, custom values and ratings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch._jit import lookup
from accord.core.engine.batch.columns import masked_array
from accord.core.engine.batch.schema import (
    encode_tagged,
)
from accord.core.event_validation import (
    TAG_SEPARATOR,
)
from accord.io.columnar_cells import (
    _BLANK,
    BoolArray,
    _distinct,
    _Fast,
    _is_blank,
    _valid_mask,
)


@dataclass
class _FieldOut:
    """One field's value per row as it goes into the events table."""

    array: pa.Array | pa.ChunkedArray
    given: BoolArray  # the row sets the field


def _per_dictionary(
    col: pa.ChunkedArray, fn: Callable[[Any], str | None], *, same: bool = False
) -> pa.ChunkedArray | None:
    """A dictionary column whose every distinct value passes ``fn`` (which gives the text to
    keep, or ``None``: not plainly valid), with each chunk's dictionary mapped and its indices
    kept as they are (``same``: the texts are the values, the column is kept whole). ``None``
    when a value fails, or the column is not dictionary text: the general path decides."""
    from accord.core.engine.batch.columns import _dictionary_key

    if not (pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type)):
        return None
    mapped: dict[tuple[int, ...], pa.Array] = {}
    chunks: list[pa.Array] = []
    for ch in col.chunks:
        key = _dictionary_key(ch.dictionary)
        d = mapped.get(key)
        if d is None:
            texts = [fn(v) for v in ch.dictionary.to_pylist()]
            if any(t is None for t in texts):
                return None
            d = mapped[key] = ch.dictionary if same else pa.array(texts, type=pa.string())
        if not same:
            # the chunk's own indices over a dictionary of the same length
            chunks.append(pa.DictionaryArray.from_arrays(ch.indices, d, safe=False))
    return col if same else pa.chunked_array(chunks, type=col.type)


def _text_field(
    col: pa.ChunkedArray, fast: _Fast, is_status: bool, known: Callable[[str], bool]
) -> _FieldOut:
    def plain(v: Any) -> str | None:
        if _is_blank(v) or not isinstance(v, str) or (is_status and not known(v)):
            return None
        return v

    # the usual case: every distinct value is kept as it is, and the column as read
    kept = _per_dictionary(col, plain, same=True)
    if kept is not None:
        return _FieldOut(kept, _valid_mask(kept))
    codes, values = _distinct(col, fast)
    out_vals: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        if _is_blank(v):
            out_vals.append(None)
            bad.append(False)
        elif isinstance(v, bool) or not isinstance(v, str | int):
            out_vals.append(None)
            bad.append(True)
        else:
            text = str(v)
            out_vals.append(text)
            bad.append(is_status and not known(text))
    dictionary = pa.array([v if v is not None else "" for v in out_vals], type=pa.string())
    if not any(bad) and all(v is not None for v in out_vals):
        # every distinct value is kept as it is (the usual case): the codes are the indices,
        # with no gathers by code
        present = codes >= 0
        idx = masked_array(codes, pa.int32(), present)
        return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes)
    present = lookup(np.array([v is not None for v in out_vals] + [False], dtype=bool), codes)
    idx = masked_array(np.where(present, codes, np.int32(0)), pa.int32(), present)
    return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)


def _tags_field(col: pa.ChunkedArray, fast: _Fast) -> _FieldOut:
    n = fast.n
    t = col.type
    if pa.types.is_string(t) or pa.types.is_dictionary(t):
        codes, values = _distinct(col, fast)
        lists: list[list[str] | None] = []
        for v in values:
            if _is_blank(v):
                lists.append(None)
            else:
                pieces = (p.strip() for p in str(v).split(TAG_SEPARATOR))
                lists.append([p for p in pieces if p])
        present = lookup(np.array([x is not None for x in lists] + [False], dtype=bool), codes)
        dictionary = pa.array([x if x is not None else [] for x in lists], pa.list_(pa.string()))
        # lists are gathered for the rows that have tags only; the offsets of all rows come
        # from the lists' sizes by code (most rows set no tags)
        sizes = np.array([len(x) if x is not None else 0 for x in lists] + [0], dtype=np.int32)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lookup(sizes, codes), out=offsets[1:])
        values = dictionary.take(pa.array(codes[present])).flatten()
        arr = pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~present))
        return _FieldOut(arr, present)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        arr = col.combine_chunks().cast(pa.list_(pa.string()))
        present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        flat = pc.list_flatten(arr)
        if len(flat):
            parents = pc.list_parent_indices(arr).to_numpy()
            ok = ~np.asarray(
                pc.match_substring_regex(flat, _BLANK)
                .fill_null(True)
                .to_numpy(zero_copy_only=False),
                dtype=bool,
            )
            bad_rows = np.zeros(n, dtype=bool)
            bad_rows[parents[~ok]] = True
            fast.slow |= bad_rows
        return _FieldOut(arr, present)
    nulls = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    fast.slow |= ~nulls
    return _FieldOut(pa.nulls(n, pa.list_(pa.string())), np.zeros(n, dtype=bool))


def _tagged_values(values: Sequence[Any]) -> tuple[list[str | None], list[bool]]:
    """Each distinct value of a custom field as tagged text (``None``: not set) and whether
    it is a problem for the row validator to word."""
    out_vals: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        if _is_blank(v):
            out_vals.append(None)
            bad.append(False)
        elif isinstance(v, float) and not np.isfinite(v):
            out_vals.append(None)
            bad.append(True)
        elif isinstance(v, str | int | float):
            out_vals.append(encode_tagged(v))
            bad.append(False)
        else:
            out_vals.append(None)
            bad.append(True)
    return out_vals, bad


def _custom_field(col: pa.ChunkedArray, fast: _Fast, cell_text: bool) -> _FieldOut:
    """A custom field (or ``rating`` outside rating events) as tagged text."""
    # the usual case: every distinct value is fine; the dictionaries become tagged text
    tagged = _per_dictionary(col, lambda v: _tagged_values([v])[0][0])
    if tagged is not None:
        return _FieldOut(tagged, _valid_mask(tagged))
    codes, values = _distinct(col, fast)
    out_vals, bad = _tagged_values(values)
    del cell_text
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes)
    present = lookup(np.array([v is not None for v in out_vals] + [False], dtype=bool), codes)
    dictionary = pa.array([v if v is not None else "" for v in out_vals], type=pa.string())
    idx = masked_array(np.where(present, codes, np.int32(0)), pa.int32(), present)
    return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)


def _rating_words(col: pa.ChunkedArray, is_rating: BoolArray, fast: _Fast) -> _FieldOut:
    """``rating``: normalised on rating events (good / bad / a number), a plain value else."""
    from accord.core.event_validation import _number

    codes, values = _distinct(col, fast)
    plain, plain_bad = _tagged_values(values)
    norm: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        got: Any = None
        if isinstance(v, str):
            w = v.strip().lower()
            got = w if w in ("good", "bad") else _number(w)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            got = v
        norm.append(None if got is None else encode_tagged(got))
        bad.append(got is None and not _is_blank(v))
    fast.slow |= lookup(np.array([*plain_bad, False], dtype=bool), codes)
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes) & is_rating
    present = lookup(np.array([v is not None for v in plain] + [False], dtype=bool), codes)
    # one dictionary holding both spellings: the plain value's, then the rating's (rating
    # events index the second half), so no row's text is built
    k = len(values)
    dictionary = pa.array([v if v is not None else "" for v in (*plain, *norm)], type=pa.string())
    idx = np.where(present, codes + np.where(is_rating, np.int32(k), np.int32(0)), np.int32(0))
    return _FieldOut(
        pa.DictionaryArray.from_arrays(masked_array(idx, pa.int32(), present), dictionary),
        present,
    )
