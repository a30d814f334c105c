"""``accord import``: streams a source into an event file and reports every row's fate."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import ConfigError, InputError
from accord.io.readers import read_events
from tests.io.importers.helpers import FIXTURES

runner = CliRunner()
SOURCE = FIXTURES / "servicenow-incidents.csv"


def test_import_writes_events_and_quarantine_and_ends_with_the_counts(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    res = runner.invoke(
        app, ["import", str(SOURCE), "--format", "servicenow", "--out", str(out),
              "--source-tz", "America/Sao_Paulo"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "16 audit rows read" in text
    assert "13 events written for 3 tickets (10 updated, 3 created)" in text
    assert "1 audit row without change" in text
    assert "3 audit rows quarantined → " + str(out) + ".quarantine.jsonl" in text
    assert "1 × incident_state: status '…' is not in the mapping's statuses" in text
    read = read_events(out)
    assert (len(read.events), len(read.quarantined)) == (13, 0)  # every event written is valid
    lines = (tmp_path / "events.jsonl.quarantine.jsonl").read_text().splitlines()
    assert {json.loads(line)["row"] for line in lines} == {12, 15, 17}


def test_no_quarantine_file_when_nothing_is_quarantined(tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    stale = tmp_path / "events.csv.quarantine.jsonl"
    stale.write_text("{}\n")
    res = runner.invoke(
        app, ["import", str(FIXTURES / "jira-issue.json"), "-f", "jira", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "0 issues quarantined" in res.stdout
    assert not stale.exists()  # the quarantine of an earlier run does not linger
    assert len(read_events(out).events) == 8


def test_imported_events_feed_accord_sla(tmp_path: Path) -> None:
    out = tmp_path / "zendesk.jsonl"
    assert (
        runner.invoke(
            app, ["import", str(FIXTURES / "zendesk-audits.json"), "-f", "zendesk", "-o", str(out)]
        ).exit_code
        == 0
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "calendars: {c: {tz: UTC, hours: {daily: [['00:00', '24:00']]}}}\n"
        "policies: [{name: P, calendar: c, metrics: {first_response: 1h}}]\n"
    )
    res = runner.invoke(
        app, ["sla", str(out), "-c", str(config), "--as-of", "2026-03-04T00:00:00Z", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    (record,) = json.loads(res.stdout)
    assert (record["metric"], record["state"], record["business_elapsed"]) == (
        "first_response", "met", 3600,
    )  # fmt: skip


def test_an_unknown_format_exits_with_the_input_error_code(tmp_path: Path) -> None:
    res = runner.invoke(app, ["import", str(SOURCE), "-f", "remedy", "-o", str(tmp_path / "e")])
    assert res.exit_code == InputError.exit_code
    assert "unknown import format 'remedy'" in res.output


def test_a_bad_mapping_exits_3_with_file_and_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  ticket_id: number\n  ts: sys_updated_at\nstatuses: {New: neu}\n"
    )
    res = runner.invoke(
        app, ["import", str(SOURCE), "-f", "servicenow", "-m", str(mapping),
              "-o", str(tmp_path / "e.jsonl")],
    )  # fmt: skip
    assert res.exit_code == ConfigError.exit_code
    assert f"{mapping}:4" in res.output


def test_an_output_name_without_a_format_fails_before_reading(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["import", str(SOURCE), "-f", "servicenow", "-o", str(tmp_path / "x.txt")]
    )
    assert res.exit_code == InputError.exit_code
    assert not (tmp_path / "x.txt").exists()


def _import(source: Path, fmt: str, out: Path, *more: str) -> Result:
    return runner.invoke(app, ["import", str(source), "-f", fmt, "-o", str(out), *more])


def _said(res: Result) -> str:
    return " ".join(res.output.split())


def test_a_truncated_gzip_exits_4_saying_what_was_read_never_aborted(tmp_path: Path) -> None:
    raw = (FIXTURES / "bpic2013-sample.csv").read_bytes()
    header, _, rows = raw.partition(b"\n")
    packed = gzip.compress(header + b"\n" + rows * 40, compresslevel=1)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "events.jsonl"
    res = _import(cut, "bpic2013", out)
    assert res.exit_code == InputError.exit_code == 4, res.output
    said = _said(res)
    assert "Aborted" not in said and "Traceback" not in said
    assert "the gzip data stops before its end: the file is truncated" in said
    assert f"after {len(packed) // 2:,} of its {len(packed) // 2:,} bytes" in said
    assert "rows read" in said and f"Kept: {len(read_events(out).events):,} events in" in said
    assert len(read_events(out).events) > 0


def test_a_truncated_zip_exits_4_without_a_traceback(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("incidents.csv", SOURCE.read_bytes() * 1)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(buffer.getvalue()[:-40])  # the end of the central directory is gone
    res = _import(cut, "servicenow", tmp_path / "events.jsonl")
    assert res.exit_code == 4, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "zip archive's directory (at its end) is missing" in _said(res)


def test_a_file_that_is_not_xml_exits_4_for_bpic2013_xes(tmp_path: Path) -> None:
    res = _import(SOURCE, "bpic2013-xes", tmp_path / "events.jsonl")
    assert res.exit_code == 4, res.output
    assert "is not well-formed XML" in _said(res) and "no XES event could be read" in _said(res)


def test_a_header_without_the_ticket_id_column_exits_4_once(tmp_path: Path) -> None:
    text = SOURCE.read_text(encoding="utf-8").replace("number,", "ticket,", 1)
    source = tmp_path / "export.csv"
    source.write_text(text, encoding="utf-8")
    res = _import(source, "servicenow", tmp_path / "events.jsonl")
    assert res.exit_code == 4, res.output
    said = _said(res)
    assert said.count("'number' (columns.ticket_id") == 1 and "The header has 'ticket'," in said
    assert not (tmp_path / "events.jsonl.quarantine.jsonl").exists()


def test_import_warns_on_stderr_when_no_event_gets_a_status(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "case:concept:name,concept:name,org:resource,time:timestamp\n"
        "C1,Open case,Ann,2010-01-13 08:40:25+00:00\n"
        "C1,Finish,Ann,2010-01-14 08:40:25+00:00\n",
        encoding="utf-8",
    )
    res = _import(log, "process-mining", tmp_path / "events.jsonl")
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "warning: none of the 2 events written sets a status" in said
    assert "0 rows quarantined" in said


def test_import_strict_exits_10_after_writing_everything(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    res = _import(SOURCE, "servicenow", out, "--strict")
    assert res.exit_code == 10, res.output
    said = " ".join(res.stderr.split())
    assert f"3 rows quarantined → {out}.quarantine.jsonl" in said and "--strict" in said
    assert len(read_events(out).events) == 13
    clean = _import(FIXTURES / "jira-issue.json", "jira", tmp_path / "j.jsonl", "--strict")
    assert clean.exit_code == 0, clean.output


def test_an_empty_source_or_one_whose_every_row_is_quarantined_exits_4(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    res = _import(empty, "servicenow", tmp_path / "a.jsonl")
    assert res.exit_code == 4, res.output
    assert "the file holds no audit rows: nothing to import" in _said(res)
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    state = header.index("incident_state")
    bad = [
        ",".join(c if i != state else "Limbo" for i, c in enumerate(r.split(",")))
        for r in lines[1:]
    ]
    source = tmp_path / "bad.csv"
    source.write_text("\n".join([lines[0], *bad]) + "\n", encoding="utf-8")
    res = _import(source, "servicenow", tmp_path / "b.jsonl")
    assert res.exit_code == 4, res.output
    said = _said(res)
    assert "none of its 16 audit rows gave an event: 16 audit rows quarantined" in said
    assert "status '…' is not in the mapping's statuses" in said
