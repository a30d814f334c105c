"""Attribution: every cycle's time split by its holders (accord.core.engine.attribution), in
both engines: the parts sum to the whole, and the batch engine equals the reference."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.resolved import Configuration
from accord.core.engine import attribute, compute
from accord.core.engine.attribution import (
    Attribution,
    attribution_from_table,
    attribution_schema,
    attribution_table,
    check_dimensions,
    plain_attribution,
)
from accord.core.engine.batch import (
    attribute_batch,
    attribute_partition,
    events_to_table,
    records_from_table,
)
from accord.core.events import Event
from accord.core.records import MetricRecord
from accord.errors import InputError
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.core.engine.helpers import agent_reply, at, config, created, ev, status

EXAMPLES = int(os.environ.get("ACCORD_BATCH_EXAMPLES", "200"))
DIMENSIONS = ("team", "assignee", "status", "channel", "region", "tier", "priority", "customer")

_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], int, list[str]]:
    config_, base = draw(configurations(with_agreements=True))
    events, as_of = draw(event_logs(base))
    dims = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=3, unique=True))
    return config_, events, as_of, dims


def _sums(rows: list[Attribution]) -> dict[tuple[str, str, int], tuple[int, int]]:
    out: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        got = out[(r.ticket_id, r.metric, r.cycle)]
        got[0] += r.business_elapsed
        got[1] += r.paused_business
    return {k: (a, b) for k, (a, b) in out.items()}


def _whole(records: list[MetricRecord]) -> dict[tuple[str, str, int], tuple[int, int]]:
    return {
        (r.ticket_id, r.metric, r.cycle): (r.business_elapsed, r.paused_business)
        for r in records
        if r.business_elapsed or r.paused_business
    }


@_settings
@given(case=cases())
def test_every_cycles_parts_sum_to_its_own_elapsed_and_paused_time(
    case: tuple[Configuration, list[Event], int, list[str]],
) -> None:
    config_, events, as_of, dims = case
    records, rows = attribute(events, config_, as_of, dims, agreements=True)
    assert records == compute(events, config_, as_of, agreements=True)
    assert _sums(rows) == _whole(records)
    # one row per cycle and holder, never a row without time
    keys = [(r.ticket_id, r.metric, r.cycle, r.holder) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r.business_elapsed + r.paused_business > 0 for r in rows)


@_settings
@given(case=cases(), chunk=st.sampled_from([1, 7, 500_000]))
def test_batch_attribution_equals_the_reference_row_for_row(
    case: tuple[Configuration, list[Event], int, list[str]], chunk: int
) -> None:
    config_, events, as_of, dims = case
    records, rows = attribute(events, config_, as_of, dims, agreements=True)
    table = events_to_table(events)
    got_records, got = attribute_batch(
        table, config_, as_of, dims, chunk_events=chunk, agreements=True
    )
    assert got.schema == attribution_schema(dims)
    assert records_from_table(got_records) == records
    assert attribution_from_table(got) == rows


# ------------------------------------------------------------------ rules, one at a time

_CFG = {"resolution": {"targets": {"default": "8h"}, "pause": ["pending"]}, "first_response": "1h"}


def test_a_holder_that_held_only_outside_business_hours_has_no_row() -> None:
    cfg = config(_CFG)
    evs = [
        created("2024-03-04T16:00:00Z", team="L1"),
        ev("2024-03-04T18:00:00Z", "updated", "agent", team="night"),  # closed until 09:00
        ev("2024-03-05T08:00:00Z", "updated", "agent", team="L2"),
        status("2024-03-05T10:00:00Z", "solved"),
    ]
    _, rows = attribute(evs, cfg, at("2024-03-05T12:00:00Z"), ["team"])
    got = {r.holder: r.business_elapsed for r in rows if r.metric == "resolution"}
    assert got == {("L1",): 3600, ("L2",): 3600}


def test_a_cycle_that_counted_nothing_has_no_rows_in_either_engine() -> None:
    cfg = config(_CFG)
    evs = [created("2024-03-04T18:00:00Z", team="L1"), agent_reply("2024-03-04T19:00:00Z")]
    as_of = at("2024-03-04T20:00:00Z")
    records, rows = attribute(evs, cfg, as_of, ["team"])
    assert [r.metric for r in records] == ["resolution", "first_response"]
    assert rows == []
    _, table = attribute_partition(events_to_table(evs), cfg, as_of, ["team"])
    assert table.num_rows == 0


def test_time_is_split_by_every_combination_of_the_dimensions_in_first_appearance_order() -> None:
    cfg = config(_CFG)
    evs = [
        created("2024-03-04T09:00:00Z", team="L1", assignee="ana"),
        ev("2024-03-04T10:00:00Z", "updated", "agent", assignee="bo"),
        ev("2024-03-04T11:00:00Z", "updated", "agent", team="L2", assignee=None),
        ev("2024-03-04T12:00:00Z", "updated", "agent", team="L1", assignee="ana"),
        status("2024-03-04T13:00:00Z", "solved"),
    ]
    as_of = at("2024-03-04T14:00:00Z")
    _, rows = attribute(evs, cfg, as_of, ["team", "assignee"])
    got = [(r.holder, r.business_elapsed) for r in rows if r.metric == "resolution"]
    assert got == [(("L1", "ana"), 7200), (("L1", "bo"), 3600), (("L2", None), 3600)]
    _, table = attribute_partition(events_to_table(evs), cfg, as_of, ["team", "assignee"])
    assert attribution_from_table(table) == rows


def test_the_status_dimension_is_the_category_not_the_source_name() -> None:
    from accord.core.config.loader import build_config

    cfg = build_config(
        {
            "calendars": {"C1": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}}},
            "statuses": {"Awaiting customer": "pending"},
            "policies": [{"name": "S", "calendar": "C1", "metrics": {"resolution": "8h"}}],
        }
    )
    evs = [
        created("2024-03-04T09:00:00Z"),
        status("2024-03-04T10:00:00Z", "Awaiting customer"),
        status("2024-03-04T11:00:00Z", "solved"),
    ]
    _, rows = attribute(evs, cfg, at("2024-03-04T12:00:00Z"), ["status"])
    assert [(r.holder, r.business_elapsed) for r in rows] == [
        (("new",), 3600),
        (("pending",), 3600),
    ]


def test_custom_values_with_the_same_text_are_one_holder_in_both_engines() -> None:
    cfg = config(_CFG)
    evs = [
        created("2024-03-04T09:00:00Z", region=1),
        ev("2024-03-04T10:00:00Z", "updated", "agent", region="1"),
        ev("2024-03-04T11:00:00Z", "updated", "agent", region=True),
        status("2024-03-04T12:00:00Z", "solved"),
    ]
    as_of = at("2024-03-04T13:00:00Z")
    _, rows = attribute(evs, cfg, as_of, ["region"])
    got = [(r.holder, r.business_elapsed) for r in rows if r.metric == "resolution"]
    assert got == [(("1",), 7200), (("True",), 3600)]
    _, table = attribute_partition(events_to_table(evs), cfg, as_of, ["region"])
    assert attribution_from_table(table) == rows


def test_a_restart_at_a_priority_change_drops_the_time_before_it_from_the_parts() -> None:
    cfg = config({"resolution": {"targets": {"default": "8h"}, "priority_change": "restart"}})
    evs = [
        created("2024-03-04T09:00:00Z", team="L1", priority="P2"),
        ev("2024-03-04T10:00:00Z", "updated", "agent", team="L2"),
        ev("2024-03-04T11:00:00Z", "updated", "agent", priority="P1"),
        status("2024-03-04T12:00:00Z", "solved"),
    ]
    as_of = at("2024-03-04T13:00:00Z")
    records, rows = attribute(evs, cfg, as_of, ["team"])
    assert records[0].business_elapsed == 3600
    assert [(r.holder, r.business_elapsed) for r in rows] == [(("L2",), 3600)]
    _, table = attribute_partition(events_to_table(evs), cfg, as_of, ["team"])
    assert attribution_from_table(table) == rows


@pytest.mark.parametrize(
    ("dims", "words"),
    [
        ([], "at least one dimension"),
        (["tags"], "several values"),
        (["team", "team"], "given twice"),
        (["cycle"], "column of the attribution rows"),
        ([" team"], "not a dimension"),
    ],
)
def test_a_dimension_that_cannot_split_time_is_refused_with_the_reason(
    dims: list[str], words: str
) -> None:
    with pytest.raises(InputError, match=words):
        check_dimensions(dims)


def test_the_reference_rows_as_a_table_have_the_batch_schema_and_a_plain_form() -> None:
    rows = [Attribution("T1", "resolution", 1, ("L1", None), 60, 0)]
    table = attribution_table(rows, ["team", "assignee"], at("2024-03-04T12:00:00Z"))
    assert table.schema == attribution_schema(["team", "assignee"])
    assert attribution_from_table(table) == rows
    plain = plain_attribution(table)
    assert str(plain.schema.field("team").type) == "string"
    assert plain.column("as_of").to_pylist()[0].isoformat() == "2024-03-04T12:00:00+00:00"
