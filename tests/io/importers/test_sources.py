"""Reading sources as streams: JSON pages / arrays / lines, zip and gzip, CSV, memory."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from accord.errors import InputError, NotFoundError
from accord.io.compression import Damaged
from accord.io.importers.sources import SourceFile, csv_rows, json_records
from tests.io.importers.helpers import FIXTURES, run_import


def _records(text: str, keys: tuple[str, ...] = ("items",)) -> list[tuple[int, object, str | None]]:
    return [(r.row, r.data, r.problem) for r in json_records(io.StringIO(text), keys)]


def test_json_pages_arrays_lines_and_single_objects_all_stream_as_records() -> None:
    text = (
        '{"count": 2, "items": [{"a": 1}, {"a": 2}], "next_page": null}\n'
        '[{"a": 3}]\n'
        '{"a": 4}\n'
        '{"a": 5, "items": 7}'
    )
    assert _records(text) == [
        (1, {"a": 1}, None),
        (2, {"a": 2}, None),
        (3, {"a": 3}, None),
        (4, {"a": 4}, None),
        (5, {"a": 5, "items": 7}, None),  # "items" that is not a list: an ordinary key
    ]


def test_a_record_larger_than_the_read_window_is_decoded_whole() -> None:
    big = {"id": 1, "body": "x" * 300_000, "n": 12345678901234567890}
    text = json.dumps({"items": [big, {"id": 2}]})
    got = _records(text)
    assert [r[0] for r in got] == [1, 2] and got[0][1] == big


def test_invalid_json_ends_the_read_after_the_records_before_it() -> None:
    got: list[tuple[int, object]] = []
    with pytest.raises(Damaged, match="stops being valid JSON after record 1"):
        for r in json_records(io.StringIO('[{"a": 1}, {"a": 2,,}]'), ("items",)):
            got.append((r.row, r.data))
    assert got == [(1, {"a": 1})]


def test_a_non_object_record_is_a_problem() -> None:
    assert _records("[1]") == [(1, {"_value": 1}, "expected a JSON object, got int")]


def test_csv_rows_are_numbered_by_line_and_bad_widths_are_problems() -> None:
    text = 'a,b\n1,2\n\n"multi\nline",3\n4,5,6\n'
    got = [(r.row, r.data, r.problem) for r in csv_rows(io.StringIO(text), "x.csv")]
    assert got[0] == (2, {"a": "1", "b": "2"}, None)
    assert got[1] == (4, {"a": "multi\nline", "b": "3"}, None)
    assert got[2][0] == 6 and got[2][2] == "the row has 3 cells but the header has 2 columns"


def test_zip_and_gzip_sources_are_read_as_streams(tmp_path: Path) -> None:
    raw = (FIXTURES / "servicenow-incidents.csv").read_bytes()
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("incident_event_log.csv", raw)
    gz = tmp_path / "export.csv.gz"
    gz.write_bytes(gzip.compress(raw))
    plain, _ = run_import(FIXTURES / "servicenow-incidents.csv", "servicenow")
    for source in (zipped, gz):
        got, run = run_import(source, "servicenow")
        assert got == plain
        assert run.source.position() == run.source.size  # progress ends at the file's size


def test_a_zip_with_several_files_is_refused_by_name(tmp_path: Path) -> None:
    zipped = tmp_path / "two.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.csv", "x\n")
        z.writestr("b.csv", "y\n")
    with pytest.raises(InputError, match=r"holds a\.csv, b\.csv"), SourceFile(zipped).binary():
        pass


def test_a_missing_source_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        SourceFile(tmp_path / "nope.csv")


def _peak(path: Path) -> int:
    from accord.io.importers import open_import

    run = open_import(path, "servicenow")
    tracemalloc.start()
    try:
        for _ in run.events():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows(tmp_path: Path) -> None:
    # the same 50 incidents, updated 10 or 100 times each: the peak must not follow the rows
    header = (FIXTURES / "servicenow-incidents.csv").read_text().splitlines()[0]
    template = (FIXTURES / "servicenow-incidents.csv").read_text().splitlines()[1].split(",")

    def export(updates: int) -> Path:
        p = tmp_path / f"u{updates}.csv"
        with p.open("w") as f:
            f.write(header + "\n")
            for n in range(updates):
                for t in range(50):
                    row = list(template)
                    row[0] = f"INC{t:07d}"
                    row[1] = "Active" if n % 2 else "Awaiting User Info"
                    row[5] = str(n)
                    row[13] = f"{1 + n // 24 % 28}/3/2016 {n % 24:02d}:00"
                    f.write(",".join(row) + "\n")
        return p

    small, large = _peak(export(10)), _peak(export(100))
    assert large < small * 2, (small, large)


def test_progress_reports_bytes_of_the_file_read_up_to_its_size() -> None:
    from accord.io.importers import open_import

    seen: list[tuple[int, int]] = []
    source = FIXTURES / "servicenow-incidents.csv"
    run = open_import(source, "servicenow", on_progress=lambda d, t: seen.append((d, t)))
    run.progress_every = 4
    list(run.events())
    size = source.stat().st_size
    assert seen[-1] == (size, size) and all(t == size for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
