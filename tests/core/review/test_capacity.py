"""Erlang C and Erlang A (accord.core.review.capacity): the worked example to the digits
shown in the docs, Erlang B against exact fractions and a log-gamma formulation at 2,000 and
20,000 Erlang, Erlang A against its limits, an independent sum over queue positions and a
discrete-event simulation, monotonicity, and impossible inputs that answer clearly."""

from __future__ import annotations

import heapq
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.review.capacity import (
    MAX_ERLANGS,
    Queue,
    agents_needed,
    best_target,
    erlang_b,
    erlang_c,
    evaluate,
    service_level,
)
from accord.errors import InputError

# the worked example: 100 contacts in 30 minutes, 180 s each, answer within 20 s
EXAMPLE = Queue(erlangs=100 / 1800 * 180, aht=180.0)


def test_the_worked_example_gives_p_wait_0_17413_service_level_0_88835_asa_7_84() -> None:
    f = evaluate(EXAMPLE, 14, 20)
    assert f.erlangs == pytest.approx(10.0, abs=1e-12)
    assert round(f.p_wait, 5) == 0.17413
    assert round(f.service_level, 5) == 0.88835
    assert round(f.asa_seconds or 0, 2) == 7.84
    assert f.stable and f.message is None
    assert f.occupancy == pytest.approx(10 / 14)


def test_14_agents_answer_80_percent_within_20s_and_13_give_79_56_percent() -> None:
    assert agents_needed(EXAMPLE, 0.8, [(1.0, 20.0)]) == 14
    assert round(evaluate(EXAMPLE, 13, 20).service_level * 100, 2) == 79.56


def _exact_b(a: Fraction, n: int) -> Fraction:
    term, total = Fraction(1), Fraction(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


@pytest.mark.parametrize(("a", "n"), [(Fraction(50), 40), (Fraction(50), 55),
                                      (Fraction(501, 10), 80), (Fraction(7, 3), 1)])  # fmt: skip
def test_erlang_b_by_recurrence_equals_the_exact_fraction(a: Fraction, n: int) -> None:
    assert erlang_b(float(a), n) == pytest.approx(float(_exact_b(a, n)), rel=1e-12)


def _log_gamma_b(a: float, n: int) -> float:
    """Erlang B as a Poisson pmf over its cdf, both from log-gamma (no recurrence)."""
    logs = [k * math.log(a) - a - math.lgamma(k + 1) for k in range(n + 1)]
    top = max(logs)
    log_cdf = top + math.log(math.fsum(math.exp(v - top) for v in logs))
    return math.exp(logs[n] - log_cdf)


@pytest.mark.parametrize("a", [2_000.0, 20_000.0])
@pytest.mark.parametrize("extra", [1, 15, 60, 400])
def test_erlang_c_at_thousands_of_erlang_equals_a_log_gamma_formulation(
    a: float, extra: int
) -> None:
    n = int(a) + extra
    b = _log_gamma_b(a, n)
    c = n * b / (n - a * (1 - b))
    assert erlang_b(a, n) == pytest.approx(b, rel=1e-9)
    assert erlang_c(a, n) == pytest.approx(c, rel=1e-9)
    f = evaluate(Queue(a, 180.0), n, 20)
    assert f.p_wait == pytest.approx(c, rel=1e-9)
    assert f.service_level == pytest.approx(1 - c * math.exp(-(n - a) * 20 / 180), rel=1e-9)
    assert f.asa_seconds == pytest.approx(c * 180 / (n - a), rel=1e-9)


def test_agents_needed_at_20000_erlang_is_the_first_count_that_meets_the_goal() -> None:
    q = Queue(20_000.0, 180.0)
    n = agents_needed(q, 0.8, [(1.0, 20.0)])
    assert n > 20_000
    assert evaluate(q, n, 20).service_level >= 0.8 > evaluate(q, n - 1, 20).service_level


# ------------------------------------------------------------------ Erlang A


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = evaluate(EXAMPLE, 14, 20)
    errors = []
    for ratio in (10.0, 100.0, 1_000.0, 100_000.0):
        a = evaluate(Queue(10.0, 180.0, patience=180.0 * ratio), 14, 20)
        errors.append(abs(a.service_level - c.service_level))
        assert a.p_abandon is not None and a.p_abandon < 0.2 / ratio
    assert errors == sorted(errors, reverse=True)  # closer with every step
    a = evaluate(Queue(10.0, 180.0, patience=180.0 * 100_000), 14, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-4)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-4)


def test_erlang_a_with_almost_no_patience_is_erlang_b() -> None:
    b = erlang_b(10.0, 12)
    a = evaluate(Queue(10.0, 180.0, patience=0.01), 12, 20)
    assert a.p_wait == pytest.approx(b, rel=1e-3)
    assert a.p_abandon == pytest.approx(b, rel=1e-3)
    assert a.service_level == pytest.approx(1 - b, rel=1e-3)
    assert (a.asa_seconds or 0) < 0.01
    zero = evaluate(Queue(10.0, 180.0, patience=0.0), 12, 20)
    assert zero.p_wait == zero.p_abandon == pytest.approx(b, rel=1e-15)
    assert zero.service_level == pytest.approx(1 - b, rel=1e-15)


