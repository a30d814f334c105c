"""Error budgets: allowed breaches = floor((1 − objective) × counted clocks), computed exactly;
the budget of ``max_breaches``; the warning before a period whose expected volume leaves no
breach; objectives judged on a month without tickets; statistics."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from accord.core.contracts.statement import ObjectiveReport
from tests.core.contracts.helpers import MINUTE, clock, contract, many, statement, t

OCT = t("2026-10-05T12:00:00Z")


def _report(target: str, n: int, breached: int, **kw: Any) -> ObjectiveReport:
    spec = contract(objectives={"fr": {"metric": "first_response", "met_share": target}}, **kw)
    s = statement(spec, many("T", n, OCT, breached=breached), "2026-11-02T00:00:00Z", "2026-10")
    return s.objectives[0]


def test_the_budget_is_floored_exactly() -> None:
    # (1 − 90 %) × 10 = 1 exactly; binary floats make it 0.9999999999999998, a budget of 0
    assert (1 - 0.9) * 10 < 1
    r = _report("90%", 10, 0)
    assert r.budget is not None
    assert (r.budget.allowed, r.budget.basis) == (1, "floor((1 − 90%) × 10) = 1")
    # (1 − 95 %) × 39 = 1.95 -> 1; × 40 = 2; × 19 = 0.95 -> 0
    assert [_report("95%", n, 0).budget.allowed for n in (39, 40, 19)] == [1, 2, 0]  # type: ignore[union-attr]


def test_used_and_remaining_budget() -> None:
    r = _report("95%", 40, 3)
    # allowed 2, used 3: one over
    assert r.budget is not None
    assert (r.budget.allowed, r.budget.used, r.budget.remaining) == (2, 3, -1)
    assert (r.numerator, r.denominator, r.outcome.value) == (37, 40, Fraction(37, 40))
    assert r.outcome.status == "missed"


def test_an_attainment_exactly_at_the_objective_is_met() -> None:
    r = _report("95%", 20, 1)  # 19/20 = 95 %
    assert (r.outcome.status, r.budget.remaining) == ("met", 0)  # type: ignore[union-attr]


def test_a_breach_count_objective_has_its_own_budget() -> None:
    spec = contract(objectives={"res": {"metric": "resolution", "max_breaches": 2}})
    records = many("R", 10, OCT, breached=2, metric="resolution", target=8 * 3600)
    r = statement(spec, records, "2026-11-02T00:00:00Z", "2026-10").objectives[0]
    assert r.budget is not None
    assert (r.budget.allowed, r.budget.used, r.outcome.status) == (2, 2, "met")
    assert (r.numerator, r.denominator) == (2, 10)


def test_a_month_without_tickets_has_no_outcome() -> None:
    r = statement(
        contract(objectives={"fr": {"metric": "first_response", "met_share": "95%"}}),
        many("T", 5, OCT),
        "2026-12-02T00:00:00Z",
        "2026-11",
    ).objectives[0]
    assert (r.outcome.status, r.numerator, r.denominator, r.outcome.value) == (
        "no_data",
        0,
        0,
        None,
    )
    assert r.breaches == () and r.credit is None


def _history(volumes: dict[str, int]) -> list[Any]:
    out = []
    for month, n in volumes.items():
        out += many(f"{month}-", n, t(f"{month}-10T12:00:00Z"))
    return out


def test_a_period_expected_to_allow_no_breach_is_warned_about() -> None:
    spec = contract(objectives={"fr": {"metric": "first_response", "met_share": "95%"}})
    # July to September: 10, 12 and 14 clocks, a mean of 12; (1 − 95 %) × 12 = 0.6 -> 0
    records = _history({"2026-07": 10, "2026-08": 12, "2026-09": 14})
    s = statement(spec, records, "2026-09-20T00:00:00Z")
    nxt = s.objectives[0].next_expected
    assert nxt is not None
    # the warning is for October, from the three finished months before it: July, August
    # (September is not over on 20 September, so it is not part of the mean yet)
    assert (nxt.volume, nxt.periods, nxt.allowed) == (Fraction(11), ("2026-07", "2026-08"), 0)
    october = statement(spec, records, "2026-10-02T00:00:00Z")
    exp = october.objectives[0].expected
    assert exp is not None and (exp.volume, exp.allowed) == (Fraction(12), 0)
    assert exp.warning == (
        "at the expected 12.0 clocks a period (mean of 2026-07 to 2026-09), 95% allows no "
        "breach: the first breach misses the objective; one breach is allowed from 20 clocks a "
        "period"
    )
    warnings = october.budget_json()["next_period"]
    assert warnings["period"] == "2026-11" and warnings["warnings"][0]["objective"] == "fr"


def test_no_warning_when_the_expected_volume_allows_a_breach() -> None:
    spec = contract(objectives={"fr": {"metric": "first_response", "met_share": "95%"}})
    records = _history({"2026-07": 20, "2026-08": 20, "2026-09": 20})
    exp = statement(spec, records, "2026-10-02T00:00:00Z").objectives[0].expected
    assert exp is not None and (exp.allowed, exp.warning) == (1, None)


def test_months_before_the_first_clock_do_not_lower_the_expected_volume() -> None:
    spec = contract(objectives={"fr": {"metric": "first_response", "met_share": "95%"}})
    # a new customer: 30 clocks in September, nothing before; the mean is 30 (budget 1), not
    # (0 + 0 + 30) / 3 = 10 (budget 0)
    exp = statement(spec, _history({"2026-09": 30}), "2026-10-02T00:00:00Z").objectives[0].expected
    assert exp is not None
    assert (exp.volume, exp.periods, exp.allowed) == (Fraction(30), ("2026-09",), 1)
    # but a quiet month after the first clock counts as 0
    records = _history({"2026-07": 30, "2026-09": 30})
    exp = statement(spec, records, "2026-10-02T00:00:00Z").objectives[0].expected
    assert exp is not None and exp.volume == 20


def test_a_statistic_over_the_stopped_clocks_of_the_period() -> None:
    spec = contract(
        objectives={
            "median_fr": {"metric": "first_response", "statistic": "median", "max": "30m"},
            "p90_fr": {"metric": "first_response", "statistic": "p90", "max": "30m"},
        }
    )
    at = t("2026-10-05T12:00:00Z")
    # elapsed 10, 20, 40, 50 minutes: median (20 + 40) / 2 = 30m -> met (≤ 30m);
    # p90 = 40 + 0.7 × (50 − 40) = 47m -> missed
    records = [
        clock(f"T{m}", stop=at, elapsed=m * MINUTE, breached=m > 60, target=None)
        for m in (10, 20, 40, 50)
    ]
    # an open clock has no final elapsed: left out
    records.append(clock("T9", stop=None, start=at, elapsed=500 * MINUTE, target=None))
    s = statement(spec, records, "2026-11-02T00:00:00Z", "2026-10")
    median, p90 = s.objectives
    assert (median.outcome.value, median.outcome.status, median.denominator) == (1800.0, "met", 4)
    assert (p90.outcome.value, p90.outcome.status) == (2820.0, "missed")
    assert median.budget is None and median.value_text() == "30m"
