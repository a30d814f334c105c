"""The columnar importer's Parquet file against the row importer's writer: the same table
read back, for random events; min / max statistics only where a reader may prune by them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.engine.batch.schema import events_to_table
from accord.core.events import Actor, Event, Kind
from accord.io.importers.columnar_write import (
    STATISTICS,
    parquet_import_batch,
    write_import_tables,
)
from accord.io.writers import write_events

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
_WORD = st.sampled_from(["a", "b c", " d", "", "é", "x;y"])
_VALUE: Any = st.one_of(
    st.none(), _WORD, _TEXT, st.integers(-5, 5), st.booleans(), st.floats(-2, 2, width=32)
)
_CUSTOM = ("project", "region")
_STANDARD = st.one_of(st.none(), _TEXT.map(str.strip).filter(bool))


@st.composite
def _events(draw: st.DrawFn) -> list[Event]:
    out = []
    for seq in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(list(Kind)))
        fields: dict[str, Any] = {}
        if kind in (Kind.CREATED, Kind.UPDATED):
            for name in draw(st.lists(st.sampled_from(["status", "priority", *_CUSTOM, "x"]))):
                standard = name in ("status", "priority")  # as validated: text or cleared
                fields[name] = draw(_STANDARD if standard else _VALUE)
            if draw(st.booleans()):
                fields["tags"] = tuple(draw(st.lists(st.sampled_from(["t", "u v"]), max_size=2)))
        out.append(
            Event(
                event_id=draw(st.sampled_from(["e1", "e2", f"e{seq}"])),
                ticket_id=draw(st.sampled_from(["T1", "T2", "T3"])),
                ts=draw(st.integers(0, 2_000_000_000)),
                ts_us=draw(st.sampled_from([0, 1, 999_999])),
                kind=kind,
                actor=draw(st.sampled_from([None, *Actor])),
                public=draw(st.sampled_from([None, True, False])),
                fields=fields,
                seq=seq,
            )
        )
    return out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=_events(), split=st.integers(0, 12))
def test_the_file_reads_back_as_the_row_writers(
    tmp_path: Path, events: list[Event], split: int
) -> None:
    rows, cols = tmp_path / "rows.parquet", tmp_path / "cols.parquet"
    write_events(rows, events, custom_fields=_CUSTOM)
    tables = [events_to_table(events[:split]), events_to_table(events[split:])]
    assert write_import_tables(cols, tables, _CUSTOM) == len(events)
    got, want = pq.read_table(cols), pq.read_table(rows)
    assert got.schema == want.schema
    # (the ``fields`` JSON may list its keys in another order: compared as objects)
    assert _rows(got) == _rows(want)
    # and byte for byte the batches the writer is given, as its default settings write them
    plain = tmp_path / "plain.parquet"
    schema = pq.read_schema(rows)
    with pq.ParquetWriter(plain, schema) as writer:
        for t in tables:
            if t.num_rows:
                writer.write_batch(parquet_import_batch(t, _CUSTOM, schema))
    assert got.equals(pq.read_table(plain))


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    out = table.to_pylist()
    for row in out:
        row["fields"] = None if row["fields"] is None else json.loads(row["fields"])
    return out


def test_only_the_pruning_columns_carry_statistics(tmp_path: Path) -> None:
    ev = Event("e1", "T1", 1_700_000_000, Kind.CREATED, fields={"status": "New"})
    path = tmp_path / "cols.parquet"
    write_import_tables(path, [events_to_table([ev])], _CUSTOM)
    group = pq.ParquetFile(path).metadata.row_group(0)
    with_stats = {
        group.column(i).path_in_schema
        for i in range(group.num_columns)
        if group.column(i).is_stats_set
    }
    assert with_stats == set(STATISTICS)
