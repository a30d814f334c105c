"""What every importer shares: the row-to-events contract, the streaming run and its counts.

An importer reads its source row by row (:meth:`Importer.read`) and turns each row into
canonical event dicts (:meth:`Importer.convert`). :class:`ImportRun` drives it: it validates
every dict with the canonical validator (:func:`accord.core.event_validation.validate_event`),
so every event that comes out is valid, and it accounts for every row. A row ends up exactly
one of:

- **with events**: it yielded one or more events;
- **without change**: it changes nothing the canonical model holds (for example a ServiceNow
  audit row that only bumps ``sys_mod_count``, or a Zendesk audit with only notifications);
  it is counted, not written;
- **duplicate**: every event it yields was already written for the same ticket at the same
  instant (a doubled row in a process-mining log); counted, not written again;
- **quarantined**: a :class:`~accord.io.quarantine.QuarantineRecord` names the source, the
  row, the field and the reason, and keeps the raw row. A row whose events are not all valid
  is quarantined whole: half a row would give a ticket a timeline that never happened.

A source that cannot be read to its end (cut short, corrupt) raises
:class:`~accord.errors.DamagedInputError` once every row read before the damage has been
through the above: nothing read is dropped, and the message says how far the read came.
A mapping that gives no event a status is warned about (:attr:`ImportStats.warnings`): no
clock that stops on a status would ever stop.

Memory: rows are read and converted one at a time. What an importer remembers is per ticket
(its last state, to emit only changes), so memory grows with the number of tickets, never
with the number of rows.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from accord.core.event_validation import validate_event
from accord.core.events import Event, FieldValue
from accord.errors import DamagedInputError, InputError, RowProblem
from accord.io.compression import Damaged
from accord.io.importers.mapping import CustomField, ImportMapping, MappingRules, Role
from accord.io.importers.sources import SourceFile, SourceRow, json_records
from accord.io.quarantine import QuarantineRecord

CanonicalDict = dict[str, Any]
# one canonical event before it is a dict: (event_id, ticket, ts, kind, actor, public,
# fields); :func:`event_of` makes the dict. The columnar importer reads them as they are.
EventParts = tuple[
    str | None, str, datetime, str, str | None, bool | None, dict[str, FieldValue] | None
]


@dataclass(slots=True)
class Conversion:
    """What one source row becomes.

    - ``events``: canonical event dicts (the JSON dialect), in the order they happened;
    - ``commit``: called once the row is accepted (every event valid), to update what the
      importer remembers per ticket; it is not called for a quarantined row;
    - ``problem``: ``(field, reason)`` when the row cannot be converted.

    No events and no problem means the row changes nothing the canonical model holds.
    """

    events: list[CanonicalDict] = field(default_factory=list)
    commit: Callable[[], None] | None = None
    problem: tuple[str, str] | None = None
    # the events as :data:`EventParts` instead of dicts (the columnar importer's batches)
    parts: list[EventParts] | None = None

    @classmethod
    def bad(cls, field_name: str, reason: str) -> Conversion:
        return cls(problem=(field_name, reason))


class RowError(Exception):
    """Raised while converting a row: quarantine it with this field and reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class Importer(ABC):
    """One source format. Subclasses set the class attributes and implement two methods."""

    format: ClassVar[str]
    title: ClassVar[str]  # for help texts: what the source is
    roles: ClassVar[tuple[Role, ...]] = ()
    keys: ClassVar[frozenset[str]] = frozenset()  # mapping keys used beyond the common ones
    row_name: ClassVar[str] = "row"  # what one row of this source is called in summaries
    # custom fields the importer sets itself (beyond the mapping's), for CSV output columns
    extra_fields: ClassVar[tuple[str, ...]] = ("source_status",)
    unchanged_means: ClassVar[str] = "nothing the canonical model holds changed"
    # how to give events a status, for the warning when the mapping gives none
    status_hint: ClassVar[str] = (
        "map the status under 'statuses:' (source status -> new, open, pending, on_hold, "
        "solved or closed)"
    )

    def __init__(self, mapping: ImportMapping) -> None:
        self.mapping = mapping
        self.warnings: list[str] = []  # about the source as a whole (e.g. unread columns)

    def no_status_hint(self) -> str:
        """What to do when no event got a status (importers may name what they saw)."""
        return self.status_hint

    @classmethod
    def rules(cls) -> MappingRules:
        return MappingRules(cls.format, cls.roles, cls.keys)

    @abstractmethod
    def read(self, src: SourceFile) -> Iterator[SourceRow]:
        """Stream the source's rows (one in memory at a time)."""

    @abstractmethod
    def convert(self, row: SourceRow) -> Conversion:
        """Turn one row into canonical event dicts; raise :class:`RowError` for a bad row."""


