"""The alert loop's KPI and contract figures in ``accord serve`` come from the KPI view
(:mod:`accord.service.alert_view`) and equal those of every stored event replayed, on SQLite
and PostgreSQL; the store is not replayed when the view answers; while the view loads, the
last figures stand; a KPI band is grouped by the hour of the calendar's zone, as the API's."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import calendar_zones
from accord.core.kpi.evaluate import evaluate as evaluate_kpis
from accord.service.alert_readings import ReplayFigures, contract_readings
from accord.service.alert_view import ViewFigures
from accord.service.alerting import AlertSetup
from accord.service.runtime import Runtime
from tests.service.conftest import T0, Api, created, reply
from tests.service.stores import STORES, api_over
from tests.service.test_contract_view import CONFIG as CONTRACT_CONFIG
from tests.service.test_contract_view import ContractScript, steps
from tests.service.test_kpi_view import Step

RULES = """\
channels:
  hook: {type: webhook, url: 'http://127.0.0.1:9/hook'}
alerts:
  median-band: {kind: kpi_band, kpi: first_response_median, channels: hook}
  gold-band: {kind: kpi_band, kpi: gold_tickets, channels: hook}
  acme-burn: {kind: budget_burn, contract: acme, share: 50%, channels: hook}
  globex-burn: {kind: budget_burn, contract: globex, share: 50%, channels: hook}
  initech-forecast: {kind: forecast_below, contract: initech, channels: hook}
"""
CONFIG = {**CONTRACT_CONFIG, "alerts.yaml": RULES}


@contextmanager
def fresh_api(kind: str, config: dict[str, str] = CONFIG) -> Iterator[Api]:
    with tempfile.TemporaryDirectory() as tmp, api_over(kind, Path(tmp), config=config) as api:
        yield api


def _setup(runtime: Runtime) -> AlertSetup:
    setup = runtime.alerting.setup_at(runtime.clock())
    assert setup is not None and setup.version is not None
    return setup


def _kpi_rows(setup: AlertSetup, inputs: Any, now: int) -> list[dict[str, Any]]:
    assert setup.config is not None
    names = sorted({r.kpi for r in setup.rules.values() if r.kpi})
    records, facts = inputs
    zones = calendar_zones(setup.config.calendars)
    table = evaluate_kpis(
        setup.kpis, now, records=records, facts=facts, kpis=names, periods=1, zones=zones
    )
    return table.to_dicts()


def assert_view_figures_equal_replay(api: Api) -> None:
    runtime = api.runtime
    now = runtime.clock()
    setup = _setup(runtime)
    view = ViewFigures(runtime)
    replay = ReplayFigures(runtime.store)
    custom = custom_fields(list(setup.kpis.values()))
    viewed = view.kpi_inputs(setup, custom, now)
    assert viewed is not None
    assert _kpi_rows(setup, viewed, now) == _kpi_rows(
        setup, replay.kpi_inputs(setup, custom, now), now
    )
    assert contract_readings(setup, now, view) == contract_readings(setup, now, replay)
    assert view.replayed == 0  # the view answered every figure


class AlertScript(ContractScript):
    def play(self, step: Step) -> None:
        if step[0] == "check":
            assert_view_figures_equal_replay(self.api)
            return
        super().play(step)


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_the_alert_figures_from_the_view_equal_a_full_replay(kind: str, script: list[Step]) -> None:
    with fresh_api(kind) as api:
        play = AlertScript(api)
        for step in [*script, ("check",)]:
            play.play(step)
        api.drain()
        play.play(("tick", 600))
        play.play(("check",))


def _some_tickets(api: Api) -> None:
    api.send(
        created("a1", "A1", 0, status="new", customer="acme", priority="high"),
        reply("a2", "A1", 30),
        created("g1", "G1", 10, status="new", customer="globex"),
        created("i1", "I1", 20, status="new", customer="initech"),
    )
    api.clock.now = T0 + 3 * 3600
    api.drain()


@pytest.mark.parametrize("kind", STORES)
def test_the_loop_takes_its_figures_from_the_view_without_replaying_the_store(kind: str) -> None:
    with fresh_api(kind) as api:
        _some_tickets(api)
        runtime = api.runtime
        source = runtime.alerting.figures
        assert isinstance(source, ViewFigures)
        runs: list[str] = []
        iter_events = runtime.store.iter_events

        def counted(*a: Any, **k: Any) -> Any:
            runs.append("replay")
            return iter_events(*a, **k)

        runtime.store.iter_events = counted  # type: ignore[method-assign]
        runtime.alerting.run_once()
        readings = runtime.alerting._readings
        assert readings is not None and readings.computed_at == runtime.clock()
        assert source.replayed == 0 and runs == []
        # the same budgets and forecasts as the replay gives
        expected = contract_readings(_setup(runtime), runtime.clock(), ReplayFigures(runtime.store))
        got = readings.figures
        assert (list(got.budgets), list(got.forecasts)) == expected
        assert {b.contract for b in got.budgets} == {"acme", "globex", "initech"}


def test_while_the_view_loads_the_last_figures_stand_and_the_next_round_computes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fresh_api("sqlite") as api:
        _some_tickets(api)
        runtime = api.runtime
        runtime.alerting.run_once()
        readings = runtime.alerting._readings
        assert readings is not None
        first, at = readings.figures, readings.computed_at
        assert first.budgets
        # the view is (re)loading: it answers nothing meanwhile
        monkeypatch.setattr(Runtime, "kpi_view_loading", property(lambda self: True))
        monkeypatch.setattr(runtime, "kpi_view_inputs", lambda *a, **k: None)
        monkeypatch.setattr(runtime, "contract_view_clocks", lambda *a, **k: None)
        api.send(reply("g2", "G1", 200))
        api.clock.now += 3600
        api.drain()
        runtime.alerting.run_once()
        assert readings.figures is first and readings.computed_at == at  # kept, not replayed
        assert isinstance(runtime.alerting.figures, ViewFigures)
        assert runtime.alerting.figures.replayed == 0
        monkeypatch.undo()
        runtime.alerting.run_once()  # ready again: the figures move on at the next round
        assert readings.computed_at == runtime.clock()
        assert readings.figures != first


NEW_YORK = {
    **CONFIG,
    "calendars.yaml": (
        "calendars:\n  always:\n    tz: America/New_York\n"
        '    hours:\n      daily: [["00:00", "24:00"]]\n'
    ),
    "kpis.yaml": (
        "kpis:\n  sla_compliance_first_response:\n    by: [hour]\n"
        "    bands: {green: 90%, amber: 50%}\n"
    ),
    "alerts.yaml": (
        "channels:\n  hook: {type: webhook, url: 'http://127.0.0.1:9/hook'}\n"
        "alerts:\n  hourly: {kind: kpi_band, kpi: sla_compliance_first_response, channels: hook}\n"
    ),
}


def test_a_kpi_band_by_hour_is_grouped_by_the_hour_of_the_calendars_zone_as_the_api() -> None:
    with fresh_api("sqlite", NEW_YORK) as api:
        _some_tickets(api)
        api.runtime.alerting.run_once()
        rows = api.get("/api/v1/kpis/values?kpi=sla_compliance_first_response&periods=1").json()[
            "values"
        ]
        hours = {r["hour"] for r in rows if r["band"] is not None}
        assert hours == {"04"}  # 09:00 UTC is 04:00 in New York in March (EST)
        stored = api.store.get_watch(
            [f"band:sla_compliance_first_response[hour={h}]" for h in hours]
        )
        assert len(stored) == len(hours)
