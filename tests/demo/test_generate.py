"""The demo event log: deterministic, sized as asked, and realistic enough to fail when the
helpdesk it imitates stops looking like one; the demo configuration that goes with it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from accord.core.config.loader import check_config
from accord.core.config.resolved import Configuration
from accord.core.events import Actor, Event, Kind, StatusCategory
from accord.core.records import State
from accord.core.timeutil import to_instant
from accord.demo import CONFIG_DIR, generate_events
from accord.demo.generate import CUSTOMERS, TEAM_ZONES

END = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # a Wednesday
END_AT = to_instant(END)
OPEN_CATEGORIES = {StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING,
                   StatusCategory.ON_HOLD}  # fmt: skip


@pytest.fixture(scope="module")
def log() -> list[Event]:
    return list(generate_events(end=END))


@pytest.fixture(scope="module")
def by_ticket(log: list[Event]) -> dict[str, list[Event]]:
    """Each ticket's events in time order (the engine's order)."""
    out: dict[str, list[Event]] = defaultdict(list)
    for e in sorted(log, key=Event.sort_key):
        out[e.ticket_id].append(e)
    return out


@pytest.fixture(scope="module")
def config() -> Configuration:
    cfg, issues = check_config(CONFIG_DIR)
    assert cfg is not None, [i.render() for i in issues]
    return cfg


def _statuses(events: list[Event]) -> list[str]:
    return [str(e.fields["status"]) for e in events if "status" in e.fields]


# ---------------------------------------------------------------- determinism and API


def test_same_seed_and_end_give_the_identical_log() -> None:
    a = [e.to_dict() | {"seq": e.seq} for e in generate_events(seed=3, end=END, tickets=150)]
    b = [e.to_dict() | {"seq": e.seq} for e in generate_events(seed=3, end=END, tickets=150)]
    assert a == b


def test_another_seed_or_end_gives_another_log() -> None:
    base = [e.to_dict() for e in generate_events(seed=3, end=END, tickets=50)]
    assert base != [e.to_dict() for e in generate_events(seed=4, end=END, tickets=50)]
    later = END + timedelta(days=7)
    assert base != [e.to_dict() for e in generate_events(seed=3, end=later, tickets=50)]


def test_the_end_instant_bounds_the_log_whatever_its_zone() -> None:
    end = datetime(2019, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    events = list(generate_events(end=end, days=30, tickets=200))
    end_at = to_instant(end)
    assert max(e.ts for e in events) <= end_at
    assert min(e.ts for e in events) >= end_at - 30 * 86400


def test_bad_arguments_fail_at_the_call() -> None:
    with pytest.raises(ValueError, match="aware"):
        generate_events(end=datetime(2026, 3, 4))
    with pytest.raises(ValueError, match="not both"):
        generate_events(end=END, tickets=10, target_events=100)
    with pytest.raises(ValueError, match="days"):
        generate_events(end=END, days=0)
    with pytest.raises(ValueError, match="negative"):
        generate_events(end=END, tickets=-1)


# ---------------------------------------------------------------- volumes


def test_default_volume_is_about_two_thousand_tickets(log: list[Event]) -> None:
    tickets = {e.ticket_id for e in log}
    assert len(tickets) == 2000
    assert 15_000 <= len(log) <= 30_000


def test_tickets_fixes_the_number_of_tickets() -> None:
    assert len({e.ticket_id for e in generate_events(end=END, tickets=37)}) == 37
    assert list(generate_events(end=END, tickets=0)) == []


def test_default_volume_scales_with_days() -> None:
    assert len({e.ticket_id for e in generate_events(end=END, days=9)}) == 200


def test_target_events_100k_gives_about_100k_events() -> None:
    n = sum(1 for _ in generate_events(end=END, target_events=100_000))
    assert 90_000 <= n <= 110_000


# ---------------------------------------------------------------- the log's shape


def test_seq_is_the_delivery_index_and_ids_are_unique_and_stable(log: list[Event]) -> None:
    assert [e.seq for e in log] == list(range(len(log)))
    ids = [e.event_id for e in log]
    assert len(set(ids)) == len(ids)
    for e in log[:500]:
        assert re.fullmatch(rf"demo-{e.ticket_id}-\d+", e.event_id)


def test_a_small_share_is_delivered_late_and_out_of_order(log: list[Event]) -> None:
    inversions = sum(1 for a, b in pairwise(log) if b.ts < a.ts)
    assert 0.005 * len(log) < inversions < 0.05 * len(log)
    # some arrive after a later event of their own ticket, which the engine must reorder
    seen: dict[str, int] = {}
    late_within_ticket = 0
    for e in log:
        if e.ts < seen.get(e.ticket_id, e.ts):
            late_within_ticket += 1
        seen[e.ticket_id] = max(seen.get(e.ticket_id, e.ts), e.ts)
    assert late_within_ticket > 10


def test_every_ticket_starts_with_created(
    log: list[Event], by_ticket: dict[str, list[Event]]
) -> None:
    first_delivered: dict[str, Event] = {}
    for e in log:
        first_delivered.setdefault(e.ticket_id, e)
    assert all(e.kind is Kind.CREATED for e in first_delivered.values())
    for events in by_ticket.values():
        assert events[0].kind is Kind.CREATED
        assert sum(1 for e in events if e.kind is Kind.CREATED) == 1
        created = events[0].fields
        for key in ("status", "priority", "customer", "team", "channel", "type", "tags"):
            assert key in created


def test_events_carry_what_their_kind_needs(log: list[Event]) -> None:
    for e in log:
        if e.kind is Kind.MESSAGE:
            assert e.actor in (Actor.AGENT, Actor.CUSTOMER)
            assert isinstance(e.public, bool)
        elif e.kind in (Kind.CREATED, Kind.UPDATED):
            assert e.actor is not None and e.fields
            if "tags" in e.fields:
                assert isinstance(e.fields["tags"], tuple)
        elif e.kind is Kind.RATING:
            assert e.actor is Actor.CUSTOMER and e.fields["rating"] in ("good", "bad")
        else:
            assert e.kind is Kind.DELETED and e.actor is Actor.AGENT


def test_customer_messages_come_only_from_the_customer_side_publicly(log: list[Event]) -> None:
    assert not any(
        e.kind is Kind.MESSAGE and e.actor is Actor.CUSTOMER and e.public is False for e in log
    )


# ---------------------------------------------------------------- realism


def _local(e: Event, zone: str) -> datetime:
    return datetime.fromtimestamp(e.ts, ZoneInfo(zone))


def test_activity_follows_business_hours_in_the_team_zone(
    by_ticket: dict[str, list[Event]],
) -> None:
    day = night = 0
    for events in by_ticket.values():
        zone = TEAM_ZONES[str(events[0].fields["team"])]
        for e in events:
            hour = _local(e, zone).hour
            day += 9 <= hour < 17
            night += hour < 6
    # eight day hours against six night hours: a flat log would give a ratio of 4 to 3
    assert day > 10 * night


def test_weekdays_are_busier_than_weekends_and_monday_peaks(
    by_ticket: dict[str, list[Event]],
) -> None:
    events_by_day: Counter[int] = Counter()
    created_by_day: Counter[int] = Counter()
    for events in by_ticket.values():
        zone = TEAM_ZONES[str(events[0].fields["team"])]
        created_by_day[_local(events[0], zone).weekday()] += 1
        for e in events:
            events_by_day[_local(e, zone).weekday()] += 1
    weekday = sum(events_by_day[d] for d in range(5)) / 5
    weekend = (events_by_day[5] + events_by_day[6]) / 2
    assert weekday > 3 * weekend
    midweek = sum(created_by_day[d] for d in (1, 2, 3)) / 3
    assert created_by_day[0] > 1.15 * midweek


def test_priorities_have_realistic_shares(by_ticket: dict[str, list[Event]]) -> None:
    shares = Counter(str(ev[0].fields["priority"]) for ev in by_ticket.values())
    n = sum(shares.values())
    assert shares["normal"] / n > 0.45
    assert 0.01 < shares["urgent"] / n < 0.1
    assert shares["urgent"] < shares["high"] < shares["normal"]
    assert shares["low"] > shares["urgent"]


def test_several_customers_teams_channels_and_agents(log: list[Event]) -> None:
    created = [e.fields for e in log if e.kind is Kind.CREATED]
    assert {f["customer"] for f in created} == {c.name for c in CUSTOMERS}
    assert {f["channel"] for f in created} == {"email", "web", "chat", "phone"}
    assert len({f["type"] for f in created}) >= 3
    teams = {e.fields["team"] for e in log if "team" in e.fields}
    assert teams == {"support-us", "support-eu", "platform"}
    assignees = {e.fields["assignee"] for e in log if "assignee" in e.fields}
    assert len(assignees) >= 10


def test_the_helpdesk_story_has_every_twist(
    log: list[Event], by_ticket: dict[str, list[Event]]
) -> None:
    assert sum(1 for e in log if e.kind is Kind.MESSAGE and e.public is False) > 200
    statuses = Counter(s for events in by_ticket.values() for s in _statuses(events))
    assert statuses["Awaiting customer"] > 200
    assert statuses["Waiting on vendor"] > 20
    reopened = sum(
        1
        for events in by_ticket.values()
        if any(pair == ("Solved", "Open") for pair in pairwise(_statuses(events)))
    )
    assert reopened > 20
    ratings = Counter(e.fields["rating"] for e in log if e.kind is Kind.RATING)
    assert ratings["good"] > ratings["bad"] > 0
    deleted = sum(1 for e in log if e.kind is Kind.DELETED)
    assert 1 <= deleted <= 20


def test_priorities_are_raised_and_lowered(by_ticket: dict[str, list[Event]]) -> None:
    order = ["urgent", "high", "normal", "low"]
    raised = lowered = 0
    for events in by_ticket.values():
        current = order.index(str(events[0].fields["priority"]))
        for e in events[1:]:
            if "priority" in e.fields:
                new = order.index(str(e.fields["priority"]))
                raised += new < current
                lowered += new > current
                current = new
    assert raised > 10 and lowered > 5


def test_tickets_move_between_teams_and_agents(by_ticket: dict[str, list[Event]]) -> None:
    team_moves = agent_moves = 0
    for events in by_ticket.values():
        assignees = [e.fields["assignee"] for e in events if "assignee" in e.fields]
        agent_moves += len(set(assignees)) > 1
        team_moves += any(e.kind is Kind.UPDATED and "team" in e.fields for e in events)
    assert team_moves > 50
    assert agent_moves > 50


def test_some_tickets_are_still_open_at_the_end_mostly_recent(
    by_ticket: dict[str, list[Event]], config: Configuration
) -> None:
    still_open: list[int] = []
    for events in by_ticket.values():
        if any(e.kind is Kind.DELETED for e in events):
            continue
        last = _statuses(events)[-1]
        if config.status_category(last) in OPEN_CATEGORIES:
            still_open.append(events[0].ts)
    assert 10 < len(still_open) < 0.15 * len(by_ticket)
    recent = sum(1 for t in still_open if t > END_AT - 15 * 86400)
    assert recent > len(still_open) / 2
    assert recent < len(still_open)  # and a few old ones, stuck waiting on a vendor


# ---------------------------------------------------------------- the demo configuration


def test_the_demo_configuration_loads_without_issues() -> None:
    cfg, issues = check_config(CONFIG_DIR)
    assert cfg is not None
    assert issues == []


def test_every_status_name_in_the_log_is_mapped(log: list[Event], config: Configuration) -> None:
    names = {str(e.fields["status"]) for e in log if "status" in e.fields}
    assert {"Awaiting customer", "Waiting on vendor"} <= names
    assert config.status_category("Awaiting customer") is StatusCategory.PENDING
    assert config.status_category("Waiting on vendor") is StatusCategory.ON_HOLD
    assert all(config.status_category(n) is not None for n in names)


def test_policies_select_by_contract_with_a_calendar_in_the_right_zone(
    by_ticket: dict[str, list[Event]], config: Configuration
) -> None:
    tiers = {c.name: c.tier for c in CUSTOMERS}
    home_zone = {"us": "America/New_York", "eu": "Europe/Berlin"}
    calendars = yaml.safe_load((CONFIG_DIR / "calendars.yaml").read_text())["calendars"]
    zones = {name: spec["tz"] for name, spec in calendars.items()}
    for events in list(by_ticket.values())[:400]:
        fields = events[0].fields
        policy = config.select_policy(fields)
        assert policy is not None
        tier = tiers[str(fields["customer"])]
        if tier == "gold":
            urgent = fields["priority"] == "urgent"
            assert policy.name == ("Gold urgent" if urgent else "Gold")
        elif tier == "silver":
            assert policy.name == "Silver"
        else:
            assert policy.name == ("Standard EU" if fields["region"] == "eu" else "Standard")
        calendar = policy.version_at(events[0].ts).calendar
        expected = "UTC" if policy.name == "Gold urgent" else home_zone[str(fields["region"])]
        assert zones[calendar] == expected


def test_the_gold_version_applies_to_the_whole_demo(config: Configuration) -> None:
    gold = next(p for p in config.policies if p.name == "Gold")
    assert len(gold.versions) == 2
    effective = gold.versions[1].effective_from
    assert effective is not None and effective <= END_AT - 90 * 86400
    assert gold.version_at(END_AT).target("first_response", "high") == 3600
    assert gold.versions[0].target("first_response", "high") == 7200


def test_computed_clocks_show_mostly_met_some_breached_and_some_open(
    config: Configuration,
) -> None:
    from accord.core.engine import compute

    events = list(generate_events(seed=11, end=END, tickets=600))
    records = compute(events, config, END_AT)
    for metric in ("first_response", "next_reply", "resolution", "time_to_own"):
        states = Counter(r.state for r in records if r.metric == metric and r.target is not None)
        judged = states[State.MET] + states[State.BREACHED]
        assert judged > 100, metric
        assert 0.75 < states[State.MET] / judged < 0.99, (metric, states)
    assert any(r.state in (State.RUNNING, State.PAUSED) for r in records)
    assert {r.policy for r in records} >= {"Gold", "Silver", "Standard", "Standard EU"}


# ---------------------------------------------------------------- the command's output


@pytest.mark.parametrize("name", ["events.jsonl", "events.csv", "events.parquet"])
def test_accord_demo_generate_writes_the_same_bytes_for_a_seed_and_end(
    tmp_path: Path, name: str
) -> None:
    from typer.testing import CliRunner

    from accord.cli.main import app

    args = ["demo", "generate", "--seed", "9", "--events", "30000", "--end", "2026-03-04T12:00:00Z"]
    runner = CliRunner()
    for run in ("a", "b"):
        res = runner.invoke(app, [*args, "--out", str(tmp_path / run / name), "--quiet"])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = runner.invoke(app, [*args[:3], "10", *args[4:], "-o", str(tmp_path / "c" / name)])
    assert other.exit_code == 0
    assert (tmp_path / "c" / name).read_bytes() != (tmp_path / "a" / name).read_bytes()


def test_the_log_is_the_same_whatever_reads_it(tmp_path: Path) -> None:
    from accord.demo.generate import generate_log, log_table
    from accord.io.table_writers import write_event_table

    log = generate_log(seed=2, end=END, target_events=5000)
    write_event_table(tmp_path / "e.jsonl", [log_table(log)])
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    events = list(generate_events(seed=2, end=END, target_events=5000))
    assert len(lines) == len(events) == len(log)
    import json

    assert [json.loads(x) for x in lines] == [e.to_dict() for e in events]


def test_target_events_over_several_batches_is_still_about_the_target() -> None:
    from accord.demo import generate as g

    old = g.BATCH_TICKETS
    try:
        g.BATCH_TICKETS = 500  # several batches for a small log
        log = g.generate_log(end=END, target_events=20_000)
        assert 20_000 <= len(log) < 20_100
        assert len(set(log.ticket.tolist())) > 1000
    finally:
        g.BATCH_TICKETS = old
