"""The clocks behind an objective's figures in one contract period: the drill-down of a
statement's objective, error budget and credit.

An objective's **counted clocks** in a period are exactly those its outcome counts: the
contract's clocks (:func:`~accord.core.contracts.assignment.contract_clocks`) of the
objective's metrics and priorities (with a target, but for a statistic), placed in the period
by the contract's counting rule, judged (met or breached) and not excluded; for a statistic
only stopped ones. So, for the same records and as-of:

- the objective's ``denominator`` is the number of counted clocks, its ``met`` and
  ``breached`` the number of those met and breached;
- the error budget's ``used`` is the number of breached ones;
- a credit line is computed from those same clocks (``per_breach``: one amount per breached
  clock; the other schemes from the attainment, met ÷ counted).

Pure: the records, the ticket facts and as-of are arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from accord.core.contracts.assignment import (
    Span,
    contract_clocks,
    counted,
    counting_instant,
    place,
    resolve_period,
    select,
)
from accord.core.contracts.models import ContractSpec
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant


def objective_clocks(
    contract: ContractSpec,
    objective: str,
    records: Sequence[MetricRecord],
    tickets: pl.DataFrame | None,
    as_of: Instant,
    period: str | None = None,
) -> tuple[Span, pl.DataFrame]:
    """The period ``period`` names (as :func:`~accord.core.contracts.statement.build_statement`
    resolves it) and the counted clocks of ``objective`` (a key of the contract's objectives)
    in it: the contract clock columns and ``counted_at``, the instant that placed each in the
    period, in the order they were counted. Raises :class:`KeyError` for an unknown objective
    and :class:`~accord.errors.InputError` for a period that is not one of the contract's."""
    spec = contract.objectives[objective]
    span = resolve_period(contract, period, as_of, history=contract.volume_periods)
    frame = select(contract_clocks(contract, records, tickets), spec)
    periods = place(frame, span.grid, contract.count_by)
    here = frame.filter(pl.Series(periods == span.index, dtype=pl.Boolean))
    rows = here.filter(counted(spec)).with_columns(
        counting_instant(contract.count_by).alias("counted_at")
    )
    return span, rows.sort(["counted_at", "ticket_id", "metric", "cycle"])
