"""`accord import … --to-store`: the events and the quarantine land in the store, idempotently."""

from __future__ import annotations

import gzip
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import InputError
from accord.io.importers import open_import
from accord.io.importers.to_store import import_to_store
from accord.io.store import open_store

FIXTURE = Path(__file__).parent / "fixtures" / "servicenow-incidents.csv"
SP = "America/Sao_Paulo"


def _expected() -> tuple[int, int]:
    """Events and quarantined rows of the fixture, from the file importer itself."""
    run = open_import(FIXTURE, "servicenow", source_tz=SP)
    events = list(run.events())
    return len(events), run.stats.quarantined


def test_every_imported_event_and_quarantined_row_is_in_the_store(tmp_path: Path) -> None:
    n_events, n_bad = _expected()
    assert n_events > 0 and n_bad > 0  # the fixture has a '-100' state row
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        done = import_to_store(FIXTURE, "servicenow", store, received_at=0, source_tz=SP, chunk=3)
        assert done.outcomes == {"accepted": n_events}
        assert store.count_events() == n_events
        kept = store.quarantine(limit=1000)
        assert len(kept) == n_bad
        assert all(q.problem.reason and q.problem.field for q in kept)
    finally:
        store.close()


def test_importing_the_same_file_again_stores_nothing_twice(tmp_path: Path) -> None:
    n_events, _ = _expected()
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        import_to_store(FIXTURE, "servicenow", store, received_at=0, source_tz=SP)
        again = import_to_store(FIXTURE, "servicenow", store, received_at=1, source_tz=SP)
        assert again.outcomes == {"duplicate": n_events}
        assert store.count_events() == n_events
    finally:
        store.close()


def test_the_cli_imports_into_the_store_named_by_its_url(tmp_path: Path) -> None:
    n_events, _ = _expected()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["import", str(FIXTURE), "--format", "servicenow", "--source-tz", SP]
    res = CliRunner().invoke(app, [*args, "--to-store", "--database-url", url])
    assert res.exit_code == 0, res.output
    assert f"{n_events:,} new" in res.output
    store = open_store(url)
    try:
        assert store.count_events() == n_events
    finally:
        store.close()


def test_the_cli_wants_exactly_one_destination(tmp_path: Path) -> None:
    args = ["import", str(FIXTURE), "--format", "servicenow"]
    assert CliRunner().invoke(app, args).exit_code == InputError.exit_code
    both = [*args, "--out", str(tmp_path / "e.jsonl"), "--to-store"]
    assert CliRunner().invoke(app, both).exit_code == InputError.exit_code


def test_a_truncated_source_stores_what_was_read_then_exits_4(tmp_path: Path) -> None:
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    rows = [lines[0]] + [r.replace(b"INC000", f"INC{k}".encode()) for k in range(100, 140)
                         for r in lines[1:]]  # fmt: skip
    packed = gzip.compress(b"".join(rows), compresslevel=1)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    args = ["import", str(cut), "--format", "servicenow", "--source-tz", SP]
    res = CliRunner().invoke(app, [*args, "--to-store", "--database-url", url])
    assert res.exit_code == 4, res.output
    said = " ".join(res.output.split())
    assert "the file is truncated" in said and "sent to the store" in said
    store = open_store(url)
    try:
        stored = store.count_events()
    finally:
        store.close()
    assert stored > 0 and f"{stored:,} new" in said
