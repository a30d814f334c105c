"""Schemas of the ``kpis:`` configuration section (see ``docs/kpis.md``).

A KPI is exactly one of:

- a **measure**: one aggregate over metric records, tickets, or the backlog at period end;
- a **ratio** of two measures;
- an **expression** over other KPIs (``expr: "tickets_solved / tickets_created"``).

Besides that a KPI has a period (calendar grain in an IANA zone, or rolling days), default
dimensions, a unit, a target with a direction, green/amber bands, an owner, a label (what a
person reads on a tile) and a description.
These models check each definition on its own; references between KPIs, metric names and
column names are checked by :mod:`accord.core.kpi.check` once every file has been read.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from accord.core.timeutil import parse_duration, zone

Source = Literal["records", "tickets", "backlog"]
Agg = Literal[
    "count",
    "share",
    "rate",
    "mean",
    "median",
    "percentile",
    "sum",
    "min",
    "max",
    "count_distinct",
]
Grain = Literal["day", "week", "month", "quarter"]
Direction = Literal["higher", "lower"]
Unit = Literal["count", "percent", "duration", "number"]
RatePer = Literal["hour", "day", "week"]

GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter")
NUMERIC_AGGS = frozenset({"mean", "median", "percentile", "sum", "min", "max"})
# Aggregates whose value for a whole period is the sum of its parts: an empty period is 0 and
# the current period's forecast is a linear extrapolation (see evaluate.py).
ADDITIVE_AGGS = frozenset({"count", "sum"})

MAX_LABEL = 60  # characters: a tile's heading, two short lines at most

KPI_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PERCENTILE_RE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def parse_threshold(v: Any) -> float:
    """A target or band value: a number, a share written ``"95%"`` or a duration ``"10m"``."""
    if isinstance(v, bool):
        raise ValueError("a threshold cannot be true/false; write a number, '95%' or '10m'")
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        text = v.strip()
        if text.endswith("%"):
            try:
                return float(text[:-1]) / 100
            except ValueError:
                raise ValueError(f"'{v}' is not a percentage such as '95%'") from None
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return float(parse_duration(text))
        except ValueError:
            raise ValueError(
                f"'{v}' is not a number, a percentage such as '95%' or a duration such as '10m'"
            ) from None
    raise ValueError(f"expected a number, '95%' or '10m', got {type(v).__name__}")


def _comparable(v: Any) -> Any:
    # comparison operands may be written as durations ("4h") for duration columns
    if isinstance(v, str) and not isinstance(v, bool):
        try:
            return float(v)
        except ValueError:
            return float(parse_duration(v))
    return v


Threshold = Annotated[float, BeforeValidator(parse_threshold)]
Scalar = str | int | float | bool
Bound = Annotated[float, BeforeValidator(_comparable)]


def _listify(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


class ColumnTest(BaseModel):
    """A test on one column. Short forms: a scalar (equality) or a list (membership)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Scalar, ...] | None = None
    gt: Bound | None = None
    ge: Bound | None = None
    lt: Bound | None = None
    le: Bound | None = None
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if isinstance(v, list):
            return {"in": v}
        if isinstance(v, str | int | float | bool):
            return {"eq": v}
        return v

    @model_validator(mode="after")
    def _one(self) -> ColumnTest:
        if not self.model_fields_set:
            raise ValueError(
                "an empty test; use a value, a list, or eq, ne, in, not_in, gt, ge, lt, le, exists"
            )
        return self

    def values(self) -> list[Scalar]:
        """Every value compared for (in)equality, for the checks of known values."""
        out: list[Scalar] = []
        for v in (self.eq, self.ne):
            if v is not None:
                out.append(v)
        for vs in (self.in_, self.not_in):
            if vs is not None:
                out.extend(vs)
        return out

    @property
    def compares(self) -> bool:
        return any(x is not None for x in (self.gt, self.ge, self.lt, self.le))


Filter = dict[str, ColumnTest]


