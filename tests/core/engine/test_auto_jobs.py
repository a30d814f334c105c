"""Without --jobs, the processes follow the input size: one below twice EVENTS_PER_JOB (a
worker costs more to start than it saves on a small log), one per EVENTS_PER_JOB above, never
more than the cores."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from accord.core.engine.batch import EVENTS_PER_JOB, auto_jobs


def test_small_logs_run_in_one_process() -> None:
    assert auto_jobs(0, 8) == 1
    assert auto_jobs(1_000_000, 8) == 1
    assert auto_jobs(2 * EVENTS_PER_JOB - 1, 8) == 1


def test_large_logs_get_one_process_per_share_up_to_the_cores() -> None:
    assert auto_jobs(2 * EVENTS_PER_JOB, 8) == 2
    assert auto_jobs(10 * EVENTS_PER_JOB, 8) == 8
    assert auto_jobs(10 * EVENTS_PER_JOB, 2) == 2


@given(st.integers(0, 10**9), st.integers(1, 64))
def test_more_events_never_mean_fewer_jobs(events: int, cores: int) -> None:
    jobs = auto_jobs(events, cores)
    assert 1 <= jobs <= cores
    assert auto_jobs(events + EVENTS_PER_JOB, cores) >= jobs
