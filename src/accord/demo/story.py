"""Every demo ticket's life, simulated for all tickets at once with numpy.

One step of the story (a status change, a reply, a note) is one array operation over the
tickets it applies to (a mask), so the cost per event is a few array elements, not a Python
object. The story is the helpdesk of :mod:`accord.demo.generate`: creation (by the customer, or
by the agent who took a phone call), routing to the home team, assignment, a first reply, up to
eight exchanges (waiting on the customer, on a vendor, internal work), priority changes,
escalations and hand-overs, investigations with public updates on urgent tickets, solves,
reopens, ratings and the closing; agents work their team's hours (Gold urgent around the clock).

Each call to :meth:`Stories.emit` is one *slot*: a ticket's events are in story order when
sorted by slot, and their instants strictly increase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accord.demo import catalog as c
from accord.demo.worktime import DAY, HOUR, LocalTime, WorkTable, hour_of, weekday_of

MINUTE = 60
I64 = NDArray[np.int64]
Mask = NDArray[np.bool_]
Codes = NDArray[np.int8]
Value = int | I64

_MAX_EXCHANGES = 8
_SPAM_SHARE = 0.003


@dataclass(slots=True)
class World:
    """The calendars and zones the stories run on, between ``start`` and ``end``."""

    start: int
    end: int
    work: tuple[WorkTable, WorkTable]  # by region: us, eu
    local: tuple[LocalTime, LocalTime]
    arrivals: tuple[tuple[I64, NDArray[np.float64]], ...]  # by region: hour starts, cumulative


@dataclass(slots=True)
class Chunk:
    tickets: I64
    slot: int
    ts: I64
    kind: int
    actor: Codes
    public: int
    fields: dict[str, Codes] = field(default_factory=dict)


class Stories:
    """The simulation of ``n`` tickets; :attr:`chunks` holds what was emitted."""

    def __init__(self, rng: np.random.Generator, world: World, n: int) -> None:
        self.rng, self.world, self.n = rng, world, n
        self.t = np.zeros(n, dtype=np.int64)
        self.count = np.zeros(n, dtype=np.int64)
        self.chunks: list[Chunk] = []
        self.slot = 0
        weights = np.array([x.weight for x in c.CUSTOMERS])
        self.customer = rng.choice(len(c.CUSTOMERS), size=n, p=weights / weights.sum())
        self.tier = c.TIER_OF_CUSTOMER[self.customer]
        self.region = c.REGION_OF_CUSTOMER[self.customer]
        cum = np.cumsum(c.PRIORITY_SHARES / c.PRIORITY_SHARES.sum(1, keepdims=True), axis=1)
        self.priority = (self.rng.random(n)[:, None] >= cum[self.tier]).sum(1).clip(0, 3)
        self.home = self.region.copy()  # team codes 0 and 1 are the regions' support teams
        self.team = self.home.copy()
        self.assignee = np.full(n, -1, dtype=np.int64)
        self.escalated = np.zeros(n, dtype=bool)
        self.held = np.zeros(n, dtype=bool)
        self.investigated = np.zeros(n, dtype=bool)
        self.type = np.zeros(n, dtype=np.int64)
        self.tags = np.zeros(n, dtype=np.int64)
        self._clock_of: I64 | None = None
        self._24x7: Mask = np.zeros(n, dtype=bool)

    # -- helpers

    def emit(
        self, m: Mask, ts: Value, kind: int, actor: Value, public: int = -1, **fields: Value
    ) -> None:
        """One slot: an event for every ticket in ``m``, at ``ts`` or just after the ticket's
        previous event (a ticket's instants strictly increase)."""
        self.slot += 1
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return
        at = ts[idx] if isinstance(ts, np.ndarray) else np.full(idx.size, ts, dtype=np.int64)
        at = np.where(self.count[idx] == 0, at, np.maximum(at, self.t[idx] + 1))
        self.t[idx] = at
        self.count[idx] += 1
        # codes as bytes (every list of names is short): a quarter of the memory traffic
        who = (actor[idx] if isinstance(actor, np.ndarray) else np.full(idx.size, actor)).astype(
            np.int8
        )
        values = {
            name: (v[idx] if isinstance(v, np.ndarray) else np.full(idx.size, v)).astype(np.int8)
            for name, v in fields.items()
        }
        self.chunks.append(Chunk(idx, self.slot, at, kind, who, public, values))

    # Random draws are made for the tickets in the mask only (0 or False elsewhere): late in
    # the story few tickets are left, and a draw for every ticket would cost as much as at
    # the start.

    def ints(self, m: Mask, low: int, high: int) -> I64:
        """Uniform integers in ``[low, high]`` (both included) for the tickets in ``m``."""
        out = np.zeros(self.n, dtype=np.int64)
        idx = np.flatnonzero(m)
        out[idx] = self.rng.integers(low, high + 1, idx.size)
        return out

    def chance(self, m: Mask, p: float | NDArray[np.float64]) -> Mask:
        """The tickets of ``m`` for which an event of probability ``p`` happens."""
        out = np.zeros(self.n, dtype=bool)
        idx = np.flatnonzero(m)
        odds = p[idx] if isinstance(p, np.ndarray) else p
        out[idx] = self.rng.random(idx.size) < odds
        return out

    def lognormal(self, m: Mask, median: float | NDArray[np.float64], sigma: float) -> I64:
        """Log-normal whole seconds (or shares, scaled by the caller) for the tickets in ``m``."""
        out = np.zeros(self.n, dtype=np.float64)
        idx = np.flatnonzero(m)
        mid = median[idx] if isinstance(median, np.ndarray) else median
        out[idx] = np.exp(self.rng.normal(np.log(mid), sigma, idx.size))
        return out  # type: ignore[return-value]

    def share(self, m: Mask, which: int, median: float, sigma: float = 0.75) -> I64:
        """A log-normal share of a goal: most work lands well inside it, a tail overruns."""
        out = np.zeros(self.n, dtype=np.int64)
        idx = np.flatnonzero(m)
        goal = c.GOALS[self.tier[idx], self.priority[idx], which]
        out[idx] = goal * np.exp(self.rng.normal(np.log(median), sigma, idx.size))
        return out

    def around_the_clock(self) -> Mask:
        # Gold urgent tickets are worked by the on-call rota (the 24x7 calendar); kept until
        # the priority changes
        if self._clock_of is not self.priority:
            self._clock_of = self.priority
            self._24x7 = (self.tier == c.GOLD) & (self.priority == c.URGENT)
        return self._24x7

    def work(self, m: Mask, t: I64, seconds: I64) -> I64:
        """For the tickets in ``m``: ``seconds`` of their team's working time after ``t``."""
        out = t + seconds
        office = m & ~self.around_the_clock()
        for region, table in enumerate(self.world.work):
            r = office & (self.region == region)
            if r.any():
                out[r] = table.add(t[r], seconds[r])
        return out

    def goal(self, which: int) -> I64:
        out: I64 = c.GOALS[self.tier, self.priority, which]
        return out

    def agent_at(self, m: Mask, since: I64, which: int, median: float = 0.38) -> I64:
        return self.work(m, since, self.share(m, which, median))

    def customer_at(self, m: Mask, since: I64, median: Value) -> I64:
        """When the customer answers: any time, but rarely at night or at the weekend."""
        medians = median.astype(np.float64) if isinstance(median, np.ndarray) else float(median)
        wait = self.lognormal(m, medians, 1.1)
        at = since + np.clip(wait, 120, 6 * DAY).astype(np.int64)
        moved = at.copy()
        weekend_ok = self.chance(m, 0.7)
        spread = self.ints(m, 0, 3 * HOUR)
        for region, zone in enumerate(self.world.local):
            r = m & (self.region == region)
            if not r.any():
                continue
            local = zone.local(at[r])
            day = local // DAY + (hour_of(local) >= 22)
            night = (hour_of(local) >= 22) | (hour_of(local) < 7)
            local = np.where(night, day * DAY + 7 * HOUR, local)
            wd = weekday_of(local)
            weekend = (wd >= 5) & weekend_ok[r]
            local = np.where(weekend, (day + 7 - wd) * DAY + 8 * HOUR, local)
            new = zone.utc(local)
            moved[r] = np.where(new != at[r], new + spread[r], new)
        out: I64 = np.maximum(at, moved)
        return out

    def pick_agent(self, team: I64) -> I64:
        """An agent of each ticket's ``team`` (a flat agent code)."""
        size = c.TEAM_SIZE[team]
        out: I64 = c.TEAM_FIRST[team] + (self.rng.random(self.n) * size).astype(np.int64)
        return out

    def other_agent(self, team: I64) -> I64:
        """An agent of ``team`` other than the current assignee, when the team has one."""
        first, size = c.TEAM_FIRST[team], c.TEAM_SIZE[team]
        mine = self.assignee - first
        inside = (self.assignee >= 0) & (mine >= 0) & (mine < size)
        k = (self.rng.random(self.n) * (size - inside)).astype(np.int64)
        out: I64 = first + k + (inside & (k >= mine))
        return out

    def created_at(self) -> I64:
        """Creation instants that follow the home region's working week (hour by hour)."""
        out = np.zeros(self.n, dtype=np.int64)
        u = self.rng.random(self.n)
        within = self.rng.random(self.n)
        for region, (starts, cum) in enumerate(self.world.arrivals):
            r = self.region == region
            h = np.searchsorted(cum, u[r] * cum[-1], side="right").clip(0, starts.size - 1)
            begin = np.maximum(starts[h], self.world.start)
            stop = np.minimum(starts[h] + HOUR, self.world.end)
            out[r] = begin + (within[r] * (stop - begin)).astype(np.int64)
        return out

    # -- the story

    def simulate(self) -> None:
        n = self.n
        everyone = np.ones(n, dtype=bool)
        t0 = self.created_at()
        channel = np.searchsorted(c.CHANNEL_CUM, self.rng.random(n) * c.CHANNEL_CUM[-1], "right")
        self.type = np.searchsorted(c.TYPE_CUM, self.rng.random(n) * c.TYPE_CUM[-1], "right")
        product = self.ints(everyone, 0, len(c.PRODUCTS) - 1)
        outage = (self.type == c.INCIDENT) & (self.priority == c.URGENT)
        self.tags = c.tags_code(product, self.tier == c.GOLD, outage, np.zeros(n, dtype=bool))
        misrouted = self.chance(everyone, 0.03)  # landed in the other region's queue first
        self.team = np.where(misrouted, 1 - self.home, self.home)
        phone = channel == c.PHONE
        self.assignee = np.where(phone, self.pick_agent(self.team), -1)
        self.emit(
            everyone,
            t0,
            c.CREATED,
            np.where(phone, c.AGENT, c.CUSTOMER),
            status=np.where(phone, c.ST_OPEN, c.ST_NEW),
            priority=self.priority,
            customer=self.customer,
            team=self.team,
            assignee=self.assignee,
            channel=channel,
            type=self.type,
            tags=self.tags,
            product=product,
            region=self.region,
        )
        # the agent who took the call notes it; otherwise the request text comes with it
        self.emit(phone, t0 + self.ints(phone, 2, 8) * MINUTE, c.MESSAGE, c.AGENT, 0)
        self.emit(~phone, t0 + self.ints(~phone, 1, 5), c.MESSAGE, c.CUSTOMER, 1)

        spam = self.chance(~phone, _SPAM_SHARE)
        self.emit(spam, self.work(spam, t0, self.ints(spam, 5, 90) * MINUTE), c.DELETED, c.AGENT)
        alive = ~spam

        moved = alive & (self.team != self.home)
        at = self.work(moved, t0, self.ints(moved, 5, 40) * MINUTE)
        self.team = np.where(moved, self.home, self.team)
        self.emit(moved & (self.assignee < 0), at, c.UPDATED, c.AGENT, team=self.team)
        handed = moved & (self.assignee >= 0)  # moving a ticket hands it to one of its agents
        self.assignee = np.where(handed, self.pick_agent(self.team), self.assignee)
        self.emit(handed, at, c.UPDATED, c.AGENT, team=self.team, assignee=self.assignee)

        unowned = alive & (self.assignee < 0)
        self.assignee = np.where(unowned, self.pick_agent(self.team), self.assignee)
        routed = self.chance(unowned, 0.35)  # routing rules assign at once
        at = self.t + self.ints(routed, 20, 180)
        self.emit(routed, at, c.UPDATED, c.SYSTEM, assignee=self.assignee, status=c.ST_OPEN)
        by_hand = unowned & ~routed
        at = np.maximum(self.agent_at(by_hand, t0, c.OWN, 0.3), self.t + MINUTE)
        self.emit(by_hand, at, c.UPDATED, c.AGENT, assignee=self.assignee, status=c.ST_OPEN)
        note = self.chance(alive, 0.2)
        at = self.work(note, self.t, self.ints(note, 2, 30) * MINUTE)
        self.emit(note, at, c.MESSAGE, c.AGENT, 0)
        self.agent_reply(alive, t0, c.FIRST)
        self.conversation(alive)

    def agent_reply(self, m: Mask, since: I64, goal: int) -> None:
        """The next public agent message; a customer who waits long sometimes chases."""
        at = np.maximum(self.agent_at(m, since, goal), self.t + 2 * MINUTE)
        chase = self.chance(m & (at - self.t > 20 * HOUR), 0.5)
        self.emit(chase, self.t + (at - self.t) // 2, c.MESSAGE, c.CUSTOMER, 1)
        self.emit(m, at, c.MESSAGE, c.AGENT, 1)

    def conversation(self, active: Mask) -> None:
        for exchange in range(1, _MAX_EXCHANGES + 1):
            if not active.any():
                return
            self.change_course(active, exchange)
            roll = np.ones(self.n)
            roll[active] = self.rng.random(int(active.sum()))
            solving = active & ((roll < 0.22 + 0.13 * exchange) | (exchange == _MAX_EXCHANGES))
            reopened = self.solve(solving, c.AGENT)
            rest = active & ~solving
            holding = rest & ~self.held & (roll < 0.35 + 0.13 * exchange)
            self.hold(holding)
            rest &= ~holding
            pending = rest & (roll < 0.9)
            self.emit(pending, self.t + 1, c.UPDATED, c.AGENT, status=c.ST_PENDING)
            silent = self.chance(pending, 0.15)  # never answers: auto-solved after four days
            self.t = np.where(silent, self.t + 4 * DAY, self.t)
            reopened |= self.solve(silent, c.SYSTEM)
            waiting = pending & ~silent
            wait = np.where(self.priority == c.URGENT, HOUR, 3 * HOUR)
            answer = self.customer_at(waiting, self.t, wait)
            self.keep_posted(waiting, answer)
            self.emit(waiting, answer, c.MESSAGE, c.CUSTOMER, 1)
            asked = self.t.copy()
            self.emit(waiting, self.t + 1, c.UPDATED, c.SYSTEM, status=c.ST_OPEN)
            again = self.chance(waiting, 0.12)  # a second thought before anyone answered
            self.emit(again, self.t + self.ints(again, 3, 40) * MINUTE, c.MESSAGE, c.CUSTOMER, 1)
            self.agent_reply(waiting, asked, c.NEXT)
            working = rest & ~pending  # a note, then an update without asking anything
            at = self.work(working, self.t, self.ints(working, 10, 90) * MINUTE)
            self.emit(working, at, c.MESSAGE, c.AGENT, 0)
            self.agent_reply(working, self.t, c.NEXT)
            active = reopened | holding | waiting | working

    def change_course(self, m: Mask, exchange: int) -> None:
        """Priority changes, escalations to platform and hand-overs between agents."""
        at = self.work(m, self.t, self.ints(m, 5, 60) * MINUTE)
        if exchange == 1:
            change = self.chance(m, 0.07)
            i = self.priority
            # mostly raised (an outage spreads), sometimes lowered (a workaround helps)
            up = (self.chance(change, 0.6) & (i > 0)) | (i == len(c.PRIORITIES) - 1)
            self.priority = np.where(change, np.where(up, i - 1, i + 1), i)
            self.emit(change, at, c.UPDATED, c.AGENT, priority=self.priority)
            at = np.where(change, self.t, at)
        bug = (self.priority <= c.HIGH) | (self.type != c.QUESTION)
        esc = self.chance(m & ~self.escalated & bug, 0.12) if exchange <= 2 else m & False
        self.escalated |= esc
        self.team = np.where(esc, c.PLATFORM, self.team)
        self.assignee = np.where(esc, self.pick_agent(self.team), self.assignee)
        self.tags = np.where(esc, self.tags | c.ESCALATED_BIT, self.tags)
        self.emit(
            esc, at, c.UPDATED, c.AGENT, team=self.team, assignee=self.assignee, tags=self.tags
        )
        self.emit(esc, self.t + self.ints(esc, 1, 5) * MINUTE, c.MESSAGE, c.AGENT, 0)
        handover = self.chance(m & ~esc, 0.03)
        self.assignee = np.where(handover, self.other_agent(self.team), self.assignee)
        self.emit(handover, at, c.UPDATED, c.AGENT, assignee=self.assignee)

    def hold(self, m: Mask) -> None:
        """Waiting on a vendor: a note, on hold for hours to weeks, then an update."""
        self.held |= m
        self.emit(m, self.t + self.ints(m, 1, 10) * MINUTE, c.MESSAGE, c.AGENT, 0)
        self.emit(m, self.t + 1, c.UPDATED, c.AGENT, status=c.ST_ON_HOLD)
        never = self.chance(m, 0.1)  # the vendor does not come back within the log
        usual = np.minimum(self.lognormal(m & ~never, 1.5 * DAY, 0.8), 15 * DAY)
        wait = np.where(never, self.ints(never, 20, 80) * DAY, usual.astype(np.int64))
        back = self.work(m, self.t + wait, np.zeros(self.n, dtype=np.int64))
        self.keep_posted(m, back)
        self.emit(m, back, c.UPDATED, c.AGENT, status=c.ST_OPEN)
        self.emit(m, self.t + self.ints(m, 2, 15) * MINUTE, c.MESSAGE, c.AGENT, 1)

    def keep_posted(self, m: Mask, until: I64) -> None:
        """Urgent tickets get a public update every so often until ``until``, even while
        waiting (a dozen at most: then the updates lapse)."""
        live = m & (self.priority == c.URGENT)
        for _ in range(12):
            if not live.any():
                return
            update = self.agent_at(live, self.t, c.UPDATE, 0.45)
            live &= update < until
            self.emit(live, update, c.MESSAGE, c.AGENT, 1)

    def investigate(self, m: Mask) -> None:
        """The real work before a fix: open for a share of the resolution goal, with notes."""
        self.investigated |= m
        done = self.work(m, self.t, self.share(m, c.RESOLVE, 0.3, 0.7))
        self.emit(m, self.t + self.ints(m, 1, 20) * MINUTE, c.MESSAGE, c.AGENT, 0)
        self.keep_posted(m, done)
        self.emit(m, np.maximum(done, self.t + MINUTE), c.MESSAGE, c.AGENT, 1)

    def solve(self, m: Mask, actor: int) -> Mask:
        """Solve; return the tickets the customer reopens (their conversation goes on)."""
        if actor == c.AGENT:
            bug = self.type != c.QUESTION
            self.investigate(self.chance(m & ~self.investigated, np.where(bug, 0.85, 0.15)))
        self.emit(m, self.t + 1, c.UPDATED, actor, status=c.ST_SOLVED)
        solved = self.t.copy()
        reopen = self.chance(m, 0.06)
        self.emit(reopen, solved + self.ints(reopen, HOUR, 3 * DAY), c.MESSAGE, c.CUSTOMER, 1)
        asked = self.t.copy()
        self.emit(reopen, asked + 1, c.UPDATED, c.SYSTEM, status=c.ST_OPEN)
        self.agent_reply(reopen, asked, c.NEXT)
        closing = m & ~reopen
        if actor == c.AGENT:
            rated = self.chance(closing, 0.3)
            unhappy = (self.count > 14) | self.held
            bad = self.chance(rated, np.where(unhappy, 0.35, 0.1))
            at = self.customer_at(rated, solved, HOUR)
            self.emit(rated, at, c.RATING, c.CUSTOMER, rating=bad.astype(np.int64))
        at = np.maximum(solved + 4 * DAY, self.t + 1)
        self.emit(closing, at, c.UPDATED, c.SYSTEM, status=c.ST_CLOSED)
        out: Mask = reopen
        return out
