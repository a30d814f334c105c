"""How the batch engine starts its worker processes: ``spawn``, without the caller's script.

``spawn`` starts a fresh interpreter, which by default imports the parent's ``__main__``
module again (as ``__mp_main__``) so that objects defined there can be unpickled. Run as a
script without the ``if __name__ == "__main__":`` guard, that import runs the script's top
level again in every worker, which calls :func:`compute_batch` again while the worker is
still starting: multiprocessing refuses, the worker dies, and the pool breaks
(``BrokenProcessPool``). The workers need nothing from ``__main__`` (their task and its
arguments live in Accord's modules), so :func:`worker_context` gives processes that are not
told about it: a script works with or without the guard, and the workers start faster.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext, SpawnContext, SpawnProcess
from typing import Any

_HIDDEN = ("__spec__", "__file__")  # what spawn reads to re-import the main module


@contextmanager
def _main_unnamed() -> Iterator[None]:
    """While a worker's start-up data is written: ``__main__`` without the attributes that
    name its module or file (restored at once)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in _HIDDEN if k in main.__dict__}
    main.__dict__["__spec__"] = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


if sys.platform != "win32":
    from multiprocessing import popen_spawn_posix

    class _Popen(popen_spawn_posix.Popen):
        def _launch(self, process_obj: Any) -> None:
            with _main_unnamed():
                super()._launch(process_obj)  # type: ignore[misc]  # private in typeshed

    class _Process(SpawnProcess):
        @staticmethod
        def _Popen(process_obj: Any) -> Any:
            return _Popen(process_obj)

    class _Context(SpawnContext):
        Process = _Process


def worker_context() -> BaseContext:
    """The multiprocessing context of the batch engine's workers (see the module docstring);
    on Windows, plain ``spawn``, where the guard stays necessary."""
    if sys.platform == "win32":
        return mp.get_context("spawn")
    return _Context()
