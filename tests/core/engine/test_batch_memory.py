"""The allocation regime of a batch run (accord.core.engine.batch.memory)."""

from __future__ import annotations

import os
import platform
import sys

import numpy as np
import pyarrow as pa
import pytest

from accord.core.engine.batch.memory import chosen_pool, engine_memory, is_engine_memory

GLIBC = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _touch_and_free(nbytes: int) -> int:
    """RSS given back by freeing a block of ``nbytes`` just written."""
    block = np.ones(nbytes // 8, dtype=np.int64)
    held = _rss()
    del block
    return held - _rss()


def test_the_engine_pool_is_only_used_inside_the_block() -> None:
    before = pa.default_memory_pool().backend_name
    with engine_memory():
        pool = chosen_pool()
        inside = pa.default_memory_pool().backend_name
    assert pa.default_memory_pool().backend_name == before
    assert inside == (before if pool is None else pool.backend_name)


def test_only_the_outermost_block_restores() -> None:
    with engine_memory():
        with engine_memory():
            assert is_engine_memory()
        assert is_engine_memory()
    assert not is_engine_memory()


def test_settings_are_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), engine_memory():
        raise RuntimeError("boom")
    assert not is_engine_memory()


@pytest.mark.skipif(not GLIBC, reason="the malloc settings are glibc's")
def test_freed_memory_is_kept_inside_the_block_and_returned_after() -> None:
    size = 64 << 20
    with engine_memory():
        kept = size - _touch_and_free(size)
        inside = _rss()
    assert kept > size // 2  # freed, but kept for the next allocation
    assert inside - _rss() > size // 2  # returned on leaving
    # and glibc's defaults are back: a large block is unmapped as soon as it is freed
    assert _touch_and_free(size) > size // 2


def test_numpy_asks_for_no_huge_pages_inside_the_block_only() -> None:
    from numpy._core import multiarray

    before = multiarray._get_madvise_hugepage()
    with engine_memory():
        assert multiarray._get_madvise_hugepage() is False
    assert multiarray._get_madvise_hugepage() == before


class _FakeLibc:
    """Records the allocator calls the block makes."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def mallopt(self, param: object, value: object) -> int:
        self.calls.append("mallopt")
        return 1

    def malloc_trim(self, pad: object) -> int:
        self.calls.append("malloc_trim")
        return 1


@pytest.mark.parametrize("give_back", [True, False])
def test_free_memory_is_returned_on_leaving_unless_the_process_ends(
    monkeypatch: pytest.MonkeyPatch, give_back: bool
) -> None:
    from accord.core.engine.batch import memory

    libc = _FakeLibc()
    monkeypatch.setattr(memory, "_glibc", lambda: libc)
    with engine_memory(give_back=give_back), engine_memory():  # the outermost one decides
        pass
    assert ("malloc_trim" in libc.calls) is give_back
    # the settings are put back either way
    assert libc.calls.count("mallopt") == 6
