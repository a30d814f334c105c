"""Each contract's objectives, error budgets and credits over the periods of a review window,
from one configuration's records: what a statement says for each of those periods, summed.

The rules are the contracts' own (:mod:`accord.core.contracts`): the clocks of the contract's
customer under its policies, its exclusions, its counting rule placing each clock in one of
its periods, each period judged on its own, credits by the objective's scheme, earn-back and
the cap per period. The periods of a window are the contract periods that overlap it (a
quarterly contract's whole quarter for a review of one of its months); without a window, every
period from the one of the earliest clock to the one containing as-of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from accord.core.contracts.assignment import place, select, ticket_info
from accord.core.contracts.budget import Outcome, budget, outcomes, pct
from accord.core.contracts.credits import (
    CreditLine,
    LineStatus,
    apply_cap,
    earn_back,
    gross,
    round_money,
)
from accord.core.contracts.models import ContractSpec, ObjectiveSpec
from accord.core.kpi.periods import DAY, PeriodGrid, period_grid
from accord.core.records import State
from accord.core.review.window import Window
from accord.core.timeutil import Instant, format_duration

_CLOCK_COLUMNS = ("ticket_id", "metric", "cycle", "priority", "state", "target", "start", "stop",
                  "due", "breached_at", "business_elapsed")  # fmt: skip
_MAX_PERIODS = 5000  # a bound on the grid of a window that starts decades before as-of


@dataclass(frozen=True)
class PeriodFigures:
    """One objective in one contract period."""

    period: str
    status: str  # met, missed, no_data
    value: str  # the attainment, breaches or statistic as a statement shows it
    counted: int
    breached: int
    allowed: int | None
    credit: Decimal | None  # owed after earn-back and the cap
    credit_status: LineStatus | None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "status": self.status,
            "value": self.value,
            "counted": self.counted,
            "breached": self.breached,
            "allowed": self.allowed,
            "credit": None if self.credit is None else str(self.credit),
            "credit_status": self.credit_status,
        }


@dataclass(frozen=True)
class ObjectiveFigures:
    """One objective over the window's periods."""

    name: str
    kind: str
    description: str
    currency: str
    periods: tuple[PeriodFigures, ...]

    @property
    def counted(self) -> int:
        return sum(p.counted for p in self.periods)

    @property
    def breached(self) -> int:
        return sum(p.breached for p in self.periods)

    @property
    def missed(self) -> int:
        return sum(p.status == "missed" for p in self.periods)

    @property
    def met(self) -> int:
        return sum(p.status == "met" for p in self.periods)

    @property
    def allowed(self) -> int | None:
        given = [p.allowed for p in self.periods if p.allowed is not None]
        return sum(given) if given else None

    @property
    def used(self) -> int | None:
        """Breaches counted against a budget (none for a statistic)."""
        return self.breached if self.kind != "statistic" else None

    @property
    def credits(self) -> Decimal:
        zero = round_money(Fraction(0), self.currency)
        return sum((p.credit for p in self.periods if p.credit is not None), zero)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "counted": self.counted,
            "breached": self.breached,
            "periods_met": self.met,
            "periods_missed": self.missed,
            "budget_allowed": self.allowed,
            "budget_used": self.used,
            "credits": str(self.credits),
            "periods": [p.to_json() for p in self.periods],
        }


