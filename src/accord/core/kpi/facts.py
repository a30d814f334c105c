"""Ticket facts: one row per ticket at as-of, computed from the events frame in columns.

The ticket's history is read exactly as the engines read it (``docs/metrics.md``, "The ticket
timeline"): events after as-of do not exist; they are ordered by ``ts``, ties by arrival; the
first ``created`` event is the creation (else the earliest event); nothing after a ``deleted``
event counts; a status name maps to its category, an unmapped one keeps the previous category
and a ticket without a status is ``new``; ``settings.default_priority`` fills a priority the
ticket lacks at its creation. The definitions of every column are in ``docs/kpis.md``
("Ticket facts"); in short:

- ``created``: the creation's instant; ``first_solved`` / ``last_solved``: the first and last
  event that moved the status category into solved or closed from another (or created the
  ticket solved); ``solved``: the category at as-of is solved or closed;
- ``reopens``: events that moved the category out of solved/closed;
- ``reassignments``: events that set ``assignee`` (or ``team``) to a non-empty value other
  than the last non-empty one it had; an event that changes both counts once;
- ``replies``: public agent messages; ``replies_before_first_solve``: those ordered before the
  first solve (all of them while never solved);
- ``fcr_eligible``: solved with ``replies_before_first_solve ≥ 1``; ``fcr``: eligible, exactly
  one such reply, and never reopened;
- ``rating``: the last ``rating`` event's value (``good``, ``bad`` or a number as text);
  ``rating_score``: it as a number; ``rating_good``: ``good``, or a number ≥
  ``good_rating_min``;
- ``backlog``: not solved/closed and not deleted at as-of;
- the fields (``priority``, ``team``, …, custom ``field.<name>``) at as-of, and ``policy``,
  the policy the configuration selects for them.

:class:`TicketFacts` also holds the ticket's *open spans*: the stretches during which it was
unsolved (from its creation or a reopen to a solve or its deletion), from which the backlog at
any instant follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from accord.core.config.resolved import Configuration
from accord.core.events import SOLVED_CATEGORIES, StatusCategory
from accord.core.kpi.columns import CUSTOM_PREFIX
from accord.core.kpi.frames import FACT_FIELDS, set_column, value_column
from accord.core.timeutil import Instant

_T = "ticket_id"
_G = "__g"
_SOLVED = [c.value for c in SOLVED_CATEGORIES]
_STANDARD_OUT = ("priority", "customer", "team", "assignee", "channel", "type", "tags")


FACT_COLUMNS = (
    "ticket_id", "created", "first_solved", "last_solved", "solved", "status", "deleted",
    "backlog", "priority", "customer", "team", "assignee", "channel", "type", "tags", "policy",
    "reopens", "reopened", "reassignments", "reassigned", "replies",
    "replies_before_first_solve", "fcr_eligible", "fcr", "rating", "rating_score",
    "rating_good", "rated", "rated_at",
)  # fmt: skip
"""The columns of :attr:`TicketFacts.tickets`, then ``field.<name>`` for custom fields."""


@dataclass(frozen=True)
class TicketFacts:
    """``tickets``: one row per ticket (columns in ``docs/kpis.md``); ``open_spans``: one row
    per unsolved stretch (``ticket_id``, ``start``, ``end``; ``end`` null while open)."""

    tickets: pl.DataFrame
    open_spans: pl.DataFrame
    as_of: Instant


def policy_fields(config: Configuration) -> list[str]:
    """The fields the policies' conditions test: the events frame must carry them."""
    return list(dict.fromkeys(name for p in config.policies for name in p.when))


def _col(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr, pl.DataType]:
    """Value and set-flag expressions of a field, null / false when the frame lacks it."""
    v, s = value_column(name), set_column(name)
    if v in frame.columns and s in frame.columns:
        return pl.col(v), pl.col(s), frame.schema[v]
    return pl.lit(None, dtype=pl.String), pl.lit(False), pl.String()


