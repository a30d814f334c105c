"""Zendesk ticket audits and incremental ticket events, as the Support API returns them.

Accepted records (in pages such as ``{"audits": [...]}`` or ``{"ticket_events": [...]}``,
in arrays, or one per line):

- a **ticket audit** (``GET /api/v2/tickets/{id}/audits``, ``GET /api/v2/ticket_audits``):
  ``id``, ``ticket_id``, ``created_at``, ``author_id``, ``via``, and ``events`` whose ``type``
  is ``Create`` / ``Change`` (``field_name``, ``value``), ``Comment`` (``public``,
  ``author_id``), ``SatisfactionRating`` (``score``) or another type (ignored);
- an **incremental ticket event** (``GET /api/v2/incremental/ticket_events``, optionally with
  the ``comment_events`` sideload): ``event_type: Audit`` with ``ticket_id``, ``timestamp`` /
  ``created_at``, ``updater_id``, ``via`` and ``child_events``, in which a change names its
  field as a key (``{"status": "open", "previous_value": "new", "event_type": "Change"}``)
  and a comment is ``event_type: Comment`` (with ``public`` / ``author_id`` from the
  sideload, or only ``comment_present`` / ``comment_public`` without it). Ticket events of
  other types (SLA metric events) hold nothing for the canonical model.

One record (one update of a ticket) gives: the field changes as one ``created`` (the audit
that creates the ticket) or ``updated`` event; each comment as a ``message`` (public or an
internal note; from the ticket's requester = ``customer``, from user ``-1`` = ``system``,
otherwise ``agent``); each good / bad satisfaction rating as a ``rating``. Comments come
before the field changes of the same update, so a reply sent "as solved" stops the reply
clocks before the solve; the creation always comes first. An update with none of these
(notifications only, unmapped fields only) is a row without change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict

from accord.core.events import FieldValue
from accord.io.importers.base import (
    Conversion,
    EventParts,
    JsonImporter,
    RowError,
    canonical_value,
    event_of,
    targets_by_source,
    text_of,
)
from accord.io.importers.mapping import ImportMapping, Role
from accord.io.importers.memo import MEMO, InstantTexts, exact_key
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import SOURCE_STATUS, status_category

VIA_CHANNEL = "via.channel"  # a pseudo field: how the ticket was created
SYSTEM_USER = "-1"
_META = frozenset(
    {
        "id",
        "type",
        "event_type",
        "via",
        "via_reference_id",
        "previous_value",
        "added_tags",
        "removed_tags",
        "created_at",
        "audit_id",
        "author_id",
        "attachments",
        "public",
        "body",
        "html_body",
        "plain_body",
        "metadata",
    }
)
_COMMENTS = frozenset({"Comment", "VoiceComment"})
_RATINGS = frozenset({"good", "bad"})


# the keys :meth:`ZendeskImporter.convert_with` reads of an audit's event, for the page
# reader's typed decoding (``record_type``): an event of another shape sends its page to the
# stdlib reader
class _AuditEvent(TypedDict, total=False):
    id: Any
    type: Any
    event_type: Any
    field_name: Any
    value: Any
    public: Any
    comment_public: Any
    comment_present: Any
    author_id: Any
    score: Any


class _Record(TypedDict, total=False):
    id: Any
    ticket_id: Any
    created_at: Any
    timestamp: Any
    author_id: Any
    updater_id: Any
    via: Any
    event_type: Any
    metric: Any
    events: list[_AuditEvent] | None
    child_events: Any  # (a change names its field as a key: read whole)


@dataclass(slots=True)
class _Ticket:
    requester: str | None = None
    created: bool = False


def _text(value: Any) -> str | None:
    """``text_of``, texts and whole numbers first (what ids and users mostly are)."""
    cls = value.__class__
    if cls is str:
        return value.strip() or None
    if cls is int:
        return str(value)
    return text_of(value)


def _changes(event: Mapping[str, Any], incremental: bool) -> Iterator[tuple[str, Any]]:
    if not incremental or "field_name" in event:
        name = event.get("field_name")
        if name is not None:
            yield str(name), event.get("value")
        return
    for key, value in event.items():
        if key not in _META:
            yield key, value


class ZendeskImporter(JsonImporter):
    format: ClassVar[str] = "zendesk"
    title: ClassVar[str] = "Zendesk ticket audits / incremental ticket events (API JSON)"
    row_name: ClassVar[str] = "audit"
    unchanged_means: ClassVar[str] = "notifications, unmapped fields or SLA metric events only"
    list_keys: ClassVar[frozenset[str]] = frozenset({"audits", "ticket_events"})
    wrapper_keys: ClassVar[frozenset[str]] = frozenset({"audit"})
    # the columnar importer converts records speculatively, a batch at a time
    # (:mod:`~accord.io.importers.zendesk_batches`), through :meth:`convert_with`
    speculative: ClassVar[bool] = True
    roles: ClassVar[tuple[Role, ...]] = (
        Role("status", help="the Zendesk field that holds the status (status)"),
        Role("requester", help="the field naming the requester (requester_id)"),
    )

    def __init__(self, mapping: ImportMapping) -> None:
        super().__init__(mapping)
        self._tickets: dict[str, _Ticket] = {}
        self._targets = targets_by_source(mapping)
        self._status = mapping.column("status") or "status"
        self._requester = mapping.column("requester") or "requester_id"
        self._instants = InstantTexts(mapping)  # each distinct instant text read once
        self._values: dict[Any, list[tuple[str, FieldValue]]] = {}  # see ``_apply``

    def record_type(self) -> Any:
        return _Record

    def convert(self, row: SourceRow) -> Conversion:
        got = self.convert_with(row, self._tickets.get)
        if got is None:
            return Conversion()  # another kind of ticket event: SLA metric events and the like
        ticket, parts, state = got

        def commit() -> None:
            self._tickets[ticket] = state

        return Conversion([event_of(p) for p in parts], commit)

    def convert_with(
        self, row: SourceRow, known_of: Callable[[str], _Ticket | None]
    ) -> tuple[str, list[EventParts], _Ticket] | None:
        """A record's ticket, events (as parts) and the ticket's state once it is accepted,
        given what the ticket's earlier accepted records left (``known_of``); ``None`` for a
        ticket event of another kind. Raises :class:`RowError` (never from the state: a
        record that fails, fails whatever the ticket's earlier records left)."""
        rec = row.data
        if "events" in rec:
            events, incremental = rec["events"], False
        elif "child_events" in rec:
            events, incremental = rec["child_events"], True
        elif "event_type" in rec or "metric" in rec:
            return None
        else:
            raise RowError("*", "not a ticket audit ('events') nor a ticket event ('child_events')")
        ticket = _text(rec.get("ticket_id"))
        if ticket is None:
            raise RowError("ticket_id", "the ticket id is missing")
        raw_ts = rec.get("created_at") or rec.get("timestamp")
        ts = self._instants.parse(raw_ts, "created_at")
        audit = _text(rec.get("id")) or f"{ticket}@{raw_ts}"
        author = _text(rec.get("author_id", rec.get("updater_id")))
        via = rec.get("via")
        if via.__class__ is dict:  # (the usual: an ABC's isinstance costs more)
            channel = via.get("channel")
        else:
            channel = via.get("channel") if isinstance(via, Mapping) else via

        known = known_of(ticket)
        requester = known.requester if known is not None else None
        creates = False
        fields: dict[str, FieldValue] = {}
        messages: list[EventParts] = []
        ratings: list[EventParts] = []
        # field changes first: the creating audit may list the requester after the comment
        # (each event's kind read once, the comments and ratings kept for the second pass)
        requester_src = self._requester
        apply = self._apply
        kinds: list[Any] = []
        for e in events:
            kind = e.get("type") or e.get("event_type")
            kinds.append(kind)
            if kind in ("Create", "Change"):
                creates = creates or kind == "Create"
                if incremental:
                    for name, value in _changes(e, incremental):
                        if name == requester_src:
                            requester = _text(value)
                        apply(fields, name, value)
                else:  # (``_changes`` of an audit's event, inline)
                    name = e.get("field_name")
                    if name is not None:
                        name, value = str(name), e.get("value")
                        if name == requester_src:
                            requester = _text(value)
                        apply(fields, name, value)
        for n, (e, kind) in enumerate(zip(events, kinds, strict=True)):
            if kind in _COMMENTS:
                if e.get("comment_present") is False:
                    continue
                public = e["public"] if "public" in e else e.get("comment_public")
                who = _text(e.get("author_id")) or author
                eid = f"zendesk:{audit}:{_text(e.get('id')) or n}"
                actor = self._actor(who, requester)
                messages.append((eid, ticket, ts, "message", actor, public is True, None))
            elif kind == "SatisfactionRating":
                score = str(e.get("score") or "").strip().lower()
                if score in _RATINGS:
                    eid = f"zendesk:{audit}:{_text(e.get('id')) or n}"
                    rating: dict[str, FieldValue] = {"rating": score}
                    ratings.append((eid, ticket, ts, "rating", "customer", None, rating))
        first = creates and (known is None or not known.created)
        if first and channel is not None and VIA_CHANNEL in self._targets:
            for target in self._targets[VIA_CHANNEL]:
                fields[target.name] = canonical_value(self.mapping, target, channel)
        out: list[EventParts]
        change: EventParts | None = None
        if fields or first:
            kind = "created" if first else "updated"
            if first:
                fields = {k: v for k, v in fields.items() if v is not None and v != ()}
            change = (f"zendesk:{audit}", ticket, ts, kind, None, None, fields)
        if first and change is not None:
            out = [change, *messages, *ratings]
        else:
            out = [*messages, *([change] if change is not None else []), *ratings]
        created = creates or (known is not None and known.created)
        return ticket, out, _Ticket(requester, created)

    def _apply(self, fields: dict[str, FieldValue], name: str, value: Any) -> None:
        """Set the canonical fields a source field's value gives (once per distinct value:
        the same pairs, in the same order, as :meth:`_pairs` makes them)."""
        cls = value.__class__
        key = (cls, value) if cls is str or cls is int else exact_key(value)  # (its key)
        if key is None:
            fields.update(self._pairs(name, value))
            return
        mk = (name, key)
        got = self._values.get(mk)
        if got is None:
            got = self._pairs(name, value)  # may raise: not kept
            if len(self._values) >= MEMO:
                self._values.clear()
            self._values[mk] = got
        fields.update(got)

    def _pairs(self, name: str, value: Any) -> list[tuple[str, FieldValue]]:
        fields: dict[str, FieldValue] = {}
        if name == self._status:
            status = text_of(value)
            if status is None:
                raise RowError(name, "the status is empty")
            fields["status"] = status_category(self.mapping, name, status)
            fields[SOURCE_STATUS] = status
        for target in self._targets.get(name, ()):
            fields[target.name] = canonical_value(self.mapping, target, value)
        return list(fields.items())

    @staticmethod
    def _actor(author: str | None, requester: str | None) -> str:
        if author is not None and author == requester:
            return "customer"
        if author == SYSTEM_USER:
            return "system"
        return "agent"
