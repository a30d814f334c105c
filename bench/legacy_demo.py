"""The demo generator as it was before it was vectorised (issue #20): one Python object per
event, one ``random.Random`` draw at a time. Kept only as the anchor that
``bench/bench_demo.py`` measures the vectorised generator against, in the same run.

A seeded, synthetic helpdesk event log for the demo, the docs and the benchmarks.

The log reads like a real helpdesk export: customers on Gold, Silver and Standard contracts,
three teams in two regions, tickets that arrive in business hours (fewer at night and at the
weekend, a Monday peak), first replies, follow-ups, internal notes, pending and on-hold
periods, solves, reopens, priority changes, escalations, ratings, a few tickets still open at
the end and a handful deleted. Agents answer within a spread around the demo policies' targets
(``demo/config``), so the computed clocks show mostly met, some breached and some at risk.

The generator is pure: the end instant is an argument, and all randomness comes from one
``random.Random(seed)``, so the same seed and end give the identical log.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.timeutil import Instant, parse_duration, to_instant

MINUTE = 60
HOUR = 3600
DAY = 86400

# The helpdesk's own status names. "New", "Open", "Solved" and "Closed" match Accord's
# categories by name; the demo configuration maps the other two (statuses.yaml).
ST_NEW = "New"
ST_OPEN = "Open"
ST_PENDING = "Awaiting customer"
ST_ON_HOLD = "Waiting on vendor"
ST_SOLVED = "Solved"
ST_CLOSED = "Closed"

PRIORITIES = ("urgent", "high", "normal", "low")


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    tier: str  # gold, silver or standard: the contract, which decides the demo policy
    region: str  # us or eu: the home support team and the zone its people work in
    weight: float  # relative ticket volume


CUSTOMERS: tuple[Customer, ...] = (
    Customer("acme", "gold", "us", 14),
    Customer("globex", "gold", "us", 11),
    Customer("initech", "silver", "us", 10),
    Customer("umbrella", "silver", "us", 9),
    Customer("hooli", "standard", "us", 6),
    Customer("stark", "standard", "us", 5),
    Customer("wonka", "standard", "us", 4),
    Customer("soylent", "standard", "us", 3),
    Customer("nordwind", "standard", "eu", 8),
    Customer("elbe-logistik", "standard", "eu", 7),
    Customer("lumiere", "standard", "eu", 6),
    Customer("fjordlab", "standard", "eu", 5),
    Customer("tulipa", "standard", "eu", 4),
)

HOME_TEAM = {"us": "support-us", "eu": "support-eu"}

# Platform engineering is on call around the clock, so its zone only matters for display.
TEAM_ZONES: Mapping[str, str] = {
    "support-us": "America/New_York",
    "support-eu": "Europe/Berlin",
    "platform": "UTC",
}

AGENTS: Mapping[str, tuple[str, ...]] = {
    "support-us": ("amy.chen", "ben.ortiz", "carla.jones", "dev.patel", "erin.walsh"),
    "support-eu": ("anna.schmidt", "luca.rossi", "marie.dubois", "jonas.berg"),
    "platform": ("sam.okafor", "yuki.tanaka", "priya.rao"),
}

_PRIORITY_SHARES: Mapping[str, tuple[int, ...]] = {
    "gold": (6, 22, 52, 20),
    "silver": (4, 18, 56, 22),
    "standard": (2, 14, 60, 24),
}
_CHANNELS = (("email", 45), ("web", 30), ("chat", 15), ("phone", 10))
_TYPES = (("question", 45), ("incident", 30), ("problem", 10), ("task", 15))
_PRODUCTS = ("portal", "api", "mobile", "billing")


# What agents aim at, in business seconds of the ticket's clock. These mirror the demo
# policies' targets (policies.yaml) so that the demo shows a realistic mix of met and breached.
@dataclass(frozen=True, slots=True)
class _Goals:
    own: int  # time to assign
    first: int  # first reply
    next: int  # each later reply to the customer
    resolve: int  # resolution, waiting on the customer or a vendor excluded
    update: int  # public updates on an urgent ticket while it is worked


def _goals(own: str, first: str, nxt: str, resolve: str, update: str = "4h") -> _Goals:
    return _Goals(*(parse_duration(x) for x in (own, first, nxt, resolve, update)))


_GOALS: Mapping[str, Mapping[str, _Goals]] = {
    "gold": {
        "urgent": _goals("15m", "30m", "1h", "8h", "2h"),
        "high": _goals("30m", "1h", "2h", "10h"),
        "normal": _goals("30m", "3h", "4h", "30h"),
        "low": _goals("30m", "3h", "4h", "50h"),
    },
    "silver": {
        "urgent": _goals("30m", "1h", "2h", "10h"),
        "high": _goals("2h", "4h", "4h", "20h"),
        "normal": _goals("2h", "8h", "8h", "50h"),
        "low": _goals("2h", "8h", "8h", "100h"),
    },
    "standard": {
        "urgent": _goals("1h", "2h", "4h", "16h"),
        "high": _goals("4h", "8h", "8h", "40h"),
        "normal": _goals("4h", "16h", "16h", "80h"),
        "low": _goals("4h", "16h", "16h", "120h"),
    },
}

# Arrival intensity by local hour and weekday (Monday first): a working-day curve with a
# lunch dip, a quiet night, light weekends and a Monday peak.
_HOUR_WEIGHT = (
    0.08, 0.05, 0.04, 0.04, 0.05, 0.08, 0.15, 0.35, 0.8, 1.0, 1.0, 0.95,
    0.75, 0.85, 0.95, 0.9, 0.8, 0.6, 0.4, 0.3, 0.22, 0.18, 0.14, 0.1,
)  # fmt: skip
_DAY_WEIGHT = (1.35, 1.1, 1.0, 1.0, 0.9, 0.2, 0.14)
_MAX_WEIGHT = max(_HOUR_WEIGHT) * max(_DAY_WEIGHT)

DEFAULT_TICKETS_PER_90_DAYS = 2000
_LATE_SHARE = 0.02  # events a webhook delivers late, after later events of the same ticket
_SPAM_SHARE = 0.003  # tickets deleted as spam
_MAX_EXCHANGES = 8


@dataclass(slots=True)
class _Raw:
    ts: Instant
    kind: Kind
    actor: Actor | None
    public: bool | None
    fields: dict[str, FieldValue]


class _WorkClock:
    """When agents answer: weekday hours in a zone minus public holidays, or around the clock
    (``zone`` None). A rough model of the demo calendars, enough to place replies."""

    def __init__(
        self,
        zone: str | None,
        hours: tuple[int, int] = (0, 24),
        closed: frozenset[date] = frozenset(),
    ) -> None:
        self.zone = ZoneInfo(zone) if zone else None
        self.open_hour, self.close_hour = hours
        self.closed = closed

    def _at(self, day: date, hour: int) -> Instant:
        return int(datetime.combine(day, time(hour), tzinfo=self.zone).timestamp())

    def add(self, t: Instant, seconds: int) -> Instant:
        """The instant ``seconds`` of working time after ``t``."""
        if self.zone is None:
            return t + seconds
        left = seconds
        while True:
            day = datetime.fromtimestamp(t, self.zone).date()
            if day.weekday() < 5 and day not in self.closed:
                opens, closes = self._at(day, self.open_hour), self._at(day, self.close_hour)
                if t < closes:
                    t = max(t, opens)
                    if left <= closes - t:
                        return t + left
                    left -= closes - t
            t = self._at(day + timedelta(days=1), 0)


@dataclass(slots=True)
class _World:
    start: Instant
    end: Instant
    clocks: Mapping[str, _WorkClock]
    zones: Mapping[str, ZoneInfo]
    customer_weights: list[float]  # cumulative, for rng.choices

    @classmethod
    def build(cls, start: Instant, end: Instant) -> _World:
        first = datetime.fromtimestamp(start, ZoneInfo("UTC")).year
        years = list(range(first, datetime.fromtimestamp(end, ZoneInfo("UTC")).year + 2))
        us = frozenset(holidays.country_holidays("US", years=years))
        eu = frozenset(holidays.country_holidays("DE", subdiv="BE", years=years))
        return cls(
            start=start,
            end=end,
            clocks={
                "us": _WorkClock("America/New_York", (8, 18), us),
                "eu": _WorkClock("Europe/Berlin", (9, 17), eu),
                "24x7": _WorkClock(None),
            },
            zones={"us": ZoneInfo("America/New_York"), "eu": ZoneInfo("Europe/Berlin")},
            customer_weights=list(_cumulative([c.weight for c in CUSTOMERS])),
        )


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class _Ticket:
    """One ticket's life, simulated from creation until it is closed (or the story ends)."""

    def __init__(self, rng: random.Random, world: _World) -> None:
        self.rng = rng
        self.world = world
        self.raws: list[_Raw] = []
        self.customer = rng.choices(CUSTOMERS, cum_weights=world.customer_weights)[0]
        self.priority = rng.choices(PRIORITIES, weights=_PRIORITY_SHARES[self.customer.tier])[0]
        self.home = HOME_TEAM[self.customer.region]
        self.team = self.home
        self.assignee: str | None = None
        self.tags: tuple[str, ...] = ()
        self.escalated = False
        self.held = False
        self.investigated = False
        self.t: Instant = 0

    # -- helpers

    @property
    def clock(self) -> _WorkClock:
        # Gold urgent tickets are worked by the on-call rota around the clock (the "Gold
        # urgent" policy on the 24x7 calendar); everything else in the home region's hours.
        if self.customer.tier == "gold" and self.priority == "urgent":
            return self.world.clocks["24x7"]
        return self.world.clocks[self.customer.region]

    @property
    def goals(self) -> _Goals:
        return _GOALS[self.customer.tier][self.priority]

    def emit(
        self,
        ts: Instant,
        kind: Kind,
        actor: Actor | None,
        public: bool | None = None,
        /,
        **fields: FieldValue,
    ) -> Instant:
        # Strictly increasing per ticket, so ties never depend on delivery order.
        ts = max(ts, self.t + 1) if self.raws else ts
        self.raws.append(_Raw(ts, kind, actor, public, dict(fields)))
        self.t = ts
        return ts

    def factor(self, median: float, sigma: float = 0.75) -> float:
        """A log-normal share of a goal: most work lands well inside it, a tail overruns."""
        return self.rng.lognormvariate(math.log(median), sigma)

    def agent_at(self, since: Instant, goal: int, median: float = 0.38) -> Instant:
        return self.clock.add(since, int(goal * self.factor(median)))

    def customer_at(self, since: Instant, median: float = 3 * HOUR) -> Instant:
        """When the customer answers: any time, but rarely at night or at the weekend."""
        rng = self.rng
        at = since + int(min(max(rng.lognormvariate(math.log(median), 1.1), 120), 6 * DAY))
        tz = self.world.zones[self.customer.region]
        local = datetime.fromtimestamp(at, tz)
        day = local.date()
        if local.hour >= 22:
            day += timedelta(days=1)
        if local.hour >= 22 or local.hour < 7:
            local = datetime.combine(day, time(7), tzinfo=tz)
        if local.weekday() >= 5 and rng.random() < 0.7:
            local = datetime.combine(day + timedelta(days=7 - local.weekday()), time(8), tzinfo=tz)
        new_at = int(local.timestamp())
        if new_at != at:
            new_at += rng.randint(0, 3 * HOUR)
        return max(at, new_at)

    def other_agent(self, team: str) -> str:
        choices = [a for a in AGENTS[team] if a != self.assignee] or list(AGENTS[team])
        return self.rng.choice(choices)

    def created_at(self) -> Instant:
        """A creation instant that follows the home team's working week (rejection sampling)."""
        rng, w = self.rng, self.world
        tz = w.zones[self.customer.region]
        while True:
            t = rng.randrange(w.start, w.end)
            local = datetime.fromtimestamp(t, tz)
            weight = _HOUR_WEIGHT[local.hour] * _DAY_WEIGHT[local.weekday()]
            if rng.random() * _MAX_WEIGHT < weight:
                return t

    # -- the story

    def simulate(self) -> list[_Raw]:
        rng = self.rng
        c = self.customer
        t0 = self.created_at()
        channel = _pick(rng, _CHANNELS)
        type_ = _pick(rng, _TYPES)
        product = rng.choice(_PRODUCTS)
        tags = [product]
        if c.tier == "gold":
            tags.append("vip")
        if type_ == "incident" and self.priority == "urgent":
            tags.append("outage")
        self.tags = tuple(tags)
        if rng.random() < 0.03:  # landed in the other region's queue first
            self.team = "support-eu" if self.home == "support-us" else "support-us"

        fields: dict[str, FieldValue] = {
            "status": ST_NEW,
            "priority": self.priority,
            "customer": c.name,
            "team": self.team,
            "channel": channel,
            "type": type_,
            "tags": self.tags,
            "product": product,  # a custom field
            "region": c.region,  # a custom field the Standard EU policy selects on
        }
        phone = channel == "phone"
        if phone:  # the agent who took the call opens and owns the ticket
            self.assignee = rng.choice(AGENTS[self.team])
            fields["status"] = ST_OPEN
            fields["assignee"] = self.assignee
        self.emit(t0, Kind.CREATED, Actor.AGENT if phone else Actor.CUSTOMER, **fields)
        if phone:
            self.emit(t0 + rng.randint(2, 8) * MINUTE, Kind.MESSAGE, Actor.AGENT, False)
        else:  # the request text arrives with the ticket
            self.emit(t0 + rng.randint(1, 5), Kind.MESSAGE, Actor.CUSTOMER, True)

        if not phone and rng.random() < _SPAM_SHARE:
            self.emit(self.clock.add(t0, rng.randint(5, 90) * MINUTE), Kind.DELETED, Actor.AGENT)
            return self.raws

        if self.team != self.home:
            at = self.clock.add(t0, rng.randint(5, 40) * MINUTE)
            self.team = self.home
            if self.assignee is None:
                self.emit(at, Kind.UPDATED, Actor.AGENT, team=self.team)
            else:  # moving a ticket to another team hands it to one of its agents
                self.assignee = self.rng.choice(AGENTS[self.team])
                self.emit(at, Kind.UPDATED, Actor.AGENT, team=self.team, assignee=self.assignee)
        if self.assignee is None:
            self.assignee = rng.choice(AGENTS[self.team])
            if rng.random() < 0.35:  # routing rules assign at once
                self.emit(
                    self.t + rng.randint(20, 180),
                    Kind.UPDATED,
                    Actor.SYSTEM,
                    assignee=self.assignee,
                    status=ST_OPEN,
                )
            else:
                at = max(self.agent_at(t0, self.goals.own, 0.3), self.t + MINUTE)
                self.emit(at, Kind.UPDATED, Actor.AGENT, assignee=self.assignee, status=ST_OPEN)
        if rng.random() < 0.2:
            self.emit(
                self.clock.add(self.t, rng.randint(2, 30) * MINUTE),
                Kind.MESSAGE,
                Actor.AGENT,
                False,
            )
        self.agent_reply(t0, self.goals.first)
        self.conversation()
        return self.raws

    def agent_reply(self, since: Instant, goal: int) -> None:
        """The next public agent message, ``goal`` being the business time aimed at; a
        customer who waits long sometimes chases."""
        at = max(self.agent_at(since, goal), self.t + 2 * MINUTE)
        if at - self.t > 20 * HOUR and self.rng.random() < 0.5:
            self.emit(self.t + (at - self.t) // 2, Kind.MESSAGE, Actor.CUSTOMER, True)
        self.emit(at, Kind.MESSAGE, Actor.AGENT, True)

    def conversation(self) -> None:
        rng = self.rng
        for exchange in range(1, _MAX_EXCHANGES + 1):
            self.maybe_change_course(exchange)
            nxt = self.goals.next
            roll = rng.random()
            if roll < 0.22 + 0.13 * exchange or exchange == _MAX_EXCHANGES:
                if not self.solve(Actor.AGENT):
                    return
                continue  # reopened: the customer's message waits for a reply
            if not self.held and roll < 0.35 + 0.13 * exchange:
                self.hold()
                continue
            if roll < 0.9:
                self.emit(self.t + 1, Kind.UPDATED, Actor.AGENT, status=ST_PENDING)
                if rng.random() < 0.15:  # never answers: auto-solved after four days
                    self.t += 4 * DAY  # the solve below is stamped after this silence
                    if not self.solve(Actor.SYSTEM):
                        return
                    continue
                wait = HOUR if self.priority == "urgent" else 3 * HOUR
                answer = self.customer_at(self.t, wait)
                self.keep_posted(answer)
                asked = self.emit(answer, Kind.MESSAGE, Actor.CUSTOMER, True)
                self.emit(self.t + 1, Kind.UPDATED, Actor.SYSTEM, status=ST_OPEN)
                if rng.random() < 0.12:  # a second thought before anyone answered
                    self.emit(
                        self.t + rng.randint(3, 40) * MINUTE, Kind.MESSAGE, Actor.CUSTOMER, True
                    )
                self.agent_reply(asked, nxt)
            else:  # still working on it: a note, then an update without asking anything
                self.emit(
                    self.clock.add(self.t, rng.randint(10, 90) * MINUTE),
                    Kind.MESSAGE,
                    Actor.AGENT,
                    False,
                )
                self.agent_reply(self.t, nxt)

    def maybe_change_course(self, exchange: int) -> None:
        """Priority changes, escalations to platform and hand-overs between agents."""
        rng = self.rng
        at = self.clock.add(self.t, rng.randint(5, 60) * MINUTE)
        if exchange == 1 and rng.random() < 0.07:
            i = PRIORITIES.index(self.priority)
            # mostly raised (an outage spreads), sometimes lowered (a workaround helps)
            up = (rng.random() < 0.6 and i > 0) or i == len(PRIORITIES) - 1
            j = i - 1 if up else i + 1
            self.priority = PRIORITIES[j]
            at = self.emit(at, Kind.UPDATED, Actor.AGENT, priority=self.priority)
        bug = self.priority in ("urgent", "high") or self.raws[0].fields["type"] != "question"
        if not self.escalated and exchange <= 2 and bug and rng.random() < 0.12:
            self.escalated = True
            self.team = "platform"
            self.assignee = rng.choice(AGENTS["platform"])
            self.tags = (*self.tags, "escalated")
            self.emit(
                at,
                Kind.UPDATED,
                Actor.AGENT,
                team=self.team,
                assignee=self.assignee,
                tags=self.tags,
            )
            self.emit(self.t + rng.randint(1, 5) * MINUTE, Kind.MESSAGE, Actor.AGENT, False)
        elif rng.random() < 0.03:
            self.assignee = self.other_agent(self.team)
            self.emit(at, Kind.UPDATED, Actor.AGENT, assignee=self.assignee)

    def hold(self) -> None:
        """Waiting on a vendor: an internal note, on hold for hours to weeks, then an update."""
        rng = self.rng
        self.held = True
        self.emit(self.t + rng.randint(1, 10) * MINUTE, Kind.MESSAGE, Actor.AGENT, False)
        self.emit(self.t + 1, Kind.UPDATED, Actor.AGENT, status=ST_ON_HOLD)
        if rng.random() < 0.1:  # the vendor never comes back within the log
            wait = rng.randint(20, 80) * DAY
        else:
            wait = int(min(rng.lognormvariate(math.log(1.5 * DAY), 0.8), 15 * DAY))
        back = self.clock.add(self.t + wait, 0)
        self.keep_posted(back)
        self.emit(back, Kind.UPDATED, Actor.AGENT, status=ST_OPEN)
        self.emit(self.t + rng.randint(2, 15) * MINUTE, Kind.MESSAGE, Actor.AGENT, True)

    def keep_posted(self, until: Instant) -> None:
        """Urgent tickets get a public update every so often until ``until``, even while
        waiting on the customer or a vendor (a dozen at most: then the updates lapse)."""
        for _ in range(12):
            if self.priority != "urgent":
                return
            update = self.agent_at(self.t, self.goals.update, 0.45)
            if update >= until:
                return
            self.emit(update, Kind.MESSAGE, Actor.AGENT, True)

    def investigate(self) -> None:
        """The real work before a fix: the ticket stays open for a share of the resolution
        goal, with internal notes, and public updates every so often when it is urgent."""
        rng = self.rng
        self.investigated = True
        done = self.clock.add(self.t, int(self.goals.resolve * self.factor(0.3, 0.7)))
        self.emit(self.t + rng.randint(1, 20) * MINUTE, Kind.MESSAGE, Actor.AGENT, False)
        self.keep_posted(done)
        self.emit(max(done, self.t + MINUTE), Kind.MESSAGE, Actor.AGENT, True)

    def solve(self, actor: Actor) -> bool:
        """Solve; return True when the customer reopens (the loop goes on)."""
        rng = self.rng
        if actor is Actor.AGENT and not self.investigated:
            bug = self.raws[0].fields["type"] != "question"
            if rng.random() < (0.85 if bug else 0.15):
                self.investigate()
        solved = self.emit(self.t + 1, Kind.UPDATED, actor, status=ST_SOLVED)
        if rng.random() < 0.06:
            reopen = solved + rng.randint(HOUR, 3 * DAY)
            asked = self.emit(reopen, Kind.MESSAGE, Actor.CUSTOMER, True)
            self.emit(asked + 1, Kind.UPDATED, Actor.SYSTEM, status=ST_OPEN)
            self.agent_reply(asked, self.goals.next)
            return True
        if actor is Actor.AGENT and rng.random() < 0.3:
            unhappy = len(self.raws) > 14 or self.held
            bad = rng.random() < (0.35 if unhappy else 0.1)
            self.emit(
                self.customer_at(solved, HOUR),
                Kind.RATING,
                Actor.CUSTOMER,
                rating="bad" if bad else "good",
            )
        self.emit(max(solved + 4 * DAY, self.t + 1), Kind.UPDATED, Actor.SYSTEM, status=ST_CLOSED)
        return False


def generate_events(
    *,
    seed: int = 7,
    end: datetime,
    days: int = 90,
    tickets: int | None = None,
    target_events: int | None = None,
) -> Iterator[Event]:
    """A synthetic helpdesk event log covering the ``days`` before ``end``, in delivery order.

    ``tickets`` fixes the number of tickets; ``target_events`` instead adds tickets until the
    log holds about that many events; with neither, about 2,000 tickets per 90 days (about
    23,000 events). ``seq`` is the delivery index; about 2 % of the events are delivered late,
    after later events of their ticket. Events after ``end`` are left out, so recent tickets
    are still open. Raises ``ValueError`` for a naive ``end`` or inconsistent sizes.
    """
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be an aware datetime (e.g. datetime(..., tzinfo=UTC))")
    if days <= 0:
        raise ValueError("days must be at least 1")
    if tickets is not None and target_events is not None:
        raise ValueError("give tickets or target_events, not both")
    if (tickets is not None and tickets < 0) or (target_events is not None and target_events < 0):
        raise ValueError("tickets and target_events cannot be negative")
    return _generate(seed, to_instant(end), days, tickets, target_events)


def _generate(
    seed: int, end: Instant, days: int, tickets: int | None, target_events: int | None
) -> Iterator[Event]:
    rng = random.Random(seed)
    world = _World.build(end - days * DAY, end)
    if tickets is None and target_events is None:
        tickets = round(DEFAULT_TICKETS_PER_90_DAYS * days / 90)

    # Tickets are drawn independently (creation time included), so stopping at an event
    # count still leaves an unbiased sample; they are numbered by creation afterwards.
    stories: list[list[_Raw]] = []
    total = 0
    while (tickets is not None and len(stories) < tickets) or (
        target_events is not None and total < target_events
    ):
        raws = [r for r in _Ticket(rng, world).simulate() if r.ts <= end]
        stories.append(raws)
        total += len(raws)
    stories.sort(key=lambda raws: raws[0].ts)

    deliveries: list[tuple[Instant, Instant, int, int, _Raw]] = []
    for i, raws in enumerate(stories):
        for n, raw in enumerate(raws):
            arrival = raw.ts
            if raw.kind is not Kind.CREATED and rng.random() < _LATE_SHARE:
                arrival = min(raw.ts + rng.randint(5 * MINUTE, 6 * HOUR), end)
            deliveries.append((arrival, raw.ts, i, n, raw))
    deliveries.sort(key=lambda d: d[:4])

    for seq, (_, _, i, n, raw) in enumerate(deliveries):
        ticket = str(10001 + i)
        yield Event(
            event_id=f"demo-{ticket}-{n}",
            ticket_id=ticket,
            ts=raw.ts,
            kind=raw.kind,
            actor=raw.actor,
            public=raw.public,
            fields=raw.fields,
            seq=seq,
        )
