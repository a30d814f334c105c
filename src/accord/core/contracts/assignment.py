"""Which clocks a contract counts, and in which of its periods.

A contract's **clocks** are the metric records of its customer (the record's ``customer``, its
value at the cycle's end point) under the policies it covers. A clock in state ``cancelled``
never counts: it has no outcome. A ticket is **excluded**, with a reason, when it was deleted
(``exclude.cancelled``), when its ``exclude.flag`` field holds a value (the value is the
reason; empty, ``false``, ``no`` and ``0`` do not exclude), or when it has one of
``exclude.tags``; fields and tags are read at as-of.

The **counting rule** (``count_by``) gives each clock the instant that places it in a period:

- ``completed`` (default): when the clock completed, its stop; for a clock still open and
  already breached, its breach. Such a clock moves to the period of its stop once it stops
  (this is the KPIs' ``judged_at``);
- ``decided``: when its outcome became certain, the breach for a breached clock (open or
  stopped) and the stop for a met one. A breach then stays in the period it happened in, so a
  finished period's statement never changes when a late ticket is finally solved;
- ``created``: the ticket's creation. A clock counts in its ticket's period once judged.

Periods are the contract's grid (:func:`accord.core.kpi.periods.period_grid`): calendar months
or quarters from local midnight in the contract's zone, or rolling windows ending at as-of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.contracts.models import ContractSpec, CountBy, ObjectiveSpec
from accord.core.kpi.periods import PeriodGrid, period_grid
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, iso
from accord.errors import InputError

_NONE = -(2**62)  # an instant that lies in no period
_OFF = ("", "false", "no", "0", "none")  # flag values that do not exclude
_ON = ("true", "yes", "1")  # flag values that exclude without saying why

CLOCK_SCHEMA: dict[str, pl.DataType] = {
    "ticket_id": pl.String(),
    "metric": pl.String(),
    "cycle": pl.Int64(),
    "priority": pl.String(),
    "state": pl.String(),
    "target": pl.Int64(),
    "start": pl.Int64(),
    "stop": pl.Int64(),
    "due": pl.Int64(),
    "breached_at": pl.Int64(),
    "business_elapsed": pl.Int64(),
    "warning": pl.String(),
}


def contract_clocks(
    contract: ContractSpec, records: Sequence[MetricRecord], tickets: pl.DataFrame | None
) -> pl.DataFrame:
    """The contract's clocks: :data:`CLOCK_SCHEMA` (``warning``: the last warning threshold
    the clock reached), then ``created`` (the ticket's creation) and ``excluded`` (the reason,
    null when the ticket counts).

    ``tickets`` are ticket facts (:func:`accord.core.kpi.facts.ticket_facts`) with the flag
    field among their custom fields; without them only cancelled clocks are left out.
    """
    covered = set(contract.policies)
    rows = [
        r
        for r in records
        if r.customer == contract.customer
        and r.policy in covered
        and r.state is not State.CANCELLED
    ]
    columns: dict[str, list[object]] = {k: [] for k in CLOCK_SCHEMA}
    for r in rows:
        columns["ticket_id"].append(r.ticket_id)
        columns["metric"].append(r.metric)
        columns["cycle"].append(r.cycle)
        columns["priority"].append(r.priority)
        columns["state"].append(r.state.value)
        columns["target"].append(r.target)
        columns["start"].append(r.start)
        columns["stop"].append(r.stop)
        columns["due"].append(r.due)
        columns["breached_at"].append(r.breached_at)
        columns["business_elapsed"].append(r.business_elapsed)
        columns["warning"].append(r.warnings[-1].threshold if r.warnings else None)
    frame = pl.DataFrame(columns, schema=CLOCK_SCHEMA)
    return frame.join(
        _ticket_info(contract, tickets), on="ticket_id", how="left", maintain_order="left"
    )


def clocks_of_frame(
    contract: ContractSpec, records: pl.DataFrame, tickets: pl.DataFrame | None
) -> pl.DataFrame:
    """:func:`contract_clocks` of a records frame (:mod:`accord.core.kpi.frames`: text or
    Enum columns, no warnings): the same rows and columns, ``warning`` null. Only for records
    that have all stopped: the warning is read for open clocks alone (the clocks at risk)."""
    text = ("ticket_id", "metric", "priority", "state", "customer", "policy")
    frame = records.select(
        *(pl.col(c).cast(pl.String) for c in text),
        *(pl.col(c).cast(CLOCK_SCHEMA[c]) for c in CLOCK_SCHEMA if c not in (*text, "warning")),
    )
    if frame.filter(pl.col("stop").is_null()).height:
        raise ValueError("clocks_of_frame: an open clock's warning is not in a records frame")
    mine = frame.filter(
        (pl.col("customer") == contract.customer)
        & pl.col("policy").is_in(list(contract.policies))
        & (pl.col("state") != State.CANCELLED.value)
    ).select(
        *(pl.col(c) for c in CLOCK_SCHEMA if c != "warning"),
        pl.lit(None, dtype=pl.String).alias("warning"),
    )
    return mine.join(
        _ticket_info(contract, tickets), on="ticket_id", how="left", maintain_order="left"
    )


def ticket_info(contract: ContractSpec, tickets: pl.DataFrame | None) -> pl.DataFrame:
    """``ticket_id``, ``created`` and ``excluded`` (the reason, null when the ticket counts)
    per ticket of ``tickets`` (ticket facts with the flag field among their columns), to join
    to the contract's clocks when they come from elsewhere than :func:`contract_clocks`."""
    return _ticket_info(contract, tickets)


