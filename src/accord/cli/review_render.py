"""The terminal tables of ``accord review whatif`` and ``accord review targets``."""

from __future__ import annotations

from decimal import Decimal

from rich import box
from rich.table import Table

from accord.cli.common import out
from accord.core.review.figures import Figures, WhatIf
from accord.core.review.targets import Targets
from accord.core.timeutil import format_duration, iso


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f}%"


def _points(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "-"
    d = (b - a) * 100
    return f"{d:+.2f} pt" if d else "±0"


def _pair(a: int, b: int) -> str:
    return f"{a:,}" if a == b else f"{a:,} → {b:,}"


def _grid() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))


def _figures_row(a: Figures, b: Figures) -> list[str]:
    return [
        _pair(a.judged, b.judged),
        _pair(a.met, b.met),
        _pair(a.breached, b.breached),
        _pair(a.open, b.open),
        _share(a.compliance),
        _share(b.compliance),
        _points(a.compliance, b.compliance),
    ]


def whatif_table(w: WhatIf, limit: int) -> None:
    cand = w.candidate.describe()
    what = ", ".join(f"{o['key']}: {o['value']}" for o in cand["overrides"]) or cand["source"]
    out.print(
        f"[bold]What-if[/bold] of {what}\n{w.window.describe()}, judged as of {iso(w.as_of)}",
        highlight=False,
    )
    t = _grid()
    for d in w.by:
        t.add_column(d)
    # groups of one customer carry their contract's budget and credits
    money = any(g.current.credits is not None or g.candidate.credits is not None for g in w.groups)
    for col in ("judged", "met", "breached", "open", "compliance", "candidate", "change",
                *(("budget used", "credits") if money else ()), "changed"):  # fmt: skip
        t.add_column(col, justify="right")
    for g in w.groups:
        extra = []
        if money:
            fa, fb = g.current, g.candidate
            both_none = fa.budget_used is None and fb.budget_used is None
            used = "-" if both_none else _pair(fa.budget_used or 0, fb.budget_used or 0)
            extra = [used, _money(fa.credits, fb.credits, "")]
        t.add_row(
            *(g.key.get(d) or "-" for d in w.by),
            *_figures_row(g.current, g.candidate),
            *extra,
            f"{len(g.changed):,}",
        )
    t.add_row(
        "[bold]total[/bold]",
        *([""] * (len(w.by) - 1)),
        *_figures_row(w.total.current, w.total.candidate),
        *(["", ""] if money else []),
        f"{w.changed_count:,}",
    )
    out.print(t)
    if w.contracts:
        c = _grid()
        for col in ("contract", "objective", "breached", "periods missed", "credits", "change"):
            c.add_column(col, justify="left" if col in ("contract", "objective") else "right")
        for k in w.contracts:
            names = dict.fromkeys(
                o.name for f in (k.current, k.candidate) if f is not None for o in f.objectives
            )
            for name in names:
                oa = k.current.objective(name) if k.current else None
                ob = k.candidate.objective(name) if k.candidate else None
                c.add_row(
                    k.contract,
                    name,
                    _pair(oa.breached if oa else 0, ob.breached if ob else 0),
                    _pair(oa.missed if oa else 0, ob.missed if ob else 0),
                    _money(oa.credits if oa else None, ob.credits if ob else None, k.currency),
                    _money_delta(oa.credits if oa else None, ob.credits if ob else None),
                )
            c.add_row(
                f"[bold]{k.contract}[/bold]",
                "total",
                "",
                "",
                _money(k.credits("current"), k.credits("candidate"), k.currency),
                _money_delta(k.credits("current"), k.credits("candidate")),
            )
        periods = sorted(
            {p for k in w.contracts for f in (k.current, k.candidate) if f for p in f.periods}
        )
        out.print(f"[bold]Contracts[/bold] (periods {', '.join(periods) or 'none'})")
        out.print(c)
    changed = [clock for g in w.groups for clock in g.changed]
    if changed and limit:
        ch = _grid()
        for col in ("ticket", "metric", "cycle", "state", "target", "elapsed", "policy"):
            ch.add_column(col)
        for clock in changed[:limit]:
            a, b = clock.current, clock.candidate
            either = b or a
            ch.add_row(
                clock.ticket_id,
                clock.metric,
                str(clock.cycle),
                f"{a.state if a else 'none'} → {b.state if b else 'none'}",
                f"{format_duration(a.target) if a else '-'} → "
                f"{format_duration(b.target) if b else '-'}",
                format_duration(either.business_elapsed if either else None),
                _pair_text(a.policy if a else None, b.policy if b else None),
            )
        out.print(f"[bold]Clocks whose state changes[/bold] ({len(changed):,})")
        out.print(ch)
        if len(changed) > limit:
            out.print(f"… {len(changed) - limit:,} more; --format json lists them all")


