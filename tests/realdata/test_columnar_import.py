"""The columnar importer on the three public logs: the row importer's events, counts and
quarantine records, and the same events read back from the Parquet file it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.io.importers import ColumnarImportRun, import_file, open_import
from accord.io.readers import read_events
from tests.io.importers.helpers import outcome
from tests.realdata._data import BPIC, HELPDESK, UCI, needs_data

pytestmark = needs_data

LOGS = [
    pytest.param(UCI, "servicenow", None, "America/Sao_Paulo", id="uci-servicenow"),
    pytest.param(BPIC, "bpic2013", None, None, id="bpic2013"),
    pytest.param(HELPDESK, "process-mining", "helpdesk-italian", None, id="helpdesk"),
]


@pytest.mark.parametrize(("path", "fmt", "mapping", "tz"), LOGS)
def test_columnar_import_of_a_public_log_equals_the_row_importer(
    path: Path, fmt: str, mapping: str | None, tz: str | None, tmp_path: Path
) -> None:
    rows = open_import(path, fmt, mapping=mapping, source_tz=tz)
    events = list(rows.events())
    col = open_import(path, fmt, mapping=mapping, source_tz=tz, columnar=True)
    assert isinstance(col, ColumnarImportRun) and col.in_columns
    assert outcome(list(col.events()), col) == outcome(events, rows)
    out = tmp_path / "events.parquet"
    stats, _ = import_file(path, fmt, out, mapping=mapping, source_tz=tz)
    assert stats.events == len(events) > 0
    assert [e.to_dict() for e in read_events(out).events] == [e.to_dict() for e in events]
