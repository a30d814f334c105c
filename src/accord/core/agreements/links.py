"""Which internal clocks lie under a customer clock: the links of ``underpins``.

An agreement that underpins an SLA metric (``underpins: resolution``) links each of its
cycles to every cycle of that metric on the same ticket that it overlaps in time: the two
spans ``[start, end)`` (end: the stop, or ``as_of`` while open) share some time. A breached
SLA cycle's links then say which internal clocks breached inside it (the links whose
``state`` is ``breached``, with the instant each breached) and which were met.

The links are computed from records, whichever engine produced them (the two are equal), so
they are one definition for both. They are internal, as the agreements' records are: never
shown to a customer. The SLA record itself carries nothing about them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accord.core.agreements.models import Agreement
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["AgreementLink", "links_table", "underpinned"]


@dataclass(frozen=True, slots=True)
class AgreementLink:
    """One agreement cycle under one SLA cycle."""

    ticket_id: str
    metric: str  # the SLA metric
    cycle: int
    agreement: str  # the agreement's metric, ola:<name>
    agreement_cycle: int
    state: State  # the agreement cycle's
    breached_at: Instant | None  # when the agreement cycle breached, if it did


def underpinned(
    records: Iterable[MetricRecord], agreements: Sequence[Agreement]
) -> list[AgreementLink]:
    """The links between ``records`` (SLA and agreement records of the same computation):
    ordered by ticket, SLA metric, SLA cycle, then the agreements' order and cycle."""
    under: dict[str, list[str]] = defaultdict(list)  # SLA metric -> agreement metrics
    for ag in agreements:
        if ag.underpins is not None:
            under[ag.underpins].append(ag.metric)
    if not under:
        return []
    by_ticket: dict[str, dict[str, list[MetricRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        by_ticket[r.ticket_id][r.metric].append(r)
    out: list[AgreementLink] = []
    for ticket_id in sorted(by_ticket):
        mine = by_ticket[ticket_id]
        for metric, agreement_metrics in under.items():
            for sla in sorted(mine.get(metric, ()), key=lambda r: r.cycle):
                for name in agreement_metrics:
                    for ola in sorted(mine.get(name, ()), key=lambda r: r.cycle):
                        if _overlap(sla, ola):
                            out.append(
                                AgreementLink(
                                    ticket_id,
                                    metric,
                                    sla.cycle,
                                    name,
                                    ola.cycle,
                                    ola.state,
                                    ola.breached_at,
                                )
                            )
    return out


def _end(r: MetricRecord) -> Instant:
    return r.stop if r.stop is not None else r.as_of


def _overlap(a: MetricRecord, b: MetricRecord) -> bool:
    return max(a.start, b.start) < min(_end(a), _end(b))


def links_table(links: Sequence[AgreementLink]) -> pa.Table:
    """The links as an Arrow table (instants as ``timestamp[s, UTC]``)."""
    import pyarrow as pa

    return pa.table(
        {
            "ticket_id": pa.array([x.ticket_id for x in links], pa.string()),
            "metric": pa.array([x.metric for x in links], pa.string()),
            "cycle": pa.array([x.cycle for x in links], pa.int32()),
            "agreement": pa.array([x.agreement for x in links], pa.string()),
            "agreement_cycle": pa.array([x.agreement_cycle for x in links], pa.int32()),
            "state": pa.array([x.state.value for x in links], pa.string()),
            "breached_at": pa.array([x.breached_at for x in links], pa.timestamp("s", tz="UTC")),
        }
    )
