"""The review report as tables of text, the same for the HTML and the PDF document: each
section is a caption, column headers and rows (docs/review.md, "Review report")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accord.core.review.figures import Figures, WhatIf
from accord.core.review.report import ReviewReport
from accord.core.timeutil import format_duration, iso


@dataclass(frozen=True)
class Section:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "Nothing to show."


def share(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f} %"


def points(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "-"
    d = (b - a) * 100
    return f"{d:+.2f} pt" if d else "0"


def _pair(a: int, b: int) -> str:
    return f"{a:,}" if a == b else f"{a:,} -> {b:,}"


def _signed(d: int) -> str:
    return f"{d:+,}" if d else "0"


def _money(x: Decimal | None, currency: str = "") -> str:
    return "-" if x is None else f"{x:,} {currency}".strip()


def _money_delta(a: Decimal | None, b: Decimal | None) -> str:
    if a is None or b is None:
        return "-"
    d = b - a
    return f"{d:+,}" if d else "0"


def summary(r: ReviewReport) -> tuple[tuple[str, str], ...]:
    t = r.total
    return (
        ("Period", f"{r.window.label} ({r.window.tz})"),
        ("Customer", r.customer or "every customer"),
        ("Judged as of", _when(r.as_of)),
        ("Clocks judged", f"{t.judged:,}"),
        ("Met", f"{t.met:,}"),
        ("Breached", f"{t.breached:,}"),
        ("Still open", f"{t.open:,}"),
        ("Compliance", share(t.compliance)),
    )


def _when(t: int) -> str:
    return (iso(t) or "").replace("T", " ").replace("Z", " UTC")


def objectives(r: ReviewReport) -> Section:
    rows = tuple(
        (
            o.metric,
            o.priority or "-",
            " ".join(format_duration(t) for t in o.targets),
            f"{o.total.judged:,}",
            f"{o.total.met:,}",
            f"{o.total.breached:,}",
            f"{o.total.open:,}",
            share(o.total.compliance),
            *(share(p.compliance) for p in o.points),
        )
        for o in r.objectives
    )
    return Section(
        f"Attainment per objective, {r.window.label}, and per {r.grain}",
        (
            "metric",
            "priority",
            "target",
            "judged",
            "met",
            "breached",
            "open",
            "compliance",
            *r.periods,
        ),
        rows,
    )


def contracts(r: ReviewReport) -> Section:
    rows = []
    for c in r.baseline.contracts:
        if c.current is None:
            continue
        for o in c.current.objectives:
            for p in o.periods:
                rows.append(
                    (
                        c.contract,
                        o.name,
                        p.period,
                        p.status,
                        p.value,
                        f"{p.breached:,}" + ("" if p.allowed is None else f" / {p.allowed:,}"),
                        _money(p.credit, c.currency),
                    )
                )
    return Section(
        "Contract objectives (configuration in force)",
        ("contract", "objective", "period", "status", "value", "breached / allowed", "credit"),
        tuple(rows),
        "No contract covers these clocks.",
    )


def targets(r: ReviewReport) -> Section:
    t = r.targets
    rows = []
    for g in t.groups:
        j = g.to_json()
        if g.status == "recommended":
            shown = str(j["recommended"])
        elif g.status == "undecidable":
            shown = f"none yet (at least {j['at_least']})"
        else:
            shown = f"none up to {format_duration(t.grid[-1])}"
        worst = j["attainment"]["worst"]
        cur = j["current"]["attainment"]["worst"]
        rows.append(
            (
                str(g.key.get("metric")),
                g.key.get("priority") or "-",
                f"{g.clocks:,}",
                " ".join(j["current"]["targets"]),
                share(cur["value"]) if cur else "-",
                shown,
                f"{share(worst['value'])} ({worst['period']})" if worst else "-",
                _pair(g.breaches_current, g.breaches_recommended)
                if g.breaches_recommended is not None
                else f"{g.breaches_current:,}",
            )
        )
    return Section(
        f"Recommended targets: the smallest that met {t.attainment * 100:g} % in every "
        f"{t.grain} ({t.labels[0]} to {t.labels[-1]})",
        (
            "metric",
            "priority",
            "clocks",
            "current target",
            "current: worst",
            "recommended",
            "worst period",
            "breaches now -> recommended",
        ),
        tuple(rows),
    )


def _figures_row(a: Figures, b: Figures) -> tuple[str, ...]:
    return (
        _pair(a.judged, b.judged),
        _pair(a.breached, b.breached),
        _signed(b.breached - a.breached),
        share(a.compliance),
        share(b.compliance),
        points(a.compliance, b.compliance),
    )


def whatif_groups(w: WhatIf, caption: str) -> Section:
    rows = [
        (
            g.key.get("metric") or "-",
            g.key.get("priority") or "-",
            *_figures_row(g.current, g.candidate),
            f"{len(g.changed):,}",
        )
        for g in w.groups
    ]
    rows.append(
        ("total", "", *_figures_row(w.total.current, w.total.candidate), f"{w.changed_count:,}")
    )
    return Section(
        caption,
        (
            "metric",
            "priority",
            "judged",
            "breached",
            "breaches change",
            "compliance now",
            "candidate",
            "change",
            "clocks changed",
        ),
        tuple(rows),
    )


def whatif_credits(w: WhatIf) -> Section:
    rows = [
        (
            k.contract,
            _money(k.credits("current"), k.currency),
            _money(k.credits("candidate"), k.currency),
            _money_delta(k.credits("current"), k.credits("candidate")),
        )
        for k in w.contracts
    ]
    return Section(
        "Credits under both configurations",
        ("contract", "credits now", "candidate", "change"),
        tuple(rows),
        "No contract: no credits.",
    )


def candidate_label(w: WhatIf, limit: int = 12) -> str:
    """The candidate's overrides (the first ``limit`` of them), or its source."""
    d = w.candidate.describe()
    listed = [f"{o['key']}: {o['value']}" for o in d["overrides"]]
    more = f"; and {len(listed) - limit} more" if len(listed) > limit else ""
    return "; ".join(listed[:limit]) + more if listed else str(d["source"])


