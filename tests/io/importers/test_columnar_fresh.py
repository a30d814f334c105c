"""The columnar importer's duplicate check, table after table, against the row importer's
``_fresh`` event by event: an event whose id was already written for its ticket at the same
second is dropped, for any tickets, instants and ids (repeated within a table and across)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.engine.batch.schema import events_to_table
from accord.core.events import Event, Kind
from accord.io.importers.columnar import ColumnarImportRun
from accord.io.importers.columnar_intern import TextNumbers

_EVENT = st.tuples(
    st.sampled_from(["T1", "T2", "T3", "é"]),
    st.integers(0, 3),
    st.sampled_from(["a", "b", "c", "a "]),
)


def _run() -> Any:
    run = ColumnarImportRun.__new__(ColumnarImportRun)  # the check's own state only
    run._ticket_numbers = TextNumbers()
    run._last_ts = np.zeros(0, dtype=np.int64)
    run._last_ids = []
    run._ticket_events = 0
    return run


@settings(max_examples=400, deadline=None)
@given(tables=st.lists(st.lists(_EVENT, min_size=1, max_size=12), max_size=5))
def test_fresh_events_are_the_row_importers(tables: list[list[tuple[str, int, str]]]) -> None:
    run = _run()
    recent: dict[str, tuple[int, set[str]]] = {}
    for table in tables:
        want = []
        for ticket, ts, eid in table:  # the row importer's ``_fresh``
            last = recent.get(ticket)
            if last is None or last[0] != ts:
                recent[ticket] = (ts, {eid})
                want.append(True)
            elif eid in last[1]:
                want.append(False)
            else:
                last[1].add(eid)
                want.append(True)
        events = events_to_table(
            [
                Event(e, t, 1_700_000_000 + s, Kind.UPDATED, seq=k)
                for k, (t, s, e) in enumerate(table)
            ]
        )
        got = run._fresh_mask(events, run._ticket_codes(events))
        assert got.tolist() == want
    assert run._ticket_events == len(recent)