@dataclass(frozen=True)
class ContractFigures:
    """One contract over the window's periods."""

    contract: str
    customer: str
    currency: str
    periods: tuple[str, ...]
    objectives: tuple[ObjectiveFigures, ...]

    @property
    def credits(self) -> Decimal:
        zero = round_money(Fraction(0), self.currency)
        return sum((o.credits for o in self.objectives), zero)

    def objective(self, name: str) -> ObjectiveFigures | None:
        return next((o for o in self.objectives if o.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "customer": self.customer,
            "currency": self.currency,
            "periods": list(self.periods),
            "credits": str(self.credits),
            "objectives": [o.to_json() for o in self.objectives],
        }


def contract_grid(spec: ContractSpec, as_of: Instant, start: Instant) -> PeriodGrid:
    """The contract's periods from the one containing ``start`` to the one of as-of."""
    if spec.rolling is not None:
        count = -(-(as_of + 1 - start) // (spec.rolling * DAY))
        return period_grid(spec.period_spec, as_of, max(1, min(count, _MAX_PERIODS)))
    count = 1
    while True:
        grid = period_grid(spec.period_spec, as_of, count)
        if grid.bounds[0] <= start or count >= _MAX_PERIODS:
            return grid
        # months and quarters: enough periods at once, then one more while short
        step = int((grid.bounds[0] - start) // (28 * DAY)) + 1
        count = min(count + max(1, step // (3 if spec.period == "quarter" else 1)), _MAX_PERIODS)


def contract_figures(
    contracts: Mapping[str, ContractSpec],
    records: pl.DataFrame,
    tickets: pl.DataFrame | None,
    as_of: Instant,
    window: Window,
) -> dict[str, ContractFigures]:
    """Every contract's figures over the periods overlapping ``window``. ``records`` holds one
    configuration's records (the records frame columns, instants as Int64 seconds, text as
    String or Categorical); ``tickets`` the exclusion facts (:mod:`accord.core.review.facts`)."""
    out: dict[str, ContractFigures] = {}
    # one pass over the records, not one per contract
    by_customer = {
        str(key[0]): part
        for key, part in records.filter(pl.col("customer").is_not_null())
        .partition_by("customer", as_dict=True)
        .items()
    }
    empty = records.clear()
    for name, spec in contracts.items():
        clocks = _clocks(spec, by_customer.get(spec.customer_name, empty), tickets)
        if window.start is not None:
            first = window.start
        elif clocks.height:
            first = int(clocks.get_column("start").min())  # type: ignore[arg-type]
        else:
            first = as_of
        end = window.end if window.end is not None else as_of + 1
        if first > as_of:
            out[name] = ContractFigures(name, spec.customer_name, spec.currency, (), ())
            continue
        grid = contract_grid(spec, as_of, first)
        chosen = [
            i for i in range(grid.count) if int(grid.starts[i]) < end and int(grid.ends[i]) > first
        ]
        per_objective = {
            key: _objective(objective, spec, clocks, grid)
            for key, objective in spec.objectives.items()
        }
        figures = _with_credits(spec, per_objective, grid, chosen)
        out[name] = ContractFigures(
            name,
            spec.customer_name,
            spec.currency,
            tuple(grid.labels[i] for i in chosen),
            tuple(figures),
        )
    return out


def _clocks(
    spec: ContractSpec, records: pl.DataFrame, tickets: pl.DataFrame | None
) -> pl.DataFrame:
    """The contract's clocks (among ``records`` of its customer) in the columns the contract
    rules read, with ``created`` and ``excluded`` from the ticket facts."""
    # Categorical columns compared with text directly, text cast on the contract's rows only
    mine = records.filter(
        pl.col("policy").is_in(list(spec.policies)) & (pl.col("state") != State.CANCELLED.value)
    ).select(
        *(
            pl.col(c).cast(pl.String)
            if c in ("ticket_id", "metric", "priority", "state")
            else pl.col(c)
            for c in _CLOCK_COLUMNS
        ),
        pl.lit(None, dtype=pl.String).alias("warning"),
    )
    info = ticket_info(spec, tickets)
    if spec.count_by != "created":
        # only the creation needs every ticket; otherwise the few excluded ones are enough
        info = info.filter(pl.col("excluded").is_not_null())
    return mine.join(info, on="ticket_id", how="left", maintain_order="left")


@dataclass
class _Results:
    objective: ObjectiveSpec
    results: list[Outcome]


def _objective(
    objective: ObjectiveSpec, spec: ContractSpec, clocks: pl.DataFrame, grid: PeriodGrid
) -> _Results:
    frame = select(clocks, objective)
    periods = place(frame, grid, spec.count_by)
    return _Results(objective, outcomes(objective, frame, periods, grid.count))


def _value_text(objective: ObjectiveSpec, o: Outcome) -> str:
    if o.value is None:
        return "-"
    if objective.kind == "met_share":
        return pct(Fraction(o.value))
    if objective.kind == "max_breaches":
        return str(o.value)
    return format_duration(round(float(o.value)))


def _line(key: str, r: _Results, spec: ContractSpec, grid: PeriodGrid, i: int) -> CreditLine | None:
    """The objective's credit line for period ``i``, as a statement states it."""
    got = gross(r.objective, r.results[i], spec)
    if got is None:
        return None
    scheme, exact, computation = got
    amount = round_money(exact, spec.currency)
    status: LineStatus = "due"
    if grid.current == i:
        status = "provisional"
    elif spec.earn_back:
        later = [
            (grid.labels[j], r.results[j].status if j != grid.current else None)
            for j in range(i + 1, min(i + 1 + spec.earn_back, grid.count))
        ]
        status, _ = earn_back(later, spec.earn_back)
    owed = Decimal(0).quantize(amount) if status == "waived" else amount
    return CreditLine(key, scheme, amount, owed, status, computation)


def _with_credits(
    spec: ContractSpec, per_objective: dict[str, _Results], grid: PeriodGrid, chosen: list[int]
) -> list[ObjectiveFigures]:
    rows: dict[str, list[PeriodFigures]] = {key: [] for key in per_objective}
    for i in chosen:
        lines = [
            line
            for key, r in per_objective.items()
            if (line := _line(key, r, spec, grid, i)) is not None
        ]
        capped, _ = apply_cap(lines, spec)
        by_key = {line.objective: line for line in capped}
        for key, r in per_objective.items():
            o = r.results[i]
            b = budget(r.objective, o) if o.status != "no_data" else None
            line = by_key.get(key)
            rows[key].append(
                PeriodFigures(
                    period=grid.labels[i],
                    status=o.status,
                    value=_value_text(r.objective, o),
                    counted=o.counted,
                    breached=o.breached,
                    allowed=b.allowed if b is not None else None,
                    credit=line.amount if line is not None else None,
                    credit_status=line.status if line is not None else None,
                )
            )
    return [
        ObjectiveFigures(
            key,
            r.objective.kind,
            r.objective.description,
            spec.currency,
            tuple(rows[key]),
        )
        for key, r in per_objective.items()
    ]
