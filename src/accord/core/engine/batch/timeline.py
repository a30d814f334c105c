"""The batch timeline: every ticket's history replayed at once, as arrays over its events.

It mirrors :func:`accord.core.engine.timeline.build_timeline` rule for rule: events after
``as_of`` dropped, order by (``ts``, ``ts_us``, ``seq``) within each ticket, the creation (the
first ``created``, or the earliest event standing in), fields after every event with the
change each event made (Python equality, so a custom ``1`` and ``1.0`` are the same value),
the default priority at the creation, status categories (an unmapped name keeps the previous
one), nothing after a ``deleted`` event, and the policy and policy version in force after
each event (first match on the fields; version by the event's ``ts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.calendar import BusinessCalendar
from accord.core.config.models import EventCondition
from accord.core.config.resolved import (
    Configuration,
    Policy,
    PolicyVersionResolved,
    test_field,
)
from accord.core.engine.batch import _jit
from accord.core.engine.batch.calarrays import elapsed_grouped
from accord.core.engine.batch.columns import (
    bool_codes,
    cleared_masks,
    dictionary_array,
    int_column,
    string_order,
    tags_codes,
)
from accord.core.engine.batch.schema import CLEARED, FIELD_PREFIX, TEXT_FIELDS, decode_tagged
from accord.core.engine.batch.segments import Segments
from accord.core.engine.batch.stages import mark
from accord.core.engine.clocks import ClockSpec, clock_for
from accord.core.events import Actor, FieldValue, Kind, StatusCategory
from accord.core.timeutil import Instant

BoolArray = NDArray[np.bool_]
I8 = NDArray[np.int8]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

KINDS: tuple[Kind, ...] = tuple(Kind)
ACTORS: tuple[Actor, ...] = tuple(Actor)
CATEGORIES: tuple[StatusCategory, ...] = tuple(StatusCategory)
K_CREATED = KINDS.index(Kind.CREATED)
K_UPDATED = KINDS.index(Kind.UPDATED)
K_DELETED = KINDS.index(Kind.DELETED)
C_NEW = CATEGORIES.index(StatusCategory.NEW)
SOLVED_CODES = np.array(
    [CATEGORIES.index(StatusCategory.SOLVED), CATEGORIES.index(StatusCategory.CLOSED)],
    dtype=np.int8,
)


def member_table(codes: Iterable[int], size: int) -> BoolArray:
    """A look-up table for ``np.isin`` over small codes ``-1 … size - 1`` (-1, the last
    entry, is never a member): one gather instead of isin's sort or range passes."""
    table = np.zeros(size + 1, dtype=bool)
    table[[int(c) for c in codes]] = True
    return table


SOLVED_TABLE = member_table(SOLVED_CODES.tolist(), len(CATEGORIES))

# Fields the records report, besides those the configuration tests.
_REPORTED = ("status", "priority", "customer", "team", "assignee", "channel")


class FieldTrack:
    """One field over the events: what each event sets and the value kept after it.

    Codes index ``values``; -1 is null (not set, or cleared). ``changed`` (the event changed
    the kept value) and ``before`` (the kept value before the event) are worked out when a
    condition first asks for them.
    """

    __slots__ = ("_before", "_changed", "after", "code", "forced", "seg", "set_", "values")

    def __init__(self, values: list[FieldValue], set_: BoolArray, code: I32, seg: Segments):
        self.values = values
        self.set_ = set_  # the event names the field (a value or a clear)
        self.code = code  # the value the event gives
        self.seg = seg
        self.forced = np.zeros(0, dtype=bool)  # changes that are not a plain set (default)
        self._changed: BoolArray | None = None
        self._before: I32 | None = None
        self.after = self._replay()  # the kept value after the event

    def _replay(self) -> I32:
        seg = self.seg
        eqc = _eq_classes(self.values)
        if len(set(eqc[:-1].tolist())) == len(self.values):
            # distinct values never compare equal: the kept value is the last one set
            self._changed = None
            return seg.fill(self.set_, self.code, -1).astype(np.int32, copy=False)
        # Python equality (1 == 1.0 == True): a set to an equal value keeps the old one
        e = eqc[self.code]
        last_set = seg.last_where(self.set_)
        state_after = np.where(last_set >= 0, e[np.maximum(last_set, 0)], -1)
        changed = self.set_ & (e != seg.prev(state_after, -1))
        self._changed = changed
        return seg.fill(changed, self.code, -1).astype(np.int32, copy=False)

    @property
    def changed(self) -> BoolArray:
        if self._changed is None:
            eqc = _eq_classes(self.values)
            self._changed = self.set_ & (eqc[self.code] != eqc[self.seg.prev(self.after, -1)])
        if self.forced.size:
            return self._changed | self.forced
        return self._changed

    @property
    def before(self) -> I32:
        if self._before is None:
            self._before = self.seg.prev(self.after, -1).astype(np.int32)
        return self._before

    def table(self, fn: Callable[[FieldValue], bool], none: bool) -> BoolArray:
        """``fn(value)`` for every code, plus ``none`` at index -1 (for gathering by code)."""
        return np.array([bool(fn(v)) for v in self.values] + [none], dtype=bool)


