"""Each ticket's current customer, kept at ingest, held on every store (memory, SQLite,
PostgreSQL): every read that filters by customer follows a move as soon as the event is
stored, whatever the recompute backlog, and a recompute never undoes a move."""

from __future__ import annotations

import json
import threading
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from accord.core.alerts.evaluate import Alert
from accord.core.events import Actor, Event, Kind
from accord.io.store import (
    AlertQuery,
    ClockQuery,
    Incoming,
    SqlStore,
    Store,
    TicketQuery,
    TicketResult,
)
from accord.io.store.sql.connection import migrate
from tests.io.store.test_store import rec, summary

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z
HOUR = 3600


def ev(
    event_id: str,
    ticket: str = "T1",
    ts: int = T0,
    kind: Kind = Kind.UPDATED,
    ts_us: int = 0,
    **fields: object,
) -> Event:
    return Event(event_id, ticket, ts, kind, Actor.AGENT, None, dict(fields), ts_us=ts_us)  # type: ignore[arg-type]


def add(store: Store, *events: Event, at: int = T0) -> None:
    store.add_events([Incoming(e, "test", n) for n, e in enumerate(events, 1)], received_at=at)


def sla_alert(ticket: str, customer: str | None, threshold: str = "75%") -> Alert:
    return Alert(
        key=f"risk|{ticket}|first_response|1|{threshold}", rule="risk", kind="sla_warning",
        subject=ticket, metric="first_response", cycle="1", threshold=threshold, at=T0,
        deliver_at=T0, channels=("ops",), summary="s", customer=customer,
    )  # fmt: skip


def test_a_ticket_belongs_to_the_customer_of_its_latest_event_in_time_not_in_arrival(
    store: Store,
) -> None:
    add(store, ev("e1", ts=T0, kind=Kind.CREATED, customer="acme"))
    add(store, ev("e2", ts=T0 + 60, customer="globex"))
    add(store, ev("e3", ts=T0 + 30, customer="initech"))  # late, and older: changes nothing
    add(store, ev("e4", ts=T0 + 90, status="open"))  # sets no customer: changes nothing
    add(store, ev("e5", "T2", ts=T0, kind=Kind.CREATED, status="new"))
    add(store, Event("e6", "T3", T0, Kind.MESSAGE, Actor.AGENT, True, {"customer": "acme"}))
    assert store.owners_of(["T1", "T2", "T3", "T9"]) == {"T1": "globex"}  # nobody's: absent
    # the same instant: the event stored last wins, in one batch as across batches
    add(store, ev("e7", ts=T0 + 90, customer="umbrella"), ev("e8", ts=T0 + 90, customer="acme"))
    assert store.owners_of(["T1"]) == {"T1": "acme"}
    add(store, ev("e9", ts=T0 + 90, ts_us=0, customer="globex"))
    assert store.owners_of(["T1"]) == {"T1": "globex"}
    add(store, ev("e10", ts=T0 + 90, ts_us=1, customer=""))  # emptied: nobody's
    assert store.owners_of(["T1"]) == {"T1": None}


def test_a_moved_ticket_leaves_every_read_of_its_former_customer_before_any_recompute(
    store: Store,
) -> None:
    add(store, ev("e1", kind=Kind.CREATED, customer="acme"))
    store.save_results([TicketResult(summary("T1", "acme"), [rec("T1")])])
    claimed = store.claim_alert(sla_alert("T1", "acme"), now=T0)
    assert claimed is not None
    add(store, ev("e2", ts=T0 + 60, customer="globex"), at=T0 + 60)
    now = T0 + 120
    for who, sees in (("acme", []), ("globex", ["T1"])):
        found = store.find_tickets(TicketQuery(now=now, customer=who))
        assert [s.ticket_id for s in found] == sees
        assert all(s.customer == who for s in found)
        assert [r.ticket_id for r in store.open_clocks(ClockQuery(now=now, customer=who))] == sees
        assert [r.key for r in store.compliance(None, now=now, customer=who) if r.open] == (
            [None] if sees else []
        )
        alerts = store.list_alerts(AlertQuery(now=now, customer=who))
        assert [a.id for a in alerts] == ([claimed.id] if sees else [])
    [keys] = list(store.compliance_keys(["T1"]))
    assert {k[5] for k in keys} == {"globex"}
    got = store.get_ticket("T1")
    assert got is not None and got.customer == "globex"


