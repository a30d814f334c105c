"""The KPI view started from its saved state (``KpiView.save`` / ``KpiView.load_saved``)
holds what a load from the store holds, after random changes between the save and the start,
on the memory store, SQLite and PostgreSQL; a state that is missing, damaged, another store's,
another version's or overtaken by a policy version is not used (a log line says why)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from accord.core.config.resolved import Configuration
from accord.core.kpi.check import custom_fields
from accord.io.store.memory import MemoryStore
from accord.service.figures import kpi_catalog
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_state import STORE_ID_KEY, store_id
from accord.service.runtime import Runtime
from tests.service.conftest import T0, Api
from tests.service.stores import STORES
from tests.service.test_kpi_view import TICKETS, fresh_api
from tests.service.test_kpi_view_load import FIELD, FieldScript, assert_views_agree, steps

KINDS = ("memory", *STORES)


def _current(api: Api) -> tuple[int, Configuration, list[str]]:
    current = api.runtime.configs.current(api.runtime.clock())
    assert current is not None
    config, catalog = kpi_catalog(tuple(sorted(current[0].files.items())))
    return current[0].version, config, [*custom_fields(list(catalog.values()), ()), FIELD]


def _view(api: Api) -> KpiView:
    return KpiView(api.store, api.runtime.kpi_view._version_at, api.runtime.clock)


def _loaded(api: Api) -> KpiView:
    view = _view(api)
    view.load(*_current(api))
    return view


def _started(api: Api, path: Path) -> tuple[KpiView, bool]:
    view = _view(api)
    return view, view.load_saved(path, store_id(api.store, T0), *_current(api))


def _play(play: FieldScript, script: list[tuple[Any, ...]]) -> None:
    for s in script:
        if s[0] != "check":
            play.play(s)


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=steps, after_load=steps, between=steps)
def test_a_view_started_from_its_saved_state_holds_what_a_load_holds(
    kind: str,
    before: list[tuple[Any, ...]],
    after_load: list[tuple[Any, ...]],
    between: list[tuple[Any, ...]],
) -> None:
    with fresh_api(kind) as api, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view.arrow"
        play = FieldScript(api)
        _play(play, before)
        saved = _loaded(api)
        _play(play, after_load)
        saved.saved(TICKETS)  # told of the recompute's saves, as the server tells its view
        if len(after_load) % 2:
            saved.sync()  # else the save's own sync catches up
        assert saved.save(path, store_id(api.store, T0)) is not None
        _play(play, between)  # what the start catches up with
        started, used = _started(api, path)
        assert used
        loaded = _loaded(api)
        # the same tickets settled: the catch-up read every ticket whose records changed
        assert started.stats() == loaded.stats()
        assert_views_agree(started, loaded, api.runtime.clock(), synced=True)
        # and it keeps current as a loaded view does (told of the recompute's saves as the
        # server tells its view)
        _play(play, [("reply", TICKETS[0]), ("drain",), ("tick", 5)])
        started.saved(TICKETS)
        started.sync()
        assert_views_agree(started, _loaded(api), api.runtime.clock(), synced=True)


def _filled(api: Api) -> FieldScript:
    play = FieldScript(api)
    for tid, customer in (("K0", "acme"), ("K1", "globex"), ("K2", "acme")):
        play.play(("create", tid, customer, "high"))
    play.play(("tick", 30))
    for tid in ("K0", "K1"):
        play.play(("reply", tid))
        play.play(("solve", tid))
    play.play(("drain",))
    play.play(("tick", 10))
    return play


def _refused(
    caplog: pytest.LogCaptureFixture, view: KpiView, used: bool, why: str, *, warn: bool = False
) -> None:
    assert not used
    assert view.version() is None  # nothing held: the caller loads
    level = logging.WARNING if warn else logging.INFO
    assert any(
        "is not used" in r.message and why in r.message and r.levelno == level
        for r in caplog.records
    ), [(r.levelname, r.message) for r in caplog.records]


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_or_damaged_state_is_not_used(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="accord.service")
    with fresh_api(kind) as api:
        _filled(api)
        path = tmp_path / "view.arrow"
        view, used = _started(api, path)
        _refused(caplog, view, used, "no saved state")
        assert _loaded(api).save(path, store_id(api.store, T0)) is not None
        whole = path.read_bytes()
        mid = len(whole) // 3
        for damaged, why in (
            (whole[: len(whole) // 2], "cut short"),
            (whole[:-40] + b"\0" * 40, "cut short"),
            (whole[:200] + bytes(b ^ 0x5A for b in whole[200:400]) + whole[400:], "damaged"),
            # one bit of the data: the streams would read it back as another value
            (whole[:mid] + bytes([whole[mid] ^ 0x01]) + whole[mid + 1 :], "damaged section"),
            (whole[:-60] + b"{" + whole[-59:], "unreadable"),  # the footer's JSON
            (b"", "cut short"),
        ):
            caplog.clear()
            path.write_bytes(damaged)
            view, used = _started(api, path)
            _refused(caplog, view, used, why, warn=True)  # damage: an operator hears of it
        path.write_bytes(whole)
        assert _started(api, path)[1]


@pytest.mark.parametrize("kind", KINDS)
def test_another_store_s_state_is_not_used(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="accord.service")
    with fresh_api(kind) as api, fresh_api(kind) as other:
        _filled(api)
        _filled(other)  # the same events, another store
        path = tmp_path / "view.arrow"
        assert _loaded(api).save(path, store_id(api.store, T0)) is not None
        assert store_id(other.store, T0) != store_id(api.store, T0)
        view, used = _started(other, path)
        _refused(caplog, view, used, "another store", warn=True)


def test_a_copy_of_the_store_that_went_another_way_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a store restored from a copy (the same id) that is behind the state, or got other
    # events since the copy
    caplog.set_level(logging.INFO, logger="accord.service")
    with fresh_api("memory") as api, fresh_api("memory") as copy:
        play = _filled(api)
        play.play(("reply", "K2"))
        path = tmp_path / "view.arrow"
        sid = store_id(api.store, T0)
        assert _loaded(api).save(path, sid) is not None
        assert isinstance(copy.store, MemoryStore)
        assert copy.store.set_watch(STORE_ID_KEY, sid, at=T0, expected=None)
        again = _filled(copy)  # one event fewer: behind the state
        view, used = _started(copy, path)
        _refused(caplog, view, used, "before the saved", warn=True)
        again.play(("reply", "K1"))  # as many events, the last one another ticket's
        caplog.clear()
        view, used = _started(copy, path)
        _refused(caplog, view, used, "is not the one it was saved after", warn=True)


@pytest.mark.parametrize("kind", KINDS)
def test_a_state_of_another_configuration_or_fields_is_not_used(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="accord.service")
    with fresh_api(kind) as api:
        _filled(api)
        path = tmp_path / "view.arrow"
        sid = store_id(api.store, T0)
        assert _loaded(api).save(path, sid) is not None
        version, config, custom = _current(api)
        view = _view(api)
        _refused(caplog, view, view.load_saved(path, sid, version, config, custom[:-1]), "fields")
        caplog.clear()
        files = dict(next(v.files for v in api.runtime.configs.versions()))
        api.runtime.configs.add(files, effective_from=0, uploaded_at=api.runtime.clock())
        view, used = _started(api, path)
        _refused(caplog, view, used, "configuration version")


def test_a_policy_version_taking_effect_since_the_save_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.service.stores import api_over
    from tests.service.test_kpis_api import CONFIG_WITH_KPIS

    caplog.set_level(logging.INFO, logger="accord.service")
    versioned = CONFIG_WITH_KPIS["policies.yaml"].replace(
        "      resolution: 24h\n",
        "      resolution: 24h\n"
        "    versions:\n"
        "      - effective_from: 2026-03-02T15:00:00Z\n"  # 6 hours after T0
        "        metrics:\n"
        "          first_response: 5m\n",
    )
    with api_over(
        "memory", tmp_path, config={**CONFIG_WITH_KPIS, "policies.yaml": versioned}
    ) as api:
        play = _filled(api)
        path = tmp_path / "view.arrow"
        saved = _loaded(api)
        assert saved.stats()["settled"] == 2
        assert saved.save(path, store_id(api.store, T0)) is not None
        play.play(("tick", 7 * 60))  # past the version's start
        view, used = _started(api, path)
        _refused(caplog, view, used, "policy version")


def test_the_server_saves_its_view_at_stop_and_starts_from_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="accord.service")
    folder = tmp_path / "state"
    with fresh_api("sqlite") as api:
        play = _filled(api)
        runtime = api.runtime
        settings = runtime.settings.__class__(
            **{**runtime.settings.__dict__, "kpi_view_dir": folder}
        )
        first = Runtime(settings, api.store, runtime.clock)
        version, config, _ = _current(api)
        assert first.kpi_view_inputs(version, config, runtime.clock(), [], None) is not None
        assert first.kpi_view.loads == 1 and not list(folder.glob("*"))
        first.start()
        first.stop()  # written at a clean stop
        files = list(folder.glob("kpi-view-*.arrow"))
        assert [f.name for f in files] == [f"kpi-view-{store_id(api.store, T0)}.arrow"]
        play.play(("reply", "K2"))  # after the save
        caplog.clear()
        second = Runtime(settings, api.store, runtime.clock)
        got = second.kpi_view_inputs(version, config, runtime.clock(), [], None)
        assert got is not None
        assert any("KPI view started from" in r.message for r in caplog.records)
        assert second.kpi_view.refreshed == 1  # K2, read again
        loaded = _view(api)
        loaded.load(version, config, second._held_fields(version))
        assert second.kpi_view.stats() == loaded.stats()
        assert_views_agree(second.kpi_view, loaded, runtime.clock(), synced=True, fields=())


def test_the_state_lives_beside_a_sqlite_store_or_where_the_setting_says(tmp_path: Path) -> None:
    from accord.io.store import SqlStore
    from accord.service.kpi_view_saving import state_folder
    from accord.service.settings import Settings

    (tmp_path / "a").mkdir()
    store = SqlStore(f"sqlite:///{tmp_path / 'a' / 'accord.db'}")
    try:
        assert state_folder(Settings(), store) == (tmp_path / "a").resolve()
        assert state_folder(Settings(kpi_view_dir=tmp_path / "b"), store) == tmp_path / "b"
        assert state_folder(Settings(kpi_view_saved=False), store) is None
    finally:
        store.close()
    assert state_folder(Settings(), MemoryStore()) is None  # nowhere to put it by default
    assert state_folder(Settings(kpi_view_dir=tmp_path), MemoryStore()) == tmp_path


def test_a_write_replaces_the_file_whole_and_clears_a_write_cut_short(tmp_path: Path) -> None:
    with fresh_api("memory") as api:
        _filled(api)
        path = tmp_path / "view.arrow"
        left = tmp_path / "view.arrow.abc123.tmp"  # a crash in the middle of a write
        left.write_bytes(b"half")
        view = _loaded(api)
        assert view.save(path, store_id(api.store, T0)) is not None
        assert sorted(p.name for p in tmp_path.iterdir()) == ["view.arrow"]
        assert _started(api, path)[1]


def test_a_server_writes_the_state_right_after_a_load_and_again_only_when_it_changed(
    tmp_path: Path,
) -> None:
    from accord.service.kpi_view_saving import ViewSaver
    from accord.service.settings import Settings

    with fresh_api("memory") as api:
        play = _filled(api)
        settings = Settings(background=True, kpi_view_dir=tmp_path)
        view = _view(api)
        saver = ViewSaver(view, api.store, settings, api.runtime.clock)
        target = saver.target()
        assert target is not None
        saver.open(*_current(api))  # no file yet: loaded, then written at once
        assert saver.writes == 1 and target[0].exists()
        saver.save()
        assert saver.writes == 1  # nothing changed since
        play.play(("reply", "K2"))
        saver.save()  # its own sync reads K2: a new content
        assert saver.writes == 2
        started = _view(api)
        again = ViewSaver(started, api.store, settings, api.runtime.clock)
        again.open(*_current(api))
        # from the file; K2, waiting for its recompute when written, read again
        assert started.loads == 1 and started.refreshed == 1
        assert again.writes == 0
        assert_views_agree(started, _loaded(api), api.runtime.clock(), synced=True)
