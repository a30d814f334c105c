"""Leaks: two customers' read tokens read every GET route of the OpenAPI document (and the
dashboard's pages, signed in) while tickets move between customers, and no answer may carry
another customer's ticket.

Each round stores a backlog of events for the background recompute, then moves tickets (an
``updated`` event setting a new ``customer``) and, as soon as the moves are acknowledged,
reads everything with both customers' tokens. What counts as a leak, in an answer to customer
C's token:

- the id of a ticket whose current customer (after every acknowledged move) is not C;
- the name of the third customer, ``initech``, whose tickets never move to C (a ticket moved
  from the other token's customer to C legitimately carries its former customer's name in its
  own history, so those two names are checked through the ticket ids);

unless the string is part of the request's own URL (a 404 may name what was asked). The
OpenAPI document and the API docs pages are the same for everyone and are not read.
"""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .deployment import CUSTOMERS, THIRD, Deployment
from .tally import Tally

# The dashboard's pages (docs/dashboard.md); ``{customer}`` and ``{ticket_id}`` are filled.
DASHBOARD = (
    "/",
    "/overview",
    "/at-risk",
    "/alerts",
    "/compliance",
    "/customers",
    "/customers/{customer}",
    "/tickets/{ticket_id}",
    "/failures",
    "/review",
)
_STATIC = ("/openapi.json", "/docs", "/redoc")


def iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class World:
    """Which customer owns each ticket, as of the last acknowledged move."""

    start: float
    owner: dict[str, str] = field(default_factory=dict)
    moves: int = 0
    seq: itertools.count[int] = field(default_factory=itertools.count)

    def owned_by(self, customer: str) -> list[str]:
        return sorted(t for t, c in self.owner.items() if c == customer)

    def forbidden(self, reader: str) -> set[str]:
        return {t for t, c in self.owner.items() if c != reader} | {THIRD}


def _created(world: World, ticket: str, customer: str, minutes_ago: float) -> dict[str, Any]:
    return {
        "event_id": f"{ticket}-created",
        "ticket_id": ticket,
        "ts": iso(world.start - minutes_ago * 60),
        "kind": "created",
        "actor": "customer",
        "fields": {"customer": customer, "priority": "urgent", "status": "new"},
    }


def _move(world: World, ticket: str, to: str) -> dict[str, Any]:
    n = next(world.seq)
    return {
        "event_id": f"{ticket}-move-{n}",
        "ticket_id": ticket,
        # later than every earlier move, and in the past: the latest by time wins
        "ts": iso(world.start - 1800 + n),
        "kind": "updated",
        "fields": {"customer": to},
    }


def post_events(dep: Deployment, tally: Tally, rows: list[dict[str, Any]]) -> None:
    res = httpx.post(
        f"{dep.server.url}/api/v1/events", json=rows, headers=dep.auth("write"), timeout=120
    )
    tally.answered("POST /api/v1/events (leak set-up)", res)
    res.raise_for_status()
    statuses = {r["status"] for r in res.json()["results"]}
    if statuses - {"accepted", "duplicate"}:
        raise RuntimeError(f"the probe's own events were refused: {res.text[:500]}")


def seed(dep: Deployment, tally: Tally, tickets: int) -> World:
    """``tickets`` tickets for each customer and as many for the third, created 40 to 50
    minutes ago as urgent (the demo's Gold urgent policy: breached and at-risk clocks, so the
    alert log gets entries)."""
    world = World(start=time.time())
    rows = []
    for n in range(tickets):
        for k, customer in enumerate((*CUSTOMERS, THIRD)):
            ticket = f"PRB-{k}{n:04d}"
            world.owner[ticket] = customer
            rows.append(_created(world, ticket, customer, 40 + (n % 10)))
            if n % 3 == 0:  # some answered: met first responses too
                rows.append(
                    {
                        "event_id": f"{ticket}-reply",
                        "ticket_id": ticket,
                        "ts": iso(world.start - 35 * 60),
                        "kind": "message",
                        "actor": "agent",
                        "public": True,
                    }
                )
    post_events(dep, tally, rows)
    return world


def wait_for_alerts(dep: Deployment, limit: float = 60.0) -> list[dict[str, Any]]:
    """The alert log once the alert loop has raised alerts about the seeded tickets."""
    deadline = time.monotonic() + limit
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        res = httpx.get(
            f"{dep.server.url}/api/v1/alerts",
            params={"limit": 500},
            headers=dep.auth("admin"),
            timeout=60,
        )
        items = res.json().get("items", []) if res.status_code == 200 else []
        if set(CUSTOMERS) <= {a.get("customer") for a in items}:
            return items
        time.sleep(0.5)
    return items


