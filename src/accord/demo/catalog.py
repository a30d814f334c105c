"""The demo helpdesk's cast and numbers: customers, teams, agents, goals, and the integer codes
the vectorised story (:mod:`accord.demo.story`) works with.

Every field value in the story is a small integer (an index into the tuples here); the names
are put back only when the log is written (:mod:`accord.demo.generate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.core.timeutil import parse_duration

I64 = NDArray[np.int64]


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

# -- codes

KINDS = ("created", "updated", "message", "rating", "deleted")
CREATED, UPDATED, MESSAGE, RATING, DELETED = range(5)
ACTORS = ("customer", "agent", "system")
CUSTOMER, AGENT, SYSTEM = range(3)

# The helpdesk's own status names. "New", "Open", "Solved" and "Closed" match Accord's
# categories by name; the demo configuration maps the other two (statuses.yaml).
STATUSES = ("New", "Open", "Awaiting customer", "Waiting on vendor", "Solved", "Closed")
ST_NEW, ST_OPEN, ST_PENDING, ST_ON_HOLD, ST_SOLVED, ST_CLOSED = range(6)

PRIORITIES = ("urgent", "high", "normal", "low")
URGENT, HIGH = 0, 1
TIERS = ("gold", "silver", "standard")
GOLD = 0
REGIONS = ("us", "eu")
TEAMS = ("support-us", "support-eu", "platform")  # the regions' teams first, by region code
PLATFORM = 2
AGENT_NAMES = tuple(a for team in TEAMS for a in AGENTS[team])
TEAM_SIZE = np.array([len(AGENTS[t]) for t in TEAMS], dtype=np.int64)
TEAM_FIRST = np.concatenate(([0], np.cumsum(TEAM_SIZE)[:-1])).astype(np.int64)

CHANNELS = ("email", "web", "chat", "phone")
CHANNEL_CUM = np.cumsum([45, 30, 15, 10]).astype(np.float64)
PHONE = 3
TYPES = ("question", "incident", "problem", "task")
TYPE_CUM = np.cumsum([45, 30, 10, 15]).astype(np.float64)
QUESTION, INCIDENT = 0, 1
PRODUCTS = ("portal", "api", "mobile", "billing")
RATINGS = ("good", "bad")

# Tags: the product, then "vip" (Gold), "outage" (an urgent incident), "escalated".
ESCALATED_BIT = 1
TAG_VALUES: tuple[tuple[str, ...], ...] = tuple(
    (p, *(["vip"] if vip else []), *(["outage"] if outage else []), *(["escalated"] if esc else []))
    for p in PRODUCTS
    for vip in (0, 1)
    for outage in (0, 1)
    for esc in (0, 1)
)


def tags_code(product: I64, vip: NDArray[np.bool_], outage: NDArray[np.bool_],
              escalated: NDArray[np.bool_]) -> I64:  # fmt: skip
    out: I64 = product * 8 + vip * 4 + outage * 2 + escalated * ESCALATED_BIT
    return out


TIER_OF_CUSTOMER = np.array([TIERS.index(x.tier) for x in CUSTOMERS], dtype=np.int64)
REGION_OF_CUSTOMER = np.array([REGIONS.index(x.region) for x in CUSTOMERS], dtype=np.int64)
PRIORITY_SHARES = np.array([(6, 22, 52, 20), (4, 18, 56, 22), (2, 14, 60, 24)], dtype=float)

# What agents aim at, in business seconds of the ticket's clock: time to own, first reply,
# each later reply, resolution (waiting excluded), public updates on urgent tickets. These
# mirror the demo policies' targets (policies.yaml), so the demo shows mostly met, some
# breached.
OWN, FIRST, NEXT, RESOLVE, UPDATE = range(5)
_GOALS = {
    "gold": {
        "urgent": ("15m", "30m", "1h", "8h", "2h"),
        "high": ("30m", "1h", "2h", "10h", "4h"),
        "normal": ("30m", "3h", "4h", "30h", "4h"),
        "low": ("30m", "3h", "4h", "50h", "4h"),
    },
    "silver": {
        "urgent": ("30m", "1h", "2h", "10h", "4h"),
        "high": ("2h", "4h", "4h", "20h", "4h"),
        "normal": ("2h", "8h", "8h", "50h", "4h"),
        "low": ("2h", "8h", "8h", "100h", "4h"),
    },
    "standard": {
        "urgent": ("1h", "2h", "4h", "16h", "4h"),
        "high": ("4h", "8h", "8h", "40h", "4h"),
        "normal": ("4h", "16h", "16h", "80h", "4h"),
        "low": ("4h", "16h", "16h", "120h", "4h"),
    },
}
GOALS = np.array(
    [[[parse_duration(x) for x in _GOALS[t][p]] for p in PRIORITIES] for t in TIERS],
    dtype=np.int64,
)

# Arrival intensity by local hour and weekday (Monday first): a working-day curve with a
# lunch dip, a quiet night, light weekends and a Monday peak.
HOUR_WEIGHT = np.array([
    0.08, 0.05, 0.04, 0.04, 0.05, 0.08, 0.15, 0.35, 0.8, 1.0, 1.0, 0.95,
    0.75, 0.85, 0.95, 0.9, 0.8, 0.6, 0.4, 0.3, 0.22, 0.18, 0.14, 0.1,
])  # fmt: skip
DAY_WEIGHT = np.array([1.35, 1.1, 1.0, 1.0, 0.9, 0.2, 0.14])

# The fields an event may carry, in the order they are written, and the names of their codes.
FIELD_VALUES: Mapping[str, tuple[str, ...] | tuple[tuple[str, ...], ...]] = {
    "status": STATUSES,
    "priority": PRIORITIES,
    "customer": tuple(x.name for x in CUSTOMERS),
    "team": TEAMS,
    "assignee": AGENT_NAMES,
    "channel": CHANNELS,
    "type": TYPES,
    "tags": TAG_VALUES,
    "product": PRODUCTS,
    "region": REGIONS,
    "rating": RATINGS,
}
CUSTOM_FIELDS = ("product", "region", "rating")  # the others are Accord's standard fields
