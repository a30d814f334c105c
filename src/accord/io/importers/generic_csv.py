"""Generic CSV with a column mapping.

By default each row is one event: its ticket, instant and kind come from the mapped columns
(``kind`` is optional: a ticket's first row is then its ``created`` event and later rows are
``updated`` events), and the fields it sets from ``fields`` and ``custom_fields`` (an empty
cell sets nothing). A ``message`` row needs ``actor`` and ``public`` columns (or ``values``
that map them); a message row that also carries field values becomes two events, the message
and then an ``updated`` event with the fields. With ``snapshot: true`` each row is instead the
ticket's whole state after an update, handled like a ServiceNow audit export (events carry
only what changed).
"""

from __future__ import annotations

from typing import Any, ClassVar

from accord.core.events import FieldValue
from accord.io.importers.base import CanonicalDict, Conversion, as_bool, pick, text_of
from accord.io.importers.mapping import Role
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import (
    SNAPSHOT_ROLES,
    SOURCE_STATUS,
    SnapshotImporter,
    flat_fields,
    iso_local,
    status_of,
)

_NO_FIELDS = ("message", "deleted")


class GenericCsvImporter(SnapshotImporter):
    format: ClassVar[str] = "csv"
    title: ClassVar[str] = "any CSV of ticket events or snapshots, with a column mapping"
    roles: ClassVar[tuple[Role, ...]] = (
        *SNAPSHOT_ROLES,
        Role("kind", help="the event kind column (map its values with values: {kind: ...})"),
        Role("actor", help="customer / agent / system (map with values: {actor: ...})"),
        Role("public", help="whether a message is public (map with values: {public: ...})"),
        Role("rating", help="the rating of a rating event"),
    )
    keys: ClassVar[frozenset[str]] = SnapshotImporter.keys | {"snapshot"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: set[str] = set()

    def _cell(self, row: SourceRow, role: str) -> Any:
        m = self.mapping
        return m.map_value(role, text_of(pick(row.data, m, m.column(role))))

    def convert(self, row: SourceRow) -> Conversion:
        if self.mapping.snapshot:
            return super().convert(row)
        m = self.mapping
        ticket, ts = self.ticket_and_ts(row.data)
        fields: dict[str, FieldValue] = {
            k: v for k, v in flat_fields(row.data, m).items() if v is not None and v != ()
        }
        cols = m.role("status")
        # in an event row an empty status cell means "not changed by this event"
        status = status_of(row.data, m) if cols and pick(row.data, m, cols[0]) is not None else None
        if status is not None:
            fields["status"], fields[SOURCE_STATUS] = status
        first = ticket not in self._seen
        kind = self._cell(row, "kind") or ("created" if first else "updated")
        base: CanonicalDict = {"ticket_id": ticket, "ts": iso_local(ts), "kind": kind}
        event_id = text_of(pick(row.data, m, m.column("event_id")))
        if event_id is not None:
            base["event_id"] = event_id
        actor = self._cell(row, "actor")
        if actor is not None:
            base["actor"] = actor
        public = self._cell(row, "public")
        if public is not None:
            base["public"] = as_bool(public)
        events: list[CanonicalDict]
        if str(kind).strip().lower() in _NO_FIELDS and fields:
            change = {"ticket_id": ticket, "ts": iso_local(ts), "kind": "updated", "fields": fields}
            if event_id is not None:
                change["event_id"] = f"{event_id}:fields"
            events = [base, change]
        else:
            if str(kind).strip().lower() == "rating":
                fields["rating"] = self._cell(row, "rating")
            if fields:
                base["fields"] = fields
            events = [base]

        def commit() -> None:
            self._seen.add(ticket)

        return Conversion(events, commit)
