"""Checks of the ``kpis:`` section across files, run by the configuration loader.

Each KPI is validated against :class:`~accord.core.kpi.models.KpiSpec` through the loader's
own validation (so schema problems carry file and line like any other), then checked against
everything else that is defined: metric names, column names and kinds, known values of
``state`` / ``status`` / ``metric``, dimensions, references between KPIs and cycles among
them. Every problem is reported; none stops the others from being found.

A YAML entry named like a built-in KPI that gives no ``measure``, ``ratio`` or ``expr``
customises it: its keys replace the built-in's (a target, bands, an owner, the period …).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from accord.core.config.models import BUILTIN_METRICS
from accord.core.config.yamlsrc import YamlPath, YamlSource
from accord.core.events import StatusCategory
from accord.core.kpi.columns import (
    CUSTOM_PREFIX,
    GROUPING_KINDS,
    NUMERIC_KINDS,
    column_kind,
    known_columns,
)
from accord.core.kpi.expr import parse_expr, referenced
from accord.core.kpi.library import builtin_kpis
from accord.core.kpi.models import KPI_NAME_RE, NUMERIC_AGGS, KpiSpec, Measure
from accord.core.records import State

_DEFINING = ("measure", "ratio", "expr")
_KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "state": tuple(s.value for s in State),
    "status": tuple(c.value for c in StatusCategory),
}


class Report(Protocol):
    def __call__(
        self,
        src: YamlSource,
        path: YamlPath,
        message: str,
        hint: str = "",
        severity: str = "error",
    ) -> None: ...


Validate = Callable[[type[KpiSpec], Any, YamlSource, YamlPath], KpiSpec | None]


@dataclass
class KpiItem:
    """One entry of a ``kpis:`` section, as written."""

    src: YamlSource
    path: YamlPath
    name: str
    raw: Any


def check_kpis(
    items: Sequence[KpiItem],
    *,
    validate: Validate,
    report: Report,
    metrics_used: Iterable[str] = BUILTIN_METRICS,
    metrics_known: Iterable[str] = BUILTIN_METRICS,
    incomplete: bool = False,
) -> dict[str, KpiSpec]:
    """The KPI catalog: the built-in library with the YAML definitions applied.

    ``metrics_used`` get a per-metric compliance KPI; ``metrics_known`` are the names a
    definition may use; ``incomplete`` (a file could not be read) silences the checks of
    names that file might have defined.
    """
    library = builtin_kpis(metrics_used)
    catalog: dict[str, KpiSpec] = dict(library)
    defined: dict[str, KpiItem] = {}
    valid: dict[str, KpiItem] = {}
    known_metrics = tuple(dict.fromkeys(metrics_known))
    for item in items:
        src, path, name = item.src, item.path, item.name
        if not KPI_NAME_RE.match(name):
            report(
                src,
                path,
                f"'{name}' is not a valid KPI name",
                "use letters, digits and '_', starting with a letter (names appear in "
                "expressions of derived KPIs)",
            )
        first = defined.get(name)
        if first is not None:
            line = first.src.nearest_line(first.path)
            report(
                src,
                path,
                f"KPI '{name}' is defined twice (first at {first.src.file}:{line})",
                "give one of them another name, or remove one",
            )
            continue
        defined[name] = item
        raw = {} if item.raw is None else item.raw
        if not isinstance(raw, Mapping):
            report(src, path, f"KPI '{name}' must be a mapping such as 'measure: {{...}}'")
            continue
        customises = name in library and not any(k in raw for k in _DEFINING)
        value: Any = raw
        if customises:
            value = {**library[name].model_dump(by_alias=True, exclude_unset=True), **raw}
        spec = validate(KpiSpec, value, src, path)
        if spec is None:
            continue
        if not spec.defined:
            report(
                src,
                path,
                f"KPI '{name}' says nothing to compute",
                _did_you_mean(
                    name,
                    library,
                    "give one of measure, ratio or expr, or name a built-in KPI to change its "
                    "target or bands",
                ),
            )
            continue
        catalog[name] = spec
        valid[name] = item
    for name, item in valid.items():
        _Checker(item, catalog[name], report, known_metrics, incomplete).run(catalog, defined)
    _report_cycles(catalog, valid, report)
    return catalog


class _Checker:
    def __init__(
        self,
        item: KpiItem,
        spec: KpiSpec,
        report: Report,
        metrics: tuple[str, ...],
        incomplete: bool,
    ) -> None:
        self.item, self.spec, self._report = item, spec, report
        self.metrics, self.incomplete = metrics, incomplete

    def report(self, rel: YamlPath, message: str, hint: str = "") -> None:
        self._report(self.item.src, (*self.item.path, *rel), message, hint)

    def run(self, catalog: Mapping[str, KpiSpec], defined: Mapping[str, KpiItem]) -> None:
        spec = self.spec
        sources: list[str] = []
        if spec.measure is not None:
            self.measure(("measure",), spec.measure)
            sources.append(spec.measure.over)
        if spec.ratio is not None:
            for part in ("numerator", "denominator"):
                m = getattr(spec.ratio, part)
                self.measure(("ratio", part), m)
                sources.append(m.over)
        for n, dim in enumerate(spec.by):
            for source in dict.fromkeys(sources):
                self.dimension(("by", n), dim, source)
        if spec.expr is not None:
            self.expression(spec.expr, catalog, defined)

    def measure(self, at: YamlPath, m: Measure) -> None:
        src = m.over
        if m.metric is not None and not self.incomplete:
            for n, metric in enumerate(m.metric):
                if metric not in self.metrics:
                    self.report(
                        (*at, "metric", n) if len(m.metric) > 1 else (*at, "metric"),
                        f"unknown metric '{metric}'",
                        _did_you_mean(metric, self.metrics, "the metrics are "
                                      + ", ".join(self.metrics)),
                    )  # fmt: skip
        for key, flt in (("where", m.where), ("condition", m.condition or {})):
            for col, test in flt.items():
                path = (*at, key, col)
                kind = self.column(path, col, src)
                if kind is None:
                    continue
                if test.compares and kind not in (*NUMERIC_KINDS, "instant"):
                    self.report(
                        path,
                        f"'{col}' is {kind}; gt, ge, lt and le compare numbers and durations",
                    )
                known = self.known_values(col)
                for v in test.values() if known else ():
                    if str(v) not in known:
                        self.report(
                            path,
                            f"'{v}' is not a value '{col}' takes",
                            _did_you_mean(v, known, f"'{col}' is one of " + ", ".join(known)),
                        )
        if m.of is not None:
            kind = self.column((*at, "of"), m.of, src)
            if kind is not None and m.agg in NUMERIC_AGGS and kind not in NUMERIC_KINDS:
                self.report(
                    (*at, "of"),
                    f"'{m.agg}' needs a numeric column, and '{m.of}' is {kind}",
                    "numeric columns: " + ", ".join(
                        c for c in known_columns(src) if column_kind(c, src) in NUMERIC_KINDS
                    ),
                )  # fmt: skip
            if kind is not None and m.agg == "count_distinct" and kind not in GROUPING_KINDS:
                self.report((*at, "of"), f"'count_distinct' cannot count values of {kind}")
        if m.at is not None:
            kind = self.column((*at, "at"), m.at, src)
            if kind is not None and kind != "instant":
                self.report(
                    (*at, "at"),
                    f"'at' places rows in periods by an instant, and '{m.at}' is {kind}",
                    "instant columns: "
                    + ", ".join(c for c in known_columns(src) if column_kind(c, src) == "instant"),
                )

    def known_values(self, col: str) -> tuple[str, ...]:
        if col == "metric":
            return () if self.incomplete else self.metrics
        return _KNOWN_VALUES.get(col, ())

    def column(self, path: YamlPath, col: str, source: str) -> str | None:
        kind = column_kind(col, source)
        if kind is None:
            choices = known_columns(source)
            self.report(
                path,
                f"unknown column '{col}' for a measure over {source}",
                _did_you_mean(
                    col,
                    choices,
                    "write custom ticket fields as 'field.<name>'; the columns are "
                    + ", ".join(choices),
                ),
            )
        return kind

    def dimension(self, path: YamlPath, dim: str, source: str) -> None:
        kind = self.column(path, dim, source)
        if kind is not None and kind not in GROUPING_KINDS:
            self.report(path, f"'{dim}' is {kind} and cannot be a dimension")

    def expression(
        self, text: str, catalog: Mapping[str, KpiSpec], defined: Mapping[str, KpiItem]
    ) -> None:
        try:
            tree = parse_expr(text)
        except ValueError as exc:
            self.report(("expr",), str(exc))
            return
        for ref in referenced(tree):
            if ref not in catalog and ref not in defined:
                self.report(
                    ("expr",),
                    f"unknown KPI '{ref}' in the expression of '{self.item.name}'",
                    _did_you_mean(ref, [*catalog, *defined], "define it under 'kpis:' or use "
                                  "a built-in KPI"),
                )  # fmt: skip


def dependencies(spec: KpiSpec) -> list[str]:
    """The KPIs a derived KPI's expression names (none for a measure or ratio)."""
    if spec.expr is None:
        return []
    try:
        return referenced(parse_expr(spec.expr))
    except ValueError:
        return []


