"""The columnar importer gives the row importer's outcome: random CSV exports (snapshots,
events, process-mining activities) read both ways, in blocks small enough that tickets
straddle them, give the same events, counts and quarantine records."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import ColumnarImportRun, import_file, open_import
from accord.io.importers.columnar_snapshot import Tickets
from accord.io.readers import read_events
from tests.io.importers.helpers import FIXTURES, outcome

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _both(path: Path, fmt: str, mapping: Any = None, block_bytes: int = 1 << 20) -> None:
    rows = open_import(path, fmt, mapping=mapping)
    expected = outcome(list(rows.events()), rows)
    col = open_import(path, fmt, mapping=mapping, columnar=True)
    assert isinstance(col, ColumnarImportRun)
    col.block_bytes = block_bytes
    assert outcome(list(col.events()), col) == expected


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# ------------------------------------------------------------------ ServiceNow snapshots

# " INC4 " and "INC4": one ticket spelled two ways in a block
TICKETS = st.sampled_from(["INC1", "INC2", "INC3", " INC4 ", "INC4", "?", ""])
STATES = st.sampled_from(["New", "Active", "Resolved", "Closed", "2", "?", "Bogus", " active "])
WHEN = st.sampled_from(
    [
        "29/2/2016 01:16",
        "1/3/2016 10:00",
        "01/03/2016 10:05",
        "5/3/2016 12:00",
        "31/2/2016 10:00",
        "2016-03-02T09:15:00Z",
        "2016-03-02 09:15:00",
        "soon",
        "?",
        "",
        " 2/3/2016 10:00",
    ]
)
PEOPLE = st.sampled_from(["Ann", "Bob", "?", "", "x,y", 'say "hi"'])
COUNTS = st.sampled_from(["0", "1", "2", "3", "10", "?", "x"])
FLAGS = st.sampled_from(["true", "false", "?", "maybe"])
PRIORITIES = st.sampled_from(["1 - Critical", "3 - Moderate", "4 - Low", "9 - Odd", "?"])

SN_HEADER = [
    "number",
    "incident_state",
    "sys_mod_count",
    "opened_at",
    "sys_updated_at",
    "priority",
    "assigned_to",
    "made_sla",
    "reassignment_count",
]
SN_ROW = st.tuples(TICKETS, STATES, COUNTS, WHEN, WHEN, PRIORITIES, PEOPLE, FLAGS, COUNTS)


@SETTINGS
@given(rows=st.lists(SN_ROW, min_size=0, max_size=25), block=st.sampled_from([64, 200, 4096]))
def test_servicenow_snapshots_give_the_row_importers_outcome(
    tmp_path: Path, rows: list[tuple[str, ...]], block: int
) -> None:
    path = tmp_path / "sn.csv"
    path.write_text(_csv(SN_HEADER, [list(r) for r in rows]), encoding="utf-8")
    _both(path, "servicenow", block_bytes=block)


def test_tickets_are_numbered_once_in_order_of_first_sight() -> None:
    tickets = Tickets(1)
    got = tickets.numbers(["B", None, "A", "B", "C"])
    assert got.tolist() == [0, -1, 1, 0, 2]
    assert tickets.numbers(["C", "D", None, "A"]).tolist() == [2, 3, -1, 1]
    assert tickets.names == ["B", "A", "C", "D"]
    assert tickets.ids == {"B": 0, "A": 1, "C": 2, "D": 3}
    assert tickets.tops == [None] * 4


# ------------------------------------------------------------------ generic CSV events

GEN_HEADER = [
    "ticket_id",
    "timestamp",
    "event_id",
    "kind",
    "actor",
    "public",
    "status",
    "priority",
    "tags",
    "rating",
]
GEN_ROW = st.tuples(
    st.sampled_from(["T1", "T2", "T3", ""]),
    st.sampled_from(
        [
            "2026-03-02T09:15:00Z",
            "2026-03-02T09:15:00.5+01:00",
            "2026-03-02T10:00:00Z",
            "2026-03-02 11:00:00+00:00",
            "2026-03-02T09:15:00",
            "nope",
            "",
        ]
    ),
    st.sampled_from(["", "e1", "e2", "e3"]),
    st.sampled_from(["", "created", "updated", "comment", "message", "rating", "deleted", "odd"]),
    st.sampled_from(["", "agent", "customer", "robot"]),
    st.sampled_from(["", "true", "false", "yes", "maybe"]),
    st.sampled_from(["", "open", "Solved", "pending", "bogus"]),
    st.sampled_from(["", "high", " low ", "urgent"]),
    st.sampled_from(["", "a;b", " a ; ", ";", "b"]),
    st.sampled_from(["", "good", "5", "x"]),
)


@SETTINGS
@given(rows=st.lists(GEN_ROW, min_size=0, max_size=25), block=st.sampled_from([64, 300, 4096]))
def test_generic_csv_events_give_the_row_importers_outcome(
    tmp_path: Path, rows: list[tuple[str, ...]], block: int
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(_csv(GEN_HEADER, [list(r) for r in rows]), encoding="utf-8")
    _both(path, "csv", block_bytes=block)


# ------------------------------------------------------------------ process mining

PM_MAPPING = """
format: process-mining
timestamp_format: iso
source_tz: Europe/Rome
columns:
  ticket_id: case
  ts: time
  activity: activity
  resource: resource
