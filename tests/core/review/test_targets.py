"""Recommended targets over periods: the grid, ties, censored clocks, periods without data,
and what adopting the recommendations would write."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from accord.core.review.targets import adoption_overrides, parse_grid, recommend
from accord.core.timeutil import parse_as_of
from accord.errors import InputError

AS_OF = parse_as_of("2026-06-30T12:00:00Z")
JUNE = parse_as_of("2026-06-01T00:00:00Z")
MAY = parse_as_of("2026-05-01T00:00:00Z")
APRIL = parse_as_of("2026-04-01T00:00:00Z")


def _records(
    elapsed: list[float] | np.ndarray,
    *,
    start: int = JUNE,
    stopped: list[bool] | np.ndarray | None = None,
    target: int = 3600,
    priority: str | None = "high",
    policy: str = "Gold",
    customer: str = "acme",
) -> pa.Table:
    n = len(elapsed)
    done = np.ones(n, dtype=bool) if stopped is None else np.asarray(stopped)
    el = np.asarray(elapsed, dtype=np.int64)
    state = [
        ("breached" if e > target else "met") if s else ("breached" if e > target else "running")
        for e, s in zip(el, done, strict=True)
    ]
    return pa.table(
        {
            "metric": ["first_response"] * n,
            "priority": pa.array([priority] * n, pa.string()),
            "customer": [customer] * n,
            "team": ["L1"] * n,
            "policy": [policy] * n,
            "target": pa.array([target] * n, pa.int64()),
            "start": pa.array([start] * n, pa.timestamp("s", tz="UTC")),
            "stop": pa.array(
                [start + int(e) if s else None for e, s in zip(el, done, strict=True)],
                pa.timestamp("s", tz="UTC"),
            ),
            "business_elapsed": pa.array(el, pa.int64()),
            "state": state,
        }
    )


def _one(table: pa.Table, **kwargs: object):  # type: ignore[no-untyped-def]
    got = recommend(table, AS_OF, **kwargs)  # type: ignore[arg-type]
    (group,) = got.groups
    return group


def test_ties_at_a_grid_step_are_met_by_that_step() -> None:
    group = _one(_records([600] * 10), attainment=1.0, periods=1, grid=parse_grid(["5m", "10m"]))
    assert group.recommended == 600  # met when elapsed <= target, to the second


def test_exponential_durations_get_the_grid_step_of_their_closed_form_quantile() -> None:
    rng = np.random.default_rng(2)
    rate, n, p = 1 / 3600, 3000, 0.9
    durations = np.round(rng.exponential(1 / rate, n))
    step = 300
    grid = tuple(range(step, 6 * 3600, step))
    group = _one(_records(durations), attainment=p, periods=1, grid=grid)
    exact = -math.log(1 - p) / rate
    tolerance = 4 * math.sqrt(p * (1 - p) / n) / (rate * (1 - p))
    assert group.recommended is not None
    assert exact - tolerance <= group.recommended <= exact + tolerance + step


def test_open_clocks_make_the_recommendation_right_where_leaving_them_out_would_not() -> None:
    """The slow clocks are the ones still open: without them the sample looks fast."""
    rng = np.random.default_rng(9)
    rate, n, p = 1 / 3600, 4000, 0.9
    durations = rng.exponential(1 / rate, n)
    watched = rng.exponential(2 / rate, n)
    stopped = durations <= watched
    seen = np.round(np.where(stopped, durations, watched))
    step = 300
    grid = tuple(range(step, 8 * 3600, step))
    group = _one(_records(seen, stopped=stopped), attainment=p, periods=1, grid=grid)
    exact = -math.log(1 - p) / rate
    tolerance = 4 * math.sqrt(p * (1 - p) / int(stopped.sum())) / (rate * (1 - p))
    assert group.recommended is not None
    assert abs(group.recommended - exact) <= tolerance + step
    naive = _one(_records(seen[stopped]), attainment=p, periods=1, grid=grid)
    assert naive.recommended is not None and naive.recommended < exact - tolerance


def test_a_period_without_clocks_says_no_data_and_does_not_decide() -> None:
    table = pa.concat_tables([_records([60] * 5, start=APRIL), _records([600] * 5, start=JUNE)])
    group = _one(table, attainment=1.0, periods=3, grid=parse_grid(["5m", "10m", "15m"]))
    assert [(p.period, p.status) for p in group.periods] == [
        ("2026-04", "met"),
        ("2026-05", "no_data"),
        ("2026-06", "met"),
    ]
    assert group.recommended == 600
    assert group.to_json()["attainment"]["worst"] == {"period": "2026-04", "value": 1.0}


def test_no_clock_in_the_periods_gives_no_group() -> None:
    got = recommend(_records([60] * 5, start=APRIL), AS_OF, periods=1)
    assert got.groups == ()


def test_a_target_is_recommended_only_when_every_period_met_it() -> None:
    table = pa.concat_tables(
        [_records([60] * 10, start=MAY), _records([60] * 8 + [1800] * 2, start=JUNE)]
    )
    group = _one(table, attainment=0.9, periods=2, grid=parse_grid(["5m", "30m", "1h"]))
    assert group.recommended == 1800  # June needs it
    assert group.breaches_recommended == 0
    assert group.breaches_current == 0


def test_beyond_the_grid_the_answer_says_so() -> None:
    group = _one(_records([20 * 86400] * 3), periods=1)
    assert group.status == "beyond_grid"
    assert group.recommended is None and group.at_least is None
    assert "no target up to 10d" in group.reason


def test_the_current_targets_are_judged_clock_by_clock() -> None:
    table = pa.concat_tables(
        [_records([1800] * 4, target=3600), _records([1800] * 4, target=600, policy="Silver")]
    )
    group = _one(table, attainment=0.5, periods=1)
    assert group.current_targets == (600, 3600)
    assert group.periods[-1].current == pytest.approx(0.5)


def test_adopting_the_recommendations_writes_one_target_per_policy_and_priority() -> None:
    table = pa.concat_tables(
        [
            _records([600] * 5, policy="Gold"),
            _records([600] * 5, policy="Tier 1.5"),
            _records([600] * 5, priority=None),
        ]
    )
    got = recommend(table, AS_OF, attainment=1.0, periods=1)
    overrides, note = adoption_overrides(got)
    assert overrides == {
        "policies.Gold.metrics.first_response.high": "10m",
        'policies."Tier 1.5".metrics.first_response.high': "10m",
    }
    assert note is not None and "without a priority" in note
    by_customer = recommend(table, AS_OF, attainment=1.0, periods=1, by=("priority", "customer"))
    assert adoption_overrides(by_customer)[0] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"attainment": 0.0}, "attainment"), ({"grain": "day"}, "grain"), ({"periods": 0}, "periods")],
)
def test_bad_options_are_input_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        recommend(_records([60]), AS_OF, **kwargs)  # type: ignore[arg-type]


def test_a_bad_grid_step_is_an_input_error() -> None:
    with pytest.raises(InputError, match="grid"):
        parse_grid(["10 minutes"])


def test_grouping_by_policy_gives_one_recommendation_per_policy() -> None:
    table = pa.concat_tables(
        [_records([600] * 5, policy="Gold"), _records([7200] * 5, policy="Silver")]
    )
    got = recommend(table, AS_OF, attainment=1.0, periods=1, by=("priority", "policy"))
    found = {g.key["policy"]: (g.recommended, g.policies) for g in got.groups}
    assert found == {"Gold": (600, ("Gold",)), "Silver": (7200, ("Silver",))}
