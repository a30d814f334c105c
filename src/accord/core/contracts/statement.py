"""A customer's statement for one contract period: every objective with its numerator and
denominator, the breaches with their tickets, the error budget, the credits and how each was
computed; for the period containing as-of also burn, open clocks at risk and the forecast.

Pure: the records, the ticket facts and as-of are arguments. The CLI (``accord statement``)
and the service (``/api/v1/customers/{customer}/statement`` and ``/budget``) serialise the same
:class:`Statement` (``to_json``, ``budget_json``, ``csv_rows``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.contracts.assignment import (
    JUDGED,
    Span,
    contract_clocks,
    counted,
    place,
    resolve_period,
    select,
)
from accord.core.contracts.budget import (
    Budget,
    Expected,
    Outcome,
    budget,
    expected,
    outcomes,
    pct,
    share_text,
)
from accord.core.contracts.credits import (
    CreditLine,
    LineStatus,
    apply_cap,
    earn_back,
    gross,
    period_fee,
    round_money,
)
from accord.core.contracts.forecast import (
    AtRisk,
    Burn,
    Forecast,
    at_risk,
    burn,
    forecast,
    remaining_volume,
)
from accord.core.contracts.models import ContractSpec, ObjectiveSpec
from accord.core.kpi.periods import DAY, period_grid
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, format_duration, iso


@dataclass(frozen=True)
class Breach:
    """One breached clock counted in the period."""

    ticket_id: str
    metric: str
    cycle: int
    breached_at: Instant | None
    breached_by: int | None  # business seconds over the target (at as-of while still open)
    open: bool


@dataclass(frozen=True)
class Excluded:
    """A ticket whose clocks would have counted in the period, and why they do not."""

    ticket_id: str
    reason: str


@dataclass(frozen=True)
class ObjectiveReport:
    name: str
    spec: ObjectiveSpec
    outcome: Outcome
    budget: Budget | None
    expected: Expected | None
    breaches: tuple[Breach, ...]
    burn: Burn | None
    at_risk: tuple[AtRisk, ...]
    forecast: Forecast | None
    next_expected: Expected | None
    credit: CreditLine | None = None

    @property
    def numerator(self) -> int | float | None:
        """Met clocks (``met_share``), breaches (``max_breaches``) or the statistic."""
        kind = self.spec.kind
        if kind == "met_share":
            return self.outcome.met
        if kind == "max_breaches":
            return self.outcome.breached
        value = self.outcome.value
        return float(value) if value is not None else None

    @property
    def denominator(self) -> int:
        return self.outcome.counted

    def describe(self) -> str:
        o = self.spec
        what = " or ".join(o.metric)
        if o.priority is not None:
            what += f" (priority {', '.join(o.priority)})"
        if o.met_share is not None:
            return f"≥ {share_text(Fraction(o.met_share))} of {what} clocks met"
        if o.max_breaches is not None:
            clocks = "clock" if o.max_breaches == 1 else "clocks"
            return f"at most {o.max_breaches} breached {what} {clocks}"
        return f"{o.statistic} business time of {what} ≤ {format_duration(o.max)}"

    def target(self) -> str | int:
        o = self.spec
        if o.met_share is not None:
            return share_text(Fraction(o.met_share))
        if o.max_breaches is not None:
            return o.max_breaches
        assert o.max is not None
        return o.max

    def value_text(self) -> str:
        return _value_text(self.spec, self.outcome.value)


def _value_text(spec: ObjectiveSpec, value: Fraction | int | float | None) -> str:
    if value is None:
        return "-"
    if spec.kind == "met_share":
        return pct(Fraction(value))
    if spec.kind == "max_breaches":  # a forecast of breaches is fractional
        return str(value) if isinstance(value, int) else f"{float(value):.1f}"
    return format_duration(round(value))


def _number(value: Fraction | int | float | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return round(float(value), 6)


@dataclass(frozen=True)
class Statement:
    contract: str
    spec: ContractSpec
    period: str
    start: Instant
    end: Instant
    final: bool
    elapsed: float
    as_of: Instant
    period_fee: Decimal
    objectives: tuple[ObjectiveReport, ...]
    excluded: tuple[Excluded, ...]
    credits: tuple[CreditLine, ...]
    cap: str | None
    next_period: str | None

    @property
    def customer(self) -> str:
        return self.spec.customer_name

    def _total(self, *statuses: LineStatus) -> Decimal:
        zero = round_money(Fraction(0), self.spec.currency)
        return sum((c.amount for c in self.credits if c.status in statuses), zero)

    @property
    def total_due(self) -> Decimal:
        return self._total("due")

    @property
    def total_pending(self) -> Decimal:
        """Credits that may still be owed: the period is not over, or earn-back is open."""
        return self._total("pending", "provisional")

    @property
    def total_waived(self) -> Decimal:
        zero = round_money(Fraction(0), self.spec.currency)
        return sum((c.gross for c in self.credits if c.status == "waived"), zero)

    # ---- serialisation

    def _head(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "customer": self.customer,
            "period": self.period,
            "period_start": iso(self.start),
            "period_end": iso(self.end),
            "final": self.final,
            "elapsed": round(self.elapsed, 6),
            "as_of": iso(self.as_of),
            "tz": self.spec.tz,
            "count_by": self.spec.count_by,
        }

    def to_json(self) -> dict[str, Any]:
        """The whole statement as JSON-ready data (money as decimal text)."""
        return {
            **self._head(),
            "currency": self.spec.currency,
            "monthly_fee": str(self.spec.monthly_fee),
            "period_fee": str(self.period_fee),
            "objectives": [_objective_json(o) for o in self.objectives],
            "excluded": [{"ticket_id": e.ticket_id, "reason": e.reason} for e in self.excluded],
            "credits": [_credit_json(c) for c in self.credits],
            "cap": self.cap,
            "totals": {
                "due": str(self.total_due),
                "pending": str(self.total_pending),
                "waived": str(self.total_waived),
            },
        }

    def budget_json(self) -> dict[str, Any]:
        """The budget view: per objective the budget, burn, open clocks at risk and forecast;
        and the warnings for the next period."""
        items = []
        warnings = []
        for o in self.objectives:
            items.append(
                {
                    "name": o.name,
                    "kind": o.spec.kind,
                    "description": o.describe(),
                    "target": o.target(),
                    "numerator": _number(o.numerator),
                    "denominator": o.denominator,
                    "value": _number(o.outcome.value),
                    "value_text": o.value_text(),
                    "status": o.outcome.status,
                    "budget": _budget_json(o.budget),
                    "expected": _expected_json(o.expected),
                    "burn": _burn_json(o.burn),
                    "at_risk": [_risk_json(r) for r in o.at_risk],
                    "forecast": _forecast_json(o.spec, o.forecast),
                }
            )
            nxt = o.next_expected
            if nxt is not None and nxt.warning is not None:
                warnings.append({"objective": o.name, "warning": nxt.warning})
        return {
            **self._head(),
            "objectives": items,
            "next_period": None
            if self.next_period is None
            else {"period": self.next_period, "warnings": warnings},
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per objective, then the totals."""
        rows: list[dict[str, Any]] = []
        for o in self.objectives:
            b, c = o.budget, o.credit
            rows.append(
                {
                    "customer": self.customer,
                    "period": self.period,
                    "objective": o.name,
                    "kind": o.spec.kind,
                    "target": o.target(),
                    "numerator": _number(o.numerator),
                    "denominator": o.denominator,
                    "value": o.value_text(),
                    "status": o.outcome.status,
                    "allowed": b.allowed if b else None,
                    "used": b.used if b else None,
                    "remaining": b.remaining if b else None,
                    "breached_tickets": " ".join(dict.fromkeys(x.ticket_id for x in o.breaches)),
                    "credit_scheme": c.scheme if c else None,
                    "credit": str(c.amount) if c else None,
                    "credit_status": c.status if c else None,
                    "computation": "; ".join((c.computation, *c.notes)) if c else None,
                }
            )
        for status, total in (("due", self.total_due), ("pending", self.total_pending)):
            rows.append(
                {
                    **dict.fromkeys(rows[0] if rows else CSV_COLUMNS),
                    "customer": self.customer,
                    "period": self.period,
                    "objective": "total",
                    "credit": str(total),
                    "credit_status": status,
                }
            )
        return rows


