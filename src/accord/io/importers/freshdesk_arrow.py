"""Freshdesk tickets converted from an Arrow table (pages read by :mod:`json_arrow`): the
pass of :meth:`FreshdeskColumns.derive` over the tickets done per column, then its walk of
the dated statuses (:meth:`FreshdeskColumns.walk`) as it is.

Ids and statuses are read as ``derive`` reads them (a whole number as its digits, a text
trimmed by Python); each mapped value is converted once per distinct value, by the very
code of ``derive``; a ticket ``derive`` would judge odd is odd here, its texts and
conversations dropped as there.

The schema is learned from the first page's trimmed tickets: each key the conversion reads
holds whole numbers, texts, booleans or lists of texts there (one kind a key); a dotted
source (read by ``dig``), a key of mixed kinds or of another kind leaves the whole import to
the typed decoder. A later page whose values do not fit is refused by Arrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.io.importers.columnar_json_derived import Derived
from accord.io.importers.freshdesk import _REOPENED, _STATS
from accord.io.importers.jira_arrow import _column, _distinct, _flat, _list_codes, _np, _stripped
from accord.io.importers.memo import exact_key

if TYPE_CHECKING:
    from accord.io.importers.freshdesk import FreshdeskImporter
    from accord.io.importers.freshdesk_columns import FreshdeskColumns

_S = pa.string()
_KINDS = {int: pa.int64(), str: _S, bool: pa.bool_()}
_STAT_KEYS = (*(k for k, _ in _STATS), _REOPENED)


def _kind(values: list[Any]) -> pa.DataType | None:
    """The Arrow type of a key's values (``None``: not one kind Arrow is given)."""
    kinds: set[pa.DataType] = set()
    for v in values:
        if v is None:
            continue
        t = _KINDS.get(v.__class__)
        if t is None and v.__class__ is list and all(x.__class__ is str for x in v):
            t = pa.list_(_S)
        if t is None:
            return None
        kinds.add(t)
    if len(kinds) > 1:
        return None
    return next(iter(kinds), _S)


def freshdesk_schema(imp: FreshdeskImporter, typed: list[dict[str, Any]]) -> pa.Schema | None:
    """The Arrow schema of tickets like ``typed`` (a page's trimmed tickets), ``None`` when
    a key's values are of a kind the columns do not take from Arrow."""
    names = dict.fromkeys(
        ["id", "created_at", "updated_at", imp._status, *(s for s, _ in imp._plan)]
    )
    if any("." in n for n in names) or {"stats", "conversations"} & set(names):
        return None
    columns: list[tuple[str, pa.DataType]] = []
    for name in names:
        t = _kind([r.get(name) for r in typed])
        if t is None:
            return None
        columns.append((name, t))
    by = dict(columns)
    if by["created_at"] != _S or by["updated_at"] != _S:
        return None
    if by["id"] not in (_S, pa.int64()) or by[imp._status] not in (_S, pa.int64()):
        return None
    convs = [c for r in typed for c in (r.get("conversations") or ()) if c.__class__ is dict]
    cid = _kind([c.get("id") for c in convs])
    flags = [c.get(k) for c in convs for k in ("incoming", "private")]
    if cid not in (_S, pa.int64()) or not all(f is None or f.__class__ is bool for f in flags):
        return None
    conversation = pa.struct(
        [("id", cid), ("created_at", _S), ("incoming", pa.bool_()), ("private", pa.bool_())]
    )
    stats = pa.struct([(k, _S) for k in _STAT_KEYS])
    return pa.schema([*columns, ("stats", stats), ("conversations", pa.list_(conversation))])


def _ids(col: pa.Array) -> pa.Array:
    """``_text`` of each id or status: a whole number's digits, a text trimmed (``None``
    when blank)."""
    if pa.types.is_integer(col.type):
        return pc.cast(col, _S)
    got = _stripped(col)
    return pc.if_else(pc.fill_null(pc.equal(got, ""), False), pa.nulls(len(got), _S), got)


