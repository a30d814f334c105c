"""YAML text -> plain Python data, with the line of every mapping key and sequence item.

Accord reports configuration problems by file and line, so the loader needs to know where each
value came from. :func:`parse_yaml` composes the text into PyYAML nodes (the ``SafeLoader``
node graph, exactly what :func:`yaml.compose` returns), walks them once to record lines and to
find duplicate keys, and then constructs the data from the same nodes.

A location is a *path*: a tuple of mapping keys and sequence indexes from the document root,
e.g. ``("policies", 2, "metrics", "resolution")``. Lines are 1-based.

Two deliberate departures from PyYAML's YAML 1.1 resolution, both following YAML 1.2 (whose
core schema dropped these forms) because the 1.1 readings silently corrupt configuration:

- plain scalars that look sexagesimal stay text: ``17:00`` is ``"17:00"``, not the integer
  1020 (opening hours are written exactly like that);
- only ``true`` / ``false`` (any case) are booleans: ``NO`` (Norway), ``on`` and ``yes`` stay
  text. Boolean fields still accept ``yes`` / ``no`` because pydantic reads those strings.

Dates stay as ``SafeLoader`` makes them (``datetime.date`` / ``datetime``); the schemas accept
those as well as ISO text.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from accord.errors import ConfigIssue

YamlPath = tuple[Hashable, ...]

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"

# Bounds the line walk over aliased subtrees (each alias is walked under its own path), so that
# an "alias bomb" cannot make recording lines explode; construction itself shares objects.
_MAX_VISITS = 200_000

# Collections inside one another: a configuration needs a handful of levels; the bound keeps
# every recursive step after parsing (the line walk, construction, the schemas) far from
# Python's recursion limit.
MAX_DEPTH = 64


@dataclass(frozen=True)
class YamlSource:
    """One parsed YAML file: its data, the line of every key / item, and parse problems.

    ``data`` is ``None`` for an empty document or when the text could not be parsed (then
    ``issues`` holds the syntax error).
    """

    file: str
    data: Any
    lines: Mapping[YamlPath, int] = field(default_factory=dict)
    issues: tuple[ConfigIssue, ...] = ()
    root_line: int | None = None  # where the document starts: the last resort for a location

    def line(self, path: YamlPath) -> int | None:
        """The line recorded for exactly ``path``, if any."""
        return self.lines.get(tuple(path))

    def nearest_line(self, path: YamlPath) -> int | None:
        """The line of ``path`` or, when unknown, of its nearest recorded ancestor (at last,
        the start of the document)."""
        p = tuple(path)
        while p:
            got = self.lines.get(p)
            if got is not None:
                return got
            p = p[:-1]
        return self.lines.get((), self.root_line)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def dotted(path: YamlPath) -> str:
    """``("policies", 2, "metrics") -> "policies[2].metrics"`` (for ``ConfigIssue.path``)."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_yaml(text: str, file: str = "<string>") -> YamlSource:
    """Parse one YAML document; never raises for bad input (problems go to ``issues``)."""
    try:
        loader = yaml.SafeLoader(text)  # reads the whole text: a NUL character stops it here
    except yaml.YAMLError as exc:
        return YamlSource(file, None, {}, (_plain_issue(exc, file),))
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            return YamlSource(file, None, {}, (_syntax_issue(exc, file),))
        except yaml.YAMLError as exc:  # unmarked: e.g. a reader error on bad characters
            return YamlSource(file, None, {}, (_plain_issue(exc, file),))
        except RecursionError:  # PyYAML composes nested collections recursively
            return YamlSource(file, None, {}, (_too_deep(file, None),))
        if root is None:
            return YamlSource(file, None)
        deep = _deeper_than(root, MAX_DEPTH)
        if deep is not None:
            return YamlSource(file, None, {}, (_too_deep(file, deep.start_mark.line + 1),))
        _retag_all(root)
        walker = _Walker(loader, file)
        try:
            walker.walk(root, ())
            data = loader.construct_document(root)
        except yaml.MarkedYAMLError as exc:  # e.g. an unknown tag such as !include
            return YamlSource(file, None, walker.lines, (*walker.issues, _syntax_issue(exc, file)))
        start = root.start_mark.line + 1
        return YamlSource(file, data, walker.lines, tuple(walker.issues), start)
    finally:
        loader.dispose()


def _too_deep(file: str, line: int | None) -> ConfigIssue:
    return ConfigIssue(
        file,
        line,
        f"collections are nested deeper than {MAX_DEPTH} levels",
        "a configuration needs a few levels; check the brackets and the indentation",
    )