class Measure(BaseModel):
    """One aggregate over the rows of a source that fall in a period.

    ``over``: ``records`` (metric records), ``tickets`` (ticket facts) or ``backlog`` (tickets
    unsolved at the period's end). ``at`` names the instant column that puts a row in a period
    (default: ``stop`` for records, ``created`` for tickets; none for the backlog).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    over: Source = "records"
    agg: Agg
    metric: tuple[str, ...] | None = None
    of: str | None = None
    p: float | None = None
    where: Filter = Field(default_factory=dict)
    condition: Filter | None = None
    at: str | None = None
    per: RatePer | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("agg"), str):
            m = _PERCENTILE_RE.match(v["agg"].strip())
            if m:  # "p90" is percentile 90
                return {**v, "agg": "percentile", "p": float(m.group(1))}
        return v

    _metric_list = field_validator("metric", mode="before")(_listify)

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        if self.agg in NUMERIC_AGGS and self.of is None:
            raise ValueError(f"'{self.agg}' needs 'of': the numeric column it aggregates")
        if self.agg == "count_distinct" and self.of is None:
            raise ValueError("'count_distinct' needs 'of': the column whose values it counts")
        if self.of is not None and self.agg not in (*NUMERIC_AGGS, "count_distinct"):
            raise ValueError(f"'of' has no meaning for '{self.agg}'")
        if self.agg == "percentile":
            if self.p is None:
                raise ValueError("'percentile' needs 'p', e.g. p: 90 (or write agg: p90)")
            if not 0 < self.p < 100:
                raise ValueError(f"'p' must be between 0 and 100 (exclusive), got {self.p}")
        elif self.p is not None:
            raise ValueError("'p' is only for agg: percentile")
        if self.agg == "share" and self.condition is None:
            raise ValueError("'share' needs 'condition': the rows that count as hits")
        if self.agg != "share" and self.condition is not None:
            raise ValueError("'condition' is only for agg: share")
        if self.per is not None and self.agg != "rate":
            raise ValueError("'per' is only for agg: rate")
        if self.metric is not None and self.over != "records":
            raise ValueError("'metric' selects metric records; it needs over: records")
        if self.at is not None and self.over == "backlog":
            raise ValueError("the backlog is counted at each period's end; it takes no 'at'")
        return self

    @property
    def at_column(self) -> str | None:
        if self.over == "backlog":
            return None
        return self.at or ("stop" if self.over == "records" else "created")

    @property
    def additive(self) -> bool:
        return self.agg in ADDITIVE_AGGS and self.over != "backlog"


class Ratio(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    numerator: Measure
    denominator: Measure


def _rolling_days(v: Any) -> Any:
    if isinstance(v, str):
        text = v.strip().lower()
        if text.endswith("d") and text[:-1].strip().isdigit():
            return int(text[:-1])
        if text.isdigit():
            return int(text)
        raise ValueError(f"'{v}' is not a number of days such as 28 or '28d'")
    return v


class PeriodSpec(BaseModel):
    """Calendar periods (``grain``) in ``tz``, or rolling windows of ``rolling`` days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grain: Grain = "week"
    tz: str = "UTC"
    rolling: Annotated[int, BeforeValidator(_rolling_days)] | None = None

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        zone(v)
        return v

    @field_validator("rolling")
    @classmethod
    def _positive(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("a rolling window is at least 1 day long")
        return v

    @model_validator(mode="after")
    def _either(self) -> PeriodSpec:
        if self.rolling is not None and "grain" in self.model_fields_set:
            raise ValueError("give either 'grain' (calendar periods) or 'rolling' (days), not both")
        return self


class Bands(BaseModel):
    """Thresholds of the green and amber bands; beyond amber is red."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    green: Threshold
    amber: Threshold | None = None


class KpiSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = ""  # what a person reads on a tile: "First response, median"
    description: str = ""
    owner: str = ""
    measure: Measure | None = None
    ratio: Ratio | None = None
    expr: str | None = None
    unit: Unit | None = None
    by: tuple[str, ...] = ()
    period: PeriodSpec = Field(default_factory=PeriodSpec)
    target: Threshold | None = None
    direction: Direction | None = None
    bands: Bands | None = None

    _by_list = field_validator("by", mode="before")(_listify)

    @field_validator("label")
    @classmethod
    def _one_line(cls, v: str) -> str:
        v = v.strip()
        if "\n" in v or len(v) > MAX_LABEL:
            raise ValueError(f"a label is one line of at most {MAX_LABEL} characters")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> KpiSpec:
        given = [k for k in ("measure", "ratio", "expr") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(
                f"a KPI is one of measure, ratio or expr; this one gives {' and '.join(given)}"
            )
        if (self.target is not None or self.bands is not None) and self.direction is None:
            raise ValueError(
                "a KPI with a target or bands needs 'direction': higher or lower (is better)"
            )
        b = self.bands
        if b is not None and b.amber is not None:
            if self.direction == "lower" and b.amber < b.green:
                raise ValueError(
                    "with direction: lower the amber threshold must not be below the green one"
                )
            if self.direction == "higher" and b.amber > b.green:
                raise ValueError(
                    "with direction: higher the amber threshold must not be above the green one"
                )
        return self

    @property
    def defined(self) -> bool:
        """Whether it says what to compute (a YAML entry without it customises a built-in)."""
        return self.measure is not None or self.ratio is not None or self.expr is not None
