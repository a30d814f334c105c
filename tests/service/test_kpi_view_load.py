"""The KPI view loaded in columns (``KpiView.load``) holds what the load through an object
per event and record holds (``columnar=False``, the path :meth:`KpiView.sync` reads by): the
same inputs and the same tickets owned, for every caller, after random ingests (custom
fields of every JSON type among them), recomputes and clock moves, on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from accord.core.kpi.check import custom_fields
from accord.service.figures import kpi_catalog
from accord.service.kpi_view import KpiView
from tests.service.conftest import Api, event
from tests.service.stores import STORES
from tests.service.test_kpi_view import CALLERS, TICKETS, Script, fresh_api, step

FIELD = "region"  # a custom field the view holds
value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["EMEA", "APAC", "", "1"]),
)
steps = st.lists(
    st.one_of(step, st.tuples(st.just("field"), st.sampled_from(TICKETS), value)),
    min_size=1,
    max_size=25,
)


class FieldScript(Script):
    """The view's script, plus updates that set (or clear) a custom field."""

    def play(self, step: tuple[Any, ...]) -> None:
        if step[0] != "field":
            super().play(step)
            return
        self.n += 1
        row = event(f"e{self.n}", step[1], self.minute, "updated", actor="agent",
                    fields={FIELD: step[2]})  # fmt: skip
        self.api.send(row)


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.sort(keys) if frame.width else frame


def _table(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return _sorted(frame, ["ticket_id", "seq"])


def assert_loads_agree(api: Api) -> None:
    runtime = api.runtime
    now = runtime.clock()
    current = runtime.configs.current(now)
    assert current is not None
    version = current[0].version
    config, catalog = kpi_catalog(tuple(sorted(current[0].files.items())))
    custom = [*custom_fields(list(catalog.values()), ()), FIELD]
    views = []
    for columnar in (True, False):
        view = KpiView(api.store, runtime.kpi_view._version_at, runtime.clock)
        view.load(version, config, custom, columnar=columnar)
        views.append(view)
    new, old = views
    assert new.stats() == old.stats()
    rec = ["ticket_id", "metric", "cycle"]
    for customer in CALLERS:
        a, b = new.inputs(now, [FIELD], customer), old.inputs(now, [FIELD], customer)
        assert (a is None) == (b is None)
        if a is None or b is None:
            continue
        assert_frame_equal(_sorted(a[0], rec), _sorted(b[0], rec))
        assert_frame_equal(
            _sorted(a[1].tickets, ["ticket_id"]), _sorted(b[1].tickets, ["ticket_id"])
        )
        spans = ["ticket_id", "start", "end"]
        assert_frame_equal(_sorted(a[1].open_spans, spans), _sorted(b[1].open_spans, spans))
        if customer is None:
            continue
        x, y = new.owned(now, [FIELD], customer), old.owned(now, [FIELD], customer)
        assert x is not None and y is not None
        assert_frame_equal(_sorted(x.settled_records, rec), _sorted(y.settled_records, rec))
        assert_frame_equal(
            _sorted(x.settled_facts, ["ticket_id"]), _sorted(y.settled_facts, ["ticket_id"])
        )
        assert_frame_equal(_table(x.open_events), _table(y.open_events))
        assert_frame_equal(
            _sorted(x.open_facts, ["ticket_id"]), _sorted(y.open_facts, ["ticket_id"])
        )


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_the_columnar_load_holds_what_the_object_load_holds(
    kind: str, script: list[tuple[Any, ...]]
) -> None:
    with fresh_api(kind) as api:
        play = FieldScript(api)
        for s in script:
            if s[0] != "check":
                play.play(s)
        assert_loads_agree(api)
        api.drain()  # every ticket recomputed: the solved ones settle
        play.play(("tick", 600))
        assert_loads_agree(api)
        for tid in TICKETS[::2]:  # more settle, beside open ones
            play.play(("reply", tid))
            play.play(("solve", tid))
        api.drain()
        play.play(("tick", 60))
        assert_loads_agree(api)


@pytest.mark.parametrize("kind", STORES)
def test_a_ticket_waiting_for_its_recompute_is_open_in_both_loads(kind: str) -> None:
    with fresh_api(kind) as api:
        play = FieldScript(api)
        for s in (("create", "K0", "acme", "high"), ("create", "K1", "globex", "low"),
                  ("tick", 30), ("reply", "K0"), ("solve", "K0"), ("reply", "K1"),
                  ("solve", "K1"), ("drain",)):  # fmt: skip
            play.play(s)
        # an event at the instant K0 was judged at: not after it, but K0 waits for a recompute
        play.play(("reopen", "K0"))
        assert [tid for tid, _ in api.store.dirty(10)] == ["K0"]
        assert_loads_agree(api)
        runtime = api.runtime
        now = runtime.clock()
        current = runtime.configs.current(now)
        assert current is not None
        config, _ = kpi_catalog(tuple(sorted(current[0].files.items())))
        view = KpiView(api.store, runtime.kpi_view._version_at, runtime.clock)
        view.load(current[0].version, config, [FIELD])
        assert view.stats()["settled"] == 1 and view.stats()["open"] == 1
