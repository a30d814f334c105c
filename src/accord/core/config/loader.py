"""Load, check and resolve Accord's configuration, collecting every problem with file and line.

Entry points:

- :func:`load_config` reads a directory (every ``*.yaml`` / ``*.yml`` in it, sorted by file
  name; hidden files are skipped) or one file, and returns a :class:`Configuration` or raises
  :class:`~accord.errors.ConfigError` carrying *all* the problems found;
- :func:`check_config` does the same without raising (``accord check``);
- :func:`build_config` / :func:`check_data` do it for an in-memory mapping.

Warnings never block loading; they are kept on ``Configuration.issues``.

Every top-level section may appear in any file. ``calendars``, ``statuses``, ``metrics``,
``kpis``, ``contracts``, ``alerts`` and ``channels`` merge across files (a name defined twice is
an error); ``policies`` and ``settings`` must each live in one file, because the order of
policies decides which one applies.

Each calendar, policy, status entry and custom metric is validated on its own, so one broken
item does not hide the problems of the others; the cross-references (a policy's calendar and
metrics) are then checked against every name that is *defined*, valid or not, so that a
broken calendar is reported once rather than again by each policy that uses it.

Policy versions: ``effective_from`` is an ISO instant with a UTC offset, or a date, meaning
00:00 UTC of that date. Versions must be listed in strictly increasing order. They are
cumulative: version *N* is the base policy with the keys given in versions 1..N-1 replacing
earlier values entirely (``metrics`` is replaced as a whole, not merged); a key written as
``null`` counts as not given. The base is number 1.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from accord.core.alerts.check import AlertConfig, AlertItem, check_alerts
from accord.core.config.analysis import PolicyLocation, analyze_policies
from accord.core.config.models import (
    BUILTIN_METRICS,
    CalendarSpec,
    ConfigDocument,
    MetricSpec,
    MetricTargets,
    PolicySpec,
    PolicyVersion,
    Settings,
)
from accord.core.config.resolved import Configuration, Policy, PolicyVersionResolved
from accord.core.config.yamlsrc import YamlPath, YamlSource, dotted, parse_yaml
from accord.core.contracts.check import ContractItem, check_contracts
from accord.core.contracts.models import ContractSpec
from accord.core.events import STANDARD_FIELDS, StatusCategory
from accord.core.kpi.check import KpiItem, check_kpis
from accord.core.kpi.models import KpiSpec
from accord.core.timeutil import Instant, to_instant
from accord.errors import ConfigError, ConfigIssue

__all__ = [
    "SECTIONS",
    "build_config",
    "check_config",
    "check_config_alerts",
    "check_config_contracts",
    "check_config_kpis",
    "check_data",
    "check_data_alerts",
    "check_data_contracts",
    "check_data_kpis",
    "check_sources",
    "effective_instant",
    "load_config",
    "read_sources",
]

SECTIONS: tuple[str, ...] = tuple(ConfigDocument.model_fields)

_CATEGORIES = tuple(c.value for c in StatusCategory)
_DURATION_HINT = "write durations like '90m', '8h', '1h30m' (or a whole number of seconds)"
_CATEGORY_HINT = "the status categories are " + ", ".join(_CATEGORIES)
_EFFECTIVE_HINT = (
    "write a date such as 2026-06-01 (meaning 00:00 UTC) or an instant with an offset "
    "such as 2026-06-01T08:00:00+02:00"
)
_VERSION_KEYS = tuple(k for k in PolicyVersion.model_fields if k != "effective_from")
_METRIC_OPTIONS = tuple(k for k in MetricTargets.model_fields if k != "targets")

M = TypeVar("M")


# ---------------------------------------------------------------- public API


def load_config(path: str | Path) -> Configuration:
    """Load the configuration in ``path`` (a directory or one YAML file).

    Raises :class:`ConfigError` with every problem found when any of them is an error.
    """
    config, issues = check_config(path)
    if config is None:
        raise ConfigError(issues)
    return config


def check_config(path: str | Path) -> tuple[Configuration | None, list[ConfigIssue]]:
    """Check ``path`` like :func:`load_config` without raising.

    Returns the configuration (``None`` when there is any error) and every issue, errors and
    warnings, ordered by file and line.
    """
    _, config, issues = _check_path(path)
    return config, issues


def _check_path(path: str | Path) -> tuple[_Checker, Configuration | None, list[ConfigIssue]]:
    """Check every file of ``path``; the checker also holds the KPI, contract and alert
    sections for the ``check_config_*`` accessors."""
    sources, read_issues = _read_sources(Path(path))
    checker = _Checker(sources, str(path), read_issues)
    config, issues = checker.run()
    return checker, config, issues


def _check_mapping(
    data: Mapping[str, Any], source: str
) -> tuple[_Checker, Configuration | None, list[ConfigIssue]]:
    """:func:`_check_path` for an in-memory mapping shaped like one YAML file."""
    payload: Any = dict(data) if isinstance(data, Mapping) else data
    checker = _Checker([YamlSource(source, payload)], source, [])
    config, issues = checker.run()
    return checker, config, issues


def check_config_kpis(
    path: str | Path,
) -> tuple[Configuration | None, dict[str, KpiSpec], list[ConfigIssue]]:
    """:func:`check_config`, and the KPI catalog: the built-in KPIs with the ``kpis:``
    section applied (see :mod:`accord.core.kpi.check`)."""
    checker, config, issues = _check_path(path)
    return config, checker.kpis, issues


def check_data_kpis(
    data: Mapping[str, Any], source: str = "<dict>"
) -> tuple[Configuration | None, dict[str, KpiSpec], list[ConfigIssue]]:
    """:func:`check_config_kpis` for an in-memory mapping."""
    checker, config, issues = _check_mapping(data, source)
    return config, checker.kpis, issues


def check_config_contracts(
    path: str | Path,
) -> tuple[Configuration | None, dict[str, ContractSpec], list[ConfigIssue]]:
    """:func:`check_config`, and the valid contracts of the ``contracts:`` section by name
    (see :mod:`accord.core.contracts.check`)."""
    checker, config, issues = _check_path(path)
    return config, checker.contracts, issues


def check_data_contracts(
    data: Mapping[str, Any], source: str = "<dict>"
) -> tuple[Configuration | None, dict[str, ContractSpec], list[ConfigIssue]]:
    """:func:`check_config_contracts` for an in-memory mapping."""
    checker, config, issues = _check_mapping(data, source)
    return config, checker.contracts, issues


def check_config_alerts(
    path: str | Path,
) -> tuple[Configuration | None, AlertConfig, list[ConfigIssue]]:
    """:func:`check_config`, and the valid rules and channels of the ``alerts:`` and
    ``channels:`` sections (see :mod:`accord.core.alerts.check`)."""
    checker, config, issues = _check_path(path)
    return config, checker.alerts, issues


def check_data_alerts(
    data: Mapping[str, Any], source: str = "<dict>"
) -> tuple[Configuration | None, AlertConfig, list[ConfigIssue]]:
    """:func:`check_config_alerts` for an in-memory mapping."""
    checker, config, issues = _check_mapping(data, source)
    return config, checker.alerts, issues


def build_config(data: Mapping[str, Any], source: str = "<dict>") -> Configuration:
    """Build a configuration from an in-memory mapping shaped like one YAML file.

    Raises :class:`ConfigError` with every problem found; issues name ``source`` as their file
    and have no line.
    """
    config, issues = check_data(data, source)
    if config is None:
        raise ConfigError(issues)
    return config


def check_data(
    data: Mapping[str, Any], source: str = "<dict>"
) -> tuple[Configuration | None, list[ConfigIssue]]:
    """:func:`build_config` without raising (see :func:`check_config`)."""
    _, config, issues = _check_mapping(data, source)
    return config, issues


def read_sources(path: str | Path) -> tuple[list[YamlSource], list[ConfigIssue]]:
    """The parsed YAML files of ``path`` (a directory or one file), in the order the loader
    reads them, and the problems of the files it could not read."""
    return _read_sources(Path(path))


def check_sources(
    sources: list[YamlSource], origin: str, issues: Iterable[ConfigIssue] = ()
) -> tuple[Configuration | None, dict[str, ContractSpec], list[ConfigIssue]]:
    """:func:`check_config_contracts` for sources already parsed (and perhaps changed since,
    as a what-if candidate is): ``origin`` names the whole configuration in issues that have
    no file; ``issues`` are problems found before (files that could not be read)."""
    checker = _Checker(list(sources), origin, list(issues))
    config, found = checker.run()
    return config, checker.contracts, found


def effective_instant(value: object) -> Instant:
    """A policy version's ``effective_from`` as an instant.

    A date (``datetime.date`` or ISO text ``2026-06-01``) means 00:00 UTC of that date; an
    instant must carry a UTC offset. Raises ``ValueError`` otherwise.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"'{value.isoformat()}' has no UTC offset; add one such as 'Z'")
        return to_instant(value)
    if isinstance(value, date):
        return to_instant(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, str):
        text = value.strip()
        try:
            return effective_instant(date.fromisoformat(text))
        except ValueError:
            pass
        try:
            dt = datetime.fromisoformat(text)  # reads 'Z' too (Python 3.11+)
        except ValueError:
            raise ValueError(f"'{value}' is neither a date nor an ISO 8601 instant") from None
        return effective_instant(dt)
    raise ValueError(f"expected a date or an instant, got {type(value).__name__} {value!r}")


