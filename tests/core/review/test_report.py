"""The review report assembled from the review functions: the hand-worked quarter of
``tests/review_report_log.py``, a customer's report, a candidate, and a period without data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from accord.core.config.loader import read_sources
from accord.core.engine.batch import compute_batch
from accord.core.review.candidate import (
    Setup,
    candidate_with_overrides,
    check_setup,
    overrides_source,
)
from accord.core.review.report import (
    CapacityOptions,
    ReviewReport,
    build_report,
    customer_events,
    default_grain,
    own_records,
    sub_periods,
)
from accord.core.review.window import period_window
from accord.core.timeutil import parse_as_of
from accord.errors import NotFoundError
from accord.io.columnar import read_columnar
from tests.review_report_log import AS_OF, write

WHEN = parse_as_of(AS_OF)


def _report(tmp_path: Path, customer: str | None = None, **kw: object) -> ReviewReport:
    path, config = write(tmp_path)
    sources, issues = read_sources(config)
    current = check_setup(sources, str(config), issues)
    table = _events(path, current)
    records = compute_batch(table, current.config, WHEN)
    if customer is not None:
        table = customer_events(table, records, customer)
        records = own_records(compute_batch(table, current.config, WHEN), customer)

    def adopt(overrides: dict[str, str]) -> Setup:
        return candidate_with_overrides(sources, str(config), overrides_source(overrides), issues)

    return build_report(
        table, records, current, WHEN, period="2026-Q3", customer=customer, adopt=adopt, **kw
    )  # type: ignore[arg-type]


def test_attainment_per_objective_is_met_over_judged_over_the_quarter_and_per_month(
    tmp_path: Path,
) -> None:
    r = _report(tmp_path)
    assert r.periods == ("2026-07", "2026-08", "2026-09")
    (o,) = r.objectives
    assert (o.metric, o.priority, o.targets) == ("first_response", "high", (1800,))
    assert (o.total.judged, o.total.met, o.total.breached, o.total.open) == (8, 5, 3, 0)
    assert o.total.compliance == 0.625
    assert [(p.met, p.judged) for p in o.points] == [(2, 3), (1, 2), (2, 3)]


def test_the_recommendation_is_adopted_and_its_breaches_and_credits_replayed(
    tmp_path: Path,
) -> None:
    r = _report(tmp_path)
    (g,) = r.targets.groups
    assert (g.status, g.recommended, g.breaches_current, g.breaches_recommended) == (
        "recommended", 3600, 3, 0,
    )  # fmt: skip
    assert r.adoption_overrides == {"policies.Standard.metrics.first_response.high": "1h"}
    assert r.adoption is not None
    assert (r.adoption.total.current.breached, r.adoption.total.candidate.breached) == (3, 0)
    (acme,) = r.adoption.contracts
    # a breach a month in July and August, none allowed (floor(10 % of 2) = 0): 2 x 50.00
    assert (acme.credits("current"), acme.credits("candidate")) == (
        Decimal("100.00"), Decimal("0.00"),
    )  # fmt: skip


def test_a_customers_report_counts_its_own_clocks_and_contract_only(tmp_path: Path) -> None:
    r = _report(tmp_path, customer="acme")
    (o,) = r.objectives
    assert (o.total.judged, o.total.met) == (6, 4)
    assert [c.customer for c in r.baseline.contracts] == ["acme"]
    globex = _report(tmp_path, customer="globex")
    assert globex.baseline.contracts == ()
    assert globex.total.judged == 2


def test_a_candidate_is_replayed_beside_the_configuration_in_force(tmp_path: Path) -> None:
    _, config = write(tmp_path)
    sources, _ = read_sources(config)
    cand = candidate_with_overrides(
        sources, str(config), overrides_source({"policies.Standard.metrics.first_response": "5m"})
    )
    r = _report(tmp_path, candidate=cand)
    assert r.candidate is not None
    # only G1 (5 minutes) is met within 5m
    assert (r.candidate.total.current.met, r.candidate.total.candidate.met) == (5, 1)


def test_a_period_without_data_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no data: .* 2026-Q1 .*2026-07-06T10:00:00Z"):
        _report_period(tmp_path, "2026-Q1")


def _report_period(tmp_path: Path, period: str) -> ReviewReport:
    path, config = write(tmp_path)
    sources, issues = read_sources(config)
    current = check_setup(sources, str(config), issues)
    table = _events(path, current)
    records = compute_batch(table, current.config, WHEN)
    return build_report(table, records, current, WHEN, period=period)


def _events(path: Path, setup: Setup) -> pa.Table:
    table: pa.Table = read_columnar([path], status_category=setup.config.status_category).events
    return table


def test_capacity_problems_become_a_note_not_a_failure(tmp_path: Path) -> None:
    r = _report(tmp_path)
    # no agent_work clock in this configuration, so no handle time: the report says why
    assert r.capacity is None and r.capacity_note is not None and "handle time" in r.capacity_note
    r = _report(tmp_path, capacity=CapacityOptions(aht=600.0, agents=1))
    assert r.capacity is not None and r.capacity_note is None
    assert r.capacity.agents == 1


def test_the_trend_grain_is_weeks_for_a_month_and_months_otherwise() -> None:
    assert default_grain(period_window("2026-09")) == "week"
    assert default_grain(period_window("2026-Q3")) == "month"
    assert default_grain(period_window("2026")) == "month"
    weeks = sub_periods(period_window("2026-09"), "week", WHEN)
    # 2026-09-01 is a Tuesday: the ISO weeks 36 to 40 overlap September
    assert weeks.labels[0].endswith("W36") and weeks.labels[-1].endswith("W40")
    assert sub_periods(period_window("2026-Q4"), "month", WHEN).labels == ("2026-10",)
