"""KPI view benchmark (issue 20, goal 5): how soon the KPI values reflect a recompute, and
how long loading takes, with the KPI view (:mod:`accord.service.kpi_view`) against the full
replay it replaces, in the same run, in one process.

The log is ``bench/gen_events.py``'s (about ten events a ticket, the demo's stories, judged
under the demo configuration and its KPI catalog). The "store" is columns in memory: the batch
engine's records of every ticket judged at the log's end stand for the stored records (what
the background recompute leaves), so no database is involved and the figures are the view's
own CPU time:

- **full replay**: what a refresh did before the view, from events already in memory: the
  batch engine over every event at "now", the events frame, the ticket facts and the
  evaluation of every KPI (the service also read every event from the store first, which is
  not counted here);
- **view, load**: building the view from the events and records tables
  (:meth:`KpiView.load_tables`);
- **view, save → values**: a recompute saves ``--changed`` tickets (each gets one new event);
  the time from that to the KPI values reflecting it: the view's sync (those tickets read
  again from a stub store holding them in memory) plus its inputs at the new "now" plus the
  same evaluation;
- **view, values**: a refresh with nothing changed (inputs + evaluation);
- **statements and budgets**: another ``--changed`` tickets saved, then each demo contract's
  statement and budget (rendered to the JSON the route sends) and burn-down: the full replay
  of its customer's events (the batch engine, its records as Python objects, the facts, the
  statement; what the server did for each refresh, less its read of the events from the
  store) against the view's sync plus its clocks of that customer
  (:mod:`accord.service.contract_view`) and the same statement code.

Each view answer is checked equal to the full replay at the same instant (the run fails
otherwise). The process's peak resident memory is printed at the end. Times are process CPU
seconds (``time.process_time``), with wall seconds and the load average beside them.

Run:  .venv/bin/python bench/bench_kpi_view.py --tickets 1000000
      .venv/bin/python bench/bench_kpi_view.py --tickets 50000      (quick)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable, Collection
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accord.core.config.loader import check_config_contracts, check_config_kpis
from accord.core.contracts.burndown import burndown, burndown_of_clocks
from accord.core.contracts.statement import build_statement, statement_of_clocks, ticket_fields
from accord.core.engine import compute_ticket
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.engine.batch.schema import events_from_table
from accord.core.events import Event, Kind
from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import calendar_zones, evaluate
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame_of_table, records_frame, records_frame_of_table
from accord.core.records import MetricRecord
from accord.io.columnar import validate_table
from accord.service.contract_view import view_clocks
from accord.service.kpi_view import KpiView
from accord.service.offload import encode
from gen_events import generate

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "src" / "accord" / "demo" / "config"
END = 1_782_842_400  # gen_events' default end
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    got = fn()
    return got, time.process_time() - c0, time.perf_counter() - w0


class StubStore:
    """What :meth:`KpiView.sync` reads, for the tickets a recompute just saved."""

    def __init__(self) -> None:
        self.seq = 0
        self.events: dict[str, list[Event]] = {}
        self.records: dict[str, list[MetricRecord]] = {}

    def change_stamp(self) -> tuple[int, int]:
        return (self.seq, 1)

    def changed_since(self, seq: int) -> dict[str, tuple[int, int]]:
        return {t: (seq + 1, self.seq) for t in self.events} if self.seq > seq else {}

    def dirty(self, limit: int) -> list[tuple[str, int]]:
        return []

    def failed_tickets(self, *, after: str | None = None, limit: int = 100) -> list[Any]:
        return []  # a recompute that fails no ticket (the view rereads failed ones)

    def events_of(self, ids: Collection[str]) -> dict[str, list[Event]]:
        return {t: self.events[t] for t in ids if t in self.events}

    def records_of(self, ids: Collection[str]) -> dict[str, list[MetricRecord]]:
        return {t: self.records[t] for t in ids if t in self.records}

    # the sync reads them in columns (as a SQL store makes them, here from the objects)
    def events_table_of(self, ids: Collection[str]) -> pa.Table:
        got = self.events_of(sorted(set(ids)))
        return events_to_table(e for evs in got.values() for e in evs)

    def records_frame_of(self, ids: Collection[str]) -> pl.DataFrame:
        got = self.records_of(sorted(set(ids)))
        recs = sorted(
            (r for rs in got.values() for r in rs), key=lambda r: (r.ticket_id, r.metric, r.cycle)
        )
        return records_frame(recs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--changed", type=int, default=1_000)
    args = ap.parse_args(argv)

    config, catalog, issues = check_config_kpis(DEMO_CONFIG)
    assert config is not None, issues
    custom = custom_fields(list(catalog.values()), ())
    _, contracts, issues = check_config_contracts(DEMO_CONFIG)
    assert contracts, issues
    # what the server's view holds: the KPIs' fields and those the contracts' exclusions read
    held = list(dict.fromkeys([*custom, *ticket_fields(contracts.values())]))
    zones = calendar_zones(config.calendars)
    ola = bool(config.agreements)

    log, gen_cpu, _ = timed(lambda: generate(10 * args.tickets, end=END))
    # the generator's rows validated into an events table, as `accord sla` reads a file
    table, bad = validate_table(
        log.table, source="bench", row_numbers=np.arange(log.table.num_rows, dtype=np.int64)
    )
    assert not bad, bad[:3]
    print(f"{log.tickets:,} tickets, {table.num_rows:,} events (generated in {gen_cpu:.1f} s)")
    del log  # the generator's columns: the validated table holds the events (memory)
    stored, rec_cpu, _ = timed(lambda: compute_batch(table, config, END, agreements=ola))
    print(f"stored records: {stored.num_rows:,} (batch engine, {rec_cpu:.1f} s CPU)", flush=True)

    def values(records: pl.DataFrame, facts: Any, now: int) -> pl.DataFrame:
        return evaluate(catalog, now, records=records, facts=facts, zones=zones)

    def full(events: pa.Table, now: int) -> pl.DataFrame:
        recs = records_frame_of_table(compute_batch(events, config, now, agreements=ola))
        frame = events_frame_of_table(events, [*policy_fields(config), *custom])
        return values(recs, ticket_facts(frame, config, now, fields=custom), now)

    store = StubStore()
    view = KpiView(store, lambda _: 1, lambda: END)  # type: ignore[arg-type]
    loading = partial(view.load_tables, 1, config, held, table, stored, END)
    _, load_cpu, load_wall = timed(loading)
    del stored, loading  # the view holds what it needs of them
    stats = view.stats()
    print(f"view loaded: {stats} in {load_cpu:.1f} s CPU ({load_wall:.1f} s wall)")

    now1 = END + 60
    expected, full_cpu, full_wall = timed(lambda: full(table, now1))
    got, idle_cpu, idle_wall = timed(lambda: _view_values(view, now1, custom, values))
    idle_split = dict(SPLIT)
    assert got.equals(expected), "the view's values differ from the full replay's"

    # a recompute saves --changed open tickets, each with one new message
    part = view._part
    opened = part.open.whole() if part is not None else None
    assert part is not None and opened is not None
    open_ids = sorted(part.open_ids)
    first, second = open_ids[: args.changed], open_ids[args.changed : 2 * args.changed]
    now2 = END + 120
    full_table = save(store, opened, table, first, END + 90, config, ola)
    expected2, _, _ = timed(lambda: full(full_table, now2))

    def after_save() -> pl.DataFrame:
        view.sync()
        return _view_values(view, now2, custom, values)

    got2, save_cpu, save_wall = timed(after_save)
    assert got2.equals(expected2), "after the save, the view's values differ from the replay's"

    # statements and budgets: another --changed tickets saved, then every contract's figures
    del expected, expected2, got, got2
    now3 = END + 180
    opened = part.open.whole()
    assert opened is not None
    full_table = save(store, opened, full_table, second, END + 150, config, ola)
    figures = _contract_figures(view, contracts, config, full_table, now3, store)

    load = os.getloadavg()
    print()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; nproc {os.cpu_count()}")
    print(f"{'':40} {'CPU s':>8} {'wall s':>8} {'vs full':>8}")
    rows = (
        ("full replay (engine + facts + evaluate)", full_cpu, full_wall),
        ("view: load from tables", load_cpu, load_wall),
        ("view: values, nothing changed", idle_cpu, idle_wall),
        (f"view: {len(first)} saved tickets -> values", save_cpu, save_wall),
    )
    for name, cpu, wall in rows:
        print(f"{name:40} {cpu:8.2f} {wall:8.2f} {full_cpu / cpu if cpu else 0:7.1f}x")
    print()
    print(f"statement + budget (+ burn-down) of each contract at now, {len(second)} tickets saved")
    print(f"{'':40} {'CPU s':>8} {'wall s':>8} {'vs full':>8}")
    f_cpu = f_wall = 0.0
    for name, (n, full_c, full_w, view_c, view_w) in figures.items():
        f_cpu, f_wall = f_cpu + view_c, f_wall + view_w
        print(
            f"{name + f' full replay ({n:,} tickets)':40} {full_c:8.2f} {full_w:8.2f} {1.0:7.1f}x"
        )
        print(f"{name + ' view':40} {view_c:8.2f} {view_w:8.2f} {full_c / view_c:7.1f}x")
    print(f"{'view: sync':40} {SPLIT['sync']:8.2f} {SPLIT['sync_wall']:8.2f}")
    total_c, total_w = SPLIT["sync"] + f_cpu, SPLIT["sync_wall"] + f_wall
    print(f"{'view: save -> every contract':40} {total_c:8.2f} {total_w:8.2f}")
    print(
        f"view values, CPU s: inputs {idle_split['inputs']:.2f} + evaluate "
        f"{idle_split['evaluate']:.2f} (nothing changed); inputs {SPLIT['inputs']:.2f} + "
        f"evaluate {SPLIT['evaluate']:.2f} (after the save)"
    )
    print(f"view memory: {view.memory_bytes() / 2**20:,.0f} MiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"process peak resident memory: {peak:,.1f} GiB")


SPLIT: dict[str, float] = {}


def _view_values(
    view: KpiView, now: int, custom: list[str], values: Callable[[pl.DataFrame, Any, int], Any]
) -> pl.DataFrame:
    c0 = time.process_time()
    got = view.inputs(now, custom, None)
    SPLIT["inputs"] = time.process_time() - c0
    assert got is not None, "the view could not answer"
    c0 = time.process_time()
    out = values(got[0], got[1], now)
    SPLIT["evaluate"] = time.process_time() - c0
    return out  # type: ignore[no-any-return]


def save(
    store: StubStore,
    opened: pa.Table,
    table: pa.Table,
    ids: list[str],
    ts: int,
    config: Any,
    ola: bool,
) -> pa.Table:
    """A recompute saves ``ids`` (open tickets), each with one new message at ``ts``: the
    stub store holds their events and records; returns the whole log with the new events."""
    picked = opened.filter(pc.is_in(opened.column("ticket_id"), pa.array(ids, pa.string())))
    for e in events_from_table(picked):
        store.events.setdefault(e.ticket_id, []).append(e)
    added: list[Event] = []
    for i, tid in enumerate(ids):
        evs = store.events[tid]
        e = Event(
            event_id=f"bench-{ts}-{i}", ticket_id=tid, ts=ts, kind=Kind.MESSAGE,
            actor=evs[-1].actor, public=False, seq=10**12 + ts - END + i,
        )  # fmt: skip
        added.append(e)
        evs.append(e)
        store.records[tid] = compute_ticket(tid, evs, config, ts + 10, agreements=ola)
    store.seq += 10**13
    return pa.concat_tables([table, _events_table(added, table.schema)])


def _contract_figures(
    view: KpiView,
    contracts: dict[str, Any],
    config: Any,
    events: pa.Table,
    now: int,
    store: StubStore,
) -> dict[str, tuple[int, float, float, float, float]]:
    """Each contract's statement, budget and burn-down at ``now``: the full replay of its
    customer's events (what the server did) against the view after its sync, equal or the
    run fails. Per contract: tickets, full CPU and wall, view CPU and wall."""
    c0, w0 = time.process_time(), time.perf_counter()
    view.sync()
    SPLIT["sync"], SPLIT["sync_wall"] = time.process_time() - c0, time.perf_counter() - w0
    # each ticket's current customer (no event lies after now): the server's ticket list
    frame = events_frame_of_table(events, ["customer"])
    owner = ticket_facts(frame, config, now).tickets.select("ticket_id", "customer")
    del frame
    out: dict[str, tuple[int, float, float, float, float]] = {}
    for name, spec in contracts.items():
        ids = owner.filter(pl.col("customer").cast(pl.String) == spec.customer)
        tid = pc.cast(events.column("ticket_id"), pa.string())
        mine = events.filter(pc.is_in(tid, value_set=ids.get_column("ticket_id").to_arrow()))

        full = partial(_full_figures, name, spec, config, mine, now)
        want, full_c, full_w = timed(full)
        got, view_c, view_w = timed(partial(_view_figures, view, name, spec, now))
        assert got == want, f"{name}: the view's statement differs from the replay's"
        out[name] = (ids.height, full_c, full_w, view_c, view_w)
        del want, got
    return out


def _full_figures(name: str, spec: Any, config: Any, mine: pa.Table, now: int) -> Any:
    """customer_data's batch path (records as Python objects), then the statement, budget
    and burn-down, as the server did for every refresh."""
    fields = ticket_fields([spec])
    records = records_from_table(compute_batch(mine, config, now))
    frame = events_frame_of_table(mine, [*policy_fields(config), *fields])
    tickets = ticket_facts(frame, config, now, fields=fields).tickets
    st = build_statement(name, spec, records, tickets, now)
    return _rendered(st), burndown(name, spec, records, tickets, now)


def _view_figures(view: KpiView, name: str, spec: Any, now: int) -> Any:
    """The same from the view (the server's path now)."""
    owned = view.owned(now, ticket_fields([spec]), spec.customer)
    assert owned is not None, "the view could not answer"
    clocks = view_clocks(owned, spec, now)
    st = statement_of_clocks(name, spec, clocks, now)
    return _rendered(st), burndown_of_clocks(name, spec, clocks, now)


def _rendered(st: Any) -> tuple[bytes, bytes]:
    """The statement and the budget as the route sends them."""
    return encode(st.to_json()), encode(st.budget_json())


def _events_table(events: list[Event], schema: pa.Schema) -> pa.Table:
    from accord.core.engine.batch import events_to_table

    t = events_to_table(events)
    cols = []
    for f in schema:
        if f.name in t.column_names:
            cols.append(t.column(f.name).cast(f.type))
        else:
            cols.append(pa.nulls(t.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


if __name__ == "__main__":
    main()
