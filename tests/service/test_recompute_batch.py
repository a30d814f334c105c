"""The background recompute computes a pass of many tickets with the batch engine: the stored
figures are the reference engine's, record for record, on SQLite and on PostgreSQL; only the
explanation, which no read takes from the store, is left out. A pass the batch engine fails on
is computed ticket by ticket, so a bad ticket is set aside alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from accord.cli.demo import copy_demo_config
from accord.core.config.loader import load_config
from accord.core.engine import compute_ticket
from accord.core.events import Event
from accord.demo.generate import generate_events
from accord.service import recompute
from accord.service.recompute import BATCH_TICKETS, compute_result, compute_results
from tests.service.conftest import T0, Api, created
from tests.service.stores import STORES, api_over

END = datetime.fromtimestamp(T0, UTC)


def _demo(tmp_path: Path) -> tuple[dict[str, str], list[Event]]:
    """The demo configuration's files and a few dozen demo tickets' events (some still open at
    T0, some breached, some with agreements' clocks)."""
    folder = copy_demo_config(tmp_path / "config", alerts=False)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
    events = list(generate_events(seed=5, end=END, days=10, tickets=3 * BATCH_TICKETS))
    return files, events


def _by_ticket(events: list[Event]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for n, e in enumerate(events, start=1):
        out.setdefault(e.ticket_id, []).append(replace(e, seq=n))
    return out


def _figures(records: Any) -> list[dict[str, Any]]:
    """The records without their explanations, in the store's order (metric, cycle)."""
    rows = [{**r.to_row(), "explanation": None} for r in records]
    return sorted(rows, key=lambda r: (r["metric"], r["cycle"]))


def test_a_pass_of_many_tickets_has_the_reference_engines_summaries_and_figures(
    tmp_path: Path,
) -> None:
    _, events = _demo(tmp_path)
    config = load_config(tmp_path / "config")
    tickets = _by_ticket(events)
    assert len(tickets) >= BATCH_TICKETS
    failed: dict[str, str] = {}
    got = compute_results(tickets, config, T0, failed)
    assert failed == {}
    want = [compute_result(tid, evs, config, T0) for tid, evs in tickets.items()]
    assert [r.summary for r in got] == [r.summary for r in want]
    assert [_figures(r.records) for r in got] == [_figures(r.records) for r in want]
    # the agreements' clocks are among them, as the reference engine adds them
    assert any(r.metric.startswith("ola:") for res in got for r in res.records)


def test_a_pass_of_few_tickets_keeps_the_reference_engines_explanations(tmp_path: Path) -> None:
    _, events = _demo(tmp_path)
    config = load_config(tmp_path / "config")
    few = dict(list(_by_ticket(events).items())[: BATCH_TICKETS - 1])
    got = compute_results(few, config, T0, {})
    assert [r.records for r in got] == [
        compute_ticket(tid, evs, config, T0, agreements=True) for tid, evs in few.items()
    ]
    assert any(rec.explanation for r in got for rec in r.records)


@pytest.mark.parametrize("kind", STORES)
def test_the_stored_clocks_of_a_batched_pass_equal_the_reference_engines_figures(
    kind: str, tmp_path: Path
) -> None:
    files, events = _demo(tmp_path)
    with api_over(kind, tmp_path, config=files) as api:
        for start in range(0, len(events), 500):
            got = api.send(*[e.to_dict() for e in events[start : start + 500]])
            assert got["rejected"] == 0
        api.drain()
        assert api.store.dirty(10) == []
        stored_events = api.store.events_of(sorted({e.ticket_id for e in events}))
        stored = api.store.records_of(list(stored_events))
        config = load_config(tmp_path / "config")
        for tid, evs in stored_events.items():
            want = compute_ticket(tid, evs, config, T0, agreements=True)
            assert _figures(stored[tid]) == _figures(want), tid
            assert all(r.explanation == () for r in stored[tid])


def _send_with_a_bad_ticket(api: Api) -> None:
    api.send(*[created(f"e{n}", f"T{n:03d}", n, status="new") for n in range(BATCH_TICKETS)])
    api.send(created("e-bad", "T-bad", 1, status="new"))


def test_a_pass_the_batch_engine_fails_on_is_computed_ticket_by_ticket(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        raise ValueError("the batch engine fails on T-bad")

    real = compute_ticket

    def compute(ticket_id: str, *args: Any, **kw: Any) -> Any:
        if ticket_id == "T-bad":
            raise ValueError("cannot compute T-bad")
        return real(ticket_id, *args, **kw)

    monkeypatch.setattr(recompute, "compute_partition", broken)
    monkeypatch.setattr(recompute, "compute_ticket", compute)
    _send_with_a_bad_ticket(api)
    api.clock.now = T0 + 600
    api.drain()
    assert api.store.dirty(10) == []
    [f] = api.store.failed_tickets()
    assert (f.ticket_id, f.error) == (
        "T-bad",
        "computing its clocks: ValueError: cannot compute T-bad",
    )
    good = [f"T{n:03d}" for n in range(BATCH_TICKETS)]
    stored = api.store.records_of(good)
    config = api.runtime.config_at(api.clock.now)
    # computed by the reference engine, explanations and all
    for tid, evs in api.store.events_of(good).items():
        want = sorted(real(tid, evs, config, T0 + 600), key=lambda r: (r.metric, r.cycle))
        assert stored[tid] == want
