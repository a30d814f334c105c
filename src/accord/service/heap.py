"""The process's long-lived heap, kept out of the garbage collector's full collections.

A full collection walks every object the collector tracks, holding the interpreter lock all
along. A server or recompute process holds hundreds of thousands of objects that live as long
as it does (its modules, the web framework's routes, the engine's compiled kernels). In the
recompute process each full collection of a pass cost some 110 ms, in all a fifth to a third of
the passes' CPU; in the server, while the views load at start, a full collection came every
second or two and a read that met one waited 80 to 150 ms more (docs/performance.md, "The
slow read among ten").
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect the garbage, then move every object left to the permanent generation
    (``gc.freeze``), which later collections skip. Collected first, so that no garbage is
    frozen for good."""
    gc.collect()
    gc.freeze()


def keep_out_of_collections() -> None:
    """Move every object tracked now to the permanent generation, without a collection first:
    called when a background load of a view is done, when the view just built is most of what
    the process tracks (the KPI view's set of open tickets is one object, but a full collection
    visits each of its hundreds of thousands of entries: 46 ms a collection at 1,000,000
    tickets). A collection here would walk it all once more, holding the interpreter lock
    beside the reads. What the collector alone would free stays: cycles that are garbage at
    that moment or that objects alive then (a request in flight) become later, once per load;
    the views drop what they replace by reference counting, which frees frozen objects as
    any other."""
    gc.freeze()
