"""Checks of the ``alerts:`` and ``channels:`` sections across files, run by the loader.

Each rule and channel is validated on its own through the loader's validation (schema problems
carry file and line), then its references are checked against every name that is *defined*:
channels, calendars (``quiet_hours`` and a ``no_data`` rule's ``calendar``), metrics, KPIs,
contracts and their objectives. Every problem is reported at its own line, so a configuration
with several mistakes shows all of them at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from accord.core.alerts.models import CHANNEL_MODELS, CHANNEL_TYPES, AlertRule, Channel
from accord.core.config.yamlsrc import YamlPath, YamlSource
from accord.core.kpi.check import Report

M = TypeVar("M")


class Validate(Protocol):
    def __call__(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None: ...


@dataclass
class AlertItem:
    """One entry of an ``alerts:`` or ``channels:`` section, as written."""

    src: YamlSource
    path: YamlPath
    name: str
    raw: Any


@dataclass(frozen=True)
class AlertConfig:
    """The valid rules and channels by name."""

    rules: Mapping[str, AlertRule] = field(default_factory=dict)
    channels: Mapping[str, Channel] = field(default_factory=dict)


def check_alerts(
    rules: Sequence[AlertItem],
    channels: Sequence[AlertItem],
    *,
    validate: Validate,
    report: Report,
    calendars: Collection[str],
    metrics: Collection[str],
    kpis: Collection[str],
    contracts: Mapping[str, Collection[str]],
    incomplete: bool = False,
) -> AlertConfig:
    """The valid rules and channels.

    ``contracts`` maps every defined contract to its objectives' names; ``incomplete`` (a file
    could not be read) silences the reference checks, since that file might define the names.
    """
    good_channels: dict[str, Channel] = {}
    channel_defs: dict[str, AlertItem] = {}
    for item in channels:
        if _twice(item, channel_defs, "channel", report):
            continue
        got = _channel(item, validate, report)
        if got is not None:
            good_channels[item.name] = got

    good_rules: dict[str, AlertRule] = {}
    rule_defs: dict[str, AlertItem] = {}
    for item in rules:
        if _twice(item, rule_defs, "alert rule", report):
            continue
        rule = validate(AlertRule, {} if item.raw is None else item.raw, item.src, item.path)
        raw = item.raw if isinstance(item.raw, Mapping) else {}
        refs = _Refs(item, raw, report, incomplete)
        refs.names("channels", channel_defs, "channel", "define it under a 'channels:' section")
        refs.one("quiet_hours", calendars, "calendar", "define it under a 'calendars:' section")
        refs.one("calendar", calendars, "calendar", "define it under a 'calendars:' section")
        refs.names("metrics", metrics, "metric", "")
        refs.one("kpi", kpis, "KPI", "define it under a 'kpis:' section")
        refs.one("contract", contracts, "contract", "define it under a 'contracts:' section")
        contract = raw.get("contract")
        if isinstance(contract, str) and contract in contracts:
            refs.one(
                "objective", contracts[contract], "objective", "", f" of contract '{contract}'"
            )
        if rule is not None and not refs.failed:
            good_rules[item.name] = rule
    return AlertConfig(good_rules, good_channels)


def _twice(item: AlertItem, seen: dict[str, AlertItem], what: str, report: Report) -> bool:
    first = seen.get(item.name)
    if first is None:
        seen[item.name] = item
        return False
    line = first.src.nearest_line(first.path)
    where = f"{first.src.file}:{line}" if line is not None else first.src.file
    report(
        item.src,
        item.path,
        f"{what} '{item.name}' is defined twice (first at {where})",
        "give one of them another name, or remove one",
    )
    return True


def _channel(item: AlertItem, validate: Validate, report: Report) -> Channel | None:
    # the 'type' picks the schema: checking it first gives one clear message instead of one
    # complaint per kind of channel
    raw = item.raw
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    model = CHANNEL_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        where = (*item.path, "type") if isinstance(raw, Mapping) and "type" in raw else item.path
        said = f"'{kind}' is not a channel type" if kind is not None else "a channel needs 'type'"
        report(item.src, where, said, "the channel types are " + ", ".join(CHANNEL_TYPES))
        return None
    got: Channel | None = validate(model, raw, item.src, item.path)
    return got


class _Refs:
    """The reference checks of one rule, each reported at the key that names the unknown."""

    def __init__(
        self, item: AlertItem, raw: Mapping[Any, Any], report: Report, incomplete: bool
    ) -> None:
        self.item, self.raw, self._report, self.incomplete = item, raw, report, incomplete
        self.failed = False

    def one(self, key: str, known: Collection[str], what: str, fallback: str, of: str = "") -> None:
        value = self.raw.get(key)
        if isinstance(value, str):
            self._check(value, (*self.item.path, key), known, what, fallback, of)

    def names(self, key: str, known: Collection[str], what: str, fallback: str) -> None:
        value = self.raw.get(key)
        if isinstance(value, str):
            self._check(value, (*self.item.path, key), known, what, fallback)
        elif isinstance(value, list):
            for n, name in enumerate(value):
                if isinstance(name, str):
                    self._check(name, (*self.item.path, key, n), known, what, fallback)

    def _check(
        self,
        name: str,
        path: YamlPath,
        known: Collection[str],
        what: str,
        fallback: str,
        of: str = "",
    ) -> None:
        if name in known or self.incomplete:
            return
        self.failed = True
        choices = sorted(known)
        rest = f"the {what}s{of} are " + ", ".join(choices) if choices else fallback
        hint = _did_you_mean(name, choices, rest)
        self._report(self.item.src, path, f"unknown {what} '{name}'{of}", hint)


def _did_you_mean(word: str, choices: Iterable[str], fallback: str) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback
