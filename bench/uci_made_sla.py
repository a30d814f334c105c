"""How well does Accord's resolution outcome agree with the UCI log's own ``made_sla`` flag?

The UCI incident event log (a ServiceNow audit export) carries ``made_sla`` on every row:
``true`` while the incident's SLA is still met. Its value on an incident's last row is the
incident's outcome as ServiceNow judged it. The SLA definitions behind it are not published,
so this script measures a policy written down beforehand (``BASELINE``) and then searches for
the Accord policy that reproduces those outcomes best:

1. import the log with the ServiceNow importer (default mapping, America/Sao_Paulo);
2. for each calendar (24x7; Mon-Fri all day; Mon-Fri 08-17, ServiceNow's stock "8-5
   weekdays", with and without Brazil's public holidays; Mon-Fri 08-18, 09-18, 07-19), pause
   set (none; ``pending``; ``pending`` + ``on_hold``) and stop (``resolved``: the built-in
   ``resolution`` metric; ``closed``: a custom metric that runs until Closed), run the
   reference engine once with a target-less metric to get every incident's business elapsed
   time and final priority;
3. per priority, choose the target from a list of plausible round durations (``HOURS``) that
   makes "elapsed <= target" agree with ``made_sla`` on the most incidents (the priorities are
   independent, so this is the exact optimum over that list);
4. for the best calendar, pause set and stop, try the other clock starts: ``sys_created_at``
   (falling back to ``opened_at`` where it is missing) and the incident's first audit row;
5. rank the variants by agreement, and check the leaders by two-fold cross-validation
   (targets fitted on the incidents with an even number, scored on the odd ones, and the
   reverse), which says how much of the agreement comes from fitting the targets.

Timestamps are read in America/Sao_Paulo (the log's times are local wall-clock time; the zone
itself is an assumption, see docs/importers.md) and the calendars use the same zone.
``--write-config DIR`` writes the best policy as an Accord configuration file.

Run:  .venv/bin/python bench/uci_made_sla.py            (the whole grid: about 4-5 minutes)
      .venv/bin/python bench/uci_made_sla.py --quick    (24x7 and 8-5 weekdays only)
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.core.config.loader import build_config
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.timeutil import parse_as_of
from accord.io.importers import default_mapping, open_import

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "uci-incident-event-log" / "incident_event_log.zip"
ZONE = "America/Sao_Paulo"
AS_OF = parse_as_of("2017-03-01T00:00:00Z")  # after the log's last row
PRIORITIES = ("urgent", "high", "normal", "low")
HOURS = (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 18, 20, 24, 27, 30, 32, 36, 40, 45, 48, 50,
         54, 60, 72, 80, 90, 96, 100, 120, 144, 168, 192, 240)  # fmt: skip
CANDIDATES = tuple(h * 3600 for h in HOURS)

STARTS: Mapping[str, tuple[str, ...]] = {
    "opened_at": ("opened_at",),
    "sys_created_at": ("sys_created_at", "opened_at"),
    "first_update": (),
}


def _weekdays(open_: str, close: str, holidays: bool = False) -> dict[str, Any]:
    cal: dict[str, Any] = {"tz": ZONE, "hours": {"mon-fri": [[open_, close]]}}
    if holidays:
        cal["holidays"] = [{"country": "BR"}]
    return cal


CALENDARS: Mapping[str, dict[str, Any]] = {
    "24x7": {"tz": ZONE, "hours": {"daily": [["00:00", "24:00"]]}},
    "mon-fri 24h": _weekdays("00:00", "24:00"),
    "mon-fri 08-17": _weekdays("08:00", "17:00"),  # ServiceNow's stock "8-5 weekdays"
    "mon-fri 08-17 + BR holidays": _weekdays("08:00", "17:00", holidays=True),
    "mon-fri 08-18": _weekdays("08:00", "18:00"),
    "mon-fri 09-18": _weekdays("09:00", "18:00"),
    "mon-fri 07-19": _weekdays("07:00", "19:00"),
}
QUICK_CALENDARS = ("24x7", "mon-fri 08-17")
PAUSES: Mapping[str, list[str]] = {
    "none": [],
    "pending": ["pending"],
    "pending+on_hold": ["pending", "on_hold"],
}
STOPS = ("resolved", "closed")


def truth(path: Path = DATA) -> dict[str, bool]:
    """``made_sla`` on each incident's last row, read straight from the raw file."""
    out: dict[str, bool] = {}
    with zipfile.ZipFile(path) as z, z.open(z.namelist()[0]) as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            out[row["number"]] = row["made_sla"] == "true"
    return out


