"""Generic process-mining event logs as CSV: one row per activity on a case.

The columns are named by role (``ticket_id`` = the case id, ``ts``, ``activity``, optional
``resource``); the default mapping uses the XES standard names that process-mining tools
export (``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``).
Each row becomes one event that records the activity in the custom field ``activity``: the
case's first row is its ``created`` event, later rows are ``updated`` events. The mapping's
``activities`` say what an activity means: a status (``status: solved``), a message
(``message: {actor: agent, public: true}``, emitted as its own event) and whether the row's
resource becomes the assignee (``assign: true``). Activities not listed are kept (the event
records the activity only) or, with ``unmapped_activities: quarantine``, quarantined.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from accord.core.events import FieldValue
from accord.io.importers.base import CanonicalDict, Conversion, RowError, pick, text_of
from accord.io.importers.mapping import ActivityRule, Role
from accord.io.importers.sources import SourceRow
from accord.io.importers.tabular import TabularImporter, flat_fields, iso_local, status_category

ACTIVITY_FIELD = "activity"


class ProcessMiningImporter(TabularImporter):
    format: ClassVar[str] = "process-mining"
    title: ClassVar[str] = "process-mining event log (CSV: case, activity, timestamp, resource)"
    row_name: ClassVar[str] = "activity row"
    roles: ClassVar[tuple[Role, ...]] = (
        Role("ticket_id", required=True, help="the case id column, e.g. case:concept:name"),
        Role("ts", required=True, help="the timestamp column, e.g. time:timestamp"),
        Role("activity", required=True, help="the activity column, e.g. concept:name"),
        Role("resource", help="who performed the activity, e.g. org:resource"),
    )
    keys: ClassVar[frozenset[str]] = TabularImporter.keys | {"activities", "unmapped_activities"}
    extra_fields: ClassVar[tuple[str, ...]] = (ACTIVITY_FIELD,)
    status_hint: ClassVar[str] = (
        "give the activities that change the status one in the mapping's 'activities:', "
        "e.g. 'Resolve ticket: {status: solved}'"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._seen: set[str] = set()
        self._rules = {k.strip().casefold(): v for k, v in self.mapping.activities.items()}
        self._unmapped: Counter[str] = Counter()  # activities the mapping does not list

    def no_status_hint(self) -> str:
        if not self._unmapped:
            return self.status_hint
        top = ", ".join(f"'{a}' ({n:,} rows)" for a, n in self._unmapped.most_common(8))
        more = len(self._unmapped) - 8
        return f"{self.status_hint}; the activities the mapping does not list: {top}" + (
            f" and {more} more" if more > 0 else ""
        )

    def rule(self, activity: str) -> ActivityRule | None:
        return self.mapping.activities.get(activity) or self._rules.get(activity.casefold())

    def convert(self, row: SourceRow) -> Conversion:
        m = self.mapping
        ticket, ts = self.ticket_and_ts(row.data)
        acol = m.column("activity") or "activity"
        activity = text_of(pick(row.data, m, acol))
        if activity is None:
            raise RowError(acol, "the activity is missing")
        rule = self.rule(activity)
        if rule is None and m.unmapped_activities == "quarantine":
            raise RowError(acol, f"activity '{activity}' is not in the mapping's activities")
        if rule is None:
            self._unmapped[activity] += 1
        resource = text_of(pick(row.data, m, m.column("resource")))
        fields: dict[str, FieldValue] = {
            k: v for k, v in flat_fields(row.data, m).items() if v is not None and v != ()
        }
        fields[ACTIVITY_FIELD] = activity
        if rule is not None and rule.status is not None:
            fields["status"] = status_category(m, acol, rule.status)
        if rule is not None and rule.assign and resource is not None:
            fields["assignee"] = resource
        first = ticket not in self._seen
        change: CanonicalDict = {
            "ticket_id": ticket,
            "ts": iso_local(ts),
            "kind": "created" if first else "updated",
            "fields": fields,
        }
        events = [change]
        if rule is not None and rule.message is not None:
            message: CanonicalDict = {
                "ticket_id": ticket,
                "ts": iso_local(ts),
                "kind": "message",
                "actor": rule.message.actor.value,
                "public": rule.message.public,
            }
            # a reply sent together with a status change comes first, so that it stops the
            # reply clocks before the change can cancel them; a creation always comes first
            events = [change, message] if first else [message, change]

        def commit() -> None:
            self._seen.add(ticket)

        return Conversion(events, commit)
