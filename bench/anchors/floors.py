"""The floor of each stage of Accord's run in the simple case (issue 21, goal 3): the least
numpy / pyarrow work that yields what the stage yields, timed on this one thread in the same
process as Accord's run, best of 3 (wall and CPU seconds).

Each floor does the stage's unavoidable array work with whole-array numpy / pyarrow calls,
and nothing a real engine must also do (it words no reasons, keeps no row numbers, handles
one calendar and one policy, knows the columns' types): a floor for whole-array code, which
a compiled loop that fuses passes can go below (the calendar stage does). What each one
does (the work before the clock starts, such as decoding the file or building the
calendar's intervals, belongs to another stage and is not timed):

- validation: one vectorised pass per column checked (a dictionary column: a look-up of
  each row's code in a table of its valid values; ``ts``: a range test; ``event_id``: a
  length test), the masks combined, the ``seq`` numbers made, and one compiled hash of every
  ``event_id`` (the least a search for duplicates must do: Accord's own hashing pass);
- regrouping: one gather of each column the kernel reads (codes, instants, flags) by a
  ready order of the rows by ticket; making that order is reported beside it (a stable
  ``argsort`` of the ticket codes, which Accord replaces by a counting sort);
- layout: the events ordered by ticket and instant (one stable ``argsort`` of a 64-bit key,
  ticket code above the instant: near linear on a log in about time order) and gathered,
  each ticket's bounds found, the instant of the next event (or ``as_of``), the status
  carried forward within its ticket (the last set value's position by a running maximum,
  reset at each ticket's first event) and each other reported field's last value per
  ticket;
- calendar: the business seconds of every stretch between two events, ``B(next) - B(t)``,
  with ``B`` one ``searchsorted`` over the calendar's cumulative working intervals;
- kernel: for each of the two clocks, which stretches run (a look-up of the status
  category) and one sum per ticket (``np.add.reduceat``);
- assembly: every buffer of the records table copied once (the table's two halves
  concatenated column by column).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

I64 = NDArray[np.int64]
Floors = dict[str, list[float]]

# the fields the records report, carried forward in the layout floor
REPORTED = ("status", "priority", "customer", "team", "assignee", "channel")
PAUSED = ("pending", "on_hold")


def _best(work: Callable[[], Any]) -> list[float]:
    """[wall, CPU] seconds of ``work``, the best of 3 runs."""
    best = [float("inf"), float("inf")]
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        work()
        took = (time.perf_counter() - t0, time.process_time() - c0)
        best = [min(b, x) for b, x in zip(best, took, strict=True)]
    return best


def _codes(col: pa.ChunkedArray | pa.Array) -> NDArray[np.int32]:
    """A dictionary column's codes, -1 for null, as one numpy array (untimed preparation)."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if isinstance(arr, pa.ChunkedArray):  # pragma: no cover (older pyarrow)
        arr = arr.chunk(0)
    out: NDArray[np.int32] = np.asarray(
        arr.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int32
    )
    return out


