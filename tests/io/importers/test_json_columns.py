"""Jira issues and Freshdesk tickets converted in columns give, record by record, the events
the row importer's conversion gives (ids, tickets, instants, kinds, actors, visibility,
fields, order), and every record that conversion refuses is left to it (odd)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import ImportMapping, importer_for, shipped_mapping_text
from accord.io.importers.base import RowError
from accord.io.importers.json_pages import PageRow, page_rows
from accord.io.importers.sources import SourceFile, SourceRow
from tests.io.importers.test_columnar_json import ISSUE, TICKET

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# values of every JSON type where the mapping reads them
_ODD = st.sampled_from(
    [None, 0, 1, -1, 2.5, -0.0, True, False, "", " x ", "é", [], ["a", "b"], [1, "a"],
     {"name": "Done"}, {"name": None, "id": 7}, {"accountId": "cust-1"}, {}, [{"name": "a"}]]
)  # fmt: skip
_FIELD = st.sampled_from(["status", "priority", "labels", "assignee", "reporter", "x", "created"])


@st.composite
def _issue(draw: st.DrawFn) -> Any:
    issue = draw(ISSUE)
    if isinstance(issue, dict) and draw(st.booleans()):
        fields = issue.setdefault("fields", {})
        for _ in range(draw(st.integers(1, 3))):
            fields[draw(_FIELD)] = draw(_ODD)
        for h in issue.get("changelog", {}).get("histories", []):
            for item in h.get("items", []):
                if draw(st.booleans()):
                    item[draw(st.sampled_from(["from", "to", "fromString", "toString"]))] = draw(
                        _ODD
                    )
    return issue


def _parts(importer: Any, row: PageRow) -> list[Any] | None:
    try:
        return importer.convert_parts(SourceRow(row.row, row.typed))  # type: ignore[no-any-return]
    except (RowError, KeyError, TypeError, AttributeError, ValueError, IndexError):
        return None


@SETTINGS
@given(
    issues=st.lists(_issue(), min_size=1, max_size=8),
    formats=st.sampled_from([["iso"], ["iso", "epoch"]]),
    tz=st.sampled_from([None, "Europe/Rome"]),
)
def test_issues_in_columns_give_the_conversions_events_or_are_left_to_it(
    tmp_path: Path, issues: list[Any], formats: list[str], tz: str | None
) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    spec = yaml.safe_load(shipped_mapping_text("jira"))
    spec["timestamp_format"] = formats
    spec["source_tz"] = tz
    mapping = ImportMapping.model_validate(spec)
    importer = importer_for("jira")(mapping)
    _assert_columns_equal_conversion(importer, path)


def _assert_columns_equal_conversion(importer: Any, path: Path) -> None:
    """Each record the columns take gives the conversion's events; each one the conversion
    refuses is odd."""
    rows = [r for r in page_rows(importer, SourceFile(path)) if isinstance(r, PageRow)]
    rows = [r for r in rows if r.typed]
    if not rows:
        return
    columns = importer.columns()
    assert columns is not None
    derived = columns.derive([r.typed for r in rows], [r.row for r in rows], importer.mapping.tz())
    odd = set(derived.odd)
    c = derived.candidates
    at = 0
    for k, row in enumerate(rows):
        want = _parts(importer, row)
        if k in odd:
            continue
        assert want is not None, "an issue the conversion refuses was taken in columns"
        assert c is not None
        assert int(derived.counts[k]) == len(want)
        for p in want:
            e = at
            at += 1
            assert int(c.row[e]) == k
            got_fields = {f.name: f.values.value(int(f.codes[e])) for f in c.fields if f.given[e]}
            want_fields = {
                n: tuple(v) if isinstance(v, list) else v for n, v in (p[6] or {}).items()
            }
            assert (
                c.event_id[e].as_py(),
                c.ticket[e].as_py(),
                c.kind[e].as_py(),
                c.actor[e].as_py() if c.actor is not None else None,
                c.public[e].as_py() if c.public is not None else None,
                got_fields,
            ) == (p[0], p[1], p[3], p[4], p[5], want_fields)
            assert c.instants.dt(int(c.ts[e])) == p[2]
            assert c.instants.dt(int(c.ts[e])).isoformat() == p[2].isoformat()
            # the dicts of a doubted event are the conversion's own
            assert c.dicts([e])[0]["event_id"] == p[0]
    assert c is None or at == c.n


@st.composite
def _ticket(draw: st.DrawFn) -> Any:
    ticket = dict(draw(TICKET))
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            ticket[draw(st.sampled_from(["id", "status", "priority", "type", "created_at"]))] = (
                draw(_ODD)
            )
    return ticket


@SETTINGS
@given(
    tickets=st.lists(_ticket(), min_size=1, max_size=8),
    formats=st.sampled_from([["iso"], ["iso", "epoch"]]),
    tz=st.sampled_from([None, "Europe/Rome"]),
    initial=st.sampled_from([None, "2"]),
)
def test_tickets_in_columns_give_the_conversions_events_or_are_left_to_it(
    tmp_path: Path, tickets: list[Any], formats: list[str], tz: str | None, initial: str | None
) -> None:
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(tickets), encoding="utf-8")
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["timestamp_format"] = formats
    spec["source_tz"] = tz
    spec["initial_status"] = initial
    importer = importer_for("freshdesk")(ImportMapping.model_validate(spec))
    _assert_columns_equal_conversion(importer, path)
