"""What the alert rules look at, read from the store (:class:`ReadingsSource`):

- **SLA clocks** (``sla_warning``, ``sla_breach``): every open clock with a target, as stored;
  read every round (an index range over the records), or in ``accord serve`` kept in memory
  and read again ticket by ticket as they change (:mod:`accord.service.alert_clocks`).
- **Source activity** (``no_data``): the last arrival of each source a rule names; one index
  look-up per source, every round.
- **Figures** (``kpi_band``, ``budget_burn``, ``forecast_below``): the KPI values of the
  current period and the contracts' current statements, computed by the very functions the
  KPI and contract API use, from inputs a :class:`FigureSource` gives: in ``accord serve``
  the KPI view, as the API routes take them (:mod:`accord.service.alert_view`); elsewhere
  (``accord alerts run``, the demo) every stored event replayed (:class:`ReplayFigures`).
  They are computed at most every ``every`` seconds, and then only when something changed:
  new events stored or recomputed, an open clock that breached since, the rules changed, or
  ``10 × every`` seconds passed (a KPI may drift with time alone). While the source is not
  ready (the view still loading) the last figures stand and the next round tries again.

A KPI band change needs the band the group was in before. That is kept in the store's
``alert_watch`` table (key ``band:<kpi>[<group>]``), written compare-and-set, so that across
restarts and side by side evaluators a change is seen once: the writer that moves the band
records the change (before, after, instant), and every evaluator reads the change from there.
The first band seen of a group is its baseline and is not alerted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from accord.core.alerts.evaluate import (
    BandChange,
    BudgetReading,
    ForecastReading,
    Readings,
    SourceActivity,
)
from accord.core.contracts.budget import pct
from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import (
    ObjectiveReport,
    Statement,
    build_statement,
    ticket_fields,
)
from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import calendar_zones
from accord.core.kpi.evaluate import evaluate as evaluate_kpis
from accord.core.kpi.facts import TicketFacts
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant
from accord.io.store import ClockCursor, ClockQuery, Store
from accord.io.store.base import NO_DUE
from accord.service.figures import customer_data, kpi_inputs

if TYPE_CHECKING:
    from accord.service.alert_clocks import OpenClocks
    from accord.service.alerting import AlertSetup

log = logging.getLogger("accord.alerts")

FIGURE_KINDS = ("kpi_band", "budget_burn", "forecast_below")
_PAGE = 1000
_STALE = 10  # figures are recomputed after this many ``every`` even when nothing changed


def open_clock_readings(store: Store, now: Instant) -> Readings:
    """The clocks the rules watch: every open clock with a target, as stored, the SLA
    clocks and the internal agreements' (which only the rules naming them watch)."""
    records: list[MetricRecord] = []
    for internal in (False, True):
        after: ClockCursor | None = None
        while True:
            query = ClockQuery(now=now, after=after, limit=_PAGE, internal=internal)
            page = store.open_clocks(query)
            records.extend(page)
            if len(page) < _PAGE:
                break
            last = page[-1]
            due = last.due if last.due is not None else NO_DUE
            after = ClockCursor(due, last.ticket_id, last.metric, last.cycle)
    return Readings(records=records)


def source_readings(store: Store, setup: AlertSetup) -> list[SourceActivity]:
    """The last arrival of every source a ``no_data`` rule names."""
    names = sorted({r.source for r in setup.rules.values() if r.kind == "no_data" and r.source})
    if not names:
        return []
    return [SourceActivity(s, at) for s, at in store.last_received(names).items()]


class FigureSource(Protocol):
    """Where the figure rules' inputs come from. Each method gives ``None`` while the source
    is not ready (the round keeps its last figures and tries again at the next one)."""

    def kpi_inputs(
        self, setup: AlertSetup, custom: list[str], now: Instant
    ) -> tuple[pl.DataFrame, TicketFacts] | None:
        """The KPI values' inputs at ``now``, every customer's (as an unrestricted read)."""
        ...

    def statement(
        self, setup: AlertSetup, name: str, contract: ContractSpec, now: Instant
    ) -> Statement | None:
        """The contract's statement of its current period at ``now``."""
        ...