def _pair_text(a: str | None, b: str | None) -> str:
    return (a or "-") if a == b else f"{a or '-'} → {b or '-'}"


def _money(a: Decimal | None, b: Decimal | None, currency: str) -> str:
    if a is None and b is None:
        return "-"
    if a == b:
        return f"{a:,} {currency}".strip()
    return f"{'-' if a is None else f'{a:,}'} → {'-' if b is None else f'{b:,}'} {currency}".strip()


def _money_delta(a: Decimal | None, b: Decimal | None) -> str:
    if a is None or b is None:
        return "-"
    d = b - a
    return f"{d:+,}" if d else "±0"


def targets_table(r: Targets) -> None:
    out.print(
        f"[bold]Recommended targets[/bold]: the smallest that met {r.attainment * 100:g}% in "
        f"every {r.grain} from {r.labels[0]} to {r.labels[-1]} ({r.tz}), as of {iso(r.as_of)}; "
        "open clocks are censored (Kaplan-Meier)",
        highlight=False,
    )
    t = _grid()
    for col in ("metric", *r.by):
        t.add_column(col)
    for col in ("clocks", "open", "current", "attained (worst / median)", "recommended",
                "worst period", "median", "breaches"):  # fmt: skip
        t.add_column(col, justify="right")
    for g in r.groups:
        j = g.to_json()
        cur = j["current"]["attainment"]
        rec = j["attainment"]
        if g.status == "recommended":
            shown = j["recommended"]
        elif g.status == "undecidable":
            shown = f"none yet (at least {j['at_least']})"
        else:
            shown = f"none up to {format_duration(r.grid[-1])}"
        worst = rec["worst"]
        breaches = (
            _pair(g.breaches_current, g.breaches_recommended)
            if g.breaches_recommended is not None
            else f"{g.breaches_current:,}"
        )
        t.add_row(
            str(g.key.get("metric")),
            *(g.key.get(d) or "-" for d in r.by),
            f"{g.clocks:,}",
            f"{g.open:,}",
            " ".join(j["current"]["targets"]),
            f"{_share((cur['worst'] or {}).get('value'))} / {_share(cur['median'])}",
            shown,
            f"{worst['period']} {_share(worst['value'])}" if worst else "-",
            _share(rec["median"]),
            breaches,
        )
    out.print(t)
    for g in r.groups:
        if g.status != "recommended":
            label = " ".join(str(v) for v in g.key.values() if v is not None)
            out.print(f"{label}: {g.reason}", highlight=False)
    if r.adoption is not None:
        out.print("[bold]Credits if every recommendation had been in force[/bold]")
        c = _grid()
        for col in ("contract", "credits", "change"):
            c.add_column(col, justify="left" if col == "contract" else "right")
        for k in r.adoption.contracts:
            c.add_row(
                k.contract,
                _money(k.credits("current"), k.credits("candidate"), k.currency),
                _money_delta(k.credits("current"), k.credits("candidate")),
            )
        out.print(c)
