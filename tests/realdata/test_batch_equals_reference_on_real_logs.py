"""The batch engine equals the reference engine record for record on the three public logs,
with their documented policies: cut into many partitions, and on two processes."""

from __future__ import annotations

import pytest

from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.events import Event
from accord.core.timeutil import parse_as_of
from accord.io.importers import ImportRun, open_import
from tests.realdata._data import BPIC, CONFIGS, HELPDESK, needs_data

pytestmark = needs_data

# after each log's last row
UCI_AS_OF = parse_as_of("2017-03-01T00:00:00Z")
BPIC_AS_OF = parse_as_of("2012-06-01T00:00:00Z")
HELPDESK_AS_OF = parse_as_of("2014-02-01T00:00:00Z")


def _same_records(events: list[Event], config: str, as_of: int, jobs: int, chunk: int) -> int:
    cfg = load_config(CONFIGS / config)
    expected = compute(events, cfg, as_of)
    table = compute_batch(events_to_table(events), cfg, as_of, jobs=jobs, chunk_events=chunk)
    got = records_from_table(table)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == e, (g.ticket_id, g.metric, g.cycle)
    return len(got)


@pytest.mark.parametrize("config", ["uci/sla", "uci/made-sla-best", "uci/24x7"])
def test_uci_servicenow_log(uci_import: tuple[list[Event], ImportRun], config: str) -> None:
    events, _ = uci_import
    assert _same_records(events, config, UCI_AS_OF, jobs=1, chunk=20_000) > 24_000


def test_uci_servicenow_log_on_two_processes(uci_import: tuple[list[Event], ImportRun]) -> None:
    events, _ = uci_import
    assert _same_records(events, "uci/sla", UCI_AS_OF, jobs=2, chunk=30_000) > 24_000


@pytest.mark.parametrize("config", ["bpic2013/sla", "bpic2013/24x7"])
def test_bpic2013_volvo_log(config: str) -> None:
    events = list(open_import(BPIC, "bpic2013").events())
    assert _same_records(events, config, BPIC_AS_OF, jobs=1, chunk=10_000) > 7_000


@pytest.mark.parametrize("config", ["helpdesk/sla", "helpdesk/24x7"])
def test_italian_helpdesk_log(config: str) -> None:
    events = list(open_import(HELPDESK, "process-mining", mapping="helpdesk-italian").events())
    assert _same_records(events, config, HELPDESK_AS_OF, jobs=1, chunk=5_000) > 4_000
