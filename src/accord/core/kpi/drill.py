"""Drill-down of a KPI value: the rows behind one cell (a period and one value of each
dimension) of a KPI that is a measure, as many as the cell's ``n``.

The rows are those the measure aggregates, found by the evaluation's own population (its
filters, its ``at`` column placing each row in its period, its dimensions), so the list and
the figure cannot disagree: records give ``ticket_id``, ``metric``, ``cycle``, ``calendar`` and
``state``, tickets and the backlog ``ticket_id`` and ``status``; a measure of a column (``of``)
adds that column, the value the row adds to the figure; a share adds ``condition``, whether the
row meets the share's condition (the value is the share of rows that do). A ratio or a derived
KPI has no rows of its own (drill into its parts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from accord.core.kpi.columns import canonical
from accord.core.kpi.evaluate import _Evaluator, _period
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.models import Grain, KpiSpec
from accord.core.timeutil import Instant
from accord.errors import InputError, NotFoundError

__all__ = ["kpi_rows"]

_COLUMNS = {
    "records": ("ticket_id", "metric", "cycle", "calendar", "state"),
    "tickets": ("ticket_id", "status"),
}


def kpi_rows(
    catalog: Mapping[str, KpiSpec],
    as_of: Instant,
    name: str,
    period: str | None = None,
    *,
    records: pl.DataFrame | None = None,
    facts: TicketFacts | None = None,
    group: Mapping[str, str | None] | None = None,
    grain: Grain | None = None,
    rolling: int | None = None,
    tz: str | None = None,
    periods: int = 6,
    zones: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The rows behind KPI ``name`` in ``period`` (a label of its values; ``None``: the
    latest) and ``group`` (dimension → value; the dimensions of the breakdown, none for the
    KPI's total)."""
    spec = catalog.get(name)
    if spec is None:
        raise NotFoundError(f"unknown KPI '{name}'")
    m = spec.measure
    if m is None:
        raise InputError(
            f"KPI '{name}' is a ratio or an expression: drill into the KPIs or measures it is "
            "made of"
        )
    dims = tuple((group or {}).keys())
    ev = _Evaluator(catalog, as_of, records, facts, periods + 1)
    ev.zones, ev.zone = dict(zones or {}), tz or "UTC"
    pspec = _period(spec.period, grain, rolling, tz)
    grid = ev.grid(pspec)
    if period is None:
        period = grid.labels[-1]
    if period not in grid.labels:
        raise NotFoundError(f"KPI '{name}' has no period '{period}' (its periods: "
                            f"{', '.join(grid.labels[1:])})")  # fmt: skip
    p = grid.labels.index(period)
    _, labels = ev.codes(m.over, dims)
    k = max(len(labels), 1)
    code = 0
    if dims:
        want = [(group or {})[d] for d in dims]
        found = [i for i, row in enumerate(labels.iter_rows()) if list(row) == want]
        if not found:
            return []
        code = found[0]
    pop = ev.population(m, dims, pspec)
    rows: Sequence[int] = pop.rows[pop.keys == p * k + code]
    source = "records" if m.over == "records" else "tickets"
    frame = ev.source(m.over)
    cols = [c for c in _COLUMNS[source] if c in frame.columns]
    picked = frame.select(cols)[np.asarray(rows, dtype=np.int64)] if len(rows) else None
    out = picked.to_dicts() if picked is not None else []
    if m.of is not None and len(rows):
        # the value each row adds to the figure (its business elapsed time, …), named as the
        # measure's column
        measured = canonical(m.of)
        if measured not in cols:
            got = ev.column(m.over, measured).gather(np.asarray(rows, dtype=np.int64))
            for row, v in zip(out, got.to_list(), strict=True):
                row[measured] = v
    if m.agg == "share" and m.condition and len(rows):
        hits = ev.mask(m.over, m.condition, None)[np.asarray(rows, dtype=np.int64)]
        for row, hit in zip(out, hits.tolist(), strict=True):
            row["condition"] = bool(hit)
    for row in out:
        for c, v in row.items():
            if v is not None and not isinstance(v, (int, bool, float)):
                row[c] = str(v)
    return out
