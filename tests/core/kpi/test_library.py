"""Each built-in KPI against a value worked out by hand on one small log.

Business hours Mon–Fri 09:00–17:00 UTC; targets: first response 1h, resolution 8h, time to
own 30m; agent work and requester wait measured without a target. As of Friday 2024-03-08
12:00 UTC; UTC weeks W09 (from Mon 02-26) and W10 (from Mon 03-04, the current one).

- T1 (team A): created Mon 09:00, assigned bob 09:10, replied 09:30, solved 10:00, rated good.
- T2 (team A): created Mon 16:00, assigned amy 16:30, replied Tue 10:00 and put on hold, back
  open and reassigned to bob Tue 11:00, replied 11:30, solved 12:00, rated bad.
- T3 (team B): created Tue 09:00 assigned to carol, replied 09:20, solved 09:40, reopened Wed
  09:00, solved 10:00, rated 5.
- T4 (team B): created Wed 09:00, never assigned nor answered: open at as-of.
- T5 (team A): created Thu 02-29 09:00 assigned to dave, replied 09:30, solved Mon 09:00.
- T6 (team B): created Tue 10:00 assigned to erin, deleted 10:20.
"""

from __future__ import annotations

import pytest

from accord.core.config.loader import build_config
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.facts import ticket_facts
from accord.core.kpi.frames import events_frame, records_frame
from accord.core.kpi.library import builtin_kpis
from tests.core.engine.helpers import agent_reply, at, created, ev, status

AS_OF = at("2024-03-08T12:00:00Z")
METRICS = ["first_response", "resolution", "time_to_own", "agent_work", "requester_wait"]
CONFIG = build_config(
    {
        "calendars": {"C1": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}}},
        "policies": [
            {
                "name": "Standard",
                "calendar": "C1",
                "pause": ["pending"],
                "metrics": {
                    "first_response": "1h",
                    "resolution": "8h",
                    "time_to_own": "30m",
                    "agent_work": None,
                    "requester_wait": None,
                },
            }
        ],
    }
)


def _log() -> list[Event]:
    def upd(ts: str, ticket: str, **fields: object) -> Event:
        return ev(ts, "updated", "agent", ticket=ticket, **fields)

    def rating(ts: str, ticket: str, value: object) -> Event:
        return ev(ts, "rating", "customer", ticket=ticket, rating=value)

    return [
        created("2024-03-04T09:00:00Z", ticket="T1", status="new", team="A", priority="P1"),
        upd("2024-03-04T09:10:00Z", "T1", assignee="bob"),
        agent_reply("2024-03-04T09:30:00Z", ticket="T1"),
        status("2024-03-04T10:00:00Z", "solved", ticket="T1"),
        rating("2024-03-04T11:00:00Z", "T1", "good"),
        created("2024-03-04T16:00:00Z", ticket="T2", status="new", team="A", priority="P2"),
        upd("2024-03-04T16:30:00Z", "T2", assignee="amy"),
        agent_reply("2024-03-05T10:00:00Z", ticket="T2"),
        status("2024-03-05T10:00:00Z", "on_hold", ticket="T2"),
        upd("2024-03-05T11:00:00Z", "T2", status="open", assignee="bob"),
        agent_reply("2024-03-05T11:30:00Z", ticket="T2"),
        status("2024-03-05T12:00:00Z", "solved", ticket="T2"),
        rating("2024-03-05T13:00:00Z", "T2", "bad"),
        created("2024-03-05T09:00:00Z", ticket="T3", status="new", team="B", assignee="carol"),
        agent_reply("2024-03-05T09:20:00Z", ticket="T3"),
        status("2024-03-05T09:40:00Z", "solved", ticket="T3"),
        status("2024-03-06T09:00:00Z", "open", ticket="T3"),
        status("2024-03-06T10:00:00Z", "solved", ticket="T3"),
        rating("2024-03-06T11:00:00Z", "T3", 5),
        created("2024-03-06T09:00:00Z", ticket="T4", status="new", team="B"),
        created("2024-02-29T09:00:00Z", ticket="T5", status="new", team="A", assignee="dave"),
        agent_reply("2024-02-29T09:30:00Z", ticket="T5"),
        status("2024-03-04T09:00:00Z", "solved", ticket="T5"),
        created("2024-03-05T10:00:00Z", ticket="T6", status="new", team="B", assignee="erin"),
        ev("2024-03-05T10:20:00Z", "deleted", "agent", ticket="T6"),
    ]


