"""The store reads behind the service's records view, held on every implementation: the
change stamp, the tickets changed since an event number, and the compliance keys."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.records import State
from accord.io.store import Store
from tests.io.store.test_store import T0, ev, inc, rec, save


def test_the_change_stamp_moves_with_every_new_event_and_configuration(store: Store) -> None:
    assert store.change_stamp() == (0, 0)
    store.add_events(inc(ev("e1"), ev("e2", "T2")), received_at=T0)
    seq, version = store.change_stamp()
    assert (seq, version) == (max(e.seq for e in store.events_of(["T2"])["T2"]), 0)
    store.add_events(inc(ev("e1")), received_at=T0)  # a duplicate stores nothing
    assert store.change_stamp() == (seq, 0)
    store.add_config_version({"a.yaml": "x: 1\n"}, effective_from=0, uploaded_at=T0)
    assert store.change_stamp() == (seq, 1)


def test_changed_since_names_each_ticket_with_its_lowest_and_highest_new_event(
    store: Store,
) -> None:
    store.add_events(inc(ev("e1"), ev("e2", "T2")), received_at=T0)
    seen = store.change_stamp()[0]
    store.add_events(inc(ev("e3"), ev("e4", "T3"), ev("e5")), received_at=T0)
    seqs = {e.event_id: e.seq for evs in store.events_of(["T1", "T3"]).values() for e in evs}
    assert store.changed_since(seen) == {
        "T1": (seqs["e3"], seqs["e5"]),
        "T3": (seqs["e4"], seqs["e4"]),
    }
    assert store.changed_since(store.change_stamp()[0]) == {}


def test_compliance_keys_hold_every_clock_with_a_target_with_the_tickets_customer(
    store: Store,
) -> None:
    save(store, "T1", [rec("T1"), rec("T1", "resolution", target=None)], customer="globex")
    save(store, "T2", [rec("T2", state=State.MET, due=None, team=None)])
    got = sorted(k for batch in store.compliance_keys(batch=1) for k in batch)
    assert got == [
        ("T1", "first_response", "high", "Gold", "support", "globex", "2026-03", "running",
         T0 + 3600),
        ("T2", "first_response", "high", "Gold", None, "acme", "2026-03", "met", None),
    ]  # fmt: skip
    only = [k for batch in store.compliance_keys(["T2", "T9"]) for k in batch]
    assert [k[0] for k in only] == ["T2"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    clocks=st.lists(
        st.tuples(
            st.sampled_from(["T1", "T2", "T3", "T'4", "é5"]),
            st.sampled_from(["first_response", "resolution"]),
            st.sampled_from(list(State)),
            st.sampled_from([None, T0 + 60, T0 - 60]),
            st.sampled_from([None, "support", "l2 ü"]),
            st.sampled_from([None, 3600]),
        ),
        max_size=8,
    ),
    asked=st.lists(st.sampled_from(["T1", "T2", "T3", "T'4", "é5", "T9"]), max_size=7),
)
def test_compliance_keys_of_named_tickets_are_the_full_reads_keys_of_them(
    store: Store,
    clocks: list[tuple[str, str, State, int | None, str | None, int | None]],
    asked: list[str],
) -> None:
    # the named tickets' read (the records view's after each pass) against the full read
    by_ticket: dict[str, dict[str, Any]] = {}
    for tid, metric, state, due, team, target in clocks:
        by_ticket.setdefault(tid, {})[metric] = rec(
            tid, metric, state=state, due=due, team=team, target=target
        )
    for tid, records in by_ticket.items():
        save(store, tid, list(records.values()))
    every = [k for batch in store.compliance_keys() for k in batch]
    named = [k for batch in store.compliance_keys(asked) for k in batch]
    assert sorted(named, key=repr) == sorted((k for k in every if k[0] in asked), key=repr)
