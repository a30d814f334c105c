"""Jira issues converted in columns: a batch of issues (trimmed dicts from the page reader)
becomes the columnar check's candidates without a datetime, a parts tuple or a fields dict
per event.

One pass of Python pulls each issue's texts and values into flat lists (its key, the
mapped fields now, each history's instant and mapped items, each comment's instant, author
and visibility); the rest is array work: every instant text is read by the compiled ISO
reader (:class:`~accord.io.importers.columnar_instants.Instants`), the values at creation
are found by ordering the history items (the walk back of
:meth:`JiraImporter.convert_parts`: the earliest history that changed a field gives its
``from``), the events are ordered per issue by (instant, rank, place) as the row importer
sorts them, and each field's canonical value is taken by code from a table of the batch's
distinct source values (converted once an import: the importer's own memo).

Pages read by Arrow (:mod:`~accord.io.importers.json_arrow`) skip the Python pass: their
table gives the same lists by array operations (:mod:`~accord.io.importers.jira_arrow`,
``derive_table``), and the rest is shared.

An issue the arrays cannot decide as plainly — a key that is not plain text, an instant the
mapping does not read (or naive and aware instants mixed), a value with no exact key (a
float, an object), a value whose conversion fails, a changelog or comment list cut short,
any shape out of the ordinary — is returned as *odd*: the caller converts it with
:meth:`JiraImporter.convert_parts`, the row importer's code, so its outcome is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.events import FieldValue
from accord.io.importers.base import text_of
from accord.io.importers.columnar_checks import FieldColumn
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_json_derived import Derived, LazyCandidates, kind_column
from accord.io.importers.columnar_order import lexsort_grouped
from accord.io.importers.columnar_values import I64, Values
from accord.io.importers.jira import JiraImporter
from accord.io.importers.jira import _object_value as jira_object_value
from accord.io.importers.json_arrow import ArrowReading
from accord.io.importers.mapping import ISO
from accord.io.importers.memo import MEMO, exact_key
from accord.io.importers.tabular import SOURCE_STATUS

_CREATED, _UPDATED, _MESSAGE = 0, 1, 2  # places in ``columnar_json_derived.KINDS``
# the keys ``_object_value`` reads an object's identity from, in order (then ``id``)
_USER_KEYS = ("accountId", "name", "key", "emailAddress")
_OBJECT_KEYS = ("name", "value", "key")
_FAILED: list[tuple[str, FieldValue]] = []  # marks a source value whose conversion fails


class JiraColumns:
    """The columnar conversion of one importer's issues (its memo of canonical values is
    the importer's own)."""

    def __init__(self, importer: JiraImporter) -> None:
        self.imp = importer
        self.sources = [s for s, _ in importer._now_sources]
        self.src_index = {s: k for k, s in enumerate(self.sources)}
        self.users = [u for _, u in importer._now_sources]

    @staticmethod
    def usable(importer: JiraImporter) -> bool:
        """Whether this mapping's issues may be converted in columns: instants read as ISO
        8601 first (the compiled reader), no two sources giving one canonical field (the
        last would win in the row importer's dict), ``comment`` not a mapped source."""
        if importer.mapping.timestamp_format[0] != ISO:
            return False
        names: list[str] = ["status", SOURCE_STATUS]
        for targets in importer._targets.values():
            names.extend(t.name for t in targets)
        sources = {s for s, _ in importer._now_sources}
        return len(names) == len(set(names)) and "comment" not in sources

    def arrow_reading(self) -> ArrowReading:
        """How pages of these issues are read by Arrow (their schema learned from the
        first page)."""
        from accord.io.importers.jira_arrow import jira_schema

        return ArrowReading(lambda typed: jira_schema(self.imp, typed))

    def derive_table(
        self, table: pa.Table, rows: Sequence[int], records: Sequence[Any], tz: Any
    ) -> Derived:
        """:meth:`derive` of the issues of an Arrow table (``records``: each one whole)."""
        from accord.io.importers.jira_arrow import derive_table

        return derive_table(self, table, rows, records, tz)

    # ------------------------------------------------------------------ one batch

    def derive(self, records: list[dict[str, Any]], rows: list[int], tz: Any) -> Derived:
        """The candidates of ``records`` (``rows``: their source rows), the odd ones left
        out. One pass of Python, kept in one function: it is the conversion's hot loop."""
        imp = self.imp
        created_src, reporter_src = imp._created, imp._reporter
        now_sources = imp._now_sources
        object_value = jira_object_value
        source_of, actor_of = imp._source_of, imp._actor
        lowered = imp._lowered
        n_src = len(self.sources)
        src_index = self.src_index
        users = self.users
        tags = [s in imp._tag_sources for s in self.sources]
        # per source: its batch codes of exact keys (texts apart: the usual case, keyed by
        # themselves), and each code's value
        keys: list[dict[Any, int]] = [{} for _ in range(n_src)]
        by_text: list[dict[str, int]] = [{} for _ in range(n_src)]
        vals: list[list[Any]] = [[] for _ in range(n_src)]

        def code(s: int, v: Any) -> int:
            cls = v.__class__
            if cls is str:
                got = by_text[s].get(v)
                if got is None:
                    got = by_text[s][v] = len(vals[s])
                    vals[s].append(v)
                return got
            if v is None or cls is int or cls is bool:
                k: Any = (cls, v)
            else:
                k = exact_key(v)
                if k is None:
                    return -1
            got = keys[s].get(k)
            if got is None:
                got = keys[s][k] = len(vals[s])
                vals[s].append(v)
            return got

        R = len(records)
        odd = [False] * R
        rec_key: list[str] = [""] * R
        now: list[int] = [-1] * (R * n_src)
        created_texts: list[str] = [""] * R
        # histories: record, place (negative: no mapped item), instant text, event id
        h_rec: list[int] = []
        h_n: list[int] = []
        h_text: list[str] = []
        h_eid: list[str] = []
        # mapped items: history, source, from code, to code
        i_hist: list[int] = []
        i_src: list[int] = []
        i_from: list[int] = []
        i_to: list[int] = []
        # comments: record, place, instant text, event id, actor, public
        c_rec: list[int] = []
        c_n: list[int] = []
        c_text: list[str] = []
        c_eid: list[str] = []
        c_actor: list[str] = []
        c_public: list[bool] = []
        n_hist = [0] * R
        for r, issue in enumerate(records):
            key = issue.get("key")
            fields = issue.get("fields")
            if key.__class__ is not str or fields.__class__ is not dict:
                odd[r] = True
                continue
            kt = key.strip()
            created = fields.get(created_src)
            changelog = issue.get("changelog") or {}
            histories = changelog.get("histories") or []
            total = changelog.get("total")
            comment = fields.get("comment") or {}
            comments = comment.get("comments") or []
            ctotal = comment.get("total")
            if (
                not kt
                or created.__class__ is not str
                or (isinstance(total, int) and total > len(histories))
                or (isinstance(ctotal, int) and ctotal > len(comments))
            ):
                odd[r] = True
                continue
            marks = (len(h_rec), len(i_hist), len(c_rec))
            bad = False
            base = r * n_src
            for k, (name, user) in enumerate(now_sources):
                v = fields.get(name)
                if v.__class__ is dict:  # ``_object_value`` of an object, inlined
                    obj = v
                    for kk in _USER_KEYS if user else _OBJECT_KEYS:
                        v = obj.get(kk)
                        if v is not None:
                            break
                    else:
                        v = obj.get("id")
                elif v.__class__ is list and not all(x.__class__ is str for x in v):
                    # (a list of texts is its own value: coded by its texts as it is)
                    v = object_value(v, user)
                c = by_text[k].get(v) if v.__class__ is str else None
                if c is None:
                    c = code(k, v)
                    if c < 0:
                        bad = True
                        break
                now[base + k] = c
            created_texts[r] = created
            n_hist[r] = len(histories)
            if not bad:
                for n, h in enumerate(histories):
                    at = h.get("created")
                    if at.__class__ is not str:
                        bad = True
                        break
                    mapped = False
                    for item in h.get("items") or ():
                        fid = item.get("fieldId")
                        source = lowered.get(fid) if fid.__class__ is str else None
                        if source is None:
                            source = source_of(item)  # (another spelling, or none)
                            if source is None:
                                continue
                        s = src_index[source]
                        # ``JiraImporter._item_value`` of both sides
                        vf = item.get("fromString")
                        vt = item.get("toString")
                        if users[s] and (x := item.get("from")) is not None:
                            vf = x
                        elif tags[s] and vf.__class__ is str:
                            vf = vf.split()  # Jira lists labels separated by spaces
                        if users[s] and (x := item.get("to")) is not None:
                            vt = x
                        elif tags[s] and vt.__class__ is str:
                            vt = vt.split()
                        bt = by_text[s]
                        cf = bt.get(vf) if vf.__class__ is str else None
                        if cf is None:
                            cf = code(s, vf)
                        ct = bt.get(vt) if vt.__class__ is str else None
                        if ct is None:
                            ct = code(s, vt)
                        if cf < 0 or ct < 0:
                            bad = True
                            break
                        mapped = True
                        i_hist.append(len(h_rec))
                        i_src.append(s)
                        i_from.append(cf)
                        i_to.append(ct)
                    if bad:
                        break
                    # a history without a mapped item still orders the walk back: kept
                    h_rec.append(r)
                    h_n.append(n if mapped else -1 - n)
                    h_text.append(at)
                    hid = h.get("id")
                    hid = (hid.strip() or None) if hid.__class__ is str else text_of(hid)
                    h_eid.append(f"jira:{kt}:h{hid or n}")
            if not bad and comments:
                reporter = text_of(object_value(fields.get(reporter_src), True))
                for n, c in enumerate(comments):
                    at = c.get("created")
                    if at.__class__ is not str:
                        bad = True
                        break
                    author = c.get("author")
                    c_rec.append(r)
                    c_n.append(n)
                    c_text.append(at)
                    cid = c.get("id")
                    cid = (cid.strip() or None) if cid.__class__ is str else text_of(cid)
                    c_eid.append(f"jira:{kt}:c{cid or n}")
                    kind = author.get("accountType") if author.__class__ is dict else None
                    if kind == "customer":
                        c_actor.append("customer")
                    elif kind == "app":
                        c_actor.append("system")
                    else:
                        c_actor.append(
                            actor_of(author if isinstance(author, dict) else {}, reporter)
                        )
                    c_public.append(c.get("jsdPublic") is not False)
            if bad:
                odd[r] = True
                h0, i0, c0 = marks
                del h_rec[h0:], h_n[h0:], h_text[h0:], h_eid[h0:]
                del i_hist[i0:], i_src[i0:], i_from[i0:], i_to[i0:]
                del c_rec[c0:], c_n[c0:], c_text[c0:], c_eid[c0:], c_actor[c0:], c_public[c0:]
                continue
            rec_key[r] = kt
        H = len(h_rec)
        return self._arrays(
            locals_=_Lists(
                R=R, odd=odd, rec_key=rec_key,
                now=np.asarray(now, dtype=np.int64).reshape(R, n_src),
                texts=created_texts + h_text + c_text,
                text_rec=[*range(R), *h_rec, *c_rec],
                h_rec=h_rec, h_n=h_n, h_at=list(range(R, R + H)), h_eid=h_eid,
                i_hist=i_hist, i_src=i_src, i_from=i_from, i_to=i_to, c_rec=c_rec, c_n=c_n,
                c_at=list(range(R + H, R + H + len(c_rec))), c_eid=c_eid, c_actor=c_actor,
                c_public=c_public, created_at=list(range(R)), n_hist=n_hist, vals=vals,
            ),
            records=records,
            rows=rows,
            tz=tz,
        )  # fmt: skip

    # ------------------------------------------------------------------ arrays

    def _arrays(self, locals_: _Lists, records: Sequence[Any], rows: list[int], tz: Any) -> Derived:
        L = locals_
        imp = self.imp
        R = L.R
        odd = np.asarray(L.odd, dtype=bool)
        if not len(L.texts):  # every issue odd (each other one has its creation's instant)
            return Derived(
                None, np.zeros(0, dtype=np.int64), np.zeros(R, dtype=np.int64), list(range(R))
            )
        instants = Instants(imp.mapping, tz)
        t_ix, problems = instants.read_array(
            L.texts if isinstance(L.texts, pa.Array) else pa.array(L.texts, pa.string())
        )
        text_rec = np.asarray(L.text_rec, dtype=np.int64)
        if problems:  # an instant the mapping does not read: the row importer raises it
            odd[text_rec[list(problems)]] = True
        if not instants.arrays()[0].size:
            instants.add(datetime(1970, 1, 1))  # no instant read: an index to point at
        _sec, _us, _ok, naive_i, wall_i, _off = instants.arrays()
        t_ix = np.where(t_ix < 0, 0, t_ix)
        naive = naive_i[t_ix]
        wall = wall_i[t_ix]
        # naive and aware instants in one issue compare as the row importer cannot: odd
        if text_rec.size:
            lo = np.full(R, 2, dtype=np.int64)
            hi = np.full(R, -1, dtype=np.int64)
            np.minimum.at(lo, text_rec, naive.astype(np.int64))
            np.maximum.at(hi, text_rec, naive.astype(np.int64))
            odd |= (hi >= 0) & (lo != hi)

        # ---- canonical values of the batch's distinct source values (the importer's memo)
        n_src = len(self.sources)
        names: dict[str, Values] = {}
        # per source: per code, (name, value code, kept at creation) of each field
        tables: list[list[list[tuple[str, int, bool]] | None]] = []
        for s in range(n_src):
            table: list[list[tuple[str, int, bool]] | None] = []
            for v in L.vals[s]:
                got = self._canonical(self.sources[s], v)
                if got is None:
                    table.append(None)
                    continue
                out: list[tuple[str, int, bool]] = []
                for name, fv in got:
                    values = names.get(name)
                    if values is None:
                        values = names[name] = Values()
                    cv = tuple(fv) if isinstance(fv, list) else fv
                    try:
                        vc = values.code(cv)
                    except TypeError:  # unhashable: its issues go the row importer's way
                        break
                    out.append((name, vc, fv is not None and fv != ()))
                table.append(out if len(out) == len(got) else None)
            tables.append(table)
        failing = [np.asarray([t is None for t in tables[s]], dtype=bool) for s in range(n_src)]

        # ---- the walk back: the earliest history changing a source gives its initial value
        h_rec = np.asarray(L.h_rec, dtype=np.int64)
        h_n = np.asarray(L.h_n, dtype=np.int64)
        h_place = np.where(h_n < 0, -1 - h_n, h_n)
        h_wall = wall[np.asarray(L.h_at, dtype=np.int64)] if h_rec.size else h_rec
        i_hist = np.asarray(L.i_hist, dtype=np.int64)
        i_src = np.asarray(L.i_src, dtype=np.int64)
        i_from = np.asarray(L.i_from, dtype=np.int64)
        i_to = np.asarray(L.i_to, dtype=np.int64)
        i_rec = h_rec[i_hist] if i_hist.size else i_hist
        init = L.now.copy()
        if i_hist.size:
            pos = np.arange(i_hist.size, dtype=np.int64)
            # by issue, source, then histories in time order (then place), the last item
            # of a history first: the first of each group is the value at creation
            order = lexsort_grouped((-pos, h_place[i_hist], h_wall[i_hist], i_src), i_rec)
            g_rec, g_src = i_rec[order], i_src[order]
            first = np.ones(order.size, dtype=bool)
            first[1:] = (g_rec[1:] != g_rec[:-1]) | (g_src[1:] != g_src[:-1])
            pick = order[first]
            init[i_rec[pick], i_src[pick]] = i_from[pick]
            # a source value that fails its conversion fails its issue (the row importer
            # raises it); so does one changed to at a history
            for s in range(n_src):
                fs = failing[s]
                if fs.any():
                    on = i_src == s
                    bad_to = on & fs[np.where(on, i_to, 0)]
                    odd[i_rec[bad_to]] = True
        for s in range(n_src):
            fs = failing[s]
            if fs.any():
                odd |= (init[:, s] >= 0) & fs[np.maximum(init[:, s], 0)]
        # the last item of each history for a source is its value after it (a dict's last)
        if i_hist.size:
            order = lexsort_grouped((np.arange(i_hist.size), i_src), i_hist)
            last = np.ones(order.size, dtype=bool)
            last[:-1] = (i_hist[order][1:] != i_hist[order][:-1]) | (
                i_src[order][1:] != i_src[order][:-1]
            )
            chg = order[last]  # (history, source) pairs, the item giving the value
        else:
            chg = i_hist

        # ---- the events: creation, histories with a mapped item, comments
        good = ~odd
        recs_ok = np.flatnonzero(good)
        created_at = np.asarray(L.created_at, dtype=np.int64)
        c_rec = np.asarray(L.c_rec, dtype=np.int64)
        c_at = np.asarray(L.c_at, dtype=np.int64)
        h_keep = (h_n >= 0) & good[h_rec] if h_rec.size else np.zeros(0, dtype=bool)
        c_keep = good[c_rec] if c_rec.size else np.zeros(0, dtype=bool)
        hk = np.flatnonzero(h_keep)
        ck = np.flatnonzero(c_keep)
        n_hist = np.asarray(L.n_hist, dtype=np.int64)
        c_wall = wall[c_at[ck]] if ck.size else np.zeros(0, dtype=np.int64)
        cr_wall = wall[created_at]
        # a comment comes before a change at its instant, after the creation at its own
        c_rank = np.where(c_wall > cr_wall[c_rec[ck]], 0, 2)
        ev_rec = np.concatenate([recs_ok, h_rec[hk], c_rec[ck]])
        ev_kind = np.concatenate(
            [
                np.full(recs_ok.size, _CREATED, dtype=np.int64),
                np.full(hk.size, _UPDATED, dtype=np.int64),
                np.full(ck.size, _MESSAGE, dtype=np.int64),
            ]
        )
        ev_src = np.concatenate([recs_ok, hk, ck])  # index in its own lists
        ev_wall = np.concatenate([cr_wall[recs_ok], h_wall[hk], c_wall])
        ev_rank = np.concatenate(
            [np.zeros(recs_ok.size, dtype=np.int64), np.ones(hk.size, dtype=np.int64), c_rank]
        )
        ev_place = np.concatenate(
            [
                np.zeros(recs_ok.size, dtype=np.int64),
                1 + h_place[hk],
                1 + n_hist[c_rec[ck]] + np.asarray(L.c_n, dtype=np.int64)[ck],
            ]
        )
        order = lexsort_grouped((ev_place, ev_rank, ev_wall), ev_rec)
        ev_rec, ev_kind, ev_src = ev_rec[order], ev_kind[order], ev_src[order]
        E = int(order.size)
        counts = np.bincount(ev_rec, minlength=R).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        place = np.arange(E, dtype=np.int64) - starts[ev_rec]
        if not E:
            return Derived(None, ev_rec, counts, np.flatnonzero(odd).tolist())

        is_c = ev_kind == _CREATED
        is_h = ev_kind == _UPDATED
        is_m = ev_kind == _MESSAGE
        # texts: keys, ids, kinds, actors: Arrow arrays in the order the events were listed
        # (creations, histories, comments), then taken in the events' order
        take = pa.array(order)
        keys = _text_array(L.rec_key)
        ticket = keys.take(pa.array(ev_rec))
        nc = recs_ok.size
        no_text = pa.nulls(nc + hk.size, pa.string())
        ids = pa.concat_arrays(
            [
                pc.binary_join_element_wise("jira:", keys.take(pa.array(recs_ok)), ""),
                _text_array(L.h_eid).take(pa.array(hk)),
                _text_array(L.c_eid).take(pa.array(ck)),
            ]
        ).take(take)
        kind = kind_column(ev_kind)
        actor_arr = pa.concat_arrays([no_text, _text_array(L.c_actor).take(pa.array(ck))]).take(
            take
        )
        public = pa.concat_arrays(
            [
                pa.nulls(nc + hk.size, pa.bool_()),
                pa.array(L.c_public, pa.bool_()).take(pa.array(ck)),
            ]
        ).take(take)
        ts = np.empty(E, dtype=np.int64)
        ts[is_c] = t_ix[created_at[ev_rec[is_c]]]
        if is_h.any():
            ts[is_h] = t_ix[np.asarray(L.h_at, dtype=np.int64)[ev_src[is_h]]]
        if is_m.any():
            ts[is_m] = t_ix[c_at[ev_src[is_m]]]

        # ---- fields: created events from the values at creation, updates from their items
        cols: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {
            name: (np.full(E, -1, dtype=np.int32), np.zeros(E, dtype=bool)) for name in names
        }
        doubt = np.zeros(E, dtype=bool)
        ce = np.flatnonzero(is_c)
        any_given = np.zeros(E, dtype=bool)
        h_ev = np.flatnonzero(is_h)
        ev_of_hist = np.full(h_rec.size, -1, dtype=np.int64)  # the event of each history
        ev_of_hist[ev_src[h_ev]] = h_ev
        for s in range(n_src):
            table = tables[s]
            per_name: dict[str, tuple[list[int], list[bool]]] = {}
            for entry in table:
                for name, _vc, _keep in entry or ():
                    per_name.setdefault(name, ([-1] * len(table), [False] * len(table)))
            for k, entry in enumerate(table):
                for name, vc, keep in entry or ():
                    per_name[name][0][k] = vc
                    per_name[name][1][k] = keep
            if not per_name:
                continue
            c_codes = init[ev_rec[ce], s]
            pairs = chg[i_src[chg] == s] if chg.size else chg
            pe = ev_of_hist[i_hist[pairs]] if pairs.size else pairs
            for name, (vcs, keeps) in per_name.items():
                vca = np.asarray(vcs, dtype=np.int32)
                kpa = np.asarray(keeps, dtype=bool)
                codes, given = cols[name]
                g = kpa[c_codes]
                codes[ce[g]] = vca[c_codes[g]]
                given[ce[g]] = True
                any_given[ce[g]] = True
                if pairs.size:
                    ok = pe >= 0  # (a history of an odd issue has no event)
                    codes[pe[ok]] = vca[i_to[pairs][ok]]
                    given[pe[ok]] = True
        doubt[ce] |= ~any_given[ce]  # an empty "fields": the row importer's check words it
        rows_arr = np.asarray(rows, dtype=np.int64)
        cand = LazyCandidates(
            row=ev_rec,
            ticket=ticket,
            event_id=ids,
            kind=kind,
            ts=ts,
            instants=instants,
            fields=[FieldColumn(name, names[name], *cols[name]) for name in names],
            actor=actor_arr,
            public=public,
            doubt=doubt,
        )
        cand.convert_with(imp, rows_arr, records, ev_rec, place)
        return Derived(cand, ev_rec, counts, np.flatnonzero(odd).tolist())

    def _canonical(self, source: str, value: Any) -> list[tuple[str, FieldValue]] | None:
        """The canonical fields of one source value (the importer's memo), ``None`` when
        its conversion fails."""
        memo = self.imp._fields
        k = (source, exact_key(value))
        got = memo.get(k)
        if got is None:
            try:
                got = self.imp._canonical_of(source, value)
            except Exception:
                return None
            if len(memo) >= MEMO:
                memo.clear()
            memo[k] = got
        return got


def _text_array(texts: list[str] | pa.Array) -> pa.Array:
    return texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())


@dataclass
class _Lists:
    R: int
    odd: list[bool]
    rec_key: list[str] | pa.Array  # (lists from ``derive``, Arrow's from ``jira_arrow``)
    now: I64
    texts: list[str] | pa.Array  # (Arrow's: from ``jira_arrow``)
    text_rec: list[int]
    h_rec: list[int]
    h_n: list[int]
    h_at: list[int]
    h_eid: list[str] | pa.Array
    i_hist: list[int]
    i_src: list[int]
    i_from: list[int]
    i_to: list[int]
    c_rec: list[int]
    c_n: list[int]
    c_at: list[int]
    c_eid: list[str] | pa.Array
    c_actor: list[str] | pa.Array
    c_public: list[bool]
    created_at: list[int]
    n_hist: list[int]
    vals: list[list[Any]]