_QUOTED = re.compile(r"'[^']*'")


def reason_group(record: QuarantineRecord) -> str:
    """A reason with its quoted values blanked, to count problems of one kind together."""
    return f"{record.field}: " + _QUOTED.sub("'…'", record.reason)


@dataclass
class ImportStats:
    """The counts of one import. ``rows`` is always the sum of the four row outcomes."""

    source: str
    format: str
    row_name: str = "row"
    unchanged_means: str = ""
    rows: int = 0
    rows_with_events: int = 0
    unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    events: int = 0
    tickets: int = 0  # tickets with at least one event written
    status_events: int = 0  # events written that set a status
    kinds: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason group -> first record
    warnings: list[str] = field(default_factory=list)

    def accounted(self) -> bool:
        """Every row is in exactly one outcome."""
        outcomes = self.rows_with_events + self.unchanged + self.duplicates + self.quarantined
        return self.rows == outcomes

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "rows": self.rows,
            "rows_with_events": self.rows_with_events,
            "rows_without_change": self.unchanged,
            "duplicate_rows": self.duplicates,
            "rows_quarantined": self.quarantined,
            "events": self.events,
            "tickets": self.tickets,
            "events_by_kind": dict(self.kinds),
            "quarantine_reasons": dict(self.reasons.most_common()),
            "warnings": list(self.warnings),
        }


ProgressFn = Callable[[int, int], None]
QuarantineFn = Callable[[QuarantineRecord], None]


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def refuse_nothing_imported(stats: ImportStats, quarantine: str | None) -> None:
    """Raise :class:`InputError` when an import that ran gave no event: an empty source, or
    one whose every row was quarantined (``quarantine`` says where they are kept)."""
    if stats.events:
        return
    row = stats.row_name
    if not stats.rows:
        raise InputError(f"{stats.source}: the file holds no {row}s: nothing to import")
    parts = [f"{_count(stats.quarantined, row)} quarantined"]
    if stats.unchanged or stats.duplicates:
        parts.append(f"{stats.unchanged + stats.duplicates:,} without change or repeated")
    first = ""
    if stats.reasons:
        group, n = stats.reasons.most_common(1)[0]
        first = f"; the most common reason ({n:,} × {group}), e.g. {stats.examples[group]}"
    kept = f" (kept in {quarantine})" if quarantine and stats.quarantined else ""
    raise InputError(
        f"{stats.source}: none of its {_count(stats.rows, row)} gave an event: "
        f"{', '.join(parts)}{kept}{first}",
        details=[stats.to_dict()],
    )


def validate_row_events(
    dicts: list[CanonicalDict], source: str, row: int, seq: int, tz: tzinfo | None
) -> list[Event] | tuple[str, str]:
    """The events of one source row, validated; or ``(field, reason)`` of the first invalid
    one (a row is quarantined whole). The row and the columnar importer both use it."""
    events: list[Event] = []
    for i, d in enumerate(dicts):
        got = validate_event(d, source=source, row=row, seq=seq + i, source_tz=tz)
        if isinstance(got, RowProblem):
            where = f"event {i + 1} of {len(dicts)} ({d.get('kind')}): " if len(dicts) > 1 else ""
            return got.field, where + got.reason
        events.append(got)
    return events


