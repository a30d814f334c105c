"""Where the public logs are, and plain readers of their raw files for independent figures.

The real-data tests run whenever the shared data folder exists: ``../shared/data`` next to
the repository root (found by walking up to ``pyproject.toml``). They are skipped only when
that folder is absent; a missing file inside it is a failure.

The readers here use only ``csv``, ``zipfile``, ``gzip`` and ``zoneinfo``: nothing of Accord,
so the figures they give are an independent check of the importers and the engine.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return here.parents[2]


ROOT = _repo_root()
DATA = ROOT.parent / "shared" / "data"
CONFIGS = Path(__file__).resolve().parent / "configs"
UCI = DATA / "uci-incident-event-log" / "incident_event_log.zip"
BPIC = DATA / "bpic2013-incidents" / "VINST-new.csv.gz"
HELPDESK = DATA / "helpdesk-italian" / "helpdesk.csv.gz"

needs_data = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"no public logs at {DATA}"),
]

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
ROME = ZoneInfo("Europe/Rome")


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def uci_instant(text: str) -> int:
    """``29/2/2016 01:16`` read as São Paulo wall-clock time, in epoch seconds."""
    return epoch(datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=SAO_PAULO))


@dataclass(frozen=True, slots=True)
class UciRow:
    number: str
    state: str
    updated: str
    opened: str
    resolved: str
    reopen_count: int
    made_sla: bool
    priority: str


def uci_rows() -> Iterator[UciRow]:
    with zipfile.ZipFile(UCI) as z, z.open(z.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader)
        ix = {name: header.index(name) for name in header}
        for r in reader:
            yield UciRow(
                r[ix["number"]],
                r[ix["incident_state"]],
                r[ix["sys_updated_at"]],
                r[ix["opened_at"]],
                r[ix["resolved_at"]],
                int(r[ix["reopen_count"]]),
                r[ix["made_sla"]] == "true",
                r[ix["priority"]],
            )


def gz_rows(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)