custom_fields:
  resource: resource
activities:
  Open: {status: new}
  Take: {status: open, assign: true}
  Reply: {message: {actor: agent, public: true}}
  Solve: {status: solved, message: {actor: agent, public: false}}
"""
PM_ROW = st.tuples(
    st.sampled_from(["C1", "C2", "C3", ""]),
    st.sampled_from(["Open", "Take", "Reply", "Solve", "Note", "", "take"]),
    st.sampled_from(["Ann", "Bob", ""]),
    st.sampled_from(
        [
            "2010-03-28 01:30:00",
            "2010-03-28 02:30:00",
            "2010-10-31 02:30:00",
            "2010-01-13 08:40:25+00:00",
            "2010-01-13T08:40:25",
            "bad",
        ]
    ),
)


@SETTINGS
@given(
    rows=st.lists(PM_ROW, min_size=0, max_size=25),
    block=st.sampled_from([48, 256, 4096]),
    quarantine=st.booleans(),
)
def test_process_mining_activities_give_the_row_importers_outcome(
    tmp_path: Path, rows: list[tuple[str, ...]], block: int, quarantine: bool
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(_csv(["case", "activity", "resource", "time"], [list(r) for r in rows]))
    mapping = tmp_path / "pm.yaml"
    extra = "unmapped_activities: quarantine\n" if quarantine else ""
    mapping.write_text(PM_MAPPING + extra, encoding="utf-8")
    _both(path, "process-mining", mapping=mapping, block_bytes=block)


# ------------------------------------------------------------------ files


def test_rows_with_a_wrong_cell_count_or_quotes_are_read_as_the_row_reader_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sn.csv"
    good = ["INC1", "New", "0", "1/3/2016 10:00", "1/3/2016 10:00", "4 - Low", "Ann", "true", "0"]
    text = _csv(SN_HEADER, [good, ["INC1", "Active"]])
    text += 'INC1,Active,1,1/3/2016 10:00,2/3/2016 10:00,4 - Low,"Ann, Jr",true,0\n\n'
    text += "INC2,New,0,1/3/2016 10:00,1/3/2016 11:00,4 - Low,Bob,false,0\n"
    path.write_text(text, encoding="utf-8")
    _both(path, "servicenow", block_bytes=64)


def test_parquet_written_from_columns_reads_back_as_the_row_importers_events(
    tmp_path: Path,
) -> None:
    source = FIXTURES / "servicenow-incidents.csv"
    rows_out, cols_out = tmp_path / "rows.parquet", tmp_path / "cols.parquet"
    import_file(source, "servicenow", rows_out, columnar=False)
    import_file(source, "servicenow", cols_out)
    assert pq.read_schema(cols_out) == pq.read_schema(rows_out)
    got, want = read_events(cols_out), read_events(rows_out)
    assert [e.to_dict() for e in got.events] == [e.to_dict() for e in want.events]
    assert len(want.events) > 0


SPELLINGS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "bom": lambda t: "\ufeff" + t,
    "blank lines": lambda t: t.replace("\n", "\n\n", 3),
    "no final newline": lambda t: t.rstrip("\n"),
    "bare cr": lambda t: t.replace("\n", "\r"),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("block", [64, 1 << 20])
def test_line_endings_a_bom_and_blank_lines_give_the_row_importers_outcome(
    tmp_path: Path, spelling: str, block: int
) -> None:
    text = (FIXTURES / "servicenow-incidents.csv").read_text(encoding="utf-8")
    path = tmp_path / "sn.csv"
    path.write_bytes(SPELLINGS[spelling](text).encode("utf-8"))
    _both(path, "servicenow", block_bytes=block)


# ------------------------------------------------------------------ unread columns

EXTRA = st.sampled_from(["", " ", "note", "x y", '"quoted, with comma"', '"say ""hi"""', "é"])


@SETTINGS
@given(
    rows=st.lists(st.tuples(SN_ROW, EXTRA, EXTRA), min_size=1, max_size=20),
    blanks=st.lists(st.integers(0, 20), max_size=3),
    block=st.sampled_from([64, 300, 4096]),
)
def test_columns_the_mapping_does_not_read_are_kept_in_quarantine_and_count_for_blank_rows(
    tmp_path: Path, rows: list[tuple[tuple[str, ...], str, str]], blanks: list[int], block: int
) -> None:
    """Only the mapped columns are converted, yet a quarantined row keeps every cell (a
    repeated header name keeps its last one), and a row is blank only when all its cells
    are, as the row reader has it."""
    header = ["notes", *SN_HEADER, "notes", "unread"]
    lines = [",".join(header)]
    for sn, a, b in rows:
        cells = [
            a,
            *(
                c if "," not in c and '"' not in c else f'"{c.replace(chr(34), 2 * chr(34))}"'
                for c in sn
            ),
            b,
            a,
        ]
        lines.append(",".join(cells))
    for at in blanks:  # blank mapped cells, and sometimes blank unread ones too
        lines.insert(
            min(at, len(lines) - 1) + 1, "," * len(SN_HEADER) + ("x,," if at % 2 else ",,")
        )
    path = tmp_path / "sn.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _both(path, "servicenow", block_bytes=block)
