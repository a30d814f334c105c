"""The columnar importer's JSON batches give the row importer's outcome: random Jira and
Freshdesk exports (odd ids, statuses, instants, tags, custom field types, missing keys),
imported both ways, give the same events, counts and quarantine records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import ColumnarImportRun, open_import, shipped_mapping_text
from tests.io.importers.helpers import outcome

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GOOD_WHEN = ["2026-03-02T09:00:00Z", "2026-03-02T11:00:00.000+0100", "2026-03-03T08:00:00Z"]
# mostly instants that read, so that most records give events
WHEN = st.sampled_from(
    [
        *GOOD_WHEN * 6,
        "2026-03-02T09:00:00Z",
        "2026-03-02T09:00:00.000+0100",
        "2026-03-02T10:30:00Z",
        "2026-03-02T09:00:00",  # no zone: the mapping's
        "2026-02-30T09:00:00Z",
        "soon",
        "",
        None,
        1772442000,
        "9999-12-31T23:59:59Z",
        # days on which Rome's offset changes (a wall-clock time that is skipped, one
        # that comes twice), and fractions and offsets the compiled ISO reader reads
        "2026-03-29T02:30:00",
        "2026-10-25T02:30:00",
        "2026-03-02T09:00:00.5+05:30",
        "2026-03-02T09:00:00.123456-0330",
    ]
)
TEXTS = st.sampled_from(["Ann", " Bob ", "", "  ", None, 7, "x;y", "é", True, 2.5])


def _both(path: Path, fmt: str, mapping: Any = None) -> None:
    rows = open_import(path, fmt, mapping=mapping, source_tz="Europe/Rome")
    expected = outcome(list(rows.events()), rows)
    col = open_import(path, fmt, mapping=mapping, source_tz="Europe/Rome", columnar=True)
    assert isinstance(col, ColumnarImportRun) and col.json_batches
    assert outcome(list(col.events()), col) == expected


# ------------------------------------------------------------------ Jira

JIRA_STATUS = st.sampled_from(
    ["Waiting for support", "In Progress", "Done", "High", "Low"] * 4
    + ["Bogus", "", None, 7, " Ann ", "a;b"]
)
ITEM = st.fixed_dictionaries(
    {
        "fieldId": st.sampled_from(["status", "priority", "labels", "assignee", "other"]),
        "fromString": JIRA_STATUS,
        "toString": JIRA_STATUS,
        "from": TEXTS,
        "to": TEXTS,
    }
)
HISTORY = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["1", "2", None, 3]),
        "created": WHEN,
        "items": st.lists(ITEM, max_size=3),
    }
)
COMMENT = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["c1", "c2", None]),
        "created": WHEN,
        "jsdPublic": st.sampled_from([True, False, None, "no"]),
        "author": st.sampled_from(
            [{"accountId": "cust-1", "accountType": "customer"}, {"accountId": "a"}, {}, None]
        ),
    }
)
ISSUE = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["SD-1", "SD-2", "SD-1", "SD-2", " SD-3 ", "", None]),
        "changelog": st.fixed_dictionaries(
            {"histories": st.lists(HISTORY, max_size=3), "total": st.sampled_from([None, 0, 0, 99])}
        ),
        "fields": st.fixed_dictionaries(
            {
                "created": WHEN,
                "status": st.sampled_from(
                    [{"name": "Done"}, {"name": "In Progress"}] * 3
                    + [{"name": "Bogus"}, None, "Done"]
                ),
                "priority": st.sampled_from(
                    [{"name": "High"}, {"name": "Low"}, {"name": "Odd"}, None]
                ),
                "labels": st.sampled_from([[], ["a", "b"], ["a;b"], [" x "], "a b", None]),
                "reporter": st.sampled_from([{"accountId": "cust-1"}, None]),
                "project": st.sampled_from([{"key": "SD"}, {"key": 5}, None]),
                "comment": st.fixed_dictionaries({"comments": st.lists(COMMENT, max_size=3)}),
            }
        ),
    }
)


@SETTINGS
@given(
    issues=st.lists(ISSUE | st.just("not an object"), min_size=1, max_size=8),
    formats=st.sampled_from([None, ["%Y-%m-%dT%H:%M:%S.%f%z", "iso"], ["iso", "epoch"]]),
)
def test_jira_issues_checked_in_batches_give_the_row_importers_outcome(
    tmp_path: Path, issues: list[Any], formats: list[str] | None
) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    mapping = None
    if formats is not None:  # the instants read in columns only when ISO 8601 comes first
        spec = yaml.safe_load(shipped_mapping_text("jira"))
        spec["timestamp_format"] = formats
        mapping = tmp_path / "jira.yaml"
        mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    _both(path, "jira", mapping)


# ------------------------------------------------------------------ Freshdesk

STATS = st.dictionaries(
    st.sampled_from(
        ["pending_since", "resolved_at", "closed_at", "status_updated_at", "reopened_at"]
    ),
    WHEN,
    max_size=4,
)
CONVERSATION = st.fixed_dictionaries(
    {
        "id": st.sampled_from([1, 2, None, "x"]),
        "created_at": WHEN,
        "incoming": st.sampled_from([True, False, None]),
        "private": st.sampled_from([True, False, None, 1]),
    }
)
TICKET = st.fixed_dictionaries(
    {
        "id": st.sampled_from([1001, "1002", 1001, 1004, " 1003 ", "", None]),
        "status": st.sampled_from([2, 3, 4, 5, 2, 3, 4, 5, 7, "2", None, "x"]),
        "priority": st.sampled_from([1, 2, 3, 4, 1, 2, 3, 4, 9, None, "high"]),
        "source": st.sampled_from([1, 2, 3, 99, None]),
        "company_id": TEXTS,
        "type": TEXTS,
        "tags": st.sampled_from([[], ["a", "b"], ["a;b"], [" x "], "a,b", None, [""]]),
        "created_at": WHEN,
        "updated_at": WHEN,
        "custom_fields": st.fixed_dictionaries(
            {"cf_seats": TEXTS | st.sampled_from(["12", "1e3"])}
        ),
    },
    optional={"stats": STATS | st.none(), "conversations": st.lists(CONVERSATION, max_size=3)},
)


@SETTINGS
@given(
    tickets=st.lists(TICKET, min_size=1, max_size=8),
    seats=st.sampled_from(["auto", "int", "text", "bool", "float"]),
)
def test_freshdesk_tickets_checked_in_batches_give_the_row_importers_outcome(
    tmp_path: Path, tickets: list[dict[str, Any]], seats: str
) -> None:
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(tickets), encoding="utf-8")
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["custom_fields"]["seats"] = {"column": "custom_fields.cf_seats", "type": seats}
    mapping = tmp_path / "fd.yaml"
    mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    _both(path, "freshdesk", mapping)


def test_a_damaged_export_keeps_the_records_before_the_damage_in_both(tmp_path: Path) -> None:
    good = {"id": 1, "status": 2, "created_at": "2026-03-02T09:00:00Z", "updated_at": None}
    path = tmp_path / "cut.json"
    path.write_text("[" + json.dumps(good) + ', {"id": 2, "stat', encoding="utf-8")
    got = []
    for columnar in (False, True):
        run = open_import(path, "freshdesk", columnar=columnar)
        events: list[Any] = []
        try:
            for ev in run.events():
                events.append(ev)
        except Exception as e:  # the damage, after the events read before it
            got.append((outcome(events, run), type(e).__name__, str(e)))
    assert len(got) == 2 and got[0] == got[1]
    assert got[0][0]["events"]  # the first ticket's creation was kept


# ------------------------------------------------------------------ Zendesk

ZD_CHANGE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Create", "Change", "Change", "Notification"]),
        "field_name": st.sampled_from(["status", "requester_id", "priority", "tags", "other"]),
        "value": st.sampled_from(["open", "solved", "Bogus", "", None, "7", 7, ["a", "b"]]),
    }
)
ZD_COMMENT = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Comment", "VoiceComment", "SatisfactionRating"]),
        "author_id": st.sampled_from([7, "7", 8, -1, None]),
        "public": st.sampled_from([True, False, None]),
        "score": st.sampled_from(["good", "bad", "offered"]),
    }
)
ZD_AUDIT = st.fixed_dictionaries(
    {
        "id": st.sampled_from([1, 2, 3, None, "a"]),
        "ticket_id": st.sampled_from([10, 10, 11, "12", None]),
        # an instant out of range passes the conversion but not the check: the audit is
        # quarantined, and what it says of the ticket (requester, creation) is not kept
        "created_at": WHEN,
        "author_id": st.sampled_from([7, 8, -1, None]),
        "via": st.sampled_from([{"channel": "email"}, "web", None]),
        "events": st.lists(ZD_CHANGE | ZD_COMMENT, max_size=4),
    }
)


@SETTINGS
@given(audits=st.lists(ZD_AUDIT, min_size=1, max_size=10))
def test_zendesk_audits_give_the_row_importers_outcome(
    tmp_path: Path, audits: list[dict[str, Any]]
) -> None:
    path = tmp_path / "audits.json"
    path.write_text(json.dumps({"audits": audits}), encoding="utf-8")
    rows = open_import(path, "zendesk", source_tz="Europe/Rome")
    expected = outcome(list(rows.events()), rows)
    col = open_import(path, "zendesk", source_tz="Europe/Rome", columnar=True)
    assert outcome(list(col.events()), col) == expected


# ------------------------------------------------------------------ a batch's columns

_FIELD_VALUES = st.sampled_from(
    [
        "a", " a", "", 1, 1.0, True, False, 0.0, -0.0, float("nan"), None,
        ["x", "y"], ["x", "y"], ("x", "y"), [], [{"no": "hash"}], {"no": "hash"},
    ]
)  # fmt: skip
_PART_TEXTS = st.sampled_from(["SD-1", "SD-2", "", " x ", None, 7, True, ["l"]])


@st.composite
def _parts(draw: st.DrawFn) -> list[Any]:
    from datetime import UTC, datetime, timedelta

    base = datetime(2026, 3, 2, 9, tzinfo=UTC)
    shared = [base + timedelta(seconds=k) for k in range(3)]  # objects shared by parts
    out = []
    for _ in range(draw(st.integers(1, 12))):
        fields = draw(
            st.none()
            | st.dictionaries(st.sampled_from(["priority", "tags", "field.x"]), _FIELD_VALUES)
        )
        out.append(
            (
                draw(_PART_TEXTS),
                draw(_PART_TEXTS),
                draw(st.sampled_from(shared)) if draw(st.booleans()) else base.replace(),
                draw(st.sampled_from(["created", "updated", None, 3])),
                draw(_PART_TEXTS),
                draw(st.sampled_from([True, False, None, 1, "no"])),
                fields,
            )
        )
    return out


@SETTINGS
@given(parts=_parts())
def test_a_batchs_columns_hold_each_parts_values_or_doubt_it(parts: list[Any]) -> None:
    """The batch's columns (text columns judged by class in one pass, field codes through
    the batch's memo) hold each part's own value, and doubt every event whose value they
    cannot carry: what the record-at-a-time reading of the parts gives."""
    import math

    import numpy as np

    from accord.io.importers import default_mapping
    from accord.io.importers.columnar_json import _candidates
    from accord.io.importers.columnar_values import NAN, NONE

    mapping = default_mapping("jira")
    cand = _candidates(parts, np.arange(len(parts), dtype=np.int64), mapping, None)
    doubt = cand.doubt.tolist()
    for col, k, required in ((cand.ticket, 1, True), (cand.event_id, 0, False),
                             (cand.kind, 3, True), (cand.actor, 4, False)):  # fmt: skip
        assert col is not None
        for i, (got, p) in enumerate(zip(col.to_pylist(), parts, strict=True)):
            v = p[k]
            ok = v.__class__ is str or (v is None and not required)
            assert got == (v if ok else None)
            if not ok:
                assert doubt[i]
    assert cand.public is not None
    for i, (got, p) in enumerate(zip(cand.public.to_pylist(), parts, strict=True)):
        ok = p[5] is None or p[5].__class__ is bool
        assert got == (p[5] if ok else None)
        if not ok:
            assert doubt[i]
    by_name = {f.name: f for f in cand.fields}
    for i, p in enumerate(parts):
        fields = p[6]
        if not fields:
            assert (fields is None) or doubt[i]
            continue
        for name, v in fields.items():
            f = by_name[name]
            v = tuple(v) if isinstance(v, list) else v
            try:
                hash(v)
            except TypeError:
                assert doubt[i]
                continue
            assert f.given[i]
            code = int(f.codes[i])
            if v is None:
                assert code == NONE
            elif isinstance(v, float) and math.isnan(v):
                assert code == NAN
            else:
                got = f.values.value(code)
                assert got.__class__ is v.__class__ and got == v
    for f in cand.fields:  # equal values (class and value) share a code
        keys = {}
        for i in np.flatnonzero(f.given & (f.codes >= 0)).tolist():
            v = f.values.value(int(f.codes[i]))
            assert keys.setdefault((v.__class__, v), int(f.codes[i])) == int(f.codes[i])
