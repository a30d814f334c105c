"""Zendesk records converted speculatively a batch at a time (``zendesk_batches``) give the
row importer's outcome: random audits and incremental ticket events, with odd values of
every JSON type, comments, ratings, creations, missing requesters, records the conversion
refuses and records the check refuses (whose ticket state must not be kept), in batches of
every size, give the same events, ``seq``, counts and quarantine records, in the same order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import ColumnarImportRun, open_import, zendesk_batches
from tests.io.importers.helpers import outcome

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# odd values of every JSON type
ODD = st.sampled_from([None, "", "  ", 0, 7, -1, 2.5, True, False, [], ["a"], {}, {"x": 1}])
# mostly instants that read; one the conversion reads and the check refuses (out of the
# validator's range), one skipped by Rome's clocks, texts that do not read
WHEN = st.sampled_from(
    ["2026-03-02T09:00:00Z", "2026-03-02T10:00:00+01:00", "2026-03-03T08:00:00Z"] * 4
    + ["9999-12-31T23:59:59Z"] * 3
    + ["2026-03-29T02:30:00", "2026-03-02T09:00:00", "soon", None, 5]
)
USER = st.sampled_from([7, "7", 8, -1, "-1", None, " 7 ", [], 2.5, True])
STATUS = st.sampled_from(["open", "solved", "new", "open"] * 5 + ["escalated", "", None, 7, []])
PRIORITY = st.sampled_from(["high", "low", "Bogus", None])
FIELD = st.sampled_from(
    ["requester_id", "requester_id", "status", "priority", "tags", "assignee_id", "other"]
)


def _value(field: str) -> st.SearchStrategy[Any]:
    if field == "status":
        return STATUS
    if field == "priority":
        return _mostly(PRIORITY)
    if field == "requester_id":
        return USER | st.sampled_from(["7", "8"])
    return _mostly(st.sampled_from(["a", "a b", ["x", "y"], 3]))


@st.composite
def _audit_event(draw: st.DrawFn) -> Any:
    kind = draw(
        st.sampled_from(
            [
                *("Create", "Create", "Change", "Comment", "Comment", "VoiceComment"),
                *("SatisfactionRating", "Notification"),
            ]
        )
        if draw(st.integers(0, 9))
        else ODD
    )
    e: dict[str, Any] = {"type": kind, "id": draw(_mostly(st.sampled_from([1, 2, "e", None])))}
    field = draw(FIELD)
    e.update(field_name=field, value=draw(_value(field)))
    e.update(author_id=draw(USER), public=draw(st.sampled_from([True, False, None, "yes"])))
    e["score"] = draw(_mostly(st.sampled_from(["good", " Bad ", "offered", None])))
    for k in draw(st.sets(st.sampled_from(sorted(e)), max_size=2)):
        del e[k]
    return e if draw(st.integers(0, 60)) else draw(ODD)  # now and then not an object


@st.composite
def _child_event(draw: st.DrawFn) -> Any:
    kind = draw(_mostly(st.sampled_from(["Create", "Change", "Comment", "Notification"])))
    e: dict[str, Any] = {"event_type": kind, "id": draw(st.sampled_from([1, 2, None]))}
    if draw(st.booleans()):
        for field in draw(st.sets(FIELD, max_size=2)):
            e[field] = draw(_value(field))
        e["previous_value"] = draw(ODD)
    if draw(st.booleans()):
        e.update(comment_present=draw(st.sampled_from([True, False, None])))
        e.update(comment_public=draw(st.sampled_from([True, False, None])))
        if draw(st.booleans()):
            e.update(author_id=draw(USER), public=draw(st.sampled_from([True, False])))
    return e


def _mostly(plain: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``plain``, and one time in ten an odd value."""
    return st.one_of(*[plain] * 9, ODD)


TICKET = _mostly(st.sampled_from([10, 10, 10, 11, "12", 12, " 10 "]))


@st.composite
def _record(draw: st.DrawFn) -> Any:
    shape = draw(st.integers(0, 19))
    if shape <= 13:  # a ticket audit
        rec: dict[str, Any] = {
            "id": draw(_mostly(st.sampled_from([1, 2, 3, "a"]))),
            "ticket_id": draw(TICKET),
            "created_at": draw(WHEN),
            "author_id": draw(USER),
            "via": draw(_mostly(st.sampled_from([{"channel": "email"}, "web", {"channel": 3}]))),
            "events": draw(st.lists(_audit_event(), max_size=4)),
        }
    elif shape <= 17:  # an incremental ticket event
        rec = {
            "id": draw(st.sampled_from([5, 6, None])),
            "ticket_id": draw(TICKET),
            "timestamp": draw(WHEN),
            "updater_id": draw(USER),
            "event_type": "Audit",
            "via": draw(st.sampled_from(["web", None])),
            "child_events": draw(st.lists(_child_event(), max_size=3)),
        }
    elif shape == 18:  # a ticket event of another kind, or neither
        rec = draw(st.sampled_from([{"event_type": "SlaEvent", "ticket_id": 10}, {"x": 1}]))
    else:
        return draw(ODD)
    if not draw(st.integers(0, 9)):
        del rec[draw(st.sampled_from(sorted(rec)))]
    return rec


