"""The built-in KPI library: the standard helpdesk KPIs, usable without writing YAML.

Each definition here is documented word for word in ``docs/kpis.md``. They have a direction
but no target or bands: those are a team's choice, set in YAML by naming the built-in KPI
and giving only the keys to change (``kpis: {first_response_median: {target: 1h}}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from accord.core.config.models import BUILTIN_METRICS
from accord.core.kpi.models import KpiSpec

_JUDGED = {"state": ["met", "breached"]}

# the metrics whose duration KPIs the library defines, with the name stem each gets
_DURATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("first_response", "first_response", ("median", "p90")),
    ("resolution", "resolution", ("median", "p90")),
    ("time_to_own", "time_to_own", ("median",)),
    ("agent_work", "agent_work", ("median",)),
    ("requester_wait", "requester_wait", ("median",)),
)

_WORDS = {"median": "Median", "p90": "90th percentile of"}


def _duration_kpis() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for metric, stem, aggs in _DURATIONS:
        label = metric.replace("_", " ")
        for agg in aggs:
            out[f"{stem}_{agg}"] = {
                "description": f"{_WORDS[agg]} business time of stopped {label} cycles "
                "(met or breached), by the period of their stop",
                "measure": {
                    "over": "records",
                    "metric": metric,
                    "agg": agg,
                    "of": "business_elapsed",
                    "where": _JUDGED,
                },
                "direction": "lower",
            }
            if metric == "first_response":
                out[f"{stem}_{agg}_calendar"] = {
                    "description": f"{_WORDS[agg]} wall-clock time of stopped {label} cycles "
                    "(met or breached), by the period of their stop",
                    "measure": {
                        "over": "records",
                        "metric": metric,
                        "agg": agg,
                        "of": "calendar_elapsed",
                        "where": _JUDGED,
                    },
                    "direction": "lower",
                }
    return out


_TICKETS: dict[str, dict[str, Any]] = {
    "tickets_created": {
        "description": "Tickets created, by the period of their creation",
        "measure": {"over": "tickets", "agg": "count", "at": "created"},
    },
    "tickets_solved": {
        "description": "Tickets solved or closed at as-of, by the period of their last solve",
        "measure": {
            "over": "tickets",
            "agg": "count",
            "where": {"solved": True},
            "at": "last_solved",
        },
        "direction": "higher",
    },
    "backlog": {
        "description": "Tickets not solved or closed at the end of the period (now, for the "
        "current period)",
        "measure": {"over": "backlog", "agg": "count"},
        "direction": "lower",
    },
    "first_contact_resolution": {
        "description": "Of the solved tickets with at least one public agent reply before their "
        "first solve, the share solved with exactly one and never reopened, by the period of "
        "the last solve",
        "measure": {
            "over": "tickets",
            "agg": "share",
            "where": {"fcr_eligible": True},
            "condition": {"fcr": True},
            "at": "last_solved",
        },
        "direction": "higher",
    },
    "reopen_rate": {
        "description": "Of the tickets first solved in the period, the share reopened since",
        "measure": {
            "over": "tickets",
            "agg": "share",
            "where": {"first_solved": {"exists": True}},
            "condition": {"reopened": True},
            "at": "first_solved",
        },
        "direction": "lower",
    },
    "reassignment_rate": {
        "description": "Of the tickets solved (by the period of the last solve), the share "
        "reassigned at least once",
        "measure": {
            "over": "tickets",
            "agg": "share",
            "where": {"solved": True},
            "condition": {"reassigned": True},
            "at": "last_solved",
        },
        "direction": "lower",
    },
    "solved_per_agent_per_day": {
        "description": "Assigned tickets solved per day of the period, divided by the number of "
        "distinct assignees of those tickets",
        "ratio": {
            "numerator": {
                "over": "tickets",
                "agg": "rate",
                "per": "day",
                "where": {"solved": True, "assignee": {"exists": True}},
                "at": "last_solved",
            },
            "denominator": {
                "over": "tickets",
                "agg": "count_distinct",
                "of": "assignee",
                "where": {"solved": True, "assignee": {"exists": True}},
                "at": "last_solved",
            },
        },
        "unit": "number",
        "direction": "higher",
    },
    "csat": {
        "description": "Of the tickets rated, the share whose last rating is good, by the period "
        "of that rating",
        "measure": {
            "over": "tickets",
            "agg": "share",
            "where": {"rated": True},
            "condition": {"rating_good": True},
            "at": "rated_at",
        },
        "direction": "higher",
    },
    "rating_response_rate": {
        "description": "Of the tickets solved (by the period of the last solve), the share that "
        "has a rating",
        "measure": {
            "over": "tickets",
            "agg": "share",
            "where": {"solved": True},
            "condition": {"rated": True},
            "at": "last_solved",
        },
        "direction": "higher",
    },
}


def _compliance(metric: str | None) -> dict[str, Any]:
    where: dict[str, Any] = {"has_target": True, **_JUDGED}
    measure: dict[str, Any] = {
        "over": "records",
        "agg": "share",
        "where": where,
        "condition": {"state": "met"},
        "at": "judged_at",
    }
    label = "every metric" if metric is None else metric.replace("_", " ")
    if metric is not None:
        measure["metric"] = metric
    return {
        "description": f"Share of judged cycles with a target that met it ({label}), by the "
        "period of judgement (stop, or breach for a cycle still open)",
        "measure": measure,
        "direction": "higher",
    }


def builtin_kpis(metrics: Iterable[str] = BUILTIN_METRICS) -> dict[str, KpiSpec]:
    """The library; ``metrics`` are the metrics that get an ``sla_compliance_<metric>`` KPI
    (by default every built-in metric; the loader passes the metrics the policies name)."""
    raw: dict[str, dict[str, Any]] = {
        "tickets_created": _TICKETS["tickets_created"],
        "tickets_solved": _TICKETS["tickets_solved"],
        "backlog": _TICKETS["backlog"],
        **_duration_kpis(),
        "sla_compliance": _compliance(None),
    }
    for metric in dict.fromkeys(metrics):
        raw[f"sla_compliance_{metric}"] = _compliance(metric)
    raw["breaches"] = {
        "description": "Breached cycles, by the period of judgement (stop, or breach for a "
        "cycle still open)",
        "measure": {
            "over": "records",
            "agg": "count",
            "where": {"state": "breached"},
            "at": "judged_at",
        },
        "direction": "lower",
    }
    for name in (
        "first_contact_resolution",
        "reopen_rate",
        "reassignment_rate",
        "solved_per_agent_per_day",
        "csat",
        "rating_response_rate",
    ):
        raw[name] = _TICKETS[name]
    return {
        name: KpiSpec.model_validate({"label": builtin_label(name), **spec})
        for name, spec in raw.items()
    }


_LABELS = {
    "tickets_created": "Tickets created",
    "tickets_solved": "Tickets solved",
    "backlog": "Backlog (unsolved tickets)",
    "sla_compliance": "SLA compliance",
    "breaches": "SLA breaches",
    "first_contact_resolution": "First-contact resolution",
    "reopen_rate": "Reopen rate",
    "reassignment_rate": "Reassignment rate",
    "solved_per_agent_per_day": "Solved per agent per day",
    "csat": "Customer satisfaction (CSAT)",
    "rating_response_rate": "Rating response rate",
}
_AGG_LABELS = {"median": "median", "p90": "90th percentile"}


def builtin_label(name: str) -> str:
    """A built-in KPI's label: "First response, median", "SLA compliance: resolution"."""
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("sla_compliance_"):
        return f"SLA compliance: {name.removeprefix('sla_compliance_').replace('_', ' ')}"
    wall = name.endswith("_calendar")
    stem, _, agg = name.removesuffix("_calendar").rpartition("_")
    words = f"{stem.replace('_', ' ').capitalize()}, {_AGG_LABELS.get(agg, agg)}"
    return f"{words} (wall clock)" if wall else words


def merge_override(base: KpiSpec, override: Mapping[str, Any]) -> KpiSpec:
    """A built-in with the keys a YAML entry gives replaced (``override`` is validated)."""
    data = base.model_dump(by_alias=True, exclude_unset=True)
    data.update(override)
    return KpiSpec.model_validate(data)
