"""The JSON importers convert each distinct value once an import (``memo.py``): a record
converted by an importer that has seen many others gives exactly what a fresh importer gives
it — the same event dicts (values of the same type: ``1``, ``1.0``, ``True``, ``-0.0`` and
``"1"`` are equal keys in Python but convert differently), the same error."""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import shipped_mapping_text
from accord.io.importers.base import JsonImporter, RowError
from accord.io.importers.freshdesk import FreshdeskImporter
from accord.io.importers.jira import JiraImporter
from accord.io.importers.mapping import parse_mapping
from accord.io.importers.memo import exact_key
from accord.io.importers.sources import SourceRow

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# values that compare equal (or unequal to themselves) yet convert differently
ODD = st.sampled_from(
    [1, 1.0, True, 0, 0.0, -0.0, False, "1", " 1", "1.0", "true", math.nan, None, "", "x"]
)
WHEN = st.sampled_from(
    ["2026-03-02T09:00:00Z", "2026-03-02T10:00:00.000+0100", "2026-03-02T09:00:00", "soon"]
)


def _typed(v: Any) -> Any:
    """``v`` with every value's type spelled out (``==`` takes 1, 1.0 and True as one)."""
    if isinstance(v, dict):
        return {k: _typed(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [type(v).__name__, *(_typed(x) for x in v)]
    return (type(v).__name__, repr(v))


def _converted(importer: JsonImporter, record: dict[str, Any]) -> Any:
    try:
        return _typed(importer.convert(SourceRow(1, record)).events)
    except RowError as e:
        return ("RowError", e.field, e.reason)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        return (type(e).__name__, repr(e))


def _warm_equals_cold(make: Any, records: list[dict[str, Any]]) -> None:
    warm = make()
    for _ in range(2):  # the second pass reads every value from the memo
        for record in records:
            assert _converted(warm, record) == _converted(make(), record)


JIRA_ITEM = st.fixed_dictionaries(
    {
        "fieldId": st.sampled_from(["status", "priority", "labels", "assignee", "project"]),
        "fromString": ODD | st.sampled_from(["Done", "In Progress"]),
        "toString": ODD | st.sampled_from(["Done", "Waiting for support"]),
        "from": ODD,
        "to": ODD,
    }
)
JIRA_ISSUE = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["SD-1", "SD-2"]),
        "changelog": st.fixed_dictionaries(
            {
                "histories": st.lists(
                    st.fixed_dictionaries(
                        {"id": ODD, "created": WHEN, "items": st.lists(JIRA_ITEM, max_size=3)}
                    ),
                    max_size=3,
                )
            }
        ),
        "fields": st.fixed_dictionaries(
            {
                "created": WHEN,
                "status": st.sampled_from([{"name": "Done"}, {"name": "In Progress"}])
                | st.builds(lambda v: {"name": v}, ODD),
                "priority": st.builds(lambda v: {"name": v}, ODD | st.just("High")),
                "assignee": st.builds(lambda v: {"accountId": v}, ODD),
                "labels": st.lists(ODD, max_size=2) | st.sampled_from([["a", "b"], "a b"]),
                "project": st.builds(lambda v: {"key": v}, ODD),
                "issuetype": ODD,
            }
        ),
    }
)


@SETTINGS
@given(issues=st.lists(JIRA_ISSUE, min_size=1, max_size=6))
def test_jira_converts_alike_with_and_without_its_memo(issues: list[dict[str, Any]]) -> None:
    m = parse_mapping(shipped_mapping_text("jira"), "jira", JiraImporter.rules())
    _warm_equals_cold(lambda: JiraImporter(m), issues)


FD_TICKET = st.fixed_dictionaries(
    {
        "id": st.sampled_from([1001, "1002"]),
        "status": ODD | st.sampled_from([2, 3, 4, 5, "2"]),
        "priority": ODD,
        "source": ODD,
        "group_id": ODD,
        "company_id": ODD,
        "type": ODD,
        "tags": st.lists(ODD, max_size=2) | st.sampled_from([["a", "b"], "a;b"]),
        "created_at": WHEN,
        "updated_at": WHEN,
        "custom_fields": st.fixed_dictionaries({"cf_n": ODD}),
        "stats": st.dictionaries(st.sampled_from(["pending_since", "resolved_at"]), WHEN),
    }
)


@SETTINGS
@given(
    tickets=st.lists(FD_TICKET, min_size=1, max_size=6),
    kind=st.sampled_from(["auto", "int", "text", "bool", "float"]),
)
def test_freshdesk_converts_alike_with_and_without_its_memo(
    tickets: list[dict[str, Any]], kind: str
) -> None:
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["custom_fields"]["n"] = {"column": "custom_fields.cf_n", "type": kind}
    spec["custom_fields"]["g"] = {"column": "group_id", "type": kind}
    m = parse_mapping(yaml.safe_dump(spec), "fd", FreshdeskImporter.rules())
    _warm_equals_cold(lambda: FreshdeskImporter(m), tickets)


def test_exact_keys_tell_apart_values_python_takes_as_equal() -> None:
    keys = [exact_key(v) for v in (1, True, "1", None, ["1"])]
    assert len(set(keys)) == 5
    assert exact_key(1.0) is None and exact_key(-0.0) is None  # floats are not remembered
    assert exact_key([1]) is None and exact_key({"a": 1}) is None


def test_freshdesk_values_equal_in_python_each_convert_as_a_fresh_importer_does() -> None:
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["custom_fields"]["n"] = {"column": "custom_fields.cf_n", "type": "int"}
    m = parse_mapping(yaml.safe_dump(spec), "fd", FreshdeskImporter.rules())
    base = {"id": 1, "status": 2, "created_at": "2026-03-02T09:00:00Z", "updated_at": None}
    odd = [1, True, 1.0, "1", 0, False, 0.0, -0.0]
    records = [
        {**base, "priority": v, "source": v, "type": v, "custom_fields": {"cf_n": v}} for v in odd
    ]
    _warm_equals_cold(lambda: FreshdeskImporter(m), records)
