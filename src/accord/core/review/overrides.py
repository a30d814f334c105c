"""Overrides: a small YAML file of dotted paths into a configuration, and their application.

A what-if candidate can be a whole configuration directory, or the configuration in force
with a few values changed. The changes are written as one mapping of dotted paths to values::

    policies.Gold.metrics.resolution.high: 6h          # one target of one priority
    policies.Gold.pause: [pending, on_hold]             # a policy option
    calendars.support-us.hours.mon-fri: [["08:00", "18:00"]]
    contracts.acme.objectives.first_response.met_share: 85%

A path addresses the YAML as written: mapping keys by name, list items by a 0-based index
(``versions.0``), and policies, which form a list, also by name. A segment holding a dot is
quoted (``policies."Tier 1.5".calendar``). Rules that make a path mean what it says:

- **targets**: under ``policies.<p>.metrics.<metric>``, a key that is not a metric option
  (``targets``, ``pause``, ``reopen``, ``priority_change``, ``warnings``) is a priority, and the
  short forms (``resolution: 8h``, ``resolution: {high: 4h}``) are read as the long form
  ``{targets: {...}}`` first; ``default`` covers the unlisted priorities;
- **policy versions**: a version replaces the keys it gives entirely, so an override of a policy
  key (``calendar``, ``pause``, ``reopen``, ``priority_change``, ``warnings``, ``metrics``) is
  written into the base policy *and* into every version that gives that key (for ``metrics``:
  every version that measures that metric), otherwise the first version would undo it. To
  change one version only, address it: ``policies.Gold.versions.0.metrics…``;
- a new item of a named section (a calendar, a contract, a status name…) is added; a policy
  cannot be added (the order of policies matters: give a whole candidate directory).

Applying never changes the files: each affected file's data is copied and changed, and every
value written is remembered with the line of its override, so that the checks of the changed
configuration name that line (:mod:`accord.core.review.candidate`).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Hashable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from accord.core.config.loader import SECTIONS
from accord.core.config.yamlsrc import YamlPath, YamlSource, dotted
from accord.errors import ConfigIssue

# the keys a policy version may give, each replacing the previous version's value entirely
VERSION_KEYS = ("calendar", "pause", "reopen", "priority_change", "warnings", "metrics")
METRIC_OPTIONS = ("targets", "pause", "reopen", "priority_change", "warnings")
# sections that are a mapping of named items, merged across files
NAMED_SECTIONS = ("calendars", "statuses", "metrics", "kpis", "contracts", "alerts", "channels")

_SEGMENT = re.compile(r'"([^"]*)"|\'([^\']*)\'|\[(\d+)\]|([^.\[\]"\']+)')
_PATH_HINT = (
    "write a dotted path such as policies.Gold.metrics.resolution.high; quote a name that "
    'holds a dot: policies."Tier 1.5".calendar'
)


@dataclass(frozen=True)
class Override:
    """One line of an overrides file: the path as written, its segments and its value."""

    key: str
    path: tuple[str | int, ...]
    value: Any
    line: int | None


@dataclass(frozen=True)
class Applied:
    """Where one override was written: (file, path in that file's data) for each place."""

    override: Override
    places: tuple[tuple[str, YamlPath], ...]

    def describe(self) -> list[str]:
        return [f"{file} ({dotted(path)})" for file, path in self.places]


@dataclass
class Patched:
    """The configuration's sources with the overrides applied, and where each one went."""

    sources: list[YamlSource]
    applied: list[Applied] = field(default_factory=list)
    issues: list[ConfigIssue] = field(default_factory=list)


def is_overrides(data: object) -> bool:
    """Whether a parsed YAML document is an overrides file (every key a dotted path) rather
    than a configuration file (its keys are sections)."""
    return (
        isinstance(data, Mapping)
        and bool(data)
        and any(isinstance(k, str) and ("." in k or "[" in k) for k in data)
    )


def parse_key(text: str) -> tuple[str | int, ...] | None:
    """``policies.Gold.metrics.resolution.high`` → its segments (``[2]`` → the int 2);
    ``None`` when the text is not a path."""
    out: list[str | int] = []
    pos = 0
    text = text.strip()
    expect_segment = True
    while pos < len(text):
        if text[pos] == "." and not expect_segment:
            pos += 1
            expect_segment = True
            continue
        m = _SEGMENT.match(text, pos)
        if m is None or (not expect_segment and m.group(3) is None):
            return None
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        if m.group(3) is not None:
            out.append(int(m.group(3)))
        else:
            out.append(quoted if quoted is not None else m.group(4).strip())
        pos = m.end()
        expect_segment = False
    if expect_segment or not out or any(s == "" for s in out):
        return None
    return tuple(out)


def read_overrides(src: YamlSource) -> tuple[list[Override], list[ConfigIssue]]:
    """The overrides of a parsed overrides file, and the problems of its keys."""
    issues = list(src.issues)
    data = src.data
    if data is None:
        if src.ok:
            issues.append(ConfigIssue(src.file, None, "the overrides file is empty"))
        return [], issues
    if not isinstance(data, Mapping):
        issues.append(
            ConfigIssue(
                src.file,
                src.nearest_line(()),
                "an overrides file is a mapping of dotted paths to values",
                "write one override a line, e.g. 'policies.Gold.metrics.resolution.high: 6h'",
            )
        )
        return [], issues
    out: list[Override] = []
    for key, value in data.items():
        line = src.line((key,))
        path = parse_key(key) if isinstance(key, str) else None
        if path is None:
            issues.append(ConfigIssue(src.file, line, f"{key!r} is not a dotted path", _PATH_HINT))
            continue
        out.append(Override(key, path, value, line))
    return out, issues


def apply_overrides(sources: list[YamlSource], overrides: list[Override], file: str) -> Patched:
    """The sources with ``overrides`` applied (``file`` names the overrides file). Items that
    are new go into one more source named ``file``, so that their problems name it."""
    data: dict[int, Any] = {}  # copies of the sources changed so far, by position
    overlay: dict[str, Any] = {}
    overlay_lines: dict[YamlPath, int] = {}
    patched = Patched(list(sources))
    for o in overrides:
        try:
            places = _apply(o, sources, data, overlay, overlay_lines, file, patched.issues)
        except _Refused as exc:
            patched.issues.append(ConfigIssue(file, o.line, exc.message, exc.hint, path=o.key))
            continue
        patched.applied.append(Applied(o, tuple(places)))
    for i, changed in data.items():
        src = sources[i]
        patched.sources[i] = YamlSource(src.file, changed, src.lines, src.issues, src.root_line)
    if overlay:
        patched.sources.append(YamlSource(file, overlay, overlay_lines))
    return patched


class _Refused(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _did_you_mean(word: object, choices: list[str], fallback: str) -> str:
    near = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback


def _apply(
    o: Override,
    sources: list[YamlSource],
    data: dict[int, Any],
    overlay: dict[str, Any],
    overlay_lines: dict[YamlPath, int],
    file: str,
    issues: list[ConfigIssue],
) -> list[tuple[str, YamlPath]]:
    section = o.path[0]
    if section not in SECTIONS:
        raise _Refused(
            f"unknown section '{section}'",
            _did_you_mean(section, list(SECTIONS), "the sections are " + ", ".join(SECTIONS)),
        )
    if len(o.path) == 1:
        raise _Refused(
            f"an override changes part of a section, not all of '{section}'",
            "name an item (e.g. policies.Gold.calendar), or give a whole candidate "
            "configuration directory",
        )

    def doc(i: int) -> Any:
        if i not in data:
            data[i] = copy.deepcopy(sources[i].data)
        return data[i]

    holders = [
        i
        for i, s in enumerate(sources)
        if isinstance(s.data, Mapping) and s.data.get(section) is not None
    ]
    if section == "policies":
        return _apply_policy(o, sources, holders, doc, issues, file)
    if section == "settings":
        if holders:
            i = holders[0]
            return [(sources[i].file, _set(doc(i), o.path, o.value))]
        return [(file, _set_overlay(overlay, overlay_lines, o))]
    name = o.path[1]
    for i in holders:
        items = sources[i].data[section]
        key = _find_key(items, name, casefold=section == "statuses")
        if key is not None:
            return [(sources[i].file, _set(doc(i), (section, key, *o.path[2:]), o.value))]
    if isinstance(name, int):
        raise _Refused(f"'{section}' is a mapping of names; {name} names nothing in it")
    return [(file, _set_overlay(overlay, overlay_lines, o))]


def _set_overlay(overlay: dict[str, Any], lines: dict[YamlPath, int], o: Override) -> YamlPath:
    path = _set(overlay, o.path, o.value)
    if o.line is not None:
        for n in range(1, len(path) + 1):
            lines.setdefault(path[:n], o.line)
    return path


def _find_key(items: object, name: Hashable, *, casefold: bool = False) -> Hashable | None:
    if not isinstance(items, Mapping):
        return None
    for k in items:
        if str(k) == str(name):
            return k  # type: ignore[no-any-return]
    if casefold:
        for k in items:
            if str(k).strip().casefold() == str(name).strip().casefold():
                return k  # type: ignore[no-any-return]
    return None


def _apply_policy(
    o: Override,
    sources: list[YamlSource],
    holders: list[int],
    doc: Any,
    issues: list[ConfigIssue],
    file: str,
) -> list[tuple[str, YamlPath]]:
    listed = [(i, sources[i].data["policies"]) for i in holders]
    listed = [(i, p) for i, p in listed if isinstance(p, list)]
    if not listed:
        raise _Refused("the configuration has no list of policies to change")
    i, policies = listed[0]
    ref = o.path[1]
    names = [p.get("name") for p in policies if isinstance(p, Mapping)]
    index: int | None = None
    if isinstance(ref, int):
        index = ref if 0 <= ref < len(policies) else None
    else:
        hits = [
            n for n, p in enumerate(policies) if isinstance(p, Mapping) and p.get("name") == ref
        ]
        index = hits[0] if hits else None
    if index is None:
        known = [str(n) for n in names if n is not None]
        raise _Refused(
            f"no policy {ref!r} in the configuration",
            _did_you_mean(ref, known, "the policies are " + ", ".join(known))
            + "; a new policy needs a whole candidate configuration directory",
        )
    rel = o.path[2:]
    base: YamlPath = ("policies", index)
    the_doc = doc(i)
    if not rel:
        return [(sources[i].file, _set(the_doc, base, o.value))]
    policy = the_doc["policies"][index]
    _warn_whole_metric(o, policy, rel, issues, file)
    places = [(sources[i].file, _set(the_doc, (*base, *rel), o.value))]
    versions = policy.get("versions") if isinstance(policy, Mapping) else None
    if rel[0] in VERSION_KEYS and isinstance(versions, list):
        for j, version in enumerate(versions):
            if not isinstance(version, Mapping) or version.get(rel[0]) is None:
                continue
            given = version[rel[0]]
            if rel[0] == "metrics" and len(rel) > 1 and _find_key(given, rel[1]) is None:
                continue  # this version does not measure that metric
            vpath = (*base, "versions", j, *rel)
            places.append((sources[i].file, _set(the_doc, vpath, copy.deepcopy(o.value))))
    return places


def _warn_whole_metric(
    o: Override, policy: Any, rel: tuple[str | int, ...], issues: list[ConfigIssue], file: str
) -> None:
    """Replacing a whole metric with one duration drops its options: say so."""
    if len(rel) != 2 or rel[0] != "metrics" or isinstance(o.value, Mapping):
        return
    metrics = policy.get("metrics") if isinstance(policy, Mapping) else None
    key = _find_key(metrics, rel[1])
    node = metrics.get(key) if key is not None and isinstance(metrics, Mapping) else None
    if not isinstance(node, Mapping):
        return
    options = [k for k in node if k in METRIC_OPTIONS and k != "targets"]
    if options:
        issues.append(
            ConfigIssue(
                file,
                o.line,
                f"this replaces the whole metric '{rel[1]}', dropping its "
                + ", ".join(f"{k}: {node[k]}" for k in options),
                f"to change its targets only, write {o.key}.default (or one priority, "
                f"e.g. {o.key}.high)",
                severity="warning",
                path=o.key,
            )
        )


def _metric_node(node: Any) -> dict[Any, Any]:
    """A policy's metric in the long form ``{targets: {...}, options...}``."""
    if node is None:
        return {"targets": {}}
    if isinstance(node, Mapping):
        if any(k in METRIC_OPTIONS for k in node):
            out = dict(node)
            if not isinstance(out.get("targets"), Mapping):
                out["targets"] = {} if out.get("targets") is None else out["targets"]
            return out
        return {"targets": dict(node)}
    return {"targets": {"default": node}}


def _in_metrics(path: YamlPath) -> bool:
    """Whether ``path`` ends at a metric of a policy's (or a policy version's) metrics."""
    if not path or path[0] != "policies":
        return False
    if len(path) == 4:
        return path[2] == "metrics"
    return len(path) == 6 and path[2] == "versions" and path[4] == "metrics"


def _set(root: Any, path: tuple[Hashable, ...], value: Any) -> YamlPath:
    """Write ``value`` at ``path`` in ``root`` (creating mappings on the way) and return the
    path actually written (a priority under a metric goes under its ``targets``)."""
    written: list[Hashable] = []
    cur = root
    n = 0
    steps = list(path)
    while n < len(steps):
        seg = steps[n]
        last = n == len(steps) - 1
        if isinstance(cur, list):
            if not (isinstance(seg, int) or (isinstance(seg, str) and seg.isdigit())):
                raise _Refused(
                    f"'{dotted(tuple(written))}' is a list: address its items by index, "
                    f"not {seg!r}",
                    "items are numbered from 0, e.g. versions.0",
                )
            idx = int(seg)
            if not 0 <= idx < len(cur):
                raise _Refused(
                    f"'{dotted(tuple(written))}' has {len(cur)} item(s); there is no item {idx}"
                )
            key: Hashable = idx
        elif isinstance(cur, MutableMapping):
            found = _find_key(cur, seg)
            key = found if found is not None else seg
        else:
            raise _Refused(
                f"'{dotted(tuple(written))}' holds a single value, so it has no '{seg}'",
                "set the value itself, or give a mapping for it",
            )
        if last:
            cur[key] = value
            written.append(key)
            return tuple(written)
        if isinstance(cur, MutableMapping) and _in_metrics((*written, key)):
            # a metric of a policy: its short forms read as the long one, priorities as targets
            node = cur[key] = _metric_node(cur.get(key))
            written.append(key)
            nxt = steps[n + 1]
            if nxt not in METRIC_OPTIONS:
                steps.insert(n + 1, "targets")
            cur = node
            n += 1
            continue
        child = cur[key] if not isinstance(cur, MutableMapping) or key in cur else None
        if child is None:
            child = {}
            cur[key] = child
        written.append(key)
        cur = child
        n += 1
    return tuple(written)
