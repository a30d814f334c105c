"""Which clocks a read shows: the SLA clocks, or the internal agreements' (OLAs).

Internal records (metric ``ola:<name>``) are for the teams, never for customers: a token
bound to a customer never sees one, on any route. A read by any other token shows the SLA
clocks unless it asks for the agreements' (``clocks=agreements``, or a ``metric`` filter
naming one, ``ola:<name>``); the two are never mixed in one answer, so that an SLA figure
never counts an internal clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from fastapi import Query

from accord.core.agreements.models import is_internal
from accord.core.kpi.check import dependencies
from accord.core.kpi.models import KpiSpec
from accord.service.auth import Principal

Clocks = Literal["sla", "agreements"]

CLOCKS_QUERY = Query(
    None,
    description="sla (default): the customer SLA clocks; agreements: the internal agreements' "
    "clocks (metric ola:<name>), never shown to a customer-scoped token",
)


def internal_read(principal: Principal, clocks: Clocks | None, metric: str | None) -> bool | None:
    """``True``: the read shows the agreements' clocks; ``False``: the SLA clocks; ``None``:
    nothing, for it asks a customer-scoped token's read for internal clocks (answered as
    empty, as a filter on another customer is)."""
    internal = clocks == "agreements" or (metric is not None and is_internal(metric))
    if internal and principal.customer is not None:
        return None
    return internal


def internal_kpi(catalog: Mapping[str, KpiSpec], name: str) -> bool:
    """Whether KPI ``name`` measures an internal agreement's clocks, itself or through the
    KPIs its expression names: such a KPI is the teams', hidden from customer-scoped tokens."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        spec = catalog.get(n)
        if n in seen or spec is None:
            continue
        seen.add(n)
        measures = [spec.measure] if spec.measure is not None else []
        if spec.ratio is not None:
            measures += [spec.ratio.numerator, spec.ratio.denominator]
        if any(is_internal(x) for m in measures for x in (m.metric or ())):
            return True
        todo.extend(dependencies(spec))
    return False


def visible_catalog(catalog: Mapping[str, KpiSpec], principal: Principal) -> dict[str, KpiSpec]:
    """The KPIs ``principal`` may read: all of them, but the internal ones for a
    customer-scoped token."""
    if principal.customer is None:
        return dict(catalog)
    return {n: s for n, s in catalog.items() if not internal_kpi(catalog, n)}
