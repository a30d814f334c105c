"""The records view: compliance from memory equals the store's query, after any sequence of
updates, and a read after an ingest reflects it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.events import Event, Kind
from accord.core.records import MetricRecord, State
from accord.io.store import ComplianceRow, Incoming, MemoryStore, SqlStore, Store, TicketResult
from accord.io.store.base import COMPLIANCE_DIMENSIONS
from accord.service.recompute import summarize
from accord.service.records_view import RecordsView
from tests.service.conftest import HOUR, T0, Api, created, reply

DAY = 86_400
TICKETS = [f"T{i}" for i in range(8)]
GROUPINGS = (None, *COMPLIANCE_DIMENSIONS)


def rows(got: list[ComplianceRow]) -> list[tuple[str | None, str, int, int, int]]:
    return sorted(
        ((r.key, r.month, r.met, r.breached, r.open) for r in got),
        key=lambda r: (r[0] or "", r[1]),
    )


def assert_same(view: RecordsView, store: Store, now: int) -> None:
    for by in GROUPINGS:
        for customer in (None, "acme", "nobody"):
            for metric in (None, "resolution"):
                want = store.compliance(by, now=now, customer=customer, metric=metric)
                got = view.compliance(by, now=now, customer=customer, metric=metric)
                assert rows(got) == rows(want), (by, customer, metric)


# one random record: its group values, state, due instant and whether it has a target
record_st = st.tuples(
    st.sampled_from(["first_response", "resolution", "next_reply"]),
    st.sampled_from([None, "high", "low"]),
    st.sampled_from([None, "Gold", "Standard"]),
    st.sampled_from([None, "support", "ops"]),
    st.sampled_from(list(State)),
    st.one_of(st.none(), st.integers(T0 - 2 * DAY, T0 + 2 * DAY)),
    st.integers(-40, 40),  # start, days from T0: several months
    st.booleans(),
)
result_st = st.tuples(
    st.sampled_from(TICKETS),
    st.sampled_from([None, "acme", "globex"]),
    st.lists(record_st, max_size=4),
)
# a step: tickets moved to another customer (an event, no recompute yet), then results saved
# by this process (handed to the view) or by another one (not)
move_st = st.tuples(st.sampled_from(TICKETS), st.sampled_from([None, "acme", "globex"]))
step_st = st.tuples(
    st.lists(move_st, max_size=2), st.booleans(), st.lists(result_st, min_size=1, max_size=3)
)
# what result_st and step_st draw: a ticket's (id, customer, records), and a step's moves,
# whether the configuration changes, and its results
Result = tuple[str, str | None, list[tuple[object, ...]]]
Step = tuple[list[tuple[str, str | None]], bool, list[Result]]


def random_sequences(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` on a first set of results, steps of moves and saves, and the instants the
    view is read at."""
    draws = given(
        first=st.lists(result_st, max_size=6),
        steps=st.lists(step_st, max_size=6),
        nows=st.lists(st.integers(T0 - 3 * DAY, T0 + 3 * DAY), min_size=1, max_size=3),
    )
    slow = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    return slow(draws(test))


def make_result(tid: str, customer: str | None, recs: Sequence[tuple[object, ...]]) -> TicketResult:
    records = []
    for n, (metric, priority, policy, team, state, due, start_day, has_target) in enumerate(recs):
        records.append(
            MetricRecord(
                ticket_id=tid,
                metric=str(metric),
                cycle=n + 1,  # distinct per ticket whatever the metric
                policy=policy,  # type: ignore[arg-type]
                policy_version=1,
                calendar="always",
                priority=priority,  # type: ignore[arg-type]
                customer=customer,
                team=team,  # type: ignore[arg-type]
                assignee=None,
                channel=None,
                target=HOUR if has_target else None,
                start=T0 + int(start_day) * DAY,  # type: ignore[call-overload]
                stop=None,
                due=due,  # type: ignore[arg-type]
                breached_at=None,
                business_elapsed=0,
                paused_business=0,
                calendar_elapsed=0,
                state=state,  # type: ignore[arg-type]
                breached_now=False,
                ever_breached=False,
                as_of=T0,
            )
        )
    return TicketResult(replace(summarize(tid, [], T0), customer=customer), records)


