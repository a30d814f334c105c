"""Freshdesk tickets with their conversations, as the Freshdesk API v2 returns them.

Accepted records: a ticket from ``GET /api/v2/tickets/{id}?include=conversations,stats`` (or
without ``stats``), alone, in an array (``GET /api/v2/tickets``), one per line, or in the
``results`` list of a search page. A ticket may also carry a ``conversations`` list fetched
separately (``GET /api/v2/tickets/{id}/conversations``).

Freshdesk's API keeps a ticket's current values, not their history, so the import rebuilds
only what the ticket shows: a ``created`` event at ``created_at`` with the current priority,
group, agent, company, source, type and tags (their earlier values are not in the API) and
the status ``initial_status`` (Open, 2); then the status changes the ``stats`` timestamps
date (``pending_since`` → 3, ``resolved_at`` → 4, ``closed_at`` → 5, ``reopened_at`` → 2,
``status_updated_at`` → the current status), in time order; and each conversation as a
``message``: from the ``customer`` when ``incoming`` is true, otherwise from an ``agent``,
an internal note when ``private`` is true. Without ``stats``, a ticket whose status is no
longer the initial one changes to it at ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, TypedDict

from accord.core.events import FieldValue
from accord.io.importers.base import (
    Conversion,
    EventParts,
    JsonImporter,
    RowError,
    canonical_value,
    dig,
    event_of,
    targets_by_source,
    text_of,
)
from accord.io.importers.mapping import ImportMapping, Role
from accord.io.importers.memo import MEMO, InstantTexts, exact_key, remembered
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import SOURCE_STATUS, status_category

# stats timestamp -> the status code it dates (None: the ticket's current status)
_STATS: tuple[tuple[str, str | None], ...] = (
    ("pending_since", "3"),
    ("resolved_at", "4"),
    ("closed_at", "5"),
    ("status_updated_at", None),
)
_REOPENED = "reopened_at"
_UNSEEN: Any = object()


# the keys ``convert_parts`` reads besides the mapped ones, for the page reader's typed
# decoding (``record_type``): a ticket whose stats or conversations have another shape
# sends its page to the stdlib reader
class _Stats(TypedDict, total=False):
    pending_since: Any
    resolved_at: Any
    closed_at: Any
    status_updated_at: Any
    reopened_at: Any


class _Conversation(TypedDict, total=False):
    id: Any
    created_at: Any
    incoming: Any
    private: Any


class FreshdeskImporter(JsonImporter):
    format: ClassVar[str] = "freshdesk"
    title: ClassVar[str] = "Freshdesk tickets with conversations (API v2 JSON)"
    row_name: ClassVar[str] = "ticket"
    unchanged_means: ClassVar[str] = "nothing to import"
    batch_checks: ClassVar[bool] = True  # a ticket converts on its own (no commit)
    list_keys: ClassVar[frozenset[str]] = frozenset({"results", "tickets"})
    wrapper_keys: ClassVar[frozenset[str]] = frozenset({"ticket"})
    keys: ClassVar[frozenset[str]] = JsonImporter.keys | {"initial_status"}
    roles: ClassVar[tuple[Role, ...]] = (
        Role("status", help="the ticket key that holds the status code (status)"),
    )

    def __init__(self, mapping: ImportMapping) -> None:
        super().__init__(mapping)
        self._status = mapping.column("status") or "status"
        self._targets = targets_by_source(mapping)
        # per distinct value: instants, canonical values, status fields (see memo.py)
        self._instants = InstantTexts(mapping)
        self._values: dict[Any, FieldValue] = {}
        self._statuses: dict[Any, dict[str, FieldValue]] = {}
        self._plan = [(s, t) for s, ts in self._targets.items() for t in ts]  # in order

    def record_type(self) -> Any:
        names: dict[str, Any] = {"id": Any, "created_at": Any, "updated_at": Any}
        for source in [self._status, *(s for s, _ in self._plan)]:
            names[source] = Any  # ``dig`` reads the key as it is written first,
            names[source.split(".")[0]] = Any  # then its path from the first part
        names.setdefault("stats", _Stats | None)
        names.setdefault("conversations", list[_Conversation] | None)
        make: Any = TypedDict  # made from the mapping's names: a type checker sees none
        return make("_Ticket", names, total=False)

    def columns(self) -> Any | None:
        from accord.io.importers.freshdesk_columns import FreshdeskColumns

        return FreshdeskColumns(self) if FreshdeskColumns.usable(self) else None

    def _ts(self, value: Any, where: str) -> datetime:
        return self._instants.parse(value, where)

    def _status_fields(self, code: str) -> dict[str, FieldValue]:
        """The status fields of a code (shared per code: not to be changed)."""

        def make() -> dict[str, FieldValue]:
            category = status_category(self.mapping, self._status, code)
            return {"status": category, SOURCE_STATUS: code}

        return remembered(self._statuses, code, make)

    def _fields(self, t: Mapping[str, Any]) -> dict[str, FieldValue]:
        """The mapped fields a ticket sets (its canonical values, once per distinct value)."""
        fields: dict[str, FieldValue] = {}
        memo = self._values
        for source, target in self._plan:
            raw = dig(t, source)
            key = exact_key(raw)
            if key is None:
                value = canonical_value(self.mapping, target, raw)
            else:
                mk = (source, target.name, key)
                value = memo.get(mk, _UNSEEN)
                if value is _UNSEEN:
                    value = canonical_value(self.mapping, target, raw)  # may raise: not kept
                    if len(memo) >= MEMO:
                        memo.clear()
                    memo[mk] = value
            if value is not None and value != ():
                fields[target.name] = value
        return fields

    def convert(self, row: SourceRow) -> Conversion:
        return Conversion([event_of(p) for p in self.convert_parts(row)])

    def convert_parts(self, row: SourceRow) -> list[EventParts]:
        t = row.data
        tid = text_of(t.get("id"))
        if tid is None:
            raise RowError("id", "the ticket id is missing")
        created = self._ts(t.get("created_at"), "created_at")
        current = text_of(t.get(self._status))
        if current is None:
            raise RowError(self._status, "the status is missing")
        initial = self.mapping.initial_status or current
        fields = self._fields(t)
        fields.update(self._status_fields(initial))  # copied: ``fields`` is the record's
        events: list[tuple[datetime, int, EventParts]] = [
            (created, 0, (f"freshdesk:{tid}", tid, created, "created", None, None, fields))
        ]
        dated: list[tuple[datetime, str]] = []
        stats = t.get("stats")
        if isinstance(stats, Mapping):
            for key, code in _STATS:
                if stats.get(key):
                    dated.append((self._ts(stats[key], f"stats.{key}"), code or current))
            if stats.get(_REOPENED):
                dated.append((self._ts(stats[_REOPENED], f"stats.{_REOPENED}"), initial))
        dated.sort(key=lambda x: x[0])
        status = initial
        for at, code in dated:
            if code != status and at >= created:
                eid = f"freshdesk:{tid}:s{code}@{at.isoformat()}"
                events.append(
                    (at, 1, (eid, tid, at, "updated", None, None, self._status_fields(code)))
                )
                status = code
        if status != current:
            at = self._ts(t.get("updated_at"), "updated_at")
            eid = f"freshdesk:{tid}:s{current}@{at.isoformat()}"
            events.append(
                (at, 1, (eid, tid, at, "updated", None, None, self._status_fields(current)))
            )
        for n, c in enumerate(t.get("conversations") or []):
            at = self._ts(c.get("created_at"), f"conversations[{n}].created_at")
            actor = "customer" if c.get("incoming") is True else "agent"
            eid = f"freshdesk:{tid}:c{text_of(c.get('id')) or n}"
            message = (eid, tid, at, "message", actor, c.get("private") is not True, None)
            # a reply comes before a status change at the same instant, after the creation
            events.append((at, 0 if at > created else 2, message))
        events.sort(key=lambda x: (x[0], x[1]))
        return [e for _, _, e in events]
