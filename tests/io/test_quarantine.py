"""The quarantine file: append, read back, fix and replay (accord.io.quarantine)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.core.events import Actor
from accord.errors import EventValidationError, InputError
from accord.io.quarantine import (
    QuarantineRecord,
    read_quarantine,
    record_from_dict,
    record_to_dict,
    write_quarantine,
)
from accord.io.readers import Accepted, iter_rows, read_events

T0 = "2026-03-02T09:15:00Z"


def fix_lines(path: Path, fix: Any) -> None:
    """Edit a quarantine file the way a person would: change ``raw`` of each line in place."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for obj in lines:
        fix(obj["raw"])
    path.write_text("".join(json.dumps(o) + "\n" for o in lines), encoding="utf-8")


def test_write_quarantine_appends_json_lines_with_source_row_field_reason_raw(
    tmp_path: Path,
) -> None:
    q = tmp_path / "q.jsonl"
    a = QuarantineRecord("e.csv", 2, "ts", "bad ts", {"ts": "x"})
    b = QuarantineRecord("e.csv", 5, "*", "bad row", {"_line": "{"})
    assert write_quarantine(q, [a]) == 1
    assert write_quarantine(q, iter([b])) == 1  # appends, and takes any iterable
    lines = q.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"source": "e.csv", "row": 2, "field": "ts", "reason": "bad ts", "raw": {"ts": "x"}},
        {"source": "e.csv", "row": 5, "field": "*", "reason": "bad row", "raw": {"_line": "{"}},
    ]
    assert read_quarantine(q) == [a, b]


def test_a_record_is_the_row_problem_the_rest_api_raises() -> None:
    rec = QuarantineRecord("api", 1, "kind", "'x' is not an event kind", {"kind": "x"})
    assert EventValidationError(rec).details[0]["field"] == "kind"
    assert record_from_dict(record_to_dict(rec)) == rec


def test_read_quarantine_names_a_malformed_line(tmp_path: Path) -> None:
    q = tmp_path / "q.jsonl"
    q.write_text('{"source": "e.csv", "row": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"q.jsonl:1: .*missing field, reason, raw"):
        read_quarantine(q)


def test_replay_a_fixed_jsonl_row_is_accepted_at_its_original_place(tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    good = {"event_id": "e1", "ticket_id": "T-1", "ts": T0, "kind": "created"}
    bad = {"event_id": "e2", "ticket_id": "T-1", "ts": "2026-03-02 10:00", "kind": "created"}
    src.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    first = read_events(src)
    q = tmp_path / "quarantine.jsonl"
    write_quarantine(q, first.quarantined)

    still = read_events(q, fmt="quarantine")  # unfixed: rejected again, same place, same reason
    assert still.quarantined == first.quarantined

    fix_lines(q, lambda raw: raw.update(ts="2026-03-02T10:00:00Z"))
    replay = read_events(q, fmt="quarantine")
    assert replay.quarantined == []
    assert [e.event_id for e in replay.events] == ["e2"]
    [outcome] = list(iter_rows(q, fmt="quarantine"))
    assert isinstance(outcome, Accepted)
    assert (outcome.source, outcome.row) == (str(src), 2)


def test_replay_a_fixed_csv_row_uses_the_flattened_rules(tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_text(
        "event_id,ticket_id,ts,kind,actor,public,tags,field.region\n"
        "c1,T-1,2026-03-02T09:15:00Z,created,robot,yes,,EMEA\n",
        encoding="utf-8",
    )
    [rec] = read_events(src).quarantined
    assert (rec.row, rec.field) == (2, "actor")
    q = tmp_path / "q.jsonl"
    write_quarantine(q, [rec])
    fix_lines(q, lambda raw: raw.update(actor="agent"))
    [event] = read_events(q, fmt="quarantine").events
    assert (event.actor, event.public) == (Actor.AGENT, True)  # "yes" is a CSV spelling
    assert event.fields == {"region": "EMEA"}


def test_replay_a_line_that_was_not_json_once_its_text_is_fixed(tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text('{"ticket_id": "T-1", "ts": "' + T0 + '", "kind": "created",}\n')
    [rec] = read_events(src).quarantined
    assert rec.field == "*"
    q = tmp_path / "q.jsonl"
    write_quarantine(q, [rec])
    fix_lines(q, lambda raw: raw.update(_line=raw["_line"].replace(",}", "}")))
    [event] = read_events(q, fmt="quarantine").events
    assert event.ticket_id == "T-1"


def test_replay_a_fixed_parquet_record(tmp_path: Path) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T-1"],
                "ts": [T0],
                "kind": ["created"],
                "tags": pa.array([["x"]], pa.list_(pa.string())),
                "fields": ['{"seats": "many"'],
            }
        ),
        src,
    )
    [rec] = read_events(src).quarantined
    assert (rec.row, rec.field) == (1, "fields")
    q = tmp_path / "q.jsonl"
    write_quarantine(q, [rec])
    fix_lines(q, lambda raw: raw.update(fields='{"seats": 40}'))
    [event] = read_events(q, fmt="quarantine").events
    assert event.fields == {"tags": ("x",), "seats": 40}


def test_replayed_rows_are_deduplicated_like_any_other_read(tmp_path: Path) -> None:
    row = {"source": "e.jsonl", "row": 1, "field": "ts", "reason": "r"}
    raw = {"event_id": "e1", "ticket_id": "T-1", "ts": T0, "kind": "created"}
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({**row, "raw": raw}) + "\n" + json.dumps({**row, "raw": raw}) + "\n")
    r = read_events(q, fmt="quarantine")
    assert (len(r.events), r.duplicates) == (1, 1)


def test_a_malformed_quarantine_line_is_itself_quarantined_at_its_line(tmp_path: Path) -> None:
    q = tmp_path / "q.jsonl"
    q.write_text('\n{"source": "e.jsonl"}\nnot json\n', encoding="utf-8")
    r = read_events(q, fmt="quarantine")
    assert [(x.source, x.row, x.field) for x in r.quarantined] == [
        (str(q), 2, "*"),
        (str(q), 3, "*"),
    ]
    assert "not a quarantine line" in r.quarantined[0].reason
    assert r.quarantined[1].raw == {"_line": "not json"}
