"""Which internal clocks lie under a customer clock (accord.core.agreements.links)."""

from __future__ import annotations

from accord.core.agreements.links import AgreementLink, links_table, underpinned
from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.records import State
from tests.core.engine.helpers import C1, agent_reply, at, created, customer_msg, ev, status


def _config(underpins: str | None) -> Configuration:
    ag: dict[str, object] = {"while": {"team": "L2"}, "calendar": "C1", "targets": "2h"}
    if underpins is not None:
        ag["underpins"] = underpins
    return build_config(
        {
            "calendars": {"C1": C1},
            "policies": [
                {
                    "name": "S",
                    "calendar": "C1",
                    "metrics": {"resolution": "8h", "first_response": "4h", "next_reply": "4h"},
                }
            ],
            "agreements": {"L2-response": ag},
        }
    )


def test_a_breached_customer_clock_shows_the_internal_clock_that_breached_inside_it() -> None:
    config = _config("resolution")
    evs = [
        created("2024-03-04T09:00:00Z", team="L1", customer="acme"),
        ev("2024-03-04T10:00:00Z", "updated", "agent", team="L2"),
        ev("2024-03-04T13:00:00Z", "updated", "agent", team="L1"),
        status("2024-03-04T14:00:00Z", "solved"),
    ]
    records = compute(evs, config, at("2024-03-04T15:00:00Z"), agreements=True)
    assert underpinned(records, config.agreements) == [
        AgreementLink(
            "T1", "resolution", 1, "ola:L2-response", 1, State.BREACHED, at("2024-03-04T12:00:00Z")
        )
    ]
    # the same links from the batch engine's records
    table = compute_batch(events_to_table(evs), config, at("2024-03-04T15:00:00Z"), agreements=True)
    assert underpinned(records_from_table(table), config.agreements) == underpinned(
        records, config.agreements
    )


def test_only_the_cycles_that_overlap_in_time_are_linked() -> None:
    config = _config("next_reply")
    evs = [
        created("2024-03-04T09:00:00Z", team="L1"),
        agent_reply("2024-03-04T09:10:00Z"),
        customer_msg("2024-03-04T10:00:00Z"),  # next_reply 1: 10:00-11:00
        ev("2024-03-04T11:00:00Z", "updated", "agent", team="L2"),  # L2 1: 11:00-12:00
        agent_reply("2024-03-04T11:00:00Z"),
        ev("2024-03-04T12:00:00Z", "updated", "agent", team="L1"),
        customer_msg("2024-03-04T13:00:00Z"),  # next_reply 2: 13:00-15:00
        ev("2024-03-04T14:00:00Z", "updated", "agent", team="L2"),  # L2 2: 14:00-
        agent_reply("2024-03-04T15:00:00Z"),
    ]
    records = compute(evs, config, at("2024-03-04T16:00:00Z"), agreements=True)
    links = underpinned(records, config.agreements)
    # L2's first holding starts when next_reply 1 stops: they share no time
    assert [(x.cycle, x.agreement_cycle, x.state) for x in links] == [(2, 2, State.RUNNING)]


def test_an_agreement_that_underpins_nothing_links_nothing() -> None:
    config = _config(None)
    evs = [created("2024-03-04T09:00:00Z", team="L2")]
    records = compute(evs, config, at("2024-03-04T15:00:00Z"), agreements=True)
    assert [r.metric for r in records][-1] == "ola:L2-response"
    assert underpinned(records, config.agreements) == []


def test_the_links_as_a_table() -> None:
    link = AgreementLink("T1", "resolution", 1, "ola:L2", 2, State.MET, None)
    table = links_table([link])
    assert table.column_names == [
        "ticket_id", "metric", "cycle", "agreement", "agreement_cycle", "state", "breached_at"
    ]  # fmt: skip
    assert table.to_pylist()[0]["state"] == "met"
    assert table.to_pylist()[0]["breached_at"] is None