def _report_cycles(
    catalog: Mapping[str, KpiSpec], items: Mapping[str, KpiItem], report: Report
) -> None:
    graph = {
        name: [d for d in dependencies(spec) if d in catalog] for name, spec in catalog.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    seen: set[frozenset[str]] = set()
    for root in graph:
        if state.get(root):
            continue
        # iterative depth-first search: a long chain of derived KPIs cannot overflow the stack
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            deps = graph[node]
            if i < len(deps):
                stack.append((node, i + 1))
                nxt = deps[i]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :]
                    key = frozenset(cycle)
                    if key not in seen:
                        seen.add(key)
                        where = next((items[n] for n in cycle if n in items), None)
                        if where is not None:
                            chain = " → ".join([*cycle, cycle[0]])
                            report(
                                where.src,
                                (*where.path, "expr"),
                                f"KPIs depend on each other in a cycle: {chain}",
                                "a derived KPI can only use KPIs that do not use it",
                            )
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()


def _did_you_mean(word: object, choices: Iterable[str], fallback: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback


def custom_fields(specs: Iterable[KpiSpec], dims: Iterable[str] = ()) -> list[str]:
    """The custom ticket fields (``field.<name>``) that ``specs`` and ``dims`` name: the
    events frame and the ticket facts must carry them."""
    names: list[str] = list(dims)
    for spec in specs:
        names.extend(spec.by)
        measures = [spec.measure] if spec.measure is not None else []
        if spec.ratio is not None:
            measures += [spec.ratio.numerator, spec.ratio.denominator]
        for m in measures:
            names.extend(m.where)
            names.extend(m.condition or {})
            names.extend(x for x in (m.of, m.at) if x is not None)
    return list(
        dict.fromkeys(n[len(CUSTOM_PREFIX) :] for n in names if n.startswith(CUSTOM_PREFIX))
    )
