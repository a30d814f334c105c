"""The Arrow memory pool the batch engine allocates from.

Arrow's default pool (mimalloc in the wheels) hands freed pages back to the system within
milliseconds, so a run that allocates and frees gigabytes of columns, slice after slice,
takes a page fault on nearly every page again: on 10 million events about 1.3 s of system
time more than with jemalloc, which also peaked lower. The pool is switched for the duration
of a call only (the buffers remember their pool, so they stay valid afterwards), and not at
all when the user has chosen one with ``ARROW_DEFAULT_MEMORY_POOL``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


def chosen_pool() -> pa.MemoryPool | None:
    """The engine's pool; None: keep the default (chosen by the user, or no jemalloc)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return None
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (ArrowNotImplementedError)
        return None


@contextmanager
def engine_pool() -> Iterator[None]:
    """Allocate from the engine's pool (jemalloc when available) inside the block."""
    pool = chosen_pool()
    if pool is None:
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