@dataclass(slots=True)
class BatchTimeline:
    """Arrays over the events that exist at ``as_of``, sorted by ticket then time."""

    seg: Segments
    ticket_ids: pa.Array  # per ticket (segment), sorted
    t: I64
    kind: I8
    actor: I8  # -1: none
    public: I8  # -1 none, 0 false, 1 true
    is_creation: BoolArray
    deleted: BoolArray
    status: I8  # category after the event
    status_before: I8  # -1 before the first event
    reopened: BoolArray
    solved: BoolArray  # the status after the event is a solved one
    fields: dict[str, FieldTrack]
    pv: I32  # policy version in force after the event (-1: no policy)
    policy: I32  # its policy (-1: none)
    pvs: list[PolicyVersionResolved]
    pv_policy: I32  # policy index of each policy version
    pv_calendar: I32  # calendar id of each policy version
    policies: Sequence[Policy]
    calendars: dict[int, BusinessCalendar]
    calendar_names: list[str]
    next_t: I64  # the end of the stretch after the event (next event, or as_of)
    bt: I64  # business seconds of [t, next_t) on the calendar of the version in force

    @property
    def n(self) -> int:
        return self.seg.n


def needed_fields(
    config: Configuration, metrics: Iterable[str], extra: Iterable[str] = ()
) -> list[str]:
    """The fields the clocks of ``metrics`` read, those the records report, and ``extra``
    (the fields internal agreements test, the dimensions of an attribution)."""
    names: dict[str, None] = dict.fromkeys(_REPORTED)
    for name in extra:
        names.setdefault(name, None)
    for p in config.policies:
        for name in p.when:
            names.setdefault(name, None)
    for m in metrics:
        clock = clock_for(m, config.metrics)
        if clock is None:
            continue
        for cond in _conditions(clock):
            if cond.field is not None:
                names.setdefault(cond.field, None)
            if cond.tag_added is not None:
                names.setdefault("tags", None)
    return list(names)


def needed_columns(
    config: Configuration, metrics: Iterable[str], extra: Iterable[str] = ()
) -> list[str]:
    """The columns of an events table that :func:`build` reads: the others (``event_id``,
    fields no rule tests or reports) need not be cut into partitions or sent to workers."""
    out = ["ticket_id", "ts", "ts_us", "seq", "kind", "actor", "public", CLEARED]
    for name in needed_fields(config, metrics, extra):
        out.append(name if name in TEXT_FIELDS or name == "tags" else FIELD_PREFIX + name)
    return out


def _conditions(clock: ClockSpec) -> list[EventCondition]:
    return [c for c in (clock.start, clock.stop, clock.cancel, clock.armed_by) if c is not None]


def _codes_of(values: Sequence[object], enum: Sequence[str], what: str) -> I8:
    table: dict[object, int] = {name: i for i, name in enumerate(enum)}
    out = []
    for v in values:
        if v not in table:
            raise ValueError(f"'{v}' is not a valid {what}; expected one of {', '.join(enum)}")
        out.append(table[v])
    return np.array([*out, -1], dtype=np.int8)


