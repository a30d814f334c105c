"""The open clocks ``accord serve``'s alert loop keeps between rounds
(:mod:`accord.service.alert_clocks`): every ticket without a recompute mark has exactly its
stored open clocks and their candidate alerts, on every store, whichever process saved its
records; a round reads again only the tickets that changed; and a loop that remembers the
keys already taken claims exactly what one-shot rounds claim."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.alerts.alert import Alert
from accord.core.alerts.evaluate import HORIZON, Readings, evaluate
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.config.loader import build_config
from accord.core.records import MetricRecord, State
from accord.errors import StoreError
from accord.io.store import MemoryStore, SqlStore, Store, TicketResult
from accord.service.alert_clocks import OpenClocks
from accord.service.alert_readings import open_clock_readings
from accord.service.alerting import AlertSetup, KnownKeys, deliver_round, take_in_charge
from tests.service.conftest import HOUR, T0
from tests.service.stores import pg_schema
from tests.service.test_records_view import Result, add_event, make_result, result_st

CALENDARS = {"always": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}}
CAL: dict[str, BusinessCalendar] = {
    k: v
    for k, v in build_config(
        {
            "calendars": CALENDARS,
            "policies": [
                {
                    "name": "Gold",
                    "calendar": "always",
                    "metrics": {"resolution": {"targets": {"default": "1h"}}},
                }
            ],
        }
    ).calendars.items()
    if isinstance(v, BusinessCalendar)
}


def rule(**kw: object) -> AlertRule:
    return AlertRule.model_validate({"channels": ["ops"], **kw})


RULES = {
    "half": rule(kind="sla_warning", share="50%"),
    "left": rule(kind="sla_warning", remaining="10m", metrics=["resolution"]),
    "breach": rule(kind="sla_breach"),
    "acme": rule(kind="sla_breach", scope={"customer": ["acme"]}),
}


@contextmanager
def store_of(kind: str) -> Iterator[Store]:
    if kind == "memory":
        yield MemoryStore()
        return
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            store = SqlStore(f"sqlite:///{Path(tmp) / 'accord.db'}")
            try:
                yield store
            finally:
                store.close()
        return
    with pg_schema() as url:
        store = SqlStore(url)
        try:
            yield store
        finally:
            store.close()


def _key(r: MetricRecord) -> tuple[str, str, int]:
    return (r.ticket_id, r.metric, r.cycle)


def _alert_key(a: Alert) -> tuple[str, int]:
    return (a.key, a.at)


def assert_same_as_the_store(clocks: OpenClocks, store: Store) -> None:
    got = clocks.read(T0)
    marked = {tid for tid, _ in store.dirty(10_000)}
    want = [r for r in open_clock_readings(store, T0).records if r.ticket_id not in marked]
    assert sorted((r for r in got if r.ticket_id not in marked), key=_key) == sorted(want, key=_key)
    alerts = [a for a in clocks.candidates(RULES, CAL) if a.subject not in marked]
    expected = evaluate(RULES, Readings(records=want), CAL, (), HORIZON)
    assert sorted(alerts, key=_alert_key) == sorted(expected, key=_alert_key)


# a step: new events for some tickets (marked for a recompute), or their results saved by this
# server's recompute (told to the cache), by another process (not told), saved while new
# events keep them marked, or saved again without new events (a failed ticket retried, a
# recompute job: told)
step_st = st.tuples(
    st.sampled_from(["event", "saved", "elsewhere", "still-marked", "again"]),
    st.lists(result_st, min_size=1, max_size=3),
)


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(result_st, max_size=5), steps=st.lists(step_st, max_size=6))
def test_every_ticket_without_a_recompute_mark_has_its_stored_open_clocks_and_alerts(
    kind: str, first: list[Result], steps: list[tuple[str, list[Result]]]
) -> None:
    with store_of(kind) as store:
        n = 0
        for tid, customer, recs in first:
            n += 1
            add_event(store, tid, n)
            store.save_results([make_result(tid, customer, recs)], clear=store.dirty(100))
        clocks = OpenClocks(store)
        assert_same_as_the_store(clocks, store)
        for what, batch in steps:
            results = list({tid: make_result(tid, c, recs) for tid, c, recs in batch}.values())
            ids = [r.summary.ticket_id for r in results]
            if what == "again":
                store.save_results(results)
                clocks.saved(ids)
                assert_same_as_the_store(clocks, store)
                continue
            for tid in ids:
                n += 1
                add_event(store, tid, n)
            if what == "saved":
                store.save_results(results, clear=store.dirty(100))
                clocks.saved(ids)
            elif what == "elsewhere":
                store.save_results(results, clear=store.dirty(100))
            elif what == "still-marked":
                store.save_results(results)
                clocks.saved(ids)
            assert_same_as_the_store(clocks, store)
        # once every recompute is done, every ticket has its stored clocks
        store.clear_dirty(store.dirty(100))
        assert_same_as_the_store(clocks, store)
        assert not {tid for tid, _ in store.dirty(100)}
        assert clocks.full_reads == 1


def test_a_round_reads_again_only_the_tickets_saved_since_the_last_one() -> None:
    store = MemoryStore()
    for i in range(20):
        tid = f"T{i}"
        add_event(store, tid, i)
        rec = ("resolution", "high", "Gold", "ops", State.RUNNING, T0 + HOUR, 0, True)
        store.save_results([make_result(tid, "acme", [rec])], clear=store.dirty(100))
    clocks = OpenClocks(store)
    assert len(clocks.read(T0)) == 20
    assert (clocks.full_reads, clocks.tickets_read) == (1, 0)
    add_event(store, "T3", 100)
    store.save_results([make_result("T3", "acme", [])], clear=store.dirty(100))
    clocks.saved(["T3"])
    assert len(clocks.read(T0)) == 19  # T3 has no open clock left
    assert (clocks.full_reads, clocks.tickets_read) == (1, 1)
    assert len(clocks.read(T0)) == 19  # nothing changed: nothing read
    assert (clocks.full_reads, clocks.tickets_read) == (1, 1)
    store.add_config_version({"policies.yaml": "policies: []\n"}, effective_from=T0, uploaded_at=T0)
    clocks.read(T0)  # another configuration: every record may change
    assert clocks.full_reads == 2


def test_tickets_saved_before_a_failed_store_read_are_read_at_the_next_round() -> None:
    store = MemoryStore()
    rec = ("resolution", "high", "Gold", "ops", State.RUNNING, T0 + HOUR, 0, True)
    add_event(store, "T1", 1)
    store.save_results([make_result("T1", "acme", [rec])], clear=store.dirty(100))
    clocks = OpenClocks(store)
    clocks.read(T0)
    add_event(store, "T1", 2)
    store.save_results([make_result("T1", "globex", [rec])], clear=store.dirty(100))
    clocks.saved(["T1"])
    real = store.records_of

    def down(ids: Any) -> Any:
        raise StoreError("the database is unreachable")

    store.records_of = down  # type: ignore[method-assign]
    with pytest.raises(StoreError):
        clocks.read(T0)
    store.records_of = real  # type: ignore[method-assign]
    assert {r.customer for r in clocks.read(T0)} == {"globex"}


def test_candidates_are_evaluated_again_only_for_the_tickets_read_again() -> None:
    store = MemoryStore()
    rec = ("resolution", "high", "Gold", "ops", State.RUNNING, T0 + HOUR, 0, True)
    for i in range(5):
        add_event(store, f"T{i}", i)
        store.save_results([make_result(f"T{i}", "acme", [rec])], clear=store.dirty(100))
    clocks = OpenClocks(store)
    clocks.read(T0)
    first = clocks.candidates(RULES, CAL)
    evaluated: list[int] = []
    real = evaluate

    def counting(*args: Any, **kw: Any) -> list[Alert]:
        evaluated.append(1)
        return real(*args, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("accord.service.alert_clocks.evaluate", counting)
        clocks.read(T0)
        assert sorted(clocks.candidates(RULES, CAL), key=_alert_key) == sorted(
            first, key=_alert_key
        )
        assert evaluated == []
        add_event(store, "T2", 50)
        store.save_results([make_result("T2", "globex", [rec])], clear=store.dirty(100))
        clocks.saved(["T2"])
        clocks.read(T0)
        got = clocks.candidates(RULES, CAL)
        assert evaluated == [1]
        assert {a.customer for a in got if a.subject == "T2"} == {"globex"}
        assert not any(a.rule == "acme" and a.subject == "T2" for a in got)
        # other rules: every ticket again
        clocks.candidates({"breach": RULES["breach"]}, CAL)
        assert len(evaluated) == 1 + 5


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(result_st, min_size=1, max_size=6),
    rounds=st.lists(
        st.tuples(st.integers(0, 12 * HOUR), st.lists(result_st, max_size=2)),
        min_size=1,
        max_size=6,
    ),
    taken_elsewhere=st.lists(st.integers(0, 20), max_size=3),
    since=st.sampled_from([None, T0 - HOUR, T0 + 2 * HOUR]),
)
def test_a_loop_with_kept_clocks_and_keys_claims_what_one_shot_rounds_claim(
    first: list[Result],
    rounds: list[tuple[int, list[Result]]],
    taken_elsewhere: list[int],
    since: int | None,
) -> None:
    # two stores with the same clocks: one worked by rounds of a loop (the clocks and their
    # candidates kept, the keys it learned), the other by one-shot rounds reading everything.
    # Between rounds time passes, some tickets are recomputed with other clocks, and another
    # evaluator claims a few keys whose threshold has come, in both. The loop claims the same
    # alerts in the same order, foresees the same wake-up, and never tries a key twice.
    stores = [MemoryStore(), MemoryStore()]
    n = 0
    for tid, customer, recs in first:
        n += 1
        for store in stores:
            add_event(store, tid, n)
            store.save_results([make_result(tid, customer, recs)], clear=store.dirty(100))
    setup = AlertSetup(rules=RULES, calendars=CAL, notifiers={})
    clocks, known = OpenClocks(stores[0]), KnownKeys()
    tried: list[str] = []
    claim = stores[0].claim_alert

    def claiming(alert: Alert, *, now: int) -> Any:
        tried.append(alert.key)
        return claim(alert, now=now)

    now = T0 - 2 * HOUR
    for i, (step, changes) in enumerate(rounds):
        now += step
        results = list({tid: make_result(tid, c, recs) for tid, c, recs in changes}.values())
        n += 1
        for store in stores:
            for r in results:
                add_event(store, r.summary.ticket_id, n)
            store.save_results(results, clear=store.dirty(100))
        clocks.saved(r.summary.ticket_id for r in results)
        every = evaluate(
            RULES, Readings(open_clock_readings(stores[1], now).records), CAL, (), HORIZON
        )
        for k in taken_elsewhere:
            if every and k % (i + 2) == 0 and every[k % len(every)].at <= now:
                for store in stores:
                    store.claim_alert(every[k % len(every)], now=now)
        clocks.catch_up(now)
        stores[0].claim_alert = claiming  # type: ignore[method-assign]
        looped = deliver_round(
            stores[0], setup, Readings(), now, since=since, clocks=clocks, known=known
        )
        stores[0].claim_alert = claim  # type: ignore[method-assign]
        whole = Readings(records=open_clock_readings(stores[1], now).records)
        once = deliver_round(stores[1], setup, whole, now, since=since)
        assert [e.alert for e in looped.claimed] == [e.alert for e in once.claimed]
        assert looped.wake_at == once.wake_at
    assert len(tried) == len(set(tried))


def test_a_clock_recomputed_later_is_alerted_at_its_new_instant_and_a_taken_key_never_wakes() -> (
    None
):
    store = MemoryStore()
    setup = AlertSetup(rules={"breach": RULES["breach"]}, calendars=CAL, notifiers={})
    clocks, known = OpenClocks(store), KnownKeys()

    def save(tid: str, as_of: int, n: int) -> None:
        # a running clock of no business time yet, judged at ``as_of``: it breaches one
        # business second past its 1h target from then
        rec = ("resolution", "high", "Gold", "ops", State.RUNNING, None, 0, True)
        result = make_result(tid, "acme", [rec])
        result = replace(result, records=[replace(result.records[0], as_of=as_of)])
        add_event(store, tid, n)
        store.save_results([result], clear=store.dirty(100))
        clocks.saved([tid])

    def round_at(now: int) -> tuple[list[tuple[str, int]], int | None]:
        clocks.catch_up(now)
        got, wake = take_in_charge(store, setup, Readings(), now, clocks=clocks, known=known)
        return [(e.alert.subject, e.alert.at) for e in got], wake

    save("T1", T0 + 2 * HOUR, 1)
    save("T2", T0, 2)
    assert round_at(T0) == ([], T0 + HOUR + 1)
    assert round_at(T0 + 2 * HOUR) == ([("T2", T0 + HOUR + 1)], T0 + 3 * HOUR + 1)
    save("T1", T0 + 9 * HOUR, 3)  # recomputed: it breaches later
    save("T2", T0 + 4 * HOUR, 4)  # its breach alert is taken: no wake-up for it
    assert round_at(T0 + 4 * HOUR) == ([], T0 + 10 * HOUR + 1)
    assert round_at(T0 + 11 * HOUR) == ([("T1", T0 + 10 * HOUR + 1)], None)


def test_the_service_keeps_its_alert_clocks_told_of_every_saved_ticket(tmp_path: Path) -> None:
    # the runtime tells the cache of the tickets its recompute saves, as it tells the views
    from tests.service.alerts.test_alerts import alert_api
    from tests.service.conftest import created

    api = alert_api(tmp_path, "http://127.0.0.1:9")
    try:
        clocks = api.runtime.alerting.clocks
        assert clocks is not None
        api.runtime.alerting.run_once()
        assert (clocks.full_reads, clocks.tickets_read) == (1, 0)
        tid = f"N{uuid.uuid4().hex[:6]}"
        api.send(created("n1", tid, 0, status="new", customer="acme", priority="high"))
        api.drain()
        api.runtime.alerting.run_once()
        assert (clocks.full_reads, clocks.tickets_read) == (1, 1)
        assert tid in {r.ticket_id for r in clocks.read(api.clock.now)}
        # saved again without a new event (as a recompute job or a retry saves): told too
        (result,) = [r for r in api.store.records_of([tid])[tid] if r.metric == "resolution"]
        again = TicketResult(api.store.get_ticket(tid), [replace(result, priority="low")])
        api.store.save_results([again])
        api.runtime.jobs.on_saved([again], {})
        api.runtime.alerting.run_once()
        assert clocks.tickets_read == 2
        got = [r for r in clocks.read(api.clock.now) if r.ticket_id == tid]
        assert [r.priority for r in got if r.metric == "resolution"] == ["low"]
    finally:
        api.store.close()