def add_event(store: Store, tid: str, n: int, **fields: str | None) -> int:
    """One event for ``tid`` (what marks it changed for another process; with ``customer``,
    a move), ``n`` seconds after T0; its seq."""
    e = Event(f"{tid}-e{n}", tid, T0 + n, Kind.UPDATED, fields=fields)
    store.add_events([Incoming(e, "test", n)], received_at=T0)
    return max(e.seq for e in store.events_of([tid])[tid])


@random_sequences
def test_the_view_equals_the_store_after_any_sequence_of_updates(
    first: list[Result],
    steps: list[Step],
    nows: list[int],
) -> None:
    # compaction after every 2 replaced tickets: both the frame and the delta are exercised
    _updates_keep_the_view_equal_to_the_store(first, steps, nows, compact_at=2)


@random_sequences
def test_the_running_clocks_of_tickets_replaced_since_the_last_compaction_are_judged_as_now(
    first: list[Result],
    steps: list[Step],
    nows: list[int],
) -> None:
    # never compacted: every replaced ticket's rows stay in the delta, and its running
    # clocks must replace (not add to) the ones loaded, at every read
    _updates_keep_the_view_equal_to_the_store(first, steps, nows, compact_at=1_000_000)


def _updates_keep_the_view_equal_to_the_store(
    first: list[Result], steps: list[Step], nows: list[int], *, compact_at: int
) -> None:
    store = MemoryStore()
    n = 0
    for tid, customer, recs in first:
        n += 1
        add_event(store, tid, n)
        store.save_results([make_result(tid, customer, recs)], clear=store.dirty(100))
    view = RecordsView(store, check_interval=0, compact_at=compact_at)
    view.load()
    for moves, own, batch in steps:
        for tid, customer in moves:
            n += 1
            add_event(store, tid, n, customer=customer)
        # a read follows the moves at once: the tickets count for their new customers
        assert_same(view, store, nows[0])
        # one result per ticket, as a recompute saves them (with whatever customer it read)
        results = list({tid: make_result(tid, c, recs) for tid, c, recs in batch}.values())
        seqs: dict[str, int] = {}
        for r in results:
            n += 1
            seqs[r.summary.ticket_id] = add_event(store, r.summary.ticket_id, n)
        store.save_results(results, clear=store.dirty(100))
        if own:
            view.apply(results, seqs)
        view.sync(force=True)  # another process's saves are found by their events
        for now in nows:
            assert_same(view, store, now)


def test_a_ticket_marked_for_recompute_elsewhere_is_read_once_it_is_recomputed() -> None:
    store = MemoryStore()
    add_event(store, "T1", 1)
    store.save_results(
        [
            make_result(
                "T1", "acme", [("resolution", "high", "Gold", "support", State.MET, None, 0, True)]
            )
        ]
    )
    view = RecordsView(store, check_interval=0)
    view.load()
    # another process ingests: the ticket is marked, its records not recomputed yet
    add_event(store, "T1", 2)
    view.sync(force=True)
    assert_same(view, store, T0)
    # then it recomputes and saves: no new event, yet the view must pick the records up
    store.save_results(
        [
            make_result(
                "T1",
                "acme",
                [("resolution", "high", "Gold", "support", State.BREACHED, None, 0, True)],
            )
        ],
        clear=store.dirty(10),
    )
    view.sync(force=True)
    assert_same(view, store, T0)
    assert rows(view.compliance(None, now=T0))[0][2:] == (0, 1, 0)


