"""The alert delivery log's contract, held on every store (memory, SQLite, PostgreSQL): a key
is taken in charge once, an attempt is made once, and acknowledge / snooze behave alike."""

from __future__ import annotations

import threading

import pytest

from accord.core.alerts.evaluate import Alert
from accord.core.events import Actor, Event, Kind
from accord.errors import ConflictError
from accord.io.store import AlertQuery, Incoming, SqlStore, Store

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z
HOUR = 3600


def alert(
    ticket: str = "T1",
    threshold: str = "75%",
    *,
    rule: str = "risk",
    metric: str = "first_response",
    customer: str | None = "acme",
    at: int = T0,
    deliver_at: int | None = None,
    channels: tuple[str, ...] = ("ops",),
) -> Alert:
    key = f"{rule}|{ticket}|{metric}|1|{threshold}"
    return Alert(
        key=key,
        rule=rule,
        kind="sla_warning",
        subject=ticket,
        metric=metric,
        cycle="1",
        threshold=threshold,
        at=at,
        deliver_at=at if deliver_at is None else deliver_at,
        channels=channels,
        summary=f"{metric} on ticket {ticket} at risk",
        figures={"ticket": ticket, "due": "2026-03-02T10:00:00Z"},
        link=f"https://accord.example.com/tickets/{ticket}",
        customer=customer,
    )


def test_a_key_is_claimed_once_and_comes_back_whole(store: Store) -> None:
    a = alert()
    first = store.claim_alert(a, now=T0)
    assert first is not None and first.state == "pending"
    assert store.claim_alert(a, now=T0 + 60) is None
    assert store.known_alert_keys([a.key, "other"]) == {a.key}
    got = store.get_alert(first.id)
    assert got is not None
    assert got.alert == a and got.ticket_id == "T1" and got.created_at == T0


def test_a_rounds_claims_at_once_give_what_claims_one_by_one_give(store: Store) -> None:
    # across transaction chunks, with a key already in the log and a key twice in the round
    taken = alert("T0")
    assert store.claim_alert(taken, now=T0) is not None
    batch = [alert(f"T{n}", customer=None if n % 7 == 0 else "acme") for n in range(1, 1_100)]
    batch[600:600] = [taken, batch[3]]
    held = alert("T9999", deliver_at=T0 + HOUR)
    entries = store.claim_alerts([*batch, held], now=T0)
    assert entries[600] is None and entries[601] is None  # taken before, then twice
    got = [e for e in entries if e is not None]
    assert [e.alert for e in got] == [
        a for n, a in enumerate([*batch, held]) if n not in (600, 601)
    ]
    assert [e.id for e in got] == sorted({e.id for e in got})
    assert [e.state for e in got[-2:]] == ["pending", "held"]
    for e in got[:20] + got[-20:]:
        stored = store.get_alert(e.id)
        assert stored is not None and stored.alert == e.alert and stored.state == e.state
    assert store.claim_alerts([batch[0], alert("T5000")], now=T0)[0] is None
    assert store.known_alert_keys([a.key for a in batch]) == {a.key for a in batch}


def test_an_alert_held_by_quiet_hours_reads_held_then_pending(store: Store) -> None:
    entry = store.claim_alert(alert(deliver_at=T0 + HOUR), now=T0)
    assert entry is not None and entry.state == "held"
    assert entry.state_at(T0 + HOUR - 1) == "held"
    assert entry.state_at(T0 + HOUR) == "pending"
    held = store.list_alerts(AlertQuery(now=T0, state="held"))
    later = store.list_alerts(AlertQuery(now=T0 + HOUR, state="pending"))
    assert [e.id for e in held] == [e.id for e in later] == [entry.id]


def test_an_attempt_is_claimed_once_and_its_outcome_is_kept(store: Store) -> None:
    entry = store.claim_alert(alert(), now=T0)
    assert entry is not None
    assert store.claim_attempt(entry.id, "ops", 1, at=T0)
    assert not store.claim_attempt(entry.id, "ops", 1, at=T0 + 1)
    store.finish_attempt(
        entry.id, "ops", 1, ok=False, error="503", at=T0 + 2, state="pending",
        next_attempt_at=T0 + 60,
    )  # fmt: skip
    assert store.claim_attempt(entry.id, "ops", 2, at=T0 + 60)
    store.finish_attempt(
        entry.id, "ops", 2, ok=True, error=None, at=T0 + 61, state="sent", next_attempt_at=None
    )
    got = store.get_alert(entry.id)
    assert got is not None and got.state == "sent" and got.next_attempt_at is None
    assert [(t.number, t.at, t.ok, t.error, t.finished_at) for t in got.attempts] == [
        (1, T0, False, "503", T0 + 2),
        (2, T0 + 60, True, None, T0 + 61),
    ]
    assert store.alerts_to_deliver() == []


