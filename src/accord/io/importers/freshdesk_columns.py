"""Freshdesk tickets converted in columns, as :mod:`~accord.io.importers.jira_columns` does
Jira issues: one Python pass pulls each ticket's id, status, mapped values and instant texts
into lists; the instants are read by the compiled ISO reader; each ticket's dated statuses
(``stats``) are walked on the instants' integers; the events are ordered per ticket and
their fields coded with array operations.

The walk is array work (:mod:`~accord.io.importers.freshdesk_walk`); pages read by Arrow
skip the Python pass, their table giving its lists (:mod:`~accord.io.importers.freshdesk_arrow`).

A ticket the arrays cannot decide as plainly (an id or status that is not plain text or a
whole number, an instant that does not read or naive and aware ones mixed, a value with no
exact key or whose conversion fails) is odd: the caller converts it with
:meth:`FreshdeskImporter.convert_parts`, so its outcome is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from accord.io.importers.base import canonical_value, dig, text_of
from accord.io.importers.columnar_json_derived import Derived
from accord.io.importers.columnar_values import Values
from accord.io.importers.freshdesk import _REOPENED, _STATS, FreshdeskImporter
from accord.io.importers.json_arrow import ArrowReading
from accord.io.importers.mapping import ISO
from accord.io.importers.memo import exact_key
from accord.io.importers.tabular import SOURCE_STATUS

_UNSET, _FAILED = -100, -101  # below every value code (NONE -1, NAN -2)


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
        statuses walked, the events ordered and their columns made
        (:mod:`~accord.io.importers.freshdesk_walk`)."""
        from accord.io.importers.freshdesk_walk import walk

        return walk(self, p, records, rows, tz)


@dataclass
class _Pass:
    """What the pass over a batch's tickets gives :meth:`FreshdeskColumns.walk` (lists, or
    arrays where the Arrow pass has them)."""

    odd: list[bool]
    tid_of: Any  # a list of texts, or Arrow's ("" for an odd ticket)
    current_of: Any
    plan_codes: Any  # each ticket's code of each plan entry (R * P), or ``_UNSET``/``_FAILED``
    texts: Any  # the instant texts (a list, or Arrow's)
    created_at: list[int]
    dated: Any  # per ticket (text index, status) pairs, or ``DatedStatuses``
    updated_at: list[int]
    c_rec: list[int]
    c_at: list[int]
    c_eid: Any  # lists, or Arrow arrays
    c_actor: Any
    c_public: Any
