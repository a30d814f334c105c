"""Statements, budgets and burn-downs "now" from the KPI view
(:mod:`accord.service.contract_view`) equal those of the full replay of the customer's events:
after random ingests, recomputes, moves between customers, exclusion flags and tags and clock
moves, on SQLite and PostgreSQL; and through the routes, an answer without ``as_of`` (the
view) equals one with ``as_of`` at the same instant (the replay)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.contracts.burndown import burndown, burndown_of_clocks
from accord.core.contracts.statement import build_statement, statement_of_clocks, ticket_fields
from accord.core.timeutil import iso
from accord.service.figures import contracts_of_files, customer_data
from tests.service.conftest import T0, Api, event
from tests.service.stores import STORES, api_over
from tests.service.test_kpi_view import TICKETS, Script, Step
from tests.service.test_kpi_view import step as kpi_step
from tests.service.test_kpis_api import CONFIG_WITH_KPIS

# every kind of objective, each counting rule, and every exclusion rule
CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    burn_window: 3
    exclude: {tags: [spam]}
    objectives:
      first_response: {metric: first_response, met_share: 90%, credit: {per_breach: "50.00"}}
      resolution: {metric: resolution, max_breaches: 1, credit: {per_breach: "10.00"}}
      median_response: {metric: first_response, statistic: median, max: 1h}
  globex:
    policies: [Standard]
    monthly_fee: "500"
    currency: EUR
    count_by: decided
    objectives:
      first_response: {metric: first_response, met_share: 90%}
      resolution: {metric: resolution, statistic: p90, max: 8h}
  initech:
    policies: [Standard]
    monthly_fee: "300"
    currency: EUR
    count_by: created
    objectives:
      resolution: {metric: resolution, met_share: 50%}
"""
CONFIG = {**CONFIG_WITH_KPIS, "contracts.yaml": CONTRACTS}
PERIODS = (None, "2026-03")

# the KPI view's steps, and a ticket flagged or tagged out of its contract (or back in)
steps = st.lists(
    st.one_of(
        kpi_step.filter(lambda s: s[0] != "check"),
        st.tuples(
            st.just("flag"), st.sampled_from(TICKETS), st.sampled_from((True, "outage", "no"))
        ),
        st.tuples(st.just("tag"), st.sampled_from(TICKETS), st.sampled_from(("spam", "vip"))),
        st.tuples(st.just("check")),
    ),
    min_size=1,
    max_size=25,
)


class ContractScript(Script):
    def play(self, step: Step) -> None:
        if step[0] == "check":
            assert_view_equals_replay(self.api)
            return
        if step[0] in ("flag", "tag"):
            self.n += 1
            name, value = ("sla_exclude", step[2]) if step[0] == "flag" else ("tags", [step[2]])
            row = event(f"e{self.n}", step[1], self.minute, "updated", actor="agent",
                        fields={name: value})  # fmt: skip
            self.api.send(row)
            return
        super().play(step)


def assert_view_equals_replay(api: Api) -> None:
    runtime = api.runtime
    now = runtime.clock()
    current = runtime.configs.current(now)
    assert current is not None
    version, config = current
    for name, spec in contracts_of_files(version.files).items():
        fields = ticket_fields([spec])
        clocks = runtime.contract_view_clocks(
            version.version, config, spec, spec.customer, now, fields
        )
        assert clocks is not None, "the view could not answer"
        # the full path as the routes took it: the customer's events replayed
        records, tickets = customer_data(runtime.store, config, spec.customer, now, now, fields)
        for period in PERIODS:
            view = statement_of_clocks(name, spec, clocks, now, period)
            full = build_statement(name, spec, records, tickets, now, period)
            assert view.to_json() == full.to_json(), (name, period, _diff(view, full))
            assert view.budget_json() == full.budget_json(), (name, period)
            assert view.csv_rows() == full.csv_rows(), (name, period)
            got = burndown_of_clocks(name, spec, clocks, now, period)
            assert got == burndown(name, spec, records, tickets, now, period), (name, period)