def _order(rank: I64, count: int, ts: I64, ts_us: I64, seq: I64, rows: I64) -> I64:
    """``rows`` ordered by (ticket rank, ts, ts_us, seq); ranks are ``0 … count - 1``."""
    if rows.size < 2:
        return rows
    # ts and ts_us as one key (exact: instants of years 2 to 9998 times 10^6 fit in 63 bits)
    within = _jit.order_rows(rank, ts, ts_us, seq, rows)
    if within is not None:
        # (the partitions the batch engine cuts come grouped by ticket already)
        return within
    when = ts.take(rows) * np.int64(1_000_000) + ts_us.take(rows)
    s = seq.take(rows)
    if bool(np.all(s[1:] >= s[:-1])):
        # rows already come in arrival order: a stable sort (fast on nearly sorted logs)
        rows = rows.take(np.argsort(when, kind="stable"))
    else:
        rows = rows.take(np.lexsort((s, when)))
    r = rank.take(rows)
    if bool(np.all(r[1:] >= r[:-1])):
        return rows
    # then by ticket, keeping the time order: ranks are dense, so a counting sort
    return rows.take(_jit.group_stable(r, count))


Codes = NDArray[np.signedinteger[Any]]
"""Dictionary codes: int32, or int8 for a small dictionary; -1 is null."""
Decoded = Mapping[str, tuple[Codes, pa.Array]]
"""Dictionary columns already decoded as ``(codes, dictionary)`` (see
:func:`.columns.dictionary_array`), by column name."""


