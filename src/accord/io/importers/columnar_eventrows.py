"""The columnar importer of logs of one event a row: the generic CSV (events) and the
process-mining CSV. What :class:`GenericCsvImporter` and :class:`ProcessMiningImporter` do
row by row, a block at a time:

- a row's own problems (ticket, instant, fields, status or activity; in the row importer's
  order) are found on each column's distinct values;
- a ticket's first kept row is its ``created`` event (generic CSV: when the row names no
  kind), later rows ``updated``; a message row with fields becomes the message then an
  update (generic CSV); an activity that is a message adds the message event, after the
  change on a ticket's first row and before it on later rows (process-mining);
- a row the validator refuses is not kept, so the next row of its ticket may be the first:
  the first refusal of each ticket is settled and the block derived again, until none is
  left.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.io.importers.base import as_bool
from accord.io.importers.columnar_checks import Candidates, FieldColumn, check_candidates
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_snapshot import BlockOutcome, SnapshotColumns, ticket_texts
from accord.io.importers.columnar_values import (
    I32,
    I64,
    NONE,
    BoolArray,
    Problems,
    Values,
    exclusive_count,
    first_in_group,
    per_distinct,
)
from accord.io.importers.csv_blocks import CsvBlock
from accord.io.importers.generic_csv import GenericCsvImporter
from accord.io.importers.mapping import ActivityRule
from accord.io.importers.process_mining import ACTIVITY_FIELD, ProcessMiningImporter
from accord.io.importers.tabular import SOURCE_STATUS, TabularImporter, status_category

_NO_FIELDS = ("message", "deleted")
_NULL_TEXT = pa.scalar(None, pa.string())
_NULL_BOOL = pa.scalar(None, pa.bool_())


class EventRowsColumns(SnapshotColumns):
    """The columnar form of a generic CSV (events) or process-mining importer."""

    def __init__(self, importer: TabularImporter, source: str) -> None:
        super().__init__(importer, source)  # type: ignore[arg-type]
        self.pm = isinstance(importer, ProcessMiningImporter)
        extra = [ACTIVITY_FIELD, "status", "assignee"] if self.pm else ["rating"]
        if self.pm:
            self.status_cols = ()
        names = [name for name, *_ in self.plan]
        if self.status_cols:
            names += ["status", SOURCE_STATUS]
        for x in extra:
            if x not in names:
                names.append(x)
        self.names = names
        for x in names:
            self.values.setdefault(x, Values())
        self.seq = 0

    # ------------------------------------------------------------------ the block

    def block(self, block: CsvBlock) -> BlockOutcome:
        m, n = self.m, block.table.num_rows
        probs = Problems(n)
        inst = Instants(m, self.tz)
        g, ts_ix = self._ticket_and_instant(block, n, probs, inst)
        codes: dict[str, I32] = {}
        row: dict[str, Any] = {}
        if self.pm:
            self._activity(block, n, probs, codes, row)
            for name, c in zip(self.plan_names, self._fields(block, n, probs), strict=True):
                codes[name] = c
        else:
            for name, c in zip(self.plan_names, self._fields(block, n, probs), strict=True):
                codes[name] = c
            if self.status_cols:
                sub = Problems(n)
                cat, nm = self._status(block, n, sub)
                c0 = per_distinct(block.column(self.status_cols[0]), n, self._pick)
                has = np.array([v is not None for v in c0[1]], dtype=bool)[c0[0]]
                for i in np.flatnonzero(has & (sub.at >= 0)).tolist():
                    probs.set(_one(n, i), sub.reasons[int(sub.at[i])])
                codes["status"] = np.where(has, cat, NONE).astype(np.int32)
                codes[SOURCE_STATUS] = np.where(has, nm, NONE).astype(np.int32)
            for role in ("kind", "actor", "public", "rating"):
                col = m.column(role)
                row[role] = per_distinct(block.column(col), n, partial(self._cell, role))
        eid_col = m.column("event_id")
        row["event_id"] = self._text_array(eid_col, block.column(eid_col), n)
        return self._derive_rows(block, g, ts_ix, codes, row, probs, inst)

    def _text_array(self, column: str | None, col: pa.Array | None, n: int) -> tuple[I32, pa.Array]:
        """:meth:`_texts` with the distinct texts left in Arrow, a null after them: a
        column of nearly distinct cells (event ids) is not made into Python strings."""
        if col is None or column is None:
            return np.zeros(n, dtype=np.int32), pa.nulls(1, pa.string())
        codes, dictionary, odd = self._cells_arrow(column, col, text=True)
        if odd or not pa.types.is_string(dictionary.type):
            values: list[Any] = dictionary.to_pylist()
            for i, v in odd.items():
                values[i] = v
            return codes, pa.array([*values, None], pa.string())
        return codes, pa.concat_arrays([dictionary, pa.nulls(1, pa.string())])

    @property
    def plan_names(self) -> list[str]:
        return [name for name, *_ in self.plan]

    def _pick(self, v: Any) -> Any:
        from accord.io.importers.base import pick

        return pick({"c": v}, self.m, "c")

    def _cell(self, role: str, v: Any) -> Any:
        return self.m.map_value(role, self._text(v))

    def _activity(
        self,
        block: CsvBlock,
        n: int,
        probs: Problems,
        codes: dict[str, I32],
        row: dict[str, Any],
    ) -> None:
        m = self.m
        imp = self.importer
        assert isinstance(imp, ProcessMiningImporter)
        acol = m.column("activity") or "activity"
        acodes, acts = self._texts(block.column(acol), n)
        rules: list[ActivityRule | None] = [None if a is None else imp.rule(a) for a in acts]
        bad: list[tuple[str, str] | None] = []
        for a, r in zip(acts, rules, strict=True):
            if a is None:
                bad.append((acol, "the activity is missing"))
            elif r is None and m.unmapped_activities == "quarantine":
                bad.append((acol, f"activity '{a}' is not in the mapping's activities"))
            else:
                bad.append(None)
        probs.add(acodes, bad)
        # the row importer counts the unlisted activities of rows that get this far
        reached = probs.at < 0
        unl = np.array([a is not None and r is None for a, r in zip(acts, rules, strict=True)])
        hits = np.bincount(acodes[reached & unl[acodes]], minlength=len(acts))
        for k in np.flatnonzero(hits).tolist():
            imp._unmapped[str(acts[k])] += int(hits[k])
        va, vs, vg = self.values[ACTIVITY_FIELD], self.values["status"], self.values["assignee"]
        act_code = np.array([va.code(a) for a in acts], dtype=np.int32)[acodes]
        st = []
        for r in rules:
            if r is not None and r.status is not None:
                st.append(vs.code(status_category(m, acol, r.status)))
            else:
                st.append(NONE)
        codes[ACTIVITY_FIELD] = act_code
        codes["status"] = np.array(st, dtype=np.int32)[acodes]
        rcodes, res = self._texts(block.column(m.column("resource")), n)
        assign = np.array([r is not None and r.assign for r in rules], dtype=bool)[acodes]
        res_code = np.array([vg.code(x) for x in res], dtype=np.int32)[rcodes]
        row["assign"] = assign & (res_code != NONE)
        row["assignee"] = res_code
        msg = [None if r is None else r.message for r in rules]
        row["message"] = np.array([x is not None for x in msg], dtype=bool)[acodes]
        actors = [None if x is None else x.actor.value for x in msg]
        publics = [None if x is None else x.public for x in msg]
        row["msg_actor"] = pa.array(actors, pa.string()).take(pa.array(acodes))
        row["msg_public"] = pa.array(publics, pa.bool_()).take(pa.array(acodes))

    # ------------------------------------------------------------------ events

    def _derive_rows(
        self,
        block: CsvBlock,
        g: I64,
        ts_ix: I64,
        codes: dict[str, I32],
        row: dict[str, Any],
        probs: Problems,
        inst: Instants,
    ) -> BlockOutcome:
        n = g.size
        local_ok = probs.at < 0
        failed: dict[int, tuple[str, str]] = {
            int(i): probs.reasons[int(probs.at[i])] for i in np.flatnonzero(~local_ok)
        }
        val_failed = np.zeros(n, dtype=bool)
        while True:
            out, new_fail, order = self._pass(
                block, g, ts_ix, codes, row, local_ok, val_failed, inst
            )
            if not new_fail:
                break
            seen: set[int] = set()
            for r in order.tolist():  # the rows in ticket order
                if r in new_fail and int(g[r]) not in seen:
                    seen.add(int(g[r]))
                    val_failed[r] = True
                    failed[r] = new_fail[r]
        out.failed = failed
        return out

    def _pass(  # type: ignore[override]  # another kind of log, another pass
        self,
        block: CsvBlock,
        g: I64,
        ts_ix: I64,
        codes: dict[str, I32],
        row: dict[str, Any],
        local_ok: BoolArray,
        val_failed: BoolArray,
        inst: Instants,
    ) -> tuple[BlockOutcome, dict[int, tuple[str, str]], I64]:
        tick = self.tickets
        n = g.size
        commit = local_ok & ~val_failed
        idx = np.flatnonzero(local_ok)
        srt = idx[np.argsort(g[idx], kind="stable")]
        gs = g[srt]
        starts = first_in_group(gs)
        before = exclusive_count(commit[srt], starts)
        first_s = ~tick.known[gs] & (before == 0)
        first = np.zeros(n, dtype=bool)
        first[srt] = first_s
        rows = idx  # rows in file order (``flatnonzero`` gives them sorted)
        fr = first[rows]
        # the fields each row sets (non-empty values), by name, in the row importer's order
        given: dict[str, BoolArray] = {}
        value: dict[str, I32] = {}
        for name in self.plan_names:
            c = codes[name][rows]
            vals = self.values[name]
            nonempty = np.array(
                [not (isinstance(v, tuple) and not v) for v in vals.values] + [False], dtype=bool
            )
            given[name] = np.where(c >= 0, nonempty[np.maximum(c, 0)], c != NONE)
            value[name] = c
        if self.pm:
            words: list[str | None] = ["created", "updated", "message"]
            kcode = np.where(fr, 0, 1)
            value[ACTIVITY_FIELD] = codes[ACTIVITY_FIELD][rows]
            given[ACTIVITY_FIELD] = np.ones(rows.size, dtype=bool)
            value["status"] = codes["status"][rows]
            given["status"] = value["status"] != NONE
            assign = row["assign"][rows]
            value["assignee"] = np.where(assign, row["assignee"][rows], value.get("assignee", 0))
            given["assignee"] = assign | given.get("assignee", np.zeros(rows.size, dtype=bool))
            message = row["message"][rows]
            n_ev = 1 + message.astype(np.int64)
            two = message
        else:
            if self.status_cols:
                for name in ("status", SOURCE_STATUS):
                    value[name] = codes[name][rows]
                    given[name] = value[name] != NONE
            kc, kv = row["kind"]
            kcell = [None if k is None else str(k) for k in kv]
            # the kind's codes: the cell's distinct values, then "created" and "updated"
            words = [*kcell, "created", "updated"]
            kcode = kc[rows].astype(np.int64)
            unset = np.array([k is None for k in kcell] + [True], dtype=bool)[kc[rows]]
            kcode = np.where(unset, np.where(fr, len(kcell), len(kcell) + 1), kcode)
            # judged per distinct word, not per row (object arrays of 2M texts are slow)
            low = [str(k).strip().lower() for k in words]
            rating = np.array([w == "rating" for w in low], dtype=bool)[kcode]
            rc, rv = row["rating"]
            rval = self.values["rating"]
            value["rating"] = np.array([rval.code(v) for v in rv] + [NONE], dtype=np.int32)[
                rc[rows]
            ]
            given["rating"] = rating
            has_fields = np.logical_or.reduce([given[k] for k in given]) if given else rating
            two = np.array([w in _NO_FIELDS for w in low], dtype=bool)[kcode] & has_fields
            n_ev = 1 + two.astype(np.int64)
        ev_rows = np.repeat(rows, n_ev)
        part = np.arange(ev_rows.size) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
        ev_of_row = np.repeat(np.arange(rows.size), n_ev)
        m_two = two[ev_of_row]
        if self.pm:
            first_e = fr[ev_of_row]
            # the message: second on a first row, first otherwise
            is_msg = m_two & np.where(first_e, part == 1, part == 0)
            is_change = ~is_msg
            ev_kind = np.where(is_msg, 2, kcode[ev_of_row])
            actor = pc.if_else(
                pa.array(is_msg), row["msg_actor"].take(pa.array(ev_rows)), _NULL_TEXT
            )
            public = pc.if_else(
                pa.array(is_msg), row["msg_public"].take(pa.array(ev_rows)), _NULL_BOOL
            )
            pub_codes, pubs = None, []
            eid = pa.nulls(ev_rows.size, pa.string())
        else:
            is_change = ~(m_two & (part == 0))  # the first of two events carries no fields
            ev_kind = np.where(m_two & (part == 1), len(words) - 1, kcode[ev_of_row])
            ac, av = row["actor"]
            pcode, pv = row["public"]
            base = ~(m_two & (part == 1))
            actor = pa.array(
                [None if a is None else str(a) for a in av] + [None], pa.string()
            ).take(pa.array(ac[ev_rows]))
            actor = pc.if_else(pa.array(base), actor, _NULL_TEXT)
            pubs = [as_bool(p) for p in pv]
            public_ok = all(p is None or isinstance(p, bool) for p in pubs)
            public = pa.array(
                [p if isinstance(p, bool) else None for p in pubs] + [None], pa.bool_()
            ).take(pa.array(pcode[ev_rows]))
            public = pc.if_else(pa.array(base), public, _NULL_BOOL)
            pub_codes = np.where(base, pcode[ev_rows], -1).astype(np.int64)
            pub_codes[pub_codes >= len(pubs)] = -1
            ec, ev = row["event_id"]
            ids = ev.take(pa.array(ec[ev_rows]))
            eid = pc.if_else(pa.array(base), ids, pc.binary_join_element_wise(ids, ":fields", ""))
        cols: list[FieldColumn] = []
        for name in self.names:
            if name not in given:
                continue
            cols.append(
                FieldColumn(
                    name,
                    self.values[name],
                    value[name][ev_of_row].astype(np.int32),
                    given[name][ev_of_row] & is_change,
                )
            )
        names = tick.names
        doubt = np.zeros(ev_rows.size, dtype=bool)
        if not self.pm and not public_ok:
            bad_pub = np.array([not (p is None or isinstance(p, bool)) for p in pubs] + [False])
            doubt |= bad_pub[pcode[ev_rows]] & base
        cand = Candidates(
            row=ev_rows.astype(np.int64),
            ticket=ticket_texts(names, g[ev_rows]),
            event_id=eid,
            kind=pa.array(words, pa.string()).take(pa.array(ev_kind)),
            ts=ts_ix[ev_rows].astype(np.int64),
            instants=inst,
            fields=cols,
            actor=actor,
            public=public,
            doubt=doubt,
            public_codes=pub_codes,
            public_values=pubs,
        )
        seq_of = self.seq + np.arange(ev_rows.size, dtype=np.int64)
        checked = check_candidates(
            cand,
            source=self.source,
            line_of=lambda r: int(block.rows[r]),
            seq_of=seq_of,
            tz=self.tz,
            skip_rows=val_failed,
        )
        new_fail = {r: why for r, why in checked.failed.items() if not val_failed[r]}
        order = srt
        if new_fail:
            empty = BlockOutcome(checked.events, np.zeros(0, np.int64), np.zeros(0, np.int64))
            return empty, new_fail, order
        events = checked.events
        ev_index = checked.event_index
        events = events.set_column(
            events.schema.get_field_index("seq"), "seq", pa.array(seq_of[ev_index])
        )
        self.seq += int(ev_rows.size)
        kept = commit[srt]
        tick.known[gs[kept]] = True
        return BlockOutcome(events, ev_rows[ev_index], g[ev_rows[ev_index]], {}, 0, 0), {}, order


def _one(n: int, i: int) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[i] = True
    return out


def event_rows_supported(importer: TabularImporter) -> bool:
    if isinstance(importer, ProcessMiningImporter):
        return type(importer).convert is ProcessMiningImporter.convert
    if isinstance(importer, GenericCsvImporter):
        return (
            not importer.mapping.snapshot and type(importer).convert is GenericCsvImporter.convert
        )
    return False


__all__ = ["Counter", "EventRowsColumns", "event_rows_supported"]
