"""The anchors of bench/anchors (what a user would write instead of Accord for the simple case
of issue 21) give Accord's business_elapsed and state for every ticket and metric of a log
from bench/gen_events.py that crosses New York's DST change and a US holiday.

duckdb and pandas come with the ``bench`` extra, which ``make setup`` installs: without them
this module fails to import (an error, never a skip).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb  # noqa: F401  (imported here so that a missing bench extra fails the suite)
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from bench.anchors.case import SIMPLE
from bench.anchors.compare import differences
from bench.anchors.duckdb_sql import duckdb_anchor
from bench.anchors.pandas_numpy import business_before, pandas_anchor, working_intervals
from bench.gen_events import SIMPLE_END, generate_simple

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.io.columnar import read_columnar

CONFIG = Path(__file__).resolve().parents[2] / "bench" / "simple_config"
NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def config() -> Configuration:
    return load_config(CONFIG)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("anchors") / "events.parquet"
    pq.write_table(generate_simple(20_000, seed=11).table, path)
    return path


@pytest.fixture(scope="module")
def records(log: Path, config: Configuration) -> pa.Table:
    read = read_columnar([log], status_category=config.status_category)
    return compute_batch(read.events, config, SIMPLE_END)


def test_the_log_spans_the_dst_change_and_presidents_day(log: Path) -> None:
    ts = pq.read_table(log, columns=["ts"]).column("ts")
    first, last = pc.min(ts).as_py().astimezone(NY), pc.max(ts).as_py().astimezone(NY)
    assert first.utcoffset() != last.utcoffset()  # EST at the start, EDT at the end
    assert first.date() < date(2026, 2, 16) < date(2026, 3, 8) < last.date()


def test_the_log_has_clocks_in_every_state(records: pa.Table) -> None:
    states = set(records.column("state").cast(pa.string()).to_pylist())
    assert states == {"met", "breached", "running", "paused", "cancelled"}


def test_duckdb_sql_gives_accords_elapsed_and_state_for_every_ticket_and_metric(
    log: Path, records: pa.Table
) -> None:
    anchor = duckdb_anchor(log, SIMPLE_END, SIMPLE)
    assert anchor.num_rows == records.num_rows
    assert differences(anchor, records) == []


def test_pandas_gives_accords_elapsed_and_state_for_every_ticket_and_metric(
    log: Path, records: pa.Table
) -> None:
    anchor = pandas_anchor(log, SIMPLE_END, SIMPLE)
    assert anchor.num_rows == records.num_rows
    assert differences(anchor, records) == []


def test_differences_names_an_answer_one_second_off(log: Path, records: pa.Table) -> None:
    anchor = pandas_anchor(log, SIMPLE_END, SIMPLE)
    elapsed = anchor.column("business_elapsed").to_numpy().copy()
    elapsed[7] += 1
    changed = anchor.set_column(2, "business_elapsed", pa.array(elapsed))
    found = differences(changed, records)
    assert len(found) == 1
    assert anchor.column("ticket_id")[7].as_py() in found[0]


def test_differences_refuses_a_second_cycle(records: pa.Table) -> None:
    cycle = records.column("cycle").to_numpy().copy()
    cycle[0] = 2
    with pytest.raises(ValueError, match="2 cycles"):
        differences(records, records.set_column(2, "cycle", pa.array(cycle, pa.int32())))


def test_the_anchors_case_is_bench_simple_config(config: Configuration) -> None:
    (policy,) = config.policies
    (version,) = policy.versions
    cal = config.calendars[version.calendar]
    assert cal.spec.tz == SIMPLE.tz
    assert [h.country for h in cal.spec.holidays] == [SIMPLE.holiday_country]
    assert sorted(version.metrics) == sorted(SIMPLE.targets)
    for metric, target in SIMPLE.targets.items():
        priorities = ("low", "normal", "high", "urgent", None)
        assert {version.target(metric, p) for p in priorities} == {target}
        assert {c.value for c in version.pause_set(metric)} == set(SIMPLE.pause)
    assert version.reopen_rule("resolution") == "continue"
    for name, category in SIMPLE.status_map().items():
        assert config.status_category(name) == category


def test_the_anchors_calendar_counts_as_accords_across_the_dst_change(
    config: Configuration,
) -> None:
    # every hour boundary from January to April: business seconds since the first one
    cal = config.calendars["new-york"]
    first = int(datetime(2026, 1, 20, tzinfo=UTC).timestamp())
    t = pa.array(range(first, first + 100 * 86400, 1800)).to_numpy()
    starts, ends = working_intervals(SIMPLE, first, int(t[-1]))
    ours = business_before(t, starts, ends) - business_before(t[:1], starts, ends)
    theirs = [cal.elapsed(first, int(x)) for x in t]
    assert ours.tolist() == theirs
    # 9:00 New York is 14:00 UTC before the change and 13:00 after it
    opens = {datetime.fromtimestamp(int(s), UTC).time() for s in starts}
    assert opens == {time(14), time(13)}