# ---------------------------------------------------------------- reading files


def _read_sources(path: Path) -> tuple[list[YamlSource], list[ConfigIssue]]:
    if path.is_dir():
        files = sorted(
            (
                f
                for f in path.iterdir()
                # hidden files are editor swap files and the like, never configuration
                if f.is_file()
                and f.suffix.lower() in (".yaml", ".yml")
                and not f.name.startswith(".")
            ),
            key=lambda f: f.name,
        )
        if not files:
            hint = "put the configuration in files ending in .yaml or .yml"
            return [], [ConfigIssue(str(path), None, "no YAML files in this directory", hint)]
    elif path.is_file():
        files = [path]
    else:
        hint = "pass a configuration directory or a .yaml file"
        return [], [ConfigIssue(str(path), None, "no such file or directory", hint)]
    sources: list[YamlSource] = []
    issues: list[ConfigIssue] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            issues.append(
                ConfigIssue(str(f), None, f"not UTF-8 text ({exc.reason})", "save it as UTF-8")
            )
            continue
        except OSError as exc:
            issues.append(ConfigIssue(str(f), None, f"cannot read the file: {exc.strerror}"))
            continue
        sources.append(parse_yaml(text, str(f)))
    return sources, issues


# ---------------------------------------------------------------- checking


@dataclass
class _Def:
    """Where a name is defined: for 'first defined at' messages."""

    src: YamlSource
    path: YamlPath

    def where(self) -> str:
        line = self.src.nearest_line(self.path)
        return f"{self.src.file}:{line}" if line is not None else self.src.file