def _ticket_info(contract: ContractSpec, tickets: pl.DataFrame | None) -> pl.DataFrame:
    """``ticket_id``, ``created`` and ``excluded`` per ticket."""
    schema = {"ticket_id": pl.String(), "created": pl.Int64(), "excluded": pl.String()}
    if tickets is None:
        return pl.DataFrame(schema=schema)
    rules = contract.exclude
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    parts: list[tuple[pl.Expr, pl.Expr]] = []
    if rules.cancelled and "deleted" in tickets.columns:
        parts.append((pl.col("deleted").fill_null(False), pl.lit("ticket deleted")))
    flag = rules.flag
    if flag is not None and flag in tickets.columns:
        text = _text(tickets, flag).str.strip_chars()
        lowered = text.str.to_lowercase()
        said = pl.when(lowered.is_in(_ON)).then(pl.lit(f"flagged in {flag}"))
        parts.append(
            (
                text.is_not_null() & ~lowered.is_in(_OFF),
                said.otherwise(pl.lit(f"{flag}: ") + text),
            )
        )
    if rules.tags and "tags" in tickets.columns:
        tags = _tags(tickets)
        for tag in rules.tags:
            parts.append((tags.list.contains(pl.lit(tag)).fill_null(False), pl.lit(f"tag '{tag}'")))
    # the first rule that applies gives the reason, in the order of the documentation
    for cond, why in reversed(parts):
        reason = pl.when(cond).then(why).otherwise(reason)
    created = pl.col("created") if "created" in tickets.columns else pl.lit(None)
    return tickets.select(
        pl.col("ticket_id").cast(pl.String),
        created.cast(pl.Int64).alias("created"),
        reason.cast(pl.String).alias("excluded"),
    )


def _text(tickets: pl.DataFrame, column: str) -> pl.Expr:
    dtype = tickets.schema[column]
    if isinstance(dtype, pl.List):
        return pl.col(column).list.join(";")
    return pl.col(column).cast(pl.String)


def _tags(tickets: pl.DataFrame) -> pl.Expr:
    if isinstance(tickets.schema["tags"], pl.List):
        return pl.col("tags")
    return pl.col("tags").cast(pl.String).str.split(";")  # tags flattened to text


def counting_instant(count_by: CountBy) -> pl.Expr:
    """The instant that places a clock in a period under ``count_by`` (null: in none yet)."""
    breached = pl.col("state") == State.BREACHED.value
    if count_by == "created":
        return pl.coalesce(pl.col("created"), pl.col("start"))
    if count_by == "decided":
        return pl.when(breached).then(pl.coalesce("breached_at", "stop")).otherwise(pl.col("stop"))
    return pl.coalesce(pl.col("stop"), pl.when(breached).then(pl.col("breached_at")))


def completion_instant() -> pl.Expr:
    """When a judged clock's outcome became known for the burn window: as ``completed``."""
    return counting_instant("completed")


def place(frame: pl.DataFrame, grid: PeriodGrid, count_by: CountBy) -> npt.NDArray[np.int32]:
    """The period index (in ``grid``) of every clock of ``frame``, ``-1`` outside the grid."""
    if frame.is_empty():
        return np.zeros(0, dtype=np.int32)
    t = frame.select(counting_instant(count_by).fill_null(_NONE)).to_series().to_numpy()
    return grid.index(t.astype(np.int64))


