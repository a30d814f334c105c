"""compute_batch on spawned worker processes: the configuration survives pickling, and any
number of jobs and any chunk size give the records of one kernel call."""

from __future__ import annotations

import os
import pickle
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.engine.batch import (
    compute_batch,
    compute_partition,
    events_to_table,
    parallel,
    records_from_table,
)
from accord.core.events import Event
from accord.core.timeutil import Instant
from accord.demo.generate import generate_events
from tests.core.engine.test_batch_equals_reference import EXAMPLES, cases

DEMO_CONFIG = Path(__file__).parents[3] / "src" / "accord" / "demo" / "config"
END = datetime(2026, 6, 30, 18, tzinfo=UTC)
AS_OF: Instant = int(END.timestamp())


@pytest.fixture(scope="module")
def config() -> Configuration:
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def events() -> pa.Table:
    return events_to_table(list(generate_events(seed=11, end=END, tickets=150)))


@pytest.fixture(scope="module")
def whole(events: pa.Table, config: Configuration) -> pa.Table:
    return compute_partition(events, config, AS_OF)


def test_a_pickled_configuration_gives_identical_records(
    events: pa.Table, config: Configuration, whole: pa.Table
) -> None:
    copy = pickle.loads(pickle.dumps(config))
    assert compute_partition(events, copy, AS_OF).equals(whole)


@pytest.mark.parametrize(("jobs", "chunk"), [(1, 400), (2, 10**9), (2, 300)])
def test_jobs_and_chunks_do_not_change_the_records(
    events: pa.Table, config: Configuration, whole: pa.Table, jobs: int, chunk: int
) -> None:
    got = compute_batch(events, config, AS_OF, jobs=jobs, chunk_events=chunk)
    assert got.num_rows == whole.num_rows > 0
    # chunks carry their own dictionaries: compare the values
    assert got.to_pylist() == whole.to_pylist()


