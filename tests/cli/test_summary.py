"""The CLI scoreboard: aggregation against hand-counted records, then the rendering."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from accord.cli.summary import compliance_table, headline, most_at_risk, render_summary
from accord.core.records import MetricRecord, State, Warning_

AS_OF = 1_772_000_000
H = 3600


def rec(ticket: str, metric: str, priority: str | None, state: State, **kw: Any) -> MetricRecord:
    """A record with plausible defaults; ``kw`` overrides any field."""
    closed = state in (State.MET, State.CANCELLED)
    values: dict[str, Any] = {
        "ticket_id": ticket,
        "metric": metric,
        "cycle": 1,
        "policy": "Gold",
        "policy_version": 1,
        "calendar": "support-us",
        "priority": priority,
        "customer": "acme",
        "team": "support-us",
        "assignee": "amy.chen",
        "channel": "email",
        "target": 4 * H,
        "start": AS_OF - 10 * H,
        "stop": AS_OF - H if closed else None,
        "due": AS_OF + H,
        "breached_at": None,
        "business_elapsed": 3 * H,
        "paused_business": 0,
        "calendar_elapsed": 9 * H,
        "state": state,
        "breached_now": state is State.BREACHED,
        "ever_breached": state is State.BREACHED,
        "as_of": AS_OF,
    }
    values.update(kw)
    return MetricRecord(**values)


# T2 closed late, T3 is still open past its target, T4 is running with a warning, T5 paused,
# T6 cancelled; agent_work has no target and must not count anywhere but the record total.
RECORDS = [
    rec("T1", "first_response", "urgent", State.MET),
    rec("T2", "first_response", "urgent", State.BREACHED, stop=AS_OF - 2 * H, due=AS_OF - 5 * H),
    rec("T3", "first_response", "urgent", State.BREACHED, due=AS_OF - 3 * H,
        business_elapsed=6 * H),
    rec("T4", "first_response", "urgent", State.RUNNING, due=AS_OF + 30 * 60,
        warnings=(Warning_("75%", AS_OF - 60),)),
    rec("T5", "first_response", "high", State.PAUSED, due=AS_OF + 2 * H),
    rec("T6", "first_response", "high", State.CANCELLED),
    rec("T7", "first_response", "normal", State.MET),
    rec("T7", "first_response", "normal", State.MET, cycle=2),
    rec("T8", "first_response", "p9", State.BREACHED, stop=AS_OF - H),
    rec("T1", "resolution", None, State.MET),
    rec("T3", "resolution", "urgent", State.RUNNING, due=AS_OF + 20 * H),
    rec("T1", "agent_work", "urgent", State.RUNNING, target=None, due=None),
    rec("T9", "my_custom", "low", State.MET),
]  # fmt: skip


def _row(rows: list[dict[str, Any]], metric: str, priority: str | None, total: bool = False) -> Any:
    return next(
        r
        for r in rows
        if r["metric"] == metric and r["priority"] == priority and r["total"] is total
    )


def test_compliance_counts_match_a_hand_count() -> None:
    rows = compliance_table(RECORDS)
    urgent = _row(rows, "first_response", "urgent")
    assert urgent == {
        "metric": "first_response",
        "priority": "urgent",
        "total": False,
        "tickets": 4,
        "met": 1,
        "breached": 2,  # closed late, and still open past the target
        "judged": 3,
        "compliance": 1 / 3,
        "open": 1,
        "at_risk": 1,
        "cancelled": 0,
    }
    high = _row(rows, "first_response", "high")
    assert (high["met"], high["breached"], high["open"], high["cancelled"]) == (0, 0, 1, 1)
    assert high["compliance"] is None  # nothing judged yet
    normal = _row(rows, "first_response", "normal")
    assert (normal["tickets"], normal["met"], normal["compliance"]) == (1, 2, 1.0)
    total = _row(rows, "first_response", None, total=True)
    assert (total["tickets"], total["met"], total["breached"], total["judged"]) == (8, 3, 3, 6)
    assert (total["open"], total["at_risk"], total["cancelled"]) == (2, 1, 1)
    assert total["compliance"] == 0.5


def test_only_metrics_with_targets_appear() -> None:
    metrics = {r["metric"] for r in compliance_table(RECORDS)}
    assert metrics == {"first_response", "resolution", "my_custom"}


def test_rows_are_ordered_by_metric_then_priority_with_a_total_last() -> None:
    order = [(r["metric"], r["priority"], r["total"]) for r in compliance_table(RECORDS)]
    assert order == [
        ("first_response", "urgent", False),
        ("first_response", "high", False),
        ("first_response", "normal", False),
        ("first_response", "p9", False),  # unknown priorities after the known ones
        ("first_response", None, True),
        ("resolution", "urgent", False),
        ("resolution", None, False),  # records without a priority come last
        ("resolution", None, True),
        ("my_custom", "low", False),  # custom metrics after the built-in ones
        ("my_custom", None, True),
    ]


def test_no_records_give_no_rows() -> None:
    assert compliance_table([]) == []
    assert headline([])["compliance"] is None


def test_headline_counts_tickets_records_and_overall_compliance() -> None:
    head = headline(RECORDS)
    assert head["tickets"] == 9
    assert head["records"] == len(RECORDS)
    assert (head["met"], head["breached"], head["open"]) == (5, 3, 3)
    assert head["compliance"] == 5 / 8


def test_most_at_risk_lists_late_open_clocks_first_then_by_due() -> None:
    risky = most_at_risk(RECORDS)
    assert [(r.ticket_id, r.metric) for r in risky] == [
        ("T3", "first_response"),  # already breached, still open
        ("T4", "first_response"),  # due in 30 minutes
        ("T5", "first_response"),  # due in 2 hours (paused)
        ("T3", "resolution"),  # due in 20 hours
    ]
    assert [r.ticket_id for r in most_at_risk(RECORDS, top=2)] == ["T3", "T4"]
    assert most_at_risk(RECORDS, top=0) == []


def test_most_at_risk_orders_several_late_clocks_by_due() -> None:
    late = [
        rec("A", "next_reply", "high", State.BREACHED, due=AS_OF - H),
        rec("B", "next_reply", "high", State.BREACHED, due=AS_OF - 5 * H),
        rec("C", "next_reply", "high", State.RUNNING, due=AS_OF + 60),
    ]
    assert [r.ticket_id for r in most_at_risk(late)] == ["B", "A", "C"]


def _render(records: list[MetricRecord], top: int = 10) -> str:
    console = Console(record=True, width=200, color_system=None)
    render_summary(records, console, top=top)
    return console.export_text()


def test_render_summary_prints_the_three_parts() -> None:
    text = _render(RECORDS)
    assert "SLA compliance by metric and priority" in text
    assert "first response" in text and "33.3%" in text and "50.0%" in text
    assert "Most at risk" in text
    risk_part = text[text.index("Most at risk") :]
    assert risk_part.index("T3") < risk_part.index("T4") < risk_part.index("T5")
    assert "-2h" in risk_part  # T3: 6h elapsed on a 4h target
    assert "amy.chen" in risk_part and "Gold" in risk_part
    assert "2026-02-25T" in risk_part  # due instants in ISO 8601 UTC
    assert "9 tickets, 13 records; compliance 62.5%" in text


def test_render_summary_respects_top_and_copes_with_nothing() -> None:
    text = _render(RECORDS, top=1)
    assert "top 1" in text
    assert "T4" not in text[text.index("Most at risk") :]
    empty = _render([])
    assert "No records with a target yet." in empty
    assert "0 tickets, 0 records" in empty


def test_the_summary_of_a_records_table_equals_the_summary_of_its_records() -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from accord.cli.summary import table_summary
    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
    from accord.demo.generate import generate_events

    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    config = load_config(Path(__file__).parents[2] / "src" / "accord" / "demo" / "config")
    events = events_to_table(list(generate_events(seed=8, end=end, tickets=200)))
    table = compute_batch(events, config, int(end.timestamp()), chunk_events=500)
    records = records_from_table(table)
    head, rows, risky = table_summary(table)
    assert rows == compliance_table(records) and len(rows) > 4
    assert head == headline(records)
    assert risky == most_at_risk(records) and len(risky) > 3
    assert table_summary(table, top=3)[2] == most_at_risk(records, 3)
    # and on nothing at all
    assert table_summary(table.slice(0, 0)) == (headline([]), [], [])


def test_the_headline_compliance_leaves_the_internal_agreements_clocks_out() -> None:
    from pathlib import Path

    from accord.cli.summary import table_summary
    from accord.core.config.loader import load_config
    from accord.core.engine import compute
    from accord.core.engine.batch import compute_batch, events_to_table
    from accord.io.readers import read_events

    folder = Path(__file__).parents[1] / "scenarios" / "ola-from-assignment-to-hand-off"
    config = load_config(folder / "config.yaml")
    events = read_events(folder / "events.jsonl", status_category=config.status_category).events
    as_of = max(e.ts for e in events)
    records = compute(events, config, as_of, agreements=True)
    assert [r.state for r in records] == [State.MET, State.BREACHED]  # resolution, ola:…
    head = headline(records)
    assert (head["records"], head["met"], head["breached"], head["compliance"]) == (2, 1, 0, 1.0)
    assert [r["metric"] for r in compliance_table(records) if r["total"]] == [
        "resolution",
        "ola:L2-response",
    ]
    table = compute_batch(events_to_table(events), config, as_of, agreements=True)
    assert table_summary(table)[0] == head
