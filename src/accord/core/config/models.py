"""Schemas of Accord's YAML configuration.

A configuration directory holds YAML files whose top-level keys are any of the sections of
:class:`ConfigDocument`. Everything here is declarative; :mod:`accord.core.config.loader`
reads the files, collects every problem with its file and line, and builds a
:class:`accord.core.config.loader.Configuration`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from accord.core.alerts.models import AlertRule, Channel
from accord.core.contracts.models import ContractSpec
from accord.core.events import Actor, Kind, StatusCategory
from accord.core.kpi.models import KpiSpec
from accord.core.timeutil import parse_date, parse_duration, zone

# ---------------------------------------------------------------- scalar types


def _duration(v: Any) -> int:
    return parse_duration(v)


def _date(v: Any) -> date:
    return parse_date(v)


Duration = Annotated[int, BeforeValidator(_duration)]
Day = Annotated[date, BeforeValidator(_date)]

_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_clock(text: str) -> int:
    """Local wall time ``"HH:MM[:SS]"`` -> seconds after midnight; ``"24:00"`` is allowed."""
    m = _CLOCK_RE.match(str(text).strip())
    if not m:
        raise ValueError(f"'{text}' is not a time of day such as '09:00' or '17:30'")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        raise ValueError(f"'{text}' is not a valid time of day (00:00 to 24:00)")
    return h * 3600 + mi * 60 + s


class Window(BaseModel):
    """One opening window in local time, ``[open, close]``.

    ``close <= open`` makes it an overnight window that ends on the next day; it belongs to the
    day it starts (its opening day's holidays and special hours decide whether it runs).
    """

    model_config = ConfigDict(frozen=True)

    open: int  # seconds after local midnight
    close: int  # seconds after local midnight of the opening day (> 86400 when overnight)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            if len(v) != 2:
                raise ValueError("a window is a pair [open, close], e.g. ['09:00', '17:00']")
            o, c = parse_clock(v[0]), parse_clock(v[1])
            if o == 86400:
                raise ValueError("a window cannot open at 24:00")
            if c == o:
                raise ValueError(
                    "a window that opens and closes at the same time is empty; "
                    "write ['00:00', '24:00'] for a whole day"
                )
            if c < o:
                c += 86400  # overnight: closes on the next day
            return {"open": o, "close": c}
        return v

    @property
    def seconds(self) -> int:
        return self.close - self.open


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def expand_day_key(key: str) -> list[int]:
    """``"mon-fri" -> [0..4]``, ``"sat,sun" -> [5, 6]``, ``"daily" -> [0..6]``."""
    out: list[int] = []
    for part in str(key).lower().replace(" ", "").split(","):
        if part in ("daily", "everyday", "all"):
            out.extend(range(7))
        elif "-" in part:
            a, _, b = part.partition("-")
            if a not in WEEKDAYS or b not in WEEKDAYS:
                raise ValueError(f"'{key}' is not a day range such as 'mon-fri'")
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            out.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part in WEEKDAYS:
            out.append(WEEKDAYS.index(part))
        else:
            raise ValueError(
                f"'{part}' is not a weekday; use mon, tue, wed, thu, fri, sat, sun, "
                "a range such as 'mon-fri', a list such as 'sat,sun', or 'daily'"
            )
    return out


class WeeklyHours(BaseModel):
    """Opening windows per weekday (index 0 = Monday)."""

    model_config = ConfigDict(frozen=True)

    days: tuple[tuple[Window, ...], ...]

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, v: Any) -> Any:
        if isinstance(v, dict) and "days" not in v:
            days: list[list[Any]] = [[] for _ in range(7)]
            seen: dict[int, str] = {}
            for key, windows in v.items():
                if not isinstance(windows, list):
                    raise ValueError(f"'{key}' must map to a list of [open, close] windows")
                for d in expand_day_key(key):
                    if d in seen:
                        raise ValueError(
                            f"{WEEKDAYS[d]} is given twice (in '{seen[d]}' and '{key}')"
                        )
                    seen[d] = str(key)
                    days[d] = list(windows)
            return {"days": days}
        return v


class HolidaySource(BaseModel):
    """Public holidays from the ``holidays`` package."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] | None = None  # e.g. ["public", "bank"]; default: public

    @model_validator(mode="after")
    def _known(self) -> HolidaySource:
        from accord.core.holiday_sets import country_holidays

        try:
            kwargs: dict[str, Any] = {"subdiv": self.subdivision, "years": 2024}
            if self.categories:
                kwargs["categories"] = self.categories
            country_holidays(self.country, **kwargs)
        except NotImplementedError:
            raise ValueError(
                f"'{self.country}' is not a country the holidays package knows "
                "(use an ISO 3166-1 alpha-2 code such as 'US' or 'DE')"
            ) from None
        except (ValueError, KeyError) as exc:
            raise ValueError(f"holidays for {self.country}: {exc}") from None
        return self


class ClosedDate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Day
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_scalar(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return {"date": v}
        return v


class SpecialHours(BaseModel):
    """Replaces the weekly windows of one local date (``hours: []`` closes it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Day
    hours: tuple[Window, ...]
    name: str = ""


class Closure(BaseModel):
    """A part-day closure on one local date: ``[from, to)`` is cut out of that day's windows."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    date: Day
    from_: int = Field(alias="from")
    to: int
    reason: str = ""

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _clock(cls, v: Any) -> int:
        return parse_clock(v) if not isinstance(v, int) else v

    @model_validator(mode="after")
    def _order(self) -> Closure:
        if self.to <= self.from_:
            raise ValueError("a closure's 'to' must be later than its 'from' on the same day")
        return self


class CalendarVersion(BaseModel):
    """From ``effective_from`` (a local date) on, these hours and holidays replace the earlier
    ones. Keys left out keep the previous version's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_from: Day
    hours: WeeklyHours | None = None
    holidays: tuple[HolidaySource, ...] | None = None


class CalendarSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tz: str = "UTC"
    hours: WeeklyHours
    holidays: tuple[HolidaySource, ...] = ()
    closed_dates: tuple[ClosedDate, ...] = ()
    special_hours: tuple[SpecialHours, ...] = ()
    closures: tuple[Closure, ...] = ()
    versions: tuple[CalendarVersion, ...] = ()
    description: str = ""

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        zone(v)
        return v

    @field_validator("versions")
    @classmethod
    def _versions_ordered(cls, v: tuple[CalendarVersion, ...]) -> tuple[CalendarVersion, ...]:
        dates = [x.effective_from for x in v]
        if len(set(dates)) != len(dates):
            raise ValueError("two calendar versions have the same effective_from date")
        return tuple(sorted(v, key=lambda x: x.effective_from))


# ---------------------------------------------------------------- conditions

Scalar = str | int | float | bool


class FieldTest(BaseModel):
    """A test on one ticket field. Plain YAML forms: a scalar (equality, or for ``tags``:
    contains), a list (membership, or for ``tags``: contains any), or a mapping of operators."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Scalar, ...] | None = None
    any: tuple[str, ...] | None = None  # tags: at least one of
    all: tuple[str, ...] | None = None  # tags: every one of
    none: tuple[str, ...] | None = None  # tags: none of
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if isinstance(v, list):
            return {"in": v}
        if isinstance(v, (str, int, float, bool)):
            return {"eq": v}
        return v

    @model_validator(mode="after")
    def _one(self) -> FieldTest:
        if not self.model_fields_set:
            raise ValueError(
                "an empty test; use a value, a list, or one of eq, ne, in, not_in, any, all, "
                "none, exists"
            )
        return self


class EventCondition(BaseModel):
    """Which events a custom clock reacts to. Every key given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: tuple[Kind, ...] | None = None
    actor: tuple[Actor, ...] | None = None
    public: bool | None = None
    status: tuple[StatusCategory, ...] | None = None  # the event moves the status into one of these
    field: str | None = None  # the event sets this field ...
    equals: Scalar | None = None  # ... to this value
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")  # ... to one of these
    tag_added: str | None = None
    reopened: bool | None = None  # the event moves the status out of solved / closed

    @field_validator("kind", "actor", "status", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


# ---------------------------------------------------------------- policies

BUILTIN_METRICS = (
    "first_response",
    "next_reply",
    "periodic_update",
    "pausable_update",
    "resolution",
    "total_resolution",
    "requester_wait",
    "agent_work",
    "time_to_own",
)

ReopenRule = Literal["continue", "new_cycle"]
PriorityChangeRule = Literal["keep", "restart"]


class Warnings(BaseModel):
    """Warning thresholds: shares of the target (0 < share < 1) and remaining business time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shares: tuple[float, ...] = ()
    remaining: tuple[Duration, ...] = ()

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        for s in v:
            if not 0 < s < 1:
                raise ValueError(f"a warning share must be between 0 and 1 (exclusive), got {s}")
        return tuple(sorted(set(v)))

    @field_validator("remaining")
    @classmethod
    def _remaining(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        for r in v:
            if r <= 0:
                raise ValueError("a remaining-time warning must be longer than 0s")
        return tuple(sorted(set(v), reverse=True))


_METRIC_OPTION_KEYS = {"targets", "pause", "reopen", "priority_change", "warnings"}


class MetricTargets(BaseModel):
    """One metric in a policy: its targets by priority and its options.

    Short YAML forms: ``null`` (measured, no target), one duration (the same target for every
    priority), or a mapping ``priority -> duration``; ``default`` covers unlisted priorities.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: dict[str, Duration | None] = Field(default_factory=dict)
    pause: tuple[StatusCategory, ...] | None = None  # None: the policy's default pause set
    reopen: ReopenRule | None = None
    priority_change: PriorityChangeRule | None = None
    warnings: Warnings | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if v is None:
            return {}
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            return {"targets": {"default": v}}
        if isinstance(v, dict) and not (set(v) & _METRIC_OPTION_KEYS):
            return {"targets": v}
        return v

    def target_for(self, priority: str | None) -> int | None:
        if priority is not None and priority in self.targets:
            return self.targets[priority]
        return self.targets.get("default")


class PolicyVersion(BaseModel):
    """From ``effective_from`` (an instant or a date, UTC) on, the keys given here replace the
    previous version's keys entirely."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_from: Any  # an instant (ISO text) or a date; resolved by the loader
    calendar: str | None = None
    pause: tuple[StatusCategory, ...] | None = None
    reopen: ReopenRule | None = None
    priority_change: PriorityChangeRule | None = None
    warnings: Warnings | None = None
    metrics: dict[str, MetricTargets] | None = None


class PolicySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    when: dict[str, FieldTest] = Field(default_factory=dict)
    calendar: str
    pause: tuple[StatusCategory, ...] = ()
    reopen: ReopenRule = "continue"
    priority_change: PriorityChangeRule = "keep"
    warnings: Warnings = Warnings()
    metrics: dict[str, MetricTargets]
    versions: tuple[PolicyVersion, ...] = ()


# ---------------------------------------------------------------- custom metrics


class MetricSpec(BaseModel):
    """A custom metric: one generic clock (DESIGN §3).

    - ``start``: an event that opens a cycle (ignored while a cycle is open, so a cycle runs
      from the oldest unanswered start);
    - ``stop``: an event that closes the open cycle (judged met or breached);
    - ``cancel``: an event that ends the open cycle without judging it (unless already late);
    - ``armed_by``: start events count only after this has happened once;
    - ``repeat``: a new cycle may open after a stop (otherwise one cycle per ticket);
    - ``restart_on_stop``: the stop event opens the next cycle at once (periodic updates);
    - ``resume_on_reopen``: the policy's reopen rule applies when the ticket leaves solved;
    - ``while_unsolved``: no cycle opens while the ticket is solved or closed;
    - ``pause``: ``policy`` (the policy's pause set for this metric), ``none``, or a list of
      status categories; ``counting``: instead of pauses, the statuses in which the clock runs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    start: EventCondition
    stop: EventCondition
    cancel: EventCondition | None = None
    armed_by: EventCondition | None = None
    repeat: bool = False
    restart_on_stop: bool = False
    resume_on_reopen: bool = False
    while_unsolved: bool = False
    pause: Literal["policy", "none"] | tuple[StatusCategory, ...] = "policy"
    counting: tuple[StatusCategory, ...] | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_priority: str | None = None  # the priority of a ticket that has none


class ConfigDocument(BaseModel):
    """The sections a configuration file may hold (each optional)."""

    model_config = ConfigDict(extra="forbid")

    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)
    policies: list[PolicySpec] = Field(default_factory=list)
    statuses: dict[str, StatusCategory] = Field(default_factory=dict)
    metrics: dict[str, MetricSpec] = Field(default_factory=dict)
    # name -> accord.core.agreements.models.AgreementSpec: that section owns (and checks) its
    # schema, which builds on the models above
    agreements: dict[str, Any] = Field(default_factory=dict)
    settings: Settings | None = None
    kpis: dict[str, KpiSpec] = Field(default_factory=dict)
    contracts: dict[str, ContractSpec] = Field(default_factory=dict)
    alerts: dict[str, AlertRule] = Field(default_factory=dict)
    channels: dict[str, Channel] = Field(default_factory=dict)
