"""KPIs over a records DataFrame, aggregated by Spark SQL: the figures of
:func:`accord.core.kpi.evaluate.evaluate`, cell for cell.

A KPI's cell is a period and a combination of dimension values. For a measure over records
whose columns are all the records' own (every built-in records KPI: compliance, breaches,
medians and 90th percentiles of the clocks), the rows of each cell are filtered, placed in
their period and aggregated on the executors; only the cells (a few per period and
dimension value) reach the driver, where the local evaluator adds targets, bands, change and
forecast. The aggregates follow docs/kpis.md exactly:

- counts, shares (hits ÷ rows), sums and means (a whole-number column sums exactly as a
  64-bit integer), minimum, maximum and distinct counts;
- medians and percentiles **exactly**, with the local rule: over a cell's ``n`` values in
  ascending order, ``i = (n − 1) × p``, ``lower`` and ``upper`` the values at ranks
  ``⌊i⌋`` and ``⌊i⌋ + 1``, the value ``lower + (i − ⌊i⌋) × (upper − lower)``. Spark's own
  ``percentile`` weighs the two values the other way round, which differs from the local
  figure in the last bit of about one value in eight, so the two ranks are picked by a
  window and combined here.

A measure that needs ticket columns (``status``, ``type``, ``field.<name>`` …) and KPIs over
tickets or the backlog are evaluated on the driver from the local frames (the records
collected only when such a measure asks for them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from accord.core.agreements.models import AGREEMENT_PREFIX
from accord.core.kpi import evaluate as ev
from accord.core.kpi.columns import (
    DERIVED_RECORD_COLUMNS,
    GROUPING_KINDS,
    RECORD_COLUMNS,
    canonical,
    column_kind,
)
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.masks import flag_of, number_of
from accord.core.kpi.models import ColumnTest, Filter, Grain, KpiSpec, Measure, PeriodSpec
from accord.core.kpi.periods import PeriodGrid
from accord.core.timeutil import Instant
from accord.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

_INSTANTS = frozenset({"start", "stop", "due", "breached_at", "as_of", "judged_at"})
_P = "__p"
_V = "__v"


def compute_kpis(
    records: DataFrame,
    catalog: Mapping[str, KpiSpec],
    as_of: Instant,
    *,
    facts: TicketFacts | None = None,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] | None = None,
    grain: Grain | None = None,
    rolling: int | None = None,
    tz: str | None = None,
    periods: int = 6,
    local_records: Callable[[], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """:func:`accord.core.kpi.evaluate.evaluate` over a records DataFrame (in
    :data:`~accord.spark.schema.SPARK_RECORDS_SCHEMA`, e.g. from
    :func:`~accord.spark.compute_records`): the same table, with every records measure on the
    records' own columns aggregated by Spark (see the module docstring).

    ``facts``: the ticket facts, for KPIs over tickets and the backlog. ``local_records``:
    gives the local records frame for a records measure that names ticket columns (by
    default the records are collected to the driver for it).
    """
    if periods < 1:
        raise InputError("evaluate at least one period")
    names = list(catalog) if kpis is None else list(dict.fromkeys(kpis))
    for name in names:
        if name not in catalog:
            raise InputError(f"unknown KPI '{name}'")

    def collect() -> pl.DataFrame:
        if local_records is not None:
            return local_records()
        from accord.core.kpi.frames import records_frame_of_table
        from accord.spark.output import records_table

        return records_frame_of_table(records_table(records))

    evaluator = SparkEvaluator(catalog, as_of, records, collect, facts, periods + 1)
    frames = []
    for name in names:
        spec = catalog[name]
        dims = tuple(by) if by is not None else spec.by
        frames.append(evaluator.table(name, dims, ev._period(spec.period, grain, rolling, tz)))
    if not frames:
        return pl.DataFrame(schema={c: pl.String for c in (*ev.OUTPUT_HEAD, *ev.OUTPUT_TAIL)})
    return pl.concat(frames, how="diagonal_relaxed")


def measures_of(catalog: Mapping[str, KpiSpec], names: Sequence[str]) -> list[Measure]:
    """Every measure the KPIs ``names`` evaluate, through ratios and derived KPIs."""
    from accord.core.kpi.check import dependencies

    seen: set[str] = set()
    out: list[Measure] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in catalog:
            continue
        seen.add(name)
        out.extend(ev._measures(catalog[name]))
        todo.extend(dependencies(catalog[name]))
    return out


def on_spark(m: Measure, dims: Sequence[str]) -> bool:
    """Whether a measure is aggregated by Spark: over records, naming only their columns."""
    if m.over != "records":
        return False
    named = [*m.where, *(m.condition or {}), *dims]
    named += [c for c in (m.of, m.at_column) if c is not None]
    return all(canonical(c) in RECORD_COLUMNS for c in named)


class SparkEvaluator(ev._Evaluator):
    """The local evaluator, with records measures aggregated on Spark when they can be."""

    def __init__(
        self,
        catalog: Mapping[str, KpiSpec],
        as_of: Instant,
        records: DataFrame,
        collect: Callable[[], pl.DataFrame],
        facts: TicketFacts | None,
        count: int,
    ) -> None:
        super().__init__(catalog, as_of, None, facts, count)
        self.spark_records = records
        self._collect = collect

    def source(self, name: str) -> pl.DataFrame:
        if name == "records" and self.records is None:
            self.records = self._collect()  # a measure Spark does not aggregate
        return super().source(name)

    def measure(self, m: Measure, dims: tuple[str, ...], spec: PeriodSpec) -> ev._Result:
        if not on_spark(m, dims):
            return super().measure(m, dims, spec)
        grid = self.grid(spec)
        cells = _aggregate(self.spark_records, m, dims, grid)
        return _result(cells, m, dims, grid)


# ---------------------------------------------------------------------------- in Spark


def _column(name: str) -> Column:
    """A records column as the local records frame holds it (instants in seconds, derived
    columns as :func:`accord.core.kpi.evaluate._derived` makes them)."""
    from pyspark.sql import functions as F

    name = canonical(name)
    be, target = F.col("business_elapsed"), F.col("target")
    if name == "judged_at":
        stop = F.col("stop").cast("long")
        breached = F.col("state") == "breached"
        return F.when(stop.isNotNull(), stop).when(breached, F.col("breached_at").cast("long"))
    if name in DERIVED_RECORD_COLUMNS:
        if name == "breached_by":
            return F.when(be > target, be - target)
        if name == "remaining":
            return target - be
        if name == "share_of_target":
            return F.when(target > 0, be.cast("double") / target)
        return target.isNotNull()  # has_target
    if name in _INSTANTS:
        return F.col(name).cast("long")
    return F.col(name)


def _test(name: str, test: ColumnTest) -> Column:
    """:func:`accord.core.kpi.masks.expr_of_test` on a records column: text compares as
    text, flags as flags, numbers as numbers; an absent value equals nothing."""
    from pyspark.sql import functions as F

    name = canonical(name)
    col = _column(name)
    kind = RECORD_COLUMNS[name]
    parts: list[Column] = []
    if test.exists is not None:
        # ticket_id is plain text (empty is absent); the other text columns are categories
        present = col.isNotNull() & (col != "") if name == "ticket_id" else col.isNotNull()
        parts.append(present if test.exists else ~present)

    def any_of(vs: Sequence[Any]) -> Column:
        if kind == "bool":
            flags = {flag_of(v) for v in vs} - {None}
            return F.coalesce(col.isin(list(flags)), F.lit(False)) if flags else F.lit(False)
        if kind != "text":
            numbers = [x for x in (number_of(v) for v in vs) if x is not None]
            hit = col.cast("double").isin(numbers)
            return F.coalesce(hit, F.lit(False)) if numbers else F.lit(False)
        return F.coalesce(col.isin([str(v) for v in vs]), F.lit(False))

    if test.eq is not None:
        parts.append(any_of([test.eq]))
    if test.ne is not None:
        parts.append(~any_of([test.ne]))
    if test.in_ is not None:
        parts.append(any_of(test.in_))
    if test.not_in is not None:
        parts.append(~any_of(test.not_in))
    num = col.cast("double")
    for bound, op in ((test.gt, "gt"), (test.ge, "ge"), (test.lt, "lt"), (test.le, "le")):
        if bound is None:
            continue
        b = float(bound)
        cmp = {"gt": num > b, "ge": num >= b, "lt": num < b, "le": num <= b}[op]
        parts.append(F.coalesce(cmp, F.lit(False)))
    out = F.lit(True)
    for p in parts:
        out = out & p
    return out


def _mask(flt: Filter, metric: tuple[str, ...] | None, *, sla_only: bool = False) -> Column:
    from pyspark.sql import functions as F

    out = F.lit(True)
    for name, test in flt.items():
        out = out & _test(name, test)
    if metric is not None:
        out = out & _test("metric", ColumnTest.model_validate({"in": metric}))
    elif sla_only:
        # as the local evaluator: a records measure that names no metric counts the SLA
        # clocks, not the internal agreements' (ola:<name>)
        out = out & ~F.col("metric").startswith(AGREEMENT_PREFIX)
    return out


def _period(at: str, grid: PeriodGrid) -> Column:
    """The period of each row by its ``at`` instant (half-open periods), null outside."""
    from pyspark.sql import functions as F

    t = _column(at)
    out = None
    for i, (s, e) in enumerate(zip(grid.starts.tolist(), grid.ends.tolist(), strict=True)):
        cond = (t >= F.lit(s)) & (t < F.lit(e))
        out = F.when(cond, F.lit(i)) if out is None else out.when(cond, F.lit(i))
    assert out is not None
    return out


def _aggregate(records: DataFrame, m: Measure, dims: tuple[str, ...], grid: PeriodGrid) -> Any:
    """The measure's cells, collected: one row per period and dimension values met, with
    ``n`` and what its aggregate needs."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    for d in dims:
        if column_kind(d, "records") not in GROUPING_KINDS:
            raise InputError(f"'{d}' is not a dimension of records")
    at = m.at_column
    assert at is not None
    keep = _mask(m.where, m.metric, sla_only=True)
    if m.of is not None:
        keep = keep & _column(m.of).isNotNull()
    dcols = [f"__d{i}" for i in range(len(dims))]
    cols = [_period(at, grid).alias(_P), *(_column(d).cast("string").alias(c)
            for d, c in zip(dims, dcols, strict=True))]  # fmt: skip
    if m.of is not None:
        kind = column_kind(m.of, "records")
        value = _column(m.of)
        cols.append((value.cast("string") if m.agg == "count_distinct" else value).alias(_V))
        whole = kind in ("int", "duration") or canonical(m.of) in _INSTANTS
    if m.agg == "share":
        assert m.condition is not None
        cols.append(_mask(m.condition, None).alias("__hit"))
    rows = records.where(keep).select(*cols).where(F.col(_P).isNotNull())
    key = [_P, *dcols]
    aggs = [F.count(F.lit(1)).alias("n")]
    if m.agg == "share":
        aggs.append(F.sum(F.col("__hit").cast("long")).alias("x"))
    elif m.agg in ("sum", "mean"):
        total = F.sum(F.col(_V).cast("long")) if whole else F.sum(F.col(_V).cast("double"))
        aggs.append(total.cast("double").alias("x"))
    elif m.agg == "min":
        aggs.append(F.min(F.col(_V).cast("double")).alias("x"))
    elif m.agg == "max":
        aggs.append(F.max(F.col(_V).cast("double")).alias("x"))
    elif m.agg == "count_distinct":
        aggs.append(F.countDistinct(F.col(_V)).cast("double").alias("x"))
    elif m.agg in ("median", "percentile"):
        q = 0.5 if m.agg == "median" else float(m.p or 0) / 100
        w = Window.partitionBy(*key).orderBy(F.col(_V).cast("double"))
        whole_cell = Window.partitionBy(*key)
        ranked = (
            rows.withColumn("__r", F.row_number().over(w) - 1)
            .withColumn("__n", F.count(F.lit(1)).over(whole_cell))
            .withColumn("__i", (F.col("__n") - 1).cast("double") * F.lit(q))
            .withColumn("__lo", F.floor("__i"))
            .withColumn("__hi", F.least(F.col("__lo") + 1, F.col("__n") - 1))
            .where((F.col("__r") == F.col("__lo")) | (F.col("__r") == F.col("__hi")))
        )
        v = F.col(_V).cast("double")
        lower = F.max(F.when(F.col("__r") == F.col("__lo"), v))
        upper = F.max(F.when(F.col("__r") == F.col("__hi"), v))
        frac = F.first("__i") - F.first("__lo")
        got = ranked.groupBy(*key).agg(
            F.first("__n").alias("n"), (lower + frac * (upper - lower)).alias("x")
        )
        return got.collect()
    return rows.groupBy(*key).agg(*aggs).collect()


