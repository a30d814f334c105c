"""Messages of the configuration checks: pydantic's schema errors turned into one issue per
mistake, located at the nearest line that exists in the YAML, with a hint; and the small
helpers every section's check shares (did you mean, how a value is shown).

Split from :mod:`accord.core.config.loader`, which assembles the sections' checks.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from accord.core.config.models import MetricTargets
from accord.core.config.yamlsrc import YamlPath, YamlSource
from accord.core.events import StatusCategory

__all__ = [
    "CATEGORY_HINT",
    "DURATION_HINT",
    "Definition",
    "did_you_mean",
    "kind_of",
    "schema_messages",
    "show",
]

_CATEGORIES = tuple(c.value for c in StatusCategory)
DURATION_HINT = "write durations like '90m', '8h', '1h30m' (or a whole number of seconds)"
CATEGORY_HINT = "the status categories are " + ", ".join(_CATEGORIES)
_METRIC_OPTIONS = tuple(k for k in MetricTargets.model_fields if k != "targets")


@dataclass
class Definition:
    """Where a name is defined: for 'first defined at' messages."""

    src: YamlSource
    path: YamlPath

    def where(self) -> str:
        line = self.src.nearest_line(self.path)
        return f"{self.src.file}:{line}" if line is not None else self.src.file


def schema_messages(
    exc: ValidationError, model: Any, value: Any, base: YamlPath
) -> list[tuple[YamlPath, str, str]]:
    """``(path, message, hint)`` of every mistake in ``exc``, the error of validating
    ``value`` (found at ``base``) against ``model``."""
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
    out: list[tuple[YamlPath, str, str]] = []
    for (path, _), parts in groups.items():
        message = _join_alternatives([m for m, _, _ in parts])
        err = parts[0][2]
        got = err.get("input")
        # value errors name the input themselves; missing / unknown keys have no input
        shown = err["type"] not in ("value_error", "missing", "extra_forbidden")
        if shown and _is_scalar(got):
            message += f", got {show(got)}"
        hints = list(dict.fromkeys(h for _, h, _ in parts if h))
        out.append((path, message, "; ".join(hints)))
    return out


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
        return f"unknown key '{loc[-1]}'", did_you_mean(loc[-1], keys, allowed)
    if kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        return text, DURATION_HINT if "duration" in text else ""
    if kind in ("enum", "literal_error"):
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        fallback = CATEGORY_HINT if set(expected) == set(_CATEGORIES) else ""
        hint = did_you_mean(got, expected, fallback) if _is_scalar(got) else fallback
        if fallback and hint != fallback:
            hint += f" ({CATEGORY_HINT})"
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


def did_you_mean(word: object, choices: Iterable[str], fallback: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback


def _is_scalar(v: object) -> bool:
    return isinstance(v, str | int | float | bool | date) or v is None


def show(v: object) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def kind_of(v: object) -> str:
    if isinstance(v, list):
        return "list"
    if isinstance(v, Mapping):
        return "mapping"
    return "single value"
