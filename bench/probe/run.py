"""The four checks of the probe, run against one server over one store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import inputs, kill, leaks, webhooks
from .deployment import deployment
from .tally import Tally


@dataclass(frozen=True)
class Plan:
    clients: int = 8  # concurrent clients during the SIGKILL
    events: int = 6_000  # items they post
    tickets: int = 6  # tickets of each customer for the leak walk
    rounds: int = 3  # move-then-read rounds of the leak walk
    backlog: int = 300  # events queued for the recompute before each round's moves
    inputs: int | None = None  # how many bad inputs (None: all)
    wait: float = 60.0  # longest wait for a good ticket's clocks after the bad inputs


def probe(kind: str, folder: Path, plan: Plan) -> tuple[Tally, dict[str, float]]:
    """Run every check on a fresh store of ``kind``; the tally and each check's seconds."""
    tally = Tally()
    seconds: dict[str, float] = {}
    with deployment(kind, folder / kind) as dep:
        for name, check in (
            ("leaks", lambda: leaks.run(
                dep, tally, tickets=plan.tickets, rounds=plan.rounds, backlog_events=plan.backlog
            )),
            ("bad inputs", lambda: inputs.run(dep, tally, only=plan.inputs, wait=plan.wait)),
            ("webhooks", lambda: webhooks.run(dep, tally)),
            ("SIGKILL", lambda: kill.run(dep, tally, clients=plan.clients, total=plan.events)),
        ):  # fmt: skip
            t0 = time.perf_counter()
            check()
            seconds[name] = time.perf_counter() - t0
        for line in dep.server.log.read_text(errors="replace").splitlines():
            if "Traceback" in line:
                tally.notes.append(f"the {kind} server's log holds a traceback: {dep.server.log}")
                break
    return tally, seconds
