"""Import mappings: how one source's rows become canonical events (see docs/importers.md).

A mapping is a YAML file. Every importer ships a default one in
``accord/io/importers/mappings/<format>.yaml``; ``accord import --mapping FILE`` replaces it
(copy the default and edit it). The keys:

==================  ========================================================================
key                 meaning
==================  ========================================================================
``format``          optional: the import format this mapping is written for (checked)
``description``     free text
``source_tz``       the IANA zone of timestamps that carry no offset (``--source-tz`` wins)
``drop_offset``     ``true``: the source's offsets are wrong (an export artefact); read its
                    timestamps as wall-clock time in ``source_tz``
``timestamp_format``  one ``strptime`` format or a list tried in order; ``iso`` is ISO 8601
                    (the default); ``epoch`` is seconds since 1970 (numbers)
``missing``         cell values that mean "no value" (default: the empty cell)
``columns``         the source columns (or keys) the importer reads, by role; each format
                    lists its roles (a role may name several columns where the format says so)
``statuses``        source status name -> status category (``new``, ``open``, ``pending``,
                    ``on_hold``, ``solved``, ``closed``); names compare ignoring case
``initial_status``  the status a ticket has when created, when the source's first row shows a
                    later one (ServiceNow, Freshdesk)
``fields``          canonical field (``status`` excepted: see ``columns``) -> source column
``custom_fields``   custom field name -> source column, or ``{column: ..., type: ...}`` with
                    type ``auto`` (default), ``text``, ``int``, ``float`` or ``bool``
``values``          per canonical field, source value -> canonical value (``null`` clears);
                    values not listed pass through unchanged
``tag_separator``   how a tags cell separates its tags (default ``;``)
``delimiter``       CSV formats: the cell separator (default ``,``)
``activities``      process-mining logs: activity -> ``{status, message, assign}``
``unmapped_activities``  ``keep`` (default: the event records the activity only) or
                    ``quarantine``
``snapshot``        generic CSV: ``true`` when each row is the ticket's whole state after an
                    update (events then carry only what changed)
==================  ========================================================================

Problems are collected, each with its file and line, and raised together as one
:class:`~accord.errors.ConfigError` (exit code 3), like the SLA configuration's.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accord.core.config.yamlsrc import YamlPath, YamlSource, dotted, parse_yaml
from accord.core.events import STANDARD_FIELDS, Actor, StatusCategory
from accord.core.timeutil import zone
from accord.errors import ConfigError, ConfigIssue, NotFoundError

MAPPINGS_PACKAGE = "accord.io.importers.mappings"
ISO = "iso"
EPOCH = "epoch"
_CATEGORY_NAMES = {c.value: c for c in StatusCategory}


class CustomField(BaseModel):
    """One custom field: the source column (or key) it comes from and how to type it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    type: Literal["auto", "text", "int", "float", "bool"] = "auto"


class MessageRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    actor: Actor
    public: bool = True


