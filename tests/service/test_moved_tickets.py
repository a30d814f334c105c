"""Isolation is decided at read time from a ticket's current customer: a ticket moved from one
customer to another (an ``updated`` event setting ``customer``) leaves every read of its former
customer's token at once, before any recompute, on every route such a token can read.

The window is reproduced deterministically: the background recompute is off (conftest), the
move is ingested and the former customer reads before ``drain``. Each rule is also checked the
other way: what the former customer reads before the recompute is what it reads after it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pypdf
import pytest

from accord.core.alerts.evaluate import Alert
from accord.service.snapshots import Job, Snapshots
from tests.service.conftest import CONFIG, T0, Api, created, event, make_api, reply

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold, Standard]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 95%, credit: {per_breach: "50.00"}}
  globex:
    policies: [Gold, Standard]
    monthly_fee: "500"
    currency: EUR
    objectives:
      first_response: {metric: first_response, met_share: 90%}
"""


def move(api: Api, ticket: str, to: str, minutes: float = 35) -> None:
    """Store an update that gives ``ticket`` to customer ``to`` (no recompute follows)."""
    api.send(event(f"move-{ticket}-{to}", ticket, minutes, "updated", fields={"customer": to}))


def sla_alert(ticket: str, customer: str) -> Alert:
    return Alert(
        key=f"risk|{ticket}|resolution|1|75%", rule="risk", kind="sla_warning", subject=ticket,
        metric="resolution", cycle="1", threshold="75%", at=T0, deliver_at=T0,
        channels=("ops",), summary=f"resolution on ticket {ticket} at risk", customer=customer,
    )  # fmt: skip


def ids_of(res: Any) -> list[str]:
    assert res.status_code == 200, res.text
    if res.headers["content-type"].startswith("text/csv"):
        return [row["ticket_id"] for row in csv.DictReader(io.StringIO(res.text))]
    return [item["ticket_id"] for item in res.json()["items"]]


def same_before_and_after_the_recompute(api: Api, read: Callable[[], Any]) -> Any:
    """What ``read`` answers now, checked equal to what it answers once the recompute ran."""
    before = read()
    api.drain()
    after = read()
    assert before == after
    return before


# ---------------------------------------------------------------- tickets and the queue

TICKET_LISTS = [
    "/api/v1/tickets",
    "/api/v1/tickets?team=support",
    "/api/v1/tickets?priority=high",
    "/api/v1/tickets?state=running",
    "/api/v1/tickets?metric=resolution",
    "/api/v1/tickets?due_before=2026-03-03T00:00:00Z",
    "/api/v1/tickets?customer=acme",
    "/api/v1/tickets?limit=1",
    "/api/v1/tickets?as_of=2026-03-02T09:20:00Z",
    "/api/v1/tickets?sort=-updated",
    "/api/v1/tickets?search=t&sort=customer&offset=0",
    "/api/v1/tickets?assignee=&channel=",
]


@pytest.mark.parametrize("path", TICKET_LISTS)
def test_a_moved_ticket_is_never_listed_to_its_former_customer(populated: Api, path: str) -> None:
    move(populated, "T1", "globex")
    pages = same_before_and_after_the_recompute(populated, lambda: _all_pages(populated, path))
    assert "T1" not in pages and set(pages) <= {"T2"}
    assert populated.get("/api/v1/tickets/T1", who="acme").status_code == 404


def test_a_moved_ticket_is_listed_at_once_to_its_new_customer_under_that_customer(
    populated: Api,
) -> None:
    move(populated, "T1", "globex")
    items = populated.get("/api/v1/tickets", who="globex").json()["items"]
    assert [(t["ticket_id"], t["customer"]) for t in items] == [("T1", "globex"), ("T3", "globex")]
    clocks = populated.get("/api/v1/at-risk", who="globex").json()["items"]
    assert {c["ticket_id"] for c in clocks} == {"T1", "T3"}


def _all_pages(api: Api, path: str) -> list[str]:
    out: list[str] = []
    url: str | None = path
    while url is not None:
        res = api.get(url, who="acme")
        out.extend(ids_of(res))
        cursor = res.json()["next_cursor"]
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}cursor={cursor}" if cursor else None
    return out


@pytest.mark.parametrize("path", ["/api/v1/tickets?format=csv", "/api/v1/tickets?limit=1"])
def test_a_moved_ticket_is_never_exported_to_its_former_customer_as_csv(
    populated: Api, path: str
) -> None:
    move(populated, "T1", "globex")

    def read() -> list[str]:
        return ids_of(populated.get(path, who="acme", headers={"Accept": "text/csv"}))

    assert "T1" not in same_before_and_after_the_recompute(populated, read)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/at-risk",
        "/api/v1/at-risk?metric=resolution",
        "/api/v1/at-risk?limit=1",
        "/api/v1/at-risk?sort=-ticket",
        "/api/v1/at-risk?search=t&state=running&due_within=86400",
    ],
)
def test_a_moved_tickets_clocks_leave_its_former_customers_at_risk_queue(
    populated: Api, path: str
) -> None:
    move(populated, "T1", "globex")

    def read() -> list[str]:
        out, url = [], path
        while url:
            res = populated.get(url, who="acme")
            out.extend(ids_of(res))
            cursor = res.json()["next_cursor"]
            url = f"{path}{'&' if '?' in path else '?'}cursor={cursor}" if cursor else ""
        return out

    got = same_before_and_after_the_recompute(populated, read)
    assert got and set(got) == {"T2"}


