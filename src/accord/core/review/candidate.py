"""The two configurations of a what-if: the one in force and a candidate, each validated like
any configuration.

A candidate is a whole configuration (a directory, one YAML file, or uploaded files) or an
overrides file applied to the configuration in force (:mod:`accord.core.review.overrides`).
Either way it is checked by the configuration loader, all problems at once; a problem that an
override caused is reported at the override's own line (the file and line of the changed item
follow in the hint), so every problem names a line the user wrote. Nothing is written: a
candidate lives only in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accord.core.config.loader import check_sources, read_sources
from accord.core.config.resolved import Configuration
from accord.core.config.yamlsrc import YamlSource, dotted, parse_yaml
from accord.core.contracts.models import ContractSpec
from accord.core.review.overrides import Applied, apply_overrides, is_overrides, read_overrides
from accord.errors import ConfigError, ConfigIssue


@dataclass(frozen=True)
class Setup:
    """One side of a what-if: a configuration and its contracts, where they came from, the
    overrides applied to make it (a candidate) and its warnings."""

    config: Configuration
    contracts: Mapping[str, ContractSpec]
    source: str
    overrides: tuple[Applied, ...] = ()
    warnings: tuple[ConfigIssue, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "overrides": [
                {
                    "key": a.override.key,
                    "value": _plain(a.override.value),
                    "line": a.override.line,
                    "applied_to": a.describe(),
                }
                for a in self.overrides
            ],
            "warnings": [i.render() for i in self.warnings],
        }


def _plain(value: Any) -> Any:
    """A YAML value as JSON-ready data (dates as ISO text)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _errors(issues: Sequence[ConfigIssue]) -> bool:
    return any(i.severity == "error" for i in issues)


def check_setup(
    sources: list[YamlSource], origin: str, read_issues: Sequence[ConfigIssue] = ()
) -> Setup:
    """A configuration from parsed sources; :class:`ConfigError` with every problem."""
    config, contracts, issues = check_sources(sources, origin, read_issues)
    if config is None:
        raise ConfigError(issues)
    return Setup(config, contracts, origin, (), tuple(i for i in issues if i.severity != "error"))


def load_setup(path: str | Path) -> Setup:
    """The configuration of a directory or file (as ``accord check`` reads it)."""
    sources, read_issues = read_sources(path)
    return check_setup(sources, str(path), read_issues)


def load_candidate(current: str | Path, candidate: str | Path) -> Setup:
    """The candidate at ``candidate``: a directory or a configuration file, taken whole; or an
    overrides file, applied to the configuration at ``current``."""
    cand = Path(candidate)
    if cand.is_file():
        try:
            text = cand.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                [ConfigIssue(str(cand), None, f"not UTF-8 text ({exc.reason})", "save it as UTF-8")]
            ) from None
        src = parse_yaml(text, str(cand))
        if is_overrides(src.data) or not src.ok:
            sources, read_issues = read_sources(current)
            return candidate_with_overrides(sources, str(current), src, read_issues)
    return load_setup(cand)


def candidate_with_overrides(
    sources: list[YamlSource],
    origin: str,
    overrides: YamlSource,
    read_issues: Sequence[ConfigIssue] = (),
) -> Setup:
    """The configuration of ``sources`` with the overrides file ``overrides`` applied, checked;
    :class:`ConfigError` with every problem, each at a line the user wrote."""
    # every problem at once: bad keys, overrides that cannot apply, and the checks of the
    # configuration with the others applied
    found, problems = read_overrides(overrides)
    patched = apply_overrides(sources, found, overrides.file)
    _, _, before = check_sources(sources, origin, read_issues)
    config, contracts, after = check_sources(patched.sources, origin, read_issues)
    issues = [*problems, *patched.issues, *_relocate(after, before, patched.applied, overrides)]
    if not found and not _errors(issues):
        issues.append(ConfigIssue(overrides.file, None, "the overrides file changes nothing"))
    issues.sort(key=lambda i: (i.file != overrides.file, i.file, i.line or 0))
    if config is None or _errors(issues):
        raise ConfigError(_unique(issues))
    cfg_issues = tuple(_unique(i for i in issues if i.severity != "error"))
    config = dataclasses.replace(config, issues=cfg_issues)
    return Setup(config, contracts, overrides.file, tuple(patched.applied), cfg_issues)


def _unique(issues: Any) -> list[ConfigIssue]:
    return list(dict.fromkeys(issues))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _relocate(
    after: Sequence[ConfigIssue],
    before: Sequence[ConfigIssue],
    applied: Sequence[Applied],
    overrides: YamlSource,
) -> list[ConfigIssue]:
    """The candidate's issues, each caused by an override moved to that override's line."""
    known = {(i.file, i.line, i.message) for i in before}
    out: list[ConfigIssue] = []
    places = [(a, file, dotted(path)) for a in applied for file, path in a.places]
    for issue in after:
        if issue.file == overrides.file or (issue.file, issue.line, issue.message) in known:
            out.append(issue)
            continue
        inside = [(len(p), a) for a, f, p in places if f == issue.file and _under(issue.path, p)]
        around = [
            a for a, f, p in places if f == issue.file and issue.path and _under(p, issue.path)
        ]
        chosen = max(inside, key=lambda x: x[0])[1] if inside else (around[0] if around else None)
        if chosen is None:
            hint = (issue.hint + "; " if issue.hint else "") + (
                f"the configuration had no such problem before the overrides of {overrides.file}"
            )
            out.append(dataclasses.replace(issue, hint=hint))
            continue
        where = issue.location()
        hint = (issue.hint + "; " if issue.hint else "") + (
            f"set by the override '{chosen.override.key}' (the item is at {where})"
        )
        moved = dataclasses.replace(
            issue,
            file=overrides.file,
            line=chosen.override.line,
            hint=hint,
            path=chosen.override.key,
        )
        # one override written into several versions fails the same way in each: say it once
        if not any(
            (o.file, o.line, o.message) == (moved.file, moved.line, moved.message) for o in out
        ):
            out.append(moved)
    return out


# ---------------------------------------------------------------- configurations as files


def sources_of_files(files: Mapping[str, str]) -> tuple[list[YamlSource], list[ConfigIssue]]:
    """Uploaded configuration files (name → YAML text), parsed in the loader's order (by
    name); names that are not YAML files are problems."""
    issues: list[ConfigIssue] = []
    sources: list[YamlSource] = []
    if not files:
        issues.append(ConfigIssue("<upload>", None, "no files: give at least one YAML file"))
    for name in sorted(files):
        if not name.lower().endswith((".yaml", ".yml")) or "/" in name or name.startswith("."):
            issues.append(
                ConfigIssue(
                    name,
                    None,
                    "not a configuration file name",
                    "use a plain file name ending in .yaml or .yml",
                )
            )
            continue
        sources.append(parse_yaml(files[name], name))
    return sources, issues


def overrides_source(given: str | Mapping[str, Any], file: str = "overrides.yaml") -> YamlSource:
    """An overrides file from its YAML text, or from a mapping (a JSON object): then it is
    written one override a line, so that line N is the N-th override."""
    if isinstance(given, str):
        return parse_yaml(given, file)
    lines = [
        yaml.safe_dump({k: v}, default_flow_style=True, allow_unicode=True, width=10**9)
        .strip()
        .removeprefix("{")
        .removesuffix("}")
        for k, v in given.items()
    ]
    return parse_yaml("\n".join(lines) + "\n", file)