def stage_floors(path: str, as_of: int, records: pa.Table, status_of: Any) -> Floors:
    """[wall, CPU] seconds of each stage's floor (see the module docstring) on the Parquet log
    at ``path``; ``records`` is Accord's records table of it, ``status_of`` the configuration's
    status mapping (name → category or None)."""
    from accord.core.engine.batch._jit import string_hashes
    from accord.core.event_limits import MAX_ID_BYTES

    from .case import SIMPLE
    from .pandas_numpy import business_before, working_intervals

    schema = pq.read_schema(path)
    texts = [f.name for f in schema if pa.types.is_string(f.type) and f.name != "event_id"]
    table = pq.read_table(path, use_threads=False, read_dictionary=texts).combine_chunks()
    n = table.num_rows
    floors: Floors = {}

    # ---- validation: one pass per column, the masks combined, seq, the ids hashed
    # each text column's codes once (-1 for null), shared by the floors below
    codes = {name: _codes(table.column(name)) for name in texts}
    # the valid values of each (small) dictionary, and a last entry for null
    dict_cols = [
        (np.ones(len(table.column(k).chunk(0).dictionary) + 1, bool), codes[k]) for k in texts
    ]
    ts_col = table.column("ts").chunk(0)
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[ts_col.type.unit]
    ts_raw = ts_col.cast(pa.int64()).to_numpy()
    ts_s = ts_raw // per_second
    ids = table.column("event_id").chunk(0)
    public = np.asarray(table.column("public").to_numpy(zero_copy_only=False), dtype=bool)
    status_values = table.column("status").chunk(0).dictionary.to_pylist()
    del table, ts_col  # (the codes are copies: the decoded columns' memory back)

    def validate() -> None:
        ok = np.ones(n, dtype=bool)
        for lut, idx in dict_cols:
            ok &= lut[idx]
        ok &= (ts_raw >= 0) & (ts_raw < 253402300800 * per_second)
        ts_raw // per_second  # the instants in seconds, as the events table holds them
        lengths = np.diff(np.frombuffer(ids.buffers()[1], np.int32, n + 1, ids.offset * 4))
        ok &= lengths <= MAX_ID_BYTES
        np.arange(n, dtype=np.int64)
        bufs = ids.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=ids.offset * 4)
        data = np.frombuffer(bufs[2], dtype=np.uint8)
        string_hashes(offsets, data, np.empty(n, dtype=np.uint64))

    floors["validation"] = _best(validate)

    # ---- regrouping: a stable argsort by ticket, one gather of each kernel column
    ticket = codes["ticket_id"]
    cols: dict[str, NDArray[Any]] = {
        "ts": ts_s,
        "kind": codes["kind"],
        "actor": codes["actor"],
        "public": public,
    }
    for name in REPORTED:
        cols[name] = codes[name]
    grouped: dict[str, NDArray[Any]] = {}

    order = np.argsort(ticket, kind="stable")

    def regroup() -> None:
        grouped["ticket"] = ticket[order]
        for name, a in cols.items():
            grouped[name] = a[order]

    floors["regrouping (order)"] = _best(lambda: np.argsort(ticket, kind="stable"))
    floors["regrouping"] = _best(regroup)

    # ---- layout: ordered by (ticket, instant), next instants, fields carried forward
    laid: dict[str, NDArray[Any]] = {}

    def layout() -> None:
        g = grouped
        tk, t = g["ticket"], g["ts"]
        first = np.ones(n, dtype=bool)
        first[1:] = tk[1:] != tk[:-1]
        # one stable sort of (ticket, instant) as one 64-bit key: linear on a log written
        # in about time order (the sort's runs are long), as Accord's insertion sort is
        order = np.argsort((tk.astype(np.int64) << 32) | (t - t.min()), kind="stable")
        tk, t = tk[order], t[order]
        first[1:] = tk[1:] != tk[:-1]

        def ordered(a: NDArray[Any]) -> NDArray[Any]:
            return a[order]

        starts = np.flatnonzero(first)
        last = np.ones(n, dtype=bool)
        last[:-1] = first[1:]
        next_t = np.empty(n, dtype=np.int64)
        next_t[:-1] = t[1:]
        next_t[last] = as_of
        for name in ("kind", "actor", "public"):
            laid[name] = ordered(g[name])
        # the status after every event (the clocks read it): carried forward, reset at
        # each ticket's first event
        code = ordered(g["status"])
        start_of = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        at = np.maximum.accumulate(np.where(code >= 0, np.arange(n), -1))
        laid["status"] = np.where(at >= start_of, code[np.maximum(at, 0)], -1)
        # the other reported fields: each ticket's last value only (one per record)
        for name in REPORTED[1:]:
            code = ordered(g[name])
            at = np.maximum.reduceat(np.where(code >= 0, np.arange(n), -1), starts)
            laid[name] = np.where(at >= starts, code[np.maximum(at, 0)], -1)
        laid["t"], laid["next_t"], laid["starts"] = t, next_t, starts

    floors["layout"] = _best(layout)

    # ---- calendar: B(next) - B(t) over the cumulative working intervals
    w_start, w_end = working_intervals(SIMPLE, int(ts_s.min()), max(as_of, int(ts_s.max())))
    bt: dict[str, I64] = {}

    def calendar() -> None:
        bt["bt"] = business_before(laid["next_t"], w_start, w_end) - business_before(
            laid["t"], w_start, w_end
        )

    floors["calendar"] = _best(calendar)

    # ---- kernel: per clock, which stretches run, one sum per ticket
    cats = [status_of(str(v)) for v in status_values]
    running = np.array(
        [c is None or str(getattr(c, "value", c)) not in PAUSED for c in cats] + [True], bool
    )

    def kernel() -> None:
        status = laid["status"]
        for _clock in ("first_response", "resolution"):
            on = running[status]
            np.add.reduceat(np.where(on, bt["bt"], 0), laid["starts"])

    floors["kernel"] = _best(kernel)

    # ---- assembly: every buffer of the records table copied once
    half = records.num_rows // 2
    halves = [records.slice(0, half), records.slice(half)]

    def assemble() -> None:
        arrays = []
        for i in range(records.num_columns):
            parts = [h.column(i).chunks for h in halves]
            arrays.append(pa.concat_arrays([c for p in parts for c in p]))
        pa.Table.from_arrays(arrays, names=records.column_names)

    floors["assembly"] = _best(assemble)
    return floors
