"""Checks of the ``agreements:`` section across files, run by the configuration loader.

Each agreement is validated against :class:`~accord.core.agreements.models.AgreementSpec`
through the loader's own validation (so schema problems carry file and line like any other:
unknown keys, target and duration formats, status categories), then its references are
checked on the raw mapping, so that a schema error elsewhere in the same agreement hides
none of them: its calendar, the metric it underpins, the fields its holding tests. Every
problem is reported; none stops the others from being found.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from accord.core.agreements.models import NAME_RE, Agreement, AgreementSpec
from accord.core.config.messages import did_you_mean
from accord.core.config.yamlsrc import YamlPath, YamlSource
from accord.core.events import SOLVED_CATEGORIES, STANDARD_FIELDS, StatusCategory
from accord.core.kpi.check import Report

__all__ = ["AgreementItem", "check_agreements"]

M = TypeVar("M")

_OPEN = frozenset(StatusCategory) - SOLVED_CATEGORIES


class Validate(Protocol):
    def __call__(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None: ...


@dataclass
class AgreementItem:
    """One entry of an ``agreements:`` section, as written."""

    src: YamlSource
    path: YamlPath
    name: str
    raw: Any


def check_agreements(
    items: Sequence[AgreementItem],
    *,
    validate: Validate,
    report: Report,
    calendars: Collection[str],
    metrics_known: Collection[str],
    metrics_measured: Collection[str],
    incomplete: bool = False,
) -> list[Agreement]:
    """The valid agreements, in the order written.

    ``calendars`` are the defined calendars (valid or not), ``metrics_known`` the built-in
    and custom metrics, ``metrics_measured`` those some policy measures; ``incomplete`` (a
    file could not be read) silences the checks of names that file might have defined.
    """
    out: list[Agreement] = []
    defined: dict[str, AgreementItem] = {}
    for item in items:
        src, path, name = item.src, item.path, item.name
        if not NAME_RE.match(name):
            report(
                src,
                path,
                f"'{name}' is not a valid agreement name",
                "use letters, digits, '_', '.' and '-', starting with a letter or digit "
                "(the records' metric is 'ola:<name>')",
            )
        first = defined.get(name)
        if first is not None:
            line = first.src.nearest_line(first.path)
            report(
                src,
                path,
                f"agreement '{name}' is defined twice (first at {first.src.file}:{line})",
                "give one of them another name, or remove one",
            )
            continue
        defined[name] = item
        raw = item.raw
        if not isinstance(raw, Mapping):
            report(
                src,
                path,
                f"agreement '{name}' must be a mapping such as "
                "'{while: {team: L2}, calendar: ..., targets: 4h}'",
            )
            continue
        spec = validate(AgreementSpec, raw, src, path)
        _references(item, raw, report, calendars, metrics_known, metrics_measured, incomplete)
        if spec is None:
            continue
        _coherence(item, spec, report)
        if NAME_RE.match(name):
            out.append(Agreement(name, spec))
    return out


def _references(
    item: AgreementItem,
    raw: Mapping[Any, Any],
    report: Report,
    calendars: Collection[str],
    metrics_known: Collection[str],
    metrics_measured: Collection[str],
    incomplete: bool,
) -> None:
    src, path, label = item.src, item.path, f"agreement '{item.name}'"
    calendar = raw.get("calendar")
    if isinstance(calendar, str) and calendar not in calendars and not incomplete:
        known = sorted(calendars)
        fallback = (
            "the calendars are " + ", ".join(known)
            if known
            else "define it under a 'calendars:' section"
        )
        report(
            src,
            (*path, "calendar"),
            f"{label} uses the unknown calendar '{calendar}'",
            did_you_mean(calendar, known, fallback),
        )
    underpins = raw.get("underpins")
    if isinstance(underpins, str) and not incomplete:
        if underpins not in metrics_known:
            report(
                src,
                (*path, "underpins"),
                f"{label} underpins the unknown metric '{underpins}'",
                did_you_mean(
                    underpins,
                    sorted(metrics_known),
                    "name a built-in or custom SLA metric, e.g. 'resolution'",
                ),
            )
        elif underpins not in metrics_measured:
            report(
                src,
                (*path, "underpins"),
                f"{label} underpins '{underpins}', which no policy measures",
                "add the metric to a policy, or underpin a metric that one measures",
                severity="warning",
            )
    held = raw.get("while")
    for field_name in held if isinstance(held, Mapping) else ():
        if not isinstance(field_name, str):
            continue
        near = difflib.get_close_matches(field_name, STANDARD_FIELDS, n=1, cutoff=0.75)
        if near and near[0] != field_name:
            report(
                src,
                (*path, "while", field_name),
                f"{label} tests the field '{field_name}', which is not a standard ticket field",
                f"did you mean '{near[0]}'? (if it is a custom field, ignore this)",
                severity="warning",
            )


def _coherence(item: AgreementItem, spec: AgreementSpec, report: Report) -> None:
    """Warnings about an agreement whose clock can never run."""
    src, path, label = item.src, item.path, f"agreement '{item.name}'"
    held = _OPEN if spec.categories is None else frozenset(spec.categories) & _OPEN
    if spec.categories is not None and not held:
        report(
            src,
            (*path, "categories"),
            f"{label} holds only in solved or closed tickets, so it never runs",
            "a solved ticket ends every holding; list open categories such as open, on_hold",
            severity="warning",
        )
    elif held <= frozenset(spec.pause):
        report(
            src,
            (*path, "pause"),
            f"{label} is paused in every status it holds in, so its clock never counts",
            "pause only some of " + ", ".join(sorted(c.value for c in held)),
            severity="warning",
        )
