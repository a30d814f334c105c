"""Evaluate KPIs over a range of periods, per dimension, with targets, bands, change and
forecast. Pure: the records, the ticket facts and as-of are arguments.

How a value comes about (``docs/kpis.md`` has the full rules):

1. A measure's *population* is the rows of its source that pass its filters and whose ``at``
   instant falls in one of the periods; for the backlog, the open spans that cover each
   period's end. Each row belongs to at most one period (a backlog ticket to every period it
   is open at the end of).
2. Rows are grouped by (period, dimension values) and aggregated: counts and sums with
   ``numpy.bincount`` over one integer key, order statistics with a Polars group-by.
3. Every dimension value seen in any of the periods gets a row in every period: an empty
   period is 0 for counts, sums, rates and distinct counts and has no value (null) otherwise.
4. A ratio divides its two measures cell by cell; a derived KPI computes its expression over
   the other KPIs' cells. A zero denominator gives no value.
5. ``previous`` is the value of the period before (computed for the first period shown too),
   ``change = value − previous`` and ``change_rel = change / |previous|``.
6. The current, unfinished period (the calendar period containing as-of) gets a forecast of its
   end value. Counts and sums: linear extrapolation, ``value ÷ elapsed share``. Every other
   measure (shares, means, order statistics, rates, distinct counts): the value so far, with
   its ``n``. The backlog: its value now. Ratios and derived KPIs: the same arithmetic over
   their parts' forecasts. Rolling windows end at as-of and so are never unfinished.
7. Bands: with ``direction: lower`` a value is green when ≤ green, amber when ≤ amber, else
   red (``higher``: ≥). With a target and no bands: green when the target is met, else red.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.agreements.models import AGREEMENT_PREFIX
from accord.core.kpi.check import dependencies
from accord.core.kpi.columns import (
    CUSTOM_PREFIX,
    DERIVED_RECORD_COLUMNS,
    GROUPING_KINDS,
    LOCAL_TIME_COLUMNS,
    RECORD_COLUMNS,
    canonical,
    column_kind,
    known_columns,
)
from accord.core.kpi.counting import counts_many, counts_one
from accord.core.kpi.expr import parse_expr, referenced
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.masks import coded_column, mask_of_test
from accord.core.kpi.models import (
    NUMERIC_AGGS,
    ColumnTest,
    Filter,
    Grain,
    KpiSpec,
    Measure,
    PeriodSpec,
    Unit,
)
from accord.core.kpi.periods import PeriodGrid, period_grid
from accord.core.timeutil import Instant
from accord.errors import InputError, NotFoundError

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

_P = "__p"
_NULL_TIME = -(2**62)  # stands in for a missing instant: in no period, and no overflow
_PER_DAY = {"day": 1.0, "hour": 1 / 24, "week": 7.0}  # rate unit in days

BASIS_LINEAR = "linear: value so far ÷ elapsed share of the period"
BASIS_SO_FAR = "so far: the value to date (see n)"
BASIS_NOW = "now: the value at as-of"
BASIS_RATIO = "ratio of the forecasts of numerator and denominator"
BASIS_EXPR = "the expression over the forecasts of its KPIs"

OUTPUT_HEAD = ("kpi", "period", "period_start", "period_end", "current", "elapsed")
OUTPUT_TAIL = ("value", "n", "unit", "target", "direction", "band", "previous", "change",
               "change_rel", "forecast", "forecast_basis", "forecast_band")  # fmt: skip


class _Population:
    """A measure's rows of its source and the cell of each.

    Given by a filter mask over the source with every row's cell (records, tickets: ``-1``
    for a row in no period, and the same cells with ``size`` instead, an overflow cell), or
    by row numbers and their cells (the backlog, where a ticket may count in several
    periods). Counts and shares come straight from the mask as weights of one ``bincount``;
    row numbers are only made when a column's values are needed.
    """

    def __init__(
        self,
        *,
        mask: Bool | None = None,
        all_keys: I32 | I64 | None = None,
        overflow_keys: I32 | I64 | None = None,
        rows: I64 | None = None,
        keys: npt.NDArray[np.integer[Any]] | None = None,
    ) -> None:
        self._mask, self._all_keys, self._overflow = mask, all_keys, overflow_keys
        self._rows, self._keys = rows, keys
        # (cell, value) frames by column: a median and a p90 of one column share one
        self.frames: dict[str, pl.DataFrame] = {}
        # counts per cell made ahead (by condition's id: the condition and the counts)
        self.counted: dict[int, tuple[Bool | None, I64]] = {}

    @property
    def rows(self) -> I64:
        if self._rows is None:
            assert self._mask is not None and self._all_keys is not None
            self._rows = np.flatnonzero(self._mask & (self._all_keys >= 0))
        return self._rows

    @property
    def keys(self) -> npt.NDArray[np.integer[Any]]:
        if self._keys is None:
            assert self._all_keys is not None
            self._keys = self._all_keys[self.rows]
        return self._keys

    def counts(self, size: int, condition: Bool | None = None) -> I64:
        """Rows per cell (those meeting ``condition``, a mask over the source, if given)."""
        if self._mask is not None and self._overflow is not None:
            done = self.counted.get(id(condition))
            if done is not None and done[0] is condition and len(done[1]) == size:
                return done[1]
            return counts_one(self._overflow, size, self.weights(condition))
        keys = self.keys if condition is None else self.keys[condition[self.rows]]
        return np.bincount(keys, minlength=size).astype(np.int64)

    def weights(self, condition: Bool | None) -> Bool:
        """The rows counted (of the population and meeting ``condition``)."""
        assert self._mask is not None
        return self._mask if condition is None else self._mask & condition

    @property
    def overflow_keys(self) -> I32 | I64 | None:
        """Every row's cell, the overflow cell for a row in no period (``None``: a
        population given by row numbers, the backlog)."""
        return self._overflow if self._mask is not None else None

    def take(self, column: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return column[self.rows]

    def take_series(self, column: pl.Series) -> pl.Series:
        return column.gather(self.rows)


@dataclass(frozen=True)
class _Result:
    """One KPI's cells: ``__p``, the dimension columns, ``value``, ``n``, ``forecast``,
    ``basis``; ``fill_zero``: an absent cell means 0 (counts, sums, rates), else no value."""

    frame: pl.DataFrame
    fill_zero: bool


def evaluate(
    catalog: Mapping[str, KpiSpec],
    as_of: Instant,
    *,
    records: pl.DataFrame | None = None,
    facts: TicketFacts | None = None,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] | None = None,
    grain: Grain | None = None,
    rolling: int | None = None,
    tz: str | None = None,
    periods: int = 6,
    zones: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Values of ``kpis`` (default: every KPI of ``catalog``) for the ``periods`` periods up
    to the one containing ``as_of``.

    ``zones`` maps each calendar to its IANA zone (:func:`calendar_zones`): the dimensions
    ``hour`` and ``weekday`` of a record are those of its cycle's start in its calendar's
    zone; of a ticket, those of its creation in ``tz`` (UTC when not given).

    ``by`` replaces every KPI's own dimensions; ``grain`` / ``rolling`` / ``tz`` replace the
    parts of their periods. ``records`` is the records frame and ``facts`` the ticket facts
    (:mod:`accord.core.kpi.frames`, :mod:`accord.core.kpi.facts`); a KPI that needs one that is
    not given raises :class:`~accord.errors.InputError`. One row per KPI × period × dimension
    value, with the columns :data:`OUTPUT_HEAD`, the dimensions, then :data:`OUTPUT_TAIL`.
    """
    if periods < 1:
        raise InputError("evaluate at least one period")
    names = list(catalog) if kpis is None else list(dict.fromkeys(kpis))
    for name in names:
        if name not in catalog:
            raise NotFoundError(f"unknown KPI '{name}'" + _near(name, catalog))
    ev = _Evaluator(catalog, as_of, records, facts, periods + 1)
    ev.zones, ev.zone = dict(zones or {}), tz or "UTC"
    asked = []
    for name in names:
        spec = catalog[name]
        dims = tuple(by) if by is not None else spec.by
        asked.append((name, dims, _period(spec.period, grain, rolling, tz)))
    ev.count_ahead(asked)
    frames = [ev.table(name, dims, pspec) for name, dims, pspec in asked]
    if not frames:
        return pl.DataFrame(schema={c: pl.String for c in (*OUTPUT_HEAD, *OUTPUT_TAIL)})
    return pl.concat(frames, how="diagonal_relaxed")