def import_events(start: str, path: Path = DATA) -> list[Event]:
    mapping = default_mapping("servicenow")
    columns = dict(mapping.columns)
    columns["created_at"] = STARTS[start] or None
    mapping = mapping.model_copy(update={"columns": columns, "source_tz": ZONE})
    return list(open_import(path, "servicenow", mapping=mapping).events())


def policy_config(
    calendar: str, pause: Sequence[str], stop: str, targets: Mapping[str, int | str | None]
) -> dict[str, Any]:
    """One policy measuring resolution (to resolved) or ``to_close`` (to closed)."""
    metric = "resolution" if stop == "resolved" else "to_close"
    data: dict[str, Any] = {
        "calendars": {"cal": CALENDARS[calendar]},
        "policies": [
            {
                "name": "made_sla",
                "calendar": "cal",
                "pause": list(pause),
                "metrics": {metric: {"targets": dict(targets)}},
            }
        ],
    }
    if stop == "closed":
        data["metrics"] = {
            "to_close": {
                "start": {"kind": "created"},
                "stop": {"status": ["closed"]},
                "resume_on_reopen": True,
            }
        }
    return data


def elapsed(
    events: Iterable[Event], calendar: str, pause: Sequence[str], stop: str
) -> dict[str, tuple[str | None, int]]:
    """ticket -> (final priority, business seconds of its last cycle), no targets."""
    cfg = build_config(policy_config(calendar, pause, stop, {"default": None}))
    return {r.ticket_id: (r.priority, r.business_elapsed) for r in compute(events, cfg, AS_OF)}


@dataclass(frozen=True)
class Fit:
    targets: dict[str, int]
    agree: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.agree / self.total if self.total else 0.0


def fit(rows: Mapping[str, tuple[str | None, int]], made: Mapping[str, bool]) -> Fit:
    """The target per priority (from CANDIDATES) that agrees with ``made`` most often."""
    by_priority: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for ticket, (priority, secs) in rows.items():
        if ticket in made:
            by_priority[priority or "-"].append((secs, made[ticket]))
    targets: dict[str, int] = {}
    agree = total = 0
    for priority, items in by_priority.items():
        best = max(
            CANDIDATES,
            key=lambda t: (sum((s <= t) == m for s, m in items), -t),
        )
        targets[priority] = best
        agree += sum((s <= best) == m for s, m in items)
        total += len(items)
    return Fit(targets, agree, total)


def score(
    rows: Mapping[str, tuple[str | None, int]], made: Mapping[str, bool], targets: Mapping[str, int]
) -> tuple[int, int, Counter[tuple[bool, bool]]]:
    """(agreeing, total, confusion counts keyed (accord met, made_sla))."""
    confusion: Counter[tuple[bool, bool]] = Counter()
    for ticket, (priority, secs) in rows.items():
        if ticket in made:
            met = secs <= targets[priority or "-"]
            confusion[(met, made[ticket])] += 1
    agree = confusion[(True, True)] + confusion[(False, False)]
    return agree, sum(confusion.values()), confusion


def cross_validated(rows: Mapping[str, tuple[str | None, int]], made: Mapping[str, bool]) -> float:
    """Two-fold: fit on even incident numbers, score on odd ones, and the reverse."""
    even = {k: v for k, v in made.items() if int(k[3:]) % 2 == 0}
    odd = {k: v for k, v in made.items() if int(k[3:]) % 2 == 1}
    agree = total = 0
    for train, test in ((even, odd), (odd, even)):
        a, t, _ = score(rows, test, fit(rows, train).targets)
        agree += a
        total += t
    return agree / total


def hours(seconds: int) -> str:
    return f"{seconds / 3600:g}h"


# The policy written down before looking at the data: a common ITIL-style resolution matrix
# on ServiceNow's stock "8-5 weekdays" schedule, paused while awaiting the caller or a third
# party, from opened_at to resolved.
BASELINE = {
    "start": "opened_at",
    "calendar": "mon-fri 08-17",
    "pause": "pending+on_hold",
    "stop": "resolved",
    "targets": {"urgent": 4 * 3600, "high": 8 * 3600, "normal": 27 * 3600, "low": 45 * 3600},
}


