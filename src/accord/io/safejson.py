"""JSON from outside, read within limits.

Python's ``json`` reads what it is given until something gives way: nesting deeper than the
interpreter's recursion limit raises ``RecursionError``, an integer of more than 4,300 digits
``ValueError``, ``1e999`` becomes infinity, ``NaN`` is read although JSON has no such thing, and
an escaped lone surrogate (``"\\ud800"``) becomes a string that cannot be written as UTF-8
anywhere later (a database, a response). :func:`loads` reads a JSON text within
:class:`JsonLimits` and raises :class:`~accord.errors.InputError` naming what is wrong and
where (a path such as ``$.fields.tags[3]``), so that a caller can refuse (400) or quarantine
the input instead of failing on it later.

The limits (documented in docs/api.md, "Limits"):

- ``max_depth`` levels of arrays and objects inside one another (64);
- ``max_number_chars`` characters in a number's text (100: any id, any double even with all
  the digits some exporters write), and a number must be finite;
- ``max_string_chars`` characters in one string or object key (1 MiB);
- ``max_bytes`` of text in all (16 MiB, the service's body limit);
- no lone surrogate in a string or key (they cannot be encoded), unless ``surrogates`` is set
  for a caller that checks them itself, item by item.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from accord.errors import InputError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_depth: int = 64
    max_number_chars: int = 100
    max_string_chars: int = 1024 * 1024
    max_bytes: int = 16 * 1024 * 1024
    surrogates: bool = False  # True: leave lone surrogates to the caller

    def but(self, **changes: Any) -> JsonLimits:
        return replace(self, **changes)


LIMITS = JsonLimits()


class _Refused(ValueError):
    """A number over the limits, raised from inside the decoder's hooks."""


def _number_hooks(limits: JsonLimits) -> dict[str, Any]:
    def parse_int(text: str) -> int:
        if len(text) > limits.max_number_chars:
            raise _Refused(
                f"a number of {len(text):,} characters; at most {limits.max_number_chars} are read"
            )
        return int(text)

    def parse_float(text: str) -> float:
        if len(text) > limits.max_number_chars:
            raise _Refused(
                f"a number of {len(text):,} characters; at most {limits.max_number_chars} are read"
            )
        value = float(text)
        if not math.isfinite(value):
            raise _Refused(f"the number {text} is out of range")
        return value

    def parse_constant(text: str) -> Any:
        raise _Refused(f"{text} is not a JSON value")

    return {"parse_int": parse_int, "parse_float": parse_float, "parse_constant": parse_constant}


def _refuse(what: str, reason: str, path: str = "$") -> InputError:
    where = f" (at {path})" if path != "$" and len(path) <= 120 else ""
    message = f"{what} is not accepted: {reason}{where}"
    return InputError(message, details=[{"path": path, "reason": reason}])


def loads(data: bytes | str, *, limits: JsonLimits = LIMITS, what: str = "the body") -> Any:
    """The JSON value of ``data``, or :class:`InputError` naming why it is refused.

    ``what`` names the input in the message ("the body", "line 12").
    """
    if isinstance(data, bytes):
        if len(data) > limits.max_bytes:
            raise _refuse(what, f"it is over the limit of {limits.max_bytes:,} bytes")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise _refuse(what, f"it is not UTF-8 text (byte {e.start + 1})") from None
    else:
        text = data
        if len(text) > limits.max_bytes:
            raise _refuse(what, f"it is over the limit of {limits.max_bytes:,} characters")
    try:
        value = json.loads(text, **_number_hooks(limits))
    except json.JSONDecodeError as e:
        reason = f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        raise _refuse(what, reason) from None
    except _Refused as e:
        raise _refuse(what, str(e)) from None
    except RecursionError:
        raise _refuse(what, _too_deep(limits)) from None
    # no string can be longer than the text: with lone surrogates left to the caller, only the
    # depth is left to check (the service's case)
    if limits.surrogates and len(text) <= limits.max_string_chars and _shallow(value, limits):
        return value
    problem = first_problem(value, limits)
    if problem is not None:
        raise _refuse(what, problem[1], problem[0])
    return value


