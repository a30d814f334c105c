"""The ``policies:`` section: reading the ordered list, its checks, and its resolution into
:class:`~accord.core.config.resolved.Policy` objects with their versions.

Policy versions: ``effective_from`` is an ISO instant with a UTC offset, or a date, meaning
00:00 UTC of that date. Versions must be listed in strictly increasing order. They are
cumulative: version *N* is the base policy with the keys given in versions 1..N-1 replacing
earlier values entirely (``metrics`` is replaced as a whole, not merged); a key written as
``null`` counts as not given. The base is number 1.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from accord.core.config.analysis import PolicyLocation, analyze_policies
from accord.core.config.messages import Definition, kind_of
from accord.core.config.models import PolicySpec, PolicyVersion
from accord.core.config.resolved import Policy, PolicyVersionResolved
from accord.core.config.yamlsrc import YamlPath, YamlSource, dotted
from accord.core.events import STANDARD_FIELDS
from accord.core.kpi.check import Report
from accord.core.timeutil import Instant, to_instant
from accord.errors import ConfigIssue

__all__ = ["PolicySection", "effective_instant"]

M = TypeVar("M")

_EFFECTIVE_HINT = (
    "write a date such as 2026-06-01 (meaning 00:00 UTC) or an instant with an offset "
    "such as 2026-06-01T08:00:00+02:00"
)
_VERSION_KEYS = tuple(k for k in PolicyVersion.model_fields if k != "effective_from")


class Validate(Protocol):
    def __call__(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None: ...


RefCheck = Callable[[YamlSource, YamlPath, object], None]


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


@dataclass
class PolicyItem:
    src: YamlSource
    path: YamlPath
    raw: Mapping[Any, Any]
    spec: PolicySpec | None
    effective: list[Instant] = field(default_factory=list)  # one per version, when all resolve


class PolicySection:
    """The ordered policy list of a configuration, as written, checked and resolved."""

    def __init__(self, report: Report, validate: Validate) -> None:
        self.report = report
        self.validate = validate
        self.declared: Definition | None = None
        self.items: list[PolicyItem] = []
        self.count = 0  # items written, valid or not

    # ---- reading

    def read(self, src: YamlSource, value: Any) -> None:
        """The ``policies:`` of one file."""
        path: YamlPath = ("policies",)
        if self.declared is not None:
            self.report(
                src,
                path,
                f"'policies' is defined in more than one file (first at "
                f"{self.declared.where()}), so their order would be ambiguous",
                "keep the ordered list of policies in one file",
            )
        else:
            self.declared = Definition(src, path)
        if value is None:
            return
        if isinstance(value, list):
            self.count += len(value)
        else:
            self.count += 1  # a malformed list is not "no policies"
            self.report(
                src,
                path,
                "'policies' must be a list (ordered: the first match wins), not a "
                + kind_of(value),
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
                    f"{kind_of(item)}",
                )
                continue
            spec = self.validate(PolicySpec, item, src, ipath)
            self.items.append(PolicyItem(src, ipath, item, spec))

    # ---- what other sections need to know

    def metrics_used(self) -> list[str]:
        """Every metric a valid policy (or one of its versions) names."""
        return [
            m
            for i in self.items
            if i.spec is not None
            for metrics in (i.spec.metrics, *(v.metrics or {} for v in i.spec.versions))
            for m in metrics
        ]

    def measured_by_name(self) -> dict[str, list[str]]:
        """The metrics each policy name measures (a policy with problems is still a name)."""
        measured: dict[str, list[str]] = {}
        for i in self.items:
            name = i.raw.get("name")
            if not isinstance(name, str):
                continue
            metrics = measured.setdefault(name, [])
            if i.spec is not None:
                for names in (i.spec.metrics, *(v.metrics or {} for v in i.spec.versions)):
                    metrics.extend(names)
        return measured

    # ---- checking

    def check(
        self, *, origin: str, incomplete: bool, calendar_ref: RefCheck, metric_refs: RefCheck
    ) -> list[ConfigIssue]:
        """Report every problem; returns the issues that are not about one place of a file
        (no policies at all) and the warnings of the static analysis."""
        issues: list[ConfigIssue] = []
        if incomplete:
            pass
        elif self.declared is None:
            issues.append(
                ConfigIssue(
                    origin,
                    None,
                    "the configuration defines no policies, so there is nothing to compute",
                    "add a 'policies:' list with at least one policy",
                )
            )
        elif self.count == 0:
            self.report(
                self.declared.src,
                self.declared.path,
                "the policy list is empty, so there is nothing to compute",
                "add at least one policy",
            )
        names: dict[str, Definition] = {}
        for item in self.items:
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
                    names[name] = Definition(item.src, (*item.path, "name"))
            self._check_policy(item, calendar_ref, metric_refs)
        valid = [
            PolicyLocation(
                i.spec.name, i.spec.when, i.src.file, i.src.nearest_line(i.path), dotted(i.path)
            )
            for i in self.items
            if i.spec is not None
        ]
        issues.extend(analyze_policies(valid))
        return issues

    def _check_policy(
        self, item: PolicyItem, calendar_ref: RefCheck, metric_refs: RefCheck
    ) -> None:
        # works on the raw mapping, so that a schema error elsewhere in the same policy does
        # not hide a wrong reference; values of the wrong type were reported by the schema
        src, path, raw = item.src, item.path, item.raw
        label = f"policy '{raw['name']}'" if isinstance(raw.get("name"), str) else "this policy"
        calendar_ref(src, (*path, "calendar"), raw.get("calendar"))
        metric_refs(src, (*path, "metrics"), raw.get("metrics"))
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
        if isinstance(versions, list):
            self._check_versions(item, label, versions, calendar_ref, metric_refs)

    def _check_versions(
        self,
        item: PolicyItem,
        label: str,
        versions: list[Any],
        calendar_ref: RefCheck,
        metric_refs: RefCheck,
    ) -> None:
        src, path = item.src, item.path
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
                calendar_ref(src, (*vpath, "calendar"), version["calendar"])
            if version.get("metrics") is not None:
                metric_refs(src, (*vpath, "metrics"), version["metrics"])
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

    # ---- resolution

    def resolved(self) -> list[Policy]:
        """The valid policies, in order, with their versions resolved."""
        specs = [(i.spec, i.effective) for i in self.items if i.spec is not None]
        return [
            Policy(spec.name, n, spec.when, _resolve(spec, effective), spec)
            for n, (spec, effective) in enumerate(specs)
        ]


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
