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
    assert_views_agree(new, old, now)


def _set_only(table: pa.Table) -> pa.Table:
    """Without the custom field columns that hold only nulls (a view kept current keeps a
    field's column after the tickets that set it left its open part; it reads as unset)."""
    empty = [
        n
        for n in table.column_names
        if n.startswith("field.") and table.column(n).null_count == table.num_rows
    ]
    return table.drop_columns(empty)


def _nulls_as(frame: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each column of nulls typed as ``other``'s column of that name."""
    return frame.with_columns(
        pl.lit(None, dtype=other.schema[n]).alias(n)
        for n in frame.columns
        if n in other.columns
        and frame.get_column(n).null_count() == frame.height
        and frame.schema[n] != other.schema[n]
    )


def assert_views_agree(
    new: KpiView,
    old: KpiView,
    now: int,
    *,
    synced: bool = False,
    fields: tuple[str, ...] = (FIELD,),
) -> None:
    """The two views give the same inputs and the same tickets owned, to every caller
    (``synced``: ``new`` was kept current by syncs, which keep the columns of a frame whose
    rows all left: empty frames agree whatever their columns, and the open events' columns
    are compared without the fields none of them sets)."""
    rec = ["ticket_id", "metric", "cycle"]

    def same(a: pl.DataFrame, b: pl.DataFrame, keys: list[str]) -> None:
        if synced and a.height == 0 and b.height == 0:
            return
        if synced:  # a column of nulls is typed by the parts it came from (see ``unify``)
            a, b = _nulls_as(a, b), _nulls_as(b, a)
        assert_frame_equal(_sorted(a, keys), _sorted(b, keys))

    for customer in CALLERS:
        a, b = new.inputs(now, list(fields), customer), old.inputs(now, list(fields), customer)
        assert (a is None) == (b is None)
        if a is None or b is None:
            continue
        same(a[0], b[0], rec)
        same(a[1].tickets, b[1].tickets, ["ticket_id"])
        same(a[1].open_spans, b[1].open_spans, ["ticket_id", "start", "end"])
        if customer is None:
            continue
        x, y = new.owned(now, list(fields), customer), old.owned(now, list(fields), customer)
        assert x is not None and y is not None
        same(x.settled_records, y.settled_records, rec)
        same(x.settled_facts, y.settled_facts, ["ticket_id"])
        xo, yo = x.open_events, y.open_events
        if synced:
            xo, yo = _set_only(xo), _set_only(yo)
        if not synced or xo.num_rows or yo.num_rows:
            assert_frame_equal(_table(xo), _table(yo))
        same(x.open_facts, y.open_facts, ["ticket_id"])


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