def _too_deep(limits: JsonLimits) -> str:
    return f"it is nested deeper than {limits.max_depth} levels"


def first_problem(value: Any, limits: JsonLimits = LIMITS) -> tuple[str, str] | None:
    """The path and reason of the first part of a parsed value over ``limits`` (depth, string
    length, lone surrogates), or ``None``. Iterative: any depth is walked safely."""
    if _fits(value, limits):
        return None  # the usual case, found without building every node's path
    for path, depth, item in _walk(value, limits.max_depth):
        if isinstance(item, dict | list) and depth >= limits.max_depth:
            return path, _too_deep(limits)
        if isinstance(item, str):
            reason = string_problem(item, limits)
            if reason is not None:
                return path, reason
    return None


def _fits(value: Any, limits: JsonLimits) -> bool:
    """Whether :func:`first_problem` finds nothing: no container at ``max_depth`` or deeper
    (whatever is below one is not looked at then, but the container is a problem itself), no
    string or key over the limits. The same conditions without the paths."""
    check_strings = not limits.surrogates
    max_chars = limits.max_string_chars
    stack: list[tuple[int, Any]] = [(0, value)]
    while stack:
        depth, item = stack.pop()
        if isinstance(item, dict):
            if depth >= limits.max_depth:
                return False
            for key, child in item.items():
                if isinstance(key, str) and (
                    len(key) > max_chars or (check_strings and _LONE_SURROGATE.search(key))
                ):
                    return False
                stack.append((depth + 1, child))
        elif isinstance(item, list):
            if depth >= limits.max_depth:
                return False
            stack.extend((depth + 1, child) for child in item)
        elif isinstance(item, str) and (
            len(item) > max_chars or (check_strings and _LONE_SURROGATE.search(item))
        ):
            return False
    return True


def _shallow(value: Any, limits: JsonLimits) -> bool:
    """Whether no container of ``value`` is at ``max_depth`` or deeper (:func:`_fits`'s depth
    rule alone), level by level: only containers are kept from one level to the next."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limits.max_depth):
        if not level:
            return True
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return not level


def string_problem(text: str, limits: JsonLimits = LIMITS) -> str | None:
    """Why one string (a value or a key) is over ``limits``, or ``None``."""
    if len(text) > limits.max_string_chars:
        return f"a text of {len(text):,} characters; at most {limits.max_string_chars:,} are read"
    if not limits.surrogates and _LONE_SURROGATE.search(text):
        return "a text holds a lone UTF-16 surrogate (such as \\ud800), which is not a character"
    return None


def lone_surrogate_path(value: Any) -> str | None:
    """The path of the first string or key of ``value`` holding a lone surrogate, if any."""
    for path, _depth, item in _walk(value, None):
        if isinstance(item, str) and _LONE_SURROGATE.search(item):
            return path
    return None


def _walk(value: Any, max_depth: int | None) -> Iterator[tuple[str, int, Any]]:
    """Every node (and object key) with its path and depth (the root's is 0), in document
    order, not going below a container at ``max_depth``."""
    stack: list[tuple[str, int, Any]] = [("$", 0, value)]
    while stack:
        path, depth, item = stack.pop()
        yield path, depth, item
        if max_depth is not None and depth >= max_depth:
            continue
        children: list[tuple[str, int, Any]] = []
        if isinstance(item, dict):
            for key, child in item.items():
                where = f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{_quoted(key)}]"
                yield where, depth + 1, key
                children.append((where, depth + 1, child))
        elif isinstance(item, list):
            children = [(f"{path}[{i}]", depth + 1, child) for i, child in enumerate(item)]
        stack.extend(reversed(children))  # in document order


def _quoted(key: str) -> str:
    # ASCII, escapes and all (a lone surrogate included), and short enough for a message
    return json.dumps(key if len(key) <= 64 else key[:64] + "...")


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
