"""Schemas of the ``contracts:`` configuration section (see ``docs/contracts.md``).

A contract is one customer's agreement: the policies it covers, its objectives per contract
period, how clocks are placed in periods and which tickets are left out, the monthly fee and
the credit each missed objective costs.

These models read and check each value on its own: shares (``95%``), money (``'250.00'``,
exact decimals), durations, the period. Whatever depends on more than one value (the kind of an
objective, tiers in order, a scheme that fits its objective, policy and metric names, money with
more decimals than the currency has) is checked by :mod:`accord.core.contracts.check`, which
reports each problem at its own line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from accord.core.kpi.models import PeriodSpec
from accord.core.timeutil import parse_duration, zone

CountBy = Literal["completed", "decided", "created"]
Kind = Literal["met_share", "max_breaches", "statistic"]
KINDS: tuple[Kind, ...] = ("met_share", "max_breaches", "statistic")
SCHEMES = ("tiers", "per_breach", "per_point", "pool")

# ISO 4217 currencies whose minor unit is not the cent; every other code has two decimals
_MINOR_UNITS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
         "VND", "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip

_PERCENTILE_RE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")
_ROLLING_RE = re.compile(r"^(\d+)\s*d$")


def minor_unit(currency: str) -> int:
    """Decimals of ``currency``'s minor unit (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def _decimal(text: str) -> Decimal | None:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def parse_money(v: Any) -> Decimal:
    """An amount of money: a whole number or decimal text (``'19999.99'``), never negative.

    YAML floats are refused: a binary float cannot hold most cent amounts, and the contract's
    money is exact.
    """
    if isinstance(v, bool):
        raise ValueError("money cannot be true/false; write an amount such as '250.00'")
    if isinstance(v, Decimal):
        d: Decimal | None = v if v.is_finite() else None
    elif isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, float):
        raise ValueError(
            f"money must be exact: {v} is a binary floating-point number; "
            f"quote it as text, e.g. '{v}'"
        )
    elif isinstance(v, str):
        d = _decimal(v)
        if d is None:
            raise ValueError(f"'{v}' is not an amount of money such as '20000.00'")
    else:
        raise ValueError(f"expected an amount of money such as '250.00', got {type(v).__name__}")
    if d is None:
        raise ValueError("money must be a finite amount")
    if d < 0:
        raise ValueError(f"money cannot be negative, got {d}")
    return d


def parse_share(v: Any) -> Decimal:
    """A share between 0 and 1: ``'95%'``, ``0.95`` or ``1``, kept as an exact decimal."""
    if isinstance(v, bool):
        raise ValueError("a share cannot be true/false; write a percentage such as '95%'")
    if isinstance(v, Decimal):
        d: Decimal | None = v
    elif isinstance(v, int | float):
        d = Decimal(str(v))  # the shortest text of a float is what the YAML said
    elif isinstance(v, str):
        text = v.strip()
        if text.endswith("%"):
            got = _decimal(text[:-1])
            d = got / 100 if got is not None else None
        else:
            d = _decimal(text)
        if d is None:
            raise ValueError(f"'{v}' is not a share such as '95%' or 0.95")
    else:
        raise ValueError(f"expected a share such as '95%', got {type(v).__name__}")
    assert d is not None
    if d < 0 or d > 1:
        hint = f"; did you mean '{v}%'?" if 1 < d <= 100 else ""
        raise ValueError(f"a share lies between 0% and 100%, got {v}{hint}")
    return d


def _duration(v: Any) -> int:
    return parse_duration(v)


