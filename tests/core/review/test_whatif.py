"""What-if replay: both configurations over the same events, judged per group, with the
contracts' budgets and credits and the clocks whose state changes."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow as pa
import pytest

from accord.core.config.loader import read_sources
from accord.core.contracts.statement import build_statement, ticket_fields
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame
from accord.core.records import State
from accord.core.review.candidate import Setup, candidate_with_overrides, overrides_source
from accord.core.review.whatif import parse_by, run_whatif
from accord.core.review.window import period_window
from accord.demo import CONFIG_DIR
from accord.errors import InputError
from tests.core.review.conftest import AS_OF


def _candidate(text: str) -> Setup:
    sources, problems = read_sources(CONFIG_DIR)
    return candidate_with_overrides(sources, str(CONFIG_DIR), overrides_source(text), problems)


def _counts(events: list[Event], setup: Setup, window_start: int | None = None,
            window_end: int | None = None) -> Counter[tuple[str, str]]:  # fmt: skip
    """met / breached clocks with a target per metric, from the reference engine."""
    out: Counter[tuple[str, str]] = Counter()
    for r in compute(events, setup.config, AS_OF):
        if r.target is None or r.state not in (State.MET, State.BREACHED):
            continue
        if window_start is not None and not window_start <= r.start < (window_end or 2**62):
            continue
        out[(r.metric, r.state.value)] += 1
    return out


def test_a_candidate_equal_to_the_configuration_in_force_changes_nothing(
    demo_table: pa.Table, demo_setup: Setup
) -> None:
    got = run_whatif(demo_table, demo_setup, demo_setup, AS_OF)
    assert got.changed_count == 0
    for g in got.groups:
        assert g.current == g.candidate
    for c in got.contracts:
        assert c.credits("current") == c.credits("candidate")


def test_each_side_counts_what_the_reference_engine_judges_under_its_configuration(
    demo_events: list[Event], demo_table: pa.Table, demo_setup: Setup
) -> None:
    """A reopen rule that adds cycles: the records no longer match row for row, and each
    configuration is still judged on its own clocks."""
    cand = _candidate(
        "policies.Gold.reopen: new_cycle\npolicies.Silver.metrics.resolution.high: 2h\n"
    )
    got = run_whatif(demo_table, demo_setup, cand, AS_OF)
    for side, setup in (("current", demo_setup), ("candidate", cand)):
        want = _counts(demo_events, setup)
        for g in got.groups:
            figures = getattr(g, side)
            metric = g.key["metric"]
            assert (figures.met, figures.breached) == (
                want[(metric, "met")],
                want[(metric, "breached")],
            )
    added = [c for g in got.groups for c in g.changed if c.current is None]
    assert added, "new_cycle adds resolution cycles that the current configuration lacks"
    assert all(c.candidate is not None for c in added)


def test_a_window_counts_the_clocks_that_started_in_it(
    demo_events: list[Event], demo_table: pa.Table, demo_setup: Setup
) -> None:
    window = period_window("2026-05")
    cand = _candidate("policies.Gold.metrics.first_response.high: 20m\n")
    got = run_whatif(demo_table, demo_setup, cand, AS_OF, window=window)
    want = _counts(demo_events, cand, window.start, window.end)
    for g in got.groups:
        metric = g.key["metric"]
        assert g.candidate.met == want[(metric, "met")]
        assert g.candidate.breached == want[(metric, "breached")]
        for c in g.changed:
            sides = [s for s in (c.current, c.candidate) if s is not None]
            assert any(window.start <= s.start < window.end for s in sides)  # type: ignore[operator]


def test_a_window_without_clocks_says_so_and_shows_no_nan(
    demo_table: pa.Table, demo_setup: Setup
) -> None:
    got = run_whatif(demo_table, demo_setup, demo_setup, AS_OF, window=period_window("2025-01"))
    assert got.groups == ()
    assert got.total.current.compliance is None
    assert any(
        n.startswith("no data: no clock with a target among the clocks started in 2025-01")
        for n in got.notes
    )
    json.dumps(got.to_json(), allow_nan=False)  # a NaN would raise


def test_contract_figures_are_what_the_statement_of_each_period_says(
    demo_events: list[Event], demo_table: pa.Table, demo_setup: Setup
) -> None:
    cand = _candidate("policies.Gold.metrics.resolution.high: 4h\n")
    got = run_whatif(demo_table, demo_setup, cand, AS_OF, window=period_window("2026-05"))
    for side, setup in (("current", demo_setup), ("candidate", cand)):
        records = compute(demo_events, setup.config, AS_OF)
        for comparison in got.contracts:
            spec = setup.contracts[comparison.contract]
            fields = ticket_fields([spec])
            frame = events_frame(demo_events, [*policy_fields(setup.config), *fields])
            facts = ticket_facts(frame, setup.config, AS_OF, fields=fields)
            statement = build_statement(
                comparison.contract, spec, records, facts.tickets, AS_OF, "2026-05"
            )
            mine = getattr(comparison, side)
            assert mine.periods == ("2026-05",)
            for o in statement.objectives:
                figures = mine.objective(o.name)
                (period,) = figures.periods
                assert (period.counted, period.breached) == (o.outcome.counted, o.outcome.breached)
                assert period.status == o.outcome.status
                owed = o.credit.amount if o.credit is not None else None
                assert period.credit == owed, (comparison.contract, o.name, side)


def test_a_group_of_one_customer_carries_its_contracts_budget_and_credits(
    demo_table: pa.Table, demo_setup: Setup
) -> None:
    cand = _candidate("policies.Gold.metrics.resolution.high: 4h\n")
    got = run_whatif(demo_table, demo_setup, cand, AS_OF, by=("customer",))
    by_customer = {g.key["customer"]: g for g in got.groups}
    for c in got.contracts:
        group = by_customer[c.customer]
        assert group.current.credits == c.credits("current")
        assert group.candidate.credits == c.credits("candidate")
        assert group.candidate.budget_used is not None
    others = [g for g in got.groups if g.key["customer"] not in {c.customer for c in got.contracts}]
    assert others and all(g.current.credits is None for g in others)


def test_only_the_first_changed_clocks_are_explained_and_a_ticket_replay_explains_its_own(
    demo_table: pa.Table, demo_setup: Setup
) -> None:
    cand = _candidate("policies.Gold.metrics.first_response.high: 10m\n")
    got = run_whatif(demo_table, demo_setup, cand, AS_OF, explain=2)
    changed = [c for g in got.groups for c in g.changed]
    assert len(changed) > 2
    assert got.explained == 2
    assert any("replay one ticket" in n for n in got.notes)
    late = next(c for c in changed if not c.explained)
    assert late.to_json()["replay"] == {"tickets": [late.ticket_id]}
    alone = run_whatif(demo_table, demo_setup, cand, AS_OF, tickets=[late.ticket_id])
    mine = [c for g in alone.groups for c in g.changed]
    assert mine and all(c.explained and c.ticket_id == late.ticket_id for c in mine)
    steps = mine[0].to_json()["explanation"]
    assert steps["current"] and steps["candidate"]


def test_grouping_by_an_unknown_dimension_is_refused_before_any_work() -> None:
    assert parse_by(["metric,priority", "team"]) == ("metric", "priority", "team")
    with pytest.raises(InputError, match="cannot group by 'agent'"):
        parse_by(["agent"])


def test_csv_rows_hold_each_figure_under_both_configurations(
    demo_table: pa.Table, demo_setup: Setup
) -> None:
    cand = _candidate("policies.Gold.metrics.first_response.high: 10m\n")
    got = run_whatif(demo_table, demo_setup, cand, AS_OF, by=("metric", "priority"))
    rows = got.csv_rows()
    assert rows[-1]["metric"] == "total"
    assert rows[-1]["changed"] == got.changed_count
    fr_high = next(r for r in rows if r["metric"] == "first_response" and r["priority"] == "high")
    assert (
        fr_high["breached_delta"] == fr_high["breached_candidate"] - fr_high["breached_current"] > 0
    )
