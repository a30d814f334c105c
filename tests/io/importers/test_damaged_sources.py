"""Sources that cannot be read to their end (gzip or zip cut short or corrupt, text that is
not XML): the rows before the damage are kept, and one clear error says what was read."""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from pathlib import Path

import pytest

from accord.errors import DamagedInputError, InputError
from accord.io.importers import import_file
from accord.io.readers import read_events
from tests.io.importers.helpers import FIXTURES, run_import

SAMPLE = FIXTURES / "bpic2013-sample.csv"


def _big_csv() -> bytes:
    """The BPIC 2013 sample, its cases repeated under new numbers: about 800 rows."""
    lines = SAMPLE.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    out = [header]
    for copy in range(24):
        out.extend(f"{copy:03d}{row}" for row in rows)
    return "".join(out).encode("utf-8")


def _whole(tmp_path: Path) -> tuple[Path, int]:
    plain = tmp_path / "whole.csv"
    plain.write_bytes(_big_csv())
    events, _ = run_import(plain, "bpic2013")
    return plain, len(events)


def _events(path: Path) -> list[str]:
    return [e.event_id for e in read_events(path).events]


def test_a_truncated_gzip_keeps_the_rows_before_the_cut_and_says_what_was_read(
    tmp_path: Path,
) -> None:
    plain, total = _whole(tmp_path)
    packed = gzip.compress(plain.read_bytes(), compresslevel=1)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "events.jsonl"
    with pytest.raises(DamagedInputError) as e:
        import_file(cut, "bpic2013", out)
    message = e.value.message
    assert "gzip data stops before its end: the file is truncated" in message
    assert f"of its {len(packed) // 2:,} bytes" in message and "bytes once decompressed" in message
    assert "rows: those were imported as usual" in message and "Kept: " in message
    kept = _events(out)
    # what was read is written, and it is what the whole file gives for those rows
    assert 0 < len(kept) < total
    assert kept == _events_of_whole(tmp_path, plain)[: len(kept)]


def _events_of_whole(tmp_path: Path, plain: Path) -> list[str]:
    out = tmp_path / "whole.jsonl"
    import_file(plain, "bpic2013", out)
    return _events(out)


def test_a_truncated_zip_is_read_up_to_the_cut_never_a_traceback(tmp_path: Path) -> None:
    plain, total = _whole(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("VINST.csv", plain.read_bytes())
    packed = buffer.getvalue()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "events.jsonl"
    with pytest.raises(DamagedInputError, match=r"stops inside its file 'VINST\.csv'"):
        import_file(cut, "bpic2013", out)
    kept = _events(out)
    assert 0 < len(kept) < total
    assert kept == _events_of_whole(tmp_path, plain)[: len(kept)]


def test_a_zip_cut_just_after_its_file_is_still_damaged_but_keeps_every_row(
    tmp_path: Path,
) -> None:
    plain, total = _whole(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("VINST.csv", plain.read_bytes())
    packed = buffer.getvalue()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(packed[: packed.rindex(b"PK\x01\x02")])  # the directory is gone
    out = tmp_path / "events.jsonl"
    with pytest.raises(DamagedInputError, match=r"directory .* missing .* was read to its end"):
        import_file(cut, "bpic2013", out)
    assert len(_events(out)) == total


def test_corrupt_gzip_data_is_a_damaged_source_not_a_crash(tmp_path: Path) -> None:
    plain, _ = _whole(tmp_path)
    packed = bytearray(gzip.compress(plain.read_bytes()))
    for i in range(len(packed) // 2, len(packed) // 2 + 64):
        packed[i] ^= 0x5A
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(bytes(packed))
    with pytest.raises(DamagedInputError, match="gzip data"):
        import_file(bad, "bpic2013", tmp_path / "events.jsonl")


def test_a_bzip2_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    packed = tmp_path / "export.csv.bz2"
    packed.write_bytes(bz2.compress(SAMPLE.read_bytes()))
    with pytest.raises(InputError, match="bzip2-compressed, which Accord does not read"):
        import_file(packed, "bpic2013", tmp_path / "events.jsonl")


def test_a_file_that_is_not_xml_is_a_damaged_xes_source(tmp_path: Path) -> None:
    text = tmp_path / "export.xes"
    text.write_text("SR Number,Status\n1-1,Accepted\n", encoding="utf-8")
    with pytest.raises(
        DamagedInputError, match=r"not well-formed XML .*no XES event could be read"
    ):
        import_file(text, "bpic2013-xes", tmp_path / "events.jsonl")


def test_a_truncated_xes_gzip_keeps_the_events_before_the_cut(tmp_path: Path) -> None:
    xes = (FIXTURES / "bpic2013-sample.xes").read_bytes()
    packed = gzip.compress(xes)
    cut = tmp_path / "log.xes.gz"
    cut.write_bytes(packed[: len(packed) * 3 // 4])
    out = tmp_path / "events.jsonl"
    with pytest.raises(DamagedInputError, match="truncated") as e:
        import_file(cut, "bpic2013-xes", out)
    assert e.value.details[0]["rows_read"] > 0
    assert len(_events(out)) > 0
