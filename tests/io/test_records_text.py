"""Records as text straight from the batch engine's table: the bytes of the per-record
writers (accord.io.records_out) for the same records."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.engine.batch.schema import plain_records
from accord.demo.generate import generate_events
from accord.errors import UnsupportedFormatError
from accord.io import records_text
from accord.io.records_out import records_to_csv, write_records
from accord.io.records_text import table_text, write_table_file

DEMO_CONFIG = Path(__file__).parents[2] / "src" / "accord" / "demo" / "config"
END = datetime(2026, 6, 30, 18, tzinfo=UTC)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    config = load_config(DEMO_CONFIG)
    events = events_to_table(list(generate_events(seed=5, end=END, tickets=120)))
    out = compute_batch(events, config, int(END.timestamp()), chunk_events=300)
    assert out.column("warnings").to_pylist().count("[]") < out.num_rows  # some warnings
    return out


def _text(tbl: pa.Table, fmt: str, indent: bool = True) -> str:
    return b"".join(bytes(p) for p in table_text(tbl, fmt, indent=indent)).decode()


def _expected(tbl: pa.Table, fmt: str, indent: bool = True) -> str:
    records = records_from_table(tbl)
    if fmt == "csv":
        return records_to_csv(records)
    if fmt == "jsonl":
        return "".join(json.dumps(r.to_row(), ensure_ascii=False) + "\n" for r in records)
    rows = [r.to_row() for r in records]
    return json.dumps(rows, ensure_ascii=False, indent=1 if indent else None)


@pytest.mark.parametrize(
    ("fmt", "indent"), [("csv", True), ("jsonl", True), ("json", True), ("json", False)]
)
def test_the_table_gives_the_bytes_of_the_record_writers(
    table: pa.Table, fmt: str, indent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_text, "SLICE_ROWS", 97)  # several slices, the last one short
    assert _text(table, fmt, indent) == _expected(table, fmt, indent)


def test_the_plain_parquet_form_gives_the_same_text(table: pa.Table) -> None:
    assert _text(plain_records(table), "csv") == _text(table, "csv")


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_file_holds_what_write_records_writes(table: pa.Table, tmp_path: Path, fmt: str) -> None:
    write_table_file(table, tmp_path / "new" / f"a.{fmt}", fmt)
    write_records(records_from_table(table), tmp_path / f"b.{fmt}", fmt)
    assert (tmp_path / "new" / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_no_records_give_the_empty_document(table: pa.Table, fmt: str) -> None:
    empty = table.slice(0, 0)
    assert _text(empty, fmt) == _expected(empty, fmt)


def test_another_format_is_refused(table: pa.Table) -> None:
    with pytest.raises(UnsupportedFormatError):
        list(table_text(table, "xml"))


def _with(tbl: pa.Table, **columns: pa.Array) -> pa.Table:
    for name, arr in columns.items():
        tbl = tbl.set_column(tbl.schema.get_field_index(name), name, arr)
    return tbl


def _judged(tbl: pa.Table, target: list[int | None], elapsed: list[int]) -> pa.Table:
    """``target`` and ``business_elapsed`` replaced, with the columns the engine derives from
    them (the per-record writers derive them again)."""
    t = np.array([-1 if x is None else x for x in target], dtype=np.int64)
    e = np.array(elapsed, dtype=np.int64)
    has = t >= 0
    over = has & (e > t)
    share_ok = has & (t != 0)
    share = np.divide(e, t, out=np.zeros(len(e)), where=share_ok)
    return _with(
        tbl,
        target=pa.array(t, mask=~has),
        business_elapsed=pa.array(e),
        breached_by=pa.array(np.where(over, e - t, 0), mask=~over),
        remaining=pa.array(t - e, mask=~has),
        share_of_target=pa.array(share, mask=~share_ok),
    )


_odd_text = st.text(alphabet=',"\r\n\t;\\ aZ9é\x00\x1f\u2028\U0001f600', max_size=8)


@settings(max_examples=60)
@given(
    rows=st.lists(
        st.tuples(
            _odd_text,
            st.one_of(st.none(), _odd_text),
            st.one_of(st.none(), st.integers(0, 10**12)),
            st.integers(0, 10**12),
            st.integers(-62_135_596_800, 253_402_300_799),  # the years 1 to 9999
        ),
        min_size=1,
        max_size=12,
    ),
    fmt=st.sampled_from(["csv", "jsonl", "json"]),
)
def test_any_text_number_and_instant_is_written_as_python_writes_it(
    table: pa.Table, rows: list[tuple[str, str | None, int | None, int, int]], fmt: str
) -> None:
    n = len(rows)
    ids, customers, targets, elapsed, instants = map(list, zip(*rows, strict=True))
    base = table.slice(0, n)
    odd = _with(
        base,
        ticket_id=pa.array(ids, pa.string()),
        customer=pc.dictionary_encode(pa.array(customers, pa.string())),
        due=pa.array(instants, pa.timestamp("s", tz="UTC")),
    )
    odd = _judged(odd, targets, elapsed)
    assert _text(odd, fmt) == _expected(odd, fmt)


def test_shares_arrow_spells_otherwise_are_spelt_as_python_does(table: pa.Table) -> None:
    # 1e-05 (Arrow: 0.00001), 2.0 (Arrow: 2), 1.5e9 (Arrow: 1500000000)
    odd = _judged(table.slice(0, 4), [100_000, 3, 1, None], [1, 6, 1_500_000_000, 5])
    got = _text(odd, "csv").splitlines()[1:]
    assert [line.split(",")[21] for line in got] == ["1e-05", "2.0", "1500000000.0", ""]
    assert _text(odd, "csv") == _expected(odd, "csv")


def test_stdout_json_is_the_compact_list(table: pa.Table) -> None:
    buf = io.BytesIO()
    records_text.write_table_text(table.slice(0, 3), "json", buf, indent=False)
    assert json.loads(buf.getvalue()) == [r.to_row() for r in records_from_table(table.slice(0, 3))]
