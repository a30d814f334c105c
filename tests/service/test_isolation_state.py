"""Customer isolation as a state machine: whatever sequence of ingests (new tickets, moves
between customers, other updates, events out of time order), partial recomputes (some marks
drained, not all; a recompute that read its events before a move), alerts raised for stale
customers, refreshes of the figures' snapshots and reads, no read by a customer-scoped token
ever shows anything of a ticket whose current customer is another one: no ticket, clock,
alert, count, statement line or document line.

The model is deliberately simple: each ticket's events in the order they were sent; its
current customer is the ``customer`` of the latest of them (time, then arrival) that sets one.
Every ticket id has the shape ``tk000``, so any ticket id in an answer (JSON, CSV, HTML, PDF
text) is found by one pattern and checked against the model. The background recompute is
off: the recompute runs only when a rule says so. The snapshots of KPI and contract figures
count as expensive and their refreshes wait for a rule, so a changed store is served stale
snapshots exactly as a large one is.

Runs on SQLite and on PostgreSQL (a fresh schema per example).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)

from accord.core.alerts.evaluate import Alert
from accord.core.records import State
from accord.core.timeutil import iso
from accord.io.store import Scope
from accord.io.store.base import state_at
from accord.service.auth import create_token
from accord.service.recompute import compute_result, recompute_tickets
from accord.service.snapshots import Job, Snapshots
from tests.io.store.conftest import PG_URL, _in_ci
from tests.service.conftest import CONFIG, T0, Api, make_api

CUSTOMERS = ("acme", "globex", "initech")
TICKET_ID = re.compile(r"tk\d{3}")
NOW0 = T0 + 16 * 3600  # after every event the rules send (minutes 0 to 900)
CONTRACTS = """\
contracts:
  acme:
    policies: [Gold, Standard]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 95%, credit: {per_breach: "50.00"}}
      resolution: {metric: resolution, max_breaches: 3}
  globex:
    policies: [Gold, Standard]
    monthly_fee: "500"
    currency: EUR
    objectives:
      first_response: {metric: first_response, met_share: 90%}
