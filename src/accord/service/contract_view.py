"""A contract's clocks for its statement, budget and burn-down "now", from the KPI view
(:mod:`accord.service.kpi_view`) instead of a replay of every stored event of the customer.

The full path (:func:`accord.service.figures.customer_data`, then
:func:`~accord.core.contracts.assignment.contract_clocks`) recomputes every clock of the
customer's tickets at the instant. The view holds what does not depend on the instant: a
settled ticket's stored records (every clock stopped, judged after its last event under the
configuration version in force) and its ticket facts. So the contract's clocks are

- of its settled tickets: their stored records of the customer under the contract's policies,
  as columns (:func:`~accord.core.contracts.assignment.clocks_of_frame`), with the exclusions
  read from their facts; the warning column is empty, which only an open clock reads;
- of its open tickets: recomputed at the instant by the batch engine from their events, which
  the view keeps, and their facts at the instant, by the same functions as the full path.

Whatever the view cannot answer exactly (an instant before a settled ticket's last event, a
policy version taking effect since, a field it does not hold) gives ``None``, and the caller
replays the events as before.
"""

from __future__ import annotations

import polars as pl

from accord.core.config.resolved import Configuration
from accord.core.contracts.assignment import clocks_of_frame, contract_clocks
from accord.core.contracts.models import ContractSpec
from accord.core.engine.batch import compute_batch, records_from_table
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.io.store import Store
from accord.service.figures import customer_data
from accord.service.kpi_view import Owned


def view_clocks(owned: Owned, contract: ContractSpec, when: Instant) -> pl.DataFrame:
    """The contract's clocks at ``when`` from the view's part of its customer's tickets."""
    facts = owned.settled_facts if owned.settled_facts.width else None
    settled = clocks_of_frame(contract, owned.settled_records, facts)
    records: list[MetricRecord] = []
    if owned.open_events.num_rows:
        records = records_from_table(compute_batch(owned.open_events, owned.config, when))
    opened = contract_clocks(
        contract, records, owned.open_facts if owned.open_facts.width else None
    )
    return pl.concat([settled, opened], how="vertical")


def replayed_clocks(
    store: Store,
    config: Configuration,
    contract: ContractSpec,
    customer: str,
    judged: Instant,
    now: Instant,
    fields: list[str],
) -> pl.DataFrame:
    """The contract's clocks at ``judged`` from every stored event of the customer's tickets
    (those whose current customer it is at ``now``): the full path."""
    records, tickets = customer_data(store, config, customer, judged, now, fields)
    return contract_clocks(contract, records, tickets)
