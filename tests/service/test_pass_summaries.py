"""A batch pass's summaries computed over the pass's columns at once are the summaries a
replay of each ticket's events gives (``summarize``): ties in time broken by arrival, late
events, fields set, cleared and set again, tickets that set none."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.events import Actor, Event, Kind
from accord.io.store.sql.rows import _fields_json
from accord.service.pass_events import Row, events_of_rows, pass_columns
from accord.service.pass_summaries import SUMMARY_FIELDS, field_mask
from accord.service.recompute import summarize
from tests.service.conftest import T0

_TEXT = st.sampled_from(["", "a", "b", "acme"])


def _rows(tickets: int) -> st.SearchStrategy[dict[str, list[Row]]]:
    """Rows of ``tickets`` tickets: instants few apart (ties), arrival order not time order."""
    fields = st.dictionaries(
        st.sampled_from([*SUMMARY_FIELDS, "channel", "region"]), st.none() | _TEXT, max_size=3
    )
    one = st.tuples(
        st.integers(0, tickets - 1),
        st.integers(0, 2),  # ts: few values, so equal instants are common
        st.integers(0, 1),  # ts_us
        st.sampled_from([Kind.UPDATED, Kind.UPDATED, Kind.CREATED, *Kind]),  # mostly setters
        fields,
    )

    def rows(
        events: list[tuple[int, int, int, Kind, dict[str, str | None]]],
    ) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {f"T{k}": [] for k in reversed(range(tickets))}
        for seq, (k, ts, us, kind, f) in enumerate(events, start=1):
            text = json.dumps(_fields_json(f))
            row = (seq, f"e{seq}", f"T{k}", T0 + ts, us, kind.value, Actor.AGENT.value, None, text)
            out[f"T{k}"].append(row)
        return out

    return st.lists(one, max_size=12 * tickets).map(rows)


@settings(max_examples=400, deadline=None)
@given(_rows(5))
def test_the_summaries_over_the_columns_are_the_replayed_summaries(
    rows: dict[str, list[Row]],
) -> None:
    _, summaries = pass_columns(rows, T0 + 100)
    events: dict[str, list[Event]] = events_of_rows(rows)
    want = {tid: summarize(tid, evs, T0 + 100) for tid, evs in events.items() if evs}
    assert summaries == want
    assert list(summaries) == list(want)  # the tickets in the rows' order


def test_a_fields_mask_names_the_summary_fields_set_or_cleared() -> None:
    assert field_mask({}) == 0
    assert field_mask({"customer": None, "channel": "x"}) == 1
    assert field_mask({"assignee": "a", "team": ""}) == (1 << 4) | (1 << 1)
