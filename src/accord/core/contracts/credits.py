"""Service credits: what each objective's outcome costs, in the contract's currency.

**The period fee** is the monthly fee × 1 for a month, × 3 for a quarter, × N ÷ 30 for a
rolling window of N days. Shares of "the fee" are shares of the period fee.

**Schemes** (one per objective):

- ``tiers``: the attainment falls in a tier when it is below the tier's threshold; the lowest
  such threshold wins (below 99.99 % → 10 %, below 99 % → 30 %, below 95 % → 100 %). Credit =
  its share × the period fee;
- ``per_breach``: the amount × the period's breaches;
- ``per_point``: for each percentage point of attainment below the objective (fractions of a
  point count), a share of the period fee or an amount;
- ``pool``: ``at_risk_pool`` × the period fee is at risk; the objective's allocation is
  ``pool`` of it; ``missed`` pays that share of the allocation when the objective is missed,
  ``tiers`` pay their share of the allocation by attainment.

A period without counted clocks earns no credit.

**Rounding**: every amount is computed exactly (as a fraction) and rounded once, half up to
the currency's minor unit (cents for USD, none for JPY, three places for KWD), at the end of
its line. The cap and the totals are sums of rounded lines, so they need no rounding of their
own (the cap itself is rounded the same way when it is a share of the fee).

**Earn-back** (``earn_back: N``): a credit is waived when the objective is met in each of the
N periods after it (a period without clocks counts as met: nothing was missed). It is *due*
as soon as one of them is missed, *pending* while they are not all over, and the credit of a
period not over yet is *provisional*.

**Cap** (``credit_cap``): the credits of one period that are not waived add up to at most
the cap (a share of the period fee or an amount). Lines take from the cap in the order of the
objectives; the line that reaches it is cut, later ones come to zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from accord.core.contracts.budget import Outcome, Status, pct, share_text
from accord.core.contracts.models import ContractSpec, ObjectiveSpec, Tier, minor_unit

LineStatus = Literal["due", "provisional", "pending", "waived"]


@dataclass(frozen=True)
class CreditLine:
    """One objective's credit in one period: ``gross`` as its scheme computes it, ``amount``
    what is owed after earn-back and the cap, and how each came about."""

    objective: str
    scheme: str
    gross: Decimal
    amount: Decimal
    status: LineStatus
    computation: str
    notes: tuple[str, ...] = ()


def period_fee(contract: ContractSpec) -> Fraction:
    """The fee of one contract period (see the module's documentation)."""
    fee = Fraction(contract.monthly_fee)
    if contract.rolling is not None:
        return fee * contract.rolling / 30
    return fee * 3 if contract.period == "quarter" else fee


def round_money(value: Fraction, currency: str) -> Decimal:
    """``value`` rounded half up to the currency's minor unit (credits are never negative)."""
    places = minor_unit(currency)
    units = math.floor(value * 10**places + Fraction(1, 2))
    return Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def money(value: Decimal | Fraction, currency: str) -> str:
    """``20,000.00 USD`` (a fraction is rounded for display only)."""
    d = value if isinstance(value, Decimal) else round_money(value, currency)
    return f"{d:,} {currency}"


def _tier(tiers: Sequence[Tier], attainment: Fraction) -> Tier | None:
    # tiers run from the highest threshold down: the last one the attainment is below wins
    hit = None
    for tier in tiers:
        if attainment < Fraction(tier.below):
            hit = tier
    return hit


def gross(
    objective: ObjectiveSpec, outcome: Outcome, contract: ContractSpec
) -> tuple[str, Fraction, str] | None:
    """The scheme, the exact credit and its computation line; ``None`` when nothing is due."""
    credit = objective.credit
    if credit is None or credit.scheme is None or outcome.status == "no_data":
        return None
    fee = period_fee(contract)
    cur = contract.currency
    fee_text = f"the period fee {money(fee, cur)}"
    attainment = outcome.value if isinstance(outcome.value, Fraction) else None
    scheme = credit.scheme
    if scheme == "per_breach":
        assert credit.per_breach is not None
        if outcome.breached == 0:
            return None
        amount = Fraction(credit.per_breach) * outcome.breached
        return (
            scheme,
            amount,
            (
                f"{outcome.breached} breach{'es' if outcome.breached != 1 else ''} × "
                f"{money(credit.per_breach, cur)} = {money(amount, cur)}"
            ),
        )
    if scheme == "tiers":
        assert credit.tiers is not None and attainment is not None
        tier = _tier(credit.tiers, attainment)
        if tier is None:
            return None
        amount = fee * Fraction(tier.credit)
        return (
            scheme,
            amount,
            (
                f"attainment {pct(attainment)} ({outcome.met} of {outcome.counted}) is below "
                f"{share_text(Fraction(tier.below))}: {share_text(Fraction(tier.credit))} of "
                f"{fee_text} = {money(amount, cur)}"
            ),
        )
    if scheme == "per_point":
        assert credit.per_point is not None and attainment is not None
        assert objective.met_share is not None
        target = Fraction(objective.met_share)
        if attainment >= target:
            return None
        points = (target - attainment) * 100
        if credit.per_point.share is not None:
            rate = fee * Fraction(credit.per_point.share)
            rate_text = f"{share_text(Fraction(credit.per_point.share))} of {fee_text}"
        else:
            assert credit.per_point.money is not None
            rate = Fraction(credit.per_point.money)
            rate_text = money(credit.per_point.money, cur)
        amount = points * rate
        return (
            scheme,
            amount,
            (
                f"attainment {pct(attainment)} ({outcome.met} of {outcome.counted}) is "
                f"{float(points):.4g} points below {share_text(target)}: {float(points):.4g} × "
                f"{rate_text} = {money(amount, cur)}"
            ),
        )
    assert credit.pool is not None and contract.at_risk_pool is not None
    pool = fee * Fraction(contract.at_risk_pool)
    allocation = pool * Fraction(credit.pool)
    head = (
        f"{share_text(Fraction(contract.at_risk_pool))} of {fee_text} at risk = "
        f"{money(pool, cur)}; {share_text(Fraction(credit.pool))} allocated to this objective = "
        f"{money(allocation, cur)}"
    )
    if credit.tiers is not None:
        assert attainment is not None
        tier = _tier(credit.tiers, attainment)
        if tier is None:
            return None
        share = Fraction(tier.credit)
        why = f"attainment {pct(attainment)} is below {share_text(Fraction(tier.below))}"
    else:
        assert credit.missed is not None
        if outcome.status != "missed":
            return None
        share = Fraction(credit.missed)
        why = "missed"
    amount = allocation * share
    return scheme, amount, f"{head}; {why}: {share_text(share)} of it = {money(amount, cur)}"


def earn_back(later: Sequence[tuple[str, Status | None]], periods: int) -> tuple[LineStatus, str]:
    """A credit's status from the ``periods`` periods after it: ``later`` holds the label and
    outcome of each that is over (``None`` for one that is not), up to ``periods`` of them."""
    missed = [label for label, status in later if status == "missed"]
    if missed:
        return "due", f"not earned back: the objective was missed in {missed[0]}"
    done = [label for label, status in later if status is not None]
    if len(done) == periods:
        return "waived", f"waived: earned back by meeting the objective in {', '.join(done)}"
    left = periods - len(done)
    return "pending", (
        f"earn-back: waived if the objective is met in the next {left} period"
        f"{'s' if left != 1 else ''} as well"
        + (f" (met so far in {', '.join(done)})" if done else "")
    )


def cap_amount(contract: ContractSpec) -> Decimal | None:
    cap = contract.credit_cap
    if cap is None:
        return None
    if cap.money is not None:
        return cap.money
    assert cap.share is not None
    return round_money(period_fee(contract) * Fraction(cap.share), contract.currency)


def apply_cap(
    lines: Sequence[CreditLine], contract: ContractSpec
) -> tuple[list[CreditLine], str | None]:
    """Lines cut to the period's cap in order (waived lines take nothing), and how the cap
    came about (``None`` without a cap)."""
    cap = cap_amount(contract)
    if cap is None:
        return list(lines), None
    cur = contract.currency
    cap_text = f"{money(cap, cur)} a period"
    if contract.credit_cap is not None and contract.credit_cap.share is not None:
        cap_text += (
            f" ({share_text(Fraction(contract.credit_cap.share))} of the period fee "
            f"{money(period_fee(contract), cur)})"
        )
    left = cap
    out: list[CreditLine] = []
    for line in lines:
        if line.status == "waived":
            out.append(line)
            continue
        amount = min(line.amount, left)
        if amount < line.amount:
            note = f"cut to {money(amount, cur)} by the cap of {cap_text}"
            line = replace(line, amount=amount, notes=(*line.notes, note))
        left -= amount
        out.append(line)
    return out, f"credits are capped at {cap_text}"
