"""The snapshots of the KPI and contract figures: served within their age while nothing
changed, recomputed at once when cheap, served stale and refreshed in the background when
expensive, one refresh per key at a time, bounded. Clocks, stamp and scheduler are fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from accord.service.snapshots import Job, Snapshots


class World:
    """The service's clock, the store's stamp, a timer and the scheduled refreshes."""

    def __init__(self) -> None:
        self.now = 1_000
        self.stamp: tuple[int, ...] = (1, 1)
        self.timer = 0.0
        self.scheduled: list[tuple[float, Job]] = []
        self.calls = 0

    def schedule(self, not_before: float, job: Job) -> None:
        self.scheduled.append((not_before, job))

    def run_scheduled(self) -> None:
        jobs, self.scheduled = self.scheduled, []
        for _, job in jobs:
            job()

    def compute(self, cost: float) -> Callable[[int], str]:
        """A computation that takes ``cost`` seconds on the timer and names its instant."""

        def run(at: int) -> str:
            self.calls += 1
            self.timer += cost
            return f"figures at {at} (#{self.calls})"

        return run

    def snapshots(self, **kw: object) -> Snapshots:
        return Snapshots(
            stamp=lambda: self.stamp,
            clock=lambda: self.now,
            timer=lambda: self.timer,
            schedule=self.schedule,
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture
def world() -> World:
    return World()


def test_the_first_request_computes_and_a_later_one_within_the_age_is_served_the_snapshot(
    world: World,
) -> None:
    snaps = world.snapshots(max_age=60)
    first = snaps.get(("k",), world.compute(5.0))
    world.now += 59
    again = snaps.get(("k",), world.compute(5.0))
    assert again is first
    assert (again.at, world.calls, world.scheduled) == (1_000, 1, [])


def test_a_changed_stamp_recomputes_a_cheap_snapshot_at_once(world: World) -> None:
    snaps = world.snapshots(cheap=0.25)
    snaps.get(("k",), world.compute(0.1))
    world.stamp = (2, 1)  # an ingest
    world.now += 1
    got = snaps.get(("k",), world.compute(0.1))
    assert got.value == "figures at 1001 (#2)"
    assert got.stamp == (2, 1)
    assert world.scheduled == []


def test_a_changed_stamp_serves_an_expensive_snapshot_stale_and_refreshes_it_in_background(
    world: World,
) -> None:
    snaps = world.snapshots(cheap=0.25)
    first = snaps.get(("k",), world.compute(30.0))
    world.stamp = (2, 1)
    world.now += 5
    stale = snaps.get(("k",), world.compute(30.0))
    assert stale is first
    assert len(world.scheduled) == 1 and snaps.refreshing(("k",))
    world.run_scheduled()
    fresh = snaps.get(("k",), world.compute(30.0))
    assert fresh.value == "figures at 1005 (#2)"
    assert fresh.stamp == (2, 1)
    assert not snaps.refreshing(("k",))


def test_an_expensive_snapshot_older_than_the_max_age_is_refreshed_in_background(
    world: World,
) -> None:
    snaps = world.snapshots(max_age=60, cheap=0.25)
    first = snaps.get(("k",), world.compute(1.0))
    world.now += 60  # KPIs move with time alone
    assert snaps.get(("k",), world.compute(1.0)) is first
    assert len(world.scheduled) == 1


def test_a_cheap_snapshot_older_than_the_max_age_is_recomputed_at_once(world: World) -> None:
    snaps = world.snapshots(max_age=60, cheap=0.25)
    snaps.get(("k",), world.compute(0.0))
    world.now += 60
    assert snaps.get(("k",), world.compute(0.0)).at == 1_060


def test_one_refresh_at_a_time_per_key(world: World) -> None:
    snaps = world.snapshots(cheap=0.25)
    snaps.get(("k",), world.compute(10.0))
    for n in range(5):
        world.stamp = (2 + n, 1)
        snaps.get(("k",), world.compute(10.0))
    assert len(world.scheduled) == 1  # further stale reads wait for the scheduled one
    snaps.get(("other",), world.compute(10.0))
    world.stamp = (99, 1)
    snaps.get(("other",), world.compute(10.0))
    assert len(world.scheduled) == 2  # another key has its own


def test_a_refresh_starts_no_sooner_than_twice_its_duration_after_the_last_start(
    world: World,
) -> None:
    snaps = world.snapshots(cheap=0.25, min_gap=1.0)
    world.timer = 100.0
    snaps.get(("k",), world.compute(40.0))  # started at 100, took 40
    world.stamp = (2, 1)
    snaps.get(("k",), world.compute(40.0))
    assert [t for t, _ in world.scheduled] == [180.0]


def test_a_concurrent_first_request_waits_for_the_computation_instead_of_repeating_it(
    world: World,
) -> None:
    snaps = world.snapshots()
    started, release = threading.Event(), threading.Event()

    def slow(at: int) -> str:
        started.set()
        release.wait(5)
        world.calls += 1
        return "one"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(snaps.get(("k",), slow).value))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(snaps.get(("k",), slow).value))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert (results, world.calls) == (["one", "one"], 1)


def test_a_failed_background_refresh_keeps_the_stale_snapshot_and_may_be_scheduled_again(
    world: World,
) -> None:
    snaps = world.snapshots(cheap=0.25)
    first = snaps.get(("k",), world.compute(1.0))
    world.stamp = (2, 1)

    def broken(at: int) -> str:
        raise RuntimeError("store unreachable")

    snaps.get(("k",), broken)
    world.run_scheduled()
    assert snaps.get(("k",), world.compute(1.0)) is first
    assert len(world.scheduled) == 1


def test_the_memo_holds_at_most_capacity_snapshots_least_recently_used_out_first(
    world: World,
) -> None:
    snaps = world.snapshots(capacity=2)
    snaps.get(("a",), world.compute(0.0))
    snaps.get(("b",), world.compute(0.0))
    snaps.get(("a",), world.compute(0.0))  # a is now the most recently used
    snaps.get(("c",), world.compute(0.0))
    assert len(snaps) == 2
    assert snaps.peek(("b",)) is None
    assert snaps.peek(("a",)) is not None and snaps.peek(("c",)) is not None


def test_without_background_work_a_stale_expensive_snapshot_is_recomputed_in_the_request(
    world: World,
) -> None:
    snaps = world.snapshots(background=False)
    snaps.get(("k",), world.compute(30.0))
    world.stamp = (2, 1)
    assert snaps.get(("k",), world.compute(30.0)).stamp == (2, 1)
    assert world.scheduled == []


def test_the_real_worker_runs_a_scheduled_refresh() -> None:
    stamp = [(1,)]
    done = threading.Event()
    snaps = Snapshots(stamp=lambda: stamp[0], clock=lambda: 0, cheap=0.0, min_gap=0.0)
    try:
        snaps.get(("k",), lambda at: "old")
        stamp[0] = (2,)

        def refreshed(at: int) -> str:
            done.set()
            return "new"

        assert snaps.get(("k",), refreshed).value == "old"
        assert done.wait(10)
        for _ in range(1000):  # the value is stored just after the computation returns
            if snaps.refreshes:
                break
            threading.Event().wait(0.01)
        assert snaps.get(("k",), refreshed).value == "new"
    finally:
        snaps.stop()
