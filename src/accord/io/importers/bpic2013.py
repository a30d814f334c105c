"""BPI Challenge 2013 (Volvo IT incidents) event logs, as CSV and as XES.

Each row (CSV) or event (XES) is one status change of a service request, carrying the
request's state after it: the importer emits the request's creation at its first row and then
only the fields each row changed; rows that change nothing mapped are counted as rows without
change. The XES importer reads any XES log: each event becomes a row of its attributes plus
its trace's attributes prefixed ``case:`` (so the case id is ``case:concept:name``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from accord.io.importers.sources import SourceFile, SourceRow, xes_rows
from accord.io.importers.tabular import SnapshotImporter


class Bpic2013CsvImporter(SnapshotImporter):
    format: ClassVar[str] = "bpic2013"
    title: ClassVar[str] = "BPI Challenge 2013 incidents log (CSV)"
    unchanged_means: ClassVar[str] = "no mapped field changed (e.g. the same status again)"


class XesImporter(SnapshotImporter):
    format: ClassVar[str] = "bpic2013-xes"
    title: ClassVar[str] = "XES event log (default mapping: BPI Challenge 2013 incidents)"
    row_name: ClassVar[str] = "XES event"
    keys: ClassVar[frozenset[str]] = frozenset({"initial_status", "tag_separator"})
    unchanged_means: ClassVar[str] = "no mapped attribute changed"

    def read(self, src: SourceFile) -> Iterator[SourceRow]:
        with src.binary() as stream:
            first = True
            for row in xes_rows(stream, src.path):
                if first:
                    # XES has no header: the first event's attributes stand for it (optional
                    # attributes may appear later, so only the required ones are checked)
                    self.check_columns(list(row.data), src.path, "the first XES event", warn=False)
                    first = False
                yield row
