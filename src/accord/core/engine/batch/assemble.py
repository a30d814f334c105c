"""The records table: every metric's judged cycles placed in the reference engine's order
(ticket, then metrics in the order the ticket's policies first name them, then cycle) and
turned into the columns of :data:`~accord.core.engine.batch.schema.RECORDS_SCHEMA`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch import _jit
from accord.core.engine.batch.calarrays import NEVER
from accord.core.engine.batch.judge import STATES, Judged, iso_text
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.batch.timeline import BatchTimeline
from accord.core.timeutil import Instant

I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(slots=True)
class MetricPart:
    """One metric's records and, per ticket, the key of its place among the ticket's
    metrics (first event whose version names it, then its place in that version)."""

    name: str
    judged: Judged
    order_key: I64


def order_key(tl: BatchTimeline, metric: str, first: I64) -> I64:
    """``first``: per ticket, its first event whose version measures the metric."""
    width = max((len(v.metrics) for v in tl.pvs), default=0) + 1
    pos = np.array(
        [list(v.metrics).index(metric) if metric in v.metrics else 0 for v in tl.pvs] + [0],
        dtype=np.int64,
    )
    at = np.minimum(first, max(tl.n - 1, 0))
    return first * width + pos[tl.pv[at]]


_TS = pa.timestamp("s", tz="UTC")


def _masked(values: NDArray[Any], typ: pa.DataType, valid: BoolArray | None = None) -> pa.Array:
    """``values`` (of ``typ``'s width) as an Arrow array, null where not ``valid``: the
    buffers built directly, as ``pa.array(mask=...)`` takes some twenty times longer."""
    n = values.size
    # instants: int64 seconds, the storage of timestamp[s]
    dtype = np.int64 if pa.types.is_timestamp(typ) else typ.to_pandas_dtype()
    data = pa.py_buffer(np.ascontiguousarray(values, dtype=dtype))
    nulls = 0 if valid is None else n - int(np.count_nonzero(valid))
    bits = (
        pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls and valid is not None else None
    )
    return pa.Array.from_buffers(typ, n, [bits, data], null_count=nulls)


def _strings(
    codes: NDArray[np.int32], values: Sequence[str | None], valid: BoolArray | None = None
) -> pa.Array:
    """Dictionary-encoded strings: ``values[codes]``, null where not ``valid`` (None: all
    are valid)."""
    # masked entries need no value; a dictionary without nulls can be unified later
    dictionary = pa.array(["" if v is None else v for v in values], type=pa.string())
    if valid is None:
        idx = _masked(codes, pa.int32())
    else:
        idx = _masked(np.where(valid, codes, np.int32(0)), pa.int32(), valid)
    # codes within the dictionary by construction: no check of every one again
    return pa.DictionaryArray.from_arrays(idx, dictionary, safe=False)


def _instants(values: I64, valid: BoolArray | None = None) -> pa.Array:
    return _masked(values, _TS, valid)


def _warnings_column(pos_l: Sequence[I64], parts: Sequence[MetricPart], total: int) -> pa.Array:
    """The warnings text of every record: "[]" but for the few records with warnings, all
    written by one compiled pass straight into the column's buffers."""
    labels: list[str] = []
    where_l, at_l, label_l = [], [], []
    for pos, p in zip(pos_l, parts, strict=True):
        w = p.judged.warnings
        where_l.append(pos[w.rec])
        at_l.append(w.at)
        label_l.append(w.label + len(labels))
        labels.extend(w.labels)
    where = np.concatenate(where_l) if where_l else np.zeros(0, dtype=np.int64)
    if where.size == 0:
        data = np.frombuffer(b"[]" * total, dtype=np.uint8)
        offsets = np.arange(0, 2 * total + 1, 2, dtype=np.int32)
    else:
        # a record is one metric's: a stable sort by record keeps each one's own order
        order = np.argsort(where, kind="stable")
        where, at = where[order], np.concatenate(at_l)[order]
        label = np.concatenate(label_l)[order]
        lo, hi = _jit.FOUR_DIGIT_YEARS
        if int(at.min()) < lo or int(at.max()) > hi:
            offsets, data = _general_lists(total, where, label, at, labels)
        else:
            offsets, data = _jit.warning_lists(total, where, label, at, labels)
    return pa.Array.from_buffers(
        pa.string(), total, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _general_lists(
    total: int, where: I64, label: I64, at: I64, labels: list[str]
) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """:func:`._jit.warning_lists` for instants outside four-digit years too, spelled as the
    records writer spells them (slower: Arrow string kernels, then placed)."""
    label_text = pc.take(pa.array(labels, type=pa.string()), pa.array(label))
    items = pc.binary_join_element_wise(
        '{"threshold": "', label_text, '", "at": "', iso_text(at), '"}', ""
    )
    first = np.ones(where.size, dtype=bool)
    first[1:] = where[1:] != where[:-1]
    starts = np.flatnonzero(first)
    bounds = pa.array(np.append(starts, where.size).astype(np.int32))
    lists = pa.ListArray.from_arrays(bounds, items)
    text = pc.binary_join_element_wise("[", pc.binary_join(lists, ", "), "]", "")
    bufs = text.buffers()
    t_at = np.frombuffer(bufs[1], dtype=np.int32, count=len(text) + 1, offset=text.offset * 4)
    t_data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] else _EMPTY_TEXT
    return _jit.place_texts(total, where[starts], t_at, t_data, _EMPTY_LIST)


_constants: dict[tuple[int, str], pa.Buffer] = {}


def _constant(value: int, n: int, dtype: type = np.int64) -> pa.Buffer:
    """A buffer of ``n`` copies of ``value``: the same memory for every partition's records
    (``as_of``, the empty explanation), so a run does not write the same bytes once per
    record. Only the largest buffer per value and type is kept, for a few values."""
    key = (value, np.dtype(dtype).str)
    buf = _constants.get(key)
    size = n * np.dtype(dtype).itemsize
    if buf is None or buf.size < size:
        if len(_constants) >= 8:  # as_of changes from run to run: keep a few
            _constants.clear()
        # room to spare: the next partitions, a little larger, fit in the same buffer
        room = max(n + n // 4, 1024)
        buf = _constants[key] = pa.py_buffer(np.full(room, value, dtype=dtype))
    return buf.slice(0, size)


_EMPTY_LIST = np.frombuffer(b"[]", dtype=np.uint8).copy()  # writable: the warmed signature
_EMPTY_TEXT = np.zeros(1, dtype=np.uint8)


def agreement_order_key(tl: BatchTimeline, k: int) -> I64:
    """The key of the ``k``-th internal agreement: after every SLA metric of the ticket (their
    keys are below ``(n + 1) × width``), in the order the agreements are written."""
    width = max((len(v.metrics) for v in tl.pvs), default=0) + 1
    return np.full(tl.seg.count, (tl.n + 1) * width + k, dtype=np.int64)


def positions(tl: BatchTimeline, parts: Sequence[MetricPart]) -> tuple[list[I64], int]:
    """The place of every part's records in the records table, and the number of records."""
    t_count = tl.seg.count
    m_count = len(parts)
    if m_count == 0 or t_count == 0:
        return [np.zeros(0, dtype=np.int64) for _ in parts], 0
    counts = np.stack([np.bincount(p.judged.ticket, minlength=t_count) for p in parts], axis=1)
    keys = np.stack([p.order_key for p in parts], axis=1)
    order = np.argsort(keys, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(m_count)[None, :].repeat(t_count, axis=0), axis=1)
    ranked_counts = np.take_along_axis(counts, order, axis=1)
    offsets = (np.cumsum(ranked_counts.ravel()) - ranked_counts.ravel()).reshape(t_count, -1)
    total = int(counts.sum())

    pos_l = []
    for k, p in enumerate(parts):
        j = p.judged
        pos_l.append(offsets[j.ticket, rank[j.ticket, k]] + j.cycle - 1)
    return pos_l, total


def assemble(
    tl: BatchTimeline,
    parts: Sequence[MetricPart],
    as_of: Instant,
    placed: tuple[list[I64], int] | None = None,
) -> pa.Table:
    """The records table; ``placed``: :func:`positions` of the parts, when known."""
    pos_l, total = placed if placed is not None else positions(tl, parts)
    if total == 0:
        return RECORDS_SCHEMA.empty_table()

    def gather(get: Callable[[MetricPart], NDArray[Any]], dtype: type) -> NDArray[Any]:
        # written straight in the column's own type, one compiled pass per metric
        out: NDArray[Any] = np.empty(total, dtype=dtype)
        for pos, p in zip(pos_l, parts, strict=True):
            _jit.scatter(np.ascontiguousarray(get(p), dtype=dtype), pos, out)
        return out

    ticket = gather(lambda p: p.judged.ticket, np.int64)
    metric = np.empty(total, dtype=np.int32)
    for k, pos in enumerate(pos_l):
        _jit.scatter(np.full(pos.size, k, dtype=np.int32), pos, metric)
    pv = gather(lambda p: p.judged.pv, np.int64)
    end_idx = gather(lambda p: p.judged.end_idx, np.int64)
    target = gather(lambda p: p.judged.target, np.int64)
    start = gather(lambda p: p.judged.start, np.int64)
    stop = gather(lambda p: p.judged.stop, np.int64)
    closed = gather(lambda p: p.judged.closed, np.bool_)
    due = gather(lambda p: p.judged.due, np.int64)
    breached_at = gather(lambda p: p.judged.breached_at, np.int64)
    elapsed = gather(lambda p: p.judged.elapsed, np.int64)
    paused = gather(lambda p: p.judged.paused, np.int64)
    cal_elapsed = gather(lambda p: p.judged.calendar_elapsed, np.int64)
    state = gather(lambda p: p.judged.state, np.int32)
    now = gather(lambda p: p.judged.breached_now, np.bool_)
    ever = gather(lambda p: p.judged.ever_breached, np.bool_)
    cycle = gather(lambda p: p.judged.cycle, np.int32)
    warnings = _warnings_column(pos_l, parts, total)

    has_pv = pv >= 0
    pvc = np.maximum(pv, 0)
    pv_policy = tl.pv_policy.take(pvc)
    pv_number = np.array([v.number for v in tl.pvs] + [0], dtype=np.int32).take(pvc)
    pv_cal = tl.pv_calendar.take(pvc)
    has_target = target >= 0

    def field(name: str) -> pa.Array:
        tr = tl.fields[name]
        code = tr.after.take(end_idx)
        values = [None if v is None or v == () else str(v) for v in tr.values]
        valid = code >= 0
        if valid.any():
            valid &= np.array([v is not None for v in values] + [False]).take(code)
        return _strings(code, [*values, None], valid)

    over = np.where(has_target & (elapsed > target), elapsed - target, 0)
    share = np.divide(
        elapsed, target, out=np.zeros(total, dtype=np.float64), where=has_target & (target != 0)
    )
    columns = {
        "ticket_id": tl.ticket_ids.take(pa.array(ticket)),
        "metric": _strings(metric, [p.name for p in parts]),
        "cycle": pa.array(cycle),
        "policy": _strings(pv_policy, [p.name for p in tl.policies], has_pv),
        "policy_version": _masked(pv_number, pa.int32(), has_pv),
        "calendar": _strings(pv_cal, tl.calendar_names, has_pv),
        "priority": field("priority"),
        "customer": field("customer"),
        "team": field("team"),
        "assignee": field("assignee"),
        "channel": field("channel"),
        "target": _masked(target, pa.int64(), has_target),
        "start": _instants(start),
        "stop": _instants(stop, closed),
        "due": _instants(due, due != NEVER),
        "breached_at": _instants(breached_at, breached_at != NEVER),
        "business_elapsed": pa.array(elapsed),
        "paused_business": pa.array(paused),
        "calendar_elapsed": pa.array(cal_elapsed),
        "breached_by": _masked(over, pa.int64(), has_target & (elapsed > target)),
        "remaining": _masked(target - elapsed, pa.int64(), has_target),
        "share_of_target": _masked(share, pa.float64(), has_target & (target != 0)),
        "state": _strings(state, [s.value for s in STATES]),
        "breached_now": pa.array(now),
        "ever_breached": pa.array(ever),
        "as_of": pa.Array.from_buffers(_TS, total, [None, _constant(as_of, total)]),
        "warnings": warnings,
        "explanation": pa.DictionaryArray.from_arrays(
            pa.Array.from_buffers(pa.int32(), total, [None, _constant(0, total, np.int32)]),
            pa.array(["[]"], type=pa.string()),
            safe=False,
        ),
    }
    return pa.Table.from_arrays(
        [columns[f.name].cast(f.type) for f in RECORDS_SCHEMA], schema=RECORDS_SCHEMA
    )