def backlog(dep: Deployment, tally: Tally, world: World, n: int) -> None:
    """``n`` updates to the third customer's tickets: work queued for the recompute."""
    theirs = world.owned_by(THIRD) or sorted(world.owner)
    rows = []
    for i in range(n):
        ticket = theirs[i % len(theirs)]
        rows.append(
            {
                "event_id": f"{ticket}-note-{next(world.seq)}",
                "ticket_id": ticket,
                "ts": iso(world.start - 1200 + i % 600),
                "kind": "message",
                "actor": "customer",
                "public": True,
            }
        )
    post_events(dep, tally, rows)


def move_some(dep: Deployment, tally: Tally, world: World, per_customer: int) -> list[str]:
    """Move ``per_customer`` tickets of each token's customer: to the other one, and one of
    them to the third customer."""
    rows, moved = [], []
    for k, customer in enumerate(CUSTOMERS):
        other = CUSTOMERS[1 - k]
        for i, ticket in enumerate(world.owned_by(customer)[:per_customer]):
            to = THIRD if i == 0 else other
            rows.append(_move(world, ticket, to))
            moved.append((ticket, to))
    post_events(dep, tally, rows)  # acknowledged: every read from now on must see the move
    for ticket, to in moved:
        world.owner[ticket] = to
    world.moves += len(moved)
    return [t for t, _ in moved]


# ------------------------------------------------------------------------------ the walk


@dataclass
class Read:
    route: str  # the route template and variant, as counted
    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def get_routes(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, ops["get"])
        for path, ops in doc["paths"].items()
        if "get" in ops and path not in _STATIC
    ]


def _fills(name: str, reader: str, world: World, ctx: dict[str, list[str]]) -> list[str]:
    if name == "ticket_id":
        own = world.owned_by(reader)[:2]
        others = sorted(world.forbidden(reader) - {THIRD})[:2]
        return own + others
    if name == "customer":
        return [reader, CUSTOMERS[1 - CUSTOMERS.index(reader)], THIRD]
    return ctx.get(name, ["1"])


def reads_of(
    path: str, op: dict[str, Any], reader: str, world: World, ctx: dict[str, list[str]]
) -> Iterator[Read]:
    """Every read of one route: path parameters filled with real ids (the reader's, and
    other customers'), each ``format`` the route offers, and the ``customer`` filter set to
    another customer."""
    params = op.get("parameters", [])
    names = [p["name"] for p in params if p["in"] == "path"]
    query = {p["name"]: p for p in params if p["in"] == "query"}
    base: dict[str, str] = {}
    if query.get("period", {}).get("required"):
        base["period"] = datetime.now(UTC).strftime("%Y-%m")
    if "limit" in query:
        base["limit"] = "500"
    if "aht" in query:  # the probe's tickets hold no handle times to learn it from
        base["aht"] = "5m"
    formats = query.get("format", {}).get("schema", {}).get("enum") or [None]
    fillings = itertools.product(*(_fills(n, reader, world, ctx) for n in names))
    for values in fillings:
        concrete = path
        for name, value in zip(names, values, strict=True):
            concrete = concrete.replace("{" + name + "}", value)
        for fmt in formats:
            extra = {"format": fmt} if fmt else {}
            yield Read(f"GET {path}" + (f" ({fmt})" if fmt else ""), concrete, base | extra)
        if "customer" in query and not names:
            other = CUSTOMERS[1 - CUSTOMERS.index(reader)]
            yield Read(f"GET {path}", concrete, base | {"customer": other})
        if "by" in query and path.endswith(("/compliance", "/kpis/values")):
            yield Read(f"GET {path}", concrete, base | {"by": "customer"})


def dashboard_reads(reader: str, world: World) -> Iterator[Read]:
    for page in DASHBOARD:
        names = [n for n in ("customer", "ticket_id") if "{" + n + "}" in page]
        for values in itertools.product(*(_fills(n, reader, world, {}) for n in names)):
            concrete = page
            for name, value in zip(names, values, strict=True):
                concrete = concrete.replace("{" + name + "}", value)
            yield Read(f"GET {page} (dashboard)", concrete, {})


def text_of(res: httpx.Response) -> str:
    if res.headers.get("content-type", "").startswith("application/pdf"):
        from pypdf import PdfReader  # only the statement documents need it

        reader = PdfReader(io.BytesIO(res.content))
        return res.text + "\n".join(page.extract_text() or "" for page in reader.pages)
    return res.text


