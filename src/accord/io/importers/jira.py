"""Jira Service Management issues with their changelog, as the Jira REST API returns them.

Accepted records: an issue from ``GET /rest/api/3/issue/{key}?expand=changelog`` (or ``/2/``),
alone, in an array, one per line, or in the ``issues`` list of a search page. The importer
reads ``key``, ``fields`` (the issue's values now, including ``created`` and
``comment.comments``) and ``changelog.histories`` (each ``{id, created, items: [{field,
fieldId, from, fromString, to, toString}]}``).

Jira keeps the current values and the history of changes, so the importer walks the history
backwards from the current values to find the values at creation, then forwards: the issue's
``created`` event holds the values at creation, each history that changed a mapped field is
an ``updated`` event, and each comment a ``message`` whose visibility is ``jsdPublic``
(a Service Management internal comment is ``false``; a comment without it is public). The
author of a comment is the ``customer`` when their ``accountType`` is ``customer`` or they
reported the issue, ``system`` for an ``app`` account, otherwise an ``agent``.

User fields (assignee, reporter) are identified by ``accountId`` (history items: ``from`` /
``to``); other fields by name (history items: ``fromString`` / ``toString``); ``labels`` are
tags. An issue whose changelog or comments the API cut short (``total`` above the number
returned) is quarantined: its values at creation cannot be known; fetch the rest with
``GET /rest/api/3/issue/{key}/changelog`` and merge it into ``changelog.histories``.
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
    Target,
    canonical_value,
    event_of,
    targets_by_source,
    text_of,
)
from accord.io.importers.mapping import ImportMapping, Role
from accord.io.importers.memo import MEMO, InstantTexts, exact_key, remembered
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import SOURCE_STATUS, status_category

_USER_TARGETS = frozenset({"assignee", "customer"})

# the keys ``convert_parts`` reads, for the page reader's typed decoding (``record_type``);
# a nested shape typed here that a record does not have sends its page to the stdlib reader
_Item = TypedDict(
    "_Item",
    {"field": Any, "fieldId": Any, "from": Any, "fromString": Any, "to": Any, "toString": Any},
    total=False,
)


class _History(TypedDict, total=False):
    id: Any
    created: Any
    items: list[_Item] | None


class _Changelog(TypedDict, total=False):
    total: Any
    histories: list[_History] | None


class _Comment(TypedDict, total=False):
    id: Any
    author: Any
    created: Any
    jsdPublic: Any


class _Comments(TypedDict, total=False):
    comments: list[_Comment] | None
    total: Any


_MISSING = object()


def _object_value(value: Any, user: bool) -> Any:
    """The identifying value of a Jira field value (objects, lists, scalars)."""
    if value is None or value.__class__ is str:
        return value  # the common case first: neither an object nor a list
    if value.__class__ is dict or isinstance(value, Mapping):
        keys = ("accountId", "name", "key", "emailAddress") if user else ("name", "value", "key")
        for key in keys:
            if value.get(key) is not None:
                return value[key]
        return value.get("id")
    if isinstance(value, list):
        return [_object_value(v, user) for v in value]
    return value


class JiraImporter(JsonImporter):
    format: ClassVar[str] = "jira"
    title: ClassVar[str] = "Jira Service Management issues with changelog (REST API JSON)"
    row_name: ClassVar[str] = "issue"
    unchanged_means: ClassVar[str] = "nothing to import"
    batch_checks: ClassVar[bool] = True  # an issue converts on its own (no commit)
    list_keys: ClassVar[frozenset[str]] = frozenset({"issues"})
    wrapper_keys: ClassVar[frozenset[str]] = frozenset({"issue"})
    roles: ClassVar[tuple[Role, ...]] = (
        Role("status", help="the field that holds the status (status)"),
        Role("created_at", help="the field with the creation instant (created)"),
        Role("requester", help="the user field of who raised the issue (reporter)"),
    )

    def __init__(self, mapping: ImportMapping) -> None:
        super().__init__(mapping)
        self._status = mapping.column("status") or "status"
        self._created = mapping.column("created_at") or "created"
        self._reporter = mapping.column("requester") or "reporter"
        self._targets = targets_by_source(mapping)
        self._by_lower = {k.lower(): k for k in (*self._targets, self._status)}
        self._users: dict[str, bool] = {}  # source -> whether it holds a user (memo)
        self._tag_sources = frozenset(
            s for s, ts in self._targets.items() if any(t.name == "tags" for t in ts)
        )
        # per distinct text: its instant, and the canonical fields of a source's value (both
        # depend on the text only; a failure is not kept, so it is raised again each time)
        self._instants = InstantTexts(mapping)
        self._fields: dict[Any, list[tuple[str, FieldValue]]] = {}
        # the sources read on every issue, with whether each holds a user (fixed by the
        # mapping: worked out once, not once an issue)
        self._now_sources = [
            (s, self._is_user(s)) for s in dict.fromkeys([*self._targets, self._status])
        ]
        self._lowered: dict[str, str | None] = {}  # item field name -> source (memo)

    def record_type(self) -> Any:
        # the issue's fields the mapping reads (values as they come), and its comments
        names: dict[str, Any] = dict.fromkeys(
            [*self._targets, self._status, self._created, self._reporter], Any
        )
        names.setdefault("comment", _Comments | None)
        make: Any = TypedDict  # made from the mapping's names: a type checker sees none
        fields = make("_Fields", names, total=False)
        return make(
            "_Issue",
            {"id": Any, "key": Any, "changelog": _Changelog | None, "fields": fields | None},
            total=False,
        )

    def columns(self) -> Any | None:
        from accord.io.importers.jira_columns import JiraColumns

        return JiraColumns(self) if JiraColumns.usable(self) else None

    def _is_user(self, source: str) -> bool:
        got = self._users.get(source)
        if got is None:
            got = self._users[source] = source == self._reporter or any(
                t.name in _USER_TARGETS for t in self._targets.get(source, ())
            )
        return got

    def _source_of(self, item: Mapping[str, Any]) -> str | None:
        lowered = self._lowered
        for key in ("fieldId", "field"):
            name = item.get(key)
            if name.__class__ is str or isinstance(name, str):
                got = lowered.get(name, _MISSING)
                if got is _MISSING:
                    got = self._by_lower.get(name.lower())
                    if len(lowered) < MEMO:
                        lowered[name] = got
                if got is not None:
                    return got  # type: ignore[return-value]
        return None

    def _item_value(self, item: Mapping[str, Any], side: str, source: str) -> Any:
        text = item.get(f"{side}String")
        if self._is_user(source) and item.get(side) is not None:
            return item.get(side)
        if source in self._tag_sources and isinstance(text, str):
            return text.split()  # Jira lists labels separated by spaces
        return text

    def _ts(self, value: Any, where: str) -> datetime:
        return self._instants.parse(value, where)

    def _canonical(self, values: Mapping[str, Any]) -> dict[str, FieldValue]:
        out: dict[str, FieldValue] = {}
        memo = self._fields
        for source, value in values.items():
            cls = value.__class__
            if value is None or cls is str or cls is int or cls is bool:
                # ``exact_key``'s key for these, looked up here: a call less a value
                got = memo.get((source, (cls, value)))
                if got is None:
                    got = remembered(
                        memo,
                        (source, (cls, value)),
                        lambda: self._canonical_of(source, value),  # noqa: B023
                    )
            else:
                got = remembered(
                    memo,
                    (source, k) if (k := exact_key(value)) is not None else None,
                    lambda: self._canonical_of(source, value),  # noqa: B023  (called at once)
                )
            for name, v in got:
                out[name] = v
        return out

    def _canonical_of(self, source: str, value: Any) -> list[tuple[str, FieldValue]]:
        """The canonical fields one source value gives, in order (raises ``RowError``)."""
        out: list[tuple[str, FieldValue]] = []
        if source == self._status:
            name = text_of(value)
            if name is None:
                raise RowError(f"fields.{source}", "the status is missing")
            out.append(("status", status_category(self.mapping, f"fields.{source}", name)))
            out.append((SOURCE_STATUS, name))
        for target in self._targets.get(source, ()):
            out.append((target.name, self._value(target, value)))
        return out

    def _value(self, target: Target, value: Any) -> FieldValue:
        if isinstance(value, list) and target.name != "tags":
            value = ", ".join(str(v) for v in value if v is not None)
        return canonical_value(self.mapping, target, value)

    def convert(self, row: SourceRow) -> Conversion:
        return Conversion([event_of(p) for p in self.convert_parts(row)])

    def convert_parts(self, row: SourceRow) -> list[EventParts]:
        issue = row.data
        key = text_of(issue.get("key")) or text_of(issue.get("id"))
        if key is None:
            raise RowError("key", "the issue key is missing")
        fields = issue.get("fields")
        if not isinstance(fields, Mapping):
            raise RowError("fields", "the issue has no 'fields' object")
        created = self._ts(fields.get(self._created), f"fields.{self._created}")
        changelog = issue.get("changelog") or {}
        histories = list(changelog.get("histories") or [])
        total = changelog.get("total")
        if isinstance(total, int) and total > len(histories):
            raise RowError(
                "changelog",
                f"the changelog holds {len(histories)} of {total} histories; fetch the rest "
                "(GET /rest/api/3/issue/{key}/changelog) and merge them into changelog.histories",
            )
        comment = fields.get("comment") or {}
        comments = list(comment.get("comments") or []) if isinstance(comment, Mapping) else []
        ctotal = comment.get("total") if isinstance(comment, Mapping) else None
        if isinstance(ctotal, int) and ctotal > len(comments):
            raise RowError(
                "fields.comment",
                f"the issue holds {len(comments)} of {ctotal} comments; fetch the rest "
                "(GET /rest/api/3/issue/{key}/comment) and merge them into comment.comments",
            )
        values = {s: _object_value(fields.get(s), user) for s, user in self._now_sources}
        dated = sorted(
            ((self._ts(h.get("created"), f"changelog.histories[{n}].created"), n, h)
             for n, h in enumerate(histories)),
            key=lambda x: (x[0], x[1]),
        )  # fmt: skip
        # each history's mapped items, found once for the walk back and the walk forward
        mapped: dict[int, list[tuple[str, Mapping[str, Any]]]] = {}
        for _, n, h in reversed(dated):
            found = mapped[n] = []
            for item in h.get("items") or []:
                source = self._source_of(item)
                if source is not None:
                    found.append((source, item))
                    values[source] = self._item_value(item, "from", source)
        events: list[tuple[datetime, int, EventParts]] = []
        initial: dict[str, FieldValue] = {
            k: v for k, v in self._canonical(values).items() if v is not None and v != ()
        }
        events.append((created, 0, (f"jira:{key}", key, created, "created", None, None, initial)))
        for at, n, h in dated:
            changed: dict[str, Any] = {}
            for source, item in mapped[n]:
                changed[source] = self._item_value(item, "to", source)
            if changed:
                eid = f"jira:{key}:h{text_of(h.get('id')) or n}"
                events.append(
                    (at, 1, (eid, key, at, "updated", None, None, self._canonical(changed)))
                )
        reporter = text_of(_object_value(fields.get(self._reporter), True))
        for n, c in enumerate(comments):
            at = self._ts(c.get("created"), f"fields.comment.comments[{n}].created")
            author = c.get("author") if isinstance(c.get("author"), Mapping) else {}
            public = c.get("jsdPublic")
            eid = f"jira:{key}:c{text_of(c.get('id')) or n}"
            actor = self._actor(author, reporter)
            message = (eid, key, at, "message", actor, public is not False, None)
            # before a change at the same instant: a reply "and resolve" answers first
            events.append((at, 0 if at > created else 2, message))
        events.sort(key=lambda x: (x[0], x[1]))
        return [e for _, _, e in events]

    @staticmethod
    def _actor(author: Mapping[str, Any], reporter: str | None) -> str:
        kind = author.get("accountType")
        if kind == "customer":
            return "customer"
        if kind == "app":
            return "system"
        who = text_of(_object_value(author, True))
        return "customer" if who is not None and who == reporter else "agent"