def test_a_recompute_that_read_the_events_before_a_move_does_not_undo_it(store: Store) -> None:
    add(store, ev("e1", kind=Kind.CREATED, customer="acme"))
    stale = TicketResult(summary("T1", "acme"), [rec("T1")])  # computed before the move
    add(store, ev("e2", ts=T0 + 60, customer="globex"), at=T0 + 60)
    store.save_results([stale])
    assert store.find_tickets(TicketQuery(now=T0, customer="acme")) == []
    assert store.open_clocks(ClockQuery(now=T0, customer="acme")) == []
    assert store.compliance(None, now=T0, customer="acme") == []
    got = store.get_ticket("T1")
    assert got is not None and got.customer == "globex"
    # an alert raised from those stale records is readable by the ticket's customer only
    entry = store.claim_alert(sla_alert("T1", "acme"), now=T0 + 60)
    assert entry is not None
    assert store.list_alerts(AlertQuery(now=T0, customer="acme")) == []
    assert [a.id for a in store.list_alerts(AlertQuery(now=T0, customer="globex"))] == [entry.id]


def test_a_recomputed_ticket_given_its_first_customer_is_read_by_it_at_once(store: Store) -> None:
    add(store, ev("e1", kind=Kind.CREATED, status="new"))
    store.save_results([TicketResult(summary("T1", None), [rec("T1")])])
    entry = store.claim_alert(sla_alert("T1", None), now=T0)
    assert entry is not None
    add(store, ev("e2", ts=T0 + 60, customer="acme"), at=T0 + 60)
    assert [s.ticket_id for s in store.find_tickets(TicketQuery(now=T0, customer="acme"))] == ["T1"]
    assert [r.ticket_id for r in store.open_clocks(ClockQuery(now=T0, customer="acme"))] == ["T1"]
    assert [a.id for a in store.list_alerts(AlertQuery(now=T0, customer="acme"))] == [entry.id]
    [move] = store.moves_since(0)
    assert (move.ticket_id, move.from_customer, move.to_customer) == ("T1", None, "acme")


def test_an_alert_about_no_ticket_is_read_by_its_own_customer(store: Store) -> None:
    band = Alert(
        key="band|kpi[customer=acme]", rule="band", kind="kpi_band", subject="kpi[customer=acme]",
        metric=None, cycle="-", threshold="red", at=T0, deliver_at=T0, channels=("ops",),
        summary="s", customer="acme",
    )  # fmt: skip
    entry = store.claim_alert(band, now=T0)
    assert entry is not None
    assert [a.id for a in store.list_alerts(AlertQuery(now=T0, customer="acme"))] == [entry.id]
    assert store.list_alerts(AlertQuery(now=T0, customer="globex")) == []


def test_moves_are_numbered_in_order_and_found_by_the_customer_they_left(store: Store) -> None:
    assert store.last_move() == 0
    add(store, ev("e1", kind=Kind.CREATED, customer="acme"))  # a first customer: no move
    add(store, ev("e2", "T2", kind=Kind.CREATED, customer="acme"))
    assert store.moves_since(0) == []
    add(store, ev("e3", ts=T0 + 60, customer="globex"), at=T0 + 60)
    add(store, ev("e4", ts=T0 + 120, customer="globex"), at=T0 + 120)  # the same: no move
    add(store, ev("e5", "T2", ts=T0 + 60, customer="initech"), at=T0 + 180)
    moves = store.moves_since(0)
    assert [(m.n, m.ticket_id, m.from_customer, m.to_customer, m.received_at) for m in moves] == [
        (1, "T1", "acme", "globex", T0 + 60),
        (2, "T2", "acme", "initech", T0 + 180),
    ]
    assert [m.n for m in store.moves_since(1)] == [2]
    assert store.moves_since(0, limit=1) == moves[:1]
    assert (store.last_move(), store.last_move(away_from="acme")) == (2, 2)
    assert (store.last_move(away_from="globex"), store.last_move(away_from="x")) == (0, 0)