def test_a_moved_tickets_clocks_leave_its_former_customers_at_risk_csv(populated: Api) -> None:
    move(populated, "T1", "globex")

    def read() -> list[str]:
        return ids_of(populated.get("/api/v1/at-risk?format=csv", who="acme"))

    assert set(same_before_and_after_the_recompute(populated, read)) == {"T2"}


# ---------------------------------------------------------------- compliance


@pytest.mark.parametrize("by", ["customer", "metric", "period", "policy"])
def test_a_moved_ticket_no_longer_counts_in_its_former_customers_compliance(
    populated: Api, by: str
) -> None:
    path = f"/api/v1/compliance?by={by}"
    populated.get(path, who="acme")  # the records view is loaded, with T1 under acme
    t2_clocks = len(_judged_clocks(populated, "T2"))
    move(populated, "T1", "globex")

    def read() -> Any:
        return populated.get(path, who="acme").json()

    got = same_before_and_after_the_recompute(populated, read)
    total = got["total"]
    assert total["met"] + total["breached"] + total["open"] == t2_clocks
    mine = populated.get("/api/v1/compliance?by=customer", who="globex").json()
    assert {g["key"] for g in mine["groups"]} == {"globex"}


def _judged_clocks(api: Api, ticket: str) -> list[dict[str, Any]]:
    clocks = api.get(f"/api/v1/tickets/{ticket}").json()["clocks"]
    return [c for c in clocks if c["target"] is not None and c["state"] != "cancelled"]


# ---------------------------------------------------------------- alerts


def test_alerts_about_a_moved_ticket_are_read_by_its_current_customer_only(
    populated: Api,
) -> None:
    t1 = populated.store.claim_alert(sla_alert("T1", "acme"), now=T0)
    t2 = populated.store.claim_alert(sla_alert("T2", "acme"), now=T0)
    assert t1 is not None and t2 is not None
    move(populated, "T1", "globex")
    for path in ("/api/v1/alerts", "/api/v1/alerts?customer=acme", "/api/v1/alerts?limit=1"):
        res = populated.get(path, who="acme")
        assert res.status_code == 200, res.text
        assert t1.id not in [a["id"] for a in res.json()["items"]]
    assert populated.get(f"/api/v1/alerts/{t1.id}", who="acme").status_code == 404
    assert populated.get(f"/api/v1/alerts/{t2.id}", who="acme").status_code == 200
    theirs = populated.get("/api/v1/alerts", who="globex").json()["items"]
    assert [a["id"] for a in theirs] == [t1.id]
    assert populated.get(f"/api/v1/alerts/{t1.id}", who="globex").status_code == 200