class ImportRun:
    """One import of one file: iterate :meth:`events`; the counts are in :attr:`stats`.

    ``on_quarantine`` receives each quarantined row as it is found (the CLI appends it to the
    quarantine file); without it the records are kept in :attr:`quarantined`.
    ``on_progress(done, total)`` is called every ``progress_every`` rows with the bytes of the
    file on disk read so far.
    """

    def __init__(
        self,
        importer: Importer,
        path: str | os.PathLike[str],
        *,
        on_quarantine: QuarantineFn | None = None,
        on_progress: ProgressFn | None = None,
        progress_every: int = 2000,
    ) -> None:
        self.importer = importer
        self.source = SourceFile(path)
        self.on_quarantine = on_quarantine
        self.on_progress = on_progress
        self.progress_every = max(1, progress_every)
        self.quarantined: list[QuarantineRecord] = []
        self.stats = ImportStats(
            source=self.source.path,
            format=importer.format,
            row_name=importer.row_name,
            unchanged_means=importer.unchanged_means,
        )
        self._tz = importer.mapping.tz()
        # per ticket: the instant of its latest event and the digests of its events there
        self._recent: dict[str, tuple[int, set[str]]] = {}

    def _quarantine(self, row: SourceRow, field_name: str, reason: str) -> None:
        record = QuarantineRecord(self.source.path, row.row, field_name, reason, dict(row.data))
        self.stats.quarantined += 1
        group = reason_group(record)
        self.stats.reasons[group] += 1
        self.stats.examples.setdefault(group, record.render())
        if self.on_quarantine is not None:
            self.on_quarantine(record)
        else:
            self.quarantined.append(record)

    def _validate(self, row: SourceRow, dicts: list[CanonicalDict], seq: int) -> list[Event] | None:
        got = validate_row_events(dicts, self.source.path, row.row, seq, self._tz)
        if isinstance(got, tuple):
            self._quarantine(row, *got)
            return None
        return got

    def _fresh(self, event: Event) -> bool:
        """False when the same event was already written for its ticket at the same instant.

        Events are the same when their ids are: a source id, or the content hash the validator
        gives an event without one."""
        digest = event.event_id
        last = self._recent.get(event.ticket_id)
        if last is None or last[0] != event.ts:
            self._recent[event.ticket_id] = (event.ts, {digest})
            return True
        if digest in last[1]:
            return False
        last[1].add(digest)
        return True

    def events(self) -> Iterator[Event]:
        """Stream the valid events, in source order.

        A source that cannot be read to its end raises :class:`DamagedInputError` after the
        events of every row read before the damage."""
        try:
            yield from self._events()
        except Damaged as d:
            self._finish()
            raise self._damaged(d.reason) from None
        self._finish()

    def _finish(self) -> None:
        importer, stats = self.importer, self.stats
        stats.tickets = len(self._recent)
        stats.warnings = list(importer.warnings)
        if stats.events and not stats.status_events:
            stats.warnings.append(
                f"none of the {stats.events:,} events written sets a status, so no clock "
                f"that stops on a status (resolution, …) will ever stop: "
                f"{importer.no_status_hint()}"
            )
        if self.on_progress is not None:
            self.on_progress(self.source.size, self.source.size)

    def _damaged(self, reason: str) -> DamagedInputError:
        src, stats = self.source, self.stats
        at = src.stopped_at if src.stopped_at is not None else src.size
        unpacked = src.decompressed()
        read = f"{at:,} of its {src.size:,} bytes" + (
            f" ({unpacked:,} bytes once decompressed)" if unpacked is not None else ""
        )
        rows = _count(stats.rows, stats.row_name)
        kept = "those were imported as usual" if stats.rows else "nothing could be imported"
        return DamagedInputError(
            f"{src.path}: {reason}. The read stopped there, after {read} and {rows}: {kept}; "
            "the rest of the file was not read. Repair the file or export it again, then "
            "import it again",
            details=[
                {
                    "source": src.path,
                    "reason": reason,
                    "bytes_read": at,
                    "bytes": src.size,
                    "bytes_decompressed": unpacked,
                    "rows_read": stats.rows,
                }
            ],
        )

    def _events(self) -> Iterator[Event]:
        importer, stats = self.importer, self.stats
        seq = 0
        for row in importer.read(self.source):
            stats.rows += 1
            if self.on_progress is not None and stats.rows % self.progress_every == 0:
                self.on_progress(self.source.position(), self.source.size)
            if row.problem is not None:
                self._quarantine(row, "*", row.problem)
                continue
            try:
                conv = importer.convert(row)
            except RowError as e:
                conv = Conversion.bad(e.field, e.reason)
            except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
                # an API record of an unexpected shape: keep the row rather than stop the import
                conv = Conversion.bad("*", f"cannot convert this {importer.row_name}: {e!r}")
            if conv.problem is not None:
                self._quarantine(row, *conv.problem)
                continue
            if not conv.events:
                if conv.commit is not None:
                    conv.commit()
                stats.unchanged += 1
                continue
            events = self._validate(row, conv.events, seq)
            seq += len(conv.events)
            if events is None:
                continue
            if conv.commit is not None:
                conv.commit()
            fresh = [ev for ev in events if self._fresh(ev)]
            if not fresh:
                stats.duplicates += 1
                continue
            stats.rows_with_events += 1
            stats.events += len(fresh)
            for ev in fresh:
                stats.kinds[ev.kind.value] += 1
                if "status" in ev.fields:
                    stats.status_events += 1
            stats.tickets = len(self._recent)
            yield from fresh


