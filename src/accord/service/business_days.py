"""Each calendar's business day, for the clocks and KPIs the API sends: the dashboard reads a
business duration in business days of its calendar ("3 business days 3 h" on a 9-hour
calendar; ``None``: plain, see :mod:`accord.core.business_day`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from accord.core.business_day import business_day_seconds
from accord.core.config.models import CalendarSpec
from accord.core.config.resolved import Configuration
from accord.core.kpi.models import ColumnTest, KpiSpec
from accord.core.timeutil import Instant, from_instant, zone

# the record columns that hold business time of the clock's calendar; other durations
# (calendar_elapsed) are wall-clock time
BUSINESS_COLUMNS = frozenset(
    {"target", "business_elapsed", "paused_business", "breached_by", "remaining"}
)


def _spec(calendar: object) -> CalendarSpec | None:
    spec = getattr(calendar, "spec", None)
    return spec if isinstance(spec, CalendarSpec) else None


class BusinessDays:
    """The business day of each calendar of ``config`` on the local date of ``at`` in that
    calendar's zone (the hours in force then), looked up by the calendar's name."""

    def __init__(self, config: Configuration | None, at: Instant) -> None:
        self.config = config
        self._calendars: Mapping[str, object] = config.calendars if config is not None else {}
        self._at = at
        self._seen: dict[str, int | None] = {}

    def of(self, calendar: str | None) -> int | None:
        """Seconds of ``calendar``'s business day; ``None``: plain durations (around the
        clock, never open, or a calendar the configuration in force does not hold)."""
        if calendar is None:
            return None
        if calendar not in self._seen:
            spec = _spec(self._calendars.get(calendar))
            self._seen[calendar] = (
                None if spec is None else business_day_seconds(spec, self._local_date(spec))
            )
        return self._seen[calendar]

    def _local_date(self, spec: CalendarSpec) -> date:
        return from_instant(self._at).astimezone(zone(spec.tz)).date()

    def common(self, calendars: Iterable[str | None]) -> int | None:
        """The business day shared by all of ``calendars``; ``None`` when they differ (a
        figure over clocks of 8- and 10-hour calendars has no one business day), when any is
        plain, or when there are none."""
        lengths = {self.of(c) for c in calendars}
        return lengths.pop() if len(lengths) == 1 else None


def _named(test: ColumnTest | None) -> set[str] | None:
    """The values a ``where`` test on a text column lets through at most (``None``: it does
    not name them)."""
    if test is None:
        return None
    if test.eq is not None:
        return {str(test.eq)}
    if test.in_ is not None:
        return {str(x) for x in test.in_}
    return None


def kpi_calendars(spec: KpiSpec, config: Configuration) -> set[str] | None:
    """The calendars whose clocks a KPI's value measures in business time: those of the policy
    versions (and agreements) that run its metrics, narrowed by a ``where`` on ``calendar``
    or ``policy``. ``None``: the KPI's value is not business time of clocks."""
    m = spec.measure
    if m is None or m.over != "records" or m.of not in BUSINESS_COLUMNS:
        return None
    metrics = set(m.metric) if m.metric else None
    policies = _named(m.where.get("policy"))
    found: set[str] = set()
    for p in config.policies:
        if policies is not None and p.name not in policies:
            continue
        for v in p.versions:
            if metrics is None or metrics & set(v.metrics):
                found.add(v.calendar)
    if policies is None:
        for a in config.agreements:
            if metrics is None or a.metric in metrics:
                found.add(a.calendar)
    only = _named(m.where.get("calendar"))
    return found & only if only is not None else found
