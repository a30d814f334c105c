"""The configuration as the engines use it: calendars built, policy versions resolved to
instants, status names mapped. Built by :func:`accord.core.config.loader.load_config` (from
files) or :func:`accord.core.config.loader.build_config` (from Python mappings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accord.core.config.models import (
    FieldTest,
    MetricSpec,
    MetricTargets,
    PolicySpec,
    PriorityChangeRule,
    ReopenRule,
    Settings,
    Warnings,
)
from accord.core.events import FieldValue, StatusCategory
from accord.core.timeutil import Instant
from accord.errors import ConfigIssue

if TYPE_CHECKING:  # the agreements' module builds on this one
    from accord.core.agreements.models import Agreement


def test_field(test: FieldTest, value: FieldValue, *, is_tags: bool) -> bool:
    """Whether one field value passes one :class:`FieldTest`."""
    if test.exists is not None and (value is not None and value != ()) != test.exists:
        return False
    if is_tags or isinstance(value, tuple):
        tags = set(value) if isinstance(value, tuple) else ({str(value)} if value else set())
        if test.eq is not None and str(test.eq) not in tags:
            return False
        if test.ne is not None and str(test.ne) in tags:
            return False
        if test.in_ is not None and not tags & {str(x) for x in test.in_}:
            return False
        if test.not_in is not None and tags & {str(x) for x in test.not_in}:
            return False
        if test.any is not None and not tags & set(test.any):
            return False
        if test.all is not None and not set(test.all) <= tags:
            return False
        return not (test.none is not None and tags & set(test.none))
    if test.eq is not None and not _same(value, test.eq):
        return False
    if test.ne is not None and _same(value, test.ne):
        return False
    if test.in_ is not None and not any(_same(value, x) for x in test.in_):
        return False
    if test.not_in is not None and any(_same(value, x) for x in test.not_in):
        return False
    # any / all / none are tag operators; on a scalar they test membership of the one value
    if test.any is not None and not any(_same(value, x) for x in test.any):
        return False
    if test.all is not None and not all(_same(value, x) for x in test.all):
        return False
    return not (test.none is not None and any(_same(value, x) for x in test.none))


def _same(value: FieldValue, expected: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool) or isinstance(expected, bool):
        return value == expected
    return str(value) == str(expected)


@dataclass(frozen=True, slots=True)
class PolicyVersionResolved:
    """Everything a policy says from ``effective_from`` on (``None``: from the beginning)."""

    number: int  # 1 for the base version
    effective_from: Instant | None
    calendar: str
    pause: tuple[StatusCategory, ...]
    reopen: ReopenRule
    priority_change: PriorityChangeRule
    warnings: Warnings
    metrics: Mapping[str, MetricTargets]

    def pause_set(self, metric: str) -> frozenset[StatusCategory]:
        m = self.metrics.get(metric)
        if m is not None and m.pause is not None:
            return frozenset(m.pause)
        return frozenset(self.pause)

    def reopen_rule(self, metric: str) -> ReopenRule:
        m = self.metrics.get(metric)
        return m.reopen if m is not None and m.reopen is not None else self.reopen

    def priority_change_rule(self, metric: str) -> PriorityChangeRule:
        m = self.metrics.get(metric)
        if m is not None and m.priority_change is not None:
            return m.priority_change
        return self.priority_change

    def warnings_for(self, metric: str) -> Warnings:
        m = self.metrics.get(metric)
        return m.warnings if m is not None and m.warnings is not None else self.warnings

    def target(self, metric: str, priority: str | None) -> int | None:
        m = self.metrics.get(metric)
        return m.target_for(priority) if m is not None else None


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    index: int  # position in the ordered list (0 = tried first)
    when: Mapping[str, FieldTest]
    versions: Sequence[PolicyVersionResolved]  # sorted by effective_from, base first
    spec: PolicySpec | None = None

    def matches(self, fields: Mapping[str, FieldValue]) -> bool:
        return all(
            test_field(t, fields.get(name), is_tags=(name == "tags"))
            for name, t in self.when.items()
        )

    def version_at(self, t: Instant) -> PolicyVersionResolved:
        chosen = self.versions[0]
        for v in self.versions[1:]:
            if v.effective_from is not None and v.effective_from <= t:
                chosen = v
            else:
                break
        return chosen


CANONICAL_STATUSES: Mapping[str, StatusCategory] = {c.value: c for c in StatusCategory}


@dataclass(frozen=True)
class Configuration:
    """A validated configuration. ``calendars`` holds built :class:`BusinessCalendar` objects."""

    calendars: Mapping[str, object]  # name -> accord.core.calendar.BusinessCalendar
    policies: Sequence[Policy]
    statuses: Mapping[str, StatusCategory] = field(default_factory=dict)  # casefolded names
    metrics: Mapping[str, MetricSpec] = field(default_factory=dict)  # custom metrics
    settings: Settings = field(default_factory=Settings)
    # internal agreements (OLAs), in the order written; the engines run them when asked
    agreements: Sequence[Agreement] = ()
    # the warnings found while loading (errors prevent a Configuration from being built)
    issues: Sequence[ConfigIssue] = ()

    def status_category(self, name: object) -> StatusCategory | None:
        """The category of a source status name (case-insensitive), or ``None`` if unmapped."""
        if isinstance(name, StatusCategory):
            return name
        key = str(name).strip().casefold()
        got = self.statuses.get(key)
        if got is not None:
            return got
        return CANONICAL_STATUSES.get(key)

    def select_policy(self, fields: Mapping[str, FieldValue]) -> Policy | None:
        """The first policy in order whose conditions match ``fields``."""
        for p in self.policies:
            if p.matches(fields):
                return p
        return None

    def metric_names(self) -> list[str]:
        """Every metric any policy version names, in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.policies:
            for v in p.versions:
                for m in v.metrics:
                    seen.setdefault(m, None)
        return list(seen)
