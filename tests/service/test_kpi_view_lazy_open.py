"""A sync notes the open tickets it drops (``OpenEvents.without``) rather than filtering
every open event: until the rows are filtered out, every reader (every caller's inputs, the
tickets a customer owns, the saved state) gives what a view loaded afresh gives, with
tickets dropped and read again; the rows are filtered out once too many are held."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from accord.service import kpi_view_parts
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_state import store_id
from tests.service.conftest import T0, Api
from tests.service.stores import STORES
from tests.service.test_kpi_view import fresh_api
from tests.service.test_kpi_view_load import FieldScript, assert_views_agree, steps
from tests.service.test_kpi_view_saved import _current, _loaded, _play, _started


def _open(view: KpiView) -> kpi_view_parts.OpenEvents:
    part = view._part
    assert part is not None
    return part.open


def _opened(api: Api) -> tuple[FieldScript, KpiView]:
    """Three open tickets in a loaded view whose first read laid them out (the syncs then
    keep the layout and the facts in step, and the read never needs the whole table)."""
    play = FieldScript(api)
    for tid, customer in (("K0", "acme"), ("K1", "globex"), ("K2", "acme")):
        play.play(("create", tid, customer, "high"))
    play.play(("tick", 10))
    view = _loaded(api)
    assert view.inputs(api.runtime.clock(), _current(api)[2], None) is not None
    return play, view


def _rows(table: pa.Table | None) -> list[tuple[str, int]]:
    assert table is not None
    return sorted(
        zip(table.column("ticket_id").to_pylist(), table.column("seq").to_pylist(), strict=True)
    )


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(after=steps)
def test_tickets_dropped_lazily_never_show_in_any_reader(
    kind: str, after: list[tuple[Any, ...]]
) -> None:
    with fresh_api(kind) as api, tempfile.TemporaryDirectory() as tmp:
        play, view = _opened(api)
        play.play(("reply", "K0"))  # K0 dropped, then read again with its new event
        play.play(("tick", 5))
        view.sync()
        assert _open(view).pending == 1  # its old rows still held
        assert_views_agree(view, _loaded(api), api.runtime.clock(), synced=True)
        _play(play, after)
        view.saved(["K0", "K1", "K2"])  # told of the recompute's saves
        view.sync()
        now = api.runtime.clock()
        assert_views_agree(view, _loaded(api), now, synced=True)
        # the saved state holds the rows left, as a load's does
        path = Path(tmp) / "view.arrow"
        assert view.save(path, store_id(api.store, T0)) is not None
        assert _open(view).pending == 0  # filtered for the save
        fresh = _open(_loaded(api)).whole()
        assert _rows(_open(view).whole()) == (_rows(fresh) if fresh is not None else [])
        started, used = _started(api, path)
        assert used
        assert_views_agree(started, _loaded(api), now, synced=True)


@pytest.mark.parametrize("kind", STORES)
def test_the_dropped_rows_are_filtered_out_once_too_many_are_held(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # filtered when more than 1 dropped ticket is held (none scaled by the open ones)
    monkeypatch.setattr(kpi_view_parts, "_DROPPED_AT_MOST", 0.0)
    monkeypatch.setattr(kpi_view_parts, "_DROPPED_FEW", 1)
    with fresh_api(kind) as api:
        play, view = _opened(api)
        play.play(("reply", "K1"))
        view.sync()
        first = _open(view)
        assert first.pending == 1
        play.play(("reply", "K2"))
        play.play(("tick", 3))
        view.sync()
        assert _open(view).pending == 0  # two held: filtered at this sync
        assert first.pending == 1  # what a reader took before it is left as it was
        assert_views_agree(view, _loaded(api), api.runtime.clock(), synced=True)
