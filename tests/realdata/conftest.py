"""Session fixtures for the real-data tests: each public log is imported (and read raw) once."""

from __future__ import annotations

from collections import defaultdict

import pytest

from accord.core.events import Event
from accord.io.importers import ImportRun, open_import
from tests.realdata._data import DATA, UCI, UciRow, uci_rows

UCI_ZONE = "America/Sao_Paulo"


@pytest.fixture(scope="session")
def uci_raw() -> dict[str, list[UciRow]]:
    if not DATA.is_dir():
        pytest.skip(f"no public logs at {DATA}")
    out: dict[str, list[UciRow]] = defaultdict(list)
    for row in uci_rows():
        out[row.number].append(row)
    return dict(out)


@pytest.fixture(scope="session")
def uci_import() -> tuple[list[Event], ImportRun]:
    if not DATA.is_dir():
        pytest.skip(f"no public logs at {DATA}")
    run = open_import(UCI, "servicenow", source_tz=UCI_ZONE)
    return list(run.events()), run