def _period(
    base: PeriodSpec, grain: Grain | None, rolling: int | None, tz: str | None
) -> PeriodSpec:
    zone_name = tz or base.tz
    if rolling is not None:
        return PeriodSpec(rolling=rolling, tz=zone_name)
    if grain is not None:
        return PeriodSpec(grain=grain, tz=zone_name)
    return base.model_copy(update={"tz": zone_name})


def inapplicable(catalog: Mapping[str, KpiSpec], name: str, dims: Sequence[str]) -> str | None:
    """Why ``name`` cannot be broken down by ``dims`` (``None`` when it can)."""
    spec = catalog[name]
    for m in _measures(spec):
        for d in dims:
            kind = column_kind(d, m.over)
            if kind is None or kind not in GROUPING_KINDS:
                return f"a measure over {m.over} has no dimension '{d}'"
    for dep in dependencies(spec):
        if dep in catalog:
            why = inapplicable(catalog, dep, dims)
            if why is not None:
                return f"{dep}: {why}"
    return None


def _measures(spec: KpiSpec) -> list[Measure]:
    if spec.measure is not None:
        return [spec.measure]
    if spec.ratio is not None:
        return [spec.ratio.numerator, spec.ratio.denominator]
    return []


def fills_zero(m: Measure) -> bool:
    """Whether a measure's cell without rows is 0 (counts, sums, rates), not no value."""
    return m.agg in ("count", "sum", "rate", "count_distinct")


def unit_of(spec: KpiSpec) -> Unit:
    """The unit of a KPI's values: given, or following from its measure."""
    if spec.unit is not None:
        return spec.unit
    m = spec.measure
    if m is None:
        return "number"
    if m.agg in ("count", "count_distinct"):
        return "count"
    if m.agg == "share":
        return "percent"
    if m.agg in NUMERIC_AGGS and m.of is not None and column_kind(m.of, m.over) == "duration":
        return "duration"
    return "number"