def capacity(r: ReviewReport) -> list[Section]:
    p = r.capacity
    if p is None:
        return []
    out = []
    for g in p.groups:
        who = f"{g.group} · " if g.group else ""
        staffed = [i for i in g.intervals if i.open_share > 0]
        hours = sum(i.open_share for i in staffed) * (
            _interval_hours(g.intervals[0].start, g.intervals[0].end) if g.intervals else 0
        )
        head = (
            f"{who}calendar {g.calendar} ({g.tz}): {g.arrivals:,} arrivals, handle time "
            f"{format_duration(round(g.aht_seconds))} ({g.aht_source}), staffed "
            f"{hours:,.1f} h a week, peak {g.peak_agents} agent(s) needed"
        )
        if p.agents is None:
            busiest = sorted(staffed, key=lambda i: -i.agents_needed)[:8]
            rows: tuple[tuple[str, ...], ...] = tuple(
                (
                    f"{i.day} {i.start}-{i.end}",
                    f"{i.open_share:.0%}",
                    f"{i.arrivals:.2f}",
                    "closed" if i.erlangs is None else f"{i.erlangs:.2f}",
                    str(i.agents_needed),
                )
                for i in busiest
            )
            out.append(
                Section(
                    f"{head}; the busiest intervals (give agents to list shortfalls)",
                    ("interval", "staffed", "arrivals / week", "Erlang", "agents needed"),
                    rows,
                )
            )
        else:
            rows = tuple(
                (
                    f"{i.day} {i.start}-{i.end}",
                    f"{i.open_share:.0%}",
                    str(i.agents_needed),
                    str(i.agents),
                    f"+{i.shortfall}" if i.shortfall else "unreachable",
                    share(i.service_level),
                )
                for i in g.shortfalls
            )
            out.append(
                Section(
                    f"{head}; shortfalls with {p.agents} agent(s)",
                    ("interval", "staffed", "agents needed", "agents", "short", "in target"),
                    rows,
                    f"No shortfall: {p.agents} agent(s) meet {p.goal:.0%} in target in every "
                    "staffed interval.",
                )
            )
    return out


def _interval_hours(start: str, end: str) -> float:
    def minutes(t: str) -> int:
        h, m = t.split(":")[:2]
        return int(h) * 60 + int(m)

    span = (minutes(end) - minutes(start)) % (24 * 60) or 24 * 60
    return span / 60