def _deeper_than(root: Node, limit: int) -> Node | None:
    """The first collection nested more than ``limit`` levels deep, walked iteratively (each
    node once: an alias does not nest its anchor again)."""
    seen: set[int] = set()
    todo: list[tuple[Node, int]] = [(root, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, ScalarNode) or id(node) in seen:
            continue
        if depth > limit:
            return node
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                todo.extend(((k, depth + 1), (v, depth + 1)))
    return None


def _syntax_issue(exc: yaml.MarkedYAMLError, file: str) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "YAML syntax error: " + ("; ".join(parts) if parts else str(exc).splitlines()[0])
    hint = "check the indentation and quoting on this line and the one before it"
    if "expected a single document" in message:
        hint = "put one YAML document in each file (remove the extra '---')"
    elif "could not determine a constructor" in message:
        hint = "custom YAML tags (!...) are not supported; write plain values"
    return ConfigIssue(file, mark.line + 1 if mark else None, message, hint)


def _plain_issue(exc: yaml.YAMLError, file: str) -> ConfigIssue:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
    line = mark.line + 1 if mark is not None and hasattr(mark, "line") else None
    return ConfigIssue(file, line, f"YAML error: {exc}", "save the file as UTF-8 text")


class _Walker:
    """Records lines and duplicate keys, and retags 1.1-only scalars, before construction."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[YamlPath, int] = {}
        self.issues: list[ConfigIssue] = []
        self._visits = 0
        self._stack: set[int] = set()  # node ids on the current branch: stops alias cycles
        self._checked: set[int] = set()  # mappings already checked for duplicate keys

    def walk(self, node: Node, path: YamlPath) -> None:
        if isinstance(node, ScalarNode):
            return
        self._visits += 1
        if id(node) in self._stack or self._visits > _MAX_VISITS:
            return
        self._stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                for i, item in enumerate(node.value):
                    self.lines.setdefault((*path, i), item.start_mark.line + 1)
                    self.walk(item, (*path, i))
            elif isinstance(node, MappingNode):
                self._walk_mapping(node, path)
        finally:
            self._stack.discard(id(node))

    def _walk_mapping(self, node: MappingNode, path: YamlPath) -> None:
        seen: dict[Hashable, int] = {}
        merges: list[Node] = []
        report = id(node) not in self._checked  # an aliased mapping reports duplicates once
        self._checked.add(id(node))
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = self._key(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                if report:
                    self.issues.append(
                        ConfigIssue(
                            self.file,
                            line,
                            f"duplicate key '{key}' (first on line {seen[key]}, again on line "
                            f"{line})",
                            "YAML keeps only the last value; remove one of them or merge them",
                            path=dotted((*path, key)),
                        )
                    )
                # the value that wins is the last one, so its lines are the ones to keep
                self._forget(path, key)
            else:
                seen[key] = line
            self.lines[(*path, key)] = line
            self.walk(value_node, (*path, key))
        # '<<' merge keys: explicit keys win, then earlier merged mappings win over later ones
        for merged in merges:
            sources = merged.value if isinstance(merged, SequenceNode) else [merged]
            for src in sources:
                if not isinstance(src, MappingNode) or id(src) in self._stack:
                    continue
                self._stack.add(id(src))
                try:
                    for key_node, value_node in src.value:
                        if key_node.tag == _MERGE_TAG:
                            continue
                        key = self._key(key_node)
                        if key in seen:
                            continue
                        seen[key] = key_node.start_mark.line + 1
                        self.lines[(*path, key)] = seen[key]
                        self.walk(value_node, (*path, key))
                finally:
                    self._stack.discard(id(src))

    def _forget(self, path: YamlPath, key: Hashable) -> None:
        prefix = (*path, key)
        n = len(prefix)
        for p in [p for p in self.lines if p[:n] == prefix]:
            del self.lines[p]

    def _key(self, node: Node) -> Hashable:
        if isinstance(node, ScalarNode):
            value = self.loader.construct_object(node, deep=True)
            if isinstance(value, Hashable):
                return value
        # complex keys are not meaningful in Accord's configuration; address them by position
        return f"<key on line {node.start_mark.line + 1}>"


def _retag_all(root: Node) -> None:
    """Read the plain scalars whose YAML 1.1 meaning surprises people as text (module doc).

    Visits each node once (aliases share nodes), so it runs before anything is constructed.
    """
    seen: set[int] = set()
    todo: list[Node] = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.style is not None:
                continue
            sexagesimal = node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in node.value
            yes_no = node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false")
            if sexagesimal or yes_no:
                node.tag = _STR_TAG
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                todo.extend((k, v))