class ReplayFigures:
    """The figures' inputs from every stored event, replayed at each refresh (a store with
    no KPI view beside it: ``accord alerts run``, the demo's alert history)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def kpi_inputs(
        self, setup: AlertSetup, custom: list[str], now: Instant
    ) -> tuple[pl.DataFrame, TicketFacts]:
        assert setup.config is not None
        return kpi_inputs(self.store, setup.config, now, now, custom, None)

    def statement(
        self, setup: AlertSetup, name: str, contract: ContractSpec, now: Instant
    ) -> Statement:
        assert setup.config is not None
        fields = ticket_fields([contract])
        customer = contract.customer_name
        records, tickets = customer_data(self.store, setup.config, customer, now, now, fields)
        return build_statement(name, contract, records, tickets, now)


class _NotReady(Exception):
    """The figure source is not ready: keep the last figures, try again next round."""


@dataclass(frozen=True)
class Figures:
    bands: tuple[BandChange, ...] = ()
    budgets: tuple[BudgetReading, ...] = ()
    forecasts: tuple[ForecastReading, ...] = ()


class ReadingsSource:
    """The readings of each round, with the figures recomputed on the cadence above. Not
    thread-safe: one loop owns it."""

    def __init__(
        self,
        store: Store,
        *,
        every: float = 30.0,
        figures: FigureSource | None = None,
        clocks: OpenClocks | None = None,
    ) -> None:
        self.store = store
        self.clocks = clocks
        self.every = every
        self.source: FigureSource = figures if figures is not None else ReplayFigures(store)
        self.figures = Figures()
        self.computed_at: Instant | None = None
        self._rules: Mapping[str, Any] | None = None
        self._stamp: tuple[int, int] | None = None
        self._changed = False
        self._next_breach: Instant | None = None

    def mark_changed(self) -> None:
        """New records were stored (the recompute drained): the figures may have moved."""
        self._changed = True

    def read(self, setup: AlertSetup, now: Instant) -> Readings:
        # kept between rounds: caught up here, and handed over as candidates, not records
        records: Sequence[MetricRecord] = ()
        if self.clocks is not None:
            self.clocks.catch_up(now)
        else:
            records = open_clock_readings(self.store, now).records
        if any(r.kind in FIGURE_KINDS for r in setup.rules.values()):
            if self._figures_due(setup, now):
                held = self.clocks.records() if self.clocks is not None else records
                self._refresh(setup, held, now)
        else:
            self.figures, self.computed_at = Figures(), None
        return Readings(
            records=records,
            bands=self.figures.bands,
            budgets=self.figures.budgets,
            forecasts=self.figures.forecasts,
            sources=source_readings(self.store, setup),
        )

    def next_refresh(self, now: Instant) -> Instant | None:
        """When the figures are next worth recomputing (``None``: no figure rule)."""
        if self.computed_at is None:
            return None
        earliest = self.computed_at + int(self.every)
        when = [self.computed_at + _STALE * int(self.every)]
        if self._changed:
            when.append(earliest)
        if self._next_breach is not None:
            when.append(max(earliest, self._next_breach))
        return max(min(when), now)

    def _figures_due(self, setup: AlertSetup, now: Instant) -> bool:
        if self.computed_at is None or setup.rules != self._rules:
            return True
        age = now - self.computed_at
        if age < self.every:
            return False
        if self._changed or age >= _STALE * self.every:
            return True
        if self._next_breach is not None and now >= self._next_breach:
            return True
        return self.store.change_stamp() != self._stamp  # another process stored events

    def _refresh(self, setup: AlertSetup, records: Sequence[MetricRecord], now: Instant) -> None:
        stamp = self.store.change_stamp()
        if setup.config is None:
            figures = Figures()
        else:
            try:
                bands = tuple(kpi_band_changes(self.store, setup, now, self.source))
                budgets, forecasts = contract_readings(setup, now, self.source)
            except _NotReady:
                return  # nothing moves: the next round tries again
            except Exception:
                # the SLA alerts must not wait on a figure that cannot be computed: keep the
                # last figures, log why, and try again at the next refresh
                log.exception("alert figures could not be computed")
                figures = self.figures
            else:
                figures = Figures(bands, tuple(budgets), tuple(forecasts))
        self._stamp = stamp
        self._changed = False
        self._rules = setup.rules
        self.computed_at = now
        self._next_breach = _next_breach(setup, records, now)
        self.figures = figures


def _next_breach(
    setup: AlertSetup, records: Sequence[MetricRecord], now: Instant
) -> Instant | None:
    """The next instant an open clock breaches, seen from ``now``: a budget, a forecast and a
    KPI move then, without any new event."""
    found: list[Instant] = []
    for rec in records:
        if rec.target is None or rec.state is not State.RUNNING or rec.calendar is None:
            continue
        if rec.business_elapsed > rec.target:
            continue
        cal = setup.calendars.get(rec.calendar)
        at = cal.due(rec.as_of, rec.target + 1 - rec.business_elapsed) if cal else None
        if at is not None and at > now:
            found.append(at)
    return min(found, default=None)


# ---------------------------------------------------------------- KPI bands


def _group(row: Mapping[str, Any], dims: Sequence[str]) -> str:
    return ",".join(f"{d}={row.get(d)}" for d in dims)


def kpi_band_changes(
    store: Store, setup: AlertSetup, now: Instant, source: FigureSource | None = None
) -> list[BandChange]:
    """Each watched KPI group's last band change, after recording the band of ``now``
    (the KPI values as ``GET /api/v1/kpis/values`` gives them: the calendars' zones too)."""
    assert setup.config is not None
    names = sorted({r.kpi for r in setup.rules.values() if r.kind == "kpi_band" and r.kpi})
    names = [n for n in names if n in setup.kpis]
    if not names:
        return []
    custom = custom_fields([setup.kpis[n] for n in names])
    got = (source or ReplayFigures(store)).kpi_inputs(setup, custom, now)
    if got is None:
        raise _NotReady
    records, facts = got
    zones = calendar_zones(setup.config.calendars)
    table = evaluate_kpis(
        setup.kpis, now, records=records, facts=facts, kpis=names, periods=1, zones=zones
    )
    seen: dict[str, tuple[str, str, str, float | None, str | None, str | None]] = {}
    for row in table.to_dicts():
        band = row.get("band")
        if band is None:
            continue  # no value this period (yet): the band stays what it was
        kpi = str(row["kpi"])
        group = _group(row, setup.kpis[kpi].by)
        value = row.get("value")
        customer, team = row.get("customer"), row.get("team")
        seen[f"band:{kpi}[{group}]"] = (
            kpi, group, str(band),
            float(value) if isinstance(value, (int, float)) else None,
            str(customer) if customer is not None else None,
            str(team) if team is not None else None,
        )  # fmt: skip
    stored = store.get_watch(list(seen))
    out: list[BandChange] = []
    for key, (kpi, group, band, value, customer, team) in seen.items():
        state = _band_state(store, key, stored.get(key), band, value, now)
        if state.get("before") is None:
            continue  # a baseline, not a change
        out.append(
            BandChange(
                kpi=kpi, group=group, before=state["before"], after=state["band"],
                value=state.get("value"), at=int(state["since"]), customer=customer, team=team,
            )
        )  # fmt: skip
    return out


def _band_state(
    store: Store, key: str, text: str | None, band: str, value: float | None, now: Instant
) -> dict[str, Any]:
    """The stored band of one group, moved to ``band`` if it changed (compare-and-set: when
    another evaluator wrote first, its state is read back and stands)."""
    for _ in range(3):
        state: dict[str, Any] | None = json.loads(text) if text is not None else None
        if state is not None and state["band"] == band:
            return state
        before = state["band"] if state is not None else None
        new = {"band": band, "before": before, "since": now, "value": value}
        new_text = json.dumps(new, sort_keys=True)
        if store.set_watch(key, new_text, at=now, expected=text):
            return new
        text = store.get_watch([key]).get(key)
    return json.loads(text) if text is not None else {"band": band, "before": None}


# ---------------------------------------------------------------- contracts


def contract_readings(
    setup: AlertSetup, now: Instant, source: FigureSource
) -> tuple[list[BudgetReading], list[ForecastReading]]:
    """Each watched contract's current period: every objective's budget and forecast."""
    kinds = ("budget_burn", "forecast_below")
    names = sorted({r.contract for r in setup.rules.values() if r.kind in kinds and r.contract})
    budgets: list[BudgetReading] = []
    forecasts: list[ForecastReading] = []
    for name in names:
        spec = setup.contracts.get(name)
        if spec is None:
            continue
        customer = spec.customer_name
        st = source.statement(setup, name, spec, now)
        if st is None:
            raise _NotReady
        for o in st.objectives:
            if o.budget is not None:
                budgets.append(
                    BudgetReading(name, o.name, customer, st.period, o.budget.allowed,
                                  o.budget.used, _last_breach(o, now))
                )  # fmt: skip
            f = o.forecast
            if f is not None and f.status != "no_data":
                forecasts.append(
                    ForecastReading(name, o.name, customer, st.period, f.status == "missed",
                                    _forecast_text(o), str(o.target()), now)
                )  # fmt: skip
    return budgets, forecasts


def _last_breach(o: ObjectiveReport, now: Instant) -> Instant:
    # the budget reached its level when its latest breach happened: the threshold instant
    instants = [b.breached_at for b in o.breaches if b.breached_at is not None]
    return min(max(instants), now) if instants else now


def _forecast_text(o: ObjectiveReport) -> str:
    assert o.forecast is not None
    value = o.forecast.value
    if value is None:
        return "-"
    if o.spec.max_breaches is not None:
        return f"{float(value):.1f} breaches"
    if o.spec.met_share is not None:
        return pct(value)
    return f"{float(value):g}"