@dataclass(frozen=True)
class Variant:
    start: str
    calendar: str
    pause: str
    stop: str

    def describe(self) -> str:
        return f"start={self.start} calendar={self.calendar} pause={self.pause} stop={self.stop}"


def config_yaml(v: Variant, targets: Mapping[str, int]) -> str:
    """The policy of a variant as an Accord configuration file."""
    import yaml

    data = policy_config(
        v.calendar, PAUSES[v.pause], v.stop, {p: hours(targets[p]) for p in PRIORITIES}
    )
    header = (
        "# Written by bench/uci_made_sla.py --write-config: the policy that agrees best with\n"
        f"# the UCI log's made_sla ({v.describe()}).\n"
        f"# Import with the servicenow default mapping, --source-tz {ZONE}"
        + (f", created_at: {list(STARTS[v.start])}" if v.start != "opened_at" else "")
        + ".\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False)


def print_confusion(confusion: Counter[tuple[bool, bool]]) -> None:
    print(f"  {'':16}{'made_sla true':>15}{'made_sla false':>16}")
    for met in (True, False):
        label = "Accord met" if met else "Accord breached"
        print(f"  {label:<16}{confusion[(met, True)]:>15,}{confusion[(met, False)]:>16,}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="two calendars only")
    ap.add_argument("--write-config", type=Path, help="write the best policy's YAML here")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 2
    t0 = time.time()
    made = truth()
    n = len(made)
    true_n = sum(made.values())
    print(f"{n:,} incidents; made_sla true on the last row: {true_n:,} ({true_n / n:.2%})")
    calendars = QUICK_CALENDARS if args.quick else tuple(CALENDARS)
    events = {"opened_at": import_events("opened_at")}

    base = Variant(*(str(BASELINE[k]) for k in ("start", "calendar", "pause", "stop")))
    base_rows = elapsed(events["opened_at"], base.calendar, PAUSES[base.pause], base.stop)
    agree, total, confusion = score(base_rows, made, BASELINE["targets"])  # type: ignore[arg-type]
    print(f"\nbaseline policy ({base.describe()}): agreement {agree / total:.2%}")
    print_confusion(confusion)

    print("\ngrid (start=opened_at; targets fitted per priority):")
    results: list[tuple[Variant, Fit, dict[str, tuple[str | None, int]]]] = []

    def run(v: Variant) -> None:
        if v.start not in events:
            events[v.start] = import_events(v.start)
        rows = elapsed(events[v.start], v.calendar, PAUSES[v.pause], v.stop)
        f = fit(rows, made)
        results.append((v, f, rows))
        targets = " ".join(f"{p}={hours(f.targets.get(p, 0))}" for p in PRIORITIES)
        print(f"  {f.accuracy:7.2%}  {v.describe():<78} {targets}", flush=True)

    for calendar in calendars:
        for pause in PAUSES:
            for stop in STOPS:
                run(Variant("opened_at", calendar, pause, stop))
    best = max(results, key=lambda r: r[1].agree)[0]
    print("\nother clock starts, for the best calendar, pause and stop:")
    for start in STARTS:
        if start != "opened_at":
            run(Variant(start, best.calendar, best.pause, best.stop))
    results.sort(key=lambda r: -r[1].agree)
    print("\nbest variants (2-fold cross-validated agreement in brackets):")
    for v, f, rows in results[:6]:
        cv = cross_validated(rows, made)
        targets = ", ".join(f"{p} {hours(f.targets.get(p, 0))}" for p in PRIORITIES)
        print(f"  {f.accuracy:.2%} ({cv:.2%})  {v.describe()}  targets: {targets}")
    v, f, rows = results[0]
    agree, total, confusion = score(rows, made, f.targets)
    print(f"\nbest: {v.describe()}")
    print(f"agreement {agree:,} / {total:,} = {agree / total:.2%}")
    print_confusion(confusion)
    if args.write_config is not None:
        args.write_config.mkdir(parents=True, exist_ok=True)
        out = args.write_config / "policy.yaml"
        out.write_text(config_yaml(v, f.targets), encoding="utf-8")
        print(f"wrote {out}")
    print(f"\n{time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
