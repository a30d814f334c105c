"""The recompute process settles its heap once its first batch has run: its garbage is
collected first (none is frozen for good), then what is left no longer goes through the full
collections of the later passes."""

from __future__ import annotations

import gc
import weakref

from accord.service.recompute_process import settle_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only a collection frees it


def test_settling_collects_the_garbage_then_freezes_the_rest() -> None:
    kept = _Node()
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    before = gc.get_freeze_count()
    try:
        settle_heap()
        assert gone() is None  # collected, not frozen
        assert gc.get_freeze_count() > before
        # what was left is out of the collector's generations: a full collection skips it
        assert not any(o is kept for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()  # the other tests' heap as it was
