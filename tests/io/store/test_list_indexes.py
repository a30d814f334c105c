"""Migration 0007 (the working lists' indexes and the trigram index of the ticket ids): a store
of revision 0006 that already holds tickets is upgraded, and its lists and searches read the
indexes built from the existing rows; the search index follows every later write."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from accord.io.store import ClockQuery, SqlStore, TicketQuery, TicketResult
from accord.io.store.base import SortKey
from accord.io.store.schema import LIST_CLOCK_COLUMNS, LIST_TICKET_COLUMNS
from accord.io.store.sql.connection import migrate
from tests.io.store.old_rows import save_before_0009, upgrade_to
from tests.io.store.test_store import HOUR, T0, rec, save, summary

NOW = T0 + 600


def test_the_upgrade_indexes_the_stored_tickets_and_the_search_finds_them(sql_url: str) -> None:
    upgrade_to(sql_url, "0006")
    save_before_0009(
        sql_url,
        [
            TicketResult(
                summary(tid, customer="acme" if i < 2 else "globex", last_ts=T0 + i),
                [replace(rec(tid, due=T0 + (3 - i) * HOUR), assignee=f"a{i}")],
            )
            for i, tid in enumerate(("AC-1042", "ac-2042", "GL-7"))
        ],
    )
    engine = sa.create_engine(sql_url)
    try:
        migrate(engine)
        names = {
            ix["name"]
            for table in ("tickets", "records")
            for ix in sa.inspect(engine).get_indexes(table)
        }
    finally:
        engine.dispose()
    assert {f"ix_tickets_{c}" for c in LIST_TICKET_COLUMNS} <= names
    assert {f"ix_records_queue_{c}" for c in LIST_CLOCK_COLUMNS} <= names
    assert "ix_records_ticket_clock" in names
    store = SqlStore(sql_url)
    try:
        found = store.find_tickets(TicketQuery(now=NOW, search="042"))
        assert [s.ticket_id for s in found] == ["AC-1042", "ac-2042"]
        clocks = store.open_clocks(ClockQuery(now=NOW, search="C-2"))
        assert [r.ticket_id for r in clocks] == ["ac-2042"]
        newest = store.find_tickets(TicketQuery(now=NOW, sort=SortKey("updated", True)))
        assert [s.ticket_id for s in newest] == ["GL-7", "ac-2042", "AC-1042"]
        # written after the upgrade: found too, and a ticket's rewrite keeps it found once
        save(store, "XY-1042", [rec("XY-1042")])
        save(store, "AC-1042", [rec("AC-1042")], status="solved")
        again = store.find_tickets(TicketQuery(now=NOW, search="1042"))
        assert [s.ticket_id for s in again] == ["AC-1042", "XY-1042"]
    finally:
        store.close()
