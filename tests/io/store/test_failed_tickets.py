"""Tickets whose recompute failed: recorded with their error and marks cleared, listed and
counted, retried on demand, and forgotten once a recompute of them succeeds."""

from __future__ import annotations

from pathlib import Path

from accord.io.store import SqlStore, Store, TicketResult

from .test_store import T0, ev, inc, summary


def test_a_failed_ticket_is_recorded_with_its_error_and_its_mark_cleared(store: Store) -> None:
    store.add_events(inc(ev("a", "T1"), ev("b", "T2")), received_at=T0)
    marks = dict(store.dirty(10))
    store.record_failures(
        {"T1": "storing its clocks: boom"}, at=T0 + 5, clear=[("T1", marks["T1"])]
    )
    assert [t for t, _ in store.dirty(10)] == ["T2"]
    [f] = store.failed_tickets()
    assert (f.ticket_id, f.error, f.first_failed_at, f.last_failed_at, f.attempts) == (
        "T1",
        "storing its clocks: boom",
        T0 + 5,
        T0 + 5,
        1,
    )
    assert store.count_failed_tickets() == 1
    assert store.stats(T0).failed_tickets == 1


def test_a_mark_renewed_by_a_new_event_is_not_cleared_by_a_failure(store: Store) -> None:
    store.add_events(inc(ev("a", "T1")), received_at=T0)
    [(tid, old)] = store.dirty(10)
    store.add_events(inc(ev("b", "T1")), received_at=T0 + 1)
    store.record_failures({"T1": "x"}, at=T0 + 2, clear=[(tid, old)])
    assert [t for t, _ in store.dirty(10)] == ["T1"]


def test_failing_again_counts_attempts_and_keeps_the_first_failure(store: Store) -> None:
    store.record_failures({"T1": "first"}, at=T0)
    store.record_failures({"T1": "second", "T2": "other"}, at=T0 + 60)
    got = {f.ticket_id: f for f in store.failed_tickets()}
    assert (got["T1"].error, got["T1"].first_failed_at, got["T1"].last_failed_at) == (
        "second",
        T0,
        T0 + 60,
    )
    assert (got["T1"].attempts, got["T2"].attempts) == (2, 1)


def test_failed_tickets_are_listed_in_pages_by_ticket_id(store: Store) -> None:
    store.record_failures({f"T{i}": "e" for i in (3, 1, 2)}, at=T0)
    assert [f.ticket_id for f in store.failed_tickets(limit=2)] == ["T1", "T2"]
    assert [f.ticket_id for f in store.failed_tickets(after="T2")] == ["T3"]


def test_retrying_marks_failed_tickets_for_recompute_and_keeps_them_listed(store: Store) -> None:
    store.record_failures({"T1": "e", "T2": "e", "T3": "e"}, at=T0)
    assert store.retry_failed(["T2", "T9"]) == ["T2"]
    assert [t for t, _ in store.dirty(10)] == ["T2"]
    assert store.retry_failed() == ["T1", "T2", "T3"]
    assert [t for t, _ in store.dirty(10)] == ["T1", "T2", "T3"]
    assert store.count_failed_tickets() == 3


def test_a_ticket_saved_after_failing_is_no_longer_failed(store: Store) -> None:
    store.record_failures({"T1": "e", "T2": "e"}, at=T0)
    store.save_results([TicketResult(summary("T1"), [])])
    assert [f.ticket_id for f in store.failed_tickets()] == ["T2"]


def test_failures_are_kept_storable_and_short(store: Store) -> None:
    store.record_failures({"T1": "bad \x00 \ud800 " + "x" * 5000}, at=T0)
    [f] = store.failed_tickets()
    assert f.error.startswith("bad \\u0000 \\ud800 ")
    assert len(f.error) == 2000


def test_failed_tickets_outlive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = SqlStore(url)
    first.add_events(inc(ev("a", "T1")), received_at=T0)
    first.record_failures({"T1": "e"}, at=T0, clear=first.dirty(10))
    first.close()
    again = SqlStore(url)
    try:
        assert again.dirty(10) == []
        assert [f.ticket_id for f in again.failed_tickets()] == ["T1"]
    finally:
        again.close()