def _both(path: Path) -> None:
    rows = open_import(path, "zendesk", source_tz="Europe/Rome")
    expected = outcome(list(rows.events()), rows)
    col = open_import(path, "zendesk", source_tz="Europe/Rome", columnar=True)
    assert isinstance(col, ColumnarImportRun) and col.speculative
    assert outcome(list(col.events()), col) == expected


@SETTINGS
@given(
    records=st.lists(_record(), min_size=1, max_size=16),
    batch=st.sampled_from([1, 2, 3, 5, 4096, 4096]),
)
def test_speculative_batches_give_the_row_importers_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: list[Any], batch: int
) -> None:
    monkeypatch.setattr(zendesk_batches, "BATCH_RECORDS", batch)
    path = tmp_path / "audits.json"
    path.write_text(json.dumps({"audits": records}), encoding="utf-8")
    _both(path)


@SETTINGS
@given(records=st.lists(_record(), min_size=1, max_size=10))
def test_records_settled_one_by_one_give_the_row_importers_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: list[Any]
) -> None:
    """The fallback for what the speculation does not expect is the row importer's order."""
    monkeypatch.setattr(
        zendesk_batches,
        "_settled",
        lambda run, imp, rows: zendesk_batches._one_by_one(run, imp, rows),
    )
    path = tmp_path / "audits.json"
    path.write_text(json.dumps({"audits": records}), encoding="utf-8")
    _both(path)


def _audit(n: int, when: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": n, "ticket_id": 5, "created_at": when, "author_id": 9, "events": events}


CREATE = [
    {"type": "Create", "field_name": "status", "value": "new"},
    {"type": "Create", "field_name": "requester_id", "value": "9"},
]
REPLY = [{"type": "Comment", "author_id": 9, "public": True}]


def test_a_refused_creation_leaves_no_requester_nor_creation_to_the_audits_after_it(
    tmp_path: Path,
) -> None:
    """The creating audit is refused by the check (its instant is out of range): the next
    audit of its ticket is converted again with the state before it (its reply from an agent,
    not the requester; the next creation is the ticket's first)."""
    path = tmp_path / "audits.json"
    records = [
        _audit(1, "9999-12-31T23:59:59Z", [*REPLY, *CREATE]),
        _audit(9, "9999-12-31T23:59:59Z", REPLY),  # refused again once converted again
        _audit(2, "2026-03-02T10:00:00Z", REPLY),
        _audit(3, "2026-03-02T11:00:00Z", CREATE),
        _audit(4, "2026-03-02T12:00:00Z", REPLY),
    ]
    path.write_text(json.dumps({"audits": records}), encoding="utf-8")
    _both(path)
    col = open_import(path, "zendesk", source_tz="Europe/Rome", columnar=True)
    got = [(e.kind.value, e.actor) for e in col.events()]
    assert got == [("message", "agent"), ("created", None), ("message", "customer")]
    assert [q.row for q in col.quarantined] == [1, 2]


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("cut", [0, 40, 200])
def test_a_damaged_or_compressed_export_gives_the_row_importers_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compressed: bool, cut: int
) -> None:
    """An export cut short (``cut`` bytes before its end; 0: whole) keeps the records read
    before the damage, worded alike; a gzipped one is read by the row reader, in batches."""
    import gzip

    monkeypatch.setattr(zendesk_batches, "BATCH_RECORDS", 2)
    records = [
        _audit(1, "2026-03-02T09:00:00Z", [*REPLY, *CREATE]),
        _audit(2, "9999-12-31T23:59:59Z", REPLY),
        _audit(3, "2026-03-02T10:00:00Z", REPLY),
        _audit(4, "2026-03-02T11:00:00Z", [{"type": "Change", "field_name": "status"}]),
        _audit(5, "2026-03-02T12:00:00Z", REPLY),
    ]
    text = json.dumps({"audits": records}).encode()
    text = text[: len(text) - cut]
    path = tmp_path / ("audits.json.gz" if compressed else "audits.json")
    path.write_bytes(gzip.compress(text) if compressed else text)
    got = []
    for columnar in (False, True):
        run = open_import(path, "zendesk", source_tz="Europe/Rome", columnar=columnar)
        events: list[Any] = []
        error = None
        try:
            for ev in run.events():
                events.append(ev)
        except Exception as e:  # the damage, after the events read before it
            error = (type(e).__name__, str(e))
        got.append((outcome(events, run), error))
    assert got[0] == got[1]
    assert got[0][0]["events"]  # the first audit's events were kept
    assert (got[0][1] is None) == (cut == 0)
