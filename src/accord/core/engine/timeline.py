"""A ticket's history replayed: the fields after every event, its status category and the
policy (and policy version) in force. Every clock is then run over this one timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accord.core.config.models import EventCondition
from accord.core.config.resolved import Configuration, Policy, PolicyVersionResolved
from accord.core.events import SOLVED_CATEGORIES, Event, FieldValue, Kind, StatusCategory
from accord.core.timeutil import Instant


@dataclass(frozen=True, slots=True)
class Moment:
    """The state of a ticket right after one event."""

    t: Instant
    event: Event
    is_creation: bool
    status_before: StatusCategory | None
    status: StatusCategory
    changed: Mapping[str, tuple[FieldValue, FieldValue]]  # field -> (before, after)
    fields: Mapping[str, FieldValue]
    policy: Policy | None
    version: PolicyVersionResolved | None
    notes: tuple[str, ...] = ()

    @property
    def priority(self) -> str | None:
        p = self.fields.get("priority")
        return None if p is None else str(p)

    @property
    def reopened(self) -> bool:
        return self.status_before in SOLVED_CATEGORIES and self.status not in SOLVED_CATEGORIES

    def field_str(self, name: str) -> str | None:
        v = self.fields.get(name)
        return None if v is None or v == () else str(v)


@dataclass(frozen=True, slots=True)
class PolicySwitch:
    at: Instant
    before: str | None
    after: str | None
    cause: str
    event_id: str


@dataclass(slots=True)
class Timeline:
    ticket_id: str
    moments: list[Moment] = field(default_factory=list)
    switches: list[PolicySwitch] = field(default_factory=list)
    deleted_at: Instant | None = None


def build_timeline(
    ticket_id: str, events: Sequence[Event], config: Configuration, as_of: Instant
) -> Timeline:
    """Replay ``events`` of one ticket (any order) up to ``as_of``.

    Events are ordered by ``ts`` (ties by arrival). The first ``created`` event is the
    creation; when a log has none, the earliest event stands in for it. A second ``created``
    acts as an update. Nothing after a ``deleted`` event counts.
    """
    ordered = sorted((e for e in events if e.ts <= as_of), key=Event.sort_key)
    tl = Timeline(ticket_id)
    if not ordered:
        return tl
    has_created = any(e.kind is Kind.CREATED for e in ordered)
    fields: dict[str, FieldValue] = {}
    status: StatusCategory | None = None
    policy: Policy | None = None
    default_priority = config.settings.default_priority
    created = False
    for ev in ordered:
        is_creation = not created and (ev.kind is Kind.CREATED or not has_created)
        notes: list[str] = []
        if is_creation:
            created = True
            if ev.kind is not Kind.CREATED:
                notes.append("no 'created' event in the log: the first event stands in for it")
        changed: dict[str, tuple[FieldValue, FieldValue]] = {}
        for name, value in ev.fields.items():
            old = fields.get(name)
            if old != value:
                changed[name] = (old, value)
                fields[name] = value
        if is_creation and fields.get("priority") is None and default_priority is not None:
            changed["priority"] = (None, default_priority)
            fields["priority"] = default_priority
        status_before = status
        if "status" in ev.fields:
            raw = ev.fields["status"]
            cat = config.status_category(raw) if raw is not None else None
            if cat is None:
                notes.append(f"status '{raw}' is not mapped to a category: kept {status or 'new'}")
                cat = status or StatusCategory.NEW
            status = cat
        elif status is None:
            status = StatusCategory.NEW
        before = policy
        policy = config.select_policy(fields)
        version = policy.version_at(ev.ts) if policy is not None else None
        if (before.name if before else None) != (policy.name if policy else None):
            cause = ", ".join(f"{k}: {_show(a)} → {_show(b)}" for k, (a, b) in changed.items())
            tl.switches.append(
                PolicySwitch(
                    at=ev.ts,
                    before=before.name if before else None,
                    after=policy.name if policy else None,
                    cause=cause or "ticket created",
                    event_id=ev.event_id,
                )
            )
        tl.moments.append(
            Moment(
                t=ev.ts,
                event=ev,
                is_creation=is_creation,
                status_before=status_before,
                status=status,
                changed=changed,
                fields=dict(fields),
                policy=policy,
                version=version,
                notes=tuple(notes),
            )
        )
        if ev.kind is Kind.DELETED:
            tl.deleted_at = ev.ts
            break
    return tl


def _show(v: FieldValue) -> str:
    if v is None:
        return "∅"
    if isinstance(v, tuple):
        return "[" + ", ".join(v) + "]"
    return str(v)


def matches(cond: EventCondition, m: Moment) -> bool:
    """Whether the event at moment ``m`` satisfies ``cond`` (every key given must hold)."""
    ev = m.event
    if cond.kind is not None and not (kinds_of(m) & set(cond.kind)):
        return False
    if cond.actor is not None and ev.actor not in cond.actor:
        return False
    if cond.public is not None and ev.public is not cond.public:
        return False
    if cond.status is not None and (m.status == m.status_before or m.status not in cond.status):
        return False
    if cond.reopened is not None and m.reopened != cond.reopened:
        return False
    if cond.field is not None:
        if cond.field not in m.changed:
            return False
        new = m.changed[cond.field][1]
        if new is None or new == "" or new == ():
            return False
        if cond.equals is not None and str(new) != str(cond.equals):
            return False
        if cond.in_ is not None and str(new) not in {str(x) for x in cond.in_}:
            return False
    if cond.tag_added is not None:
        before, after = m.changed.get("tags", ((), ()))
        if not _has_tag(after, cond.tag_added) or _has_tag(before, cond.tag_added):
            return False
    return True


def kinds_of(m: Moment) -> set[Kind]:
    """The kinds a moment counts as: the creation is ``created`` (a stand-in creation event
    also keeps its own kind); a repeated ``created`` counts as ``updated``."""
    own = Kind.UPDATED if m.event.kind is Kind.CREATED else m.event.kind
    if m.is_creation:
        return {Kind.CREATED, own} if m.event.kind is not Kind.CREATED else {Kind.CREATED}
    return {own}


def _has_tag(tags: FieldValue, tag: str) -> bool:
    if isinstance(tags, tuple):
        return tag in tags
    return tags is not None and str(tags) == tag