def test_alert_pages_are_checked_against_the_tickets_current_customers(
    populated: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store whose filter lags (an entry stored for acme, its ticket moved since): the read
    # still shows acme nothing about a ticket that is not acme's now
    t1 = populated.store.claim_alert(sla_alert("T1", "acme"), now=T0)
    assert t1 is not None
    move(populated, "T1", "globex")
    store = populated.store
    monkeypatch.setattr(store, "list_alerts", lambda q: [store.get_alert(t1.id)])
    assert populated.get("/api/v1/alerts", who="acme").json()["items"] == []


# ---------------------------------------------------------------- read-time re-checks


@pytest.mark.parametrize(
    "path", ["/api/v1/tickets", "/api/v1/at-risk", "/api/v1/at-risk?format=csv"]
)
def test_every_page_is_checked_against_the_current_customer_of_its_tickets(
    populated: Api, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store that ignores the customer filter: the page still carries acme's tickets only
    store = populated.store
    find, clocks = store.find_tickets, store.open_clocks
    monkeypatch.setattr(store, "find_tickets", lambda q: find(type(q)(now=q.now, limit=q.limit)))
    monkeypatch.setattr(store, "open_clocks", lambda q: clocks(type(q)(now=q.now, limit=q.limit)))
    move(populated, "T1", "globex")
    got = ids_of(populated.get(path, who="acme"))
    assert got and set(got) == {"T2"}


# ---------------------------------------------------------------- figures from snapshots


class _Held:
    """Refreshes scheduled by the snapshots, never run: a stale snapshot stays stale."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def __call__(self, _not_before: float, job: Job) -> None:
        self.jobs.append(job)


def _expensive_snapshots(api: Api) -> _Held:
    """Every snapshot counts as expensive and its refresh waits: a changed store is served
    the last snapshot, as a large store is while the background refresh runs."""
    held = _Held()
    runtime = api.runtime

    def stamp() -> tuple[int, ...]:
        return (*runtime.store.change_stamp(), runtime.recomputer.recomputed)

    runtime.snapshots = Snapshots(
        stamp=stamp, clock=runtime.clock, cheap=0.0, background=True, schedule=held
    )
    return held


def test_kpi_figures_served_to_a_customer_never_include_a_ticket_moved_away(
    populated: Api,
) -> None:
    held = _expensive_snapshots(populated)
    path = "/api/v1/kpis/values?kpi=tickets_created&by=customer&grain=day&periods=1"

    def created_count(who: str) -> Any:
        res = populated.get(path, who=who)
        assert res.status_code == 200, res.text
        return sum(r["value"] or 0 for r in res.json()["values"])

    assert created_count("acme") == 2
    move(populated, "T1", "globex")
    assert created_count("acme") == 1
    assert held.jobs == []  # computed again in the request, not served stale
    # an unscoped caller, or a customer nothing moved away from, may be served it stale
    before = created_count("globex")
    populated.send(created("e9", "T9", 36, status="new", customer="initech"))
    assert created_count("globex") == before and len(held.jobs) == 1


@pytest.fixture
def contracted(tmp_path: Path) -> Any:
    a = make_api(tmp_path, config={**CONFIG, "contracts.yaml": CONTRACTS})
    a.send(
        created("a1", "A1", 0, status="new", priority="high", customer="acme"),
        reply("a2", "A1", 30),  # met
        created("a3", "A2", 10, status="new", priority="high", customer="acme"),
        reply("a4", "A2", 130),  # breached: first response after 2 hours against 1 hour
        created("g1", "G1", 0, status="new", customer="globex"),
    )
    a.clock.now = T0 + 150 * 60
    a.drain()
    try:
        yield a
    finally:
        a.store.close()


def _breaches(api: Api, who: str, path: str = "statement") -> list[str]:
    res = api.get(f"/api/v1/customers/acme/{path}?period=2026-03", who=who)
    assert res.status_code == 200, res.text
    return [b["ticket_id"] for o in res.json()["objectives"] for b in o["breaches"]]


def test_a_customers_statement_never_counts_a_ticket_moved_away(contracted: Api) -> None:
    assert _breaches(contracted, "acme") == ["A2"]
    move(contracted, "A2", "globex", minutes=140)
    got = same_before_and_after_the_recompute(contracted, lambda: _breaches(contracted, "acme"))
    assert got == []


def test_a_customers_statement_snapshot_is_never_served_after_a_ticket_moved_away(
    contracted: Api,
) -> None:
    held = _expensive_snapshots(contracted)
    assert _breaches(contracted, "acme") == ["A2"]
    budget = contracted.get("/api/v1/customers/acme/budget", who="acme").json()
    assert budget["objectives"][0]["budget"]["used"] == 1
    move(contracted, "A2", "globex", minutes=140)
    assert _breaches(contracted, "acme") == []
    budget = contracted.get("/api/v1/customers/acme/budget", who="acme").json()
    assert budget["objectives"][0]["budget"]["used"] == 0
    assert held.jobs == []


def test_the_statement_documents_never_count_a_ticket_moved_away(contracted: Api) -> None:
    move(contracted, "A2", "globex", minutes=140)
    html = contracted.get("/api/v1/customers/acme/statement.html?period=2026-03", who="acme")
    assert html.status_code == 200, html.text
    assert "A2" not in html.text and "A1" not in html.text  # no breach left to name
    pdf = contracted.get("/api/v1/customers/acme/statement.pdf?period=2026-03", who="acme")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "A2" not in text


def test_the_statement_document_of_a_customer_without_contract_never_counts_a_ticket_moved_away(
    populated: Api,
) -> None:
    path = "/api/v1/customers/acme/statement.html?period=2026-03"
    populated.get(path, who="acme")  # the records view is loaded, with T1 under acme
    move(populated, "T1", "globex")
    # acme's compliance by metric and priority: T2's clocks alone, as after the recompute
    same_before_and_after_the_recompute(populated, lambda: populated.get(path, who="acme").text)


def test_a_guard_that_changed_is_never_served_even_stale() -> None:
    held = _Held()
    guard: list[Hashable] = [0]
    calls: list[int] = []
    snaps = Snapshots(
        stamp=lambda: (len(calls),), clock=lambda: 0, cheap=0.0, background=True, schedule=held
    )

    def compute(_at: int) -> int:
        calls.append(guard[0])  # type: ignore[arg-type]
        return len(calls)

    assert snaps.get(("k",), compute, lambda: guard[0]).value == 1
    assert snaps.get(("k",), compute, lambda: guard[0]).value == 1  # stale, served
    assert len(held.jobs) == 1
    guard[0] = 1
    assert snaps.get(("k",), compute, lambda: guard[0]).value == 2  # computed in the request
