"""Credit schemes, each with a worked example whose amount is computed by hand in the test:
tiers, a fixed amount per breach, a linear credit per point, an at-risk pool, caps,
earn-back over several periods, and the rounding of money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import Statement
from tests.core.contracts.helpers import contract, many, statement, t

OCT = t("2026-10-05T12:00:00Z")  # clocks stop from here, one minute apart (UTC contract)
AFTER_OCT = "2026-11-02T00:00:00Z"  # October is over

CLOUD_TIERS = [
    {"below": "99.99%", "credit": "10%"},
    {"below": "99%", "credit": "30%"},
    {"below": "95%", "credit": "100%"},
]


def _fr(**credit: Any) -> dict[str, Any]:
    return {"fr": {"metric": "first_response", "met_share": "95%", "credit": credit}}


def _one(spec: ContractSpec, n: int, breached: int, **kw: Any) -> Statement:
    return statement(spec, many("T", n, OCT, breached=breached), AFTER_OCT, "2026-10", **kw)


# ---------------------------------------------------------------- tiers


def test_tiers_give_the_share_of_the_lowest_threshold_the_attainment_is_below() -> None:
    spec = contract(objectives=_fr(tiers=CLOUD_TIERS))
    # 10,000 clocks, 2 breached: 99.98 % < 99.99 % (but not < 99 %) -> 10 % of 20,000 = 2,000
    s = _one(spec, 10_000, 2)
    assert [(c.scheme, c.amount, c.status) for c in s.credits] == [
        ("tiers", Decimal("2000.00"), "due")
    ]
    assert s.credits[0].computation == (
        "attainment 99.98% (9998 of 10000) is below 99.99%: 10% of the period fee "
        "20,000.00 USD = 2,000.00 USD"
    )
    # 100 clocks, 2 breached: 98 % < 99 % -> 30 % of 20,000 = 6,000
    assert _one(spec, 100, 2).total_due == Decimal("6000.00")
    # 100 clocks, 6 breached: 94 % < 95 % -> 100 % = 20,000
    assert _one(spec, 100, 6).total_due == Decimal("20000.00")


def test_an_attainment_exactly_at_a_threshold_is_not_below_it() -> None:
    spec = contract(objectives=_fr(tiers=CLOUD_TIERS))
    # 9,999 of 10,000 = 99.99 % exactly: not below 99.99 %, so no credit at all
    assert _one(spec, 10_000, 1).credits == ()
    # 95 of 100 = 95 %: below 99 % (30 % = 6,000) but not below 95 %
    assert _one(spec, 100, 5).total_due == Decimal("6000.00")


# ---------------------------------------------------------------- per breach


def test_a_fixed_amount_for_every_breach() -> None:
    spec = contract(
        objectives={
            "p1_resolution": {
                "metric": "resolution",
                "max_breaches": 2,
                "credit": {"per_breach": "250.00"},
            }
        }
    )
    records = many("R", 10, OCT, breached=3, metric="resolution", target=8 * 3600)
    s = statement(spec, records, AFTER_OCT, "2026-10")
    # 3 breaches × 250.00 = 750.00
    line = s.credits[0]
    assert (line.amount, line.computation) == (
        Decimal("750.00"),
        "3 breaches × 250.00 USD = 750.00 USD",
    )


# ---------------------------------------------------------------- per point


def test_a_share_of_the_fee_per_point_below_the_target() -> None:
    spec = contract(objectives=_fr(per_point="1%"))
    # 40 clocks, 4 breached: 90 %, 5 points below 95 %; a point is 1 % of 20,000 = 200.00;
    # 5 × 200 = 1,000.00
    s = _one(spec, 40, 4)
    assert s.total_due == Decimal("1000.00")
    assert s.credits[0].computation == (
        "attainment 90.00% (36 of 40) is 5 points below 95%: 5 × 1% of the period fee "
        "20,000.00 USD = 1,000.00 USD"
    )


def test_an_amount_per_point_counts_fractions_of_a_point_and_rounds_half_up_once() -> None:
    spec = contract(objectives=_fr(per_point="100.00"))
    # 30 clocks, 2 breached: 28/30 = 93.33…%, 95 − 93.33… = 5/3 points;
    # 5/3 × 100.00 = 166.666… -> 166.67 (rounded at the end of the line only)
    assert _one(spec, 30, 2).total_due == Decimal("166.67")
    # met: no points below, no credit
    assert _one(spec, 20, 1).credits == ()


# ---------------------------------------------------------------- pool


def test_an_at_risk_pool_pays_part_of_the_objectives_allocation() -> None:
    spec = contract(
        at_risk_pool="10%",
        objectives={
            "fr": {
                "metric": "first_response",
                "met_share": "95%",
                "credit": {"pool": "40%", "missed": "50%"},
            }
        },
    )
    # 10 % of 20,000 = 2,000 at risk; 40 % of it = 800 for this objective; missed (18/20 =
    # 90 % < 95 %) -> 50 % of 800 = 400.00
    s = _one(spec, 20, 2)
    assert s.total_due == Decimal("400.00")
    assert s.credits[0].computation == (
        "10% of the period fee 20,000.00 USD at risk = 2,000.00 USD; 40% allocated to this "
        "objective = 800.00 USD; missed: 50% of it = 400.00 USD"
    )
    # met (19/20 = 95 %): the allocation stays with the provider
    assert _one(spec, 20, 1).credits == ()


def test_a_pool_allocation_paid_out_by_tiers() -> None:
    spec = contract(
        at_risk_pool="10%",
        objectives={
            "fr": {
                "metric": "first_response",
                "met_share": "95%",
                "credit": {
                    "pool": "40%",
                    "tiers": [
                        {"below": "95%", "credit": "50%"},
                        {"below": "90%", "credit": "100%"},
                    ],
                },
            }
        },
    )
    # 17/20 = 85 % < 90 %: 100 % of the 800 allocation = 800.00; 18/20 = 90 %: 50 % = 400.00
    assert _one(spec, 20, 3).total_due == Decimal("800.00")
    assert _one(spec, 20, 2).total_due == Decimal("400.00")


# ---------------------------------------------------------------- caps


def test_the_cap_cuts_the_period_credits_in_the_order_of_the_objectives() -> None:
    spec = contract(
        credit_cap="25%",
        objectives={
            **_fr(tiers=CLOUD_TIERS),
            "res": {"metric": "resolution", "max_breaches": 0, "credit": {"per_breach": "250.00"}},
        },
    )
    records = [
        *many("T", 100, OCT, breached=2),  # 98 %: 30 % of 20,000 = 6,000.00
        *many("R", 3, OCT, breached=3, metric="resolution", target=8 * 3600),  # 3 × 250 = 750
    ]
    s = statement(spec, records, AFTER_OCT, "2026-10")
    # the cap is 25 % of 20,000 = 5,000.00: fr takes all of it (6,000 cut to 5,000), res none
    assert [(c.objective, c.gross, c.amount) for c in s.credits] == [
        ("fr", Decimal("6000.00"), Decimal("5000.00")),
        ("res", Decimal("750.00"), Decimal("0.00")),
    ]
    assert s.total_due == Decimal("5000.00")
    assert (
        s.cap == "credits are capped at 5,000.00 USD a period (25% of the period fee 20,000.00 USD)"
    )
    assert "cut to 5,000.00 USD by the cap" in s.credits[0].notes[0]


def test_a_cap_given_as_an_amount() -> None:
    spec = contract(credit_cap="1500.00", objectives=_fr(per_point="1%"))
    # 5 points × 200.00 = 1,000.00, under the 1,500.00 cap; 10 points = 2,000.00 -> 1,500.00
    assert _one(spec, 40, 4).total_due == Decimal("1000.00")
    assert _one(spec, 40, 6).total_due == Decimal("1500.00")  # 85 %: 10 points


# ---------------------------------------------------------------- earn-back


def _months(breaches: dict[str, int]) -> list[Any]:
    """20 first-response clocks in each month given, with that many breached."""
    out = []
    for month, late in breaches.items():
        out += many(f"{month}-", 20, t(f"{month}-10T12:00:00Z"), breached=late)
    return out


EARN_BACK = {"earn_back": 2, **{"objectives": _fr(tiers=[{"below": "95%", "credit": "10%"}])}}


def test_earn_back_waives_a_credit_when_the_next_periods_meet_the_objective() -> None:
    spec = contract(**EARN_BACK)
    # October missed (18/20 = 90 %: 10 % = 2,000.00); November and December met (20/20)
    records = _months({"2026-10": 2, "2026-11": 0, "2026-12": 0})
    s = statement(spec, records, "2027-01-05T00:00:00Z", "2026-10")
    line = s.credits[0]
    assert (line.gross, line.amount, line.status) == (Decimal("2000.00"), Decimal("0.00"), "waived")
    assert line.notes == ("waived: earned back by meeting the objective in 2026-11, 2026-12",)
    assert (s.total_due, s.total_pending, s.total_waived) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("2000.00"))  # fmt: skip


def test_earn_back_stays_pending_until_the_periods_are_over() -> None:
    spec = contract(**EARN_BACK)
    records = _months({"2026-10": 2, "2026-11": 0, "2026-12": 0})
    # on 10 December, November is met but December is not over: pending, not yet owed
    s = statement(spec, records, "2026-12-10T00:00:00Z", "2026-10")
    assert (s.credits[0].status, s.total_due, s.total_pending) == (
        "pending", Decimal("0.00"), Decimal("2000.00"))  # fmt: skip
    assert "met so far in 2026-11" in s.credits[0].notes[0]


def test_a_missed_period_after_it_makes_the_credit_due() -> None:
    spec = contract(**EARN_BACK)
    # November missed again (17/20): October's credit is due, December does not matter
    records = _months({"2026-10": 2, "2026-11": 3, "2026-12": 0})
    s = statement(spec, records, "2027-01-05T00:00:00Z", "2026-10")
    assert (s.credits[0].status, s.total_due) == ("due", Decimal("2000.00"))
    assert s.credits[0].notes == ("not earned back: the objective was missed in 2026-11",)
    # November's own credit (85 % < 95 %: 10 % = 2,000.00) waits for December (met) and
    # January (not over on 5 January): pending
    nov = statement(spec, records, "2027-01-05T00:00:00Z", "2026-11")
    assert (nov.credits[0].status, nov.total_pending) == ("pending", Decimal("2000.00"))
    assert "met so far in 2026-12" in nov.credits[0].notes[0]


def test_a_month_without_tickets_counts_as_met_for_earn_back() -> None:
    spec = contract(**EARN_BACK)
    records = _months({"2026-10": 2, "2026-12": 0})  # no ticket at all in November
    s = statement(spec, records, "2027-01-05T00:00:00Z", "2026-10")
    assert s.credits[0].status == "waived"


def test_the_credit_of_an_unfinished_period_is_provisional() -> None:
    spec = contract(objectives=_fr(tiers=[{"below": "95%", "credit": "10%"}]))
    s = statement(spec, many("T", 20, OCT, breached=2), "2026-10-20T00:00:00Z", "2026-10")
    assert (s.final, s.credits[0].status, s.total_due, s.total_pending) == (
        False, "provisional", Decimal("0.00"), Decimal("2000.00"))  # fmt: skip


# ---------------------------------------------------------------- money and rounding


def test_rounding_is_half_up_at_the_minor_unit() -> None:
    spec = contract(monthly_fee="100.25", objectives=_fr(tiers=[{"below": "95%", "credit": "10%"}]))
    # 10 % of 100.25 = 10.025: half up gives 10.03 (half even would give 10.02)
    assert _one(spec, 20, 2).total_due == Decimal("10.03")


def test_a_currency_without_minor_unit_rounds_to_whole_units() -> None:
    spec = contract(
        monthly_fee="333333",
        currency="JPY",
        objectives=_fr(tiers=[{"below": "95%", "credit": "10%"}]),
    )
    # 10 % of 333,333 JPY = 33,333.3 -> 33,333 (the yen has no minor unit)
    s = _one(spec, 20, 2)
    assert (s.total_due, str(s.total_due)) == (Decimal("33333"), "33333")
    assert s.credits[0].computation.endswith("= 33,333 JPY")


def test_a_quarter_and_a_rolling_window_scale_the_monthly_fee() -> None:
    tiers = _fr(tiers=[{"below": "95%", "credit": "10%"}])
    quarter = contract(period="quarter", objectives=tiers)
    # a quarter's fee is 3 × 20,000 = 60,000; 10 % of it = 6,000.00
    s = statement(quarter, many("T", 20, OCT, breached=2), "2027-01-02T00:00:00Z", "2026-Q4")
    assert (s.period, s.period_fee, s.total_due) == (
        "2026-Q4", Decimal("60000.00"), Decimal("6000.00"))  # fmt: skip
    rolling = contract(period="15d", objectives=tiers)
    # a 15-day window's fee is 20,000 × 15 / 30 = 10,000; 10 % = 1,000.00
    s = statement(rolling, many("T", 20, OCT, breached=2), "2026-10-10T00:00:00Z")
    assert (s.period_fee, s.total_due) == (Decimal("10000.00"), Decimal("1000.00"))


def test_no_credit_for_a_month_without_tickets() -> None:
    spec = contract(objectives=_fr(tiers=CLOUD_TIERS))
    s = statement(spec, many("T", 20, OCT, breached=20), "2026-12-02T00:00:00Z", "2026-11")
    assert s.credits == () and s.total_due == Decimal("0.00")
    assert s.objectives[0].outcome.status == "no_data"
