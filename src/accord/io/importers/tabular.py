"""Tabular sources: rows of named cells (CSV, XES events), and the snapshot logic shared by
the audit-style logs, where each row is a ticket's whole state after one update."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from accord.core.events import FieldValue
from accord.errors import InputError
from accord.io.importers.base import (
    CanonicalDict,
    Conversion,
    Importer,
    RowError,
    pick,
    split_tags,
    text_of,
    typed,
)
from accord.io.importers.mapping import CustomField, ImportMapping, Role
from accord.io.importers.sources import SourceFile, SourceRow, csv_rows

SOURCE_STATUS = "source_status"  # custom field that keeps the source's own status name
STATUS_JOIN = "-"  # a status role naming several columns joins their values with this
ALTERNATIVES = frozenset({"created_at"})  # roles whose columns are tried in turn
_SHOWN_COLUMNS = 40


def flat_fields(data: Mapping[str, Any], m: ImportMapping) -> dict[str, FieldValue]:
    """The standard and custom fields a flat row sets, by the mapping (missing cells: None)."""
    return {
        name: flat_value(m, name, spec, table, data.get(column))
        for name, column, spec, table in m.field_plan
    }


def flat_value(
    m: ImportMapping,
    name: str,
    spec: CustomField | None,
    table: Mapping[str, str | None] | None,
    value: Any,
) -> FieldValue:
    """One mapped cell as the field ``name`` holds it (trimmed, missing values as None, the
    value map applied, typed); raises :class:`RowError` for a custom value of the wrong type.
    The columnar importer applies it to each distinct cell of a column."""
    if value.__class__ is str:
        value = value.strip()
        if value in m.missing_set:
            value = None
    if table is not None and value is not None:
        key = value if value.__class__ is str else str(value)
        if key in table:
            value = table[key]
    if spec is None:
        if name == "tags":
            return split_tags(value, m.tag_separator)
        return None if value is None else str(value)
    try:
        return typed(value, spec)
    except ValueError as e:
        raise RowError(spec.column, f"custom field '{name}': {e}") from None


def status_of(data: Mapping[str, Any], m: ImportMapping) -> tuple[str, str] | None:
    """``(category, source name)`` of a flat row's status; ``None`` when no column is mapped."""
    cols = m.role("status")
    if not cols:
        return None
    parts = [text_of(pick(data, m, c)) for c in cols]
    if any(p is None for p in parts):
        raise RowError(cols[0], "the status is missing")
    name = STATUS_JOIN.join(p for p in parts if p is not None)
    return status_category(m, cols[0], name), name


def status_category(m: ImportMapping, column: str, name: str) -> str:
    category = m.status_category(name)
    if category is None:
        raise RowError(
            column, f"status '{name}' is not in the mapping's statuses; add it with its category"
        )
    return category.value


def iso_local(dt: datetime) -> str:
    """A datetime as ISO text for the canonical dict (naive stays naive: the validator applies
    the mapping's zone)."""
    return dt.isoformat()