def _near(word: str, choices: Mapping[str, Any] | Sequence[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{near[0]}'?" if near else ""


_WEEKDAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}


def calendar_zones(calendars: Mapping[str, Any]) -> dict[str, str]:
    """Each calendar's IANA zone (for ``evaluate(zones=...)``)."""
    out: dict[str, str] = {}
    for name, cal in calendars.items():
        spec = getattr(cal, "spec", None)
        if spec is not None and isinstance(getattr(spec, "tz", None), str):
            out[name] = spec.tz
    return out


class _Evaluator:
    zones: dict[str, str]
    zone: str

    def __init__(
        self,
        catalog: Mapping[str, KpiSpec],
        as_of: Instant,
        records: pl.DataFrame | None,
        facts: TicketFacts | None,
        count: int,
    ) -> None:
        self.catalog = catalog
        self.as_of = as_of
        self.records = records
        self.facts = facts
        self.count = count
        self._tickets: pl.DataFrame | None = None
        self._backlog: pl.DataFrame | None = None
        self._grids: dict[PeriodSpec, PeriodGrid] = {}
        self._columns: dict[tuple[str, str], pl.Series] = {}
        self._masks: dict[tuple[str, str], Bool] = {}
        self._tests: dict[tuple[str, str], Bool] = {}
        self._coded: dict[tuple[str, str], tuple[npt.NDArray[Any], list[Any]] | None] = {}
        self._pidx: dict[tuple[str, str, PeriodSpec], I32] = {}
        self._keys: dict[tuple[str, str, tuple[str, ...], PeriodSpec], tuple[Any, Any]] = {}
        self._values: dict[tuple[str, str], F64] = {}
        self._present: dict[tuple[str, str], Bool] = {}
        self._codes: dict[tuple[str, tuple[str, ...]], tuple[I32, pl.DataFrame]] = {}
        self._results: dict[tuple[str, tuple[str, ...], PeriodSpec], _Result] = {}
        self._populations: dict[tuple[Any, ...], _Population] = {}

    # ---- sources and columns

    def grid(self, spec: PeriodSpec) -> PeriodGrid:
        got = self._grids.get(spec)
        if got is None:
            got = self._grids[spec] = period_grid(spec, self.as_of, self.count)
        return got

    def source(self, name: str) -> pl.DataFrame:
        if name == "records":
            if self.records is None:
                raise InputError("a KPI over metric records needs the records frame")
            return self.records
        if self.facts is None:
            raise InputError(f"a KPI over {name} needs the ticket facts")
        if self._tickets is None:
            # deleted tickets count in no ticket KPI (docs/kpis.md)
            self._tickets = self.facts.tickets.filter(~pl.col("deleted"))
        if name == "tickets":
            return self._tickets
        if self._backlog is None:
            spans = self.facts.open_spans.rename({"start": "__start", "end": "__end"})
            self._backlog = spans.join(
                self._tickets, on="ticket_id", how="inner", maintain_order="left"
            )
        return self._backlog

    def column(self, source: str, name: str) -> pl.Series:
        name = canonical(name)
        key = (source, name)
        got = self._columns.get(key)
        if got is not None:
            return got
        frame = self.source(source)
        if name in frame.columns:
            got = frame.get_column(name)
        elif name in LOCAL_TIME_COLUMNS:
            got = self._local_time(source, name)
        elif source == "records" and name in DERIVED_RECORD_COLUMNS:
            got = frame.select(_derived(name)).to_series()
        elif source == "records" and name not in RECORD_COLUMNS:
            got = self._ticket_column_for_records(name)
        elif name.startswith(CUSTOM_PREFIX) or column_kind(name, source) is not None:
            # a custom field no event set, or a column the frame lacks: no values
            got = pl.Series(name, [None] * len(frame), dtype=pl.String)
        else:
            raise InputError(
                f"unknown column '{name}' for {source}" + _near(name, known_columns(source))
            )
        self._columns[key] = got
        return got

    def _local_time(self, source: str, name: str) -> pl.Series:
        """``hour`` (00-23) or ``weekday`` (Mon-Sun) of a record's start in its calendar's
        zone, or of a ticket's creation in the evaluation's zone."""
        frame = self.source(source)
        if source == "records":
            zone_of = (
                pl.col("calendar")
                .cast(pl.String)
                .replace_strict(self.zones, default=self.zone, return_dtype=pl.String)
            )
            parts = frame.select(pl.col("start").alias("t"), zone_of.alias("z"))
        else:
            parts = frame.select(pl.col("created").alias("t"), pl.lit(self.zone).alias("z"))
        out = pl.Series(name, [None] * len(frame), dtype=pl.String)
        for z in parts.get_column("z").unique().drop_nulls().to_list():
            rows = (parts.get_column("z") == z).fill_null(False)
            local = (
                pl.from_epoch(parts.get_column("t").filter(rows), "s")
                .dt.replace_time_zone("UTC")
                .dt.convert_time_zone(z)
            )
            values = (
                local.dt.hour().cast(pl.String).str.zfill(2)
                if name == "hour"
                else local.dt.weekday().replace_strict(_WEEKDAY_NAMES, return_dtype=pl.String)
            )
            out = out.scatter(np.flatnonzero(rows.to_numpy()), values)
        return out

    def _ticket_column_for_records(self, name: str) -> pl.Series:
        records = self.source("records")
        tickets = self.source("tickets")
        if name not in tickets.columns:
            return pl.Series(name, [None] * len(records), dtype=pl.String)
        return (
            records.select("ticket_id")
            .join(
                tickets.select("ticket_id", name),
                on="ticket_id",
                how="left",
                maintain_order="left",  # aligned with the records, row for row
            )
            .get_column(name)
        )

    # ---- populations

    def mask(
        self, source: str, flt: Filter, metric: tuple[str, ...] | None, *, sla_only: bool = False
    ) -> Bool:
        """The rows of ``source`` that pass ``flt`` and are of ``metric``; ``sla_only`` (with
        no ``metric``): of the SLA clocks, not the internal agreements' (``ola:<name>``)."""
        key = (
            source,
            repr((sorted((k, v.model_dump()) for k, v in flt.items()), metric, sla_only)),
        )
        got = self._masks.get(key)
        if got is not None:
            return got
        n = len(self.source(source))
        # each test once per evaluation, shared by every filter naming it; a filter is the
        # AND of its tests (an absent value fails a test, as in the single Polars expression)
        tests = [(name, test) for name, test in flt.items()]
        if metric is not None:
            tests.append(("metric", ColumnTest.model_validate({"in": metric})))
        got = np.ones(n, dtype=np.bool_)
        for name, test in tests:
            got &= self.test(source, name, test)
        if metric is None and sla_only:
            got &= self._sla_clocks(source)
        self._masks[key] = got
        return got

    def test(self, source: str, name: str, test: ColumnTest) -> Bool:
        """The rows of ``source`` that pass one column test (see :mod:`.masks`)."""
        key = (source, repr((canonical(name), test.model_dump())))
        got = self._tests.get(key)
        if got is None:
            column = self.column(source, name)
            ckey = (source, canonical(name))
            if ckey not in self._coded:  # the codes once per column, for all its tests
                self._coded[ckey] = coded_column(column)
            got = self._tests[key] = mask_of_test(column, test, self._coded[ckey])
        return got

    def _sla_clocks(self, source: str) -> Bool:
        """The SLA clocks' rows, not the internal agreements' (``ola:<name>``)."""
        metric = self.column(source, "metric")
        if isinstance(metric.dtype, pl.Enum):
            names = metric.dtype.categories.to_list()
            table = np.array([not m.startswith(AGREEMENT_PREFIX) for m in names] + [False])
            codes = metric.to_physical().cast(pl.Int64).fill_null(len(names)).to_numpy()
            sla: Bool = table[codes]
            return sla
        text = ~metric.cast(pl.String).str.starts_with(AGREEMENT_PREFIX)
        return np.asarray(text.fill_null(False).to_numpy(), dtype=np.bool_)

    def period_index(self, source: str, at: str, spec: PeriodSpec) -> I32:
        key = (source, at, spec)
        got = self._pidx.get(key)
        if got is not None:
            return got
        grid = self.grid(spec)
        if source == "records" and at == "judged_at":
            # judged at the stop, else at the breach of a cycle still open: reuse the stop's
            # periods and place only the open breached cycles (few) by their breach
            got = self.period_index(source, "stop", spec).copy()
            stop = self.column(source, "stop").is_null().to_numpy()
            breached = self.mask(source, {"state": ColumnTest(eq="breached")}, None)
            rows = np.flatnonzero(stop & breached)
            at_breach = (
                self.column(source, "breached_at").cast(pl.Int64).fill_null(_NULL_TIME).to_numpy()
            )
            got[stop] = -1
            if len(rows):
                got[rows] = grid.index(at_breach[rows])
        else:
            t = self.column(source, at).cast(pl.Int64).fill_null(_NULL_TIME).to_numpy()
            got = grid.index(t)
        self._pidx[key] = got
        return got

    def keys(
        self, source: str, at: str, dims: tuple[str, ...], spec: PeriodSpec
    ) -> tuple[I32 | I64, I32 | I64]:
        """Per row: its cell, ``period × k + code``, or -1 when it lies in no period; and the
        same with the overflow cell ``periods × k`` instead of -1."""
        key = (source, at, dims, spec)
        got = self._keys.get(key)
        if got is None:
            pidx = self.period_index(source, at, spec)
            codes, labels = self.codes(source, dims)
            k = max(len(labels), 1)
            size = self.grid(spec).count * k
            # 32-bit cells halve the memory traffic; very many dimension values need 64
            wide = size >= 2**31 - 1
            cells = pidx.astype(np.int64) * k + codes if wide else pidx * np.int32(k) + codes
            outside = pidx < 0
            cells[outside] = size
            overflow = cells.copy()
            cells[outside] = -1
            got = self._keys[key] = (cells, overflow)
        return got

    def present(self, source: str, name: str) -> Bool:
        key = (source, name)
        got = self._present.get(key)
        if got is None:
            got = self._present[key] = self.column(source, name).is_not_null().to_numpy()
        return got

    def values(self, source: str, name: str) -> F64:
        key = (source, name)
        got = self._values.get(key)
        if got is None:
            col = self.column(source, name).cast(pl.Float64)
            got = self._values[key] = col.fill_null(np.nan).to_numpy()
        return got

    def population(self, m: Measure, dims: tuple[str, ...], spec: PeriodSpec) -> _Population:
        """The measure's rows and their cells; measures that differ only in their aggregate
        share one."""
        key = (m.over, repr(sorted((k, v.model_dump()) for k, v in m.where.items())),
               m.metric, m.of, m.at_column, dims, spec)  # fmt: skip
        got = self._populations.get(key)
        if got is None:
            got = self._populations[key] = self._population(m, dims, spec)
        return got

    def _population(self, m: Measure, dims: tuple[str, ...], spec: PeriodSpec) -> _Population:
        # a measure that names no metric counts the SLA clocks: the internal agreements'
        # (ola:<name>) count only where a measure names them
        sel = self.mask(m.over, m.where, m.metric, sla_only=m.over == "records")
        if m.of is not None:
            sel = sel & self.present(m.over, m.of)
        if m.over != "backlog":
            at = m.at_column
            assert at is not None
            all_keys, overflow = self.keys(m.over, at, dims, spec)
            return _Population(mask=sel, all_keys=all_keys, overflow_keys=overflow)
        grid = self.grid(spec)
        codes, labels = self.codes("backlog", dims)
        k = max(len(labels), 1)
        start = self.column("backlog", "__start").to_numpy()
        end = self.column("backlog", "__end").fill_null(np.iinfo(np.int64).max).to_numpy()
        parts: list[I64] = []
        cells: list[npt.NDArray[np.integer[Any]]] = []
        # one vectorised pass per period (a handful), not per ticket
        for i, e in enumerate(grid.snapshot_ends()):
            rows = np.flatnonzero(sel & (start < e) & (end >= e))
            parts.append(rows)
            cells.append(i * k + codes[rows])
        return _Population(rows=np.concatenate(parts), keys=np.concatenate(cells))

    def codes(self, source: str, dims: tuple[str, ...]) -> tuple[I32, pl.DataFrame]:
        """A dense code per row for its combination of dimension values, and the values of
        each code (one row per code)."""
        key = (source, dims)
        got = self._codes.get(key)
        if got is not None:
            return got
        n = len(self.source(source))
        if not dims:
            got = (np.zeros(n, dtype=np.int32), pl.DataFrame())  # one cell: everything
            self._codes[key] = got
            return got
        combined = np.zeros(n, dtype=np.int64)
        space = 1
        labels: list[list[str | None]] = []
        for d in dims:
            if column_kind(d, source) not in GROUPING_KINDS:
                raise InputError(f"'{d}' is not a dimension of {source}")
            c, values = _dense(self.column(source, d))
            combined = combined * len(values) + c
            space *= len(values)
            labels.append(values)
        if space <= 1 << 26:
            seen = np.bincount(combined, minlength=space) > 0
            used = np.flatnonzero(seen)
            remap = np.full(space, -1, dtype=np.int64)
            remap[used] = np.arange(len(used))
            codes = remap[combined]
        else:  # a huge space of combinations: compact by sorting instead
            used, inverse = np.unique(combined, return_inverse=True)
            codes = inverse.astype(np.int64)
        cols: dict[str, list[str | None]] = {}
        rest = used.copy()
        for d, values in reversed(list(zip(dims, labels, strict=True))):
            idx = rest % len(values)
            rest = rest // len(values)
            cols[d] = [values[int(i)] for i in idx]
        frame = pl.DataFrame({d: pl.Series(d, cols[d], dtype=pl.String) for d in dims})
        got = (codes.astype(np.int32), frame)
        self._codes[key] = got
        return got

    # ---- counts of every measure at once

    def count_ahead(self, asked: Sequence[tuple[str, tuple[str, ...], PeriodSpec]]) -> None:
        """Count the rows per cell of every count and share the KPIs ``asked`` need, the
        measures over one cell key together (:func:`~accord.core.kpi.counting.counts_many`);
        :meth:`measure` then finds its counts made. Best effort: a KPI whose inputs are
        wrong is left to :meth:`table`, which says why in its own order."""
        needs: dict[int, tuple[_Population, int, list[Bool | None]]] = {}
        seen: set[tuple[str, tuple[str, ...], PeriodSpec]] = set()
        try:
            for name, dims, spec in asked:
                self._needs(name, dims, spec, needs, seen)
        except Exception:  # any error is table()'s to raise, with its own message
            return
        groups: dict[int, list[tuple[_Population, int, Bool | None]]] = {}
        for pop, size, conditions in needs.values():
            keys = pop.overflow_keys
            if keys is not None:
                for c in conditions:
                    groups.setdefault(id(keys), []).append((pop, size, c))
        for members in groups.values():
            keys = members[0][0].overflow_keys
            size = members[0][1]
            assert keys is not None
            got = counts_many(keys, size, [pop.weights(c) for pop, _, c in members])
            for (pop, _, c), counts in zip(members, got, strict=True):
                pop.counted[id(c)] = (c, counts)

    def _needs(
        self,
        name: str,
        dims: tuple[str, ...],
        spec: PeriodSpec,
        needs: dict[int, tuple[_Population, int, list[Bool | None]]],
        seen: set[tuple[str, tuple[str, ...], PeriodSpec]],
    ) -> None:
        if (name, dims, spec) in seen or name not in self.catalog:
            return
        seen.add((name, dims, spec))
        kpi = self.catalog[name]
        if kpi.expr is not None:
            for ref in referenced(parse_expr(kpi.expr)):
                self._needs(ref, dims, spec, needs, seen)
            return
        for m in _measures(kpi):
            if m.over == "backlog":
                continue
            pop = self.population(m, dims, spec)
            size = self.grid(spec).count * max(len(self.codes(m.over, dims)[1]), 1)
            entry = needs.setdefault(id(pop), (pop, size, []))
            wanted: list[Bool | None] = [None]
            if m.agg == "share" and m.condition is not None:
                wanted.append(self.mask(m.over, m.condition, None))
            for c in wanted:
                if all(c is not d for d in entry[2]):
                    entry[2].append(c)

    # ---- KPIs

    def result(self, name: str, dims: tuple[str, ...], spec: PeriodSpec) -> _Result:
        key = (name, dims, spec)
        got = self._results.get(key)
        if got is None:
            kpi = self.catalog[name]
            if kpi.measure is not None:
                got = self.measure(kpi.measure, dims, spec)
            elif kpi.ratio is not None:
                got = self.ratio(kpi.ratio.numerator, kpi.ratio.denominator, dims, spec)
            else:
                assert kpi.expr is not None
                got = self.derived(name, kpi.expr, dims, spec)
            self._results[key] = got
        return got

    def measure(self, m: Measure, dims: tuple[str, ...], spec: PeriodSpec) -> _Result:
        grid = self.grid(spec)
        pop = self.population(m, dims, spec)
        labels = self.codes(m.over, dims)[1]
        k = max(len(labels), 1)
        size = grid.count * k
        n = pop.counts(size)
        value: F64
        if m.agg == "count":
            value = n.astype(np.float64)
        elif m.agg == "share":
            assert m.condition is not None
            hits = pop.counts(size, self.mask(m.over, m.condition, None))
            value = _divide(hits.astype(np.float64), n)
        elif m.agg == "rate":
            days = np.repeat(grid.days * grid.elapsed, k) / _PER_DAY[m.per or "day"]
            value = n / days
        elif m.agg in ("sum", "mean"):
            assert m.of is not None
            v = pop.take(self.values(m.over, m.of))
            total = np.bincount(pop.keys, weights=v, minlength=size).astype(np.float64)
            value = total if m.agg == "sum" else _divide(total, n)
        else:
            value = self._grouped(m, pop, size)
        fill_zero = fills_zero(m)
        if not fill_zero:
            value = np.where(n > 0, value, np.nan)
        frame = _cells(grid, labels, k, value, n, dims)
        if grid.current is not None:
            frame = _forecast_measure(frame, grid, m)
        else:
            frame = frame.with_columns(
                forecast=pl.lit(None, dtype=pl.Float64), basis=pl.lit(None, dtype=pl.String)
            )
        return _Result(frame, fill_zero=fill_zero)

    def _grouped(self, m: Measure, pop: _Population, size: int) -> F64:
        """Order statistics and distinct counts per cell, by a Polars group-by."""
        assert m.of is not None
        kind = "text" if m.agg == "count_distinct" else "number"
        data = pop.frames.get(kind)
        if data is None:
            v: pl.Series | F64
            if kind == "text":
                v = pop.take_series(self.column(m.over, m.of))
            else:
                v = pop.take(self.values(m.over, m.of))
            data = pop.frames[kind] = pl.DataFrame({"k": pop.keys, "v": v})
        agg: pl.Expr
        if m.agg == "median":
            agg = pl.col("v").median()
        elif m.agg == "percentile":
            assert m.p is not None
            agg = pl.col("v").quantile(m.p / 100, interpolation="linear")
        elif m.agg == "min":
            agg = pl.col("v").min()
        elif m.agg == "max":
            agg = pl.col("v").max()
        else:
            agg = pl.col("v").drop_nulls().n_unique()
        out = data.group_by("k").agg(agg.cast(pl.Float64).alias("x"))
        value = np.full(size, np.nan if m.agg != "count_distinct" else 0.0)
        value[out.get_column("k").to_numpy()] = out.get_column("x").to_numpy()
        return value

    def ratio(self, num: Measure, den: Measure, dims: tuple[str, ...], spec: PeriodSpec) -> _Result:
        a = self.measure(num, dims, spec)
        b = self.measure(den, dims, spec)
        joined = _align({"a": a, "b": b}, dims)
        frame = joined.select(
            _P,
            *dims,
            value=pl.when(pl.col("b.value") != 0).then(pl.col("a.value") / pl.col("b.value")),
            n=pl.col("b.n"),
            forecast=pl.when(pl.col("b.forecast") != 0).then(
                pl.col("a.forecast") / pl.col("b.forecast")
            ),
        ).with_columns(basis=_basis_where_forecast(BASIS_RATIO))
        return _Result(frame, fill_zero=False)

    def derived(self, name: str, text: str, dims: tuple[str, ...], spec: PeriodSpec) -> _Result:
        tree = parse_expr(text)
        refs = referenced(tree)
        for ref in refs:
            if ref not in self.catalog:
                raise NotFoundError(f"KPI '{name}' uses the unknown KPI '{ref}'")
        parts = {ref: self.result(ref, dims, spec) for ref in refs}
        joined = _align(parts, dims)
        frame = joined.select(
            _P,
            *dims,
            value=to_polars(tree, lambda r: pl.col(f"{r}.value")),
            n=pl.lit(None, dtype=pl.Int64),
            forecast=to_polars(tree, lambda r: pl.col(f"{r}.forecast")),
        ).with_columns(basis=_basis_where_forecast(BASIS_EXPR))
        return _Result(frame, fill_zero=False)

    def table(self, name: str, dims: tuple[str, ...], spec: PeriodSpec) -> pl.DataFrame:
        """The output rows of one KPI (see :func:`evaluate`)."""
        kpi = self.catalog[name]
        for d in dims:
            why = inapplicable(self.catalog, name, [d])
            if why is not None:
                raise InputError(f"KPI '{name}' cannot be broken down by '{d}': {why}")
        with_dims = self._dims_or_placeholder(self.result(name, dims, spec), dims)
        grid = self.grid(spec)
        over = [pl.col(d) for d in dims] if dims else None
        previous = pl.col("value").shift(1)
        frame = with_dims.sort([*dims, _P], nulls_last=True).with_columns(
            previous=previous.over(over) if over else previous
        )
        frame = frame.filter(pl.col(_P) >= 1)  # the first period only gives the previous value
        p = frame.get_column(_P).to_numpy()
        target = kpi.target
        info = pl.DataFrame(
            {
                "period": [grid.labels[int(i)] for i in p],
                "period_start": grid.starts[p],
                "period_end": grid.ends[p],
                "current": p == (grid.current if grid.current is not None else -1),
                "elapsed": grid.elapsed[p],
            }
        )
        change = pl.col("value") - pl.col("previous")
        out = pl.concat([frame, info], how="horizontal").with_columns(
            kpi=pl.lit(name),
            unit=pl.lit(unit_of(kpi)),
            target=pl.lit(target, dtype=pl.Float64),
            direction=pl.lit(kpi.direction, dtype=pl.String),
            change=change,
            change_rel=pl.when(pl.col("previous") != 0).then(change / pl.col("previous").abs()),
            forecast_basis=pl.col("basis"),
            band=_band(pl.col("value"), kpi),
            forecast_band=_band(pl.col("forecast"), kpi),
        )
        out = out.sort([_P, *dims], nulls_last=True)
        return out.select(*OUTPUT_HEAD, *dims, *OUTPUT_TAIL)

    def _dims_or_placeholder(self, result: _Result, dims: tuple[str, ...]) -> pl.DataFrame:
        frame = result.frame
        if len(frame):
            return frame
        # nothing observed in any period: one row per period with no dimension value, so a
        # KPI never silently drops out of a report
        periods = np.arange(self.count, dtype=np.int64)
        empty = pl.DataFrame(
            {
                _P: periods,
                **{d: pl.Series(d, [None] * self.count, dtype=pl.String) for d in dims},
                "value": [0.0 if result.fill_zero else None] * self.count,
                "n": [0] * self.count,
                "forecast": [None] * self.count,
                "basis": [None] * self.count,
            },
            schema_overrides={"forecast": pl.Float64, "basis": pl.String, "value": pl.Float64},
        )
        return empty


def _derived(name: str) -> pl.Expr:
    be, target = pl.col("business_elapsed"), pl.col("target")
    if name == "judged_at":
        # a cycle is judged when it stops, or when it breaches while still open
        return (
            pl.when(pl.col("stop").is_not_null())
            .then(pl.col("stop"))
            .when(pl.col("state").cast(pl.String) == "breached")
            .then(pl.col("breached_at"))
            .alias(name)
        )
    if name == "breached_by":
        return pl.when(be > target).then(be - target).alias(name)
    if name == "remaining":
        return (target - be).alias(name)
    if name == "share_of_target":
        return pl.when(target > 0).then(be / target).alias(name)
    return target.is_not_null().alias(name)  # has_target


def _dense(series: pl.Series) -> tuple[I64, list[str | None]]:
    """Codes 0..k-1 for the distinct values (sorted, null last) of a grouping column."""
    if isinstance(series.dtype, pl.Enum):
        cats: list[str | None] = list(series.dtype.categories.to_list())
        codes = series.to_physical().cast(pl.Int64).fill_null(len(cats)).to_numpy()
        return codes, [*cats, None]
    text = series.cast(pl.String)
    values = text.drop_nulls().unique().sort().to_list()
    enum = pl.Enum(values)
    codes = text.cast(enum).to_physical().cast(pl.Int64).fill_null(len(values)).to_numpy()
    return codes, [*values, None]


def _cells(
    grid: PeriodGrid, labels: pl.DataFrame, k: int, value: F64, n: I64, dims: tuple[str, ...]
) -> pl.DataFrame:
    """Long cells of the dimension values observed in any period (each in every period)."""
    observed = n.reshape(grid.count, k).sum(axis=0) > 0
    keep = np.flatnonzero(observed) if dims else np.arange(k)
    p = np.repeat(np.arange(grid.count, dtype=np.int64), len(keep))
    cell = p * k + np.tile(keep, grid.count)
    frame = pl.DataFrame(
        {
            _P: p,
            "value": pl.Series("value", value[cell], dtype=pl.Float64).fill_nan(None),
            "n": n[cell],
        }
    )
    if dims:
        frame = pl.concat([frame, labels[np.tile(keep, grid.count)]], how="horizontal").select(
            _P, *dims, "value", "n"
        )
    return frame


def _forecast_measure(frame: pl.DataFrame, grid: PeriodGrid, m: Measure) -> pl.DataFrame:
    assert grid.current is not None
    current = pl.col(_P) == grid.current
    if m.over == "backlog":
        forecast, basis = pl.col("value"), BASIS_NOW
    elif m.additive:
        forecast, basis = pl.col("value") / float(grid.elapsed[grid.current]), BASIS_LINEAR
    else:
        forecast, basis = pl.col("value"), BASIS_SO_FAR
    return frame.with_columns(
        forecast=pl.when(current).then(forecast).cast(pl.Float64),
        basis=pl.when(current).then(pl.lit(basis)).cast(pl.String),
    )


def _basis_where_forecast(text: str) -> pl.Expr:
    return pl.when(pl.col("forecast").is_not_null()).then(pl.lit(text)).cast(pl.String)


def _align(parts: Mapping[str, _Result], dims: tuple[str, ...]) -> pl.DataFrame:
    """The parts' cells side by side (``<name>.value`` …) on the union of their cells; a cell
    a part lacks is 0 for an additive part and empty otherwise."""
    keys = [_P, *dims]
    grid = pl.concat([r.frame.select(keys) for r in parts.values()]).unique(maintain_order=True)
    out = grid
    for name, r in parts.items():
        renamed = r.frame.select(
            *keys,
            pl.col("value").alias(f"{name}.value"),
            pl.col("n").alias(f"{name}.n"),
            pl.col("forecast").alias(f"{name}.forecast"),
        )
        out = out.join(renamed, on=keys, how="left", nulls_equal=True, maintain_order="left")
        if r.fill_zero:
            out = out.with_columns(
                pl.col(f"{name}.value").fill_null(0.0), pl.col(f"{name}.n").fill_null(0)
            )
    return out


def _divide(a: F64, b: I64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.maximum(b, 1), np.nan)


def _band(value: pl.Expr, kpi: KpiSpec) -> pl.Expr:
    if kpi.direction is None or (kpi.target is None and kpi.bands is None):
        return pl.lit(None, dtype=pl.String)

    def better(threshold: float) -> pl.Expr:
        return value <= threshold if kpi.direction == "lower" else value >= threshold

    if kpi.bands is not None:
        green, amber = kpi.bands.green, kpi.bands.amber
    else:
        assert kpi.target is not None
        green, amber = kpi.target, None
    none = pl.lit(None, dtype=pl.String)
    if amber is None:
        return (
            pl.when(value.is_null()).then(none).when(better(green)).then(pl.lit("green"))
            .otherwise(pl.lit("red"))
        )  # fmt: skip
    return (
        pl.when(value.is_null()).then(none).when(better(green)).then(pl.lit("green"))
        .when(better(amber)).then(pl.lit("amber")).otherwise(pl.lit("red"))
    )  # fmt: skip


def to_polars(tree: ast.expr, column: Callable[[str], pl.Expr]) -> pl.Expr:
    """A checked expression (:func:`~accord.core.kpi.expr.parse_expr`) as Polars, with
    ``column(name)`` giving each KPI's value; division by zero gives no value, not infinity."""
    if isinstance(tree, ast.Name):
        return column(tree.id).cast(pl.Float64)
    if isinstance(tree, ast.Constant):
        number = tree.value
        assert isinstance(number, int | float)  # parse_expr admits no other constant
        return pl.lit(float(number))
    if isinstance(tree, ast.UnaryOp):
        inner = to_polars(tree.operand, column)
        return -inner if isinstance(tree.op, ast.USub) else inner
    if isinstance(tree, ast.BinOp):
        a, b = to_polars(tree.left, column), to_polars(tree.right, column)
        if isinstance(tree.op, ast.Add):
            return a + b
        if isinstance(tree.op, ast.Sub):
            return a - b
        if isinstance(tree.op, ast.Mult):
            return a * b
        return pl.when(b != 0).then(a / b)
    raise ValueError("not a checked expression")  # parse_expr admits nothing else
