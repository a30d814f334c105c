"""The KPI view (:mod:`accord.service.kpi_view`) gives the KPI values the full replay gives:
after random ingests, recomputes and clock moves, for every caller (each customer sees its
own tickets only, at once after a move), on SQLite and PostgreSQL, and across a
configuration change."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.kpi.evaluate import calendar_zones, evaluate
from accord.io.store import Incoming
from accord.service.figures import kpi_catalog, kpi_inputs
from accord.service.kpi_view_parts import unify
from tests.service.conftest import HOUR, T0, Api, created, event, reply
from tests.service.stores import STORES, api_over
from tests.service.test_kpis_api import CONFIG_WITH_KPIS

CUSTOMERS = ("acme", "globex", "initech")
TICKETS = tuple(f"K{i}" for i in range(6))
CALLERS = (None, "acme", "globex")

Step = tuple[Any, ...]

step = st.one_of(
    st.tuples(
        st.just("create"),
        st.sampled_from(TICKETS),
        st.sampled_from(CUSTOMERS),
        st.sampled_from(("high", "low")),
    ),
    st.tuples(st.just("reply"), st.sampled_from(TICKETS)),
    st.tuples(st.just("solve"), st.sampled_from(TICKETS)),
    st.tuples(st.just("reopen"), st.sampled_from(TICKETS)),
    st.tuples(st.just("move"), st.sampled_from(TICKETS), st.sampled_from(CUSTOMERS)),
    st.tuples(st.just("drain")),
    st.tuples(st.just("tick"), st.integers(1, 30 * 60)),  # minutes
    st.tuples(st.just("check")),
)
steps = st.lists(step, min_size=1, max_size=25)


class Script:
    """Plays steps on a test API: events at the clock's minute (never in its future)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.n = 0
        self.minute = 0

    def play(self, step: Step) -> None:
        kind = step[0]
        if kind == "drain":
            self.api.drain()
            return
        if kind == "tick":
            self.minute += step[1]
            self.api.clock.now = T0 + self.minute * 60
            return
        if kind == "check":
            assert_view_equals_replay(self.api)
            return
        self.n += 1
        eid, tid = f"e{self.n}", step[1]
        if kind == "create":
            row = created(eid, tid, self.minute, status="new", customer=step[2], priority=step[3])
        elif kind == "reply":
            row = reply(eid, tid, self.minute)
        elif kind == "move":
            row = event(eid, tid, self.minute, "updated", actor="agent",
                        fields={"customer": step[2]})  # fmt: skip
        else:
            status = "solved" if kind == "solve" else "open"
            row = event(eid, tid, self.minute, "updated", actor="agent",
                        fields={"status": status})  # fmt: skip
        self.api.send(row)


def replayed(api: Api, customer: str | None, by: list[str] | None) -> pl.DataFrame:
    """Today's full path: every stored event replayed at now."""
    runtime = api.runtime
    now = runtime.clock()
    current = runtime.configs.current(now)
    assert current is not None
    config, catalog = kpi_catalog(tuple(sorted(current[0].files.items())))
    records, facts = kpi_inputs(api.store, config, now, now, [], customer)
    return evaluate(catalog, now, records=records, facts=facts, by=by, periods=2,
                    zones=calendar_zones(config.calendars))  # fmt: skip


def viewed(api: Api, customer: str | None, by: list[str] | None) -> pl.DataFrame | None:
    runtime = api.runtime
    now = runtime.clock()
    current = runtime.configs.current(now)
    assert current is not None
    config, catalog = kpi_catalog(tuple(sorted(current[0].files.items())))
    got = runtime.kpi_view_inputs(current[0].version, config, now, [], customer)
    if got is None:
        return None
    records, facts = got
    return evaluate(catalog, now, records=records, facts=facts, by=by, periods=2,
                    zones=calendar_zones(config.calendars))  # fmt: skip


def assert_view_equals_replay(api: Api) -> None:
    for customer in CALLERS:
        for by in (None, ["customer"], ["team", "priority"]):
            view = viewed(api, customer, by)
            assert view is not None, "the view could not answer"
            full = replayed(api, customer, by)
            assert view.equals(full), (customer, by, view, full)
            if customer is not None and "customer" in view.columns:
                assert set(view.get_column("customer").drop_nulls()) <= {customer}