def build(
    tbl: pa.Table,
    config: Configuration,
    as_of: Instant,
    metrics: Sequence[str],
    decoded: Decoded | None = None,
    extra: Sequence[str] = (),
) -> BatchTimeline:
    """Replay every ticket of ``tbl`` (an events table, see :mod:`.schema`) up to ``as_of``.

    ``decoded`` may give the codes of some dictionary columns of ``tbl`` (the caller that cut
    ``tbl`` from a larger table has them already), which are then not decoded again;
    ``extra``: fields to track besides those of :func:`needed_fields`."""
    n0 = tbl.num_rows
    names = set(tbl.column_names)

    def col(name: str) -> pa.ChunkedArray | None:
        return tbl.column(name) if name in names else None

    def codes_of(name: str) -> tuple[Codes, pa.Array]:
        if decoded is not None and name in decoded:
            return decoded[name]
        return dictionary_array(cast(pa.ChunkedArray, col(name)))

    for required in ("ticket_id", "ts", "kind"):
        c = col(required)
        if c is None:
            raise ValueError(f"the events table has no '{required}' column")
        if c.null_count:
            raise ValueError(f"the events table has nulls in '{required}'")
    ts = int_column(col("ts"), n0)
    rows = np.flatnonzero(ts <= as_of).astype(np.int64)
    tcodes, tdict = codes_of("ticket_id")
    # rank only the ids in use (a partition of a dictionary column shares its dictionary)
    used = np.flatnonzero(np.bincount(tcodes[rows], minlength=len(tdict)))
    # (only the ids in use are cast: a partition's dictionary may be the whole log's)
    order = used[string_order(tdict.take(pa.array(used)))]
    rank = np.zeros(len(tdict), dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    row_rank = _jit.lookup(rank, tcodes)
    ts_us = int_column(col("ts_us"), n0)
    rows = _order(row_rank, order.size, ts, ts_us, int_column(col("seq"), n0), rows)

    kcodes, kdict = codes_of("kind")
    kvalues = kdict.to_pylist()
    kind_all = _jit.lookup(_codes_of(kvalues, [k.value for k in KINDS], "event kind"), kcodes)
    seg = Segments.of_rows(row_rank, rows)
    # the creation: the first 'created' (even one after a deletion, which then never comes),
    # or the first event when the log has none
    is_created = kind_all[rows] == K_CREATED
    creation_at = np.where(seg.any(is_created), seg.first_where(is_created), seg.bounds[:-1])
    is_creation = np.zeros(rows.size, dtype=bool)
    is_creation[creation_at] = True
    deleted = kind_all[rows] == K_DELETED
    if deleted.any():
        # nothing after a deletion exists: keep each ticket up to its first 'deleted'
        keep = _jit.until_first(seg.bounds, deleted)
        if not keep.all():
            rows = rows[keep]
            is_creation = is_creation[keep]
            seg = Segments.of_rows(row_rank, rows)
    n = rows.size
    t = ts.take(rows)
    kind = kind_all[rows]
    deleted = kind == K_DELETED
    ticket_ids = tdict.take(pa.array(tcodes[rows[seg.bounds[:-1]]])).cast(pa.string())

    acol = col("actor")
    if acol is None:
        actor = np.full(n, -1, dtype=np.int8)
    else:
        acodes, adict = codes_of("actor")
        avalues = adict.to_pylist()
        actor_of = _codes_of(avalues, [a.value for a in ACTORS], "actor")
        actor = _jit.lookup(actor_of, acodes.take(rows))
    public = bool_codes(col("public"), n0)[rows]

    wanted = needed_fields(config, metrics, extra)
    cleared = cleared_masks(col(CLEARED), wanted, n0)
    fields: dict[str, FieldTrack] = {}
    for name in wanted:
        fields[name] = _track(name, col, codes_of, cleared[name], rows, seg, n)
    default = config.settings.default_priority
    if default is not None:
        _inject_default(fields["priority"], default, is_creation, seg)

    status, status_before = _status(fields["status"], config, seg)
    solved = _jit.lookup(SOLVED_TABLE, status)
    reopened = _jit.lookup(SOLVED_TABLE, status_before) & ~solved

    policy = _select(config.policies, fields, n)
    pvs: list[PolicyVersionResolved] = []
    pv_policy: list[int] = []
    pv = np.full(n, -1, dtype=np.int32)
    for i, p in enumerate(config.policies):
        base = len(pvs)
        pvs.extend(p.versions)
        pv_policy.extend([i] * len(p.versions))
        here = np.flatnonzero(policy == i)
        if here.size:
            pv[here] = base + _version_index(p, t[here])
    # calendars: ids by name, for the versions in use
    calendar_names: list[str] = []
    cal_ids: dict[str, int] = {}
    pv_calendar = np.empty(len(pvs) + 1, dtype=np.int32)
    pv_calendar[-1] = -1
    for i, v in enumerate(pvs):
        pv_calendar[i] = cal_ids.setdefault(v.calendar, len(cal_ids))
    calendar_names = list(cal_ids)
    calendars = {
        cid: cast(BusinessCalendar, config.calendars[name]) for name, cid in cal_ids.items()
    }

    next_t = np.empty(n, dtype=np.int64)
    if n:
        next_t[:-1] = t[1:]
        next_t[seg.last] = as_of
    cal_of = pv_calendar[pv]
    mark("layout")
    bt = elapsed_grouped(calendars, cal_of, t, next_t)
    mark("calendar")

    return BatchTimeline(
        seg=seg,
        ticket_ids=ticket_ids,
        t=t,
        kind=kind,
        actor=actor,
        public=public,
        is_creation=is_creation,
        deleted=deleted,
        status=status,
        status_before=status_before,
        reopened=reopened,
        solved=solved,
        fields=fields,
        pv=pv,
        policy=policy,
        pvs=pvs,
        pv_policy=np.array([*pv_policy, -1], dtype=np.int32),
        pv_calendar=pv_calendar,
        policies=config.policies,
        calendars=calendars,
        calendar_names=calendar_names,
        next_t=next_t,
        bt=bt,
    )


def later(tl: BatchTimeline, as_of: Instant) -> BatchTimeline:
    """``tl``, built at an instant from its latest event on, as :func:`build` makes it at
    ``as_of``, a later instant: the same events, orders, fields and policies; only each
    ticket's last stretch then ends at ``as_of`` (its business seconds counted again, as
    :func:`build` counts every stretch, one at a time). ``tl`` is not changed."""
    if tl.n == 0:
        return tl
    last = np.flatnonzero(tl.seg.last)
    next_t = tl.next_t.copy()
    next_t[last] = as_of
    bt = tl.bt.copy()
    cal_of = tl.pv_calendar[tl.pv[last]]
    bt[last] = elapsed_grouped(tl.calendars, cal_of, tl.t[last], next_t[last])
    return replace(tl, next_t=next_t, bt=bt)


def _track(
    name: str,
    getcol: Callable[[str], pa.ChunkedArray | None],
    codes_of: Callable[[str], tuple[Codes, pa.Array]],
    cleared: BoolArray,
    rows: I64,
    seg: Segments,
    n: int,
) -> FieldTrack:
    values: list[FieldValue]
    if name in TEXT_FIELDS:
        c = getcol(name)
        if c is None:
            codes, values = np.full(0, -1, dtype=np.int32), []
        else:
            codes, raw = codes_of(name)
            values = [str(v) for v in raw.to_pylist()]
    elif name == "tags":
        c = getcol("tags")
        if c is None:
            codes, values = np.full(0, -1, dtype=np.int32), []
        else:
            codes, tvals = tags_codes(c)
            values = list(tvals)
    else:
        c = getcol(FIELD_PREFIX + name)
        if c is None:
            codes, values = np.full(0, -1, dtype=np.int32), []
        else:
            codes, raw = codes_of(FIELD_PREFIX + name)
            # a dictionary may hold values no row uses (the CSV reader's "" for blank
            # cells): only a used code must be tagged text
            used = np.zeros(len(raw) + 1, dtype=bool)
            used[codes] = True
            values = [
                decode_tagged(str(v)) if used[i] else None for i, v in enumerate(raw.to_pylist())
            ]
    code = _jit.gather_codes(codes, rows) if codes.size else np.full(n, -1, dtype=np.int32)
    set_ = (code >= 0) | cleared[rows] if cleared.any() else code >= 0
    return FieldTrack(values, set_, code, seg)


def _eq_classes(values: Sequence[FieldValue]) -> I32:
    """Codes of equal values share a class (Python equality: ``1 == 1.0 == True``); the
    last entry (-1) is null."""
    classes: dict[object, int] = {}
    out = [classes.setdefault(v, len(classes)) for v in values]
    return np.array([*out, -1], dtype=np.int32)


def _inject_default(track: FieldTrack, default: str, is_creation: BoolArray, seg: Segments) -> None:
    """A ticket without a priority at its creation gets the default one (a change)."""
    inject = is_creation & (track.after == -1)
    if not inject.any():
        return
    if default in track.values:
        dcode = track.values.index(default)
    else:
        track.values.append(default)
        dcode = len(track.values) - 1
    track.set_ = track.set_ | inject
    track.code = np.where(inject, np.int32(dcode), track.code).astype(np.int32)
    track.after = track._replay()
    track._before = None
    track.forced = inject


def _status(track: FieldTrack, config: Configuration, seg: Segments) -> tuple[I8, I8]:
    cats = []
    for v in track.values:
        got = config.status_category(v)
        cats.append(-1 if got is None else CATEGORIES.index(got))
    cat_of = np.array([*cats, -1], dtype=np.int8)
    cat = cat_of[track.code]
    known = track.set_ & (cat >= 0)
    status = seg.fill(known, cat, C_NEW).astype(np.int8, copy=False)
    before = seg.prev(status, -1).astype(np.int8)
    return status, before


def _select(policies: Sequence[Policy], fields: Mapping[str, FieldTrack], n: int) -> I32:
    """The first policy whose conditions hold for the fields after every event."""
    chosen = np.full(n, -1, dtype=np.int32)
    open_ = np.ones(n, dtype=bool)
    for i, p in enumerate(policies):
        ok = open_.copy()
        for name, test in p.when.items():
            tr = fields[name]
            is_tags = name == "tags"
            table = np.array(
                [test_field(test, v, is_tags=is_tags) for v in tr.values]
                + [test_field(test, None, is_tags=is_tags)],
                dtype=bool,
            )
            ok &= _jit.lookup(table, tr.after)
        chosen[ok] = i
        open_ &= ~ok
    return chosen


def _version_index(p: Policy, t: I64) -> I32:
    """``Policy.version_at`` for many instants: the leading run of versions in force."""
    out = np.zeros(t.size, dtype=np.int32)
    run = np.ones(t.size, dtype=bool)
    for k, v in enumerate(p.versions[1:], start=1):
        if v.effective_from is None:
            break
        run &= v.effective_from <= t
        out[run] = k
    return out
