"""The figures the snapshots serve are computed by the batch engine on a large store: the KPI
values and a customer's statement must be the same whichever engine computed the records
(the batch engine leaves explanations empty, which no KPI or contract figure reads)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from polars.testing import assert_frame_equal

from accord.cli.demo import prepare_store
from accord.core.contracts.statement import build_statement, find_contract, ticket_fields
from accord.core.kpi.evaluate import evaluate
from accord.core.timeutil import to_instant
from accord.io.store import SqlStore
from accord.service.configuration import ConfigState
from accord.service.figures import contracts_of_files, customer_data, kpi_catalog, kpi_inputs

END = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
NOW = to_instant(END)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    url = prepare_store(tmp_path_factory.mktemp("demo"), events=6_000, end=END)
    store = SqlStore(url)
    try:
        yield store
    finally:
        store.close()


@pytest.mark.parametrize("customer", [None, "acme"])
def test_kpi_values_are_the_same_from_the_batch_and_the_reference_engine(
    demo_store: SqlStore, customer: str | None
) -> None:
    current = ConfigState(demo_store).current(NOW)
    assert current is not None
    version, config = current
    _, catalog = kpi_catalog(tuple(sorted(version.files.items())))
    tables = []
    frames = []
    for batch in (True, False):
        records, facts = kpi_inputs(demo_store, config, NOW, NOW, [], customer, batch=batch)
        assert records.height > 0
        frames.append(records)
        tables.append(evaluate(catalog, NOW, records=records, facts=facts, by=["team"]))
        tables.append(evaluate(catalog, NOW, records=records, facts=facts, grain="week"))
    assert_frame_equal(frames[0], frames[1])  # the records themselves, row for row
    assert_frame_equal(tables[0], tables[2])
    assert_frame_equal(tables[1], tables[3])


def test_a_statement_is_the_same_from_the_batch_and_the_reference_engine(
    demo_store: SqlStore,
) -> None:
    current = ConfigState(demo_store).current(NOW)
    assert current is not None
    version, config = current
    found = find_contract(contracts_of_files(version.files), "acme")
    assert found is not None
    name, spec = found
    fields = ticket_fields([spec])
    got = []
    for batch in (True, False):
        records, tickets = customer_data(demo_store, config, "acme", NOW, NOW, fields, batch=batch)
        assert records
        s = build_statement(name, spec, records, tickets, NOW)
        got.append((s.to_json(), s.budget_json()))
    assert got[0] == got[1]
    assert got[0][0]["objectives"]  # a statement with figures, not two empty ones
