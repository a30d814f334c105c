"""Jira issues converted from an Arrow table (pages read by :mod:`json_arrow`) into the
lists :class:`~accord.io.importers.jira_columns.JiraColumns` derives its candidates from,
with array operations instead of a Python pass over each issue.

What the Python pass of :meth:`JiraColumns.derive` does per issue is done here per column:
histories, items and comments are exploded (``list_flatten``, ``list_parent_indices``); an
object's identity is the first of its identifying keys present (``coalesce``); each source
value is coded once per *distinct* value (dictionary encoding), in Python, by the very code
of ``derive``; the texts Python trims (keys, ids) are trimmed by Python. An issue ``derive``
would judge odd is odd here, and its histories, items and comments are dropped as there.

The schema is learned from the first page's trimmed records: each source the mapping reads
is an object (its identifying keys), a text, or a list of texts, as there; a source of any
other kind (a number, mixed kinds) leaves the whole import to the typed decoder. A later
page whose values do not fit is refused by Arrow and goes the typed decoder's way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.io.importers.base import text_of
from accord.io.importers.columnar_json_derived import Derived
from accord.io.importers.columnar_values import small_unique
from accord.io.importers.memo import exact_key

if TYPE_CHECKING:
    from accord.io.importers.jira import JiraImporter
    from accord.io.importers.jira_columns import JiraColumns

_S = pa.string()
_USER_KEYS = ("accountId", "name", "key", "emailAddress")
_OBJECT_KEYS = ("name", "value", "key")
_ITEM = pa.struct([(k, _S) for k in ("field", "fieldId", "from", "fromString", "to", "toString")])
_HISTORY = pa.struct([("id", _S), ("created", _S), ("items", pa.list_(_ITEM))])
_AUTHOR = pa.struct([(k, _S) for k in ("accountType", *_USER_KEYS, "id")])
_COMMENT = pa.struct([("id", _S), ("author", _AUTHOR), ("created", _S), ("jsdPublic", pa.bool_())])


def _object_type(user: bool) -> pa.DataType:
    return pa.struct([(k, _S) for k in (*(_USER_KEYS if user else _OBJECT_KEYS), "id")])


def jira_schema(imp: JiraImporter, typed: list[dict[str, Any]]) -> pa.Schema | None:
    """The Arrow schema of the issues like ``typed`` (a page's trimmed issues), ``None``
    when a source's values are of a kind the columns do not take from Arrow."""
    names = dict.fromkeys([*imp._targets, imp._status, imp._created, imp._reporter])
    if "comment" in names:
        return None
    kinds: dict[str, set[str]] = {name: set() for name in names}
    for issue in typed:
        fields = issue.get("fields")
        if fields.__class__ is not dict:
            continue
        for name in names:
            v = fields.get(name)
            cls = v.__class__
            if v is None:
                continue
            if cls is dict:
                kinds[name].add("object")
            elif cls is str:
                kinds[name].add("text")
            elif cls is list and all(x.__class__ is str for x in v):
                kinds[name].add("texts")
            else:
                return None
    columns: list[tuple[str, pa.DataType]] = []
    for name, seen in kinds.items():
        if len(seen) > 1:
            return None
        kind = next(iter(seen), "text")
        if name == imp._created and kind != "text":
            return None
        if kind == "object":
            columns.append((name, _object_type(imp._is_user(name))))
        elif kind == "text":
            columns.append((name, _S))
        else:
            columns.append((name, pa.list_(_S)))
    comment = pa.struct([("comments", pa.list_(_COMMENT)), ("total", pa.int64())])
    fields_type = pa.struct([*columns, ("comment", comment)])
    changelog = pa.struct([("total", pa.int64()), ("histories", pa.list_(_HISTORY))])
    return pa.schema([("key", _S), ("changelog", changelog), ("fields", fields_type)])


def _column(t: pa.Table, name: str) -> pa.Array:
    col = t.column(name)
    return pa.concat_arrays(col.chunks) if col.num_chunks else pa.array([], col.type)


def _np(a: pa.Array) -> np.ndarray[Any, Any]:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _valid(a: pa.Array) -> np.ndarray[Any, Any]:
    return _np(a.is_valid())


def _identity(col: pa.Array, user: bool) -> pa.Array:
    """``_object_value`` of each object: its first identifying key present, else ``id``."""
    keys = (*(_USER_KEYS if user else _OBJECT_KEYS), "id")
    return pc.coalesce(*[pc.struct_field(col, k) for k in keys])


def _distinct(a: pa.Array) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """Each cell's index among the distinct values (``None`` last)."""
    enc = pc.dictionary_encode(a).combine_chunks() if isinstance(a, pa.ChunkedArray) else None
    enc = pc.dictionary_encode(a) if enc is None else enc
    values: list[Any] = enc.dictionary.to_pylist()
    idx = _np(enc.indices.fill_null(len(values))).astype(np.int64)
    return idx, [*values, None]


def _flat(lists: pa.Array) -> tuple[pa.Array, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A list column exploded: its elements, each one's row and place in its list."""
    lengths = _np(pc.list_value_length(lists).fill_null(0)).astype(np.int64)
    flat = pc.list_flatten(lists)
    parent = _np(pc.list_parent_indices(lists)).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    place = np.arange(parent.size, dtype=np.int64) - first[parent]
    return flat, parent, place


def derive_table(
    cols: JiraColumns, table: pa.Table, rows: Sequence[int], records: Sequence[Any], tz: Any
) -> Derived:
    """:meth:`JiraColumns.derive` of the issues of ``table`` (``records``: each one whole,
    for its conversion alone)."""
    from accord.io.importers.jira_columns import _Lists

    imp = cols.imp
    t = table
    R = t.num_rows
    n_src = len(cols.sources)
    keys: list[dict[Any, int]] = [{} for _ in range(n_src)]
    by_text: list[dict[str, int]] = [{} for _ in range(n_src)]
    vals: list[list[Any]] = [[] for _ in range(n_src)]

    def code(s: int, v: Any) -> int:  # ``derive``'s code of a source value
        if v.__class__ is str:
            got = by_text[s].get(v)
            if got is None:
                got = by_text[s][v] = len(vals[s])
                vals[s].append(v)
            return got
        k = exact_key(v)
        if k is None:
            return -1
        got = keys[s].get(k)
        if got is None:
            got = keys[s][k] = len(vals[s])
            vals[s].append(v)
        return got

    key, fields, changelog = (_column(t, name) for name in ("key", "fields", "changelog"))
    kt_arr = _stripped(key).fill_null("")
    odd = ~_valid(fields) | _np(pc.equal(kt_arr, ""))
    created = pc.struct_field(fields, imp._created)
    odd |= ~_valid(created)
    hist_lists = pc.struct_field(changelog, "histories")
    n_hist = _np(pc.list_value_length(hist_lists).fill_null(0)).astype(np.int64)
    total = pc.struct_field(changelog, "total")
    odd |= _np(pc.fill_null(pc.greater(total, pa.array(n_hist)), False))
    comment = pc.struct_field(fields, "comment")
    com_lists = pc.struct_field(comment, "comments")
    n_com = _np(pc.list_value_length(com_lists).fill_null(0)).astype(np.int64)
    ctotal = pc.struct_field(comment, "total")
    odd |= _np(pc.fill_null(pc.greater(ctotal, pa.array(n_com)), False))

    # ---- the values now, coded per distinct value
    now = np.full((R, n_src), -1, dtype=np.int64)
    for s, (name, user) in enumerate(imp._now_sources):
        col = pc.struct_field(fields, name)
        if pa.types.is_struct(col.type):
            col = _identity(col, user)
        if pa.types.is_list(col.type):
            now[:, s] = _list_codes(col, lambda v: code(s, v))  # noqa: B023  (called at once)
        else:
            idx, distinct = _distinct(col)
            now[:, s] = np.asarray([code(s, v) for v in distinct], dtype=np.int64)[idx]
    odd |= (now < 0).any(axis=1)

    # ---- histories and their items
    hist, h_rec, h_pos = _flat(hist_lists)
    odd[h_rec[~_valid(hist)]] = True
    h_created = pc.struct_field(hist, "created")
    odd[h_rec[~_valid(h_created)]] = True
    items, i_hist, _ = _flat(pc.struct_field(hist, "items"))
    odd[h_rec[i_hist[~_valid(items)]]] = True
    i_src = _item_sources(cols, items)
    m = np.flatnonzero(i_src >= 0)
    i_hist, i_src = i_hist[m], i_src[m]
    take_m = pa.array(m)

    def mapped_field(key: str) -> pa.Array:  # a key of the mapped items (the struct not taken)
        return pc.struct_field(items, key).take(take_m)

    users = np.asarray(cols.users, dtype=bool)
    tags = np.asarray([s in imp._tag_sources for s in cols.sources], dtype=bool)
    sides = []
    for side in ("from", "to"):
        raw = mapped_field(side)
        use_raw = users[i_src] & _valid(raw)
        value = pc.if_else(pa.array(use_raw), raw, mapped_field(f"{side}String"))
        idx, distinct = _distinct(value)
        # per distinct (source, value, taken raw): ``_item_value`` then its code
        combo = (i_src * len(distinct) + idx) * 2 + use_raw
        uniq, inv = small_unique(combo)  # (ascending, as ``np.unique``: the same codes)
        got = np.empty(uniq.size, dtype=np.int64)
        for u, c in enumerate(uniq.tolist()):
            s, rest = divmod(c >> 1, len(distinct))
            v = distinct[rest]
            if not c & 1 and tags[s] and v.__class__ is str:
                v = v.split()  # Jira lists labels separated by spaces
            got[u] = code(s, v)
        sides.append(got[inv.reshape(-1)])
    i_from, i_to = sides
    i_rec = h_rec[i_hist]
    odd[i_rec[(i_from < 0) | (i_to < 0)]] = True

    # ---- comments
    com, c_rec, c_pos = _flat(com_lists)
    odd[c_rec[~_valid(com)]] = True
    c_created = pc.struct_field(com, "created")
    odd[c_rec[~_valid(c_created)]] = True

    # ---- only the issues not odd keep their histories, items and comments
    good = ~odd
    hk = np.flatnonzero(good[h_rec])
    new_h = np.full(h_rec.size, -1, dtype=np.int64)
    new_h[hk] = np.arange(hk.size)
    mapped = np.zeros(h_rec.size, dtype=bool)
    mapped[i_hist] = True
    ik = np.flatnonzero(good[i_rec])
    ck = np.flatnonzero(good[c_rec])
    h_eid = _event_ids(kt_arr, h_rec[hk], h_pos[hk], pc.struct_field(hist, "id"), hk, ":h")
    c_eid = _event_ids(kt_arr, c_rec[ck], c_pos[ck], pc.struct_field(com, "id"), ck, ":c")
    c_actor = _actors(cols, fields, com.take(pa.array(ck)), c_rec[ck])
    public = _np(pc.fill_null(pc.struct_field(com, "jsdPublic").take(pa.array(ck)), True))
    H, C = hk.size, ck.size
    h_n = np.where(mapped[hk], h_pos[hk], -1 - h_pos[hk])
    texts = pa.concat_arrays(
        [
            created.fill_null(""),
            h_created.take(pa.array(hk)),
            c_created.take(pa.array(ck)),
        ]
    )
    # arrays where ``derive`` has lists: ``_arrays`` reads both alike
    lists: dict[str, Any] = dict(
        R=R, odd=odd.tolist(), rec_key=kt_arr, now=now, texts=texts,
        text_rec=np.concatenate([np.arange(R), h_rec[hk], c_rec[ck]]),
        h_rec=h_rec[hk], h_n=h_n, h_at=np.arange(R, R + H), h_eid=h_eid,
        i_hist=new_h[i_hist[ik]], i_src=i_src[ik], i_from=i_from[ik], i_to=i_to[ik],
        c_rec=c_rec[ck], c_n=c_pos[ck], c_at=np.arange(R + H, R + H + C), c_eid=c_eid,
        c_actor=c_actor, c_public=public, created_at=np.arange(R), n_hist=n_hist, vals=vals,
    )  # fmt: skip
    return cols._arrays(locals_=_Lists(**lists), records=records, rows=list(rows), tz=tz)


def _plain_ends(texts: pa.Array) -> np.ndarray[Any, Any]:
    """Whether each text begins and ends with a printable ASCII character other than a
    space (Python's ``strip`` keeps such a text whole; a null counts as plain), read from
    the column's first and last bytes: a byte below 0x80 is a whole character in UTF-8."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if texts.type != _S:
        texts = texts.cast(_S)
    n = len(texts)
    bufs = texts.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=texts.offset * 4)
    lo, hi = offs[:-1].astype(np.int64), offs[1:].astype(np.int64)
    filled = hi > lo
    plain = np.zeros(n, dtype=bool)
    if bufs[2] is not None and filled.any():
        data = np.frombuffer(bufs[2], dtype=np.uint8)
        first = data[np.where(filled, lo, 0)]
        last = data[np.where(filled, hi - 1, 0)]
        plain = filled & (first >= 0x21) & (first <= 0x7E) & (last >= 0x21) & (last <= 0x7E)
    if texts.null_count:
        plain |= ~_valid(texts)
    return plain


def _stripped(texts: pa.Array) -> pa.Array:
    """Each text as Python's ``str.strip`` gives it (trimmed in Python where it may differ
    from a text between printable ASCII characters)."""
    plain = _plain_ends(texts)
    other = np.flatnonzero(~plain)
    if not other.size:
        return texts
    trimmed = [v.strip() for v in texts.take(pa.array(other)).to_pylist()]
    out = texts.to_pylist()
    for i, v in zip(other.tolist(), trimmed, strict=True):
        out[i] = v
    return pa.array(out, _S)


def _event_ids(
    keys: pa.Array,
    rec: np.ndarray[Any, Any],
    place: np.ndarray[Any, Any],
    ids: pa.Array,
    kept: np.ndarray[Any, Any],
    tag: str,
) -> pa.Array:
    """``f"jira:{key}{tag}{id or place}"`` of each kept history or comment, its id trimmed
    (``None`` when blank) as ``derive`` reads it."""
    mine = _stripped(ids.take(pa.array(kept)))
    given = pc.fill_null(pc.not_equal(mine, ""), False)
    part = pc.if_else(given, mine, pc.cast(pa.array(place), _S))
    return pc.binary_join_element_wise("jira:", keys.take(pa.array(rec)), tag, part, "")


def _list_codes(col: pa.Array, code: Callable[[Any], int]) -> np.ndarray[Any, Any]:
    """The code of each list of texts, coded once per distinct list: a list is keyed by its
    texts joined (with its length, as ``[]`` and ``[""]`` differ), a list with a null in it
    or texts holding the separators is coded alone."""
    flat = pc.list_flatten(col)
    if len(flat) and pc.any(pc.match_substring_regex(flat, "[\x1e\x1f]")).as_py():
        return np.asarray([code(v) for v in col.to_pylist()], dtype=np.int64)
    lengths = pc.cast(pc.list_value_length(col), _S)
    key = pc.binary_join_element_wise(pc.binary_join(col, "\x1f"), lengths, "\x1e")
    idx, distinct = _distinct(key)
    _, first = np.unique(idx, return_index=True)
    values = col.take(pa.array(first)).to_pylist()
    coded = np.asarray([code(v) for v in values], dtype=np.int64)
    out = np.empty(idx.size, dtype=np.int64)
    at = np.empty(len(distinct), dtype=np.int64)
    at[idx[first]] = coded
    out[:] = at[idx]
    # a null key: a null list (``None``), or a list holding a null, coded alone
    alone = np.flatnonzero(~_valid(key))
    if alone.size:
        out[alone] = [code(v) for v in col.take(pa.array(alone)).to_pylist()]
    return out


def _item_sources(cols: JiraColumns, items: pa.Array) -> np.ndarray[Any, Any]:
    """The source index of each history item (``-1``: no mapped field): its ``fieldId``'s,
    else its ``field``'s, as ``JiraImporter._source_of`` finds them."""
    imp = cols.imp
    out: np.ndarray[Any, Any] | None = None
    for key in ("fieldId", "field"):
        idx, distinct = _distinct(pc.struct_field(items, key))
        found = []
        for name in distinct:
            got = imp._source_of({key: name}) if name is not None else None
            found.append(-1 if got is None else cols.src_index[got])
        src = np.asarray(found, dtype=np.int64)[idx]
        out = src if out is None else np.where(out >= 0, out, src)
    assert out is not None
    return out


def _actors(
    cols: JiraColumns, fields: pa.Array, comments: pa.Array, c_rec: np.ndarray[Any, Any]
) -> pa.Array:
    """Each comment's actor, as ``JiraImporter._actor`` gives it."""
    imp = cols.imp
    if not len(comments):
        return pa.array([], _S)
    # the reporter of each issue and the author of each comment, as trimmed texts, coded
    texts: dict[str | None, int] = {None: -1}

    def coded(values: list[Any]) -> np.ndarray[Any, Any]:
        out = []
        for v in values:
            t = text_of(v)
            out.append(texts.setdefault(t, len(texts)))
        return np.asarray(out, dtype=np.int64)

    from accord.io.importers.jira import _object_value

    rep = pc.struct_field(fields, imp._reporter)
    if pa.types.is_struct(rep.type):
        idx, distinct = _distinct(_identity(rep, True))
        reporter = coded(distinct)[idx]
    elif pa.types.is_string(rep.type):
        idx, distinct = _distinct(rep)
        reporter = coded(distinct)[idx]
    else:  # a list: ``_object_value`` as the row importer calls it
        reporter = coded([_object_value(v, True) for v in rep.to_pylist()])
    author = pc.struct_field(comments, "author")
    idx, distinct = _distinct(_identity(author, True))
    who = coded(distinct)[idx]
    kind_idx, kinds = _distinct(pc.struct_field(author, "accountType"))
    same = (who >= 0) & (who == reporter[c_rec])
    # codes of "agent", "customer", "system": no Python text a comment
    actor = np.where(same, 1, 0)
    actor[np.asarray([k == "app" for k in kinds], dtype=bool)[kind_idx]] = 2
    actor[np.asarray([k == "customer" for k in kinds], dtype=bool)[kind_idx]] = 1
    return pa.array(["agent", "customer", "system"], _S).take(pa.array(actor))