def test_concurrent_moves_and_recomputes_leave_every_read_on_the_current_customer(
    store: Store,
) -> None:
    tickets = [f"T{i}" for i in range(8)]
    add(store, *[ev(f"c-{t}", t, kind=Kind.CREATED, customer="c0") for t in tickets])
    store.save_results([TicketResult(summary(t, "c0"), [rec(t)]) for t in tickets])
    for t in tickets:
        store.claim_alert(sla_alert(t, "c0"), now=T0)
    errors: list[BaseException] = []

    def mover(k: int) -> None:
        try:
            for step in range(15):
                batch = [
                    ev(
                        f"m{k}-{step}-{t}",
                        t,
                        ts=T0 + 1 + step * 4 + k,
                        customer=f"c{(step + k) % 3}",
                    )
                    for t in tickets[k::2]
                ]
                add(store, *batch)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def recomputer() -> None:
        try:
            for step in range(15):
                # results computed from whatever customer: the store keeps the current one
                results = [TicketResult(summary(t, f"c{step % 3}"), [rec(t)]) for t in tickets]
                store.save_results(results)
                store.claim_alert(sla_alert(tickets[step % 8], "c9", f"{step}"), now=T0)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=mover, args=(k,)) for k in (0, 1)]
    threads.append(threading.Thread(target=recomputer))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    owners = store.owners_of(tickets)
    for who in ("c0", "c1", "c2", "c9"):
        mine = sorted(t for t in tickets if owners[t] == who)
        found = store.find_tickets(TicketQuery(now=T0, customer=who))
        assert [s.ticket_id for s in found] == mine
        clocks = store.open_clocks(ClockQuery(now=T0, customer=who))
        assert sorted(r.ticket_id for r in clocks) == mine
        alerts = store.list_alerts(AlertQuery(now=T0, customer=who, limit=500))
        assert {a.ticket_id for a in alerts} == set(mine)


def test_the_migration_gives_stored_tickets_their_owners_and_reads_their_columns(
    sql_url: str,
) -> None:
    # a store of revision 0003 whose summaries and alerts lag behind its events
    engine = sa.create_engine(sql_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("accord.io.store") / "migrations"))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            rows = [
                ("e1", "T1", T0, "created", '{"customer": "acme"}'),
                ("e2", "T1", T0 + 60, "updated", '{"customer": "globex"}'),
                ("e3", "T1", T0 + 30, "updated", '{"customer": "initech"}'),
                ("e4", "T2", T0, "created", '{"customer": 42}'),
                ("e5", "T3", T0, "created", '{"status": "new"}'),
            ]
            for eid, tid, ts, kind, fields in rows:
                conn.execute(
                    sa.text(
                        "INSERT INTO events (event_id, ticket_id, ts, ts_us, kind, fields, "
                        "digest, received_at) VALUES (:e, :t, :ts, 0, :k, :f, :d, :ts)"
                    ).bindparams(sa.bindparam("f", type_=sa.JSON)),
                    {
                        "e": eid,
                        "t": tid,
                        "ts": ts,
                        "k": kind,
                        "f": json.loads(fields),
                        "d": b"0" * 16,
                    },
                )
            conn.execute(
                sa.text(
                    "INSERT INTO tickets (ticket_id, customer, first_ts, last_ts, events, "
                    "computed_at) VALUES ('T1', 'acme', 0, 0, 1, 0), ('T3', 'acme', 0, 0, 1, 0)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO alerts (key, rule, kind, subject, ticket_id, customer, cycle, "
                    "threshold, at, deliver_at, channels, summary, figures, state, created_at) "
                    "VALUES ('k1', 'r', 'sla_warning', 'T1', 'T1', 'acme', '1', 'x', 0, 0, "
                    "'[]', 's', '{}', 'sent', 0), ('k2', 'r', 'kpi_band', 'kpi', NULL, 'acme', "
                    "'-', 'x', 0, 0, '[]', 's', '{}', 'sent', 0)"
                )
            )
        migrate(engine)
    finally:
        engine.dispose()
    store = SqlStore(sql_url)
    try:
        assert store.owners_of(["T1", "T2", "T3"]) == {"T1": "globex", "T2": "42"}
        assert store.find_tickets(TicketQuery(now=T0, customer="acme")) == []
        assert [
            s.ticket_id for s in store.find_tickets(TicketQuery(now=T0, customer="globex"))
        ] == ["T1"]
        acme = store.list_alerts(AlertQuery(now=T0, customer="acme"))
        assert [a.alert.kind for a in acme] == ["kpi_band"]
        assert [a.ticket_id for a in store.list_alerts(AlertQuery(now=T0, customer="globex"))] == [
            "T1"
        ]
    finally:
        store.close()
