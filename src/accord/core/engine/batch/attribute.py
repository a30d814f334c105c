"""Attribution in the batch engine: every cycle's time split by the holders in force, as the
table of :func:`accord.core.engine.attribution.attribution_schema`, equal row for row to the
reference engine's :func:`accord.core.engine.attribute`.

The cycle rule (:func:`._jit.cycles`, asked to *track*) says which cycle the stretch after
each event counted for, and whether as paused time; each dimension's value after every event
is a code (text classes: two values with the same text are one holder, as the reference
writes them); one compiled pass (:func:`._jit.holders`) then sums each cycle's stretches by
holder, and the rows are placed in the records' order. None of this runs unless asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.engine.attribution import attribution_schema
from accord.core.engine.batch import _jit
from accord.core.engine.batch.assemble import MetricPart, _masked, _strings
from accord.core.engine.batch.cycles import Cycles
from accord.core.engine.batch.timeline import CATEGORIES, BatchTimeline
from accord.core.timeutil import Instant

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

_TS = pa.timestamp("s", tz="UTC")


def dimension_codes(tl: BatchTimeline, dimensions: Sequence[str]) -> tuple[I32, list[list[str]]]:
    """Per event (rows) and dimension (columns), the code of the value after the event (-1:
    null), and per dimension the text of each code."""
    cols: list[I32] = []
    texts: list[list[str]] = []
    for d in dimensions:
        if d == "status":
            cols.append(tl.status.astype(np.int32))
            texts.append([c.value for c in CATEGORIES])
            continue
        tr = tl.fields[d]
        classes: dict[str, int] = {}
        of_value = [
            -1 if v is None or v == () else classes.setdefault(str(v), len(classes))
            for v in tr.values
        ]
        cols.append(_jit.lookup(np.array([*of_value, -1], dtype=np.int32), tr.after))
        texts.append(list(classes))
    codes = np.stack(cols, axis=1) if cols else np.zeros((tl.n, 0), dtype=np.int32)
    return np.ascontiguousarray(codes, dtype=np.int32), texts


def attribution(
    tl: BatchTimeline,
    parts: Sequence[MetricPart],
    cycles: Sequence[tuple[Cycles, I64]],
    pos_l: Sequence[I64],
    dimensions: Sequence[str],
    as_of: Instant,
) -> pa.Table:
    """The attribution rows of the records ``parts`` (placed at ``pos_l`` in the records
    table): ``cycles``, each part's cycles (run with tracking) and the cycles its records
    judge (:func:`.judge.judged_cycles`)."""
    schema = attribution_schema(dimensions)
    codes, texts = dimension_codes(tl, dimensions)
    key_l, ticket_l, metric_l, number_l, first_l, run_l, paused_l = ([] for _ in range(7))
    for k, ((cy, sel), pos) in enumerate(zip(cycles, pos_l, strict=True)):
        r_cycle, r_first, r_run, r_paused = _jit.holders(cy.owner, cy.owned_paused, cy.bt, codes)
        record_of = np.full(cy.ticket.size, -1, dtype=np.int64)
        record_of[sel] = pos
        key = record_of[r_cycle]
        if key.size and int(key.min()) < 0:
            raise AssertionError("time counted for a cycle that has no record")
        key_l.append(key)
        ticket_l.append(cy.ticket[r_cycle])
        metric_l.append(np.full(r_cycle.size, k, dtype=np.int32))
        number_l.append(cy.number[r_cycle].astype(np.int32))
        first_l.append(r_first)
        run_l.append(r_run)
        paused_l.append(r_paused)
    if not key_l:
        return schema.empty_table()
    # rows of one record are in first-appearance order already: a stable sort by record
    order = np.argsort(np.concatenate(key_l), kind="stable")
    ticket = np.concatenate(ticket_l)[order]
    first = np.concatenate(first_l)[order]
    n = int(order.size)
    columns: dict[str, pa.Array] = {
        "ticket_id": tl.ticket_ids.take(pa.array(ticket)),
        "metric": _strings(np.concatenate(metric_l)[order], [p.name for p in parts]),
        "cycle": pa.array(np.concatenate(number_l)[order]),
        "business_elapsed": pa.array(np.concatenate(run_l)[order]),
        "paused_business": pa.array(np.concatenate(paused_l)[order]),
        "as_of": _masked(np.full(n, as_of, dtype=np.int64), _TS),
    }
    for d, dim in enumerate(dimensions):
        code = codes[first, d]
        columns[dim] = _strings(code, [*texts[d], None], code >= 0)
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)