# ------------------------------------------------------------------------ on the driver


def _result(cells: Any, m: Measure, dims: tuple[str, ...], grid: PeriodGrid) -> ev._Result:
    """The collected cells as the local evaluator's result for the measure."""
    combos = sorted(
        {tuple(r[f"__d{i}"] for i in range(len(dims))) for r in cells},
        key=lambda c: tuple((v is None, v or "") for v in c),
    )
    index = {c: i for i, c in enumerate(combos)}
    k = max(len(combos), 1)
    size = grid.count * k
    n = np.zeros(size, dtype=np.int64)
    x = np.full(size, np.nan)
    for r in cells:
        cell = int(r[_P]) * k + index[tuple(r[f"__d{i}"] for i in range(len(dims)))]
        n[cell] = int(r["n"])
        if m.agg != "count" and m.agg != "rate":
            x[cell] = np.nan if r["x"] is None else float(r["x"])
    value: np.ndarray[Any, np.dtype[np.float64]]
    if m.agg == "count":
        value = n.astype(np.float64)
    elif m.agg == "share":
        value = ev._divide(np.nan_to_num(x, nan=0.0), n)
    elif m.agg == "rate":
        days = np.repeat(grid.days * grid.elapsed, k) / ev._PER_DAY[m.per or "day"]
        value = n / days
    elif m.agg == "mean":
        value = ev._divide(np.nan_to_num(x, nan=0.0), n)
    elif m.agg in ("sum", "count_distinct"):
        value = np.nan_to_num(x, nan=0.0)
    else:
        value = x
    fill_zero = m.agg in ("count", "sum", "rate", "count_distinct")
    if not fill_zero:
        value = np.where(n > 0, value, np.nan)
    labels = pl.DataFrame(
        {d: pl.Series(d, [c[i] for c in combos], dtype=pl.String) for i, d in enumerate(dims)}
    )
    frame = ev._cells(grid, labels, k, value, n, dims)
    if grid.current is not None:
        frame = ev._forecast_measure(frame, grid, m)
    else:
        frame = frame.with_columns(
            forecast=pl.lit(None, dtype=pl.Float64), basis=pl.lit(None, dtype=pl.String)
        )
    return ev._Result(frame, fill_zero=fill_zero)
