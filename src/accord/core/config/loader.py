"""Load, check and resolve Accord's configuration, collecting every problem with file and line.

Entry points:

- :func:`load_config` reads a directory (every ``*.yaml`` / ``*.yml`` in it, sorted by file
  name; hidden files are skipped) or one file, and returns a :class:`Configuration` or raises
  :class:`~accord.errors.ConfigError` carrying *all* the problems found;
- :func:`check_config` does the same without raising (``accord check``);
- :func:`build_config` / :func:`check_data` do it for an in-memory mapping.

Warnings never block loading; they are kept on ``Configuration.issues``.

Every top-level section may appear in any file. ``calendars``, ``statuses``, ``metrics``,
``agreements``, ``kpis``, ``contracts``, ``alerts`` and ``channels`` merge across files (a name
defined twice is an error); ``policies`` and ``settings`` must each live in one file, because
the order of policies decides which one applies.

Each calendar, policy, status entry, custom metric and agreement is validated on its own, so
one broken item does not hide the problems of the others; the cross-references (a policy's
calendar and metrics) are then checked against every name that is *defined*, valid or not, so
that a broken calendar is reported once rather than again by each policy that uses it.

This module assembles the sections: the policies' checks and version resolution are in
:mod:`.policies`, the schema messages in :mod:`.messages`; the sections that have their own
package own their schema and checks (:mod:`accord.core.agreements`, :mod:`accord.core.kpi`,
:mod:`accord.core.contracts`, :mod:`accord.core.alerts`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from accord.core.agreements.check import AgreementItem, check_agreements
from accord.core.agreements.models import AGREEMENT_PREFIX, Agreement
from accord.core.alerts.check import AlertConfig, AlertItem, check_alerts
from accord.core.config.messages import Definition, did_you_mean, kind_of, schema_messages, show
from accord.core.config.models import (
    BUILTIN_METRICS,
    CalendarSpec,
    ConfigDocument,
    MetricSpec,
    Settings,
)
from accord.core.config.policies import PolicySection, effective_instant
from accord.core.config.resolved import Configuration
from accord.core.config.yamlsrc import YamlPath, YamlSource, dotted, parse_yaml
from accord.core.contracts.check import ContractItem, check_contracts
from accord.core.contracts.models import ContractSpec
from accord.core.events import StatusCategory
from accord.core.kpi.check import KpiItem, check_kpis
from accord.core.kpi.models import KpiSpec
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
        self.calendar_defs: dict[str, Definition] = {}
        self.calendars: dict[str, CalendarSpec] = {}
        self.status_defs: dict[str, tuple[Definition, StatusCategory | None]] = {}
        self.metric_defs: dict[str, Definition] = {}
        self.metrics: dict[str, MetricSpec] = {}
        self.settings_def: Definition | None = None
        self.settings: Settings = Settings()
        self.policies = PolicySection(self.report, self._validate)
        self.agreement_items: list[AgreementItem] = []
        self.agreements: list[Agreement] = []
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
        self.issues.extend(
            self.policies.check(
                origin=self.origin,
                incomplete=self.incomplete,
                calendar_ref=self._check_calendar_ref,
                metric_refs=self._check_metric_refs,
            )
        )
        self._check_agreements()
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
                f"a configuration file must be a mapping of sections, not a {kind_of(data)}",
                "start the file with a section such as 'calendars:' or 'policies:'; sections: "
                + ", ".join(SECTIONS),
            )
            return
        for key, value in data.items():
            if key == "calendars":
                self._calendars(src, value)
            elif key == "policies":
                self.policies.read(src, value)
            elif key == "statuses":
                self._statuses(src, value)
            elif key == "metrics":
                self._metrics(src, value)
            elif key == "settings":
                self._settings(src, value)
            elif key == "agreements":
                mapping = self._mapping(src, "agreements", value, "name -> agreement")
                for raw, spec in mapping.items():
                    name = self._name(src, ("agreements", raw), raw, "agreement")
                    if name is not None:
                        self.agreement_items.append(
                            AgreementItem(src, ("agreements", raw), name, spec)
                        )
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
                    did_you_mean(key, SECTIONS, "the sections are " + ", ".join(SECTIONS)),
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
        self.report(src, path, f"{show(name)} is not a valid {what} name", "use a non-empty text")
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
                self.calendar_defs[name] = Definition(src, path)
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
                self.status_defs[key] = (Definition(src, path), got)
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
            elif name.startswith(AGREEMENT_PREFIX):
                self.report(
                    src,
                    path,
                    f"custom metric '{name}' starts with '{AGREEMENT_PREFIX}', which marks the "
                    "records of internal agreements",
                    "choose another name, or define an internal agreement under 'agreements:'",
                )
            elif first is not None:
                self.report(
                    src,
                    path,
                    f"custom metric '{name}' is defined twice (first at {first.where()})",
                    "give one of them another name, or remove one",
                )
            else:
                self.metric_defs[name] = Definition(src, path)
            got = self._validate(MetricSpec, spec, src, path)
            if got is not None and name in self.metric_defs and first is None:
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
        self.settings_def = Definition(src, path)
        got = self._validate(Settings, {} if value is None else value, src, path)
        if got is not None:
            self.settings = got

    def _check_agreements(self) -> None:
        self.agreements = check_agreements(
            self.agreement_items,
            validate=self._validate,
            report=self.report,
            calendars=self.calendar_defs,
            metrics_known=(*BUILTIN_METRICS, *self.metric_defs),
            metrics_measured=set(self.policies.metrics_used()),
            incomplete=self.incomplete,
        )

    def _agreement_metrics(self) -> list[str]:
        """The internal agreements' metrics (``ola:<name>``), which KPIs and alert rules may
        name (an agreement with problems is still a name)."""
        return [AGREEMENT_PREFIX + i.name for i in self.agreement_items]

    def _check_kpis(self) -> None:
        used = self.policies.metrics_used()
        self.kpis = check_kpis(
            self.kpi_items,
            validate=self._validate,
            report=self.report,
            metrics_used=dict.fromkeys(used) if used else BUILTIN_METRICS,
            metrics_known=(*BUILTIN_METRICS, *self.metric_defs, *self._agreement_metrics()),
            incomplete=self.incomplete,
        )

    def _check_contracts(self) -> None:
        self.contracts = check_contracts(
            self.contract_items,
            validate=self._validate,
            report=self.report,
            policies=self.policies.measured_by_name(),
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
            metrics=(*BUILTIN_METRICS, *self.metric_defs, *self._agreement_metrics()),
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
        self.report(src, path, f"unknown calendar '{name}'", did_you_mean(name, known, fallback))

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
                did_you_mean(
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
        policies = self.policies.resolved()
        statuses = {k: c for k, (_, c) in self.status_defs.items() if c is not None}
        return Configuration(
            calendars=calendars,
            policies=policies,
            statuses=statuses,
            metrics=dict(self.metrics),
            settings=self.settings,
            agreements=tuple(self.agreements),
        )

    # ---- schema validation and its messages

    def _validate(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None:
        adapter = self._adapters.get(model)
        if adapter is None:
            adapter = self._adapters[model] = TypeAdapter(model)
        try:
            got: M = adapter.validate_python(value)
        except ValidationError as exc:
            for where, message, hint in schema_messages(exc, model, value, path):
                self.report(src, where, message, hint)
            return None
        return got