@pytest.fixture(scope="module")
def values() -> dict[tuple[str, str], float | None]:
    events = _log()
    records = records_frame(compute(events, CONFIG, AS_OF))
    facts = ticket_facts(events_frame(events), CONFIG, AS_OF)
    table = evaluate(
        builtin_kpis(METRICS), AS_OF, records=records, facts=facts, periods=2, grain="week"
    )
    return {(r["kpi"], r["period"]): r["value"] for r in table.iter_rows(named=True)}


W09, W10 = "2024-W09", "2024-W10"
_DAYS_SO_FAR = (4.5 * 86400 + 1) / 86400  # Mon 00:00 to Fri 12:00:00 inclusive

HAND = [
    ("tickets_created", W09, 1),  # T5
    ("tickets_created", W10, 4),  # T1-T4; deleted T6 counts nowhere
    ("tickets_solved", W09, 0),
    ("tickets_solved", W10, 4),  # T1, T2, T3 (last solve Wed), T5 (solved Mon)
    ("backlog", W09, 1),  # T5 at the end of W09
    ("backlog", W10, 1),  # T4 now
    ("first_response_median", W09, 1800),  # T5
    ("first_response_median", W10, 1800),  # T3 20m, T1 30m, T2 2h (Mon 16-17, Tue 9-10)
    ("first_response_p90", W10, 1800 + 0.8 * (7200 - 1800)),
    ("first_response_median_calendar", W10, 1800),
    ("first_response_p90_calendar", W10, 1800 + 0.8 * (64800 - 1800)),  # T2: 18h on the clock
    ("resolution_median", W10, (6000 + 14400) / 2),  # T1 1h, T3 40m+1h, T2 4h, T5 16h
    ("resolution_p90", W10, 14400 + 0.7 * (57600 - 14400)),
    ("time_to_own_median", W09, 0),  # T5 created assigned
    ("time_to_own_median", W10, 300),  # T3 0, T6 0, T1 10m, T2 30m
    ("agent_work_median", W10, (6000 + 10800) / 2),  # T2: its hour on hold does not count
    ("requester_wait_median", W10, (6000 + 14400) / 2),  # ... but waits for the requester
    ("sla_compliance", W09, 1.0),  # T5 first response and time to own
    ("sla_compliance", W10, 9 / 14),
    ("sla_compliance_first_response", W10, 2 / 4),  # T2 late, T4 late and still open
    ("sla_compliance_resolution", W10, 3 / 5),  # T5 (16h) and T4 (open) late
    ("sla_compliance_time_to_own", W10, 4 / 5),  # T4 unowned
    ("sla_compliance_agent_work", W10, None),  # no target: nothing judged
    ("breaches", W09, 0),
    ("breaches", W10, 5),
    ("first_contact_resolution", W10, 2 / 4),  # T1, T5; T2 two replies, T3 reopened
    ("reopen_rate", W10, 1 / 4),  # T3
    ("reassignment_rate", W10, 1 / 4),  # T2
    ("solved_per_agent_per_day", W10, 4 / _DAYS_SO_FAR / 3),  # bob ×2, carol, dave
    ("csat", W10, 2 / 3),  # good, bad, 5
    ("rating_response_rate", W10, 3 / 4),  # T5 not rated
    ("csat", W09, None),  # no rating: no value, not zero
]


@pytest.mark.parametrize(("kpi", "period", "expected"), HAND, ids=[f"{k}-{p}" for k, p, _ in HAND])
def test_builtin_kpi_equals_its_hand_worked_value(
    values: dict[tuple[str, str], float | None], kpi: str, period: str, expected: float | None
) -> None:
    got = values[(kpi, period)]
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-12)


def test_every_builtin_kpi_has_a_hand_worked_value() -> None:
    checked = {k for k, _, _ in HAND}
    library = set(builtin_kpis(METRICS))
    per_metric = {f"sla_compliance_{m}" for m in METRICS} - checked
    assert library - checked - per_metric == set()


def test_builtin_kpis_usable_without_yaml_have_directions_and_descriptions() -> None:
    for name, spec in builtin_kpis().items():
        assert spec.description, name
        assert spec.defined, name
    assert builtin_kpis()["backlog"].direction == "lower"
    assert builtin_kpis()["csat"].direction == "higher"


def test_every_builtin_kpi_has_a_label_a_description_and_a_unit() -> None:
    from accord.core.kpi.evaluate import unit_of

    for name, spec in builtin_kpis().items():
        assert spec.label and "_" not in spec.label, name
        assert spec.description, name
        assert unit_of(spec) in ("count", "percent", "duration", "number"), name
    labels = {n: k.label for n, k in builtin_kpis(["first_response"]).items()}
    assert labels["first_response_p90_calendar"] == "First response, 90th percentile (wall clock)"
    assert labels["sla_compliance_first_response"] == "SLA compliance: first response"
