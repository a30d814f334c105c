"""The compiled loops are loaded from numba's cache when first called, not at import: a
process pays only for the loops (and argument types) it uses."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from numba.core.registry import CPUDispatcher

from accord.core.engine.batch import _jit


def _dispatchers() -> dict[str, CPUDispatcher]:
    return {k: v for k, v in vars(_jit).items() if isinstance(v, CPUDispatcher)}


def test_importing_the_engine_loads_no_compiled_loop() -> None:
    code = (
        "from numba.core.registry import CPUDispatcher\n"
        "import accord.core.engine.batch as batch\n"
        "from accord.core.engine.batch import _jit\n"
        "print(sum(len(v.signatures) for v in vars(_jit).values()"
        " if isinstance(v, CPUDispatcher)))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "0"


def test_a_loop_is_loaded_on_first_call_and_gives_the_same_answer() -> None:
    bounds = np.array([0, 3, 5], dtype=np.int64)
    mask = np.array([False, True, False, True, False])
    got = _jit.last_where(bounds, mask)
    assert got.tolist() == [-1, 1, 1, 3, 3]
    assert _jit._last_where.signatures  # loaded (or compiled) by that call


def test_warm_loads_every_loop() -> None:
    _jit.warm()
    empty = [name for name, d in _dispatchers().items() if not d.signatures]
    # the two helpers inlined into others are only ever called from compiled code
    assert set(empty) <= {"_two_digits", "_iso_into"}