def _listify(v: Any) -> Any:
    if isinstance(v, str | int) and not isinstance(v, bool):
        v = [v]
    if isinstance(v, list | tuple):
        # priorities written as numbers (1, 2) are the same text the records carry
        return [str(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
    return v


Money = Annotated[Decimal, BeforeValidator(parse_money)]
Share = Annotated[Decimal, BeforeValidator(parse_share)]
Duration = Annotated[int, BeforeValidator(_duration)]
Names = Annotated[tuple[str, ...], BeforeValidator(_listify)]


class Amount(BaseModel):
    """A share of the period's fee (``'1%'``) or an amount of money (``'100.00'``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: Share | None = None
    money: Money | None = None

    @model_validator(mode="before")
    @classmethod
    def _scalar(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().endswith("%"):
            return {"share": v}
        if isinstance(v, str | int | float | Decimal) and not isinstance(v, bool):
            return {"money": v}
        return v

    @model_validator(mode="after")
    def _one(self) -> Amount:
        if (self.share is None) == (self.money is None):
            raise ValueError("give a share of the fee such as '1%' or an amount such as '100.00'")
        return self


class Tier(BaseModel):
    """Attainment below ``below`` earns ``credit`` (of the period fee, or of a pool allocation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    below: Share
    credit: Share


class CreditSpec(BaseModel):
    """What missing an objective costs; exactly one scheme:

    - ``tiers``: by attainment, a share of the period fee (with ``pool``: of the allocation);
    - ``per_breach``: an amount for every breach in the period;
    - ``per_point``: for every percentage point of attainment below the target, a share of the
      period fee or an amount;
    - ``pool``: this objective's share of the contract's ``at_risk_pool``, paid out by ``tiers``
      or by ``missed`` (the share of the allocation due when the objective is missed).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tiers: tuple[Tier, ...] | None = None
    per_breach: Money | None = None
    per_point: Amount | None = None
    pool: Share | None = None
    missed: Share | None = None

    @property
    def scheme(self) -> str | None:
        given = [s for s in SCHEMES if getattr(self, s) is not None]
        if "pool" in given:
            return "pool"
        return given[0] if len(given) == 1 else None


class ObjectiveSpec(BaseModel):
    """One promise over a period, about the clocks of ``metric`` (and ``priority``); one of:

    - ``met_share``: at least this share of the judged clocks met;
    - ``max_breaches``: at most this many breached clocks;
    - ``statistic`` (``median``, ``mean``, ``p90`` …) of business elapsed at most ``max``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    metric: Names
    priority: Names | None = None
    met_share: Share | None = None
    max_breaches: int | None = Field(default=None, ge=0)
    statistic: str | None = None
    max: Duration | None = None
    credit: CreditSpec | None = None

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, v: str | None) -> str | None:
        if v is None:
            return v
        text = v.strip().lower()
        m = _PERCENTILE_RE.match(text)
        if text in ("median", "mean") or (m and 0 < float(m.group(1)) < 100):
            return text
        raise ValueError(f"'{v}' is not a statistic; use median, mean or a percentile such as p90")

    @property
    def kinds(self) -> list[Kind]:
        return [k for k in KINDS if getattr(self, k) is not None]

    @property
    def kind(self) -> Kind:
        """The objective's kind (the checks make sure there is exactly one)."""
        return self.kinds[0]

    @property
    def percentile(self) -> float | None:
        """The percentile a ``statistic`` names (50 for the median, ``None`` for the mean)."""
        if self.statistic == "median":
            return 50.0
        m = _PERCENTILE_RE.match(self.statistic or "")
        return float(m.group(1)) if m else None


class Exclusions(BaseModel):
    """Tickets whose clocks never count.

    ``cancelled``: deleted tickets (a clock the engine cancelled before its target never counts
    anyway); ``flag``: a custom field, as ``field.<name>``, whose value excludes the ticket and
    says why (empty, ``false``, ``no`` and ``0`` do not); ``tags``: tickets with any of these.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    cancelled: bool = True
    flag: str | None = "field.sla_exclude"
    tags: Names = ()

    @field_validator("flag")
    @classmethod
    def _flag(cls, v: str | None) -> str | None:
        if v is None:
            return v
        name = v.strip()
        name = name[len("field.") :] if name.startswith("field.") else name
        if not name:
            raise ValueError("name the custom field, e.g. 'field.sla_exclude'")
        return "field." + name

    @property
    def flag_field(self) -> str | None:
        """The custom field's name without the ``field.`` prefix."""
        return self.flag[len("field.") :] if self.flag is not None else None


def _period(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v}d"
    if isinstance(v, str):
        text = v.strip().lower()
        if text in ("month", "quarter"):
            return text
        m = _ROLLING_RE.match(text)
        if m and int(m.group(1)) > 0:
            return f"{int(m.group(1))}d"
    raise ValueError(
        f"{v!r} is not a contract period; write month, quarter or a rolling window such as 30d"
    )


class ContractSpec(BaseModel):
    """One customer's contract (the key of the ``contracts:`` section names it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer: str | None = None  # default: the contract's name
    description: str = ""
    policies: Names
    tz: str = "UTC"
    period: Annotated[str, BeforeValidator(_period)] = "month"
    count_by: CountBy = "completed"
    exclude: Exclusions = Field(default_factory=Exclusions)
    monthly_fee: Money
    currency: str
    objectives: dict[str, ObjectiveSpec]
    burn_window: int = Field(default=20, ge=1)
    volume_periods: int = Field(default=3, ge=1)
    at_risk_pool: Share | None = None
    credit_cap: Amount | None = None
    earn_back: int = Field(default=0, ge=0)

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        zone(v)
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", v.strip()):
            raise ValueError(f"'{v}' is not an ISO 4217 currency code such as USD or EUR")
        return v.strip()

    @property
    def rolling(self) -> int | None:
        """Days of a rolling period, ``None`` for calendar months and quarters."""
        return int(self.period[:-1]) if self.period.endswith("d") else None

    @property
    def period_spec(self) -> PeriodSpec:
        """The period grid's definition, as the KPIs write it."""
        if self.rolling is not None:
            return PeriodSpec(rolling=self.rolling, tz=self.tz)
        return PeriodSpec(grain="quarter" if self.period == "quarter" else "month", tz=self.tz)

    @property
    def customer_name(self) -> str:
        assert self.customer is not None, "the loader fills the customer in"
        return self.customer
