"""Hypothesis strategies for the batch-equals-reference tests: random calendars, policy lists
and event logs that exercise every rule of the clock semantics."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.timeutil import iso, parse_as_of

ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata")
# bases just before DST changes (US 10 Mar, EU 31 Mar, EU 27 Oct, US 3 Nov, AU 6 Oct 2024)
BASES = tuple(
    parse_as_of(x)
    for x in (
        "2024-03-08T06:00:00Z",
        "2024-03-29T18:00:00Z",
        "2024-10-25T12:00:00Z",
        "2024-11-01T20:00:00Z",
        "2024-10-04T10:00:00Z",
    )
)
STATUS_NAMES = (
    "new", "open", "pending", "on_hold", "solved", "closed",
    "Awaiting customer", "Vendor", "Done", "Mystery",
)  # fmt: skip
PRIORITIES = ("P1", "P2", "P3", "urgent")
CUSTOMERS = ("acme", "globex", "initech")
TAGS = ("vip", "outage", "escalated", "billing")
BUILTINS = (
    "first_response", "next_reply", "periodic_update", "pausable_update", "resolution",
    "total_resolution", "requester_wait", "agent_work", "time_to_own",
)  # fmt: skip
CATEGORIES = ("new", "open", "pending", "on_hold", "solved", "closed")


def _clock(sec: int) -> str:
    return f"{sec // 3600:02d}:{(sec % 3600) // 60:02d}"


@st.composite
def calendars(draw: st.DrawFn, base: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["office", "split", "overnight", "24x7", "odd"]))
        if kind == "24x7":
            hours: dict[str, Any] = {"daily": [["00:00", "24:00"]]}
        elif kind == "office":
            o = draw(st.integers(6, 10)) * 3600
            c = o + draw(st.integers(4, 10)) * 3600
            hours = {"mon-fri": [[_clock(o), _clock(c)]]}
        elif kind == "split":
            hours = {
                "mon-fri": [["08:00", "12:00"], ["13:00", "17:30"]],
                "sat": [["10:00", "14:00"]],
            }
        elif kind == "overnight":
            hours = {"mon-fri": [["22:00", "06:00"]], "sun": [["20:00", "02:00"]]}
        else:
            days: dict[str, Any] = {}
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
                if draw(st.booleans()):
                    o = draw(st.integers(0, 23 * 4)) * 900
                    length = draw(st.integers(1, 24 * 4)) * 900
                    c = (o + length) % 86400
                    if c == o:
                        c = (o + 900) % 86400
                    days[d] = [[_clock(o), _clock(c) if c else "24:00"]]
            hours = days or {"mon": [["09:00", "17:00"]]}
        spec: dict[str, Any] = {"tz": draw(st.sampled_from(ZONES)), "hours": hours}
        day0 = base // 86400
        closed = draw(st.lists(st.integers(0, 20), max_size=2, unique=True))
        if closed:
            spec["closed_dates"] = [iso((day0 + d) * 86400)[:10] for d in closed]  # type: ignore[index]
        if draw(st.integers(0, 4)) == 0:
            d = iso((day0 + draw(st.integers(0, 10))) * 86400)[:10]  # type: ignore[index]
            spec["special_hours"] = [{"date": d, "hours": [["10:00", "12:00"]]}]
        if draw(st.integers(0, 4)) == 0:
            d = iso((day0 + draw(st.integers(0, 10))) * 86400)[:10]  # type: ignore[index]
            spec["closures"] = [{"date": d, "from": "11:00", "to": "13:00"}]
        out[f"C{i}"] = spec
    return out


COND_POOL: tuple[dict[str, Any], ...] = (
    {"kind": "created"},
    {"kind": ["message"], "actor": "agent", "public": True},
    {"kind": "message", "actor": "customer", "public": True},
    {"kind": "message", "public": False},
    {"kind": "updated"},
    {"kind": ["updated", "created"]},
    {"status": ["solved", "closed"]},
    {"status": ["pending"]},
    {"status": "open"},
    {"field": "assignee"},
    {"field": "priority", "equals": "P1"},
    {"field": "priority", "in": ["P1", "urgent"]},
    {"field": "region", "in": ["eu", 1]},
    {"field": "tier", "equals": True},
    {"tag_added": "escalated"},
    {"tag_added": "vip", "kind": "updated"},
    {"reopened": True},
    {"kind": "rating"},
    {"actor": "system"},
)


@st.composite
def custom_metrics(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 2))):
        spec: dict[str, Any] = {
            "start": draw(st.sampled_from(COND_POOL)),
            "stop": draw(st.sampled_from(COND_POOL)),
        }
        if draw(st.booleans()):
            spec["cancel"] = draw(st.sampled_from(COND_POOL))
        if draw(st.integers(0, 3)) == 0:
            spec["armed_by"] = draw(st.sampled_from(COND_POOL))
        for flag in ("repeat", "restart_on_stop", "resume_on_reopen", "while_unsolved"):
            if draw(st.booleans()):
                spec[flag] = True
        pause = draw(st.sampled_from(["policy", "none", "list", "counting"]))
        if pause == "list":
            spec["pause"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
        elif pause == "counting":
            spec["counting"] = draw(
                st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True)
            )
        elif pause == "none":
            spec["pause"] = "none"
        out[f"custom{i}"] = spec
    return out


def _duration(draw: st.DrawFn) -> Any:
    return draw(
        st.one_of(
            st.integers(0, 3).map(lambda x: x * 1800),
            st.sampled_from(["15m", "1h", "2h", "4h", "8h", "30h", "3630s", "1s"]),
        )
    )


@st.composite
def metric_targets(draw: st.DrawFn) -> Any:
    shape = draw(st.sampled_from(["one", "map", "null", "options"]))
    if shape == "one":
        return _duration(draw)
    if shape == "null":
        return None
    targets: dict[str, Any] = {}
    for p in draw(st.lists(st.sampled_from((*PRIORITIES, "default")), max_size=3, unique=True)):
        targets[p] = None if draw(st.integers(0, 5)) == 0 else _duration(draw)
    if shape == "map":
        return targets or {"default": "1h"}
    out: dict[str, Any] = {"targets": targets}
    if draw(st.booleans()):
        out["pause"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
    if draw(st.booleans()):
        out["reopen"] = draw(st.sampled_from(["continue", "new_cycle"]))
    if draw(st.booleans()):
        out["priority_change"] = draw(st.sampled_from(["keep", "restart"]))
    if draw(st.booleans()):
        out["warnings"] = _warnings(draw)
    return out


def _warnings(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "shares": draw(st.lists(st.sampled_from([0.5, 0.75, 0.9, 0.333, 0.999]), max_size=2)),
        "remaining": draw(st.lists(st.sampled_from(["10m", "30m", "2h"]), max_size=2)),
    }


WHEN_POOL: tuple[dict[str, Any], ...] = (
    {"customer": "acme"},
    {"customer": ["acme", "globex"]},
    {"priority": "P1"},
    {"priority": {"in": ["P1", "urgent"]}},
    {"priority": {"exists": False}},
    {"tags": "vip"},
    {"tags": {"any": ["outage", "escalated"]}},
    {"tags": {"none": ["vip"]}},
    {"region": "eu"},
    {"region": {"eq": 1}},
    {"tier": True},
    {"tier": {"ne": 2}},
    {"assignee": {"exists": True}},
    {"customer": "acme", "priority": "P1"},
    {"status": {"not_in": ["Mystery"]}},
)


HOLDING_POOL: tuple[dict[str, Any], ...] = (
    {"team": "t1"},
    {"team": "t2"},
    {"team": ["t1", "t2"]},
    {"assignee": "ana"},
    {"assignee": {"exists": True}},
    {"team": "t2", "assignee": "bo"},
    {"customer": "acme"},
    {"region": "eu"},
    {"tier": {"ne": 2}},
    {"tags": "vip"},
    {"status": "Vendor"},
)


@st.composite
def agreements(draw: st.DrawFn, calendars: list[str], metrics: list[str]) -> dict[str, Any]:
    """An ``agreements:`` section: holdings on teams, assignees, custom fields, tags and
    statuses, with pauses, targets per priority, warnings and underpinned metrics."""
    out: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 3))):
        spec: dict[str, Any] = {
            "while": draw(st.sampled_from(HOLDING_POOL)),
            "calendar": draw(st.sampled_from(calendars)),
        }
        if draw(st.integers(0, 3)) == 0:
            spec["categories"] = draw(
                st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)
            )
        if draw(st.booleans()):
            spec["pause"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))
        targets = draw(metric_targets())
        if isinstance(targets, dict) and "targets" in targets:
            targets = targets["targets"] or None
        spec["targets"] = targets
        if draw(st.booleans()):
            spec["warnings"] = _warnings(draw)
        if draw(st.booleans()):
            spec["underpins"] = draw(st.sampled_from(metrics))
        out[f"A{i}-ola"] = spec
    return out


@st.composite
def configurations(draw: st.DrawFn, with_agreements: bool = False) -> tuple[Configuration, int]:
    base = draw(st.sampled_from(BASES))
    cals = draw(calendars(base))
    customs = draw(custom_metrics())
    names = list(BUILTINS) + list(customs)
    policies: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True))
        pol: dict[str, Any] = {
            "name": f"Pol{i}",
            "calendar": draw(st.sampled_from(sorted(cals))),
            "metrics": {m: draw(metric_targets()) for m in chosen},
        }
        last = i == 0 and draw(st.booleans())
        if not last and draw(st.integers(0, 3)) > 0:
            pol["when"] = draw(st.sampled_from(WHEN_POOL))
        if draw(st.booleans()):
            pol["pause"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
        if draw(st.booleans()):
            pol["reopen"] = "new_cycle"
        if draw(st.booleans()):
            pol["priority_change"] = "restart"
        if draw(st.booleans()):
            pol["warnings"] = _warnings(draw)
        versions = []
        at = base
        for _ in range(draw(st.integers(0, 2))):
            at += draw(st.integers(1, 10 * 86400))
            v: dict[str, Any] = {"effective_from": iso(at)}
            change = draw(st.sampled_from(["metrics", "calendar", "pause", "reopen", "prio"]))
            if change == "metrics":
                chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
                v["metrics"] = {m: draw(metric_targets()) for m in chosen}
            elif change == "calendar":
                v["calendar"] = draw(st.sampled_from(sorted(cals)))
            elif change == "pause":
                v["pause"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
            elif change == "reopen":
                v["reopen"] = draw(st.sampled_from(["continue", "new_cycle"]))
            else:
                v["priority_change"] = draw(st.sampled_from(["keep", "restart"]))
            versions.append(v)
        if versions:
            pol["versions"] = versions
        policies.append(pol)
    doc: dict[str, Any] = {
        "calendars": cals,
        "policies": policies,
        "statuses": {"Awaiting customer": "pending", "Vendor": "on_hold", "Done": "solved"},
    }
    if customs:
        doc["metrics"] = customs
    if draw(st.booleans()):
        doc["settings"] = {"default_priority": draw(st.sampled_from(PRIORITIES))}
    if with_agreements:
        doc["agreements"] = draw(agreements(sorted(cals), names))
    return build_config(doc), base


def _field_change(draw: st.DrawFn, tags: list[str]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for _ in range(draw(st.integers(1, 3))):
        which = draw(
            st.sampled_from(
                ["status", "status", "status", "priority", "customer", "assignee", "tags",
                 "region", "tier", "team", "channel"]
            )
        )  # fmt: skip
        if which == "status":
            out["status"] = draw(st.sampled_from(STATUS_NAMES))
        elif which == "priority":
            out["priority"] = draw(st.one_of(st.sampled_from(PRIORITIES), st.none()))
        elif which == "customer":
            out["customer"] = draw(st.one_of(st.sampled_from(CUSTOMERS), st.none()))
        elif which == "assignee":
            out["assignee"] = draw(st.one_of(st.sampled_from(["ana", "bo"]), st.none()))
        elif which == "tags":
            tag = draw(st.sampled_from(TAGS))
            if tag in tags:
                tags.remove(tag)
            else:
                tags.append(tag)
            out["tags"] = tuple(tags)
        elif which == "region":
            out["region"] = draw(st.sampled_from(["eu", "us", 1, 1.0, True, None]))
        elif which == "tier":
            out["tier"] = draw(st.sampled_from([True, False, 1, 2, "gold", None]))
        elif which == "team":
            out["team"] = draw(st.sampled_from(["t1", "t2"]))
        else:
            out["channel"] = draw(st.sampled_from(["email", "web"]))
    return out


@st.composite
def event_logs(draw: st.DrawFn, base: int) -> tuple[list[Event], int]:
    events: list[Event] = []
    seq = 0
    latest = base
    for k in range(draw(st.integers(1, 5))):
        ticket = f"T{draw(st.integers(0, 99)):02d}-{k}"
        t = base + draw(st.integers(0, 5 * 86400))
        tags: list[str] = []
        n = draw(st.integers(1, 14))
        created_at = draw(st.sampled_from([0, 0, 0, 1, -1]))  # index of 'created'; -1: none
        for i in range(n):
            gap = draw(
                st.one_of(
                    st.just(0), st.integers(1, 600), st.integers(600, 6 * 3600),
                    st.integers(6 * 3600, 4 * 86400),
                )
            )  # fmt: skip
            t += gap if i else 0
            rare = Kind.DELETED if draw(st.integers(0, 9)) == 0 else Kind.MESSAGE
            if i == created_at or (i == 2 and draw(st.integers(0, 9)) == 0):
                kind = Kind.CREATED
            else:
                kind = draw(
                    st.sampled_from(
                        [Kind.UPDATED, Kind.UPDATED, Kind.MESSAGE, Kind.MESSAGE, Kind.MESSAGE,
                         Kind.RATING, rare]
                    )
                )  # fmt: skip
            actor: Actor | None = None
            public: bool | None = None
            fields: dict[str, FieldValue] = {}
            if kind is Kind.MESSAGE:
                actor = draw(st.sampled_from(list(Actor)))
                public = draw(st.booleans())
            else:
                actor = draw(st.one_of(st.none(), st.sampled_from(list(Actor))))
            if kind in (Kind.CREATED, Kind.UPDATED):
                fields = _field_change(draw, tags) if draw(st.integers(0, 5)) else {}
                if kind is Kind.CREATED and draw(st.booleans()):
                    fields.setdefault("priority", draw(st.sampled_from(PRIORITIES)))
                    fields.setdefault("customer", draw(st.sampled_from(CUSTOMERS)))
            if kind is Kind.RATING:
                fields = {"rating": draw(st.sampled_from(["good", "bad", 3]))}
            seq += draw(st.integers(-3, 3)) if draw(st.integers(0, 4)) == 0 else 1
            events.append(
                Event(
                    event_id=f"{ticket}-{i}",
                    ticket_id=ticket,
                    ts=t,
                    kind=kind,
                    actor=actor,
                    public=public,
                    fields=fields,
                    seq=seq,
                    ts_us=draw(st.sampled_from([0, 0, 0, 500000])),
                )
            )
        latest = max(latest, t)
    as_of = draw(st.integers(base, latest + 3 * 86400))
    shuffled = draw(st.permutations(events))
    return list(shuffled), as_of