class TabularImporter(Importer):
    """An importer over CSV rows (column -> cell)."""

    keys: ClassVar[frozenset[str]] = frozenset({"delimiter", "tag_separator"})

    def read(self, src: SourceFile) -> Iterator[SourceRow]:
        def header(found: Sequence[str]) -> None:
            self.check_columns(found, src.path, "the header")

        with src.text() as text:
            yield from csv_rows(text, src.path, self.mapping.delimiter, on_header=header)

    def check_columns(
        self, found: Sequence[str], source: str, what: str, *, warn: bool = True
    ) -> None:
        """Refuse, before any row, a source that lacks a column every row needs (the required
        roles and the status), naming the missing columns, a near match and the columns
        there are; with ``warn``, note the other mapped columns that are missing (the fields
        they feed stay empty)."""
        m, present = self.mapping, set(found)
        needed: dict[str, str] = {}  # column -> where the mapping names it
        optional: dict[str, str] = {}
        for role in self.roles:
            cols = m.role(role.name)
            if role.name in ALTERNATIVES:
                if cols and not present.intersection(cols):
                    optional.setdefault(cols[0], f"columns.{role.name}")
                continue
            target = needed if role.required or role.name == "status" else optional
            for col in cols:
                target.setdefault(col, f"columns.{role.name}")
        for name, col in m.fields.items():
            optional.setdefault(col, f"fields.{name}")
        for name, spec in m.custom_fields.items():
            optional.setdefault(spec.column, f"custom_fields.{name}")
        missing = [c for c in needed if c not in present]
        if missing:
            listed = ", ".join(self._missing(c, needed[c], found) for c in missing)
            shown = ", ".join(f"'{c}'" for c in found[:_SHOWN_COLUMNS])
            more = f" and {len(found) - _SHOWN_COLUMNS} more" if len(found) > _SHOWN_COLUMNS else ""
            raise InputError(
                f"{source}: {what} lacks {'a column' if len(missing) == 1 else 'columns'} the "
                f"{self.format} mapping needs on every row: {listed}. {what.capitalize()} has "
                f"{shown or 'no columns'}{more}. Name the source's own columns in a mapping "
                "file (--mapping FILE; see docs/importers.md)",
                details=[{"source": source, "missing": missing, "found": list(found)}],
            )
        absent = [c for c in optional if c not in present and c not in needed]
        if warn and absent:
            listed = ", ".join(self._missing(c, optional[c], found) for c in absent)
            self.warnings.append(
                f"{what} lacks mapped column{'s' if len(absent) > 1 else ''} {listed}: "
                "not read (the fields fed from there stay empty)"
            )

    @staticmethod
    def _missing(column: str, where: str, found: Sequence[str]) -> str:
        by_lower = {f.casefold(): f for f in found}
        near = difflib.get_close_matches(column.casefold(), list(by_lower), n=1, cutoff=0.6)
        hint = f"; did you mean '{by_lower[near[0]]}'?" if near else ""
        return f"'{column}' ({where}{hint})"

    def ticket_and_ts(self, data: Mapping[str, Any]) -> tuple[str, datetime]:
        m = self.mapping
        tcol = m.column("ticket_id") or "ticket_id"
        ticket = text_of(pick(data, m, tcol))
        if ticket is None:
            raise RowError(tcol, "the ticket id is missing")
        return ticket, self.instant(data, m.column("ts") or "ts", "the timestamp is missing")

    def instant(self, data: Mapping[str, Any], column: str, missing: str) -> datetime:
        raw = pick(data, self.mapping, column)
        if raw is None:
            raise RowError(column, missing)
        try:
            return self.mapping.parse_ts(raw)
        except ValueError as e:
            raise RowError(column, str(e)) from None


@dataclass(slots=True)
class _Ticket:
    state: dict[str, FieldValue]
    top: tuple[int, str] | None = None  # the highest update number seen (see _row_id)
    rows: int = 1


def _order(update: str) -> tuple[int, str]:
    # update numbers compare as numbers when they are numbers
    return (int(update), "") if update.isdigit() else (-1, update)


SNAPSHOT_ROLES = (
    Role("ticket_id", required=True, help="the column that identifies the ticket"),
    Role("ts", required=True, help="the column with the instant of the update"),
    Role("status", many=True, help="the status column (several are joined with '-')"),
    Role(
        "created_at",
        many=True,
        help="when the ticket was created: the first of these columns that has a value; "
        "without it, the ticket's first row is its creation",
    ),
    Role("event_id", help="a per-ticket update number that makes stable event ids"),
)