def select(clocks: pl.DataFrame, objective: ObjectiveSpec) -> pl.DataFrame:
    """The clocks an objective is about: its metrics and priorities; for budgets and credits,
    only clocks with a target (a clock without one is never met or breached)."""
    cond = pl.col("metric").is_in(list(objective.metric))
    if objective.priority is not None:
        cond &= pl.col("priority").is_in(list(objective.priority))
    if objective.kind != "statistic":
        cond &= pl.col("target").is_not_null()
    return clocks.filter(cond)


JUDGED = (State.MET.value, State.BREACHED.value)


def counted(objective: ObjectiveSpec) -> pl.Expr:
    """The clocks that count: judged (met or breached) and not excluded; for a statistic only
    stopped ones, whose business elapsed is final."""
    cond = pl.col("state").is_in(JUDGED) & pl.col("excluded").is_null()
    if objective.kind == "statistic":
        cond &= pl.col("stop").is_not_null()
    return cond


# ---------------------------------------------------------------- the period of a statement


@dataclass(frozen=True)
class Span:
    """A period of the contract: the grid it was cut from and its index there."""

    grid: PeriodGrid
    index: int

    @property
    def label(self) -> str:
        return self.grid.labels[self.index]

    @property
    def start(self) -> Instant:
        return int(self.grid.starts[self.index])

    @property
    def end(self) -> Instant:
        return int(self.grid.ends[self.index])

    @property
    def final(self) -> bool:
        """Whether the period was over at as-of (a rolling window ending at as-of is)."""
        return self.grid.current != self.index

    @property
    def elapsed(self) -> float:
        return float(self.grid.elapsed[self.index])

    @property
    def latest(self) -> bool:
        """Whether this is the period containing (or ending at) as-of."""
        return self.index == self.grid.count - 1


def _ordinal(label: str, grain: str) -> int | None:
    """``2026-10`` (a month) or ``2026-Q4`` (a quarter) as a count of periods, else ``None``."""
    year, _, part = label.strip().upper().partition("-")
    # instants start in 1970: an earlier period holds nothing, and year 0 is no date at all
    if not year.isdigit() or len(year) != 4 or int(year) < 1970:
        return None
    if grain == "quarter" and part[:1] == "Q" and part[1:] in ("1", "2", "3", "4"):
        return int(year) * 4 + int(part[1:]) - 1
    if grain == "month" and part.isdigit() and len(part) == 2 and 1 <= int(part) <= 12:
        return int(year) * 12 + int(part) - 1
    return None


def resolve_period(
    contract: ContractSpec, label: str | None, as_of: Instant, *, history: int = 0
) -> Span:
    """The period ``label`` names (``2026-10``, ``2026-Q4``, ``current`` or ``previous``;
    ``None`` is ``current``) in a grid that reaches ``history`` periods further back and on to
    the period containing as-of. Raises :class:`InputError` for a label that names no period
    of this contract, or one that has not started at as-of."""
    try:
        return _resolve(contract, label, as_of, history)
    except (ValueError, OverflowError):  # a grid past the calendar's end (year 9999)
        raise InputError(f"as-of {iso(as_of)} is outside the dates a period can have") from None


def _resolve(contract: ContractSpec, label: str | None, as_of: Instant, history: int) -> Span:
    spec = contract.period_spec
    text = (label or "current").strip().lower()
    if text in ("current", "previous"):
        back = 0 if text == "current" else 1
    elif spec.rolling is not None:
        raise InputError(
            f"'{label}' is not a period of a contract with rolling {spec.rolling}-day windows",
            details=[{"hint": "use 'current' (the window ending at as-of) or 'previous'"}],
        )
    else:
        wanted = _ordinal(text, spec.grain)
        example = "2026-Q4" if spec.grain == "quarter" else "2026-10"
        if wanted is None:
            raise InputError(
                f"'{label}' is not a {spec.grain} of this contract; write it like {example}, "
                "or 'current' / 'previous'"
            )
        now = _ordinal(period_grid(spec, as_of, 1).labels[0], spec.grain)
        assert now is not None
        back = now - wanted
        if back < 0:
            raise InputError(f"the period {label} has not started at as-of")
    grid = period_grid(spec, as_of, back + 1 + history)
    return Span(grid, history)
