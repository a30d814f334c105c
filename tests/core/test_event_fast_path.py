"""The usual row's shortcut gives what the whole validation gives, for any row."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.event_fast_path import usual_event
from accord.core.event_validation import validate_event, whole_validation
from accord.core.events import Event, StatusCategory
from accord.demo.generate import generate_log

_TEXTS = st.one_of(
    st.sampled_from(
        [
            "T-1", " T-1 ", "", "   ", "New", "open", "acme", "x" * 256, "x" * 257, "x" * 512,
            "x" * 513, "x" * 4096, "x" * 4097, "é" * 128, "é" * 257, "a\x00b", "\ud800",
            "🎫" * 64, "🎫" * 129, "1e5", "good",
        ]
    ),
    st.text(max_size=12),
)  # fmt: skip
_VALUES = st.one_of(
    _TEXTS,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(_TEXTS, max_size=4),
    st.just([]),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_TS = st.one_of(
    st.sampled_from(
        [
            "2026-03-02T09:15:00Z", "2026-03-02T09:15:00.250Z", "2026-03-02T09:15:00+01:00",
            "2026-03-02T09:15:00", "2026-03-02 09:15:00z", " 2026-03-02T09:15:00Z ",
            "1899-12-31T23:59:59Z", "9000-01-01T00:00:00Z", "8999-12-31T23:59:59Z", "",
            "yesterday", "2026-02-30T00:00:00Z",
        ]
    ),
    st.datetimes(
        min_value=datetime(1850, 1, 1), max_value=datetime(9500, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]),
    ).map(lambda d: d.isoformat()),
    _VALUES,
)  # fmt: skip
_FIELD_NAMES = st.one_of(
    st.sampled_from(
        ["status", "priority", "customer", "team", "assignee", "channel", "type", "tags",
         "rating", "region", "", "x" * 257, "é" * 200, "n\x00", "Status"]
    ),
    st.text(max_size=6),
)  # fmt: skip
_FIELDS = st.one_of(
    st.dictionaries(_FIELD_NAMES, _VALUES, max_size=6),
    st.none(),
    st.just({f"f{i}": i for i in range(101)}),
    st.just({"tags": ["t"] * 101}),
    st.just({"note": "x" * 4000, **{f"n{i}": "y" * 4000 for i in range(17)}}),
    _VALUES,
)
_KIND = st.one_of(
    st.sampled_from(["created", "updated", "message", "rating", "deleted", "Created", " updated"]),
    _VALUES,
)
_ACTOR = st.one_of(st.sampled_from(["customer", "agent", "system", "Agent", "bot"]), _VALUES)
_ID = st.one_of(_TEXTS, st.integers(min_value=-(10**600), max_value=10**600), _VALUES)


_GOOD_TEXT = st.one_of(
    st.sampled_from(["T-1", " T-1 ", "New", "In progress", "acme", "x" * 512, "é" * 200]),
    st.text(min_size=1, max_size=8).filter(lambda t: bool(t.strip())),
)
_GOOD_VALUE = st.one_of(
    _GOOD_TEXT, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.lists(_GOOD_TEXT, max_size=3),
)  # fmt: skip
_EDGES = ["x" * 4096, "x" * 4097, "é" * 2048, "é" * 2049, math.inf, -math.inf, math.nan]
_GOOD_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "status": _GOOD_TEXT, "priority": st.one_of(_GOOD_TEXT, st.just("  ")),
        "customer": st.one_of(_GOOD_TEXT, st.none(), st.just("")),
        "team": st.integers(), "tags": st.lists(_GOOD_TEXT, max_size=3), "region": _GOOD_VALUE,
        # at the edges of the usual: too long, not finite
        "score": st.one_of(_GOOD_VALUE, st.sampled_from(_EDGES)),
    },
)  # fmt: skip


@st.composite
def rows(draw: st.DrawFn) -> Any:
    """Rows near the usual shape (most of them valid), each with a few parts made hostile."""
    row: dict[str, Any] = {
        "event_id": draw(st.one_of(_GOOD_TEXT, st.integers())),
        "ticket_id": draw(st.one_of(_GOOD_TEXT, st.integers())),
        "ts": draw(st.sampled_from(["2026-03-02T09:15:00Z", "2026-03-02T09:15:00.5+02:00"])),
        "kind": draw(st.sampled_from(["created", "updated", "updated", "message", "deleted"])),
        "actor": draw(st.sampled_from(["customer", "agent", "system"])),
        "public": draw(st.booleans()),
        "fields": draw(_GOOD_FIELDS),
    }
    if row["kind"] in ("message", "deleted"):
        row["fields"] = {}
    hostile = {
        "event_id": _ID, "ticket_id": _ID, "ts": _TS, "kind": _KIND, "actor": _ACTOR,
        "public": _VALUES, "fields": _FIELDS,
    }  # fmt: skip
    for key in draw(st.lists(st.sampled_from(list(row)), max_size=2)):
        row[key] = draw(hostile[key])
    # some keys left out, some added: standard fields at top level, unknown keys
    for key in draw(st.lists(st.sampled_from(list(row)), max_size=1)):
        row.pop(key, None)
    for key in draw(st.lists(st.sampled_from(["status", "tags", "rating", "extra"]), max_size=1)):
        row[key] = draw(_VALUES)
    return draw(st.one_of(st.just(row), st.just(row), st.just(row), _VALUES))


def _mapper(name: str) -> StatusCategory | None:
    return StatusCategory.OPEN if name in ("New", "In progress") else None


@settings(max_examples=1500)
@given(
    rows(),
    st.sampled_from([None, _mapper]),
    st.sampled_from([None, timezone(timedelta(hours=2))]),
)
def test_the_shortcut_answers_a_row_only_with_the_whole_validations_event(
    raw: Any, mapper: Any, zone: Any
) -> None:
    whole = whole_validation(raw, source="s", row=3, seq=7, source_tz=zone, status_category=mapper)
    got = validate_event(raw, source="s", row=3, seq=7, source_tz=zone, status_category=mapper)
    assert got == whole
    if isinstance(raw, dict):
        usual = usual_event(raw, seq=7, source_tz=zone, status_category=mapper)
        assert usual is None or usual == whole


def test_the_demo_helpdesks_rows_take_the_shortcut_except_ratings() -> None:
    log = generate_log(seed=3, end=datetime(2026, 3, 2, tzinfo=UTC), target_events=3_000)
    rows = json.loads(json.dumps([e.to_dict() for e in log.events()]))
    taken = 0
    for n, raw in enumerate(rows):
        usual = usual_event(raw, seq=n, source_tz=None, status_category=None)
        whole = whole_validation(raw, source="s", row=n, seq=n)
        assert isinstance(whole, Event)
        if raw["kind"] == "rating":
            assert usual is None
        else:
            assert usual == whole
            taken += 1
    assert taken > len(rows) * 0.9
