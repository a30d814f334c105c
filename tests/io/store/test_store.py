"""The store's contract, held on every implementation (see conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import pytest

from accord.core.events import Actor, Event, Kind
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.errors import RowProblem
from accord.io.store import (
    ClockCursor,
    ClockQuery,
    Incoming,
    Scope,
    Store,
    TicketQuery,
    TicketResult,
    TicketSummary,
    TokenRecord,
)

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z
HOUR = 3600


def ev(
    event_id: str,
    ticket: str = "T1",
    ts: int = T0,
    kind: Kind = Kind.CREATED,
    **fields: object,
) -> Event:
    return Event(event_id, ticket, ts, kind, Actor.CUSTOMER, None, dict(fields))  # type: ignore[arg-type]


def inc(*events: Event, source: str = "test") -> list[Incoming]:
    return [Incoming(e, source, n) for n, e in enumerate(events, start=1)]


def rec(
    ticket: str,
    metric: str = "first_response",
    cycle: int = 1,
    *,
    state: State = State.RUNNING,
    due: int | None = T0 + HOUR,
    target: int | None = HOUR,
    start: int = T0,
    stop: int | None = None,
    policy: str | None = "Gold",
    priority: str | None = "high",
    team: str | None = "support",
) -> MetricRecord:
    return MetricRecord(
        ticket_id=ticket,
        metric=metric,
        cycle=cycle,
        policy=policy,
        policy_version=1,
        calendar="24x7",
        priority=priority,
        customer="acme",
        team=team,
        assignee=None,
        channel="email",
        target=target,
        start=start,
        stop=stop,
        due=due,
        breached_at=None,
        business_elapsed=600,
        paused_business=0,
        calendar_elapsed=600,
        state=state,
        breached_now=False,
        ever_breached=False,
        as_of=T0 + 600,
        warnings=(Warning_("75%", T0 + 2700),),
        explanation=(Step(T0, "start", "ticket created", "e1"), Step(T0 + 60, "pause", "x")),
    )


def summary(ticket: str, customer: str | None = "acme", **kw: object) -> TicketSummary:
    base = TicketSummary(ticket, customer, "support", "high", "open", None, T0, T0, 1, T0)
    return replace(base, **kw)  # type: ignore[arg-type]


def save(store: Store, ticket: str, records: Sequence[MetricRecord], **kw: object) -> None:
    store.save_results([TicketResult(replace(summary(ticket), **kw), records)])  # type: ignore[arg-type]


# ---------------------------------------------------------------- events


def test_an_event_is_stored_once_and_a_resend_is_a_duplicate(store: Store) -> None:
    assert store.add_events(inc(ev("e1")), received_at=T0) == ["accepted"]
    assert store.add_events(inc(ev("e1")), received_at=T0) == ["duplicate"]
    assert store.count_events() == 1


def test_the_same_id_in_one_batch_is_kept_once(store: Store) -> None:
    got = store.add_events(inc(ev("e1"), ev("e1"), ev("e2")), received_at=T0)
    assert got == ["accepted", "duplicate", "accepted"]
    assert store.count_events() == 2


@pytest.mark.parametrize("padding", [0, 40], ids=["small-batch", "large-batch"])
def test_one_batch_mixes_new_stored_again_and_reused_ids_each_with_its_outcome(
    store: Store, padding: int
) -> None:
    # the SQL store takes one path for a few new ids and another for many: both must agree
    store.add_events(inc(ev("e1", status="new")), received_at=T0)
    mixed = [ev("e2"), ev("e1", status="new"), ev("e2", status="open"), ev("e1", status="x")]
    got = store.add_events(inc(*mixed, *[ev(f"p{i}") for i in range(padding)]), received_at=T0 + 1)
    assert got[:2] == ["accepted", "duplicate"]
    assert isinstance(got[2], RowProblem) and isinstance(got[3], RowProblem)
    assert got[4:] == ["accepted"] * padding
    assert store.count_events() == 2 + padding
    assert [q.problem.row for q in store.quarantine()] == [3, 4]


def test_concurrent_writers_of_the_same_ids_store_each_once_and_accept_it_once(
    store: Store,
) -> None:
    batch = [ev(f"c{i}") for i in range(200)]
    results: list[list[object]] = []

    def write() -> None:
        results.append(list(store.add_events(inc(*batch), received_at=T0)))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert store.count_events() == 200
    for i in range(200):
        outcomes = sorted(str(r[i]) for r in results)
        assert outcomes == ["accepted", "duplicate", "duplicate", "duplicate"]


def test_the_same_id_with_other_content_is_rejected_into_the_quarantine(store: Store) -> None:
    store.add_events(inc(ev("e1", status="new")), received_at=T0)
    got = store.add_events(inc(ev("e1", status="open"), source="api"), received_at=T0 + 1)
    assert isinstance(got[0], RowProblem)
    assert got[0].field == "event_id"
    assert "different content" in got[0].reason
    [q] = store.quarantine()
    assert (q.problem.source, q.problem.row, q.problem.field) == ("api", 1, "event_id")
    assert q.problem.raw["fields"] == {"status": "open"}
    assert q.received_at == T0 + 1
    assert store.count_events() == 1


def test_rejected_rows_are_kept_with_source_row_field_reason_and_raw(store: Store) -> None:
    bad = RowProblem("api", 3, "ts", "'yesterday' is not an instant", {"ts": "yesterday"})
    store.add_events([], [bad], received_at=T0)
    [q] = store.quarantine()
    assert q.problem == bad
    assert store.count_quarantine() == 1
    assert store.quarantine(after=q.id) == []


def test_events_come_back_with_every_field_and_an_arrival_number(store: Store) -> None:
    e = Event(
        "e1",
        "T1",
        T0,
        Kind.CREATED,
        Actor.AGENT,
        None,
        {"status": "new", "tags": ("a", "b"), "seats": 40, "vip": True, "note": None},
        ts_us=250_000,
    )
    m = Event("e2", "T1", T0 + 5, Kind.MESSAGE, Actor.CUSTOMER, True)
    store.add_events(inc(e, m), received_at=T0)
    got = store.events_of(["T1", "T9"])
    assert got["T9"] == []
    first, second = got["T1"]
    assert replace(first, seq=0) == e
    assert replace(second, seq=0) == m
    assert 0 < first.seq < second.seq
    assert [x.event_id for x in store.iter_events(batch=1)] == ["e1", "e2"]


def test_tickets_with_events_are_listed_in_order_and_counted(store: Store) -> None:
    store.add_events(
        inc(ev("a", "T2"), ev("b", "T1"), ev("c", "T3"), ev("d", "T1")), received_at=T0
    )
    assert store.ticket_ids(after=None, limit=2) == ["T1", "T2"]
    assert store.ticket_ids(after="T2", limit=5) == ["T3"]
    assert store.count_tickets() == 3


# ---------------------------------------------------------------- recompute marks


def test_new_events_mark_their_tickets_and_duplicates_do_not(store: Store) -> None:
    store.add_events(inc(ev("e1", "T1"), ev("e2", "T2")), received_at=T0)
    marks = store.dirty(10)
    assert [t for t, _ in marks] == ["T1", "T2"]
    store.clear_dirty(marks)
    assert store.dirty(10) == []
    store.add_events(inc(ev("e1", "T1")), received_at=T0)
    assert store.dirty(10) == []


def test_a_mark_renewed_by_a_newer_event_survives_the_clear(store: Store) -> None:
    store.add_events(inc(ev("e1")), received_at=T0)
    old = store.dirty(10)
    store.add_events(inc(ev("e2", kind=Kind.UPDATED)), received_at=T0)
    store.clear_dirty(old)
    assert [t for t, _ in store.dirty(10)] == ["T1"]


# ---------------------------------------------------------------- records and reads


def test_saved_records_replace_the_previous_ones_whole(store: Store) -> None:
    save(store, "T1", [rec("T1"), rec("T1", "resolution")])
    save(store, "T1", [rec("T1", state=State.MET, stop=T0 + 60)])
    [got] = store.records_of(["T1"])["T1"]
    assert got == rec("T1", state=State.MET, stop=T0 + 60)
    assert got.explanation == rec("T1").explanation
    assert got.warnings == rec("T1").warnings
    assert store.get_ticket("T1") == summary("T1")
    assert store.get_ticket("T2") is None


def test_ticket_filters_use_current_fields_and_clock_conditions(store: Store) -> None:
    save(store, "T1", [rec("T1")], customer="acme", team="support", priority="high")
    save(store, "T2", [rec("T2", state=State.MET, stop=T0 + 60)], customer="globex")
    save(store, "T3", [rec("T3", "resolution", due=T0 + 9 * HOUR)], customer="acme", team="ops")
    now = T0 + 600

    def ids(**kw: object) -> list[str]:
        return [s.ticket_id for s in store.find_tickets(TicketQuery(now=now, **kw))]  # type: ignore[arg-type]

    assert ids() == ["T1", "T2", "T3"]
    assert ids(customer="acme") == ["T1", "T3"]
    assert ids(team="ops") == ["T3"]
    assert ids(state=State.MET) == ["T2"]
    assert ids(metric="resolution") == ["T3"]
    assert ids(due_before=T0 + 2 * HOUR) == ["T1", "T2"]
    assert ids(metric="resolution", state=State.MET) == []
    assert ids(limit=2) == ["T1", "T2"]
    assert ids(after="T2") == ["T3"]


def test_a_running_clock_past_its_due_instant_reads_as_breached(store: Store) -> None:
    save(store, "T1", [rec("T1", due=T0 + HOUR)])
    before = TicketQuery(now=T0 + HOUR, state=State.BREACHED)
    after = TicketQuery(now=T0 + HOUR + 1, state=State.BREACHED)
    assert store.find_tickets(before) == []
    assert [s.ticket_id for s in store.find_tickets(after)] == ["T1"]
    [row] = store.compliance("metric", now=T0 + HOUR + 1)
    assert (row.met, row.breached, row.open) == (0, 1, 0)
    assert store.stats(T0 + HOUR + 1).clocks_by_state == {"breached": 1}


def test_the_queue_holds_open_clocks_with_a_target_by_due_paused_last(store: Store) -> None:
    save(
        store,
        "T1",
        [rec("T1", due=T0 + 3 * HOUR), rec("T1", "resolution", due=None, state=State.PAUSED)],
    )
    save(store, "T2", [rec("T2", due=T0 + HOUR), rec("T2", "agent_work", target=None, due=None)])
    save(store, "T3", [rec("T3", state=State.BREACHED, due=T0 - HOUR)])
    save(store, "T4", [rec("T4", state=State.MET, stop=T0 + 60, due=T0 + HOUR)])
    got = store.open_clocks(ClockQuery(now=T0))
    assert [(r.ticket_id, r.metric) for r in got] == [
        ("T3", "first_response"),
        ("T2", "first_response"),
        ("T1", "first_response"),
        ("T1", "resolution"),
    ]
    page = store.open_clocks(ClockQuery(now=T0, limit=2))
    last = page[-1]
    cursor = ClockCursor(last.due or 0, last.ticket_id, last.metric, last.cycle)
    rest = store.open_clocks(ClockQuery(now=T0, after=cursor))
    assert [r.ticket_id for r in page + rest] == ["T3", "T2", "T1", "T1"]


def test_the_queue_filters_by_the_tickets_customer_and_clock_fields(store: Store) -> None:
    save(store, "T1", [rec("T1", team="a")], customer="acme")
    save(store, "T2", [rec("T2", team="b", policy="Silver")], customer="globex")
    assert [r.ticket_id for r in store.open_clocks(ClockQuery(now=T0, customer="globex"))] == ["T2"]
    assert [r.ticket_id for r in store.open_clocks(ClockQuery(now=T0, team="a"))] == ["T1"]
    assert [r.ticket_id for r in store.open_clocks(ClockQuery(now=T0, policy="Silver"))] == ["T2"]


def test_compliance_counts_met_breached_and_open_per_group_and_month(store: Store) -> None:
    march, april = T0, T0 + 31 * 24 * HOUR
    save(store, "T1", [rec("T1", state=State.MET, stop=T0 + 1, priority="high")])
    save(
        store,
        "T2",
        [rec("T2", state=State.BREACHED, stop=T0 + 9, priority="high")],
        customer="globex",
    )
    save(store, "T3", [rec("T3", start=april, due=april + HOUR, priority="low")])
    save(store, "T4", [rec("T4", target=None, due=None)])  # no target: not counted
    save(store, "T5", [rec("T5", state=State.CANCELLED, stop=T0 + 5)])
    rows = {
        (r.key, r.month): (r.met, r.breached, r.open)
        for r in store.compliance("priority", now=march + 60)
    }
    assert rows == {("high", "2026-03"): (1, 1, 0), ("low", "2026-04"): (0, 0, 1)}
    by_customer = {r.key: (r.met, r.breached) for r in store.compliance("customer", now=march)}
    assert by_customer["globex"] == (0, 1)
    only = store.compliance(None, now=march, customer="acme")
    assert {(r.key, r.month, r.met, r.breached) for r in only} == {
        (None, "2026-03", 1, 0),
        (None, "2026-04", 0, 0),
    }


def test_stats_count_clocks_by_state_and_breaches_by_policy_and_priority(store: Store) -> None:
    save(store, "T1", [rec("T1", state=State.BREACHED, stop=T0 + 9)])
    save(store, "T2", [rec("T2")])
    store.add_events(inc(ev("e9", "T9")), received_at=T0)
    stats = store.stats(T0)
    assert stats.clocks_by_state == {"breached": 1, "running": 1}
    assert stats.breaches == {("Gold", "high"): 1}
    assert stats.pending_recompute == 1


# ---------------------------------------------------------------- configuration and tokens


def test_configuration_versions_are_numbered_from_one(store: Store) -> None:
    a = store.add_config_version({"a.yaml": "x: 1\n"}, effective_from=T0, uploaded_at=T0)
    b = store.add_config_version({"b.yaml": "y"}, effective_from=T0 + 9, uploaded_at=T0 + 1)
    assert (a.version, b.version) == (1, 2)
    assert store.config_versions() == [a, b]


def test_tokens_are_found_by_id_listed_and_revoked_once(store: Store) -> None:
    tok = TokenRecord("abc123abc123", "f" * 64, Scope.READ, "acme", "n", T0)
    store.add_token(tok)
    assert store.get_token("abc123abc123") == tok
    assert store.get_token("nope") is None
    assert store.revoke_token("abc123abc123", at=T0 + 5)
    assert store.revoke_token("abc123abc123", at=T0 + 9)  # stays revoked at the first instant
    assert store.get_token("abc123abc123") == replace(tok, revoked_at=T0 + 5)
    assert not store.revoke_token("nope", at=T0)
    assert store.list_tokens() == [replace(tok, revoked_at=T0 + 5)]
