"""The outside check of issue 19 ("Hardening"), reproducible: a real ``accord serve`` process,
probed over HTTP only.

1. leaks: two customers' read tokens read every GET route of /openapi.json (path parameters
   filled with real ids; JSON and CSV; the dashboard's pages signed in) while tickets move
   between customers; any answer carrying another customer's ticket is a leak;
2. bad inputs: 48 hostile inputs sent to the routes they target, each answer compared with the
   documented one, then a later good ticket must still be computed;
3. webhook attacks: 22 deliveries (forged, replayed, stale, altered, oversized, mis-typed,
   genuine, a Jira retry) compared with the documented answers;
4. SIGKILL: concurrent clients post events, the server is killed and restarted over the same
   store, and every acknowledged event must be stored.

Prints the counts and exits 1 when any of leaks, 5xx, wrong answers or events lost is not 0.

    .venv/bin/python bench/probe_hardening.py --store both --clients 8 --out docs/hardening.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import machine_info, markdown_table, replace_section, text_table
from probe.run import Plan, probe
from probe.tally import Tally

COUNTS = (
    "routes checked",
    "route variants",
    "reads scanned",
    "bad inputs",
    "webhook attacks",
    "events acknowledged",
    "requests",
    "leaks",
    "own tickets hidden",
    "5xx",
    "wrong bad-input answers",
    "wrong webhook answers",
    "events lost",
)


def table(results: dict[str, tuple[Tally, dict[str, float]]]) -> tuple[list[str], list[list[str]]]:
    headers = ["", *results]
    rows = [[name, *(f"{t.counts()[name]:,}" for t, _ in results.values())] for name in COUNTS]
    rows.append(["seconds", *(f"{sum(s.values()):.0f}" for _, s in results.values())])
    return headers, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=Plan.clients)
    parser.add_argument("--events", type=int, default=Plan.events)
    parser.add_argument("--rounds", type=int, default=Plan.rounds)
    parser.add_argument("--out", type=Path, help="rewrite the 'Latest run' section of this file")
    args = parser.parse_args(argv)
    plan = Plan(clients=args.clients, events=args.events, rounds=args.rounds)
    kinds = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    results: dict[str, tuple[Tally, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="accord-probe-") as tmp:
        for kind in kinds:
            results[kind] = probe(kind, Path(tmp), plan)
    headers, rows = table(results)
    print(text_table(headers, rows))
    failed = 0
    for kind, (tally, seconds) in results.items():
        failed += tally.failures()
        print(f"\n{kind}: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
        for note in tally.notes:
            print(f"  {note}")
        for what, found in tally.findings().items():
            for finding in found:
                print(f"  {what}: {finding}")
    if args.out:
        given = sys.argv[1:] if argv is None else argv
        command = "python bench/probe_hardening.py " + " ".join(given)
        info = machine_info(("httpx",))
        body = "\n".join(
            [
                f"`{command}` on {info['nproc']} cores ({info['CPU']}), Python {info['Python']}:",
                "",
                markdown_table(headers, rows),
                "",
                f"{args.clients} clients during the SIGKILL; {plan.rounds} move-and-read rounds.",
            ]
        )
        replace_section(args.out, "Latest run", body)
    print(json.dumps({"failures": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