def derive_table(
    cols: FreshdeskColumns, table: pa.Table, rows: Sequence[int], records: Sequence[Any], tz: Any
) -> Derived:
    """:meth:`FreshdeskColumns.derive` of the tickets of ``table`` (``records``: each one
    whole, for its conversion alone)."""
    from accord.io.importers.freshdesk_columns import _FAILED, _Pass
    from accord.io.importers.freshdesk_walk import DatedStatuses

    cols._names = {}  # the batch's value tables, by field
    imp = cols.imp
    plan = cols.plan
    P = len(plan)
    R = table.num_rows
    tid = _ids(_column(table, "id"))
    current = _ids(_column(table, imp._status))
    created = _column(table, "created_at")
    odd = ~_np(tid.is_valid()) | ~_np(current.is_valid()) | ~_np(created.is_valid())

    # ---- the mapped values, converted once per distinct value (``derive``'s memo)
    plan_codes = np.zeros((R, P), dtype=np.int64)
    for k, (source, target) in enumerate(plan):
        memo: dict[Any, int] = {}

        def code(raw: Any, target: Any = target, memo: dict[Any, int] = memo) -> int:
            key = exact_key(raw)
            if key is None:
                return _FAILED
            got = memo.get(key)
            if got is None:
                got = memo[key] = cols._code(target, raw)
            return got

        col = _column(table, source)
        if pa.types.is_list(col.type):
            plan_codes[:, k] = _list_codes(col, code)
        else:
            idx, distinct = _distinct(col)
            plan_codes[:, k] = np.asarray([code(v) for v in distinct], dtype=np.int64)[idx]
    if P:
        odd |= (plan_codes == _FAILED).any(axis=1)

    # ---- conversations (a null one, or one without a text instant: odd)
    convs = _column(table, "conversations")
    conv, c_rec, c_pos = _flat(convs)
    odd[c_rec[~_np(conv.is_valid())]] = True
    c_created = pc.struct_field(conv, "created_at")
    odd[c_rec[~_np(c_created.is_valid())]] = True
    good = ~odd

    # ---- the instant texts of the tickets not odd: creations, dated stats, updated_at,
    # conversations; and each ticket's dated statuses (text index, status), in key order
    g = np.flatnonzero(good)
    texts = [created.take(pa.array(g))]
    created_at = np.zeros(R, dtype=np.int64)
    created_at[g] = np.arange(g.size)
    at = g.size
    # the ticket's id and current status, "" for an odd ticket (as the pass over dicts)
    good_a = pa.array(good)
    tid_of = pc.if_else(good_a, tid, pa.scalar("", _S)).fill_null("")
    current_of = pc.if_else(good_a, current, pa.scalar("", _S)).fill_null("")
    # the dated statuses, a stats key at a time: ticket, text index, the status it dates
    d_rec, d_txt, d_status = [], [], []
    stats = _column(table, "stats")
    initial = imp.mapping.initial_status
    for key in _STAT_KEYS:
        v = pc.struct_field(stats, key)
        # ``if v:``: a text not empty (of another kind: refused by Arrow)
        given = np.flatnonzero(good & _np(pc.fill_null(pc.not_equal(v, ""), False)))
        if not given.size:
            continue
        texts.append(v.take(pa.array(given)))
        fixed = dict(_STATS).get(key) if key != _REOPENED else initial
        d_rec.append(given)
        d_txt.append(np.arange(at, at + given.size, dtype=np.int64))
        mine = current_of.take(pa.array(given))
        d_status.append(pa.repeat(pa.scalar(fixed, _S), given.size) if fixed else mine)
        at += given.size
    # in the order of the pass over dicts: by ticket, then stats key (a stable sort)
    d_rec_a = np.concatenate([np.zeros(0, dtype=np.int64), *d_rec])
    by_ticket = np.argsort(d_rec_a, kind="stable")
    dated = DatedStatuses(
        d_rec_a[by_ticket],
        np.concatenate([np.zeros(0, dtype=np.int64), *d_txt])[by_ticket],
        pa.concat_arrays([pa.array([], _S), *d_status]).take(pa.array(by_ticket)),
    )
    updated = _column(table, "updated_at")
    u = np.flatnonzero(good & _np(updated.is_valid()))
    updated_at = np.full(R, -1, dtype=np.int64)
    updated_at[u] = np.arange(at, at + u.size)
    texts.append(updated.take(pa.array(u)))
    at += u.size
    ck = np.flatnonzero(good[c_rec])
    texts.append(c_created.take(pa.array(ck)))
    c_at = np.arange(at, at + ck.size)
    kept = conv.take(pa.array(ck))
    cid = _ids(pc.struct_field(kept, "id"))
    part = pc.if_else(cid.is_valid(), cid, pc.cast(pa.array(c_pos[ck]), _S))
    tids = tid_of.take(pa.array(c_rec[ck]))
    c_eid = pc.binary_join_element_wise("freshdesk:", tids, ":c", part, "")
    incoming = _np(pc.fill_null(pc.struct_field(kept, "incoming"), False))
    private = _np(pc.fill_null(pc.struct_field(kept, "private"), False))
    c_actor = pc.if_else(pa.array(incoming), "customer", "agent")
    return cols.walk(
        _Pass(
            odd=odd.tolist(), tid_of=tid_of, current_of=current_of,
            plan_codes=plan_codes.reshape(-1), texts=pa.concat_arrays(texts),
            created_at=created_at.tolist(), dated=dated, updated_at=updated_at.tolist(),
            c_rec=c_rec[ck].tolist(), c_at=c_at.tolist(), c_eid=c_eid, c_actor=c_actor,
            c_public=pa.array(~private),
        ),
        records,
        rows,
        tz,
    )  # fmt: skip
