"""The working lists (ticket list and at-risk queue): every filter, every sort key in both
directions with empty values last, offset paging and the count, the same on every store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from accord.core.records import State
from accord.io.store import ClockQuery, MemoryStore, Store, TicketQuery
from accord.io.store.base import CLOCK_SORTS, TICKET_SORTS, SortKey
from tests.io.store.test_store import HOUR, T0, rec, save

NOW = T0 + 600


def _fill(store: Store) -> None:
    # T1 acme/support/high, alice, email, due in 3 h; T2 globex/ops/low, bob, chat, past due;
    # T3 acme/ops, no priority or assignee, paused; T4 acme, met (not in the queue)
    save(
        store,
        "T1",
        [replace(rec("T1", due=T0 + 3 * HOUR), assignee="alice")],
        customer="acme",
        assignee="alice",
        first_ts=T0 - 3 * HOUR,
        last_ts=T0,
    )
    save(
        store,
        "T2",
        [
            replace(
                rec("T2", "resolution", due=T0 - HOUR, team="ops", priority="low"),
                assignee="bob",
                channel="chat",
            )
        ],
        customer="globex",
        team="ops",
        priority="low",
        assignee="bob",
        first_ts=T0 - 2 * HOUR,
        last_ts=T0 + 5,
    )
    save(
        store,
        "T3",
        [rec("T3", due=None, state=State.PAUSED, team="ops", priority=None)],
        customer="acme",
        team="ops",
        priority=None,
        status="pending",
        first_ts=T0 - HOUR,
        last_ts=T0 + 1,
    )
    save(store, "T4", [rec("T4", state=State.MET, stop=T0 + 60)], customer="acme")


def _tickets(store: Store, **kw: object) -> list[str]:
    return [s.ticket_id for s in store.find_tickets(TicketQuery(now=NOW, **kw))]  # type: ignore[arg-type]


def _clocks(store: Store, **kw: object) -> list[str]:
    return [r.ticket_id for r in store.open_clocks(ClockQuery(now=NOW, **kw))]  # type: ignore[arg-type]


def test_the_ticket_list_filters_by_assignee_channel_and_a_part_of_the_id(store: Store) -> None:
    _fill(store)
    assert _tickets(store, assignee="alice") == ["T1"]
    assert _tickets(store, channel="chat") == ["T2"]
    assert _tickets(store, channel="email") == ["T1", "T3", "T4"]
    assert _tickets(store, search="t2") == ["T2"]  # any case
    assert _tickets(store, search="%") == []  # a wildcard is a character like any other
    assert _tickets(store, state=State.BREACHED) == ["T2"]
    assert store.count_ticket_list(TicketQuery(now=NOW, customer="acme")) == 3
    assert store.count_ticket_list(TicketQuery(now=NOW, customer="acme", limit=1)) == 3


@pytest.mark.parametrize(
    ("key", "ascending", "descending"),
    [
        ("ticket", ["T1", "T2", "T3", "T4"], ["T4", "T3", "T2", "T1"]),
        ("customer", ["T1", "T3", "T4", "T2"], ["T2", "T1", "T3", "T4"]),
        ("team", ["T2", "T3", "T1", "T4"], ["T1", "T4", "T2", "T3"]),
        ("priority", ["T1", "T4", "T2", "T3"], ["T2", "T1", "T4", "T3"]),
        ("status", ["T1", "T2", "T4", "T3"], ["T3", "T1", "T2", "T4"]),
        ("assignee", ["T1", "T2", "T3", "T4"], ["T2", "T1", "T3", "T4"]),
        ("opened", ["T1", "T2", "T3", "T4"], ["T4", "T3", "T2", "T1"]),
        ("updated", ["T1", "T4", "T3", "T2"], ["T2", "T3", "T1", "T4"]),
    ],
)
def test_the_ticket_list_sorts_by_each_column_both_ways_empty_last_ties_by_id(
    store: Store, key: str, ascending: list[str], descending: list[str]
) -> None:
    _fill(store)
    assert _tickets(store, sort=SortKey(key)) == ascending
    assert _tickets(store, sort=SortKey(key, descending=True)) == descending


def test_every_ticket_sort_key_is_tested() -> None:
    assert set(TICKET_SORTS) == {
        "ticket", "customer", "team", "priority", "status", "assignee", "opened", "updated",
    }  # fmt: skip


def test_the_ticket_list_pages_by_offset_in_the_sort_order(store: Store) -> None:
    _fill(store)
    order = SortKey("updated", descending=True)
    assert _tickets(store, sort=order) == ["T2", "T3", "T1", "T4"]
    assert _tickets(store, sort=order, limit=2) == ["T2", "T3"]
    assert _tickets(store, sort=order, limit=2, offset=2) == ["T1", "T4"]
    assert _tickets(store, sort=order, offset=4) == []


def test_the_queue_filters_by_assignee_channel_state_due_and_id(store: Store) -> None:
    _fill(store)
    assert _clocks(store) == ["T2", "T1", "T3"]
    assert _clocks(store, assignee="bob") == ["T2"]
    assert _clocks(store, channel="email") == ["T1", "T3"]
    assert _clocks(store, state=State.BREACHED) == ["T2"]  # running, past its due instant
    assert _clocks(store, state=State.RUNNING) == ["T1"]
    assert _clocks(store, state=State.PAUSED) == ["T3"]
    assert _clocks(store, due_before=T0 + 4 * HOUR) == ["T2", "T1"]  # paused ones have no due
    assert _clocks(store, due_before=T0) == ["T2"]
    assert _clocks(store, search="3") == ["T3"]
    assert store.count_open_clocks(ClockQuery(now=NOW)) == 3
    assert store.count_open_clocks(ClockQuery(now=NOW, customer="acme", limit=1)) == 2


@pytest.mark.parametrize(
    ("key", "ascending", "descending"),
    [
        ("due", ["T2", "T1", "T3"], ["T1", "T2", "T3"]),
        ("ticket", ["T1", "T2", "T3"], ["T3", "T2", "T1"]),
        ("metric", ["T1", "T3", "T2"], ["T2", "T1", "T3"]),
        ("priority", ["T1", "T2", "T3"], ["T2", "T1", "T3"]),
        ("policy", ["T2", "T1", "T3"], ["T2", "T1", "T3"]),
        ("team", ["T2", "T3", "T1"], ["T1", "T2", "T3"]),
        ("assignee", ["T1", "T2", "T3"], ["T2", "T1", "T3"]),
        ("customer", ["T1", "T3", "T2"], ["T2", "T1", "T3"]),
        ("channel", ["T2", "T1", "T3"], ["T1", "T3", "T2"]),
        ("start", ["T2", "T1", "T3"], ["T2", "T1", "T3"]),
    ],
)
def test_the_queue_sorts_by_each_column_both_ways_empty_last_ties_in_queue_order(
    store: Store, key: str, ascending: list[str], descending: list[str]
) -> None:
    _fill(store)
    assert _clocks(store, sort=SortKey(key)) == ascending
    assert _clocks(store, sort=SortKey(key, descending=True)) == descending


def test_every_queue_sort_key_is_tested() -> None:
    assert set(CLOCK_SORTS) == {
        "due", "ticket", "metric", "priority", "policy", "team", "assignee", "customer",
        "channel", "start",
    }  # fmt: skip


def test_the_queue_pages_by_offset_and_counts_the_whole_filter(store: Store) -> None:
    _fill(store)
    order = SortKey("ticket", descending=True)
    assert _clocks(store, sort=order, limit=2) == ["T3", "T2"]
    assert _clocks(store, sort=order, limit=2, offset=2) == ["T1"]
    assert store.count_open_clocks(ClockQuery(now=NOW, sort=order, limit=1, offset=2)) == 3


def test_a_count_stops_at_its_cap_and_is_exact_under_it(store: Store) -> None:
    _fill(store)
    tickets = TicketQuery(now=NOW, customer="acme")  # 3 tickets
    assert [store.count_ticket_list(tickets, at_most=n) for n in (1, 2, 3, 4)] == [1, 2, 3, 3]
    clocks = ClockQuery(now=NOW)  # 3 open clocks
    assert [store.count_open_clocks(clocks, at_most=n) for n in (2, 3, 50)] == [2, 3, 3]
    breached = ClockQuery(now=NOW, state=State.BREACHED, sort=SortKey("team"))
    assert store.count_open_clocks(breached, at_most=1) == 1


def test_a_count_of_clock_filters_alone_counts_tickets_not_clocks(store: Store) -> None:
    _fill(store)
    save(store, "T5", [rec("T5"), rec("T5", "resolution")], customer="acme")  # two email clocks

    def count(**kw: object) -> int:
        return store.count_ticket_list(TicketQuery(now=NOW, **kw))  # type: ignore[arg-type]

    assert count(channel="email") == len(_tickets(store, channel="email")) == 4
    assert count(channel="email", customer="globex") == 0  # T2, globex's, is on chat
    assert count(state=State.BREACHED) == 1
    assert count(metric="resolution") == 2
    assert count(internal=True) == 0  # no internal agreement's clock is stored
    assert store.count_ticket_list(TicketQuery(now=NOW, channel="email"), at_most=2) == 2


def _fill_many(store: Store) -> None:
    # twelve tickets whose values repeat (ties), some empty: pages cut through groups of ties
    teams = ["ops", "support", None]
    for i in range(12):
        tid = f"M{i:02d}"
        team = teams[i % 3]
        save(
            store,
            tid,
            [
                replace(
                    rec(tid, due=None if i % 5 == 0 else T0 + (i % 4) * HOUR, team=team),
                    assignee=None if i % 4 == 0 else f"a{i % 2}",
                    state=State.PAUSED if i % 5 == 0 else State.RUNNING,
                ),
                replace(rec(tid, "resolution", due=T0 + HOUR, team=team), assignee="a1"),
            ],
            customer=["acme", "globex"][i % 2],
            team=team,
            priority=None if i % 6 == 0 else ["high", "low"][i % 2],
            first_ts=T0 - (i % 3) * HOUR,
            last_ts=T0 + (i % 4),
        )


@pytest.mark.parametrize("descending", [False, True])
def test_every_sorted_page_is_the_slice_of_the_whole_sorted_list(
    store: Store, descending: bool
) -> None:
    _fill_many(store)
    reference = MemoryStore()  # the plain sort in Python
    _fill_many(reference)
    for key in TICKET_SORTS:
        order = SortKey(key, descending)
        whole = _tickets(store, sort=order, limit=100)
        assert whole == _tickets(reference, sort=order, limit=100)
        assert len(whole) == 12
        for limit in (1, 2, 5):
            for offset in range(13):
                page = _tickets(store, sort=order, limit=limit, offset=offset)
                assert page == whole[offset : offset + limit], (key, limit, offset)
    for key in CLOCK_SORTS:
        order = SortKey(key, descending)
        every = store.open_clocks(ClockQuery(now=NOW, sort=order, limit=100))
        whole_keys = [(r.ticket_id, r.metric) for r in every]
        expected = reference.open_clocks(ClockQuery(now=NOW, sort=order, limit=100))
        assert whole_keys == [(r.ticket_id, r.metric) for r in expected]
        assert len(whole_keys) == 24
        for limit in (1, 3, 7):
            for offset in range(0, 25, 2):
                got = store.open_clocks(ClockQuery(now=NOW, sort=order, limit=limit, offset=offset))
                assert [(r.ticket_id, r.metric) for r in got] == whole_keys[
                    offset : offset + limit
                ], (key, limit, offset)


_IDS = ("AC-1042", "ac-2042", "XY_042", "B%0042", "Z042Z", "QQ-7")


def test_a_search_of_three_characters_or_more_finds_every_id_holding_it_in_any_case(
    store: Store,
) -> None:
    for tid in _IDS:
        save(store, tid, [rec(tid)])
    # a second recompute rewrites the rows: the search index follows every write
    save(store, "AC-1042", [rec("AC-1042")], status="solved")
    for part in ("042", "C-1", "ac-", "Y_0", "%00", "z042z", "QQ-7", "2042"):
        expected = sorted(t for t in _IDS if part.lower() in t.lower())
        assert _tickets(store, search=part) == expected, part
        assert _clocks(store, search=part) == expected, part
        got = store.count_ticket_list(TicketQuery(now=NOW, search=part))
        assert got == len(expected), part
    assert _tickets(store, search="_04") == ["XY_042"]  # _ and % are plain characters
    assert _tickets(store, search="B%0") == ["B%0042"]
    assert _tickets(store, search='"04') == []  # a quote is a plain character too
    assert _tickets(store, search="1042x") == []