def scan(http: httpx.Client, tally: Tally, reader: str, world: World, read: Read, via: str) -> None:
    t0 = time.perf_counter()
    res = http.get(read.path, params=read.params, headers=read.headers)
    tally.slowest.append((time.perf_counter() - t0, read.route))
    label = f"{read.route} as {reader} ({via}) {res.request.url.raw_path.decode()}"
    tally.answered(label, res)
    tally.routes.add(read.route.split(" (")[0])
    tally.variants.add(read.route)
    tally.statuses[res.status_code] = tally.statuses.get(res.status_code, 0) + 1
    tally.reads += 1
    asked = str(res.request.url)
    text = text_of(res)
    found = sorted(s for s in world.forbidden(reader) if s in text and s not in asked)
    if res.status_code == 400:
        tally.notes.append(f"400: {label}: {res.text[:160]}")
    if found:
        tally.add("leaks", f"{label}: {res.status_code} carries {', '.join(found[:5])}")


def context(dep: Deployment) -> dict[str, list[str]]:
    """Real ids for the path parameters that are not tickets or customers."""
    admin = dep.auth("admin")
    url = dep.server.url
    kpis = httpx.get(f"{url}/api/v1/kpis", headers=admin, timeout=60).json()["kpis"]
    alerts = httpx.get(
        f"{url}/api/v1/alerts", params={"limit": 500}, headers=admin, timeout=60
    ).json()["items"]
    job = httpx.post(f"{url}/api/v1/recompute", headers=admin, timeout=60)
    job_id = job.headers.get("location", "/1").rsplit("/", 1)[-1]
    # an alert about a ticket of each customer, when there is one
    by_customer: dict[str, str] = {}
    for a in alerts:
        by_customer.setdefault(str(a.get("customer")), str(a["id"]))
    # the contracts' objectives: each customer's clocks behind them, read by every customer
    contracts = httpx.get(f"{url}/api/v1/contracts", headers=admin, timeout=60).json()["items"]
    objectives = sorted({o for c in contracts for o in c.get("objectives") or {}})
    return {
        "name": [kpis[0]["name"]] if kpis else ["first_response_median"],
        "alert_id": sorted(by_customer.values()) or ["1"],
        "job_id": [job_id],
        "objective": objectives or ["first_response"],
    }


def walk(
    dep: Deployment,
    tally: Tally,
    world: World,
    doc: dict[str, Any],
    ctx: dict[str, list[str]],
    *,
    round_no: int,
) -> None:
    """Both customers read every route once: one with its bearer token, the other signed in
    to the dashboard (its cookie), swapping each round; the signed-in one reads the pages."""
    for k, reader in enumerate(CUSTOMERS):
        cookie = (k + round_no) % 2 == 1
        token = dep.tokens[reader]
        with httpx.Client(base_url=dep.server.url, timeout=300) as http:
            if cookie:
                res = http.post("/signin", data={"token": token})
                tally.answered("POST /signin", res)
                via = "dashboard sign-in"
            else:
                http.headers["Authorization"] = f"Bearer {token}"
                via = "bearer"
            for path, op in get_routes(doc):
                for read in reads_of(path, op, reader, world, ctx):
                    scan(http, tally, reader, world, read, via)
            if cookie:
                for read in dashboard_reads(reader, world):
                    scan(http, tally, reader, world, read, via)
            blind(http, tally, reader, world, via)


def blind(http: httpx.Client, tally: Tally, reader: str, world: World, via: str) -> None:
    """The other half of isolation: the reader's list holds every ticket it owns now (those
    moved in included), so a route cannot pass the leak check by hiding everything."""
    res = http.get("/api/v1/tickets", params={"limit": 500, "customer": reader})
    tally.answered(f"GET /api/v1/tickets as {reader}", res)
    listed = {t["ticket_id"] for t in res.json()["items"]} if res.status_code == 200 else set()
    missing = sorted(set(world.owned_by(reader)) - listed)
    if missing:
        tally.add("hidden", f"{reader} ({via}): its own {', '.join(missing[:5])} not listed")


def run(dep: Deployment, tally: Tally, *, tickets: int, rounds: int, backlog_events: int) -> None:
    world = seed(dep, tally, tickets)
    t0 = time.monotonic()
    alerts = wait_for_alerts(dep)
    tally.notes.append(f"{len(alerts)} alerts after {time.monotonic() - t0:.1f} s")
    doc = httpx.get(f"{dep.server.url}/openapi.json", timeout=60).json()
    ctx = context(dep)
    for n in range(rounds):
        backlog(dep, tally, world, backlog_events)
        move_some(dep, tally, world, per_customer=2)
        walk(dep, tally, world, doc, ctx, round_no=n)
    tally.notes.append(
        f"leaks: {len(world.owner)} tickets, {world.moves} moves in {rounds} rounds, "
        f"{backlog_events} backlog events a round"
    )
