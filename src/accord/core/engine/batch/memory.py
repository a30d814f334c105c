"""How a batch run allocates: :func:`engine_memory` around reading and computing.

A run over millions of events allocates and frees gigabytes of columns, partition after
partition. Memory handed back to the system and asked for again costs a page fault and a
zeroed page each time, and on a virtual machine whose host takes freed guest memory back,
the first touch of a page costs several times more again: on 10 million events that was a
third of the run. So, for the duration of the outermost block only:

- Arrow allocates from jemalloc (Arrow's default pool in the wheels, mimalloc, hands freed
  pages back within milliseconds: about 1.3 s of system time more on 10 million events, and
  a higher peak). The buffers remember their pool, so they stay valid afterwards. Not when
  the user has chosen a pool with ``ARROW_DEFAULT_MEMORY_POOL``.
- glibc's malloc (numpy's and the compiled loops' arrays) keeps what is freed for the next
  allocation instead of trimming its heap or unmapping large blocks: ``mallopt`` with
  ``M_MMAP_MAX`` 0 and high ``M_TRIM_THRESHOLD`` / ``M_TOP_PAD``. On leaving, glibc's
  documented defaults are put back and ``malloc_trim`` returns the free memory, so a
  long-running service holds no more than before. Elsewhere than glibc, nothing changes.
- numpy does not ask for transparent huge pages (``madvise(MADV_HUGEPAGE)`` on arrays of
  4 MiB and more, its default on Linux): where the kernel compacts memory synchronously for
  such regions (``defrag`` set to ``madvise``, a common default), every huge page costs a
  compaction; on 10 million events that was about 1 s of system time out of 10. It is the
  same switch as ``NUMPY_MADVISE_HUGEPAGE=0``, turned back on when the block ends.

Blocks nest (the CLI holds one over reading and computing, each of which holds its own), and
only the outermost one sets and restores.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import pyarrow as pa

# mallopt parameters (malloc.h) and glibc's documented defaults for them (mallopt(3))
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_MAX = -4
_RETAIN = {_M_MMAP_MAX: 0, _M_TRIM_THRESHOLD: 2**31 - 1, _M_TOP_PAD: 64 << 20}
_DEFAULTS = {_M_MMAP_MAX: 65536, _M_TRIM_THRESHOLD: 128 * 1024, _M_TOP_PAD: 128 * 1024}

_lock = threading.Lock()
_depth = 0
_restore: list[Any] = []  # what the outermost block undoes, in reverse order


def chosen_pool() -> pa.MemoryPool | None:
    """The engine's pool; None: keep the default (chosen by the user, or no jemalloc)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return None
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (ArrowNotImplementedError)
        return None


def _glibc() -> Any | None:
    """The C library when it is glibc (whose ``mallopt`` parameters these are), else None."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _numpy_hugepage() -> Callable[[bool], bool] | None:
    """numpy's switch for huge page advice (returns the previous setting), if it has one."""
    import importlib

    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, numpy 1
        try:
            flip = getattr(importlib.import_module(name), "_set_madvise_hugepage", None)
        except ImportError:
            continue
        if callable(flip):
            return cast(Callable[[bool], bool], flip)
    return None


def _mallopt(libc: Any, values: dict[int, int]) -> None:
    for param, value in values.items():
        libc.mallopt(ctypes.c_int(param), ctypes.c_int(value))


def _enter(give_back: bool) -> None:
    pool = chosen_pool()
    if pool is not None:
        previous = pa.default_memory_pool()
        pa.set_memory_pool(pool)
        _restore.append(lambda: pa.set_memory_pool(previous))
    libc = _glibc()
    if libc is not None:
        _mallopt(libc, _RETAIN)

        def release() -> None:
            _mallopt(libc, _DEFAULTS)
            if give_back:
                libc.malloc_trim(ctypes.c_size_t(0))

        _restore.append(release)
    flip = _numpy_hugepage()
    if flip is not None:
        advised = flip(False)
        _restore.append(lambda: flip(advised))


def _leave() -> None:
    while _restore:
        _restore.pop()()


@contextmanager
def engine_memory(*, give_back: bool = True) -> Iterator[None]:
    """Allocate as a batch run should inside the block (see the module docstring).

    ``give_back=False`` (heeded on the outermost block): on leaving, the settings are put
    back but the free memory is not returned with ``malloc_trim``, for a process that ends
    right after, where returning it only costs time (about 0.05 s after a million events)."""
    global _depth
    with _lock:
        _depth += 1
        if _depth == 1:
            _enter(give_back)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _leave()


def is_engine_memory() -> bool:
    """Whether a block of :func:`engine_memory` is open (in any thread)."""
    return _depth > 0


def hold_engine_memory() -> None:
    """Allocate as a batch run should from now on: for a process that only runs the engine
    (a worker of :func:`.parallel.compute_batch`)."""
    global _depth
    with _lock:
        _depth += 1
        if _depth == 1:
            _enter(True)
