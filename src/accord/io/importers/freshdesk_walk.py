"""The walk of Freshdesk tickets' dated statuses (``stats``) with array operations: what
:meth:`FreshdeskImporter.convert_parts` does a ticket at a time, done for a batch.

Per ticket, as ``convert_parts``: the creation sets the initial status; the dated statuses,
in time order (ties in the order of ``stats``' keys), change the status when they name
another one and are not before the creation; a ticket whose status is not the current one
after them changes to it at ``updated_at``; each conversation is a message. The walk is
sequential per ticket but short (five dated statuses at most): it is run a step at a time,
every ticket's ``k``-th dated status at once. Events are ordered per ticket by (instant,
rank, place) as ``convert_parts`` sorts them. A ticket whose walk needs an instant that does
not read, mixes naive and aware instants, or names a status that does not convert is odd.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.io.importers.columnar_checks import FieldColumn
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_json_derived import Derived, LazyCandidates, kind_column
from accord.io.importers.columnar_order import lexsort_grouped
from accord.io.importers.columnar_values import Values
from accord.io.importers.freshdesk_columns import _UNSET
from accord.io.importers.tabular import SOURCE_STATUS

if TYPE_CHECKING:
    from accord.io.importers.freshdesk_columns import FreshdeskColumns, _Pass

_CREATED, _UPDATED, _MESSAGE = 0, 1, 2  # places in ``columnar_json_derived.KINDS``
_I64 = np.int64


def walk(
    cols: FreshdeskColumns, p: _Pass, records: Sequence[Any], rows: Sequence[int], tz: Any
) -> Derived:
    imp = cols.imp
    m = imp.mapping
    plan = cols.plan
    P = len(plan)
    R = len(p.odd)
    odd = np.asarray(p.odd, dtype=bool)
    texts = p.texts if isinstance(p.texts, pa.Array) else pa.array(p.texts, pa.string())
    # ---- instants in columns
    instants = Instants(m, tz)
    t_ix, problems = instants.read_array(texts)
    ok = np.ones(len(t_ix), dtype=bool)
    if problems:
        ok[list(problems)] = False
    if not instants.arrays()[0].size:
        instants.add(datetime(1970, 1, 1))  # no instant read: an index to point at
    t_ix = np.where(t_ix < 0, 0, t_ix)
    if not t_ix.size:  # no text (every ticket odd): one for the odd ones' indices (0)
        t_ix, ok = np.zeros(1, dtype=_I64), np.zeros(1, dtype=bool)
    _s, _u, _o, naive_i, wall_i, _off = instants.arrays()
    naive = naive_i[t_ix].astype(_I64)
    wall = wall_i[t_ix].astype(_I64)

    names = cols._names

    def values(name: str) -> Values:
        got = names.get(name)
        if got is None:
            got = names[name] = Values()
        return got

    # ---- status codes: each distinct status text numbered in the order first seen
    # (current statuses, the initial one, the dated ones); its (status, source status)
    # value codes (-1: it does not convert)
    initial_status = m.initial_status
    dated = p.dated if isinstance(p.dated, DatedStatuses) else DatedStatuses.of(p.dated)
    d_rec, d_txt = dated.rec, dated.txt
    current_of = _texts(p.current_of)
    seen = [current_of, pa.array([initial_status] if initial_status else [], pa.string())]
    codes, code_texts = _first_seen(pa.concat_arrays([*seen, dated.status]))
    current = codes[:R]
    initial = np.full(R, codes[R], dtype=_I64) if initial_status else current.copy()
    d_code = codes[R + (1 if initial_status else 0) :]
    texts_of = {t: k for k, t in enumerate(code_texts)}
    sc_status = np.full(len(texts_of), -1, dtype=_I64)
    sc_source = np.full(len(texts_of), -1, dtype=_I64)
    for code, k in texts_of.items():
        try:
            f = imp._status_fields(code)
            sc_status[k] = values("status").code(f["status"])
            sc_source[k] = values(SOURCE_STATUS).code(f[SOURCE_STATUS])
        except Exception:
            pass  # (-1: a ticket that needs it is odd)
    converts = sc_status >= 0

    created_at = np.asarray(p.created_at, dtype=_I64)
    updated_at = np.asarray(p.updated_at, dtype=_I64)
    c_rec = np.asarray(p.c_rec, dtype=_I64)
    c_at = np.asarray(p.c_at, dtype=_I64)
    # ---- the checks before the walk: the creation's and conversations' instants read,
    # no naive and aware instants mixed among those that read, the initial status converts
    good0 = ~odd
    created_at = np.where(good0, created_at, 0)  # (an odd ticket's may point nowhere)
    odd |= ~ok[created_at] & good0
    if c_rec.size:
        odd[c_rec[~ok[c_at]]] = True
    seen_rec = np.concatenate([np.arange(R), d_rec, c_rec, np.flatnonzero(updated_at >= 0)])
    seen_txt = np.concatenate([created_at, d_txt, c_at, updated_at[updated_at >= 0]])
    readable = ok[seen_txt] & good0[seen_rec]
    lo = np.full(R, 2, dtype=_I64)
    hi = np.full(R, -1, dtype=_I64)
    np.minimum.at(lo, seen_rec[readable], naive[seen_txt[readable]])
    np.maximum.at(hi, seen_rec[readable], naive[seen_txt[readable]])
    odd |= (hi >= 0) & (lo != hi)
    odd |= ~converts[initial]
    if d_rec.size:
        odd[d_rec[~ok[d_txt]]] = True

    # ---- the walk, a step at a time: each ticket's k-th dated status (in time order)
    cw = wall[created_at]
    status = initial.copy()
    n_upd = np.zeros(R, dtype=_I64)  # status events so far (their places: 1, 2, ...)
    order = lexsort_grouped((np.arange(d_rec.size), wall[d_txt]), d_rec)
    d_rec, d_txt, d_code = d_rec[order], d_txt[order], d_code[order]
    counts = np.bincount(d_rec, minlength=R) if d_rec.size else np.zeros(R, dtype=_I64)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(_I64)
    step = np.arange(d_rec.size, dtype=_I64) - first[d_rec]
    d_taken = np.zeros(d_rec.size, dtype=bool)
    d_place = np.zeros(d_rec.size, dtype=_I64)
    for k in range(int(step.max()) + 1 if step.size else 0):
        at = np.flatnonzero(step == k)
        on = d_rec[at]
        take = (d_code[at] != status[on]) & (wall[d_txt[at]] >= cw[on]) & ~odd[on]
        at, on = at[take], on[take]
        bad = ~converts[d_code[at]]
        odd[on[bad]] = True  # (its later steps do not matter: the ticket is odd)
        d_taken[at] = True
        n_upd[on] += 1
        d_place[at] = n_upd[on]
        status[on] = d_code[at]
    # the current status, at updated_at, when the walk ends elsewhere
    last = np.flatnonzero((status != current) & ~odd)
    u_ok = (updated_at[last] >= 0) & converts[current[last]]
    u_ok &= ok[np.maximum(updated_at[last], 0)]
    odd[last[~u_ok]] = True
    last = last[u_ok]
    n_upd[last] += 1

    # ---- the events of the tickets not odd: creation, status changes, conversations
    good = ~odd
    recs = np.flatnonzero(good)
    dk = np.flatnonzero(d_taken & good[d_rec])
    last = last[good[last]]
    ck = np.flatnonzero(good[c_rec]) if c_rec.size else c_rec
    c_pos = np.zeros(c_rec.size, dtype=_I64)
    if c_rec.size:
        c_counts = np.bincount(c_rec, minlength=R)
        c_first = np.concatenate([[0], np.cumsum(c_counts)[:-1]]).astype(_I64)
        c_pos = np.arange(c_rec.size, dtype=_I64) - c_first[c_rec]
    c_wall = wall[c_at[ck]]
    ev_rec = np.concatenate([recs, d_rec[dk], last, c_rec[ck]])
    ev_kind = np.concatenate(
        [
            np.full(recs.size, _CREATED, dtype=_I64),
            np.full(dk.size + last.size, _UPDATED, dtype=_I64),
            np.full(ck.size, _MESSAGE, dtype=_I64),
        ]
    )
    ev_txt = np.concatenate([created_at[recs], d_txt[dk], updated_at[last], c_at[ck]])
    ev_wall = wall[ev_txt]
    ev_rank = np.concatenate(
        [
            np.zeros(recs.size, dtype=_I64),
            np.ones(dk.size + last.size, dtype=_I64),
            np.where(c_wall > cw[c_rec[ck]], 0, 2),
        ]
    )
    ev_place = np.concatenate(
        [
            np.zeros(recs.size, dtype=_I64),
            d_place[dk],
            n_upd[last],
            1 + n_upd[c_rec[ck]] + c_pos[ck],
        ]
    )
    ev_status = np.concatenate([initial[recs], d_code[dk], current[last], np.full(ck.size, -1)])
    ev_conv = np.concatenate([np.full(recs.size + dk.size + last.size, -1), ck])
    o = lexsort_grouped((ev_place, ev_rank, ev_wall), ev_rec)
    rec, kinds, txt, st, conv = ev_rec[o], ev_kind[o], ev_txt[o], ev_status[o], ev_conv[o]
    E = int(rec.size)
    counts_e = np.bincount(rec, minlength=R).astype(_I64) if E else np.zeros(R, dtype=_I64)
    odd_list = np.flatnonzero(odd).tolist()
    if not E:
        return Derived(None, rec.astype(_I64), counts_e, odd_list)
    starts = np.concatenate([[0], np.cumsum(counts_e)[:-1]]).astype(_I64)
    place_in = np.arange(E, dtype=_I64) - starts[rec]

    # ---- columns: ids, tickets, kinds, instants, actors, visibility, fields
    tids = _texts(p.tid_of)
    ticket = tids.take(pa.array(rec))
    is_u = kinds == _UPDATED
    # a status event's id: its status and instant (``isoformat``, once per distinct one)
    u = np.flatnonzero(is_u)
    whens = instants.isoformat_array(t_ix[txt[u]])
    created_e = np.flatnonzero(kinds == _CREATED)
    c_eid = _texts(p.c_eid)
    m_e = np.flatnonzero(conv >= 0)
    parts = [
        c_eid.take(pa.array(conv[m_e])),
        pc.binary_join_element_wise("freshdesk:", ticket.take(pa.array(created_e)), ""),
        pc.binary_join_element_wise(
            "freshdesk:",
            ticket.take(pa.array(u)),
            ":s",
            pa.array(code_texts, pa.string()).take(pa.array(st[u])),
            "@",
            whens,
            "",
        ),
    ]
    # each event's id from its part: (no event is two kinds; one of none has no id)
    where = np.full(E, -1, dtype=_I64)
    where[m_e] = np.arange(m_e.size)
    where[created_e] = m_e.size + np.arange(created_e.size)
    where[u] = m_e.size + created_e.size + np.arange(u.size)
    event_id = pa.concat_arrays(parts).take(pa.array(where, mask=where < 0))
    c_take = pa.array(conv, mask=conv < 0)  # a null index: no conversation, no value
    actor = _texts(p.c_actor).take(c_take)
    public = pa.array(p.c_public, pa.bool_()) if isinstance(p.c_public, list) else p.c_public
    public = public.take(c_take)
    ts = t_ix[txt].astype(_I64)
    cols_: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}

    def col(name: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        got = cols_.get(name)
        if got is None:
            got = cols_[name] = (np.full(E, -1, dtype=np.int32), np.zeros(E, dtype=bool))
        return got

    ce = np.flatnonzero(kinds == _CREATED)
    if P:
        table = np.asarray(p.plan_codes, dtype=_I64).reshape(R, P)[rec[ce]]
        for k, (_, target) in enumerate(plan):
            codes, given = col(target.name)
            got = table[:, k]
            kept = got > _UNSET
            codes[ce[kept]] = got[kept]
            given[ce[kept]] = True
    sc_codes, sc_given = col("status")
    ss_codes, ss_given = col(SOURCE_STATUS)
    se = np.flatnonzero(st >= 0)
    sc_codes[se] = sc_status[st[se]]
    ss_codes[se] = sc_source[st[se]]
    sc_given[se] = ss_given[se] = True
    cand = LazyCandidates(
        row=rec,
        ticket=ticket,
        event_id=event_id,
        kind=kind_column(kinds),
        ts=ts,
        instants=instants,
        fields=[FieldColumn(name, values(name), *cols_[name]) for name in cols_],
        actor=actor,
        public=public,
        doubt=np.zeros(E, dtype=bool),
    )
    cand.convert_with(imp, rows, records, rec, place_in)
    return Derived(cand, rec, counts_e, odd_list)


class DatedStatuses:
    """A batch's dated statuses by ticket, then in ``stats``' key order: each one's ticket,
    index of its instant's text, and the status it dates."""

    __slots__ = ("rec", "status", "txt")

    def __init__(
        self, rec: np.ndarray[Any, Any], txt: np.ndarray[Any, Any], status: pa.Array
    ) -> None:
        self.rec = rec
        self.txt = txt
        self.status = status

    @classmethod
    def of(cls, dated: Sequence[Sequence[tuple[int, str]]]) -> DatedStatuses:
        """From each ticket's list of (text index, status)."""
        rec = [r for r, mine in enumerate(dated) for _ in mine]
        return cls(
            np.asarray(rec, dtype=_I64),
            np.asarray([i for mine in dated for i, _ in mine], dtype=_I64),
            pa.array([code for mine in dated for _, code in mine], pa.string()),
        )


def _texts(values: Any) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values, pa.string())


def _first_seen(texts: pa.Array) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Each text's number among the distinct texts, numbered in the order first seen."""
    if not len(texts):
        return np.zeros(0, dtype=_I64), []
    enc = pc.dictionary_encode(texts)
    idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=_I64)
    # Arrow numbers the values as it meets them: then each index is at most one more than
    # every index before it, every entry is used, and the numbers are the answer (checked;
    # else sorted out)
    top = np.maximum.accumulate(idx)
    first_met = idx[0] == 0 and int(top[-1]) + 1 == len(enc.dictionary)
    if first_met and bool(np.all(idx[1:] <= top[:-1] + 1)):
        return idx, enc.dictionary.to_pylist()
    distinct, first = np.unique(idx, return_index=True)
    order = distinct[np.argsort(first)]  # dictionary entries in the order first seen
    rank = np.empty(len(enc.dictionary), dtype=_I64)
    rank[order] = np.arange(order.size, dtype=_I64)
    values: list[str] = enc.dictionary.take(pa.array(order)).to_pylist()
    return rank[idx], values