def _nonempty(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return value.is_not_null() & (value != "")
    if isinstance(dtype, pl.List):
        return value.is_not_null() & (value.list.len() > 0)
    return value.is_not_null()


def ticket_facts(
    frame: pl.DataFrame,
    config: Configuration,
    as_of: Instant,
    *,
    fields: Iterable[str] = (),
    good_rating_min: float = 4.0,
) -> TicketFacts:
    """Facts of every ticket in the events ``frame`` (see :mod:`accord.core.kpi.frames`) at
    ``as_of``; ``fields`` are custom fields to keep as ``field.<name>`` columns."""
    custom = [f for f in dict.fromkeys(fields) if f not in FACT_FIELDS]
    pos = pl.col("__pos")
    kind = pl.col("kind")

    df = (
        frame.lazy()
        .filter(pl.col("ts") <= as_of)
        .sort([_T, "ts", "ts_us", "seq"])
        # a whole-number ticket key from the sorted order: the many windows below then
        # group by a number instead of hashing text (several times faster on millions)
        .with_columns(__g=(pl.col(_T) != pl.col(_T).shift(1)).fill_null(True).cum_sum())
        .with_columns(
            __pos=pl.int_range(pl.len()).over(_G),
            __has_created=(pl.col("kind") == "created").any().over(_G),
        )
    )
    # nothing after the first 'deleted' event counts
    deleted_pos = pl.when(kind == "deleted").then(pos).min().over(_G)
    df = df.filter(deleted_pos.is_null() | (pos <= deleted_pos))

    status_v, status_s, _ = _col(frame, "status")
    raw_names = (
        frame.get_column(value_column("status")).drop_nulls().unique().to_list()
        if value_column("status") in frame.columns
        else []
    )
    mapping = {n: _category(config, n) for n in raw_names}
    category = status_v.replace_strict(
        list(mapping), list(mapping.values()), default=None, return_dtype=pl.String
    )
    agent_reply = (
        (kind == "message") & (pl.col("actor") == "agent") & pl.col("public").fill_null(False)
    )
    df = df.with_columns(
        # the first 'created' event, else the earliest event; none when the only 'created'
        # comes after a deletion (the ticket was never created, as in the engine)
        __creation=pl.when(pl.col("__has_created"))
        .then(pl.when(kind == "created").then(pos).min().over(_G))
        .otherwise(0),
        # an unmapped status keeps the previous category, as in the engine's timeline
        __cat=pl.when(status_s).then(category).forward_fill().over(_G).fill_null("new"),
        __reply=agent_reply.fill_null(False),
        __reassign=_reassigned(frame),
    )
    solved = pl.col("__cat").is_in(_SOLVED)
    prev_solved = solved.shift(1).over(_G).fill_null(False)
    df = df.with_columns(
        __solve=solved & ~prev_solved,
        __reopen=~solved & prev_solved,
        __solved=solved,
    )
    # materialised once: the ticket rows and the open spans both read these columns
    df = (
        df.with_columns(
            __first_solve_pos=pl.when(pl.col("__solve")).then(pos).min().over(_G),
        )
        .collect()
        .lazy()
    )
    rating_v, rating_s, _ = _col(frame, "rating")
    is_rating = (kind == "rating") & rating_s & rating_v.is_not_null()

    aggs: list[pl.Expr] = [
        pl.col("ts").filter(pos == pl.col("__creation")).first().alias("created"),
        pl.col("ts").filter(pl.col("__solve")).first().alias("first_solved"),
        pl.col("ts").filter(pl.col("__solve")).last().alias("last_solved"),
        pl.col("__solved").last().alias("solved"),
        pl.col("__cat").last().alias("status"),
        (kind == "deleted").any().alias("deleted"),
        pl.col("__reopen").sum().cast(pl.Int64).alias("reopens"),
        pl.col("__reassign").sum().cast(pl.Int64).alias("reassignments"),
        pl.col("__reply").sum().cast(pl.Int64).alias("replies"),
        (
            pl.col("__reply")
            & (pl.col("__first_solve_pos").is_null() | (pos < pl.col("__first_solve_pos")))
        )
        .sum()
        .cast(pl.Int64)
        .alias("replies_before_first_solve"),
        rating_v.cast(pl.String).filter(is_rating).last().alias("rating"),
        pl.col("ts").filter(is_rating).last().alias("rated_at"),
    ]
    for name in (*_STANDARD_OUT, *custom):
        v, s, _ = _col(frame, name)
        out = name if name in _STANDARD_OUT else CUSTOM_PREFIX + name
        if name == "priority" and config.settings.default_priority is not None:
            # the default fills a priority the ticket lacks right after its creation
            creation = pl.col("__creation")
            set_later = (s & (pos > creation)).fill_null(False).any()
            at_creation = v.filter((s & (pos <= creation)).fill_null(False)).last()
            use_default = creation.first().is_not_null() & ~set_later & at_creation.is_null()
            aggs.append(
                pl.when(use_default)
                .then(pl.lit(config.settings.default_priority, dtype=pl.String))
                .otherwise(v.filter(s).last().cast(pl.String))
                .alias(out)
            )
        else:
            aggs.append(v.filter(s).last().alias(out))
    for name in policy_fields(config):
        if name not in (*_STANDARD_OUT, *custom):
            v, s, _ = _col(frame, name)
            aggs.append(v.filter(s).last().alias(f"__when:{name}"))

    tickets = df.group_by(_G).agg(pl.col(_T).first(), *aggs).drop(_G)
    score = pl.col("rating").cast(pl.Float64, strict=False)
    tickets = tickets.with_columns(
        rating_score=score,
        rated=pl.col("rating").is_not_null(),
        rating_good=pl.when(pl.col("rating") == "good")
        .then(True)
        .when(pl.col("rating") == "bad")
        .then(False)
        .when(score.is_not_null())
        .then(score >= good_rating_min),
        backlog=~pl.col("solved") & ~pl.col("deleted"),
        reopened=pl.col("reopens") > 0,
        reassigned=pl.col("reassignments") > 0,
        fcr_eligible=pl.col("solved") & (pl.col("replies_before_first_solve") >= 1),
    ).with_columns(
        fcr=pl.col("fcr_eligible")
        & (pl.col("replies_before_first_solve") == 1)
        & (pl.col("reopens") == 0),
    )
    collected = tickets.sort(_T).collect()
    collected = _with_policy(collected, config, custom)
    order = [c for c in FACT_COLUMNS if c in collected.columns]
    collected = collected.select(*order, *(c for c in collected.columns if c not in order))
    spans = _open_spans(df).collect()
    return TicketFacts(tickets=collected, open_spans=spans, as_of=as_of)


def _category(config: Configuration, name: Any) -> str | None:
    cat = config.status_category(name)
    return cat.value if isinstance(cat, StatusCategory) else None


def _reassigned(frame: pl.DataFrame) -> pl.Expr:
    """Per event: it sets assignee or team to a non-empty value other than the last one."""
    flags: list[pl.Expr] = []
    for name in ("assignee", "team"):
        v, s, dtype = _col(frame, name)
        nonempty = s & _nonempty(v, dtype)
        text = v.cast(pl.String) if not isinstance(dtype, pl.List) else v.list.join(";")
        # the last non-empty value before this event (a cleared field is skipped)
        before = pl.when(nonempty).then(text).forward_fill().shift(1).over(_G)
        flags.append(nonempty & before.is_not_null() & (text != before))
    return (flags[0] | flags[1]).fill_null(False)


def _with_policy(tickets: pl.DataFrame, config: Configuration, custom: list[str]) -> pl.DataFrame:
    """The policy selected for each ticket's fields at as-of.

    Policies are tried on each distinct combination of the fields they test (few, however
    many tickets), with the configuration's own matching, then joined back.
    """
    names = policy_fields(config)
    if not names:  # no policy has conditions: the first one matches every ticket
        chosen = config.select_policy({})
        name = chosen.name if chosen is not None else None
        return tickets.with_columns(pl.lit(name, dtype=pl.String).alias("policy"))

    def source(name: str) -> str:
        if name in _STANDARD_OUT:
            return name
        if name in custom:
            return CUSTOM_PREFIX + name
        return f"__when:{name}"

    cols = [source(n) for n in names]
    combos = tickets.select(cols).unique()
    names_chosen: list[str | None] = []
    for row in combos.iter_rows():
        values: Mapping[str, Any] = {
            n: tuple(v) if isinstance(v, list) else v for n, v in zip(names, row, strict=True)
        }
        policy = config.select_policy(values)
        names_chosen.append(policy.name if policy is not None else None)
    combos = combos.with_columns(pl.Series("policy", names_chosen, dtype=pl.String))
    joined = tickets.join(combos, on=cols, how="left", nulls_equal=True, maintain_order="left")
    return joined.drop([c for c in joined.columns if c.startswith("__when:")])


def _open_spans(df: pl.LazyFrame) -> pl.LazyFrame:
    """Stretches in which a ticket was unsolved, from its creation on; a deletion ends one."""
    out_of_backlog = pl.col("__solved") | (pl.col("kind") == "deleted")
    rows = df.filter(pl.col("__pos") >= pl.col("__creation")).with_columns(
        __out=out_of_backlog,
    )
    # before its creation a ticket is in no backlog: an unsolved creation opens a span
    prev = pl.col("__out").shift(1).over(_G).fill_null(True)
    changes = rows.with_columns(__prev=prev).filter(pl.col("__out") != pl.col("__prev"))
    return (
        changes.with_columns(__next=pl.col("ts").shift(-1).over(_G))
        .filter(~pl.col("__out"))
        .select(_T, pl.col("ts").alias("start"), pl.col("__next").alias("end"))
        .sort([_T, "start"])
    )