def test_an_overloaded_erlang_a_queue_loses_the_excess_load() -> None:
    # 20,000 Erlang on 15,000 agents: in the many-server limit a quarter of the contacts leave
    f = evaluate(Queue(20_000.0, 180.0, patience=600.0), 15_000, 20)
    assert f.stable and f.p_wait == pytest.approx(1.0, abs=1e-9)
    assert f.p_abandon == pytest.approx(0.25, rel=1e-3)
    assert f.occupancy is not None and f.occupancy <= 1.0 + 1e-9


def _positions(a: float, n: int, h: float, p: float, t: float) -> tuple[float, float, float]:
    """P(wait), P(abandon), service level of M/M/n+M summed over the queue position a contact
    finds, for ``n·p/h`` whole: position ``j`` is answered with probability ``x/(x+j+1)``,
    within ``t`` when ``j+1`` of ``x+j+1`` exponential clocks of rate 1/p ring by ``t``."""
    x = round(n * p / h)
    assert x == n * p / h
    lam, mu, theta = a / h, 1 / h, 1 / p
    # the stationary law of the birth-death chain, by its own products (no Erlang B)
    weights = [1.0]
    for k in range(1, n + 400):
        death = k * mu if k <= n else n * mu + (k - n) * theta
        weights.append(weights[-1] * lam / death)
    total = math.fsum(weights)
    waiting = weights[n:]
    p_wait = math.fsum(waiting) / total
    p_ab = theta * math.fsum(j * w for j, w in enumerate(waiting)) / total / lam
    u = 1 - math.exp(-t / p)
    in_time = 0.0
    for j, w in enumerate(waiting):
        m = x + j + 1
        rang = math.fsum(math.comb(m, i) * u**i * (1 - u) ** (m - i) for i in range(j + 1, m + 1))
        in_time += w / total * x / (x + j + 1) * rang
    return p_wait, p_ab, (1 - p_wait) + in_time


@pytest.mark.parametrize(("a", "n", "p", "t"), [(10.0, 14, 180.0, 20.0), (10.0, 8, 90.0, 30.0),
                                                (3.0, 2, 360.0, 60.0)])  # fmt: skip
def test_erlang_a_equals_a_sum_over_queue_positions(a: float, n: int, p: float, t: float) -> None:
    p_wait, p_ab, sl = _positions(a, n, 180.0, p, t)
    f = evaluate(Queue(a, 180.0, patience=p), n, t)
    assert f.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert f.p_abandon == pytest.approx(p_ab, rel=1e-9)
    assert f.service_level == pytest.approx(sl, rel=1e-9)


def _simulate(
    lam: float, h: float, p: float, n: int, t: float, contacts: int, seed: int
) -> dict[str, list[float]]:
    """M/M/n+M, first come first served, in batches: each contact is given an agent, in order
    of arrival, when the earliest free agent is free before its patience runs out."""
    rng = random.Random(seed)
    free = [0.0] * n
    now = 0.0
    batches: dict[str, list[float]] = {k: [] for k in ("wait", "abandon", "in_time", "asa")}
    size = contacts // 40
    for _ in range(40):
        waited = left = in_time = answered = 0
        wait_sum = 0.0
        for _ in range(size):
            now += rng.expovariate(lam)
            patience = rng.expovariate(1 / p)
            start = max(now, free[0])
            wait = start - now
            waited += wait > 0
            if wait <= patience:
                heapq.heapreplace(free, start + rng.expovariate(1 / h))
                answered += 1
                wait_sum += wait
                in_time += wait <= t
            else:
                left += 1
        batches["wait"].append(waited / size)
        batches["abandon"].append(left / size)
        batches["in_time"].append(in_time / size)
        batches["asa"].append(wait_sum / answered)
    return batches


@pytest.mark.parametrize(("a", "n", "p", "t"), [(10.0, 14, 120.0, 20.0), (10.0, 8, 60.0, 30.0)])
def test_erlang_a_agrees_with_a_simulation_within_its_standard_error(
    a: float, n: int, p: float, t: float
) -> None:
    h = 180.0
    sim = _simulate(a / h, h, p, n, t, contacts=200_000, seed=20260)
    f = evaluate(Queue(a, h, patience=p), n, t)
    for name, value in (("wait", f.p_wait), ("abandon", f.p_abandon), ("in_time",
                        f.service_level), ("asa", f.asa_seconds)):  # fmt: skip
        xs = sim[name]
        mean = math.fsum(xs) / len(xs)
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in xs) / (len(xs) - 1))
        se = sd / math.sqrt(len(xs))
        assert value is not None
        assert abs(mean - value) < 4 * se, (name, mean, value, se)


# ------------------------------------------------------------------ properties