"""
UNSET = object()  # a created event that names no customer


class IsolationMachine(RuleBasedStateMachine):
    """The app over a fresh store; ``open_store`` gives its URL and how to drop it."""

    open_store: Callable[[Path], tuple[str, Callable[[], None]]]

    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="accord-isolation-"))
        url, self.drop = type(self).open_store(self.tmp)
        self.api: Api = make_api(self.tmp, url=url, config={**CONFIG, "contracts.yaml": CONTRACTS})
        self.api.clock.now = NOW0
        self.api.tokens["initech"], _ = create_token(
            self.api.store, scope=Scope.READ, customer="initech", name="initech", now=T0
        )
        self.held: list[Job] = []
        runtime = self.api.runtime
        runtime.snapshots = Snapshots(
            stamp=lambda: (*runtime.store.change_stamp(), runtime.recomputer.recomputed),
            clock=runtime.clock,
            cheap=0.0,
            background=True,
            schedule=lambda _not_before, job: self.held.append(job),
        )
        # the model: per ticket, (minute, arrival, customer or UNSET) of each event that may
        # set the customer; the alerts raised, by id
        self.sets: dict[str, list[tuple[int, int, object]]] = {}
        self.alerts: dict[int, str] = {}
        self.sent = 0

    def teardown(self) -> None:
        try:
            self.api.store.close()
        finally:
            self.drop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ the model

    def owner(self, ticket: str) -> str | None:
        named = [(m, n, c) for m, n, c in self.sets.get(ticket, []) if c is not UNSET]
        if not named:
            return None
        customer = max(named, key=lambda x: (x[0], x[1]))[2]
        return customer if isinstance(customer, str) and customer else None

    def owned(self, who: str) -> set[str]:
        return {t for t in self.sets if self.owner(t) == who}

    def send(self, ticket: str, minute: int, kind: str, **extra: Any) -> None:
        self.sent += 1
        row = {
            "event_id": f"ev{self.sent:05d}",
            "ticket_id": ticket,
            "ts": iso(T0 + minute * 60),
            "kind": kind,
            **extra,
        }
        self.api.send(row)

    # ------------------------------------------------------------------ ingest

    @initialize(target=tickets)
    def some_tickets(self) -> Any:
        # a ticket per customer and one with none, recomputed, counted in the records view and
        # in snapshots of the figures: what later moves must take them out of
        made = [
            self.new_ticket(customer, minute, "high")
            for customer, minute in zip([*CUSTOMERS, None], (0, 30, 60, 90), strict=True)
        ]
        self.api.drain()
        for who in CUSTOMERS:
            self.read_compliance(who, "customer")
            self.read_figures(who)
        return multiple(*made)

    @rule(
        target=tickets,
        customer=st.sampled_from([*CUSTOMERS, None]),
        minute=st.integers(0, 900),
        priority=st.sampled_from(["high", "low"]),
    )
    def new_ticket(self, customer: str | None, minute: int, priority: str) -> str:
        ticket = f"tk{len(self.sets):03d}"
        fields: dict[str, Any] = {"status": "new", "priority": priority, "team": "support"}
        if customer is not None:
            fields["customer"] = customer
        self.send(ticket, minute, "created", actor="customer", fields=fields)
        self.sets[ticket] = [(minute, self.sent, customer if customer is not None else UNSET)]
        return ticket

    @rule(ticket=tickets, customer=st.sampled_from([*CUSTOMERS, ""]), minute=st.integers(0, 900))
    def move(self, ticket: str, customer: str, minute: int) -> None:
        # any instant: before the ticket's other events too (a late event changes nothing)
        self.send(ticket, minute, "updated", actor="agent", fields={"customer": customer})
        self.sets[ticket].append((minute, self.sent, customer))

    @rule(
        ticket=tickets,
        minute=st.integers(0, 900),
        what=st.sampled_from(["reply", "solved", "priority", "note"]),
    )
    def other_update(self, ticket: str, minute: int, what: str) -> None:
        if what == "reply":
            self.send(ticket, minute, "message", actor="agent", public=True)
        elif what == "note":
            self.send(ticket, minute, "message", actor="agent", public=False)
        elif what == "solved":
            self.send(ticket, minute, "updated", actor="agent", fields={"status": "solved"})
        else:
            self.send(ticket, minute, "updated", actor="agent", fields={"priority": "low"})

    # ------------------------------------------------------------------ recomputes and the rest

    @rule(k=st.integers(1, 3))
    def recompute_some(self, k: int) -> None:
        runtime = self.api.runtime
        marks = runtime.store.dirty(k)
        now = runtime.clock()
        ids = [tid for tid, _ in marks]
        recompute_tickets(
            runtime.store, ids, runtime.config_at(now), now, clear=marks,
            on_saved=runtime.recomputer.on_saved,
        )  # fmt: skip

    @rule(
        ticket=tickets,
        customer=st.sampled_from(CUSTOMERS),
        minute=st.integers(0, 900),
        read_between=st.sampled_from([None, *CUSTOMERS]),
    )
    def recompute_across_a_move(
        self, ticket: str, customer: str, minute: int, read_between: str | None
    ) -> None:
        # a recompute reads its tickets' events, then a move is stored (and perhaps read),
        # then the recompute saves what it computed before the move
        runtime = self.api.runtime
        store = runtime.store
        marks = store.dirty(100)
        ids = sorted({ticket, *(tid for tid, _ in marks)})
        now = runtime.clock()
        events = store.events_of(ids)
        config = runtime.config_at(now)
        results = [compute_result(tid, evs, config, now) for tid, evs in events.items() if evs]
        self.move(ticket, customer, minute)
        if read_between is not None:
            self.read_compliance(read_between, "customer")
        store.save_results(results, clear=marks)
        seqs = {tid: max(e.seq for e in evs) for tid, evs in events.items() if evs}
        assert runtime.recomputer.on_saved is not None
        runtime.recomputer.on_saved(results, seqs)

    @rule(ticket=tickets, customer=st.sampled_from(CUSTOMERS), threshold=st.integers(0, 99))
    def raise_alert(self, ticket: str, customer: str, threshold: int) -> None:
        # raised for whatever customer its (perhaps stale) records named
        alert = Alert(
            key=f"risk|{ticket}|resolution|1|{threshold}", rule="risk", kind="sla_warning",
            subject=ticket, metric="resolution", cycle="1", threshold=f"{threshold}%",
            at=T0, deliver_at=T0, channels=("ops",), summary=f"resolution on {ticket} at risk",
            customer=customer,
        )  # fmt: skip
        entry = self.api.store.claim_alert(alert, now=self.api.clock.now)
        if entry is not None:
            self.alerts[entry.id] = ticket

    @rule(minutes=st.integers(1, 240))
    def advance(self, minutes: int) -> None:
        self.api.clock.now += minutes * 60

    @rule()
    def refresh_snapshots(self) -> None:
        jobs, self.held[:] = list(self.held), []
        for job in jobs:
            job()

    # ------------------------------------------------------------------ reads

    def check(self, who: str, what: str, text: str) -> None:
        """No ticket id in ``text`` (an answer to ``who``) is another customer's."""
        foreign = {t for t in TICKET_ID.findall(text) if self.owner(t) != who}
        assert not foreign, f"{who} was shown {sorted(foreign)} by {what}"

    def get(self, who: str, path: str) -> Any:
        res = self.api.get(path, who=who)
        assert res.status_code == 200, (path, res.status_code, res.text)
        self.check(who, path, res.text)
        return res

    def pages(self, who: str, path: str) -> list[str]:
        """Every ticket id of every page of a list (JSON)."""
        seen: list[str] = []
        cursor: str | None = None
        while True:
            sep = "&" if "?" in path else "?"
            res = self.get(who, f"{path}{sep}cursor={cursor}" if cursor else path)
            body = res.json()
            seen.extend(i["ticket_id"] for i in body["items"] if i.get("ticket_id"))
            cursor = body["next_cursor"]
            if cursor is None:
                return seen

    @rule(who=st.sampled_from(CUSTOMERS))
    def read_lists(self, who: str) -> None:
        for path in (
            "/api/v1/tickets?limit=2",
            "/api/v1/tickets?state=running&limit=3",
            f"/api/v1/tickets?customer={who}&metric=resolution",
            "/api/v1/at-risk?limit=3",
            "/api/v1/alerts?limit=2",
        ):
            self.pages(who, path)
        for path in ("/api/v1/tickets?format=csv&limit=500", "/api/v1/at-risk?format=csv"):
            rows = csv.DictReader(io.StringIO(self.get(who, path).text))
            assert all(self.owner(r["ticket_id"]) == who for r in rows)
        listed = self.get(who, "/api/v1/tickets?limit=500").json()["items"]
        assert all(t["customer"] == who for t in listed)

    @rule(who=st.sampled_from(CUSTOMERS))
    def read_one_by_one(self, who: str) -> None:
        for ticket in self.sets:
            res = self.api.get(f"/api/v1/tickets/{ticket}", who=who)
            assert res.status_code == (200 if self.owner(ticket) == who else 404), ticket
        for alert_id, ticket in self.alerts.items():
            res = self.api.get(f"/api/v1/alerts/{alert_id}", who=who)
            assert res.status_code == (200 if self.owner(ticket) == who else 404), alert_id

    @rule(who=st.sampled_from(CUSTOMERS), by=st.sampled_from(["customer", "metric", "priority"]))
    def read_compliance(self, who: str, by: str) -> None:
        body = self.get(who, f"/api/v1/compliance?by={by}").json()
        if by == "customer":
            assert {g["key"] for g in body["groups"]} <= {who}
        # exactly the stored clocks of the tickets that are the customer's now
        now = self.api.clock.now
        want = [0, 0, 0]
        for recs in self.api.store.records_of(sorted(self.owned(who))).values():
            for r in recs:
                if r.target is None:
                    continue
                st_ = state_at(r, now)
                if st_ is State.MET:
                    want[0] += 1
                elif st_ is State.BREACHED:
                    want[1] += 1
                elif st_ in (State.RUNNING, State.PAUSED):
                    want[2] += 1
        total = body["total"]
        assert [total["met"], total["breached"], total["open"]] == want

    @rule(who=st.sampled_from(CUSTOMERS))
    def read_figures(self, who: str) -> None:
        kpis = self.get(
            who, "/api/v1/kpis/values?kpi=tickets_created&by=customer&grain=month&periods=1"
        ).json()
        assert {v["customer"] for v in kpis["values"]} <= {who, None}
        assert sum(v["value"] or 0 for v in kpis["values"]) <= len(self.owned(who))
        trend = "/api/v1/trends?series=kpi:tickets_created&grain=month&from=2026-03-01"
        mine = self.get(who, trend).json()["points"]
        assert sum(p["value"] or 0 for p in mine) <= len(self.owned(who))
        for other in CUSTOMERS:
            if other != who:  # another customer's figures are empty, never its own
                points = self.get(who, f"{trend}&customer={other}").json()["points"]
                assert all(p["n"] == 0 for p in points)
        if who == "initech":  # no contract: the document shows its compliance
            self.check(who, "statement.html", self.get(who, self._doc(who, "html")).text)
            return
        for part in ("statement?period=2026-03", "budget", "burndown?period=2026-03"):
            self.get(who, f"/api/v1/customers/{who}/{part}")
        # the clocks behind an objective's figures: the customer's own; another customer's
        # contract is a 404, as its statement
        for other in CUSTOMERS:
            for fmt in ("json", "csv"):
                path = f"/api/v1/customers/{other}/objectives/first_response/clocks"
                if other == who:
                    self.get(who, f"{path}?period=2026-03&format={fmt}")
                    continue
                res = self.api.get(path, who=who, params={"period": "2026-03", "format": fmt})
                assert res.status_code == 404, (path, res.status_code, res.text)
                self.check(who, path, res.text)

    @rule(who=st.sampled_from(CUSTOMERS[:2]))
    def read_documents(self, who: str) -> None:
        self.get(who, self._doc(who, "html"))
        pdf = self.api.get(self._doc(who, "pdf"), who=who)
        assert pdf.status_code == 200
        reader = pypdf.PdfReader(io.BytesIO(pdf.content))
        self.check(who, "statement.pdf", "".join(p.extract_text() for p in reader.pages))

    @staticmethod
    def _doc(who: str, ext: str) -> str:
        return f"/api/v1/customers/{who}/statement.{ext}?period=2026-03"


def _open_sqlite(tmp: Path) -> tuple[str, Callable[[], None]]:
    return f"sqlite:///{tmp / 'accord.db'}", lambda: None


def _open_postgresql(tmp: Path) -> tuple[str, Callable[[], None]]:
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
    schema = f"accord_iso_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    return url.render_as_string(hide_password=False), drop


def _postgresql_reachable() -> None:
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as e:
        message = f"PostgreSQL is not reachable at {PG_URL}: {e.orig}"
        if _in_ci():
            pytest.fail(message + " (CI is set: isolation must be tested on PostgreSQL)")
        pytest.skip(message)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_read_by_a_customer_token_ever_shows_another_customers_ticket(backend: str) -> None:
    if backend == "postgresql":
        _postgresql_reachable()
    machine = type(
        f"Isolation{backend.title()}",
        (IsolationMachine,),
        {"open_store": staticmethod(_open_sqlite if backend == "sqlite" else _open_postgresql)},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
