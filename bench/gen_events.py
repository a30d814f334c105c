"""A seeded, vectorised generator of a large helpdesk event log, shaped like the demo's
(``accord.demo.generate``) but built with numpy so that ten million events take seconds.

Every ticket follows the demo's story — created, the request message, assignment, a first
reply, zero to three exchanges with the customer (pending, answer, open, reply), sometimes a
priority change, an escalation to platform with a tag, an on-hold period, a solve, a reopen,
a rating and the closing — with log-normal delays. The customers, priorities, teams, status
names and custom fields are the demo's, so the demo configuration (``demo/config``) applies:
five policies with versions on three calendars (New York and Berlin hours with public
holidays, and 24x7). About 2 % of the events arrive late, and the file is written in arrival
order, as a helpdesk export is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from accord.demo.generate import AGENTS, CUSTOMERS, HOME_TEAM, PRIORITIES

MIN, HOUR, DAY = 60, 3600, 86400

# one slot per possible event of a story, in story order
SLOTS = (
    "created", "request", "assign", "note", "priority", "escalate", "first_reply",
    "pending1", "answer1", "open1", "reply1",
    "pending2", "answer2", "open2", "reply2",
    "pending3", "answer3", "open3", "reply3",
    "hold", "back", "solve", "reopen_msg", "reopen", "reopen_reply", "resolve2",
    "rating", "close", "delete",
)  # fmt: skip
_S = {name: i for i, name in enumerate(SLOTS)}


@dataclass(frozen=True)
class Log:
    table: pa.Table
    tickets: int


def _lognormal(rng: np.random.Generator, median: float, sigma: float, size: tuple[int, ...]):  # type: ignore[no-untyped-def]
    return np.exp(rng.normal(np.log(median), sigma, size))


SIMPLE_END = 1_774_994_400
"""The end of the simple case's log: 2026-03-31T22:00:00Z (18:00 in New York)."""
SIMPLE_DAYS = 60
"""The simple case's log covers the 60 days from 30 January 2026 on: across Presidents' Day
(16 February, a US federal holiday) and New York's change to summer time (8 March)."""


def generate_simple(events: int, *, seed: int = 7) -> Log:
    """The log of the simple case (``bench/simple_config``, issue 21): the same stories, over
    a window that crosses a DST change and a holiday of its calendar. Judge it at
    :data:`SIMPLE_END`."""
    return generate(events, seed=seed, end=SIMPLE_END, days=SIMPLE_DAYS)