def text_of(value: Any) -> str | None:
    """A source value as trimmed text, ``None`` when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def pick(data: Mapping[str, Any], mapping: ImportMapping, column: str | None) -> Any:
    """The value of ``column`` in a row, ``None`` when absent or one of the missing values."""
    if column is None:
        return None
    value = data.get(column)
    return None if mapping.is_missing(value) else value


class JsonImporter(Importer):
    """An importer over JSON records: API response pages, arrays or JSON Lines."""

    list_keys: ClassVar[frozenset[str]] = frozenset()
    # whether the columnar importer may check records' events in batches: true when a
    # record's conversion reads nothing an earlier record's ``commit`` changes (a record
    # with a commit is otherwise decided before the next is converted: batches of one)
    batch_checks: ClassVar[bool] = False
    # (an importer with ``batch_checks`` implements :meth:`convert_parts`)
    # keys that wrap a single record in a "show" response, e.g. {"audit": {...}}
    wrapper_keys: ClassVar[frozenset[str]] = frozenset()
    keys: ClassVar[frozenset[str]] = frozenset({"tag_separator"})

    def read(self, src: SourceFile) -> Iterator[SourceRow]:
        with src.text() as text:
            for row in json_records(text, self.list_keys):
                if len(row.data) == 1 and row.problem is None:
                    ((key, inner),) = row.data.items()
                    if key in self.wrapper_keys and isinstance(inner, dict):
                        row = SourceRow(row.row, inner)
                yield row

    def record_type(self) -> Any | None:
        """The ``TypedDict`` of the keys :meth:`convert_parts` reads (values ``Any``), for
        the page reader (:mod:`~accord.io.importers.json_pages`) to skip all others;
        ``None``: records are read whole. A record trimmed to these keys must convert as
        the whole record does, and an empty one must not convert (a wrapped record)."""
        return None

    def columns(self) -> Any | None:
        """The columnar conversion of a batch of trimmed records (``derive(records, rows,
        tz)``, see :mod:`~accord.io.importers.jira_columns`), when this importer and its
        mapping have one; ``None``: records are converted one at a time."""
        return None

    def convert_parts(self, row: SourceRow) -> list[EventParts]:
        """A record's events as :data:`EventParts` (what :meth:`convert` turns into dicts),
        for an importer whose records convert on their own (``batch_checks``); raises
        :class:`RowError` as :meth:`convert` does."""
        raise NotImplementedError(f"{type(self).__name__} converts records to dicts only")


@dataclass(frozen=True, slots=True)
class Target:
    """Where one source field goes: a standard field, or a custom field with its type."""

    name: str
    custom: CustomField | None = None


def targets_by_source(m: ImportMapping) -> dict[str, list[Target]]:
    """Source field name -> the canonical fields it feeds (from ``fields`` and
    ``custom_fields``)."""
    out: dict[str, list[Target]] = {}
    for name, source in m.fields.items():
        out.setdefault(source, []).append(Target(name))
    for name, spec in m.custom_fields.items():
        out.setdefault(spec.column, []).append(Target(name, spec))
    return out


def typed(value: Any, spec: CustomField) -> FieldValue:
    """A custom field's value in its declared type; raises ``ValueError`` naming the problem."""
    if value is None:
        return None
    kind = spec.type
    if kind == "auto":
        if isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)
    text = str(value).strip()
    if kind == "text":
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = text.lower()
        if word in ("true", "yes", "1", "y", "t"):
            return True
        if word in ("false", "no", "0", "n", "f"):
            return False
        raise ValueError(f"'{text}' is not true or false")
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a{'n integer' if kind == 'int' else ' number'}"
        ) from None