queues = st.builds(
    Queue,
    erlangs=st.floats(0.01, 300),
    aht=st.floats(5, 3600),
    patience=st.one_of(st.none(), st.floats(1, 20_000)),
)


@settings(max_examples=150, deadline=None)
@given(q=queues, n=st.integers(0, 400), t=st.floats(0, 3600))
def test_more_agents_never_lower_the_service_level_nor_raise_the_asa(
    q: Queue, n: int, t: float
) -> None:
    f, g = evaluate(q, n, t), evaluate(q, n + 1, t)
    for fig in (f, g):
        assert 0.0 <= fig.service_level <= 1.0 and 0.0 <= fig.p_wait <= 1.0
    assert g.service_level >= f.service_level - 1e-9
    assert g.p_wait <= f.p_wait + 1e-9
    if f.asa_seconds is not None and g.asa_seconds is not None:
        assert g.asa_seconds <= f.asa_seconds * (1 + 1e-9) + 1e-9
    if f.stable:
        assert g.stable and g.asa_seconds is not None


@settings(max_examples=80, deadline=None)
@given(q=queues, goal=st.floats(0.05, 0.99), t=st.floats(0, 3600))
def test_agents_needed_is_the_fewest_that_meet_the_goal(q: Queue, goal: float, t: float) -> None:
    n = agents_needed(q, goal, [(1.0, t)])
    assert service_level(q, n, [(1.0, t)]) >= goal
    assert n == 0 or service_level(q, n - 1, [(1.0, t)]) < goal


@settings(max_examples=80, deadline=None)
@given(q=queues, n=st.integers(1, 400), goal=st.floats(0.05, 0.99))
def test_the_best_target_is_the_shortest_that_the_agents_meet(
    q: Queue, n: int, goal: float
) -> None:
    t = best_target(q, n, goal)
    if t is None:  # no time is long enough: an unstable queue, or too many leave
        assert evaluate(q, n, 1e9).service_level < goal
        return
    assert evaluate(q, n, t + 1e-3).service_level >= goal - 1e-9
    if t > 0.01:
        assert evaluate(q, n, t * 0.999 - 1e-3).service_level < goal


def test_concurrency_makes_each_agent_several_servers() -> None:
    single = agents_needed(EXAMPLE, 0.8, [(1.0, 20.0)])
    double = agents_needed(Queue(10.0, 180.0, concurrency=2.0), 0.8, [(1.0, 20.0)])
    assert double == math.ceil(single / 2)


def test_a_mix_of_targets_weighs_each_contacts_share() -> None:
    sl = service_level(EXAMPLE, 14, [(3.0, 20.0), (1.0, 600.0)])
    assert sl == pytest.approx(
        (3 * evaluate(EXAMPLE, 14, 20).service_level + evaluate(EXAMPLE, 14, 600).service_level) / 4
    )


# ------------------------------------------------------------------ impossible inputs


def test_a_load_at_or_above_the_agents_is_an_infinite_wait_not_nan() -> None:
    for n in (10, 5):
        f = evaluate(EXAMPLE, n, 20)
        assert not f.stable and f.asa_seconds is None
        assert f.p_wait == 1.0 and f.service_level == 0.0
        assert f.message is not None and "infinite" in f.message
    assert best_target(EXAMPLE, 10, 0.8) is None


def test_no_agents_answer_nobody_and_no_contacts_need_no_agents() -> None:
    for patience in (None, 120.0):
        f = evaluate(Queue(10.0, 180.0, patience=patience), 0, 20)
        assert f.service_level == 0.0 and f.asa_seconds is None and f.p_wait == 1.0
        assert f.message
    assert evaluate(Queue(10.0, 180.0, patience=120.0), 0, 20).p_abandon == 1.0
    idle = evaluate(Queue(0.0, 180.0), 0, 20)
    assert idle.stable and idle.service_level == 1.0 and idle.p_wait == 0.0
    assert agents_needed(Queue(0.0, 180.0), 0.8, [(1.0, 20.0)]) == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda: Queue(-1.0, 180.0),
        lambda: Queue(float("nan"), 180.0),
        lambda: Queue(float("inf"), 180.0),
        lambda: Queue(10.0, 0.0),
        lambda: Queue(10.0, 180.0, patience=-5.0),
        lambda: Queue(10.0, 180.0, concurrency=0.5),
        lambda: Queue(MAX_ERLANGS * 2, 180.0),
        lambda: Queue(1_000.0, 1.0, patience=1e9),
        lambda: evaluate(EXAMPLE, -1, 20),
        lambda: evaluate(EXAMPLE, 14, -1),
        lambda: agents_needed(EXAMPLE, 1.0, [(1.0, 20.0)]),
        lambda: agents_needed(EXAMPLE, float("nan"), [(1.0, 20.0)]),
    ],
)
def test_impossible_inputs_are_input_errors(make: object) -> None:
    with pytest.raises(InputError):
        make()  # type: ignore[operator]