@dataclass
class _PolicyItem:
    src: YamlSource
    path: YamlPath
    raw: Mapping[Any, Any]
    spec: PolicySpec | None
    effective: list[Instant] = field(default_factory=list)  # one per version, when all resolve


class _Checker:
    """One pass over every source: schema per item, then the cross-file semantic checks."""

    def __init__(self, sources: list[YamlSource], origin: str, issues: list[ConfigIssue]):
        self.sources = sources
        self.origin = origin  # names the whole configuration in issues that have no file
        self.issues: list[ConfigIssue] = list(issues)
        for src in sources:
            self.issues.extend(src.issues)
        # a file that could not be read or parsed may define the calendars, metrics and policies
        # that look missing: then those checks would only add false alarms
        self.incomplete = bool(issues) or any(s.data is None and not s.ok for s in sources)
        self.calendar_defs: dict[str, _Def] = {}
        self.calendars: dict[str, CalendarSpec] = {}
        self.status_defs: dict[str, tuple[_Def, StatusCategory | None]] = {}
        self.metric_defs: dict[str, _Def] = {}
        self.metrics: dict[str, MetricSpec] = {}
        self.settings_def: _Def | None = None
        self.settings: Settings = Settings()
        self.policies_def: _Def | None = None
        self.policy_items: list[_PolicyItem] = []
        self.policies_count = 0  # items written, valid or not
        self.kpi_items: list[KpiItem] = []
        self.kpis: dict[str, KpiSpec] = {}
        self.contract_items: list[ContractItem] = []
        self.contracts: dict[str, ContractSpec] = {}
        self.alert_items: list[AlertItem] = []
        self.channel_items: list[AlertItem] = []
        self.alerts = AlertConfig()
        self._adapters: dict[Any, TypeAdapter[Any]] = {}

    # ---- issues

    def report(
        self,
        src: YamlSource,
        path: YamlPath,
        message: str,
        hint: str = "",
        severity: str = "error",
    ) -> None:
        line = src.nearest_line(path)
        self.issues.append(ConfigIssue(src.file, line, message, hint, severity, dotted(path)))

    def run(self) -> tuple[Configuration | None, list[ConfigIssue]]:
        for src in self.sources:
            self._document(src)
        self._check_policies()
        self._check_kpis()
        self._check_contracts()
        self._check_alerts()
        config = None if self._has_errors() else self._build()
        issues = self._ordered()
        if config is None:
            return None, issues
        return dataclasses.replace(config, issues=tuple(issues)), issues

    def _has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def _ordered(self) -> list[ConfigIssue]:
        """Unique issues by file (in load order), then line; file-less ones last."""
        order = {src.file: n for n, src in enumerate(self.sources)}
        unique = list(dict.fromkeys(self.issues))
        return sorted(
            unique, key=lambda i: (order.get(i.file, len(order)), i.line if i.line else 0)
        )

    # ---- sections

    def _document(self, src: YamlSource) -> None:
        data = src.data
        if data is None:  # empty file, or unreadable YAML (already reported)
            return
        if not isinstance(data, Mapping):
            self.report(
                src,
                (),
                f"a configuration file must be a mapping of sections, not a {_kind(data)}",
                "start the file with a section such as 'calendars:' or 'policies:'; sections: "
                + ", ".join(SECTIONS),
            )
            return
        for key, value in data.items():
            if key == "calendars":
                self._calendars(src, value)
            elif key == "policies":
                self._policies(src, value)
            elif key == "statuses":
                self._statuses(src, value)
            elif key == "metrics":
                self._metrics(src, value)
            elif key == "settings":
                self._settings(src, value)
            elif key == "kpis":
                for raw, spec in self._mapping(src, "kpis", value, "name -> KPI").items():
                    name = self._name(src, ("kpis", raw), raw, "KPI")
                    if name is not None:
                        self.kpi_items.append(KpiItem(src, ("kpis", raw), name, spec))
            elif key == "contracts":
                mapping = self._mapping(src, "contracts", value, "name -> contract")
                for raw, spec in mapping.items():
                    name = self._name(src, ("contracts", raw), raw, "contract")
                    if name is not None:
                        self.contract_items.append(
                            ContractItem(src, ("contracts", raw), name, spec)
                        )
            elif key in ("alerts", "channels"):
                items = self.alert_items if key == "alerts" else self.channel_items
                what = "alert rule" if key == "alerts" else "channel"
                for raw, spec in self._mapping(src, key, value, f"name -> {what}").items():
                    name = self._name(src, (key, raw), raw, what)
                    if name is not None:
                        items.append(AlertItem(src, (key, raw), name, spec))
            else:
                self.report(
                    src,
                    (key,),
                    f"unknown section '{key}'",
                    _did_you_mean(key, SECTIONS, "the sections are " + ", ".join(SECTIONS)),
                )

    def _mapping(self, src: YamlSource, section: str, value: Any, what: str) -> Mapping[Any, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.report(src, (section,), f"'{section}' must be a mapping of {what}")
            return {}
        return value

    def _name(self, src: YamlSource, path: YamlPath, name: object, what: str) -> str | None:
        if isinstance(name, str) and name.strip():
            return name
        self.report(src, path, f"{_show(name)} is not a valid {what} name", "use a non-empty text")
        return None

    def _calendars(self, src: YamlSource, value: Any) -> None:
        for raw, spec in self._mapping(src, "calendars", value, "name -> calendar").items():
            path: YamlPath = ("calendars", raw)
            name = self._name(src, path, raw, "calendar")
            if name is None:
                continue
            first = self.calendar_defs.get(name)
            if first is not None:
                self.report(
                    src,
                    path,
                    f"calendar '{name}' is defined twice (first at {first.where()})",
                    "give one of them another name, or remove one",
                )
            else:
                self.calendar_defs[name] = _Def(src, path)
            got = self._validate(CalendarSpec, spec, src, path)
            if got is not None and first is None:
                self.calendars[name] = got

    def _statuses(self, src: YamlSource, value: Any) -> None:
        mapping = self._mapping(src, "statuses", value, "status name -> category")
        for raw, category in mapping.items():
            path: YamlPath = ("statuses", raw)
            key = str(raw).strip().casefold()  # numeric ids (2: open) are names too
            if not key or raw is None:
                self.report(src, path, "a status name cannot be empty")
                continue
            got = self._validate(StatusCategory, category, src, path)
            prev = self.status_defs.get(key)
            if prev is None:
                self.status_defs[key] = (_Def(src, path), got)
            elif got is not None and prev[1] is not None and prev[1] != got:
                self.report(
                    src,
                    path,
                    f"status '{raw}' is mapped to '{got}' here and to '{prev[1]}' at "
                    f"{prev[0].where()}",
                    "status names are compared ignoring case and surrounding spaces; "
                    "keep one mapping",
                )

    def _metrics(self, src: YamlSource, value: Any) -> None:
        for raw, spec in self._mapping(src, "metrics", value, "name -> metric").items():
            path: YamlPath = ("metrics", raw)
            name = self._name(src, path, raw, "metric")
            if name is None:
                continue
            first = self.metric_defs.get(name)
            if name in BUILTIN_METRICS:
                self.report(
                    src,
                    path,
                    f"custom metric '{name}' has the name of a built-in metric",
                    "choose another name; the built-in metrics are " + ", ".join(BUILTIN_METRICS),
                )
            elif first is not None:
                self.report(
                    src,
                    path,
                    f"custom metric '{name}' is defined twice (first at {first.where()})",
                    "give one of them another name, or remove one",
                )
            else:
                self.metric_defs[name] = _Def(src, path)
            got = self._validate(MetricSpec, spec, src, path)
            if got is not None and first is None and name not in BUILTIN_METRICS:
                self.metrics[name] = got

    def _settings(self, src: YamlSource, value: Any) -> None:
        path: YamlPath = ("settings",)
        if self.settings_def is not None:
            self.report(
                src,
                path,
                f"'settings' is given in more than one file (first at {self.settings_def.where()})",
                "keep the settings in one file",
            )
            return
        self.settings_def = _Def(src, path)
        got = self._validate(Settings, {} if value is None else value, src, path)
        if got is not None:
            self.settings = got

    def _policies(self, src: YamlSource, value: Any) -> None:
        path: YamlPath = ("policies",)
        if self.policies_def is not None:
            self.report(
                src,
                path,
                f"'policies' is defined in more than one file (first at "
                f"{self.policies_def.where()}), so their order would be ambiguous",
                "keep the ordered list of policies in one file",
            )
        else:
            self.policies_def = _Def(src, path)
        if value is None:
            return
        if isinstance(value, list):
            self.policies_count += len(value)
        else:
            self.policies_count += 1  # a malformed list is not "no policies"
            self.report(
                src,
                path,
                f"'policies' must be a list (ordered: the first match wins), not a {_kind(value)}",
                "write each policy as a list item starting with '- name: ...'",
            )
            return
        for i, item in enumerate(value):
            ipath: YamlPath = ("policies", i)
            if not isinstance(item, Mapping):
                self.report(
                    src,
                    ipath,
                    f"a policy must be a mapping with name, calendar and metrics, not a "
                    f"{_kind(item)}",
                )
                continue
            spec = self._validate(PolicySpec, item, src, ipath)
            self.policy_items.append(_PolicyItem(src, ipath, item, spec))

    # ---- semantic checks on policies

    def _check_policies(self) -> None:
        if self.incomplete:
            pass
        elif self.policies_def is None:
            self.issues.append(
                ConfigIssue(
                    self.origin,
                    None,
                    "the configuration defines no policies, so there is nothing to compute",
                    "add a 'policies:' list with at least one policy",
                )
            )
        elif self.policies_count == 0:
            src, path = self.policies_def.src, self.policies_def.path
            self.report(
                src,
                path,
                "the policy list is empty, so there is nothing to compute",
                "add at least one policy",
            )
        names: dict[str, _Def] = {}
        for item in self.policy_items:
            name = item.raw.get("name")
            if isinstance(name, str):
                first = names.get(name)
                if first is not None:
                    self.report(
                        item.src,
                        (*item.path, "name"),
                        f"policy name '{name}' is used twice (first at {first.where()})",
                        "give each policy its own name: results and reports name the policy",
                    )
                else:
                    names[name] = _Def(item.src, (*item.path, "name"))
            self._check_policy(item)
        valid = [
            PolicyLocation(
                i.spec.name, i.spec.when, i.src.file, i.src.nearest_line(i.path), dotted(i.path)
            )
            for i in self.policy_items
            if i.spec is not None
        ]
        self.issues.extend(analyze_policies(valid))

    def _check_policy(self, item: _PolicyItem) -> None:
        # works on the raw mapping, so that a schema error elsewhere in the same policy does
        # not hide a wrong reference; values of the wrong type were reported by the schema
        src, path, raw = item.src, item.path, item.raw
        label = f"policy '{raw['name']}'" if isinstance(raw.get("name"), str) else "this policy"
        self._check_calendar_ref(src, (*path, "calendar"), raw.get("calendar"))
        metrics = raw.get("metrics")
        self._check_metric_refs(src, (*path, "metrics"), metrics)
        if item.spec is not None and not item.spec.metrics:
            self.report(
                src,
                (*path, "metrics"),
                f"{label} measures no metrics",
                "list the metrics it measures, e.g. 'first_response: 1h'",
                severity="warning",
            )
        when = raw.get("when")
        for field_name in when if isinstance(when, Mapping) else ():
            if not isinstance(field_name, str):
                continue
            near = difflib.get_close_matches(field_name, STANDARD_FIELDS, n=1, cutoff=0.75)
            if near and near[0] != field_name:
                self.report(
                    src,
                    (*path, "when", field_name),
                    f"{label} tests the field '{field_name}', which is not a standard ticket field",
                    f"did you mean '{near[0]}'? (if it is a custom field, ignore this)",
                    severity="warning",
                )
        versions = raw.get("versions")
        if not isinstance(versions, list):
            return
        previous: tuple[Instant, int] | None = None
        effective: list[Instant] = []
        for j, version in enumerate(versions):
            vpath: YamlPath = (*path, "versions", j)
            if not isinstance(version, Mapping):
                continue
            if "effective_from" in version:
                try:
                    t = effective_instant(version["effective_from"])
                except ValueError as exc:
                    self.report(src, (*vpath, "effective_from"), str(exc), _EFFECTIVE_HINT)
                else:
                    effective.append(t)
                    if previous is not None and t <= previous[0]:
                        relation = (
                            "the same effective_from as"
                            if t == previous[0]
                            else "an earlier effective_from than"
                        )
                        self.report(
                            src,
                            (*vpath, "effective_from"),
                            f"version {j + 1} of {label} has {relation} version {previous[1] + 1}",
                            "list versions in strictly increasing order of effective_from",
                        )
                    previous = (t, j)
            if version.get("calendar") is not None:
                self._check_calendar_ref(src, (*vpath, "calendar"), version["calendar"])
            if version.get("metrics") is not None:
                self._check_metric_refs(src, (*vpath, "metrics"), version["metrics"])
            if all(version.get(k) is None for k in _VERSION_KEYS):
                self.report(
                    src,
                    vpath,
                    f"version {j + 1} of {label} changes nothing",
                    "give the keys it changes: " + ", ".join(_VERSION_KEYS),
                    severity="warning",
                )
        if item.spec is not None and len(effective) == len(item.spec.versions):
            item.effective = effective

    def _check_kpis(self) -> None:
        used = [
            m
            for i in self.policy_items
            if i.spec is not None
            for metrics in (i.spec.metrics, *(v.metrics or {} for v in i.spec.versions))
            for m in metrics
        ]
        self.kpis = check_kpis(
            self.kpi_items,
            validate=self._validate,
            report=self.report,
            metrics_used=dict.fromkeys(used) if used else BUILTIN_METRICS,
            metrics_known=(*BUILTIN_METRICS, *self.metric_defs),
            incomplete=self.incomplete,
        )

    def _check_contracts(self) -> None:
        measured: dict[str, list[str]] = {}
        for i in self.policy_items:
            name = i.raw.get("name")
            if not isinstance(name, str):
                continue
            metrics = measured.setdefault(name, [])  # a policy with problems is still a name
            if i.spec is not None:
                for names in (i.spec.metrics, *(v.metrics or {} for v in i.spec.versions)):
                    metrics.extend(names)
        self.contracts = check_contracts(
            self.contract_items,
            validate=self._validate,
            report=self.report,
            policies=measured,
            metrics_known=(*BUILTIN_METRICS, *self.metric_defs),
            incomplete=self.incomplete,
        )

    def _check_alerts(self) -> None:
        objectives: dict[str, list[str]] = {}
        for c in self.contract_items:  # a contract with problems is still a name
            given = c.raw.get("objectives") if isinstance(c.raw, Mapping) else None
            objectives[c.name] = [str(k) for k in given] if isinstance(given, Mapping) else []
        self.alerts = check_alerts(
            self.alert_items,
            self.channel_items,
            validate=self._validate,
            report=self.report,
            calendars=self.calendar_defs,
            metrics=(*BUILTIN_METRICS, *self.metric_defs),
            kpis=(*self.kpis, *(i.name for i in self.kpi_items)),
            contracts=objectives,
            incomplete=self.incomplete,
        )

    def _check_calendar_ref(self, src: YamlSource, path: YamlPath, name: object) -> None:
        if not isinstance(name, str) or name in self.calendar_defs or self.incomplete:
            return
        known = sorted(self.calendar_defs)
        fallback = (
            "the calendars are " + ", ".join(known)
            if known
            else "define it under a 'calendars:' section"
        )
        self.report(src, path, f"unknown calendar '{name}'", _did_you_mean(name, known, fallback))

    def _check_metric_refs(self, src: YamlSource, path: YamlPath, metrics: object) -> None:
        known = (*BUILTIN_METRICS, *self.metric_defs)
        if self.incomplete:
            return
        for name in metrics if isinstance(metrics, Mapping) else ():
            if not isinstance(name, str) or name in known:
                continue
            self.report(
                src,
                (*path, name),
                f"unknown metric '{name}': neither a built-in metric nor a custom one",
                _did_you_mean(
                    name,
                    known,
                    "the built-in metrics are "
                    + ", ".join(BUILTIN_METRICS)
                    + "; define custom ones under 'metrics:'",
                ),
            )

    # ---- building

    def _build(self) -> Configuration | None:
        from accord.core.calendar import BusinessCalendar  # a heavy module; load it only here

        calendars: dict[str, BusinessCalendar] = {}
        for name, spec in self.calendars.items():
            try:
                calendars[name] = BusinessCalendar(name, spec)
            except ValueError as exc:
                d = self.calendar_defs[name]
                self.report(d.src, d.path, f"calendar '{name}': {exc}")
        if self._has_errors():
            return None
        specs = [(i.spec, i.effective) for i in self.policy_items if i.spec is not None]
        policies = [
            Policy(spec.name, n, spec.when, _resolve(spec, effective), spec)
            for n, (spec, effective) in enumerate(specs)
        ]
        statuses = {k: c for k, (_, c) in self.status_defs.items() if c is not None}
        return Configuration(
            calendars=calendars,
            policies=policies,
            statuses=statuses,
            metrics=dict(self.metrics),
            settings=self.settings,
        )

    # ---- schema validation and its messages

    def _validate(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None:
        adapter = self._adapters.get(model)
        if adapter is None:
            adapter = self._adapters[model] = TypeAdapter(model)
        try:
            got: M = adapter.validate_python(value)
        except ValidationError as exc:
            self._schema_issues(exc, model, value, src, path)
            return None
        return got

    def _schema_issues(
        self, exc: ValidationError, model: Any, value: Any, src: YamlSource, base: YamlPath
    ) -> None:
        # errors from the arms of one union (e.g. 'pause' as a keyword or a list) describe one
        # mistake: they are merged into one issue, keyed by their loc without the arm names
        groups: dict[tuple[YamlPath, tuple[Any, ...]], list[tuple[str, str, Any]]] = {}
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            arms = _arm_positions(model, loc, err["type"])
            rel = _data_path(value, loc)
            key = (
                (*base, *rel),
                tuple(x for n, x in enumerate(loc) if n not in arms) if arms else loc,
            )
            message, hint = _describe(err, model, loc)
            hint = _target_key_hint(loc) or hint
            groups.setdefault(key, []).append((message, hint, err))
        for (path, _), parts in groups.items():
            message = _join_alternatives([m for m, _, _ in parts])
            err = parts[0][2]
            got = err.get("input")
            # value errors name the input themselves; missing / unknown keys have no input
            show = err["type"] not in ("value_error", "missing", "extra_forbidden")
            if show and _is_scalar(got):
                message += f", got {_show(got)}"
            hints = list(dict.fromkeys(h for _, h, _ in parts if h))
            self.report(src, path, message, "; ".join(hints))


# ---------------------------------------------------------------- resolution


def _resolve(spec: PolicySpec, effective: list[Instant]) -> list[PolicyVersionResolved]:
    current = PolicyVersionResolved(
        number=1,
        effective_from=None,
        calendar=spec.calendar,
        pause=spec.pause,
        reopen=spec.reopen,
        priority_change=spec.priority_change,
        warnings=spec.warnings,
        metrics=dict(spec.metrics),
    )
    out = [current]
    for n, (version, t) in enumerate(zip(spec.versions, effective, strict=True), start=2):
        changes: dict[str, Any] = {}
        for k in _VERSION_KEYS:
            v = getattr(version, k)
            if v is not None:
                changes[k] = dict(v) if k == "metrics" else v
        current = dataclasses.replace(current, number=n, effective_from=t, **changes)
        out.append(current)
    return out


# ---------------------------------------------------------------- error-message helpers


def _data_path(value: Any, loc: tuple[Any, ...]) -> YamlPath:
    """The part of a pydantic ``loc`` that exists in the data.

    Locs also hold names the YAML never had (union arm names, ``targets`` of a short metric
    form, the ``days`` of weekly hours); those are skipped so the line is the nearest real one.
    """
    out: list[Hashable] = []
    cur = value
    for part in loc:
        in_mapping = isinstance(cur, Mapping) and isinstance(part, Hashable) and part in cur
        in_list = isinstance(cur, list | tuple) and type(part) is int and 0 <= part < len(cur)
        if in_mapping or in_list:
            cur = cur[part]
            out.append(part)
    return tuple(out)


def _unwrap(tp: Any) -> list[Any]:
    """The arms of a (possibly Annotated / Optional) type."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        return [arm for a in get_args(tp) for arm in _unwrap(a)]
    return [tp]


def _step(tp: Any, part: Any) -> Any | None:
    """The type one loc element down from ``tp``, or ``None`` if ``part`` is not a real step."""
    for arm in _unwrap(tp):
        origin = get_origin(arm)
        if origin is dict:
            return get_args(arm)[1]
        if origin in (tuple, list):
            if type(part) is int:
                return get_args(arm)[0]
            continue
        if origin is None and isinstance(arm, type) and issubclass(arm, BaseModel):
            for name, info in arm.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
    return None


def _walk_type(model: Any, loc: tuple[Any, ...]) -> tuple[Any, set[int]]:
    """The type at ``loc`` and the positions in ``loc`` that are not real steps."""
    tp: Any = model
    skipped: set[int] = set()
    for n, part in enumerate(loc):
        nxt = _step(tp, part)
        if nxt is None:
            skipped.add(n)
        else:
            tp = nxt
    return tp, skipped


def _arm_positions(model: Any, loc: tuple[Any, ...], kind: str) -> set[int]:
    _, skipped = _walk_type(model, loc)
    if kind == "extra_forbidden":  # the unknown key itself is not a step, nor an arm name
        skipped.discard(len(loc) - 1)
    return skipped


def _model_keys(model: Any, loc: tuple[Any, ...]) -> list[str]:
    tp, _ = _walk_type(model, loc)
    for arm in _unwrap(tp):
        if get_origin(arm) is None and isinstance(arm, type) and issubclass(arm, BaseModel):
            return [info.alias or name for name, info in arm.model_fields.items()]
    return []


def _describe(err: Any, model: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    kind: str = err["type"]
    msg: str = err["msg"]
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    got = err.get("input")
    if kind == "missing":
        return f"the required key '{loc[-1]}' is missing", ""
    if kind == "extra_forbidden":
        keys = _model_keys(model, loc[:-1])
        allowed = "the keys here are " + ", ".join(keys) if keys else ""
        return f"unknown key '{loc[-1]}'", _did_you_mean(loc[-1], keys, allowed)
    if kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        return text, _DURATION_HINT if "duration" in text else ""
    if kind in ("enum", "literal_error"):
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        fallback = _CATEGORY_HINT if set(expected) == set(_CATEGORIES) else ""
        hint = _did_you_mean(got, expected, fallback) if _is_scalar(got) else fallback
        if fallback and hint != fallback:
            hint += f" ({_CATEGORY_HINT})"
        return msg, hint
    if kind in ("tuple_type", "list_type"):
        return msg, "write a list, e.g. [pending, on_hold] or one item per '- ' line"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return msg.replace(
            "dictionary or instance of ", "mapping or "
        ), "write a mapping of key: value"
    return msg, ""


def _target_key_hint(loc: tuple[Any, ...]) -> str:
    """A mistyped option in a short metric form is read as a priority: say so."""
    for n, part in enumerate(loc[:-1]):
        if part == "targets" and isinstance(loc[n + 1], str):
            near = difflib.get_close_matches(loc[n + 1], _METRIC_OPTIONS, n=1, cutoff=0.7)
            if near:
                return (
                    f"'{loc[n + 1]}' was read as a priority; did you mean the option '{near[0]}'?"
                )
    return ""


def _join_alternatives(messages: list[str]) -> str:
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    lead = "Input should be "
    if all(m.startswith(lead) for m in unique):
        rest = [m[len(lead) :] for m in unique]
        return lead + ", ".join(rest[:-1]) + " or " + rest[-1]
    return "; or ".join(unique)


def _did_you_mean(word: object, choices: Iterable[str], fallback: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback


def _is_scalar(v: object) -> bool:
    return isinstance(v, str | int | float | bool | date) or v is None


def _show(v: object) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(v: object) -> str:
    if isinstance(v, list):
        return "list"
    if isinstance(v, Mapping):
        return "mapping"
    return "single value"