def split_tags(value: Any, separator: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        pieces = [str(v).strip() for v in value]
    else:
        pieces = [p.strip() for p in str(value).split(separator)]
    return tuple(p for p in pieces if p)


def canonical_value(m: ImportMapping, target: Target, value: Any) -> FieldValue:
    """A source value as the canonical field ``target`` holds it (raises ``RowError``)."""
    if m.is_missing(value):
        value = None
    if target.custom is not None:
        try:
            return typed(m.map_value(target.name, value), target.custom)
        except ValueError as e:
            raise RowError(target.custom.column, f"custom field '{target.name}': {e}") from None
    if target.name == "tags":
        return split_tags(value, m.tag_separator)
    mapped = m.map_value(target.name, text_of(value))
    return None if mapped is None else str(mapped)


def as_bool(value: Any) -> Any:
    """``true`` / ``false`` spelled as text (after a value map) as a bool; others unchanged."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word in ("false", "no", "0"):
            return False
    return value


def make_event(
    event_id: str | None,
    ticket: str,
    ts: datetime,
    kind: str,
    *,
    actor: str | None = None,
    public: bool | None = None,
    fields: Mapping[str, FieldValue] | None = None,
) -> CanonicalDict:
    """One canonical event dict (JSON dialect). A naive ``ts`` is local time in the mapping's
    zone: the validator applies it."""
    out: CanonicalDict = {"ticket_id": ticket, "ts": ts.isoformat(), "kind": kind}
    if event_id is not None:
        out["event_id"] = event_id
    if actor is not None:
        out["actor"] = actor
    if public is not None:
        out["public"] = public
    if fields is not None:
        out["fields"] = {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}
    return out


def event_of(p: EventParts) -> CanonicalDict:
    """The canonical dict of one event's parts (:func:`make_event`)."""
    return make_event(p[0], p[1], p[2], p[3], actor=p[4], public=p[5], fields=p[6])


def dig(record: Mapping[str, Any], path: str) -> Any:
    """``record[path]``, or for a dotted path such as ``custom_fields.cf_plan`` the nested
    value (``None`` when any step is missing)."""
    if path in record:
        return record[path]
    cur: Any = record
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur
