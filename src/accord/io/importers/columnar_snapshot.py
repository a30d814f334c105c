"""The columnar importer of snapshot logs (ServiceNow, BPIC 2013, generic CSV with
``snapshot: true``): each row is a ticket's whole state; a block of rows becomes events by
comparing each row with the ticket's previous accepted row, a column at a time.

It does what :class:`~accord.io.importers.tabular.SnapshotImporter` does row by row, and the
tests hold the two equal event for event:

- a row's own problems (ticket, instant, status, a custom value; in the row importer's
  order) are found on each column's distinct values;
- rows are grouped by ticket (a stable sort: file order within a ticket); a ticket's first
  row that is kept makes its ``created`` event (and, with ``initial_status``, the move to
  the row's status), each later one an ``updated`` event with the fields whose code differs
  from the previous kept row's, or no event;
- what depends on which rows were kept (a first row's ``created_at``, an event the validator
  refuses) is settled ticket by ticket: the first such failure of each ticket is quarantined
  and the block derived again, until none is left (one pass when the block is clean);
- what a ticket carries into the next block (its last kept state, how many rows were kept,
  its highest update number) is kept per ticket, as the row importer keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.events import FieldValue
from accord.io.importers.base import RowError, pick, text_of
from accord.io.importers.columnar_checks import Candidates, FieldColumn, check_candidates
from accord.io.importers.columnar_instants import Instants
from accord.io.importers.columnar_values import (
    I32,
    I64,
    NAN,
    NONE,
    BoolArray,
    Problems,
    Values,
    cells,
    cells_arrow,
    exclusive_count,
    first_in_group,
    last_before,
    per_distinct,
    prefix_max_before,
    small_unique,
)
from accord.io.importers.csv_blocks import CsvBlock
from accord.io.importers.tabular import (
    SOURCE_STATUS,
    STATUS_JOIN,
    SnapshotImporter,
    _order,
    flat_value,
    status_category,
)

Cleaned = tuple[int, tuple[str, str] | None]  # a cell's code, or its problem


class Tickets:
    """Per ticket (by a number given on first sight): what the row importer remembers."""

    def __init__(self, n_fields: int) -> None:
        self.ids: dict[str | None, int] = {}  # None never a key: looked up with the rest
        self.names: list[str] = []
        self.known = np.zeros(0, dtype=bool)  # has a kept row
        self.rows = np.zeros(0, dtype=np.int64)  # kept rows so far
        self.last = np.zeros((n_fields, 0), dtype=np.int32)  # the last kept state's codes
        self.tops: list[tuple[int, str] | None] = []  # the highest update number kept

    def numbers(self, names: list[str | None]) -> I64:
        """The number of each of these names (-1 for ``None``), new ones numbered in order
        of first sight: the dictionary looked up in one ``map``, not a call a name."""
        got = list(map(self.ids.get, names))
        # cleaned names may repeat (" INC1" and "INC1"): each new one numbered once
        unseen = (t for t, x in zip(names, got, strict=True) if x is None)
        new = [t for t in dict.fromkeys(unseen) if t is not None]
        if new:
            base = len(self.names)
            self.ids.update(zip(new, range(base, base + len(new)), strict=True))
            self.names.extend(new)
            self.tops.extend([None] * len(new))
            got = list(map(self.ids.get, names))
        return np.array([-1 if x is None else x for x in got], dtype=np.int64)

    def grow(self) -> None:
        n = len(self.names)
        have = self.known.size
        if n <= have:
            return
        cap = max(n, 2 * have, 1024)
        self.known = np.concatenate([self.known, np.zeros(cap - have, dtype=bool)])
        self.rows = np.concatenate([self.rows, np.zeros(cap - have, dtype=np.int64)])
        pad = np.full((self.last.shape[0], cap - have), NONE, dtype=np.int32)
        self.last = np.concatenate([self.last, pad], axis=1)


@dataclass
class BlockOutcome:
    """A block's accepted events and the fate of its rows."""

    events: pa.Table  # in order, ``seq`` already the import's
    event_rows: I64  # the block row of each event
    event_tickets: I64  # the ticket number of each event
    failed: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (field, reason)
    unchanged: int = 0
    seq_used: int = 0


class SnapshotColumns:
    """The columnar form of one :class:`SnapshotImporter` and its memory across blocks."""

    def __init__(self, importer: SnapshotImporter, source: str) -> None:
        self.importer = importer
        self.m = m = importer.mapping
        self.source = source
        self.tz = m.tz()
        self.plan = m.field_plan
        self.status_cols = m.role("status")
        names = [name for name, *_ in self.plan]
        if self.status_cols:
            names += ["status", SOURCE_STATUS]
        self.names = names
        self.values = {name: Values() for name in names}
        self.tickets = Tickets(len(names))
        self._many: dict[str, bool] = {}  # per column: its cells nearly all distinct
        self.seq = 0
        self._ranked: list[tuple[int, str]] = []
        self._cleaned: dict[str, dict[tuple[type, Any], Cleaned]] = {}

    # ------------------------------------------------------------------ row-local values

    def _text(self, v: Any) -> str | None:
        return text_of(pick({"c": v}, self.m, "c"))

    def _texts(self, col: pa.Array | None, n: int) -> tuple[I32, list[str | None]]:
        """``text_of(pick(cell))`` of each distinct cell, and each row's index."""
        return cells(col, n, self.m.missing_set, text=True)

    def _cells_arrow(
        self, column: str, col: pa.Array, text: bool = False
    ) -> tuple[I32, pa.Array, dict[int, Any]]:
        """:func:`cells_arrow`, told ``distinct`` for a column whose cells nearly all
        differed in the block before (learned per column: hashing them saves nothing)."""
        many = self._many.get(column, False)
        got = cells_arrow(col, self.m.missing_set, text=text, distinct=many)
        if not many:
            self._many[column] = 2 * len(got[1]) > len(col)
        return got

    def _instant(
        self, col: pa.Array | None, n: int, column: str, missing: str | None, inst: Instants
    ) -> tuple[I64, I32, list[tuple[str, str] | None]]:
        """Per row: the instant's index (-1: none); per distinct cell: its problem."""
        m = self.m
        if col is None:
            none: list[tuple[str, str] | None] = [None if missing is None else (column, missing)]
            return np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int32), none
        codes, dictionary, odd = self._cells_arrow(column, col)
        k = len(dictionary)
        size = k + 1 if (codes >= k).any() else k
        ix = np.full(size, -1, dtype=np.int64)
        bad: list[tuple[str, str] | None] = [None] * size
        if k == size and not odd and pa.types.is_string(dictionary.type):
            # every distinct cell a text as it is (the usual CSV column): read in Arrow
            got, why = inst.read_array(dictionary)
            ix[:k] = got
            for j, reason in why.items():
                bad[j] = (column, reason)
            return ix[codes], codes, bad
        raws: list[Any] = dictionary.to_pylist()
        for j, v in odd.items():
            raws[j] = v
        raws += [None] * (size - k)
        is_text = np.array([isinstance(r, str) for r in raws], dtype=bool)
        texts = [r for r in raws if isinstance(r, str)]
        ix_text, problems = inst.read_texts(texts)
        ix[is_text] = ix_text
        for i in np.flatnonzero(~is_text).tolist():
            raw = raws[i]
            if raw is None:
                bad[i] = None if missing is None else (column, missing)
                continue
            try:  # not text (no CSV cell is): the mapping's own reading
                ix[i] = inst.add(m.parse_ts(raw))
            except ValueError as e:
                bad[i] = (column, str(e))
        text_at = np.flatnonzero(is_text)
        for j, w in enumerate(problems):
            if w is not None:
                bad[int(text_at[j])] = (column, str(w))
        return ix[codes], codes, bad

    def _status(self, block: CsvBlock, n: int, probs: Problems) -> tuple[I32, I32]:
        m, cols = self.m, self.status_cols
        per_col = [self._texts(block.column(c), n) for c in cols]
        keys: list[tuple[str | None, ...]]
        if len(per_col) == 1:
            combo, keys = per_col[0][0], [(t,) for t in per_col[0][1]]
        else:
            stacked = np.stack([c for c, _ in per_col], axis=1)
            uniq, inv = np.unique(stacked, axis=0, return_inverse=True)
            combo = inv.reshape(-1).astype(np.int32)
            keys = [tuple(per_col[j][1][int(u[j])] for j in range(len(cols))) for u in uniq]
        cat_codes: list[int] = []
        name_codes: list[int] = []
        bad: list[tuple[str, str] | None] = []
        vs, vn = self.values["status"], self.values[SOURCE_STATUS]
        for parts in keys:
            if any(p is None for p in parts):
                cat_codes.append(NONE)
                name_codes.append(NONE)
                bad.append((cols[0], "the status is missing"))
                continue
            name = STATUS_JOIN.join(p for p in parts if p is not None)
            try:
                category = status_category(m, cols[0], name)
            except RowError as e:
                cat_codes.append(NONE)
                name_codes.append(NONE)
                bad.append((e.field, e.reason))
                continue
            cat_codes.append(vs.code(category))
            name_codes.append(vn.code(name))
            bad.append(None)
        probs.add(combo, bad)
        cat = np.array(cat_codes, dtype=np.int32)[combo]
        nm = np.array(name_codes, dtype=np.int32)[combo]
        return cat, nm

    def _fields(self, block: CsvBlock, n: int, probs: Problems) -> list[I32]:
        m = self.m
        out = []
        for name, column, spec, table in self.plan:
            vals = self.values[name]
            # a cell's outcome depends on the cell only: each distinct one is cleaned once an
            # import, not once a block (keyed with its type: 1, 1.0 and True differ)
            seen = self._cleaned.setdefault(name, {})

            def one(
                v: Any,
                name: str = name,
                spec: Any = spec,
                table: Any = table,
                vals: Values = vals,
                seen: dict[tuple[type, Any], Cleaned] = seen,
            ) -> Cleaned:
                key = (v.__class__, v)
                got = seen.get(key)
                if got is None:
                    try:
                        got = vals.code(flat_value(m, name, spec, table, v)), None
                    except RowError as e:
                        got = NONE, (e.field, e.reason)
                    seen[key] = got
                return got

            codes, got = per_distinct(block.column(column), n, one)
            probs.add(codes, [g[1] for g in got])
            out.append(np.array([g[0] for g in got], dtype=np.int32)[codes])
        return out

    # ------------------------------------------------------------------ the block

    def _ticket_and_instant(
        self, block: CsvBlock, n: int, probs: Problems, inst: Instants
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every row's ticket number (-1: missing) and its instant's index, the missing ones
        noted in ``probs``: how every block begins, snapshot or one event a row."""
        tcol = self.m.column("ticket_id") or "ticket_id"
        tcodes, tnames = self._texts(block.column(tcol), n)
        tick = self.tickets
        tnum = tick.numbers(tnames)
        tick.grow()
        g = tnum[tcodes]
        probs.set(g < 0, (tcol, "the ticket id is missing"))
        tscol = self.m.column("ts") or "ts"
        ts_ix, tsc, ts_bad = self._instant(
            block.column(tscol), n, tscol, "the timestamp is missing", inst
        )
        probs.add(tsc, ts_bad)
        return g, ts_ix

    def block(self, block: CsvBlock) -> BlockOutcome:
        m, n = self.m, block.table.num_rows
        probs = Problems(n)
        inst = Instants(m, self.tz)
        g, ts_ix = self._ticket_and_instant(block, n, probs, inst)
        state: list[I32] = []
        if self.status_cols:
            cat, nm = self._status(block, n, probs)
        state = self._fields(block, n, probs)
        if self.status_cols:
            state += [cat, nm]
        ucodes, ups = self._texts(block.column(m.column("event_id")), n)
        # created_at: the first of its columns with a value; its problem, or its instant
        c_ix = np.full(n, -1, dtype=np.int64)
        c_prob = Problems(n)
        resolved = np.zeros(n, dtype=bool)
        for col in m.role("created_at"):
            ix, codes, bad = self._instant(block.column(col), n, col, None, inst)
            has = (ix >= 0) | np.array([b is not None for b in bad], dtype=bool)[codes]
            take = has & ~resolved
            c_ix[take] = ix[take]
            sub = Problems(n)
            sub.add(codes, bad)
            for i in np.flatnonzero(take & (sub.at >= 0)).tolist():
                c_prob.at[i] = c_prob.index(sub.reasons[int(sub.at[i])])
            resolved |= take
        return self._derive(block, g, ts_ix, state, ucodes, ups, c_ix, c_prob, probs, inst)

    def _derive(
        self,
        block: CsvBlock,
        g: I64,
        ts_ix: I64,
        state: list[I32],
        ucodes: I32,
        ups: list[str | None],
        c_ix: I64,
        c_prob: Problems,
        probs: Problems,
        inst: Instants,
    ) -> BlockOutcome:
        n = g.size
        tick = self.tickets
        local_ok = probs.at < 0
        failed: dict[int, tuple[str, str]] = {
            int(i): probs.reasons[int(probs.at[i])] for i in np.flatnonzero(~local_ok)
        }
        # update numbers ranked with the tickets' carried tops (rank 0: none)
        in_block = np.unique(g[local_ok])
        orders = {_order(u) for u in ups if u is not None}
        orders |= {t for t in (tick.tops[int(x)] for x in in_block) if t is not None}
        ranked = sorted(orders)
        self._ranked = ranked
        rank_of = {o: i + 1 for i, o in enumerate(ranked)}
        up_rank = np.array([0 if u is None else rank_of[_order(u)] for u in ups], dtype=np.int64)[
            ucodes
        ]
        carried_top = np.zeros(max(len(tick.names), 1), dtype=np.int64)
        for x in in_block.tolist():
            t = tick.tops[x]
            if t is not None:
                carried_top[x] = rank_of[t]
        rejected = np.zeros(n, dtype=bool)  # for a reason that depends on the kept rows
        val_failed = np.zeros(n, dtype=bool)  # of those: by the validator (their events count)
        while True:
            got = self._pass(
                block, g, ts_ix, state, ucodes, ups, up_rank, carried_top, c_ix, c_prob,
                local_ok, rejected, val_failed, inst,
            )  # fmt: skip
            out, new_fail, row_sorted, firsts_created = got
            if not new_fail:
                break
            # the first failure of each ticket is certain; later rows are derived again
            seen: set[int] = set()
            for r in row_sorted:
                if r in new_fail and int(g[r]) not in seen:
                    seen.add(int(g[r]))
                    rejected[r] = True
                    if r not in firsts_created:
                        val_failed[r] = True
                    failed[r] = new_fail[r]
        out.failed = failed
        return out

    def _pass(
        self,
        block: CsvBlock,
        g: I64,
        ts_ix: I64,
        state: list[I32],
        ucodes: I32,
        ups: list[str | None],
        up_rank: I64,
        carried_top: I64,
        c_ix: I64,
        c_prob: Problems,
        local_ok: BoolArray,
        rejected: BoolArray,
        val_failed: BoolArray,
        inst: Instants,
    ) -> tuple[BlockOutcome, dict[int, tuple[str, str]], list[int], set[int]]:
        m, tick = self.m, self.tickets
        cand = local_ok & (~rejected | val_failed)  # rows that reach their events
        commit = cand & ~rejected
        idx = np.flatnonzero(cand)
        srt = idx[np.argsort(g[idx], kind="stable")]
        gs = g[srt]
        starts = first_in_group(gs)
        com_s = commit[srt]
        before = exclusive_count(com_s, starts)
        first = ~tick.known[gs] & (before == 0)
        prev = last_before(com_s, starts)
        # the ticket's state before each row: the previous kept row's, or the carried one
        changed = np.zeros(srt.size, dtype=bool)
        per_field_changed: list[BoolArray] = []
        for k, codes in enumerate(state):
            cur = codes[srt]
            prv = np.where(prev >= 0, codes[srt[np.maximum(prev, 0)]], tick.last[k][gs])
            ch = (cur != prv) | (cur == NAN) | (prv == NAN)
            per_field_changed.append(ch)
            changed |= ch
        # created_at problems of first rows
        first_bad = first & (c_prob.at[srt] >= 0)
        new_fail: dict[int, tuple[str, str]] = {}
        firsts_created: set[int] = set()
        for i in np.flatnonzero(first_bad & ~val_failed[srt]).tolist():
            r = int(srt[i])
            new_fail[r] = c_prob.reasons[int(c_prob.at[r])]
            firsts_created.add(r)
        # row ids: <ticket>@<update>, #<ordinal> when the update does not exceed the top
        ordinal = tick.rows[gs] + before + 1
        top_before = np.maximum(
            carried_top[gs], prefix_max_before(np.where(com_s, up_rank[srt], 0), starts)
        )
        own = up_rank[srt]
        has_up = own > 0
        repeat = ~first & has_up & (top_before > 0) & (own <= top_before)
        # initial status: a first row showing another status is created in the initial one
        initial = m.initial_status
        two = np.zeros(srt.size, dtype=bool)
        if initial is not None and self.status_cols:
            init_name = self.values[SOURCE_STATUS].code(initial)
            two = first & (state[-1][srt] != init_name)
        live = ~first_bad
        n_ev = np.where(first, 1 + two, changed.astype(np.int64)) * live
        # events in file order: rows ascending, then the row's own order
        by_row = np.argsort(srt, kind="stable")
        nev_r = n_ev[by_row]
        ev_pos = np.repeat(by_row, nev_r)  # index into the sorted arrays
        part = np.arange(ev_pos.size) - np.repeat(np.cumsum(nev_r) - nev_r, nev_r)
        ev_row = srt[ev_pos]
        is_first = first[ev_pos]
        created = is_first & (part == 0)
        kind = np.where(created, "created", "updated")
        names = tick.names
        ticket_txt = ticket_texts(names, g[ev_row])
        up_txt = pa.array(ups, pa.string()).take(pa.array(ucodes[ev_row]))
        ord_txt = pa.array(ordinal[ev_pos]).cast(pa.string())
        at_upd = pc.binary_join_element_wise(ticket_txt, "@", pc.fill_null(up_txt, ""), "")
        with_ord = pc.binary_join_element_wise(at_upd, "#", ord_txt, "")
        no_up = pc.binary_join_element_wise(ticket_txt, "#", ord_txt, "")
        plain_created = pc.binary_join_element_wise(ticket_txt, ":created", "")
        has_up_e = pa.array(has_up[ev_pos])
        row_id = pc.if_else(has_up_e, pc.if_else(pa.array(repeat[ev_pos]), with_ord, at_upd), no_up)
        event_id = pc.if_else(pa.array(created), plain_created, row_id)
        # instants: created at created_at (never after the row), updates at the row's ts
        ev_ts = ts_ix[ev_row].astype(np.int64)
        crt = np.flatnonzero(created)
        c_at = c_ix[ev_row[crt]]
        has_c = c_at >= 0
        row_ts = ts_ix[ev_row[crt]].astype(np.int64)
        late = np.zeros(crt.size, dtype=bool)
        if has_c.any():
            late[has_c] = inst.later(c_at[has_c], row_ts[has_c])
        ev_ts[crt] = np.where(has_c & ~late, c_at, row_ts)
        # fields: a created event sets the non-empty values (the initial status instead of
        # the row's when it moves), an update the changed ones (a move: only the status)
        cols: list[FieldColumn] = []
        n_state = len(state)
        for k, (name, codes) in enumerate(zip(self.names, state, strict=True)):
            code = codes[ev_row].copy()
            vals = self.values[name]
            nonempty = np.append(vals.per_code("nonempty", _nonempty, bool), False)
            present = np.where(code >= 0, nonempty[np.maximum(code, 0)], code == NAN)
            upd_set = per_field_changed[k][ev_pos]
            moving = two[ev_pos] & ~created
            is_status = self.status_cols and k >= n_state - 2
            given = np.where(created, present, upd_set & ~is_first)
            if is_status:
                given = given | moving
                if initial is not None:
                    init = two[ev_pos] & created
                    if k == n_state - 1:
                        code[init] = vals.code(initial)
                    else:
                        category = m.status_category(initial)
                        assert category is not None
                        code[init] = vals.code(category.value)
                    given = given | init
            cols.append(FieldColumn(name, vals, code.astype(np.int32), given))
        cand_ev = Candidates(
            row=ev_row.astype(np.int64),
            ticket=ticket_txt,
            event_id=event_id,
            kind=pa.array(kind, pa.string()),
            ts=ev_ts,
            instants=inst,
            fields=cols,
        )
        # seq: every row that reaches the validator numbers its events
        seq_of = self.seq + np.cumsum(np.ones(ev_row.size, dtype=np.int64)) - 1
        checked = check_candidates(
            cand_ev,
            source=self.source,
            line_of=lambda r: int(block.rows[r]),
            seq_of=seq_of,
            tz=self.tz,
            skip_rows=val_failed,
        )
        for r, why in checked.failed.items():
            if not val_failed[r]:
                new_fail.setdefault(r, why)
        if new_fail:
            empty = BlockOutcome(checked.events, np.zeros(0, np.int64), np.zeros(0, np.int64))
            return empty, new_fail, srt.tolist(), firsts_created
        # the final pass: keep the events of kept rows, number them, remember the tickets
        ev_index = checked.event_index
        events = checked.events
        events = events.set_column(
            events.schema.get_field_index("seq"), "seq", pa.array(seq_of[ev_index])
        )
        self.seq += int(ev_row.size)
        unchanged = int(np.count_nonzero(com_s & (n_ev == 0)))
        self._remember(gs, com_s, state, srt, up_rank)
        return (
            BlockOutcome(events, ev_row[ev_index], g[ev_row[ev_index]], {}, unchanged, 0),
            {},
            [],  # no failure: the caller needs no order
            firsts_created,
        )

    def _remember(
        self,
        gs: I64,
        com_s: BoolArray,
        state: list[I32],
        srt: I64,
        up_rank: I64,
    ) -> None:
        tick = self.tickets
        kept = np.flatnonzero(com_s)
        if kept.size == 0:
            return
        kg = gs[kept]
        last = np.ones(kept.size, dtype=bool)
        last[:-1] = kg[1:] != kg[:-1]
        lrows = srt[kept[last]]
        lg = kg[last]
        tick.known[lg] = True
        tick.rows[:] += np.bincount(kg, minlength=tick.rows.size)[: tick.rows.size]
        for k, codes in enumerate(state):
            tick.last[k][lg] = codes[lrows]
        # the highest update number kept per ticket
        r = up_rank[srt[kept]]
        has = r > 0
        if has.any():
            best = np.zeros(tick.rows.size, dtype=np.int64)
            np.maximum.at(best, kg[has], r[has])
            for x in np.flatnonzero(best).tolist():
                o = self._ranked[int(best[x]) - 1]
                t = tick.tops[x]
                if t is None or o > t:
                    tick.tops[x] = o


def _nonempty(v: FieldValue) -> bool:
    """Whether a created event sets this value (an empty tag list it does not)."""
    return not (isinstance(v, tuple) and not v)


def ticket_texts(names: list[str], numbers: I64) -> pa.Array:
    """The ticket ids of these ticket numbers (each distinct one made into text once)."""
    uniq, inv = small_unique(numbers)
    return pa.array([names[int(x)] for x in uniq], pa.string()).take(pa.array(inv.reshape(-1)))
