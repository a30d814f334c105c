"""The inputs of the KPI and contract figures, shared by their API routers and the alert loop,
so that an alert reads exactly the figures the API shows.

- :func:`kpi_catalog` and :func:`kpi_inputs`: the KPI catalog of a configuration version and
  the records and ticket facts ``GET /api/v1/kpis/values`` evaluates;
- :func:`contracts_of_files` and :func:`customer_data`: the contracts of a configuration
  version and a customer's clocks and ticket facts, what a statement is built from.

Above :data:`BATCH_TICKETS` tickets the records come from the batch engine
(:mod:`accord.core.engine.batch`), which equals the reference engine record for record but for
the explanations, which no KPI or contract figure reads; below it the reference engine is
quicker to start.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import polars as pl

from accord.core.config.loader import check_config_contracts, check_config_kpis
from accord.core.config.resolved import Configuration
from accord.core.contracts.models import ContractSpec
from accord.core.engine import compute, compute_ticket
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.events import Event
from accord.core.kpi.evaluate import calendar_zones, evaluate
from accord.core.kpi.facts import TicketFacts, policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame, records_frame, records_frame_of_table
from accord.core.kpi.models import Grain, KpiSpec
from accord.core.ownership import current_customer
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.errors import ConfigError
from accord.io.store import Store, TicketQuery
from accord.service.recompute import summarize

_PAGE = 1000  # tickets fetched per store call while collecting a customer's tickets
_WAITING = 1_000_000  # tickets waiting for a recompute looked at (all, in practice)
# from this many tickets on, records come from the batch engine (its set-up costs a few ms,
# the reference engine some 0.1 ms per ticket)
BATCH_TICKETS = 2_000


@lru_cache(maxsize=8)
def kpi_catalog(files: tuple[tuple[str, str], ...]) -> tuple[Configuration, dict[str, KpiSpec]]:
    """The configuration and KPI catalog of a stored version's files (name, YAML text)."""
    # The configuration versions keep file texts and build a Configuration, which has no KPIs;
    # the catalog comes from the same loader as `accord kpi --config DIR`, over the same files.
    # Keyed by content, so a new version is read once and an unchanged one never again.
    with tempfile.TemporaryDirectory(prefix="accord-kpis-") as tmp:
        root = Path(tmp)
        for name, text in files:
            (root / name).write_text(text, encoding="utf-8")
        config, catalog, issues = check_config_kpis(root)
    if config is None:  # stored versions were valid when uploaded; a stricter loader says why
        raise ConfigError(issues)
    return config, catalog


def evaluate_kpi_values(
    catalog: Mapping[str, KpiSpec],
    config: Configuration,
    when: Instant,
    inputs: tuple[pl.DataFrame, TicketFacts],
    selected: list[str],
    dims: list[str] | None,
    grain: Grain | None,
    rolling: int | None,
    tz: str | None,
    periods: int,
) -> pl.DataFrame:
    """``GET /api/v1/kpis/values``' table at ``when`` from its inputs (:func:`kpi_inputs` or
    the KPI view's), wherever it is computed (the request, a worker process)."""
    records, facts = inputs
    return evaluate(
        catalog,
        when,
        records=records,
        facts=facts,
        kpis=selected,
        by=dims,
        grain=grain,
        rolling=rolling,
        tz=tz,
        periods=periods,
        zones=calendar_zones(config.calendars),
    )


