"""The alert rules' figures in ``accord serve``: from the KPI view, as the KPI and contract
routes take them, instead of every stored event replayed at each refresh.

Under a steady stream of events the figures are due at every refresh (new records each
time), and a replay of a large store holds the server's interpreter for seconds to minutes
(a million tickets: close to a minute of CPU a refresh), starving ingest and the recompute.
The view answers from the settled tickets' stored records and recomputes only the open ones.

Whatever the view cannot answer exactly (a policy version taking effect, a field it does not
hold) is replayed as before (:class:`~accord.service.alert_readings.ReplayFigures`); while
the view loads in the background, the figures wait for it (the round keeps its last ones)
rather than replay the store beside the load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import Statement, statement_of_clocks, ticket_fields
from accord.core.kpi.facts import TicketFacts
from accord.core.timeutil import Instant
from accord.service.alert_readings import ReplayFigures

if TYPE_CHECKING:
    from accord.service.alerting import AlertSetup
    from accord.service.runtime import Runtime


class ViewFigures:
    """A :class:`~accord.service.alert_readings.FigureSource` over the runtime's KPI view."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.replayed = 0  # refreshes that replayed the store (for tests)

    def _replay(self) -> ReplayFigures:
        self.replayed += 1
        return ReplayFigures(self._runtime.store)

    def kpi_inputs(
        self, setup: AlertSetup, custom: list[str], now: Instant
    ) -> tuple[pl.DataFrame, TicketFacts] | None:
        assert setup.config is not None
        if setup.version is not None:
            got = self._runtime.kpi_view_inputs(setup.version, setup.config, now, custom, None)
            if got is not None:
                return got
            if self._runtime.kpi_view_loading:
                return None
        return self._replay().kpi_inputs(setup, custom, now)

    def statement(
        self, setup: AlertSetup, name: str, contract: ContractSpec, now: Instant
    ) -> Statement | None:
        assert setup.config is not None
        if setup.version is not None:
            fields = ticket_fields([contract])
            customer = contract.customer_name
            clocks = self._runtime.contract_view_clocks(
                setup.version, setup.config, contract, customer, now, fields
            )
            if clocks is not None:
                return statement_of_clocks(name, contract, clocks, now)
            if self._runtime.kpi_view_loading:
                return None
        return self._replay().statement(setup, name, contract, now)