def generate(events: int, *, seed: int = 7, end: int = 1_782_842_400, days: int = 90) -> Log:
    """About ``events`` events (tickets are added at ~10 events each) ending before ``end``."""
    rng = np.random.default_rng(seed)
    tickets = max(1, int(events / 11.6))  # the stories average 11.6 events
    n_slots = len(SLOTS)
    start = end - days * DAY

    weights = np.array([c.weight for c in CUSTOMERS], dtype=float)
    cust = rng.choice(len(CUSTOMERS), size=tickets, p=weights / weights.sum())
    tier = np.array([{"gold": 0, "silver": 1, "standard": 2}[c.tier] for c in CUSTOMERS])[cust]
    region_eu = np.array([c.region == "eu" for c in CUSTOMERS])[cust]
    shares = np.array([(6, 22, 52, 20), (4, 18, 56, 22), (2, 14, 60, 24)], dtype=float)
    u = rng.random(tickets)
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)[tier]
    prio = (u[:, None] > cum).sum(axis=1).clip(0, 3)

    # what happens in each story
    inc = np.zeros((tickets, n_slots), dtype=bool)
    inc[:, _S["created"]] = True
    inc[:, _S["request"]] = True
    inc[:, _S["assign"]] = True
    inc[:, _S["note"]] = rng.random(tickets) < 0.2
    inc[:, _S["priority"]] = rng.random(tickets) < 0.07
    inc[:, _S["escalate"]] = rng.random(tickets) < 0.08
    inc[:, _S["first_reply"]] = True
    exchanges = rng.choice(4, size=tickets, p=[0.3, 0.35, 0.22, 0.13])
    for k in range(1, 4):
        on = exchanges >= k
        for part in ("pending", "answer", "open", "reply"):
            inc[:, _S[f"{part}{k}"]] = on
    held = rng.random(tickets) < 0.12
    inc[:, _S["hold"]] = held
    inc[:, _S["back"]] = held
    solved = rng.random(tickets) < 0.95
    inc[:, _S["solve"]] = solved
    reopened = solved & (rng.random(tickets) < 0.06)
    for s in ("reopen_msg", "reopen", "reopen_reply", "resolve2"):
        inc[:, _S[s]] = reopened
    inc[:, _S["rating"]] = solved & (rng.random(tickets) < 0.3)
    inc[:, _S["close"]] = solved
    deleted = rng.random(tickets) < 0.003
    inc[deleted, 2:] = False
    inc[deleted, _S["delete"]] = True

    # delays between consecutive events of a story (seconds)
    delay = np.zeros((tickets, n_slots), dtype=np.int64)
    size = (tickets, n_slots)
    base = _lognormal(rng, 2 * HOUR, 1.0, size)
    delay[:] = base.astype(np.int64) + 60
    delay[:, _S["request"]] = rng.integers(1, 6, tickets)
    delay[:, _S["note"]] = rng.integers(2, 30, tickets) * MIN
    delay[:, _S["rating"]] = _lognormal(rng, HOUR, 1.0, (tickets,)).astype(np.int64) + 60
    delay[:, _S["close"]] = 4 * DAY
    for k in range(1, 4):
        delay[:, _S[f"pending{k}"]] = 1
        delay[:, _S[f"open{k}"]] = 1
    delay[:, _S["back"]] = _lognormal(rng, 1.5 * DAY, 0.8, (tickets,)).astype(np.int64)
    delay[:, _S["reopen"]] = 1
    delay[:, _S["delete"]] = rng.integers(5, 90, tickets) * MIN

    t0 = start + rng.integers(0, days * DAY, tickets)
    offsets = np.cumsum(np.where(inc, delay, 0), axis=1)
    offsets -= offsets[:, :1]
    ts = t0[:, None] + offsets

    keep = inc & (ts <= end)
    tix, slot = np.nonzero(keep)
    ts_flat = ts[tix, slot]
    n = tix.size

    # field values
    team_home = np.array([HOME_TEAM[c.region] for c in CUSTOMERS])[cust]
    agents_us, agents_eu = AGENTS["support-us"], AGENTS["support-eu"]
    agent_pick = rng.integers(0, 4, tickets)
    assignee = np.where(
        region_eu,
        np.array(agents_eu, dtype=object)[agent_pick % len(agents_eu)],
        np.array(agents_us, dtype=object)[agent_pick % len(agents_us)],
    )
    platform = np.array(AGENTS["platform"], dtype=object)[rng.integers(0, 3, tickets)]
    channel = np.array(["email", "web", "chat", "phone"], dtype=object)[
        rng.choice(4, size=tickets, p=[0.45, 0.3, 0.15, 0.1])
    ]
    type_ = np.array(["question", "incident", "problem", "task"], dtype=object)[
        rng.choice(4, size=tickets, p=[0.45, 0.3, 0.1, 0.15])
    ]
    product = np.array(["portal", "api", "mobile", "billing"], dtype=object)[
        rng.integers(0, 4, tickets)
    ]
    prio_names = np.array(PRIORITIES, dtype=object)
    new_prio = prio_names[np.clip(prio + np.where(rng.random(tickets) < 0.6, -1, 1), 0, 3)]

    kind = np.full(n, "updated", dtype=object)
    actor = np.full(n, "agent", dtype=object)
    public = np.full(n, None, dtype=object)
    status = np.full(n, None, dtype=object)
    priority = np.full(n, None, dtype=object)
    customer = np.full(n, None, dtype=object)
    team = np.full(n, None, dtype=object)
    assignee_col = np.full(n, None, dtype=object)
    chan = np.full(n, None, dtype=object)
    typ = np.full(n, None, dtype=object)
    tags = np.full(n, None, dtype=object)
    f_product = np.full(n, None, dtype=object)
    f_region = np.full(n, None, dtype=object)
    rating = np.full(n, None, dtype=object)

    def at(name: str) -> np.ndarray:
        hit: np.ndarray = slot == _S[name]
        return hit

    c = at("created")
    kind[c] = "created"
    actor[c] = "customer"
    status[c] = "New"
    priority[c] = prio_names[prio[tix[c]]]
    customer[c] = np.array([x.name for x in CUSTOMERS], dtype=object)[cust[tix[c]]]
    team[c] = team_home[tix[c]]
    chan[c] = channel[tix[c]]
    typ[c] = type_[tix[c]]
    vip = tier[tix[c]] == 0
    tags[c] = np.where(vip, product[tix[c]] + ";vip", product[tix[c]])
    f_product[c] = product[tix[c]]
    f_region[c] = np.where(region_eu[tix[c]], "eu", "us")
    for name, who, pub in (
        ("request", "customer", True), ("note", "agent", False), ("first_reply", "agent", True),
        ("answer1", "customer", True), ("answer2", "customer", True), ("answer3", "customer", True),
        ("reply1", "agent", True), ("reply2", "agent", True), ("reply3", "agent", True),
        ("reopen_msg", "customer", True), ("reopen_reply", "agent", True),
    ):  # fmt: skip
        m = at(name)
        kind[m] = "message"
        actor[m] = who
        public[m] = pub
    m = at("assign")
    assignee_col[m] = assignee[tix[m]]
    status[m] = "Open"
    actor[m] = np.where(rng.random(int(m.sum())) < 0.35, "system", "agent")
    m = at("priority")
    priority[m] = new_prio[tix[m]]
    m = at("escalate")
    team[m] = "platform"
    assignee_col[m] = platform[tix[m]]
    tags[m] = np.where(
        tier[tix[m]] == 0, product[tix[m]] + ";vip;escalated", product[tix[m]] + ";escalated"
    )
    for k in range(1, 4):
        status[at(f"pending{k}")] = "Awaiting customer"
        m = at(f"open{k}")
        status[m] = "Open"
        actor[m] = "system"
    status[at("hold")] = "Waiting on vendor"
    status[at("back")] = "Open"
    status[at("solve") | at("resolve2")] = "Solved"
    m = at("reopen")
    status[m] = "Open"
    actor[m] = "system"
    m = at("rating")
    kind[m] = "rating"
    actor[m] = "customer"
    rating[m] = np.where(rng.random(int(m.sum())) < 0.15, "bad", "good")
    m = at("close")
    status[m] = "Closed"
    actor[m] = "system"
    kind[at("delete")] = "deleted"

    # arrival order: by time, a few events late
    arrival = ts_flat + np.where(
        (rng.random(n) < 0.02) & (slot != _S["created"]), rng.integers(5 * MIN, 6 * HOUR, n), 0
    )
    order = np.lexsort((slot, tix, arrival))
    ticket_id = (tix + 10001).astype(str).astype(object)
    event_id = np.char.add(np.char.add(ticket_id.astype(str), "-"), slot.astype(str)).astype(object)

    def col(values: np.ndarray, typ: pa.DataType = pa.string()) -> pa.Array:
        return pa.array(values[order], type=typ)

    table = pa.table(
        {
            "event_id": col(event_id),
            "ticket_id": col(ticket_id),
            "ts": pa.array(ts_flat[order], pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "kind": col(kind),
            "actor": col(actor),
            "public": col(public, pa.bool_()),
            "status": col(status),
            "priority": col(priority),
            "customer": col(customer),
            "team": col(team),
            "assignee": col(assignee_col),
            "channel": col(chan),
            "type": col(typ),
            "tags": col(tags),
            "rating": col(rating),
            "field.product": col(f_product),
            "field.region": col(f_region),
        }
    )
    return Log(table, tickets)