def kpi_inputs(
    store: Store,
    config: Configuration,
    when: Instant,
    now: Instant,
    custom: list[str],
    customer: str | None,
    *,
    batch: bool | None = None,
) -> tuple[pl.DataFrame, TicketFacts]:
    """The records frame (:func:`accord.core.kpi.frames.records_frame`) at ``when`` and the
    ticket facts, of the tickets ``customer`` sees (``None``: every ticket). ``batch``: force
    the engine (default: the batch engine above :data:`BATCH_TICKETS` tickets)."""
    events = list(store.iter_events())
    frame = events_frame(events, [*policy_fields(config), *custom])
    facts = ticket_facts(frame, config, when, fields=custom)
    if customer is None:
        return _records(events, config, when, None, batch), facts
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_ticket[e.ticket_id].append(e)
    at_as_of = set(
        facts.tickets.filter(pl.col("customer").cast(pl.String) == customer)
        .get_column("ticket_id")
        .to_list()
    )
    own = {
        tid
        for tid in at_as_of
        if tid in by_ticket and summarize(tid, by_ticket[tid], now).customer == customer
    }
    kept = [e for e in events if e.ticket_id in own]
    records = _records(kept, config, when, customer, batch)
    ids = sorted(own)
    facts = TicketFacts(
        tickets=facts.tickets.filter(pl.col("ticket_id").is_in(ids)),
        open_spans=facts.open_spans.filter(pl.col("ticket_id").is_in(ids)),
        as_of=facts.as_of,
    )
    return records, facts


def _use_batch(events: list[Event], batch: bool | None) -> bool:
    if batch is not None:
        return batch
    return len({e.ticket_id for e in events}) > BATCH_TICKETS


def _records(
    events: list[Event],
    config: Configuration,
    when: Instant,
    customer: str | None,
    batch: bool | None,
) -> pl.DataFrame:
    """The records frame of ``events`` at ``when``, only records of ``customer`` if given.
    The internal agreements' records are among them only for a read of every customer (a
    customer's read never computes them; KPIs count them only where a measure names them)."""
    ola = customer is None and bool(config.agreements)
    if not _use_batch(events, batch):
        return records_frame(
            [
                r
                for r in compute(events, config, when, agreements=ola)
                if customer is None or r.customer == customer
            ]
        )
    table = compute_batch(events_to_table(events), config, when, agreements=ola)
    return records_frame_of_table(table, customer)


def contracts_of_files(files: Mapping[str, str]) -> dict[str, ContractSpec]:
    """The contracts of a stored configuration version, checked by the same loader as every
    upload (files written to a temporary directory, as the upload check does)."""
    with tempfile.TemporaryDirectory(prefix="accord-contracts-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        config, contracts, issues = check_config_contracts(root)
    if config is None:
        raise ConfigError(issues)
    return contracts


def customer_data(
    store: Store,
    config: Configuration,
    customer: str,
    as_of: Instant,
    now: Instant,
    fields: list[str],
    *,
    batch: bool | None = None,
) -> tuple[list[MetricRecord], pl.DataFrame]:
    """The clocks of the customer's tickets (those whose current customer it is) recomputed
    at ``as_of`` from their stored events, and the ticket facts (with ``fields``) the
    exclusions read. ``batch``: force the engine (default: the
    batch engine above :data:`BATCH_TICKETS` tickets)."""
    ids: list[str] = []
    after: str | None = None
    while True:
        page = store.find_tickets(TicketQuery(now=now, customer=customer, after=after, limit=_PAGE))
        ids.extend(s.ticket_id for s in page)
        if len(page) < _PAGE:
            break
        after = page[-1].ticket_id
    # the list holds the tickets recomputed at least once: a new ticket waiting for its first
    # recompute is the customer's as soon as its events are stored, as for the KPI values
    waiting = [tid for tid, _ in store.dirty(_WAITING)]
    owners = store.owners_of(waiting) if waiting else {}
    ids = sorted({*ids, *(tid for tid, who in owners.items() if who == customer)})
    records: list[MetricRecord] = []
    events: list[Event] = []
    use_batch = batch if batch is not None else len(ids) > BATCH_TICKETS
    for i in range(0, len(ids), _PAGE):
        for tid, evs in store.events_of(ids[i : i + _PAGE]).items():
            # the store listed the tickets by their current customer; checked again against
            # the events read (a ticket moved away since is not the customer's any more)
            if evs and current_customer(evs) == customer:
                if not use_batch:
                    records.extend(compute_ticket(tid, evs, config, as_of))
                events.extend(evs)
    if use_batch and events:
        records = records_from_table(compute_batch(events_to_table(events), config, as_of))
    frame = events_frame(events, [*policy_fields(config), *fields])
    return records, ticket_facts(frame, config, as_of, fields=fields).tickets