def test_a_compliance_read_after_an_ingest_and_its_recompute_reflects_it(populated: Api) -> None:
    before = populated.get("/api/v1/compliance?by=metric").json()
    assert populated.runtime.records_view.ready  # the read above loaded it
    first = {g["key"]: g for g in before["groups"]}["first_response"]
    # T2 (acme, ops) and T3 (globex) still wait for a first response; T2 gets one now
    populated.send(reply("e-new", "T2", 20))
    populated.drain()
    after = populated.get("/api/v1/compliance?by=metric").json()
    now_first = {g["key"]: g for g in after["groups"]}["first_response"]
    assert (now_first["met"], now_first["open"]) == (first["met"] + 1, first["open"] - 1)
    assert after == _from_store(populated, "metric")


def test_a_running_clock_turns_breached_in_the_view_when_now_passes_its_due(
    populated: Api,
) -> None:
    populated.get("/api/v1/compliance?by=metric")  # load the view
    populated.clock.now = T0 + 30 * DAY  # no new event: only the request's now moves
    body = populated.get("/api/v1/compliance?by=metric").json()
    assert body["total"]["breached"] > 0
    assert body == _from_store(populated, "metric")


def _from_store(api: Api, by: str) -> dict[str, object]:
    """The same request answered by the store's query (the view switched off)."""
    view = api.runtime.records_view
    saved = view._state  # a test reaching in: the same read, from the store
    view._state = None
    settings = api.runtime.settings
    api.runtime.settings = replace(settings, background=True)  # so the read does not load it
    try:
        got: dict[str, object] = api.get(f"/api/v1/compliance?by={by}").json()
    finally:
        view._state = saved
        api.runtime.settings = settings
    return got


def test_the_view_on_sqlite_equals_the_store_and_follows_another_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    mine, other = SqlStore(url), SqlStore(url)
    try:
        add_event(mine, "T1", 1)
        mine.save_results(
            [
                make_result(
                    "T1",
                    "acme",
                    [("resolution", "high", "Gold", "ops", State.RUNNING, T0, 0, True)],
                )
            ]
        )
        view = RecordsView(mine, check_interval=0)
        view.load()
        assert_same(view, mine, T0 + 1)
        # another process (its own connection) ingests and recomputes a new ticket
        add_event(other, "T2", 2)
        other.save_results(
            [
                make_result(
                    "T2",
                    "globex",
                    [("first_response", "low", None, None, State.MET, None, 1, True)],
                )
            ],
            clear=other.dirty(10),
        )
        view.sync(force=True)
        assert_same(view, mine, T0 + 1)
        assert {r.key for r in view.compliance("customer", now=T0)} == {"acme", "globex"}
    finally:
        mine.close()
        other.close()


def test_a_new_customer_appears_once_its_first_ticket_is_recomputed(populated: Api) -> None:
    populated.get("/api/v1/compliance?by=customer")
    populated.send(created("e-n1", "T9", 5, status="new", priority="high", customer="initech"))
    populated.drain()
    body = populated.get("/api/v1/compliance?by=customer").json()
    assert "initech" in {g["key"] for g in body["groups"]}
    assert body == _from_store(populated, "customer")


def test_a_recompute_job_hands_every_ticket_it_saves_to_the_view(populated: Api) -> None:
    populated.get("/api/v1/compliance?by=policy")  # load the view
    before = populated.runtime.records_view.generation
    populated.clock.now = T0 + 2 * DAY  # the job judges (and stores) every clock at this now
    populated.runtime.jobs.start(background=False)
    assert populated.runtime.records_view.generation > before
    body = populated.get("/api/v1/compliance?by=policy").json()
    assert body == _from_store(populated, "policy")


