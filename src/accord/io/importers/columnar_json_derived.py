"""What a columnar conversion of JSON records gives (:mod:`jira_columns`,
:mod:`freshdesk_columns`): the candidates of the records it took, and the records it left to
the importer's own conversion (odd)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from accord.io.importers.base import CanonicalDict, EventParts, JsonImporter, event_of
from accord.io.importers.columnar_checks import Candidates
from accord.io.importers.columnar_values import I64

KINDS = ("created", "updated", "message")  # the kinds a columnar conversion derives
_KIND_TEXTS = pa.array(KINDS, pa.string())


def kind_column(codes: I64) -> pa.Array:
    """The kind of each event (``codes`` into :data:`KINDS`) as a dictionary column: the
    checks read its three texts, not one a event."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), _KIND_TEXTS)


class LazyCandidates(Candidates):
    """Candidates whose canonical dicts (for the events the table validator leaves to the
    row importer's check) are made from the importer's own ``convert_parts`` parts of their
    record (converted when first asked)."""

    parts_of: Callable[[int], list[EventParts]]
    event_rec: I64  # the batch record of each event
    event_place: I64  # its place among its record's events

    def convert_with(
        self,
        importer: JsonImporter,
        rows: Sequence[int] | I64,
        records: Sequence[Any],
        event_rec: I64,
        event_place: I64,
    ) -> None:
        """Take the parts of record ``r`` from ``importer.convert_parts`` of ``records[r]``
        (its source row ``rows[r]``), each record converted once, when first asked."""
        from accord.io.importers.sources import SourceRow

        memo: dict[int, list[EventParts]] = {}

        def parts_of(r: int) -> list[EventParts]:
            got = memo.get(r)
            if got is None:
                got = memo[r] = importer.convert_parts(SourceRow(int(rows[r]), records[r]))
            return got

        self.parts_of = parts_of
        self.event_rec = event_rec
        self.event_place = event_place

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