@contextmanager
def fresh_api(kind: str) -> Iterator[Api]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        api_over(kind, Path(tmp), config=CONFIG_WITH_KPIS) as api,
    ):
        yield api


@pytest.mark.parametrize("kind", STORES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_the_view_gives_the_values_of_a_full_replay(kind: str, script: list[Step]) -> None:
    with fresh_api(kind) as api:
        play = Script(api)
        for step in [*script, ("check",)]:
            play.play(step)
        # and once every ticket is recomputed and the clock has moved on
        api.drain()
        play.play(("tick", 600))
        play.play(("check",))


def _log(api: Api) -> Script:
    play = Script(api)
    for step in (
        ("create", "K0", "acme", "high"), ("reply", "K0"), ("tick", 30), ("solve", "K0"),
        ("create", "K1", "globex", "low"), ("tick", 30), ("reply", "K1"), ("solve", "K1"),
        ("create", "K2", "acme", "low"), ("tick", 60), ("drain",), ("tick", 60),
    ):  # fmt: skip
        play.play(step)
    return play


@pytest.mark.parametrize("kind", STORES)
def test_solved_tickets_are_settled_and_read_again_when_an_event_comes(kind: str) -> None:
    with fresh_api(kind) as api:
        play = _log(api)
        play.play(("check",))
        view = api.runtime.kpi_view
        assert view.stats()["settled"] == 2  # K0 and K1: every clock stopped
        assert view.stats()["open"] == 1  # K2 still runs
        play.play(("reopen", "K0"))
        play.play(("check",))  # read again at once, before any recompute
        assert view.stats()["open"] == 2
        api.drain()
        play.play(("tick", 5))
        play.play(("check",))


@pytest.mark.parametrize("kind", STORES)
def test_a_moved_ticket_is_never_counted_for_the_customer_it_left(kind: str) -> None:
    with fresh_api(kind) as api:
        play = _log(api)
        play.play(("check",))
        before = viewed(api, "acme", ["customer"])
        assert before is not None and before.height
        play.play(("move", "K0", "globex"))  # K0 is settled; no recompute runs
        acme = viewed(api, "acme", None)
        assert acme is not None and acme.equals(replayed(api, "acme", None))
        globex = viewed(api, "globex", None)
        assert globex is not None and globex.equals(replayed(api, "globex", None))
        play.play(("check",))


def test_a_new_configuration_version_reloads_the_view(tmp_path: Path) -> None:
    with api_over("sqlite", tmp_path, config=CONFIG_WITH_KPIS) as api:
        play = _log(api)
        play.play(("check",))
        view = api.runtime.kpi_view
        loads = view.loads
        stricter = CONFIG_WITH_KPIS["policies.yaml"].replace(
            "first_response: 4h", "first_response: 5m"
        )
        api.runtime.configs.add(
            {**CONFIG_WITH_KPIS, "policies.yaml": stricter},
            effective_from=0,
            uploaded_at=api.clock.now,
        )
        play.play(("check",))  # stored records predate the version: open until recomputed
        assert view.loads == loads + 1
        assert view.stats()["settled"] == 0
        api.runtime.jobs.wait(timeout=30)
        play.play(("check",))


def test_an_instant_before_a_settled_ticket_is_left_to_the_full_path(tmp_path: Path) -> None:
    with api_over("sqlite", tmp_path, config=CONFIG_WITH_KPIS) as api:
        _log(api)
        runtime = api.runtime
        now = runtime.clock()
        current = runtime.configs.current(now)
        assert current is not None
        config, _ = kpi_catalog(tuple(sorted(current[0].files.items())))
        assert runtime.kpi_view_inputs(current[0].version, config, now, [], None)
        earlier = T0 + HOUR // 2  # before K1's last event
        assert runtime.kpi_view.inputs(earlier, [], None) is None
        assert runtime.kpi_view.inputs(now, ["unheld_field"], None) is None


def _full_inputs(
    events: list[Any], config: Any, now: int, custom: list[str], customer: str | None
) -> tuple[pl.DataFrame, Any]:
    """:func:`kpi_inputs` over events in memory (no store): the full replay."""
    from accord.io.store.memory import MemoryStore

    store = MemoryStore()
    store.add_events([Incoming(e, "test", i) for i, e in enumerate(events)], received_at=now)
    return kpi_inputs(store, config, now, now, custom, customer, batch=True)


def test_the_columnar_load_gives_the_inputs_of_the_full_replay() -> None:
    from datetime import UTC, datetime

    from accord.core.config.loader import check_config_kpis
    from accord.core.engine.batch import compute_batch, events_to_table
    from accord.core.kpi.check import custom_fields
    from accord.demo.generate import generate_events
    from accord.service.kpi_view import KpiView

    demo = Path(__file__).resolve().parents[2] / "src" / "accord" / "demo" / "config"
    config, catalog, issues = check_config_kpis(demo)
    assert config is not None, issues
    end = datetime(2026, 3, 31, 22, tzinfo=UTC)
    events = list(generate_events(seed=3, end=end, tickets=300))
    judged = int(end.timestamp())
    table = events_to_table(events)
    stored = compute_batch(table, config, judged, agreements=bool(config.agreements))
    custom = custom_fields(list(catalog.values()), ())
    view = KpiView(None, lambda _: 1, lambda: judged)  # type: ignore[arg-type]
    view.load_tables(1, config, custom, table, stored, judged)
    assert view.stats()["settled"] > 0 and view.stats()["open"] > 0
    now = judged + 3 * 3600
    for customer in (None, "acme", "hooli"):
        got = view.inputs(now, custom, customer)
        assert got is not None
        want = _full_inputs(events, config, now, custom, customer)
        for by in (None, ["customer"], ["team"]):
            a = evaluate(catalog, now, records=got[0], facts=got[1], by=by)
            b = evaluate(catalog, now, records=want[0], facts=want[1], by=by)
            assert a.equals(b), (customer, by)


def test_a_policy_version_taking_effect_later_reloads_the_view(tmp_path: Path) -> None:
    # Standard's targets change 6 hours after T0: records judged before then are not settled
    # for a read after it
    versioned = CONFIG_WITH_KPIS["policies.yaml"].replace(
        "      resolution: 24h\n",
        "      resolution: 24h\n"
        "    versions:\n"
        "      - effective_from: 2026-03-02T15:00:00Z\n"
        "        metrics:\n"
        "          first_response: 5m\n",
    )
    with api_over(
        "sqlite", tmp_path, config={**CONFIG_WITH_KPIS, "policies.yaml": versioned}
    ) as api:
        play = _log(api)  # ends 3 hours after T0, every ticket recomputed
        play.play(("check",))
        view = api.runtime.kpi_view
        assert view.stats()["settled"] == 2
        loads = view.loads
        play.play(("tick", 5 * 60))  # past the version's start
        play.play(("check",))
        assert view.loads == loads + 1  # loaded again: the settled tickets are open now
        assert view.stats()["settled"] == 0


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_evaluation_does_not_depend_on_the_order_of_its_rows(seed: int) -> None:
    # the view hands its parts over unsorted (settled, then open): the rule it relies on
    from accord.core.kpi.facts import TicketFacts

    records, facts, catalog, now = _demo_inputs()
    shuffled = TicketFacts(
        facts.tickets.sample(fraction=1.0, shuffle=True, seed=seed),
        facts.open_spans.sample(fraction=1.0, shuffle=True, seed=seed),
        facts.as_of,
    )
    mixed = records.sample(fraction=1.0, shuffle=True, seed=seed)
    for by in (None, ["team"], ["customer", "priority"]):
        a = evaluate(catalog, now, records=records, facts=facts, by=by)
        b = evaluate(catalog, now, records=mixed, facts=shuffled, by=by)
        assert a.equals(b), by


_DEMO: list[Any] = []


def _demo_inputs() -> tuple[pl.DataFrame, Any, Any, int]:
    """The demo's log (300 tickets) replayed at three hours after its end, once per run."""
    if not _DEMO:
        from datetime import UTC, datetime

        from accord.core.config.loader import check_config_kpis
        from accord.demo.generate import generate_events

        demo = Path(__file__).resolve().parents[2] / "src" / "accord" / "demo" / "config"
        config, catalog, _ = check_config_kpis(demo)
        assert config is not None
        end = datetime(2026, 3, 31, 22, tzinfo=UTC)
        events = list(generate_events(seed=5, end=end, tickets=300))
        now = int(end.timestamp()) + 3 * 3600
        records, facts = _full_inputs(events, config, now, [], None)
        _DEMO.append((records, facts, catalog, now))
    got: tuple[pl.DataFrame, Any, Any, int] = _DEMO[0]
    return got


_NULLS = {
    "text": pl.String,
    "flag": pl.Boolean,
    "number": pl.Int64,
    "list": pl.List(pl.String),
}


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.sampled_from(list(_NULLS)), st.integers(0, 3), st.booleans()),
        min_size=2,
        max_size=4,
    )
)
def test_parts_whose_field_is_only_nulls_of_any_type_concatenate(
    parts: list[tuple[str, int, bool]],
) -> None:
    # a part keeps a field's nulls typed as they were once its tickets that set it have left
    # (a flag: Boolean), while a new part types a field none of its events sets as text
    frames = [
        pl.DataFrame(
            {
                "ticket_id": [f"T{i}-{j}" for j in range(rows)],
                "field.x": pl.Series([True] * rows if flagged else [None] * rows)
                if flagged and kind == "flag"
                else pl.Series([None] * rows, dtype=_NULLS[kind]),
            }
        )
        for i, (kind, rows, flagged) in enumerate(parts)
    ]
    got = unify(frames)
    assert got.get_column("ticket_id").to_list() == [
        t for f in frames if f.width for t in f.get_column("ticket_id").to_list()
    ]
    values = [v for f in frames for v in f.get_column("field.x").to_list()]
    assert got.get_column("field.x").to_list() == values
    if all(v is None for v in values):
        # nulls typed alike keep their type; typed differently, they are text
        types = {f.schema["field.x"] for f in frames}
        assert got.schema["field.x"] == (types.pop() if len(types) == 1 else pl.String)


