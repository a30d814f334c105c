"""Burn over the last k completed clocks, open clocks at risk, and the forecast of the period's
end with its basis, each worked by hand."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from accord.core.records import State
from tests.core.contracts.helpers import MINUTE, clock, contract, many, statement, t, tickets

FR = {"fr": {"metric": "first_response", "met_share": "95%"}}


def _burn_records() -> list[Any]:
    # 5 old breaches, then 20 clocks of which 2 breached
    return [
        *many("A", 5, t("2026-10-01T12:00:00Z"), breached=5),
        *many("B", 20, t("2026-10-02T12:00:00Z"), breached=2),
    ]


def test_burn_counts_the_last_twenty_completed_clocks_by_default() -> None:
    s = statement(contract(objectives=FR), _burn_records(), "2026-10-20T12:00:00Z")
    burn = s.objectives[0].burn
    assert burn is not None
    # 2 of the last 20 breached = 10 %; the objective allows 1 − 95 % = 5 %: burn 10 / 5 = 2
    assert (burn.window, burn.clocks, burn.breaches) == (20, 20, 2)
    assert (burn.observed, burn.allowed, burn.rate) == (Fraction(1, 10), Fraction(1, 20), 2.0)
    assert burn.basis == (
        "2 breached of the last 20 completed clocks (10.00%) ÷ 5.00% allowed = burn 2.00"
    )


def test_the_burn_window_is_configurable() -> None:
    spec = contract(burn_window=25, objectives=FR)
    burn = statement(spec, _burn_records(), "2026-10-20T12:00:00Z").objectives[0].burn
    # 7 of 25 = 28 %, ÷ 5 % = 5.6
    assert burn is not None and burn.rate == pytest.approx(5.6)


def test_burn_with_fewer_clocks_than_the_window_uses_what_there_is() -> None:
    burn = statement(
        contract(objectives=FR), many("T", 4, t("2026-10-02T12:00:00Z"), breached=1),
        "2026-10-20T12:00:00Z",
    ).objectives[0].burn  # fmt: skip
    # 1 of 4 = 25 % ÷ 5 % = 5
    assert burn is not None and (burn.clocks, burn.rate) == (4, 5.0)


def test_burn_of_a_breach_count_objective_uses_the_expected_volume() -> None:
    spec = contract(objectives={"fr": {"metric": "first_response", "max_breaches": 2}})
    records = [
        *many("S", 40, t("2026-09-10T12:00:00Z")),  # September: 40 clocks, none late
        *many("O", 10, t("2026-10-02T12:00:00Z"), breached=1),
    ]
    burn = statement(spec, records, "2026-10-20T12:00:00Z").objectives[0].burn
    # allowed share 2 breaches / 40 expected clocks = 5 %; observed 1 of the last 20 = 5 %
    assert burn is not None and (burn.allowed, burn.rate) == (Fraction(1, 20), 1.0)


def _open(ticket: str, **kw: Any) -> Any:
    kw.setdefault("start", t("2026-10-20T11:10:00Z"))
    return clock(ticket, stop=None, **kw)


def test_open_clocks_at_risk() -> None:
    as_of = "2026-10-20T12:00:00Z"
    records = [
        *many("B", 20, t("2026-10-02T12:00:00Z"), breached=2),  # typical: 30 minutes
        # past the policy's 75 % warning
        _open("W", elapsed=46 * MINUTE, warning="75%"),
        # 10 minutes left, less than the typical 30 minutes, due before the month's end
        _open("S", elapsed=50 * MINUTE, due=t("2026-10-20T12:10:00Z")),
        # 50 minutes left: more than a typical clock needs
        _open("L", elapsed=10 * MINUTE, due=t("2026-10-20T12:50:00Z")),
        # warned, but due after the period's end: it cannot breach in October
        _open("N", elapsed=46 * MINUTE, warning="75%", due=t("2026-11-03T00:00:00Z")),
        # paused past a warning: no due instant, at risk by its warning
        replace(_open("P", elapsed=50 * MINUTE, warning="30m left"), state=State.PAUSED, due=None),
        # warned, but its ticket is excluded
        _open("X", elapsed=50 * MINUTE, warning="75%"),
    ]
    facts = tickets([{"ticket_id": "X", "flag": "vendor outage"}])
    s = statement(contract(objectives=FR), records, as_of, facts=facts)
    risky = {r.ticket_id: r.reason for r in s.objectives[0].at_risk}
    assert risky == {
        "W": "warning 75% reached",
        "S": "10m left before due, less than the typical 30m",
        "P": "warning 30m left reached",
    }
    assert [r.ticket_id for r in s.objectives[0].at_risk][-1] == "P"  # no due instant: last


def _forecast_records() -> list[Any]:
    out: list[Any] = []
    for month in ("2026-08", "2026-09", "2026-10"):  # 40 clocks a month, none late
        out += many(month, 40, t(f"{month}-10T12:00:00Z"))
    out += many("N", 18, t("2026-11-05T12:00:00Z"), breached=1)  # November so far: 17 of 18
    for ticket in ("R1", "R2"):  # open and past a warning, due in November
        out.append(_open(ticket, start=t("2026-11-15T23:20:00Z"), elapsed=40 * MINUTE,
                         warning="75%"))  # fmt: skip
    return out


def test_the_forecast_of_the_period_end_and_its_basis() -> None:
    # 15 November 23:59:59 UTC: exactly half of November (15 of 30 days) has elapsed
    s = statement(contract(objectives=FR), _forecast_records(), "2026-11-15T23:59:59Z")
    o = s.objectives[0]
    assert (s.period, s.final, s.elapsed) == ("2026-11", False, 0.5)
    assert (o.outcome.counted, o.outcome.breached, len(o.at_risk)) == (18, 1, 2)
    f = o.forecast
    assert f is not None
    # expected remaining R = mean 40 a month × ½ left = 20
    # recent breach share r = 1 of the last 20 completed (18 of November, 2 of October) = 5 %
    # judged   = 18 + max(20, 2)            = 38
    # breaches = 1 + 2 at risk + (20 − 2) × 5 % = 3.9
    # attainment = 1 − 3.9 / 38 = 34.1 / 38 = 89.73… % < 95 %: likely missed
    assert (f.judged, f.breaches) == (Fraction(38), Fraction(39, 10))
    assert (f.value, f.status) == (Fraction(341, 380), "missed")
    assert f.basis == (
        "judged 18 + 20.0 expected (mean 40.0 a period × 50.0% of it left) = 38.0; breaches 1 "
        "+ 2 open at risk + 18.0 × 5.00% recent breach share = 3.9; attainment 89.73% against 95%"
    )


def test_without_history_the_forecast_follows_the_periods_own_pace() -> None:
    spec = contract(objectives={**FR, "fr_count": {"metric": "first_response", "max_breaches": 1}})
    records = many("N", 10, t("2026-11-05T12:00:00Z"), breached=1)
    fr, count = statement(spec, records, "2026-11-15T23:59:59Z").objectives
    # R = 10 so far × ½ left ÷ ½ elapsed = 10; r = 1 of 10 = 10 %
    # judged = 10 + 10 = 20; breaches = 1 + 0 + 10 × 10 % = 2; attainment 18 / 20 = 90 %
    assert fr.forecast is not None and fr.forecast.value == Fraction(9, 10)
    # the same clocks against "at most 1 breach": 2 expected breaches, likely missed
    assert count.forecast is not None
    assert (count.forecast.value, count.forecast.status) == (Fraction(2), "missed")


def test_a_finished_period_has_no_forecast_burn_or_risk() -> None:
    s = statement(contract(objectives=FR), _forecast_records(), "2026-11-15T23:59:59Z", "2026-10")
    o = s.objectives[0]
    assert (s.final, o.forecast, o.burn, o.at_risk) == (True, None, None, ())


def test_budget_json_carries_budget_burn_risk_and_forecast() -> None:
    s = statement(contract(objectives=FR), _forecast_records(), "2026-11-15T23:59:59Z")
    data = s.budget_json()
    fr = data["objectives"][0]
    assert (data["period"], data["final"], fr["numerator"], fr["denominator"]) == (
        "2026-11", False, 17, 18)  # fmt: skip
    assert fr["budget"] == {"allowed": 0, "used": 1, "remaining": -1,
                            "basis": "floor((1 − 95%) × 18) = 0"}  # fmt: skip
    assert fr["burn"]["rate"] == 1.0  # 5 % observed ÷ 5 % allowed
    assert [r["ticket_id"] for r in fr["at_risk"]] == ["R1", "R2"]
    assert fr["forecast"]["value_text"] == "89.73%" and fr["forecast"]["status"] == "missed"
    assert fr["expected"]["volume"] == 40.0
    assert data["next_period"] == {"period": "2026-12", "warnings": []}
