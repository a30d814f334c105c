"""Answers derived from a snapshot are computed once per snapshot and choice, never served
from an older snapshot, and bounded in number."""

from __future__ import annotations

from accord.service.derived import Derived
from accord.service.snapshots import Snapshot


def _snap(at: int = 100, stamp: tuple[int, ...] = (1, 2), guard: object = None) -> Snapshot[str]:
    return Snapshot(value="inputs", at=at, stamp=stamp, took=0.0, guard=guard)


def test_the_same_snapshot_and_choice_compute_once() -> None:
    memo, calls = Derived(), list[int]()
    snap = _snap()

    def compute() -> str:
        calls.append(1)
        return "A"

    for _ in range(3):
        assert memo.get(("k",), snap, ("a",), compute) == "A"
    assert calls == [1] and memo.hits == 2 and memo.misses == 1


def test_a_refreshed_snapshot_or_another_guard_computes_again() -> None:
    memo = Derived()
    answers = iter(["old", "new-at", "new-stamp", "new-guard", "other-base"])
    assert memo.get(("k",), _snap(), "c", lambda: next(answers)) == "old"
    assert memo.get(("k",), _snap(at=101), "c", lambda: next(answers)) == "new-at"
    assert memo.get(("k",), _snap(stamp=(1, 3)), "c", lambda: next(answers)) == "new-stamp"
    assert memo.get(("k",), _snap(guard=7), "c", lambda: next(answers)) == "new-guard"
    assert memo.get(("j",), _snap(), "c", lambda: next(answers)) == "other-base"
    assert memo.get(("k",), _snap(), "c", lambda: "unused") == "old"


def test_least_recently_used_answers_are_dropped_beyond_capacity() -> None:
    memo = Derived(capacity=2)
    snap = _snap()
    memo.get(("k",), snap, 1, lambda: "one")
    memo.get(("k",), snap, 2, lambda: "two")
    memo.get(("k",), snap, 1, lambda: "unused")  # 1 is now the most recent
    memo.get(("k",), snap, 3, lambda: "three")  # drops 2
    assert len(memo) == 2
    assert memo.get(("k",), snap, 1, lambda: "recomputed") == "one"
    assert memo.get(("k",), snap, 2, lambda: "recomputed") == "recomputed"