@contextmanager
def _sync_held(view: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A sync of ``view`` under way in another thread, held while it reads the store (and
    holds the view's lock) until the block ends; then it finishes and the reads are real."""
    reading, release = threading.Event(), threading.Event()
    real = view._read_columns  # what a sync reads the store through, page by page

    def held_read(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(view, "_read_columns", held_read)
    syncing = threading.Thread(target=view.sync)
    syncing.start()
    try:
        assert reading.wait(30)
        yield
    finally:
        release.set()
        syncing.join()
        monkeypatch.setattr(view, "_read_columns", real)


def _returns_meanwhile(f: Any) -> Any:
    """Run ``f`` in a thread: what it returned, failing if it waits (a held sync never ends)."""
    got: list[Any] = []
    thread = threading.Thread(target=lambda: got.append(f()))
    thread.start()
    thread.join(30)
    assert not thread.is_alive()  # it did not wait for the held sync
    return got[0]


def test_saved_tickets_are_handed_over_while_a_sync_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's thread that hears the recompute's passes never waits for a sync under way
    (a long one held it, the recompute process then waited on its full pipe); what it hands
    over during the sync is read at the next one."""
    with fresh_api("memory") as api:
        play = _log(api)
        play.play(("check",))
        view = api.runtime.kpi_view
        play.play(("reopen", "K0"))  # a change for the next sync to read
        with _sync_held(view, monkeypatch):
            _returns_meanwhile(lambda: view.saved(["K1"]))
        before = view.refreshed
        view.sync()  # K1, handed over during the sync before, is read now
        assert view.refreshed == before + 1


def test_the_view_counts_answer_while_a_sync_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """/metrics reads the view's counts and version: they never wait for a sync under way
    (after a long stream nobody read, a sync holds the view's lock for minutes)."""
    with fresh_api("memory") as api:
        play = _log(api)
        play.play(("check",))
        view = api.runtime.kpi_view
        counted, version = view.stats(), view.version()
        play.play(("reopen", "K0"))
        with _sync_held(view, monkeypatch):
            assert _returns_meanwhile(lambda: (view.stats(), view.version())) == (
                counted,
                version,
            )
