"""Small builders for engine tests: events from terse tuples, configurations from dicts."""

from __future__ import annotations

from itertools import count
from typing import Any

from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.events import Actor, Event, Kind
from accord.core.timeutil import parse_as_of

C1 = {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}}
_ids = count(1)


def at(ts: str) -> int:
    return parse_as_of(ts)


def config(metrics: dict[str, Any], **policy: Any) -> Configuration:
    """One calendar C1 (Mon–Fri 09–17 UTC) and one catch-all policy with ``metrics``."""
    return build_config(
        {
            "calendars": {"C1": C1},
            "policies": [{"name": "Standard", "calendar": "C1", "metrics": metrics, **policy}],
        }
    )


def ev(
    ts: str,
    kind: str,
    actor: str | None = None,
    public: bool | None = None,
    ticket: str = "T1",
    seq: int | None = None,
    **fields: Any,
) -> Event:
    n = next(_ids)
    return Event(
        event_id=f"e{n}",
        ticket_id=ticket,
        ts=at(ts),
        kind=Kind(kind),
        actor=Actor(actor) if actor else None,
        public=public,
        fields={k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
        seq=n if seq is None else seq,
    )


def created(ts: str, **fields: Any) -> Event:
    return ev(ts, "created", "customer", **fields)


def status(ts: str, value: str, **kw: Any) -> Event:
    return ev(ts, "updated", "agent", status=value, **kw)


def agent_reply(ts: str, **kw: Any) -> Event:
    return ev(ts, "message", "agent", True, **kw)


def customer_msg(ts: str, **kw: Any) -> Event:
    return ev(ts, "message", "customer", True, **kw)


def note(ts: str, **kw: Any) -> Event:
    return ev(ts, "message", "agent", False, **kw)