class SnapshotImporter(TabularImporter):
    """Each row is the ticket's whole state after one update (an audit snapshot).

    The first row of a ticket becomes its ``created`` event (at ``created_at`` when mapped,
    never later than the row itself); each later row becomes an ``updated`` event that sets
    only the fields whose value changed, or, when nothing changed, is counted as a row
    without change. The source's status name is kept in the custom field ``source_status``.
    With ``initial_status`` set, a ticket whose first row shows another status is created in
    the initial status and moves to the row's status at the row's instant.
    """

    roles: ClassVar[tuple[Role, ...]] = SNAPSHOT_ROLES
    keys: ClassVar[frozenset[str]] = TabularImporter.keys | {"initial_status"}

    def __init__(self, mapping: ImportMapping) -> None:
        super().__init__(mapping)
        self._tickets: dict[str, _Ticket] = {}

    def state_of(self, data: Mapping[str, Any]) -> dict[str, FieldValue]:
        status = status_of(data, self.mapping)
        state = flat_fields(data, self.mapping)
        if status is not None:
            state["status"], state[SOURCE_STATUS] = status
        return state

    def _row_id(self, ticket: str, update: str | None, t: _Ticket | None) -> str:
        """``<ticket>@<update number>``; when the number does not exceed every earlier one of
        the ticket (a repeat, seen in real exports), ``<ticket>@<number>#<row of the ticket>``;
        without an update number, ``<ticket>#<row of the ticket>``. Stable for a given export,
        unique, and only one number per ticket to remember."""
        ordinal = (t.rows if t is not None else 0) + 1
        if update is None:
            return f"{ticket}#{ordinal}"
        if t is not None and t.top is not None and _order(update) <= t.top:
            return f"{ticket}@{update}#{ordinal}"
        return f"{ticket}@{update}"

    def _update(self, data: Mapping[str, Any]) -> str | None:
        m = self.mapping
        return text_of(pick(data, m, m.column("event_id")))

    def _created_at(self, data: Mapping[str, Any], ts: datetime) -> datetime:
        m = self.mapping
        for col in m.role("created_at"):
            if pick(data, m, col) is None:
                continue
            at = self.instant(data, col, "")
            # a ticket cannot be created after its first recorded update
            if (at.tzinfo is None) == (ts.tzinfo is None) and at > ts:
                return ts
            return at
        return ts

    def convert(self, row: SourceRow) -> Conversion:
        ticket, ts = self.ticket_and_ts(row.data)
        state = self.state_of(row.data)
        t = self._tickets.get(ticket)
        update = self._update(row.data)
        row_id = self._row_id(ticket, update, t)
        top = None if update is None else _order(update)
        if t is None:
            return self._first(ticket, ts, state, row_id, row.data, top)
        changed = {k: v for k, v in state.items() if t.state.get(k) != v}

        def commit() -> None:
            t.state = state
            if top is not None and (t.top is None or top > t.top):
                t.top = top
            t.rows += 1

        if not changed:
            return Conversion(commit=commit)
        event = self.event(row_id, ticket, ts, "updated", changed, row.data)
        return Conversion([event], commit)

    def _first(
        self,
        ticket: str,
        ts: datetime,
        state: dict[str, FieldValue],
        row_id: str,
        data: Mapping[str, Any],
        top: tuple[int, str] | None,
    ) -> Conversion:
        at = self._created_at(data, ts)
        fields = {k: v for k, v in state.items() if v is not None and v != ()}
        events: list[CanonicalDict] = []
        initial = self.mapping.initial_status
        if initial is not None and "status" in state and state.get(SOURCE_STATUS) != initial:
            category = self.mapping.status_category(initial)
            assert category is not None  # the mapping check makes sure
            start = {**fields, "status": category.value, SOURCE_STATUS: initial}
            events.append(self.event(f"{ticket}:created", ticket, at, "created", start, data))
            moved = {"status": state["status"], SOURCE_STATUS: state[SOURCE_STATUS]}
            events.append(self.event(row_id, ticket, ts, "updated", moved, data))
        else:
            events.append(self.event(f"{ticket}:created", ticket, at, "created", fields, data))

        def commit() -> None:
            self._tickets[ticket] = _Ticket(state, top)

        return Conversion(events, commit)

    def event(
        self,
        event_id: str,
        ticket: str,
        ts: datetime,
        kind: str,
        fields: Mapping[str, FieldValue],
        data: Mapping[str, Any],
    ) -> CanonicalDict:
        """One canonical dict; subclasses may add an actor from the row."""
        return {
            "event_id": event_id,
            "ticket_id": ticket,
            "ts": iso_local(ts),
            "kind": kind,
            "fields": {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()},
        }
