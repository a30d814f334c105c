"""Records written to Parquet: dictionary pages only for the columns of few values
(:data:`~accord.io.records_out.DICTIONARY_PAGES`), and the same values read back as a file
written with pyarrow's defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch, events_to_table, plain_records
from accord.demo.generate import generate_events
from accord.io.records_out import DICTIONARY_PAGES, write_records_parquet

DEMO_CONFIG = Path(__file__).parents[2] / "src" / "accord" / "demo" / "config"
END = datetime(2026, 6, 30, 18, tzinfo=UTC)


def test_only_columns_of_few_values_are_dictionary_encoded_and_values_are_unchanged(
    tmp_path: Path,
) -> None:
    config = load_config(DEMO_CONFIG)
    events = events_to_table(list(generate_events(seed=3, end=END, tickets=40)))
    records = compute_batch(events, config, int(END.timestamp()), jobs=1)
    assert records.num_rows > 0
    path = tmp_path / "records.parquet"
    write_records_parquet([records], path)
    defaults = tmp_path / "defaults.parquet"
    pq.write_table(plain_records(records), defaults)
    got, want = pq.read_table(path), pq.read_table(defaults)
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    meta = pq.ParquetFile(path).metadata
    for i, field in enumerate(got.schema):
        dictionary = any("DICTIONARY" in e for e in meta.row_group(0).column(i).encodings)
        assert dictionary == (field.name in DICTIONARY_PAGES), field.name
