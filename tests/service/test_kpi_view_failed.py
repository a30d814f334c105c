"""A ticket whose recompute failed keeps the records of its last good recompute, which may
not count its newer events: the KPI view never takes such a ticket as settled (its stored
records would stand for it), whichever way the view is loaded or kept current."""

from __future__ import annotations

import pytest

from accord.core.config.resolved import Configuration
from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import calendar_zones, evaluate
from accord.core.kpi.models import KpiSpec
from accord.service.figures import kpi_catalog
from accord.service.kpi_view import KpiView
from tests.service.conftest import Api, event
from tests.service.stores import STORES
from tests.service.test_kpi_view import CALLERS, _log, fresh_api, replayed


def _fail_recompute(api: Api, ticket: str) -> None:
    """What the recompute does when a ticket's clocks cannot be computed: the ticket listed
    as failed and its mark cleared, its stored records left as they were."""
    marks = [m for m in api.store.dirty(1_000) if m[0] == ticket]
    assert marks, "the event marked the ticket"
    api.store.record_failures({ticket: "boom"}, at=api.clock.now, clear=marks)


def _in_force(api: Api) -> tuple[int, Configuration, dict[str, KpiSpec]]:
    """The configuration in force now: its version, its configuration and KPI catalog."""
    current = api.runtime.configs.current(api.runtime.clock())
    assert current is not None
    config, catalog = kpi_catalog(tuple(sorted(current[0].files.items())))
    return current[0].version, config, catalog


def _assert_equals_replay(api: Api, view: KpiView) -> None:
    now = api.runtime.clock()
    _, config, catalog = _in_force(api)
    for customer in CALLERS:
        got = view.inputs(now, [], customer)
        assert got is not None
        records, facts = got
        values = evaluate(catalog, now, records=records, facts=facts, by=None, periods=2,
                          zones=calendar_zones(config.calendars))  # fmt: skip
        full = replayed(api, customer, None)
        assert values.equals(full), (customer, values, full)


def _fresh_view(api: Api, columnar: bool) -> KpiView:
    runtime = api.runtime
    version, config, catalog = _in_force(api)
    view = KpiView(api.store, runtime.kpi_view._version_at, runtime.clock)
    view.load(version, config, custom_fields(list(catalog.values()), ()), columnar=columnar)
    return view


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("columnar", [True, False])
def test_a_failed_ticket_with_a_backdated_event_is_not_settled_at_load(
    kind: str, columnar: bool
) -> None:
    with fresh_api(kind) as api:
        _log(api)  # K0 and K1 solved and recomputed (settled), K2 running
        # K0 reopened before the instant its records were judged at; its recompute fails
        api.send(event("late", "K0", 40, "updated", actor="agent", fields={"status": "open"}))
        _fail_recompute(api, "K0")
        view = _fresh_view(api, columnar)
        assert view.stats()["settled"] == 1  # K1 only
        _assert_equals_replay(api, view)


@pytest.mark.parametrize("kind", STORES)
def test_a_failed_ticket_read_again_by_a_sync_is_not_settled(kind: str) -> None:
    with fresh_api(kind) as api:
        _log(api)
        view = _fresh_view(api, True)
        assert view.stats()["settled"] == 2
        api.send(event("late", "K0", 40, "updated", actor="agent", fields={"status": "open"}))
        _fail_recompute(api, "K0")
        view.saved(["K1"])  # a sync reads K0 (its new event) and K1 again
        view.sync()
        assert view.stats()["settled"] == 1
        _assert_equals_replay(api, view)