def test_only_undelivered_unacknowledged_entries_are_to_deliver(store: Store) -> None:
    a = store.claim_alert(alert("T1"), now=T0)
    b = store.claim_alert(alert("T2", deliver_at=T0 + HOUR), now=T0)
    c = store.claim_alert(alert("T3"), now=T0)
    assert a is not None and b is not None and c is not None
    store.acknowledge_alert(c.id, by="tok1", at=T0)
    assert [e.id for e in store.alerts_to_deliver()] == [a.id, b.id]


def owned(store: Store, ticket: str, customer: str, *, at: int = T0, n: int = 0) -> None:
    """Store an event that gives ``ticket`` to ``customer`` (at ``at``)."""
    e = Event(f"{ticket}-{customer}-{at}-{n}", ticket, at, Kind.UPDATED, Actor.AGENT, None,
              {"customer": customer})  # fmt: skip
    store.add_events([Incoming(e, "test", 1)], received_at=at)


def test_the_log_filters_by_state_rule_and_customer_newest_first_in_pages(store: Store) -> None:
    ids = []
    for n in range(5):
        owned(store, f"T{n}", "acme" if n < 3 else "g")
        e = store.claim_alert(
            alert(f"T{n}", rule="risk" if n % 2 else "breach", customer="acme" if n < 3 else "g"),
            now=T0 + n,
        )
        assert e is not None
        ids.append(e.id)
    every = store.list_alerts(AlertQuery(now=T0, limit=2))
    assert [e.id for e in every] == ids[::-1][:2]
    rest = store.list_alerts(AlertQuery(now=T0, before=every[-1].id, limit=10))
    assert [e.id for e in rest] == ids[::-1][2:]
    assert [e.id for e in store.list_alerts(AlertQuery(now=T0, rule="risk"))] == [ids[3], ids[1]]
    assert [e.id for e in store.list_alerts(AlertQuery(now=T0, customer="g"))] == ids[:2:-1]
    assert store.list_alerts(AlertQuery(now=T0, state="sent")) == []


def test_the_log_filters_by_metric_with_the_other_filters(store: Store) -> None:
    ids = {}
    for n, metric in enumerate(("first_response", "resolution", "first_response")):
        owned(store, f"T{n}", "acme" if n < 2 else "g")
        e = store.claim_alert(
            alert(f"T{n}", metric=metric, customer="acme" if n < 2 else "g"), now=T0 + n
        )
        assert e is not None
        ids[f"T{n}"] = e.id
    first = store.list_alerts(AlertQuery(now=T0, metric="first_response"))
    assert [e.id for e in first] == [ids["T2"], ids["T0"]]
    assert [e.alert.metric for e in first] == ["first_response", "first_response"]
    both = store.list_alerts(AlertQuery(now=T0, metric="first_response", customer="acme"))
    assert [e.id for e in both] == [ids["T0"]]
    assert store.list_alerts(AlertQuery(now=T0, metric="next_reply")) == []


def test_acknowledging_twice_keeps_the_first_acknowledgement(store: Store) -> None:
    entry = store.claim_alert(alert(), now=T0)
    assert entry is not None
    first = store.acknowledge_alert(entry.id, by="alice", at=T0 + 10)
    again = store.acknowledge_alert(entry.id, by="bob", at=T0 + 20)
    assert first is not None and again is not None
    assert (again.acknowledged_by, again.acknowledged_at) == ("alice", T0 + 10)
    assert again.state_at(T0 + 30) == "acknowledged"
    assert store.acknowledge_alert(entry.id + 100, by="x", at=T0) is None


def test_a_snooze_holds_an_undelivered_alert_and_is_refused_once_delivered(store: Store) -> None:
    entry = store.claim_alert(alert(), now=T0)
    assert entry is not None
    snoozed = store.snooze_alert(entry.id, until=T0 + HOUR)
    assert snoozed is not None and snoozed.snoozed_until == T0 + HOUR
    assert [e.id for e in store.list_alerts(AlertQuery(now=T0, state="snoozed"))] == [entry.id]
    assert snoozed.state_at(T0 + HOUR) == "pending"
    store.claim_attempt(entry.id, "ops", 1, at=T0 + HOUR)
    store.finish_attempt(
        entry.id, "ops", 1, ok=True, error=None, at=T0 + HOUR, state="sent", next_attempt_at=None
    )
    with pytest.raises(ConflictError):
        store.snooze_alert(entry.id, until=T0 + 2 * HOUR)
    assert store.snooze_alert(entry.id + 100, until=T0) is None


def test_two_stores_on_one_database_claim_a_key_once(sql_url: str) -> None:
    stores = [SqlStore(sql_url), SqlStore(sql_url)]
    won: list[bool] = []
    barrier = threading.Barrier(len(stores) * 4)

    def claim(s: SqlStore) -> None:
        barrier.wait()
        won.append(s.claim_alert(alert(), now=T0) is not None)

    try:
        threads = [threading.Thread(target=claim, args=(s,)) for s in stores for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(won) == [False] * 7 + [True]
    finally:
        for s in stores:
            s.close()
