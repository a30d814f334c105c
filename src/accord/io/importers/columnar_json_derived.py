"""What a columnar conversion of JSON records gives (:mod:`jira_columns`,
:mod:`freshdesk_columns`): the candidates of the records it took, and the records it left to
the importer's own conversion (odd)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accord.io.importers.base import CanonicalDict, EventParts, event_of
from accord.io.importers.columnar_checks import Candidates
from accord.io.importers.columnar_values import I64


class LazyCandidates(Candidates):
    """Candidates whose canonical dicts (for the events the table validator leaves to the
    row importer's check) are made from the importer's own ``convert_parts`` parts of their
    record (converted when first asked)."""

    parts_of: Callable[[int], list[EventParts]]
    event_rec: I64  # the batch record of each event
    event_place: I64  # its place among its record's events

    def dicts(self, events: list[int]) -> list[CanonicalDict]:
        return [
            event_of(self.parts_of(int(self.event_rec[e]))[int(self.event_place[e])])
            for e in events
        ]


@dataclass
class Derived:
    """A batch's records in columns: the candidates of those not odd, in record order."""

    candidates: Candidates | None
    event_rec: I64  # the batch record of each candidate
    counts: I64  # events per record (0 for an odd one)
    odd: list[int]