def _diff(view: Any, full: Any) -> list[str]:
    """Where two statements' JSON differ (the assertion's message)."""
    return _where(view.to_json(), full.to_json())


def _where(a: Any, b: Any, at: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in {*a, *b} for d in _where(a.get(k), b.get(k), f"{at}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _where(x, y, f"{at}[{i}]")]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"]


@contextmanager
def fresh_api(kind: str) -> Iterator[Api]:
    with tempfile.TemporaryDirectory() as tmp, api_over(kind, Path(tmp), config=CONFIG) as api:
        yield api


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_the_view_gives_the_statements_of_a_full_replay(kind: str, script: list[Step]) -> None:
    with fresh_api(kind) as api:
        play = ContractScript(api)
        for step in [*script, ("check",)]:
            play.play(step)
        # and once every ticket is recomputed (most settle) and the clock has moved on
        api.drain()
        play.play(("tick", 600))
        play.play(("check",))


def _log(api: Api) -> ContractScript:
    play = ContractScript(api)
    for step in (
        ("create", "K0", "acme", "high"), ("reply", "K0"), ("tick", 30), ("solve", "K0"),
        ("create", "K1", "acme", "low"), ("tick", 90), ("reply", "K1"), ("solve", "K1"),
        ("create", "K2", "acme", "low"), ("tag", "K1", "spam"), ("tick", 60),
        ("create", "K3", "globex", "low"), ("reply", "K3"), ("solve", "K3"), ("drain",),
        ("tick", 60),
    ):  # fmt: skip
        play.play(step)
    return play


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("path", ["statement", "budget", "burndown"])
def test_the_routes_now_answer_as_the_replay_at_the_same_instant(kind: str, path: str) -> None:
    with fresh_api(kind) as api:
        play = _log(api)
        runtime = api.runtime
        answered: list[bool] = []
        direct = runtime.contract_view_clocks

        def counted(*args: Any) -> pl.DataFrame | None:
            got = direct(*args)
            answered.append(got is not None)
            return got

        runtime.contract_view_clocks = counted  # type: ignore[method-assign]
        for step in (("check",), ("move", "K0", "globex"), ("check",)):
            play.play(step)
            assert api.runtime.kpi_view.stats()["settled"] >= 2  # it holds settled tickets
            for customer in ("acme", "globex"):
                url = f"/api/v1/customers/{customer}/{path}"
                now = api.get(url)
                assert now.status_code == 200, now.text
                replay = api.get(url, params={"as_of": iso(api.clock.now)})
                assert replay.status_code == 200, replay.text
                assert now.json() == replay.json(), (customer, path)
        assert answered and all(answered)  # every answer without as_of came from the view
        # K0 left acme for globex: counted for globex, not for acme
        acme = api.get("/api/v1/customers/acme/statement").json()
        assert "K0" not in str(acme)


def test_a_clock_still_running_is_never_taken_from_a_records_frame() -> None:
    # only stopped clocks come from the view's columns: the warning of an open one is not
    # among them, so asking for one fails loudly instead of losing it
    from accord.core.contracts.assignment import clocks_of_frame
    from accord.core.kpi.frames import RECORDS_SCHEMA

    spec = next(iter(contracts_of_files(CONFIG).values()))
    row: dict[str, Any] = dict.fromkeys(RECORDS_SCHEMA)
    row.update(ticket_id="K0", metric="first_response", customer="acme", policy="Gold",
               state="running", cycle=1, start=T0)  # fmt: skip
    frame = pl.DataFrame([row], schema=RECORDS_SCHEMA)
    with pytest.raises(ValueError, match="open clock"):
        clocks_of_frame(spec, frame, None)
    stopped = frame.with_columns(stop=pl.lit(T0 + 60), state=pl.lit("met"))
    assert clocks_of_frame(spec, stopped, None).height == 1
