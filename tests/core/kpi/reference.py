"""A row-by-row reference for ticket facts: one ticket at a time over the engine's own
timeline (:func:`accord.core.engine.timeline.build_timeline`), in plain Python. The vectorised
facts must agree with it on every ticket."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from accord.core.config.resolved import Configuration
from accord.core.engine.timeline import build_timeline
from accord.core.events import SOLVED_CATEGORIES, Event, FieldValue, Kind


def _text(v: FieldValue) -> Any:
    if v is None:
        return None
    if isinstance(v, tuple):
        return list(v)
    return v if isinstance(v, bool) else str(v)


def _nonempty(v: FieldValue) -> bool:
    return v is not None and v != "" and v != ()


def reference_facts(
    events: Iterable[Event],
    config: Configuration,
    as_of: int,
    custom: Iterable[str] = (),
    good_rating_min: float = 4.0,
) -> dict[str, dict[str, Any]]:
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_ticket[e.ticket_id].append(e)
    out: dict[str, dict[str, Any]] = {}
    for tid, evs in by_ticket.items():
        tl = build_timeline(tid, evs, config, as_of)
        moments = tl.moments
        if not moments:
            continue
        solves = [
            i
            for i, m in enumerate(moments)
            if m.status in SOLVED_CATEGORIES and m.status_before not in SOLVED_CATEGORIES
        ]
        last = moments[-1]
        solved = last.status in SOLVED_CATEGORIES
        deleted = tl.deleted_at is not None
        replies = [i for i, m in enumerate(moments) if m.event.is_public_agent_message]
        before_first = [i for i in replies if not solves or i < solves[0]]
        reopens = sum(1 for m in moments if m.reopened)
        reassignments = 0
        previous: dict[str, str | None] = {"assignee": None, "team": None}
        for m in moments:
            moved = False
            for name in ("assignee", "team"):
                if name not in m.event.fields:
                    continue
                value = m.event.fields[name]
                if not _nonempty(value):
                    continue
                text = ";".join(value) if isinstance(value, tuple) else str(value)
                if previous[name] is not None and text != previous[name]:
                    moved = True
                previous[name] = text
            reassignments += moved
        rating: str | None = None
        rated_at: int | None = None
        for m in moments:
            r = m.event.fields.get("rating")
            if m.event.kind is Kind.RATING and r is not None:
                rating, rated_at = str(r), m.t
        try:
            score = float(rating) if rating is not None else None
        except ValueError:
            score = None
        good = (
            True
            if rating == "good"
            else False
            if rating == "bad"
            else (score >= good_rating_min if score is not None else None)
        )
        row: dict[str, Any] = {
            "created": next((m.t for m in moments if m.is_creation), None),
            "first_solved": moments[solves[0]].t if solves else None,
            "last_solved": moments[solves[-1]].t if solves else None,
            "solved": solved,
            "status": last.status.value,
            "deleted": deleted,
            "backlog": not solved and not deleted,
            "reopens": reopens,
            "reopened": reopens > 0,
            "reassignments": reassignments,
            "reassigned": reassignments > 0,
            "replies": len(replies),
            "replies_before_first_solve": len(before_first),
            "fcr_eligible": solved and len(before_first) >= 1,
            "fcr": solved and len(before_first) == 1 and reopens == 0,
            "rating": rating,
            "rating_score": score,
            "rating_good": good,
            "rated": rating is not None,
            "rated_at": rated_at,
            "policy": last.policy.name if last.policy is not None else None,
        }
        for name in ("priority", "customer", "team", "assignee", "channel", "type", "tags"):
            row[name] = _text(last.fields.get(name))
        for name in custom:
            row[f"field.{name}"] = _text(last.fields.get(name))
        row["open_spans"] = _spans(moments, tl.deleted_at)
        out[tid] = row
    return out


def _spans(moments: list[Any], deleted_at: int | None) -> list[tuple[int, int | None]]:
    spans: list[tuple[int, int | None]] = []
    creation = next((i for i, m in enumerate(moments) if m.is_creation), None)
    if creation is None:  # never created: a 'created' event came only after a deletion
        return spans
    out_before = True  # before its creation a ticket is in no backlog
    start: int | None = None
    for m in moments[creation:]:
        out = m.status in SOLVED_CATEGORIES or m.event.kind is Kind.DELETED
        if out_before and not out:
            start = m.t
        elif not out_before and out:
            assert start is not None
            spans.append((start, m.t))
            start = None
        out_before = out
    if start is not None:
        spans.append((start, None))
    return spans
