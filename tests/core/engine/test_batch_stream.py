"""stream_batch: the records a partition at a time, on threads, equal to one kernel call over
the whole log; the events table let go of once regrouped; the Parquet file written from the
stream equal to the one written from the whole table."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.engine.batch import (
    compute_partition,
    cut,
    events_to_table,
    plain_records,
    records_from_table,
)
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.batch.stream import stream_batch
from accord.core.events import Event
from accord.core.timeutil import Instant
from accord.demo.generate import generate_events
from accord.io.records_out import DICTIONARY_PAGES, write_records_parquet
from tests.core.engine.test_batch_equals_reference import EXAMPLES, cases
from tests.core.engine.test_batch_parallel import _chunked_like_the_reader

DEMO_CONFIG = Path(__file__).parents[3] / "src" / "accord" / "demo" / "config"
END = datetime(2026, 6, 30, 18, tzinfo=UTC)
AS_OF: Instant = int(END.timestamp())


@pytest.fixture(scope="module")
def config() -> Configuration:
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def events() -> pa.Table:
    # in arrival order, as an export is: a ticket's events are spread over the whole log
    log = sorted(generate_events(seed=5, end=END, tickets=120), key=lambda e: (e.ts, e.seq))
    return events_to_table(log)


@pytest.fixture(scope="module")
def whole(events: pa.Table, config: Configuration) -> pa.Table:
    return compute_partition(events, config, AS_OF, agreements=True)


def _streamed(events: pa.Table, config: Configuration, jobs: int, chunk: int) -> pa.Table:
    tables = [r for r, _ in stream_batch(events, config, AS_OF, jobs, chunk, agreements=True)]
    return pa.concat_tables(tables)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunk=st.integers(min_value=1, max_value=2000),
    pieces=st.integers(min_value=1, max_value=9),
    jobs=st.integers(min_value=1, max_value=3),
    block=st.sampled_from([1, 7, 100, cut.BLOCK_ROWS]),
)
def test_any_chunk_size_input_chunking_and_threads_give_the_one_shot_records(
    events: pa.Table,
    config: Configuration,
    whole: pa.Table,
    chunk: int,
    pieces: int,
    jobs: int,
    block: int,
) -> None:
    # the input in ``pieces`` chunks (each its own dictionaries, as the reader gives them),
    # so that most tickets have events on both sides of a chunk boundary; the tickets cut on
    # the threads in blocks of ``block`` rows (across those boundaries), the last partitions
    # small (the tail)
    table = _chunked_like_the_reader(events, pieces)
    with mock.patch.object(cut, "BLOCK_ROWS", block):
        got = _streamed(table, config, jobs, chunk)
    assert got.num_rows == whole.num_rows > 0
    assert got.to_pylist() == whole.to_pylist()


def test_a_ticket_whose_events_span_input_chunks_is_computed_whole(
    events: pa.Table, config: Configuration, whole: pa.Table
) -> None:
    table = _chunked_like_the_reader(events, 7)
    ids = table.column("ticket_id")
    # the first ticket's events are in more than one input chunk
    first = ids[0].as_py()
    holding = [i for i, ch in enumerate(ids.chunks) if first in ch.dictionary.to_pylist()]
    assert len(holding) > 1
    got = _streamed(table, config, 2, 50)
    mine = [r for r in got.to_pylist() if r["ticket_id"] == first]
    assert mine and mine == [r for r in whole.to_pylist() if r["ticket_id"] == first]


@settings(
    max_examples=max(EXAMPLES // 4, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), chunk=st.integers(min_value=1, max_value=40), jobs=st.sampled_from([1, 2]))
def test_streamed_partitions_on_threads_keep_the_reference_records(
    case: tuple[Configuration, list[Event], int], chunk: int, jobs: int
) -> None:
    config, log, as_of = case
    got = [r for r, _ in stream_batch(events_to_table(log), config, as_of, jobs, chunk)]
    merged = records_from_table(pa.concat_tables(got)) if got else []
    assert merged == compute(log, config, as_of)


def test_an_empty_log_streams_no_partition(config: Configuration, events: pa.Table) -> None:
    assert list(stream_batch(events.slice(0, 0), config, AS_OF, jobs=2)) == []


def test_the_events_table_is_let_go_of_before_the_kernel_runs(
    events: pa.Table, config: Configuration
) -> None:
    # the caller hands over its only reference: once the first partition is out, nothing
    # holds the table any more (its columns went as they were regrouped)
    table = pa.concat_tables([events.slice(0, 1000), events.slice(1000)])
    gone = weakref.ref(table)
    parts = stream_batch(table, config, AS_OF, jobs=1, chunk_events=200)
    del table
    next(parts)
    gc.collect()
    assert gone() is None
    parts.close()


def test_the_progress_hears_every_event_once_in_order(
    events: pa.Table, config: Configuration
) -> None:
    heard: list[int] = []
    for _ in stream_batch(events, config, AS_OF, 2, 150, progress=heard.append):
        pass
    assert heard == sorted(heard) and heard[-1] == events.num_rows


def test_an_error_in_a_partition_reaches_the_caller_and_no_thread_is_left(
    events: pa.Table, config: Configuration, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from accord.core.engine.batch import stream

    calls = 0

    def failing(*args: object) -> object:
        nonlocal calls
        calls += 1
        raise RuntimeError("partition failed")

    monkeypatch.setattr(stream, "run_partition", failing)
    with pytest.raises(RuntimeError, match="partition failed"):
        list(stream_batch(events, config, AS_OF, jobs=2, chunk_events=100))
    assert calls >= 1
    assert not [t for t in threading.enumerate() if t.name.startswith("accord-kernel")]


def test_the_streamed_parquet_file_holds_the_rows_of_the_whole_table(
    events: pa.Table, config: Configuration, whole: pa.Table, tmp_path: Path
) -> None:
    path = tmp_path / "out" / "records.parquet"
    parts = stream_batch(events, config, AS_OF, 2, 300, agreements=True)
    count = write_records_parquet((r for r, _ in parts), path)
    assert count == whole.num_rows
    one_shot = tmp_path / "one-shot.parquet"
    pq.write_table(plain_records(whole), one_shot)  # as accord sla wrote it before
    got, want = pq.read_table(path), pq.read_table(one_shot)
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    one_shot.unlink()
    assert [p.name for p in path.parent.iterdir()] == ["records.parquet"]
    # the records cast on the partitions' threads: the same file
    again = tmp_path / "again.parquet"
    plain = stream_batch(events, config, AS_OF, 2, 300, agreements=True, plain=True)
    assert write_records_parquet((r for r, _ in plain), again) == whole.num_rows
    assert pq.read_table(again).equals(got)
    again.unlink()
    # dictionary pages only for the columns of few values (see DICTIONARY_PAGES)
    meta = pq.ParquetFile(path).metadata
    for i in range(meta.num_columns):
        chunk = meta.row_group(0).column(i)
        assert chunk.has_dictionary_page == (chunk.path_in_schema in DICTIONARY_PAGES)


def test_a_failed_stream_leaves_no_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "records.parquet"

    def failing() -> Iterator[pa.Table]:
        yield RECORDS_SCHEMA.empty_table()
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        write_records_parquet(failing(), path)
    assert list(tmp_path.iterdir()) == []
