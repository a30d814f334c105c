"""The Kaplan-Meier estimate of attainment: exact without censoring, ties, censored samples
where the naive quantile of the stopped clocks is wrong, and exponential durations whose
quantile has a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.review.survival import kaplan_meier


@given(st.lists(st.integers(0, 500), min_size=1, max_size=60), st.integers(0, 520))
def test_without_open_clocks_attainment_is_the_share_of_durations_within_the_target(
    durations: list[int], target: int
) -> None:
    km = kaplan_meier(durations, [True] * len(durations))
    share = sum(d <= target for d in durations) / len(durations)
    assert km.attainment(target) == pytest.approx(share, abs=1e-12)


@given(
    st.lists(st.tuples(st.integers(0, 300), st.booleans()), min_size=1, max_size=60),
    st.integers(0, 320),
)
def test_the_estimate_lies_between_open_clocks_all_breached_and_all_met(
    sample: list[tuple[int, bool]], target: int
) -> None:
    """Whatever the open clocks turn out to take, the estimate never counts one as met
    before its elapsed time, nor as breached once its elapsed time is past the target."""
    km = kaplan_meier([d for d, _ in sample], [s for _, s in sample])
    got = km.attainment(target)
    n = len(sample)
    # open clocks past the target are breaches for sure; those short of it could go either way
    low = sum(s and d <= target for d, s in sample) / n
    high = sum(d <= target for d, _ in sample) / n
    if got is None:  # unknown only beyond the last observation while open clocks remain
        assert target > km.last
        assert any(not s for d, s in sample if d == km.last)
    else:
        assert low - 1e-12 <= got <= high + 1e-12


def test_ties_count_the_clocks_that_stop_before_those_censored_at_the_same_time() -> None:
    # two stop at 10, one is open at 10, one stops at 20: at 10 all four are at risk
    km = kaplan_meier([10, 10, 10, 20], [True, True, False, True])
    assert km.attainment(10) == pytest.approx(0.5)  # 1 − 2/4
    assert km.attainment(19) == pytest.approx(0.5)
    assert km.attainment(20) == pytest.approx(1.0)  # the last one at risk stops at 20


def test_ties_of_stopped_clocks_count_together() -> None:
    km = kaplan_meier([5, 5, 5, 9], [True] * 4)
    assert km.attainment(4) == 0.0
    assert km.attainment(5) == pytest.approx(0.75)


def test_beyond_the_last_observation_an_open_clock_leaves_the_estimate_unknown() -> None:
    km = kaplan_meier([1, 2, 3, 40, 40], [True, True, True, False, False])
    assert km.attainment(39) == pytest.approx(0.6)
    assert km.attainment(40) == pytest.approx(0.6)  # open at 40: not stopped by 40
    assert km.attainment(41) is None
    assert km.lower_bound(41) == pytest.approx(0.6)


def test_an_empty_sample_has_no_estimate() -> None:
    km = kaplan_meier([], [])
    assert km.attainment(10) is None
    assert km.quantile(0.5) is None


def test_bad_durations_are_refused() -> None:
    with pytest.raises(ValueError):
        kaplan_meier([1, float("nan")], [True, True])
    with pytest.raises(ValueError):
        kaplan_meier([1, -1], [True, True])
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])


def _tolerance(p: float, rate: float, n: int) -> float:
    """Four standard errors of a sample p-quantile of an exponential: sqrt(p(1−p)/n) / f(q),
    with the density f(q) = rate × (1 − p) at the quantile."""
    return 4 * math.sqrt(p * (1 - p) / n) / (rate * (1 - p))


@pytest.mark.parametrize("p", [0.5, 0.8, 0.9, 0.95])
def test_exponential_durations_give_the_closed_form_quantile(p: float) -> None:
    rng = np.random.default_rng(11)
    rate, n = 1 / 3600, 4000  # a mean of one hour
    durations = np.round(rng.exponential(1 / rate, n))
    km = kaplan_meier(durations, np.ones(n, dtype=bool))
    exact = -math.log(1 - p) / rate
    got = km.quantile(p)
    assert got is not None
    assert abs(got - exact) <= _tolerance(p, rate, n)


def test_a_censored_sample_is_estimated_right_where_the_stopped_clocks_alone_mislead() -> None:
    """Exponential durations, each observed only until an independent as-of: the clocks still
    open are the slow ones, so the quantile of the stopped clocks alone is far too small; the
    estimate that censors the open ones finds the closed form."""
    rng = np.random.default_rng(5)
    rate, n, p = 1 / 3600, 6000, 0.9
    durations = rng.exponential(1 / rate, n)
    observed_for = rng.exponential(2 / rate, n)  # how long each clock could be watched
    stopped = durations <= observed_for
    seen = np.round(np.where(stopped, durations, observed_for))
    exact = -math.log(1 - p) / rate
    naive = float(np.quantile(seen[stopped], p))
    got = kaplan_meier(seen, stopped).quantile(p)
    assert got is not None
    # fewer clocks are observed to their end, which widens the estimate's error
    tolerance = _tolerance(p, rate, int(stopped.sum()))
    assert abs(got - exact) <= tolerance
    assert exact - naive > 3 * tolerance  # the naive answer is wrong by far more
