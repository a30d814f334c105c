"""The statement as the documents see it, read leniently from the API's JSON.

The contract statement's JSON (``GET /api/v1/customers/{customer}/statement``) carries
``customer``, ``period``, ``currency``, ``fee``, ``objectives`` (each with ``numerator``,
``denominator``, ``attainment``, ``budget``, ``breaches`` and ``forecast``) and ``credits``
(``lines`` and ``computation``). Fields this reader does not know are ignored and missing ones
shown as empty, so a document never fails on a field added later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Objective:
    name: str
    target: float | None  # the promised share, percent
    numerator: int | None
    denominator: int | None
    attainment: float | None  # percent
    budget: str  # the error budget, as text (allowed, used, left)
    forecast: str
    breaches: tuple[str, ...]
    met: bool | None
    # as the contract states them ("95%", "at most 3 breaches"); empty: use the numbers
    target_text: str = ""
    value_text: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class CreditLine:
    description: str
    amount: float | None


@dataclass(frozen=True, slots=True)
class Statement:
    customer: str
    period: str
    currency: str
    fee: float | None
    objectives: tuple[Objective, ...]
    credits: tuple[CreditLine, ...] = ()
    credit_total: float | None = None
    computation: str = ""
    # "contract": from the contract statement; "compliance": no contract, the raw compliance
    source: str = "contract"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    got = _num(value)
    return int(got) if got is not None else None


def _percent(value: Any) -> float | None:
    """A share as percent: the API may answer 0.95, 95 or the configuration's text "95%"."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return _num(value.strip().rstrip("%").strip())
    got = _num(value)
    if got is None:
        return None
    return round(got * 100.0, 2) if -1.0 <= got <= 1.0 else round(got, 2)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _breaches(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v.get("ticket_id", v)) if isinstance(v, dict) else str(v) for v in value)
    return ()


def _objective(raw: dict[str, Any]) -> Objective:
    name = raw.get("name") or raw.get("objective") or raw.get("id") or ""
    if not name:
        name = " ".join(str(raw[k]) for k in ("metric", "priority") if raw.get(k)) or "objective"
    kind = raw.get("kind", "met_share")
    target_raw = raw.get("target", raw.get("objective_target"))
    # only a share objective has a target and an attainment on the 0-100 % axis of the chart
    target = _percent(target_raw) if kind == "met_share" else None
    attainment = _percent(raw.get("attainment", raw.get("value"))) if kind == "met_share" else None
    status = raw.get("status")
    met = raw.get("met") if isinstance(raw.get("met"), bool) else None
    if status in ("met", "missed"):
        met = status == "met"
    elif met is None and target is not None and attainment is not None and "status" not in raw:
        met = attainment >= target
    forecast = raw.get("forecast")
    if isinstance(forecast, dict) and "value_text" in forecast:
        forecast_text = f"{forecast['value_text']} ({forecast.get('status', '')})".replace(
            " ()", ""
        )
    else:
        forecast_text = _text(forecast)
    budget = raw.get("budget")
    if isinstance(budget, dict):
        budget = {k: v for k, v in budget.items() if k in ("allowed", "used", "remaining", "left")}
    return Objective(
        name=str(name),
        target=target,
        numerator=_int(raw.get("numerator")),
        denominator=_int(raw.get("denominator")),
        attainment=attainment,
        budget=_text(budget),
        forecast=forecast_text,
        breaches=tuple(dict.fromkeys(_breaches(raw.get("breaches")))),
        met=met,
        target_text="" if target_raw is None else _text(target_raw),
        value_text=_text(raw.get("value_text")),
        description=_text(raw.get("description")),
    )


def statement_from_json(data: dict[str, Any]) -> Statement:
    """A contract statement from the API's JSON."""
    credits_raw = data.get("credits") or []
    lines: list[CreditLine] = []
    computations: list[str] = []
    total: float | None = None
    if isinstance(credits_raw, dict):  # {"lines": [...], "total", "computation"}
        total = _num(credits_raw.get("total", credits_raw.get("amount")))
        computations.append(_text(credits_raw.get("computation")))
        credits_raw = credits_raw.get("lines") or []
    for line in credits_raw:
        if not isinstance(line, dict):
            continue
        desc = str(line.get("description") or line.get("objective") or _text(line))
        extra = [str(line[k]) for k in ("scheme", "status") if line.get(k)]
        if extra:
            desc += f" ({', '.join(extra)})"
        lines.append(CreditLine(desc, _num(line.get("amount"))))
        if line.get("computation"):
            computations.append(f"{line.get('objective', '')}: {line['computation']}".lstrip(": "))
    totals = data.get("totals")
    if total is None and isinstance(totals, dict):
        total = _num(totals.get("due"))
    if total is None and lines:
        total = sum(line.amount or 0.0 for line in lines)
    notes: list[str] = []
    if data.get("final") is False:
        notes.append("The period is not over: figures are as of " + str(data.get("as_of", "now")))
    if isinstance(totals, dict) and _num(totals.get("pending")):
        notes.append(f"Credits pending: {totals['pending']} {data.get('currency', '')}".strip())
    return Statement(
        customer=str(data.get("customer", "")),
        period=str(data.get("period", "")),
        currency=str(data.get("currency") or ""),
        fee=_num(data.get("period_fee", data.get("fee"))),
        objectives=tuple(
            _objective(o) for o in data.get("objectives") or [] if isinstance(o, dict)
        ),
        credits=tuple(lines),
        credit_total=total,
        computation=" ".join(c for c in computations if c),
        source="contract",
        notes=tuple(notes),
    )


def money(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f} {currency}".strip()


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} %"
