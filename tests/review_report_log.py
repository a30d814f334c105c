"""A small quarter of tickets for the review report tests (core, CLI and API), with figures
worked out by hand.

2026-Q3, a 24x7 calendar, every ticket high priority, first-response target 30m; acme has a
contract (90 % within target a month, 50.00 USD a breach beyond the budget):

| month | ticket (customer, minutes to the first reply) | met / judged |
| --- | --- | --- |
| 2026-07 | A1 (acme, 10), A2 (acme, 40), G1 (globex, 5) | 2 / 3 |
| 2026-08 | A3 (acme, 20), A4 (acme, 50) | 1 / 2 |
| 2026-09 | A5 (acme, 15), A6 (acme, 25), G2 (globex, 45) | 2 / 3 |

Quarter: 8 judged, 5 met, 3 breached, 62.50 %. The smallest grid target met by 95 % of the
clocks in every month is 1h (each month's slowest reply: 40, 50 and 45 minutes); under it no
clock breaches.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AS_OF = "2026-10-05T00:00:00Z"
CONFIG = {
    "calendars.yaml": (
        "calendars:\n  24x7:\n    tz: UTC\n    hours: {mon-sun: [['00:00', '24:00']]}\n"
    ),
    "policies.yaml": (
        "policies:\n"
        "  - name: Standard\n"
        "    calendar: 24x7\n"
        "    metrics:\n"
        "      first_response: 30m\n"
    ),
    "contracts.yaml": (
        "contracts:\n"
        "  acme:\n"
        "    policies: [Standard]\n"
        '    monthly_fee: "1000.00"\n'
        "    currency: USD\n"
        "    objectives:\n"
        "      first_response:\n"
        "        metric: first_response\n"
        "        met_share: 90%\n"
        '        credit: {per_breach: "50.00"}\n'
    ),
}
TICKETS = (  # ticket, customer, created (UTC), minutes to the first public reply
    ("A1", "acme", "2026-07-06T10:00:00", 10),
    ("A2", "acme", "2026-07-14T10:00:00", 40),
    ("G1", "globex", "2026-07-20T10:00:00", 5),
    ("A3", "acme", "2026-08-04T10:00:00", 20),
    ("A4", "acme", "2026-08-18T10:00:00", 50),
    ("A5", "acme", "2026-09-02T10:00:00", 15),
    ("A6", "acme", "2026-09-09T10:00:00", 25),
    ("G2", "globex", "2026-09-23T10:00:00", 45),
)


def events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ticket, customer, created, minutes in TICKETS:
        t0 = datetime.fromisoformat(created).replace(tzinfo=UTC)
        out.append({
            "event_id": f"{ticket}-c", "ticket_id": ticket, "ts": t0.isoformat(),
            "kind": "created", "actor": "customer", "customer": customer, "priority": "high",
            "status": "new",
        })  # fmt: skip
        out.append({
            "event_id": f"{ticket}-r", "ticket_id": ticket,
            "ts": (t0 + timedelta(minutes=minutes)).isoformat(), "kind": "message",
            "actor": "agent", "public": True,
        })  # fmt: skip
    return out


def write(directory: Path) -> tuple[Path, Path]:
    """The events file and the configuration directory of the log, written in ``directory``."""
    config = directory / "config"
    config.mkdir(parents=True, exist_ok=True)
    for name, text in CONFIG.items():
        (config / name).write_text(text)
    path = directory / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events()))
    return path, config
