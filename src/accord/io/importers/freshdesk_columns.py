"""Freshdesk tickets converted in columns, as :mod:`~accord.io.importers.jira_columns` does
Jira issues: one Python pass pulls each ticket's id, status, mapped values and instant texts
into lists; the instants are read by the compiled ISO reader; a second, short pass walks
each ticket's dated statuses (``stats``) on the instants' integers; the events are ordered
per ticket and their fields coded with array operations.

A ticket the arrays cannot decide as plainly (an id or status that is not plain text or a
whole number, an instant that does not read or naive and aware ones mixed, a value with no
exact key or whose conversion fails) is odd: the caller converts it with
:meth:`FreshdeskImporter.convert_parts`, so its outcome is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from accord.io.importers.base import canonical_value, dig, text_of
from accord.io.importers.columnar_checks import FieldColumn
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_json_derived import Derived, LazyCandidates
from accord.io.importers.columnar_values import Values
from accord.io.importers.freshdesk import _REOPENED, _STATS, FreshdeskImporter
from accord.io.importers.json_arrow import ArrowReading
from accord.io.importers.mapping import ISO
from accord.io.importers.memo import exact_key
from accord.io.importers.tabular import SOURCE_STATUS

_KINDS = ("created", "updated", "message")
_CREATED, _UPDATED, _MESSAGE = 0, 1, 2
_UNSET, _FAILED = -100, -101  # below every value code (NONE -1, NAN -2)
_FAIL: Any = object()


def _text(v: Any) -> str | None:
    """``text_of`` of a text or a whole number (others: ``None``, odd)."""
    cls = v.__class__
    if cls is str:
        return v.strip() or None
    if cls is int:
        return str(v)
    return None


class FreshdeskColumns:
    def __init__(self, importer: FreshdeskImporter) -> None:
        self.imp = importer
        self.plan = importer._plan

    @staticmethod
    def usable(importer: FreshdeskImporter) -> bool:
        """ISO 8601 read first, and no mapped field named as a status field (the status
        fields are set after the mapped ones)."""
        if importer.mapping.timestamp_format[0] != ISO:
            return False
        names = [t.name for _, t in importer._plan]
        return len(names) == len(set(names)) and not {"status", SOURCE_STATUS} & set(names)

    def arrow_reading(self) -> ArrowReading:
        """How pages of these tickets are read by Arrow (their schema learned from the
        first page)."""
        from accord.io.importers.freshdesk_arrow import freshdesk_schema

        return ArrowReading(lambda typed: freshdesk_schema(self.imp, typed))

    def derive_table(
        self, table: pa.Table, rows: Sequence[int], records: Sequence[Any], tz: Any
    ) -> Derived:
        """:meth:`derive` of the tickets of an Arrow table (``records``: each one whole)."""
        from accord.io.importers.freshdesk_arrow import derive_table

        return derive_table(self, table, rows, records, tz)

    def _code(self, target: Any, raw: Any) -> int:
        """The code of a source value's canonical value in its field's table, ``_UNSET``
        when a creation leaves it out (None, empty), ``_FAILED`` when it does not convert."""
        try:
            v = canonical_value(self.imp.mapping, target, raw)
        except Exception:
            return _FAILED
        if v is None or v == ():
            return _UNSET
        values = self._names.get(target.name)
        if values is None:
            values = self._names[target.name] = Values()
        try:
            return values.code(tuple(v) if isinstance(v, list) else v)
        except TypeError:  # unhashable: its tickets go the row importer's way
            return _FAILED

    def derive(self, records: list[dict[str, Any]], rows: list[int], tz: Any) -> Derived:
        self._names: dict[str, Values] = {}  # the batch's value tables, by field
        imp = self.imp
        m = imp.mapping
        status_src = imp._status
        plan = self.plan
        P = len(plan)
        R = len(records)
        # per plan entry: exact key -> (value, kept) of its canonical value
        memos: list[dict[Any, Any]] = [{} for _ in range(P)]
        odd = [False] * R
        tid_of: list[str] = [""] * R
        current_of: list[str] = [""] * R
        plan_codes: list[int] = [_UNSET] * (R * P)  # each value's code (or unset, failed)
        dotted = ["." in source for source, _ in plan]  # read by ``dig``
        texts: list[str] = []  # creation, then stats, updated_at, conversations
        # per ticket: text index of its creation; dated stats (text index, code); updated_at
        created_at = [0] * R
        dated: list[list[tuple[int, str]]] = [[] for _ in range(R)]
        updated_at = [-1] * R
        # conversations: ticket, place, text index, id, actor, public
        c_rec: list[int] = []
        c_n: list[int] = []
        c_at: list[int] = []
        c_eid: list[str] = []
        c_actor: list[str] = []
        c_public: list[bool] = []
        initial_status = m.initial_status
        for r, t in enumerate(records):
            tid = _text(t.get("id"))
            created = t.get("created_at")
            current = _text(t.get(status_src))
            if tid is None or current is None or created.__class__ is not str:
                odd[r] = True
                continue
            marks = (len(texts), len(c_rec))
            bad = False
            base = r * P
            for k, (source, target) in enumerate(plan):
                raw = dig(t, source) if dotted[k] else t.get(source)
                cls = raw.__class__
                if raw is None or cls is str or cls is int or cls is bool:
                    key: Any = (cls, raw)
                else:
                    key = exact_key(raw)
                    if key is None:
                        bad = True
                        break
                got = memos[k].get(key)
                if got is None:
                    got = memos[k][key] = self._code(target, raw)
                if got == _FAILED:
                    bad = True
                    break
                plan_codes[base + k] = got
            if not bad:
                created_at[r] = len(texts)
                texts.append(created)
                stats = t.get("stats")
                if stats.__class__ is dict:
                    mine = dated[r]
                    for key, code in _STATS:
                        v = stats.get(key)
                        if v:
                            if v.__class__ is not str:
                                bad = True
                                break
                            mine.append((len(texts), code or current))
                            texts.append(v)
                    v = stats.get(_REOPENED)
                    if v and not bad:
                        if v.__class__ is not str:
                            bad = True
                        else:
                            mine.append((len(texts), initial_status or current))
                            texts.append(v)
                u = t.get("updated_at")
                if u.__class__ is str:
                    updated_at[r] = len(texts)
                    texts.append(u)
            if not bad:
                for n, c in enumerate(t.get("conversations") or ()):
                    at = c.get("created_at")
                    if at.__class__ is not str:
                        bad = True
                        break
                    c_rec.append(r)
                    c_n.append(n)
                    c_at.append(len(texts))
                    texts.append(at)
                    cid = c.get("id")
                    cid = _text(cid) if cid.__class__ in (str, int) else text_of(cid)
                    c_eid.append(f"freshdesk:{tid}:c{cid or n}")
                    c_actor.append("customer" if c.get("incoming") is True else "agent")
                    c_public.append(c.get("private") is not True)
            if bad:
                odd[r] = True
                t0, c0 = marks
                del texts[t0:]
                dated[r] = []
                updated_at[r] = -1
                del c_rec[c0:], c_n[c0:], c_at[c0:], c_eid[c0:], c_actor[c0:], c_public[c0:]
                continue
            tid_of[r] = tid
            current_of[r] = current
        return self.walk(
            _Pass(
                odd=odd, tid_of=tid_of, current_of=current_of, plan_codes=plan_codes,
                texts=texts, created_at=created_at, dated=dated, updated_at=updated_at,
                c_rec=c_rec, c_at=c_at, c_eid=c_eid, c_actor=c_actor, c_public=c_public,
            ),
            records,
            rows,
            tz,
        )  # fmt: skip

    def walk(self, p: _Pass, records: Sequence[Any], rows: Sequence[int], tz: Any) -> Derived:
        """The second part of :meth:`derive`, from the lists of its pass over the records
        (``self._names`` the batch's value tables): the instants read, each ticket's dated
        statuses walked, the events ordered and their columns made."""
        imp = self.imp
        m = imp.mapping
        plan = self.plan
        P = len(plan)
        R = len(p.odd)
        initial_status = m.initial_status
        odd, tid_of, current_of, plan_codes = p.odd, p.tid_of, p.current_of, p.plan_codes
        texts, created_at, dated, updated_at = p.texts, p.created_at, p.dated, p.updated_at
        c_rec, c_at, c_eid, c_actor, c_public = p.c_rec, p.c_at, p.c_eid, p.c_actor, p.c_public
        # ---- instants in columns
        instants = Instants(m, tz)
        t_ix, problems = instants.read_array(
            texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
        )
        ok_text = np.ones(len(t_ix), dtype=bool)
        if problems:
            ok_text[list(problems)] = False
        if not instants.arrays()[0].size:
            instants.add(datetime(1970, 1, 1))  # no instant read: an index to point at
        t_ix = np.where(t_ix < 0, 0, t_ix)
        _s, _u, _o, naive_i, wall_i, _off = instants.arrays()
        naive = naive_i[t_ix].tolist()
        wall = wall_i[t_ix].tolist()
        okl = ok_text.tolist()

        # ---- per ticket: the status walk on the instants' integers
        names = self._names

        def values(name: str) -> Values:
            got = names.get(name)
            if got is None:
                got = names[name] = Values()
            return got

        status_cache: dict[str, tuple[int, int] | None] = {}

        def status_codes(code: str) -> tuple[int, int] | None:
            got = status_cache.get(code, _FAIL)
            if got is _FAIL:
                try:
                    f = imp._status_fields(code)
                    got = (
                        values("status").code(f["status"]),
                        values(SOURCE_STATUS).code(f[SOURCE_STATUS]),
                    )
                except Exception:
                    got = None
                status_cache[code] = got
            return got  # type: ignore[no-any-return]

        ev_rec: list[int] = []
        ev_kind: list[int] = []
        ev_wall: list[int] = []
        ev_rank: list[int] = []
        ev_place: list[int] = []
        ev_ts: list[int] = []
        ev_eid: list[str | None] = []
        ev_status: list[tuple[int, int] | None] = []  # the status codes an event sets
        ev_conv: list[int] = []  # its conversation (-1: none)
        conv_of: list[list[int]] = [[] for _ in range(R)]
        for k, r in enumerate(c_rec):
            conv_of[r].append(k)
        for r in range(R):
            if odd[r]:
                continue
            ca = created_at[r]
            seen = [ca, *(i for i, _ in dated[r]), *(c_at[k] for k in conv_of[r])]
            if updated_at[r] >= 0:
                seen.append(updated_at[r])
            # an instant that does not read, or naive and aware mixed: the row importer's
            # (a stats text or updated_at is read only when the walk needs it: see below)
            if not okl[ca] or any(not okl[c_at[k]] for k in conv_of[r]):
                odd[r] = True
                continue
            kinds = {naive[i] for i in seen if okl[i]}
            if len(kinds) > 1:
                odd[r] = True
                continue
            current = current_of[r]
            initial = initial_status or current
            s0 = status_codes(initial)
            if s0 is None:
                odd[r] = True
                continue
            if any(not okl[i] for i, _ in dated[r]):
                odd[r] = True
                continue
            cw = wall[ca]
            events: list[tuple[int, int, int, int, str | None, tuple[int, int] | None, int]] = []
            events.append((cw, 0, 0, _CREATED, f"freshdesk:{tid_of[r]}", s0, ca))
            status = initial
            place = 1
            for i, code in sorted(dated[r], key=lambda x: wall[x[0]]):
                if code != status and wall[i] >= cw:
                    sc = status_codes(code)
                    if sc is None:
                        odd[r] = True
                        break
                    when = instants.dt(int(t_ix[i])).isoformat()
                    eid = f"freshdesk:{tid_of[r]}:s{code}@{when}"
                    events.append((wall[i], 1, place, _UPDATED, eid, sc, i))
                    place += 1
                    status = code
            if odd[r]:
                continue
            if status != current:
                i = updated_at[r]
                sc = status_codes(current)
                if i < 0 or not okl[i] or sc is None:
                    odd[r] = True
                    continue
                when = instants.dt(int(t_ix[i])).isoformat()
                eid = f"freshdesk:{tid_of[r]}:s{current}@{when}"
                events.append((wall[i], 1, place, _UPDATED, eid, sc, i))
                place += 1
            for k in conv_of[r]:
                w = wall[c_at[k]]
                events.append((w, 0 if w > cw else 2, place, _MESSAGE, None, None, k))
                place += 1
            events.sort(key=lambda x: (x[0], x[1], x[2]))
            for w, rank, pl, kd, ev_id, sc, i in events:
                ev_rec.append(r)
                ev_kind.append(kd)
                ev_wall.append(w)
                ev_rank.append(rank)
                ev_place.append(pl)
                ev_eid.append(ev_id)
                ev_status.append(sc)
                if kd == _MESSAGE:
                    ev_conv.append(i)
                    ev_ts.append(int(t_ix[c_at[i]]))
                else:
                    ev_conv.append(-1)
                    ev_ts.append(int(t_ix[i]))
        odd_list = [r for r in range(R) if odd[r]]
        E = len(ev_rec)
        rec = np.asarray(ev_rec, dtype=np.int64)
        counts = np.bincount(rec, minlength=R).astype(np.int64)
        if not E:
            return Derived(None, rec, counts, odd_list)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        place_in = np.arange(E, dtype=np.int64) - starts[rec]

        # ---- columns
        kinds_arr = np.asarray(ev_kind, dtype=np.int64)
        is_c = kinds_arr == _CREATED
        ids = [e if e is not None else c_eid[c] for e, c in zip(ev_eid, ev_conv, strict=True)]
        actor = pa.array([c_actor[c] if c >= 0 else None for c in ev_conv], pa.string())
        public = pa.array([c_public[c] if c >= 0 else None for c in ev_conv], pa.bool_())
        cols: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}

        def col(name: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
            got = cols.get(name)
            if got is None:
                got = cols[name] = (np.full(E, -1, dtype=np.int32), np.zeros(E, dtype=bool))
            return got

        doubt = np.zeros(E, dtype=bool)
        # the mapped fields of each creation (kept: not None, not empty)
        ce = np.flatnonzero(is_c)
        if P:
            table = np.asarray(plan_codes, dtype=np.int64).reshape(R, P)[rec[ce]]
            for k, (_, target) in enumerate(plan):
                codes, given = col(target.name)
                got = table[:, k]
                kept = got > _UNSET
                codes[ce[kept]] = got[kept]
                given[ce[kept]] = True
        sc_codes, sc_given = col("status")
        ss_codes, ss_given = col(SOURCE_STATUS)
        for e, sc in enumerate(ev_status):
            if sc is not None:
                sc_codes[e], ss_codes[e] = sc
                sc_given[e] = ss_given[e] = True
        ticket = pa.array(tid_of, pa.string()).take(pa.array(rec))
        cand = LazyCandidates(
            row=rec,
            ticket=ticket,
            event_id=pa.array(ids, pa.string()),
            kind=pa.array(_KINDS).take(pa.array(kinds_arr)),
            ts=np.asarray(ev_ts, dtype=np.int64),
            instants=instants,
            fields=[FieldColumn(name, values(name), *cols[name]) for name in cols],
            actor=actor,
            public=public,
            doubt=doubt,
        )
        cand.convert_with(imp, rows, records, rec, place_in)
        return Derived(cand, rec, counts, odd_list)


@dataclass
class _Pass:
    """What the pass over a batch's tickets gives :meth:`FreshdeskColumns.walk` (lists, or
    arrays where the Arrow pass has them)."""

    odd: list[bool]
    tid_of: list[str]
    current_of: list[str]
    plan_codes: Any  # each ticket's code of each plan entry (R * P), or ``_UNSET``/``_FAILED``
    texts: Any  # the instant texts (a list, or Arrow's)
    created_at: list[int]
    dated: list[list[tuple[int, str]]]
    updated_at: list[int]
    c_rec: list[int]
    c_at: list[int]
    c_eid: list[str]
    c_actor: list[str]
    c_public: list[bool]