CSV_COLUMNS = ("customer", "period", "objective", "kind", "target", "numerator", "denominator",
               "value", "status", "allowed", "used", "remaining", "breached_tickets",
               "credit_scheme", "credit", "credit_status", "computation")  # fmt: skip


def _budget_json(b: Budget | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {"allowed": b.allowed, "used": b.used, "remaining": b.remaining, "basis": b.basis}


def _expected_json(e: Expected | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "volume": round(float(e.volume), 6),
        "periods": list(e.periods),
        "allowed": e.allowed,
        "warning": e.warning,
    }


def _burn_json(b: Burn | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "window": b.window,
        "clocks": b.clocks,
        "breaches": b.breaches,
        "observed": _number(b.observed),
        "allowed": _number(b.allowed),
        "rate": None if b.rate is None else round(b.rate, 6),
        "typical": b.typical,
        "basis": b.basis,
    }


def _risk_json(r: AtRisk) -> dict[str, Any]:
    return {
        "ticket_id": r.ticket_id,
        "metric": r.metric,
        "cycle": r.cycle,
        "state": r.state,
        "due": iso(r.due),
        "remaining": r.remaining,
        "reason": r.reason,
    }


def _forecast_json(spec: ObjectiveSpec, f: Forecast | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "value": _number(f.value),
        "value_text": _value_text(spec, f.value),
        "status": f.status,
        "judged": round(float(f.judged), 6),
        "breaches": round(float(f.breaches), 6),
        "basis": f.basis,
    }


def _credit_json(c: CreditLine) -> dict[str, Any]:
    return {
        "objective": c.objective,
        "scheme": c.scheme,
        "gross": str(c.gross),
        "amount": str(c.amount),
        "status": c.status,
        "computation": c.computation,
        "notes": list(c.notes),
    }


def _objective_json(o: ObjectiveReport) -> dict[str, Any]:
    return {
        "name": o.name,
        "kind": o.spec.kind,
        "description": o.describe(),
        "metric": list(o.spec.metric),
        "priority": list(o.spec.priority) if o.spec.priority is not None else None,
        "target": o.target(),
        "numerator": _number(o.numerator),
        "denominator": o.denominator,
        "value": _number(o.outcome.value),
        "value_text": o.value_text(),
        "status": o.outcome.status,
        "met": o.outcome.met,
        "breached": o.outcome.breached,
        "budget": _budget_json(o.budget),
        "expected": _expected_json(o.expected),
        "breaches": [
            {
                "ticket_id": b.ticket_id,
                "metric": b.metric,
                "cycle": b.cycle,
                "breached_at": iso(b.breached_at),
                "breached_by": b.breached_by,
                "open": b.open,
            }
            for b in o.breaches
        ],
        "burn": _burn_json(o.burn),
        "at_risk": [_risk_json(r) for r in o.at_risk],
        "forecast": _forecast_json(o.spec, o.forecast),
        "credit": _credit_json(o.credit) if o.credit is not None else None,
    }


# ---------------------------------------------------------------- building


def find_contract(
    contracts: Mapping[str, ContractSpec], customer: str
) -> tuple[str, ContractSpec] | None:
    """The contract of ``customer`` (the loader allows one per customer)."""
    for name, spec in contracts.items():
        if spec.customer == customer:
            return name, spec
    return None


def ticket_fields(contracts: Iterable[ContractSpec]) -> list[str]:
    """The custom fields the contracts' exclusion flags read: the ticket facts must hold them."""
    names = (c.exclude.flag_field for c in contracts)
    return list(dict.fromkeys(n for n in names if n is not None))


def build_statement(
    name: str,
    contract: ContractSpec,
    records: Sequence[MetricRecord],
    tickets: pl.DataFrame | None,
    as_of: Instant,
    period: str | None = None,
) -> Statement:
    """The statement of contract ``name`` for ``period`` (``2026-10``, ``2026-Q4``,
    ``current`` or ``previous``; default: the period containing as-of).

    ``records`` are the engine's records at ``as_of`` (any customers: the contract picks its
    own) and ``tickets`` the ticket facts at ``as_of`` with :func:`ticket_fields` among their
    custom fields. Raises :class:`~accord.errors.InputError` for a period that is not one of
    the contract's or has not started.
    """
    clocks = contract_clocks(contract, records, tickets)
    return statement_of_clocks(name, contract, clocks, as_of, period)


def statement_of_clocks(
    name: str,
    contract: ContractSpec,
    clocks: pl.DataFrame,
    as_of: Instant,
    period: str | None = None,
) -> Statement:
    """:func:`build_statement` of the contract's clocks at ``as_of`` (the frame
    :func:`~accord.core.contracts.assignment.contract_clocks` makes, in any row order)."""
    span = resolve_period(contract, period, as_of, history=contract.volume_periods)
    reports: list[ObjectiveReport] = []
    excluded: dict[str, str] = {}
    for key, objective in contract.objectives.items():
        report, gone = _objective(key, objective, contract, clocks, span)
        reports.append(report)
        for ticket, reason in gone:
            excluded.setdefault(ticket, reason)
    lines = [r.credit for r in reports if r.credit is not None]
    capped, cap_note = apply_cap(lines, contract)
    by_objective = {line.objective: line for line in capped}
    reports = [replace(r, credit=by_objective.get(r.name)) for r in reports]
    next_period = None
    if span.latest:
        if contract.rolling is not None:
            next_period = f"the {contract.rolling} days after as-of"
        else:
            next_period = period_grid(contract.period_spec, span.end, 1).labels[0]
    return Statement(
        contract=name,
        spec=contract,
        period=span.label,
        start=span.start,
        end=span.end,
        final=span.final,
        elapsed=span.elapsed,
        as_of=as_of,
        period_fee=round_money(period_fee(contract), contract.currency),
        objectives=tuple(reports),
        excluded=tuple(Excluded(t, r) for t, r in sorted(excluded.items())),
        credits=tuple(capped),
        cap=cap_note,
        next_period=next_period,
    )


def _objective(
    key: str, objective: ObjectiveSpec, contract: ContractSpec, clocks: pl.DataFrame, span: Span
) -> tuple[ObjectiveReport, list[tuple[str, str]]]:
    """One objective's report for the span, and the excluded tickets that would have counted."""
    grid, p = span.grid, span.index
    frame = select(clocks, objective)
    periods = place(frame, grid, contract.count_by)
    results = outcomes(objective, frame, periods, grid.count)
    first = _first_period(frame, span)
    exp = expected(objective, results, grid.labels, p, contract.volume_periods, first)
    here = frame.filter(pl.Series(periods == p))
    gone = (
        here.filter(pl.col("excluded").is_not_null() & pl.col("state").is_in(JUDGED))
        .select("ticket_id", "excluded")
        .rows()
    )
    next_exp = None
    if span.latest:
        # the periods over when the next one starts: the current one too when it is a rolling
        # window, which ends at as-of
        upto = grid.count if grid.current is None else grid.count - 1
        next_exp = expected(objective, results, grid.labels, upto, contract.volume_periods, first)
    recent, risky, fc = _outlook(objective, contract, frame, periods, span, results[p], exp)
    report = ObjectiveReport(
        name=key,
        spec=objective,
        outcome=results[p],
        budget=budget(objective, results[p]),
        expected=exp,
        breaches=_breaches(objective, here.filter(counted(objective))),
        burn=recent,
        at_risk=risky,
        forecast=fc,
        next_expected=next_exp,
        credit=_credit(key, objective, contract, results, span),
    )
    return report, gone


def _breaches(objective: ObjectiveSpec, judged: pl.DataFrame) -> tuple[Breach, ...]:
    """The breached clocks among the period's judged ones, in the order they breached."""
    if objective.kind == "statistic":
        return ()
    late = judged.filter(pl.col("state") == State.BREACHED.value).sort(
        ["breached_at", "ticket_id", "metric", "cycle"], nulls_last=True
    )
    return tuple(
        Breach(
            row["ticket_id"],
            row["metric"],
            row["cycle"],
            row["breached_at"],
            row["business_elapsed"] - row["target"],
            row["stop"] is None,
        )
        for row in late.iter_rows(named=True)
    )


def _outlook(
    objective: ObjectiveSpec,
    contract: ContractSpec,
    frame: pl.DataFrame,
    periods: npt.NDArray[np.int32],
    span: Span,
    outcome: Outcome,
    exp: Expected | None,
) -> tuple[Burn | None, tuple[AtRisk, ...], Forecast | None]:
    """Burn and open clocks at risk (the latest period only) and the forecast (an unfinished
    one: then it is the latest of the grid)."""
    recent: Burn | None = None
    risky: tuple[AtRisk, ...] = ()
    if span.latest and objective.kind != "statistic":
        recent = burn(objective, frame, contract.burn_window, _allowed_share(objective, exp))
        # a rolling window ends at as-of: a clock can still breach within the next one
        horizon = span.end if contract.rolling is None else span.end + contract.rolling * DAY
        if contract.count_by == "created":  # only clocks of tickets created in the period
            frame = frame.filter(pl.Series(periods == span.index))
        risky = tuple(at_risk(frame, horizon, recent.typical))
    if span.final:
        return recent, risky, None
    elapsed = Fraction(span.grid.as_of + 1 - span.start, span.end - span.start)
    volume = exp.volume if exp is not None else None
    remaining = remaining_volume(outcome, volume, 1 - elapsed, elapsed)
    return recent, risky, forecast(objective, outcome, len(risky), remaining, recent)


def _allowed_share(objective: ObjectiveSpec, exp: Expected | None) -> Fraction | None:
    """The share of clocks the objective allows to breach: ``1 − objective``, or for
    ``max_breaches`` the allowed breaches over the expected volume (unknown without one)."""
    if objective.met_share is not None:
        return 1 - Fraction(objective.met_share)
    assert objective.max_breaches is not None
    if exp is None or exp.volume == 0:
        return None
    return Fraction(objective.max_breaches) / exp.volume


def _first_period(frame: pl.DataFrame, span: Span) -> int | None:
    """The grid period in which the objective's first clock started (0 when earlier)."""
    if frame.is_empty():
        return None
    starts = frame.get_column("start").to_numpy()
    idx = span.grid.index(starts.astype("int64"))
    return 0 if (idx < 0).any() else int(idx.min())


def _credit(
    key: str,
    objective: ObjectiveSpec,
    contract: ContractSpec,
    results: list[Outcome],
    span: Span,
) -> CreditLine | None:
    got = gross(objective, results[span.index], contract)
    if got is None:
        return None
    scheme, exact, computation = got
    amount = round_money(exact, contract.currency)
    status: LineStatus = "due"
    notes: tuple[str, ...] = ()
    if not span.final:
        status = "provisional"
        notes = ("provisional: the period is not over",)
    elif contract.earn_back:
        grid = span.grid
        later = [
            (grid.labels[j], results[j].status if j != grid.current else None)
            for j in range(span.index + 1, min(span.index + 1 + contract.earn_back, grid.count))
        ]
        status, note = earn_back(later, contract.earn_back)
        notes = (note,)
    owed = Decimal(0).quantize(amount) if status == "waived" else amount
    return CreditLine(key, scheme, amount, owed, status, computation, notes)