class ActivityRule(BaseModel):
    """What one process-mining activity means for the ticket."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: str | None = None  # a name in ``statuses`` or a status category
    message: MessageRule | None = None  # the activity is a message
    assign: bool = False  # the activity's resource becomes the assignee


def _text_keys(value: Any) -> Any:
    # YAML reads "2: open" with an int key; source values are compared as text
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


def _scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class ImportMapping(BaseModel):
    """A validated mapping (the module docstring explains each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str | None = None
    description: str = ""
    source_tz: str | None = None
    drop_offset: bool = False
    timestamp_format: tuple[str, ...] = (ISO,)
    missing: tuple[str, ...] = ("",)
    columns: dict[str, str | tuple[str, ...] | None] = Field(default_factory=dict)
    statuses: dict[str, StatusCategory] = Field(default_factory=dict)
    initial_status: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    custom_fields: dict[str, CustomField] = Field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    tag_separator: str = ";"
    delimiter: str = ","
    activities: dict[str, ActivityRule] = Field(default_factory=dict)
    unmapped_activities: Literal["keep", "quarantine"] = "keep"
    snapshot: bool = False

    # lookups built once, as plain attributes: the importers use them on every row
    @cached_property
    def status_table(self) -> dict[str, StatusCategory]:
        return {k.strip().casefold(): v for k, v in self.statuses.items()}

    @cached_property
    def missing_set(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.missing) | {""}

    @cached_property
    def field_plan(
        self,
    ) -> tuple[tuple[str, str, CustomField | None, dict[str, str | None] | None], ...]:
        """``(field, column, custom spec or None, value map or None)`` for every mapped field."""
        std = [(n, c, None, self.values.get(n)) for n, c in self.fields.items()]
        custom = [(n, s.column, s, self.values.get(n)) for n, s in self.custom_fields.items()]
        return (*std, *custom)

    @field_validator("timestamp_format", "missing", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if isinstance(v, str):
            return (v,)
        if isinstance(v, list | tuple):
            return tuple(_scalar_text(x) for x in v)
        return v

    @field_validator("statuses", "activities", mode="before")
    @classmethod
    def _keys_as_text(cls, v: Any) -> Any:
        return _text_keys(v)

    @field_validator("values", mode="before")
    @classmethod
    def _value_maps(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {
                str(k): (
                    {str(a): _scalar_text(b) for a, b in m.items()} if isinstance(m, Mapping) else m
                )
                for k, m in v.items()
            }
        return v

    @field_validator("custom_fields", mode="before")
    @classmethod
    def _short_custom(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): {"column": c} if isinstance(c, str) else c for k, c in v.items()}
        return v

    @field_validator("initial_status", mode="before")
    @classmethod
    def _status_text(cls, v: Any) -> Any:
        return _scalar_text(v)

    # ---- used by the importers

    def tz(self) -> tzinfo | None:
        return zone(self.source_tz) if self.source_tz else None

    def status_category(self, name: object) -> StatusCategory | None:
        """The category of a source status (case-insensitive); a category name maps to itself."""
        key = str(name).strip().casefold()
        return self.status_table.get(key) or _CATEGORY_NAMES.get(key)

    def role(self, name: str) -> tuple[str, ...]:
        """The columns a role names (empty when the role is not mapped)."""
        got = self.columns.get(name)
        if got is None:
            return ()
        return (got,) if isinstance(got, str) else got

    def column(self, name: str) -> str | None:
        cols = self.role(name)
        return cols[0] if cols else None

    def is_missing(self, value: object) -> bool:
        if value is None:
            return True
        if value.__class__ is str:
            return value in self.missing_set or value.strip() in self.missing_set
        return False

    def map_value(self, field: str, value: Any) -> Any:
        """Apply ``values[field]`` to a source value (text comparison); ``None`` stays."""
        if value is None:
            return None
        table = self.values.get(field)
        if table is None:
            return value
        key = _scalar_text(value)
        if isinstance(key, str) and key in table:
            return table[key]
        return value

    def parse_ts(self, value: Any) -> datetime:
        """A source timestamp as a ``datetime`` (naive when the source gives no offset: the
        canonical validator then applies ``source_tz``). Raises ``ValueError`` with a reason."""
        return _parse_ts(value, self.timestamp_format, self.drop_offset)


@lru_cache(maxsize=65536)
def _strptime(text: str, fmt: str) -> datetime:
    # an audit export repeats the same incident-level instants on every row: cache them
    return datetime.strptime(text, fmt)


def _parse_ts(value: Any, formats: Sequence[str], drop_offset: bool) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if EPOCH not in formats:
            raise ValueError(f"{value} is a number; add 'epoch' to timestamp_format to read it")
        dt = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        dt_or_none: datetime | None = None
        for fmt in formats:
            try:
                if fmt == ISO:
                    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
                    dt_or_none = datetime.fromisoformat(iso)
                elif fmt == EPOCH:
                    dt_or_none = datetime.fromtimestamp(float(text), UTC)
                else:
                    dt_or_none = _strptime(text, fmt)
                break
            except (ValueError, OverflowError):
                continue
        if dt_or_none is None:
            shown = ", ".join("ISO 8601" if f == ISO else f"'{f}'" for f in formats)
            raise ValueError(f"'{text}' does not match the timestamp format ({shown})")
        dt = dt_or_none
    else:
        raise ValueError("the timestamp is empty")
    if drop_offset and dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None)
    return dt


# ---------------------------------------------------------------- what a format accepts


@dataclass(frozen=True, slots=True)
class Role:
    """A column role a format reads: ``columns: {<name>: <column>}``."""

    name: str
    required: bool = False
    many: bool = False  # may name several columns (the format says how they combine)
    help: str = ""


@dataclass(frozen=True, slots=True)
class MappingRules:
    """What one import format accepts in a mapping, for :func:`check_mapping`."""

    format: str
    roles: tuple[Role, ...] = ()
    keys: frozenset[str] = frozenset()  # top-level keys used beyond the common ones


COMMON_KEYS = frozenset(
    {
        "format",
        "description",
        "source_tz",
        "drop_offset",
        "timestamp_format",
        "missing",
        "statuses",
        "fields",
        "custom_fields",
        "values",
    }
)


# ---------------------------------------------------------------- loading


def shipped_mappings() -> list[str]:
    """The names of the mappings shipped with Accord (``--mapping NAME`` accepts them)."""
    folder = resources.files(MAPPINGS_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def shipped_mapping_text(name: str) -> str:
    """The text of a shipped mapping (``name`` without ``.yaml``)."""
    ref = resources.files(MAPPINGS_PACKAGE) / f"{name}.yaml"
    if not ref.is_file():
        raise NotFoundError(
            f"no shipped mapping named '{name}'; shipped: {', '.join(shipped_mappings())}"
        )
    return ref.read_text(encoding="utf-8")


def load_mapping(
    where: str | os.PathLike[str], rules: MappingRules, *, shipped: bool = False
) -> ImportMapping:
    """Load and check a mapping: a file, or (``shipped=True``, or when no such file exists
    and ``where`` names one) a mapping shipped with Accord. Raises :class:`ConfigError` with
    every problem, each with its file and line."""
    path = Path(where)
    if not shipped and path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError([ConfigIssue(str(path), None, f"not UTF-8 text ({e.reason})")]) from e
        return parse_mapping(text, str(path), rules)
    name = os.fspath(where)
    if shipped or name in shipped_mappings():
        label = f"<shipped mapping {name}>"
        return parse_mapping(shipped_mapping_text(name), label, rules)
    raise NotFoundError(
        f"no mapping file '{name}' (nor a shipped mapping of that name: "
        f"{', '.join(shipped_mappings())})"
    )


def parse_mapping(text: str, file: str, rules: MappingRules) -> ImportMapping:
    """Parse and check mapping text; ``file`` names it in problems."""
    src = parse_yaml(text, file)
    issues = list(src.issues)
    if src.data is None and not issues:
        issues.append(ConfigIssue(file, None, "the mapping is empty"))
    if issues:
        raise ConfigError(issues)
    data = src.data
    if not isinstance(data, Mapping):
        raise ConfigError(
            [ConfigIssue(file, src.root_line, "a mapping file must be a mapping of keys")]
        )
    mapping: ImportMapping | None = None
    broken: set[str] = set()
    try:
        mapping = ImportMapping.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            broken.add(str(err["loc"][0]) if err["loc"] else "")
            path = _data_path(data, tuple(err["loc"]))
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                key = str(err["loc"][-1])
                known = sorted(ImportMapping.model_fields)
                near = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean '{near[0]}'?" if near else "the keys are " + ", ".join(known)
                issues.append(_issue(src, path, f"unknown key '{key}'", hint))
                continue
            got = err.get("input")
            if isinstance(got, str | int | float) and err["type"] != "missing":
                message += f", got {got!r}"
            issues.append(_issue(src, path, message))
    checked = mapping
    if checked is None:
        # check the sections that are valid too, so that every problem is reported at once
        try:
            rest = {k: v for k, v in data.items() if str(k) not in broken}
            checked = ImportMapping.model_validate(rest)
        except ValidationError:
            checked = None
    issues.extend(check_mapping(data, checked, rules, src, skip=frozenset(broken)))
    if issues or mapping is None:
        raise ConfigError(sorted(issues, key=lambda i: i.line or 0))
    return mapping


def _issue(src: YamlSource, path: YamlPath, message: str, hint: str = "") -> ConfigIssue:
    return ConfigIssue(src.file, src.nearest_line(path), message, hint, path=dotted(path))


def _data_path(data: Any, loc: tuple[Any, ...]) -> YamlPath:
    """The part of a pydantic ``loc`` present in the YAML data (keys compared as text)."""
    out: list[Hashable] = []
    cur = data
    for part in loc:
        if isinstance(cur, Mapping):
            key = next((k for k in cur if k == part or str(k) == str(part)), None)
            if key is None:
                continue
            out.append(key)
            cur = cur[key]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
    return tuple(out)


def _key(data: Mapping[Any, Any], section: str, name: str) -> YamlPath:
    table = data.get(section)
    if isinstance(table, Mapping):
        for k in table:
            if str(k) == name:
                return (section, k)
    return (section,)


def check_mapping(
    data: Mapping[Any, Any],
    mapping: ImportMapping | None,
    rules: MappingRules,
    src: YamlSource,
    skip: frozenset[str] = frozenset(),
) -> list[ConfigIssue]:
    """The checks that need the format: roles, field names, zone, statuses used.

    ``skip`` names sections that failed the schema (already reported): checks that depend on
    them are left out rather than reporting their absence."""
    issues: list[ConfigIssue] = []
    allowed = COMMON_KEYS | rules.keys | {"columns"}
    for key in data:
        if key in ImportMapping.model_fields and key not in allowed:
            issues.append(
                _issue(
                    src,
                    (key,),
                    f"'{key}' is not used by the {rules.format} importer",
                    "remove it; this format's keys are " + ", ".join(sorted(allowed)),
                )
            )
    if mapping is None:
        return issues
    if mapping.format is not None and mapping.format != rules.format:
        issues.append(
            _issue(
                src,
                ("format",),
                f"this mapping is for format '{mapping.format}', not '{rules.format}'",
                f"import with --format {mapping.format}, or use a {rules.format} mapping",
            )
        )
    if mapping.source_tz:
        try:
            zone(mapping.source_tz)
        except ValueError as e:
            issues.append(_issue(src, ("source_tz",), str(e)))
    if mapping.drop_offset and not mapping.source_tz:
        issues.append(
            _issue(
                src,
                ("drop_offset",),
                "drop_offset needs source_tz: the zone in which to read the wall-clock times",
            )
        )
    roles = {r.name: r for r in rules.roles}
    for name, cols in mapping.columns.items():
        path = _key(data, "columns", name)
        role = roles.get(name)
        if role is None:
            near = difflib.get_close_matches(name, list(roles), n=1)
            hint = f"did you mean '{near[0]}'?" if near else ""
            hint = hint or "this format's roles are " + ", ".join(roles)
            issues.append(_issue(src, path, f"unknown column role '{name}'", hint))
        elif isinstance(cols, tuple) and not role.many and len(cols) != 1:
            issues.append(_issue(src, path, f"the role '{name}' takes one column, not a list"))
    for role in rules.roles:
        if "columns" in skip:
            break
        if role.required and not mapping.role(role.name):
            issues.append(
                _issue(
                    src,
                    ("columns",),
                    f"the column role '{role.name}' is required",
                    role.help or f"add it under columns: {role.name}: <source column>",
                )
            )
    for name in mapping.fields:
        if name not in STANDARD_FIELDS or name == "status":
            path = _key(data, "fields", name)
            if name == "status":
                message = "the status comes from 'columns: status' and 'statuses'"
                hint = "move it to columns: {status: <column>}"
            else:
                message = f"'{name}' is not a standard field"
                hint = (
                    "standard fields: "
                    + ", ".join(f for f in STANDARD_FIELDS if f != "status")
                    + f"; put '{name}' under custom_fields"
                )
            issues.append(_issue(src, path, message, hint))
    for name in mapping.custom_fields:
        if name in STANDARD_FIELDS or name == "rating":
            path = _key(data, "custom_fields", name)
            issues.append(_issue(src, path, f"'{name}' is a standard field", "map it under fields"))
    if (
        mapping.initial_status is not None
        and mapping.status_category(mapping.initial_status) is None
    ):
        issues.append(
            _issue(
                src,
                ("initial_status",),
                f"initial_status '{mapping.initial_status}' is not in statuses",
                "add it to statuses, or name a status category",
            )
        )
    for activity, rule in mapping.activities.items():
        if rule.status is not None and mapping.status_category(rule.status) is None:
            issues.append(
                _issue(
                    src,
                    (*_key(data, "activities", activity), "status"),
                    f"status '{rule.status}' of activity '{activity}' is not a status category "
                    "nor in statuses",
                    "the categories are " + ", ".join(_CATEGORY_NAMES),
                )
            )
    return issues