@settings(
    max_examples=max(EXAMPLES // 4, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), chunk=st.integers(min_value=1, max_value=40))
def test_partitions_and_column_selection_keep_the_reference_records(
    case: tuple[Configuration, list[Event], int], chunk: int
) -> None:
    # in this process: partitions of a few events each, cut from only the columns the
    # kernel reads, still give the reference engine's records
    config, events, as_of = case
    got = compute_batch(events_to_table(events), config, as_of, chunk_events=chunk)
    assert records_from_table(got) == compute(events, config, as_of)


def _chunked_like_the_reader(events: pa.Table, pieces: int) -> pa.Table:
    """The table cut into chunks whose text columns are dictionary-encoded chunk by chunk
    (each chunk its own dictionary), as the columnar reader gives Parquet row groups."""
    step = -(-events.num_rows // pieces)
    parts = []
    for lo in range(0, events.num_rows, step):
        part = events.slice(lo, step)
        cols = [pc.dictionary_encode(c) if pa.types.is_string(c.type) else c for c in part.columns]
        parts.append(pa.Table.from_arrays(cols, names=part.column_names))
    return pa.concat_tables(parts)


@pytest.mark.parametrize(("jobs", "chunk"), [(1, 400), (2, 300)])
def test_chunked_dictionary_columns_give_the_same_records(
    events: pa.Table, config: Configuration, whole: pa.Table, jobs: int, chunk: int
) -> None:
    table = _chunked_like_the_reader(events, 4)
    assert table.column("status").num_chunks == 4
    got = compute_batch(table, config, AS_OF, jobs=jobs, chunk_events=chunk)
    assert got.to_pylist() == whole.to_pylist()


def test_shared_memory_files_are_removed_after_a_run_and_after_a_failure(
    events: pa.Table,
    config: Configuration,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []

    def shared_dir() -> str:
        made.append(tempfile.mkdtemp(dir=tmp_path))
        return made[-1]

    monkeypatch.setattr(parallel, "_shared_dir", shared_dir)
    compute_batch(events, config, AS_OF, jobs=2, chunk_events=300)
    # a null ticket id fails the kernel inside a worker
    ids = events.column("ticket_id").to_pylist()
    ids[5] = None
    at = events.schema.get_field_index("ticket_id")
    bad = events.set_column(at, "ticket_id", pa.array(ids).cast(events.schema.field(at).type))
    with pytest.raises(ValueError, match="nulls in 'ticket_id'"):
        compute_batch(bad, config, AS_OF, jobs=2, chunk_events=300)
    assert len(made) == 2
    assert not [d for d in made if os.path.exists(d)]


@pytest.mark.parametrize("offset", [0, 1, 3, 8, 13])
def test_true_false_chunks_are_unpacked_like_arrow(offset: int) -> None:
    values = [True, None, False, True, None, None, False, True, True, None] * 3
    for arr in (pa.array(values), pa.array([v is True for v in values]), pa.nulls(30, pa.bool_())):
        ch = arr.slice(offset)
        got, valid = parallel._bool_bits(ch)
        assert got.tolist() == ch.fill_null(False).to_pylist()
        if ch.null_count:
            assert valid is not None and valid.tolist() == ch.is_valid().to_pylist()
        else:
            assert valid is None


def test_an_all_null_column_is_regrouped_as_nulls_of_its_type() -> None:
    import numpy as np

    typ = pa.list_(pa.string())
    col = pa.chunked_array([pa.nulls(3, typ), pa.nulls(2, typ)])
    dest = np.array([4, 0, 3, 1, 2], dtype=np.int32)
    got, codes = parallel._regroup("cleared", col, dest, np.zeros(0, dtype=np.int32))
    assert codes is None
    assert got.type == typ and len(got) == 5 and got.null_count == 5
    # a column with values still moves them
    some = pa.chunked_array([pa.array([["a"], None, ["b"]], typ), pa.array([None, ["c"]], typ)])
    moved, _ = parallel._regroup("cleared", some, dest, np.zeros(0, dtype=np.int32))
    assert moved.to_pylist() == [None, None, ["c"], ["b"], ["a"]]


@pytest.mark.parametrize(
    "chunks",
    [
        [[0, 0, 0], [0, 0]],  # all zeros: made as zeros, not moved
        [[0, 0, 0], [0, 7]],  # one value elsewhere in a later chunk: moved
        [[5, 0, 0], [0, 0]],
    ],
)
def test_integer_columns_are_regrouped_whether_or_not_all_zero(chunks: list[list[int]]) -> None:
    import numpy as np

    col = pa.chunked_array([pa.array(c, pa.int32()) for c in chunks])
    dest = np.array([4, 0, 3, 1, 2], dtype=np.int32)
    got, codes = parallel._regroup("ts_us", col, dest, np.zeros(0, dtype=np.int32))
    flat = [v for c in chunks for v in c]
    want = [0] * 5
    for i, d in enumerate(dest.tolist()):
        want[d] = flat[i]
    assert codes is None
    assert got.type == pa.int32() and got.null_count == 0
    assert got.to_pylist() == want


def test_partitions_share_one_buffer_for_their_constant_columns(
    events: pa.Table, config: Configuration
) -> None:
    got = compute_batch(events, config, AS_OF, chunk_events=200)
    for name in ("as_of", "explanation"):
        chunks = got.column(name).chunks
        assert len(chunks) > 2
        data = [(c.indices if name == "explanation" else c).buffers()[1] for c in chunks]
        assert len({b.address for b in data}) < len(chunks) / 2
    assert set(got.column("as_of").to_pylist()) == {datetime.fromtimestamp(AS_OF, UTC)}


@pytest.mark.parametrize(("values", "width"), [(5, "int8"), (127, "int8"), (128, "int32")])
def test_regrouped_codes_take_one_byte_below_128_values(values: int, width: str) -> None:
    import numpy as np

    texts = [f"v{i % values}" for i in range(2 * values)]
    col = pc.dictionary_encode(pa.chunked_array([texts[:values], texts[values:]]))
    dest = np.arange(2 * values, dtype=np.int32)[::-1].copy()
    got, codes = parallel._regroup("assignee", col, dest, np.zeros(0, dtype=np.int32))
    assert codes is not None and codes.dtype == np.dtype(width)
    assert got.cast(pa.string()).to_pylist() == texts[::-1]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_column_with_many_values_keeps_wide_codes_and_the_same_records(
    events: pa.Table, config: Configuration, jobs: int
) -> None:
    # one assignee per ticket: more values than one-byte codes hold
    ids = events.column("ticket_id").to_pylist()
    many = pa.array([f"agent-{t}" for t in ids], type=events.schema.field("assignee").type)
    table = events.set_column(events.schema.get_field_index("assignee"), "assignee", many)
    assert len(pc.unique(many)) >= 128
    want = compute_partition(table, config, AS_OF)
    got = compute_batch(
        _chunked_like_the_reader(table, 3), config, AS_OF, jobs=jobs, chunk_events=400
    )
    assert got.num_rows == want.num_rows > 0
    assert got.to_pylist() == want.to_pylist()


def test_agreements_and_attribution_on_worker_processes_equal_one_kernel_call(
    events: pa.Table,
) -> None:
    from accord.core.config.loader import build_config
    from accord.core.engine.batch import attribute_batch, attribute_partition

    # the demo configuration with two internal agreements: they must survive pickling too
    demo = load_config(DEMO_CONFIG)
    team = pc.unique(events.column("team")).drop_null().to_pylist()[0]
    config = build_config(
        {
            "calendars": {"always": {"hours": {"daily": [["00:00", "24:00"]]}}},
            "policies": [{"name": "All", "calendar": "always", "metrics": {"resolution": "2d"}}],
            "agreements": {
                "team": {"while": {"team": team}, "calendar": "always", "targets": "4h"},
                "waiting": {"while": {"team": {"exists": True}}, "categories": "pending",
                            "calendar": "always"},
            },
            "statuses": {k: v for k, v in demo.statuses.items()},
        }
    )  # fmt: skip
    dims = ["team", "status", "assignee"]
    records, rows = attribute_partition(events, config, AS_OF, dims, agreements=True)
    assert rows.num_rows > 100
    assert any(m.startswith("ola:") for m in records.column("metric").to_pylist())
    got_records, got_rows = attribute_batch(
        events, config, AS_OF, dims, jobs=2, chunk_events=700, agreements=True
    )
    assert got_records.to_pylist() == records.to_pylist()
    assert got_rows.to_pylist() == rows.to_pylist()