def test_concurrent_updates_and_reads_leave_the_view_equal_to_the_store() -> None:
    import random
    import threading

    store = MemoryStore()
    view = RecordsView(store, check_interval=0, compact_at=5)
    view.load()
    states = list(State)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rnd = random.Random(seed)
        try:
            for n in range(40):
                tid = f"W{seed}-{rnd.randrange(10)}"
                recs = [
                    ("resolution", "high", "Gold", "ops", rnd.choice(states),
                     rnd.choice([None, T0]), rnd.randrange(3), True)
                    for _ in range(rnd.randrange(3))
                ]  # fmt: skip
                result = make_result(tid, rnd.choice(["acme", None]), recs)
                seq = add_event(store, tid, seed * 1000 + n)
                # save and hand over as one step, as the recompute does under its drain lock
                with lock:
                    store.save_results([result], clear=store.dirty(100))
                    view.apply([result], {tid: seq})
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    def reader() -> None:
        try:
            for _ in range(40):
                view.compliance("customer", now=T0 + 1)
        except BaseException as e:
            errors.append(e)

    lock = threading.Lock()
    threads = [threading.Thread(target=writer, args=(s,)) for s in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    view.sync(force=True)
    assert_same(view, store, T0 + 1)


def test_a_configuration_uploaded_elsewhere_reloads_the_view_from_the_store() -> None:
    store = MemoryStore()
    view = RecordsView(store, check_interval=0)
    view.load()
    # another process uploads a configuration and recomputes a ticket under it; its records
    # come without any event of this process's knowing
    store.add_config_version({"a.yaml": "x: 1\n"}, effective_from=0, uploaded_at=T0)
    store.save_results([make_result("T1", "acme", [("resolution", "high", "Gold", "ops",
                                                     State.MET, None, 0, True)])])  # fmt: skip
    view.sync(force=True)
    assert view.loads == 2
    assert_same(view, store, T0)


@random_sequences
def test_tickets_named_by_the_recompute_process_are_read_into_the_view_exactly(
    first: list[Result],
    steps: list[Step],
    nows: list[int],
) -> None:
    """The recompute in its own process names the tickets it saved (with their seqs): after
    ``refresh`` alone (no sync) the view equals the store, under the customers the store
    holds, whatever moves came before; and it agrees with a view told by ``apply``."""
    store = MemoryStore()
    n = 0
    for tid, customer, recs in first:
        n += 1
        add_event(store, tid, n)
        store.save_results([make_result(tid, customer, recs)], clear=store.dirty(100))
    named = RecordsView(store, check_interval=1e9, compact_at=2)
    handed = RecordsView(store, check_interval=1e9, compact_at=2)
    named.load()
    handed.load()
    for moves, _, batch in steps:
        for tid, customer in moves:
            n += 1
            add_event(store, tid, n, customer=customer)
        results = list({tid: make_result(tid, c, recs) for tid, c, recs in batch}.values())
        seqs: dict[str, int] = {}
        for r in results:
            n += 1
            seqs[r.summary.ticket_id] = add_event(store, r.summary.ticket_id, n)
        store.save_results(results, clear=store.dirty(100))
        named.refresh(seqs)
        handed.apply(results, seqs)
        for now in nows:
            assert_same(named, store, now)
            for by in GROUPINGS:
                for customer in (None, "acme", "globex"):
                    got = named.compliance(by, now=now, customer=customer)
                    want = handed.compliance(by, now=now, customer=customer)
                    assert rows(got) == rows(want), (by, customer)


def test_tickets_named_while_the_view_loads_are_applied_to_what_it_loads() -> None:
    store = MemoryStore()
    add_event(store, "T1", 1)
    store.save_results([make_result("T1", "acme", [])], clear=store.dirty(10))
    view = RecordsView(store, check_interval=1e9)
    real = store.compliance_keys
    named: list[bool] = []

    def keys(ticket_ids: object = None, **kw: object) -> object:
        # the load reads the store here; the recompute process saves T1 again meanwhile
        if ticket_ids is None and not named:
            named.append(True)
            seq = add_event(store, "T1", 2)
            rec = ("resolution", "high", "Gold", "ops", State.BREACHED, None, 0, True)
            store.save_results([make_result("T1", "acme", [rec])], clear=store.dirty(10))
            got = list(real(**kw))  # the load sees what was there before the save
            view.refresh({"T1": seq})
            return iter(got[:0])
        return real(ticket_ids, **kw)  # type: ignore[arg-type]

    store.compliance_keys = keys  # type: ignore[method-assign, assignment]
    view.load()
    assert named
    assert_same(view, store, T0)
    assert view.records == 1
