"""A statement and a burn-down do not depend on the order of the contract's clocks: the KPI
view hands them over settled tickets first, then open ones (see
:mod:`accord.service.contract_view`), where a replay lists them ticket by ticket. And the
clocks taken from a records frame equal those taken from the records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.config.loader import check_config_contracts
from accord.core.contracts.assignment import clocks_of_frame, contract_clocks
from accord.core.contracts.burndown import burndown_of_clocks
from accord.core.contracts.statement import statement_of_clocks, ticket_fields
from accord.core.engine import compute
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame, records_frame

DEMO = Path(__file__).resolve().parents[3] / "src" / "accord" / "demo" / "config"
_CACHE: list[Any] = []


def _demo() -> Any:
    """The demo's log (400 tickets), its records and facts three hours after its end."""
    if not _CACHE:
        from accord.demo.generate import generate_events

        config, contracts, issues = check_config_contracts(DEMO)
        assert config is not None and contracts, issues
        end = datetime(2026, 3, 31, 22, tzinfo=UTC)
        events = list(generate_events(seed=11, end=end, tickets=400))
        now = int(end.timestamp()) + 3 * 3600
        fields = ticket_fields(contracts.values())
        records = compute(events, config, now)
        frame = events_frame(events, [*policy_fields(config), *fields])
        tickets = ticket_facts(frame, config, now, fields=fields).tickets
        _CACHE.append((contracts, records, tickets, now))
    return _CACHE[0]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_statements_and_burndowns_do_not_depend_on_the_clocks_order(seed: int) -> None:
    contracts, records, tickets, now = _demo()
    for name, spec in contracts.items():
        clocks = contract_clocks(spec, records, tickets)
        assert clocks.height > 0
        mixed = clocks.sample(fraction=1.0, shuffle=True, seed=seed)
        for period in (None, "previous"):
            a = statement_of_clocks(name, spec, clocks, now, period)
            b = statement_of_clocks(name, spec, mixed, now, period)
            assert a.to_json() == b.to_json() and a.budget_json() == b.budget_json(), name
            assert burndown_of_clocks(name, spec, clocks, now, period) == burndown_of_clocks(
                name, spec, mixed, now, period
            )


def test_clocks_from_a_records_frame_equal_those_from_the_records() -> None:
    contracts, records, tickets, _ = _demo()
    stopped = [r for r in records if r.stop is not None]
    for spec in contracts.values():
        want = contract_clocks(spec, stopped, tickets)
        assert want.height > 0
        got = clocks_of_frame(spec, records_frame(stopped), tickets)
        # the records frame holds no warnings: a stopped clock's is never read
        assert got.drop("warning").equals(want.drop("warning")), spec.customer
        assert got.get_column("warning").null_count() == got.height
