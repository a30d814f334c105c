"""The UCI log's own ``made_sla`` flag against Accord's outcome (method: docs/importers.md).

``bench/uci_made_sla.py`` searches the policies; these tests recompute, at test time, the
agreement of the two policies the documentation reports (the one written down beforehand and
the best one found) and check them against the figures printed in docs/importers.md, to the
rounding used there (hundredths of a percent; the confusion matrices exactly).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.records import State
from accord.core.timeutil import parse_as_of
from accord.io.importers import ImportRun
from tests.realdata._data import CONFIGS, UciRow, needs_data

pytestmark = needs_data

AS_OF = parse_as_of("2017-03-01T00:00:00Z")
DOC = Path(__file__).resolve().parents[2] / "docs" / "importers.md"


def agreement(
    events: list[Event], config: str, metric: str, made: dict[str, bool]
) -> tuple[str, Counter[tuple[bool, bool]]]:
    """The agreement, as the docs print it, and the confusion counts (Accord met, made_sla)."""
    records = compute(events, load_config(CONFIGS / "uci" / config), AS_OF)
    confusion: Counter[tuple[bool, bool]] = Counter()
    for r in records:
        if r.metric == metric:
            assert r.state in (State.MET, State.BREACHED), r  # every incident is closed
            confusion[(r.state is State.MET, made[r.ticket_id])] += 1
    assert sum(confusion.values()) == len(made)
    agree = confusion[(True, True)] + confusion[(False, False)]
    return f"{agree / len(made):.2%}", confusion


def documented(label: str) -> tuple[str, tuple[int, int, int, int]]:
    """From docs/importers.md: the line ``<label>: agreement NN.NN %`` and the confusion
    matrix line under it ``met/true a, met/false b, breached/true c, breached/false d``."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(
        rf"{re.escape(label)}: agreement \*\*(\d+\.\d\d) %\*\*.*?confusion: met/true ([\d,]+), "
        r"met/false ([\d,]+), breached/true ([\d,]+), breached/false ([\d,]+)",
        text,
        re.S,
    )
    assert m is not None, f"docs/importers.md does not state the {label} figures"
    cells = tuple(int(x.replace(",", "")) for x in m.groups()[1:])
    return m.group(1) + "%", cells  # type: ignore[return-value]


@pytest.fixture(scope="module")
def made(uci_raw: dict[str, list[UciRow]]) -> dict[str, bool]:
    """made_sla on each incident's last row: the incident's outcome as ServiceNow judged it."""
    return {number: rows[-1].made_sla for number, rows in uci_raw.items()}


def test_made_sla_is_decided_when_the_incident_closes(uci_raw: dict[str, list[UciRow]]) -> None:
    # the flag flips from true to false only on a Closed row (once on a Resolved row): the
    # reason the best policy's clock runs until Closed
    flips: Counter[str] = Counter()
    for rows in uci_raw.values():
        for before, row in pairwise(rows):
            if before.made_sla and not row.made_sla:
                flips[row.state] += 1
    assert flips == {"Closed": 9_113, "Resolved": 1}


@pytest.mark.parametrize(
    ("label", "config", "metric"),
    [
        ("Documented policy", "sla", "resolution"),
        ("Best policy", "made-sla-best", "to_close"),
    ],
)
def test_policy_reproduces_the_documented_agreement_with_made_sla(
    label: str,
    config: str,
    metric: str,
    uci_import: tuple[list[Event], ImportRun],
    made: dict[str, bool],
) -> None:
    events, _ = uci_import
    got, confusion = agreement(events, config, metric, made)
    want, cells = documented(label)
    assert got == want
    assert (
        confusion[(True, True)],
        confusion[(True, False)],
        confusion[(False, True)],
        confusion[(False, False)],
    ) == cells
