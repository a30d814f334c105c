"""Texts go to PostgreSQL as a binary array unless one holds a NUL, which psycopg's literal
form refuses itself, with the reason the quarantine keeps."""

from __future__ import annotations

from accord.core.events import Event, Kind
from accord.errors import RowProblem
from accord.io.store import SqlStore
from accord.io.store.base import Incoming
from accord.io.store.sql.ingest_writes import text_param
from tests.io.store.test_store import T0


def test_texts_without_a_nul_are_sent_in_binary() -> None:
    assert text_param(["a", "é 😀", "", None, 'q"\\']) == "%b"


def test_a_text_with_a_nul_is_sent_as_a_literal_for_the_drivers_refusal() -> None:
    assert text_param(["a", "b\x00c", None]) == "%s"


def test_a_customer_with_a_nul_is_quarantined_with_the_drivers_reason_on_postgresql(
    pg_url: str,
) -> None:
    # the owner row's insert sends the customers as an array: in binary the server would
    # refuse the NUL with its own words
    store = SqlStore(pg_url)
    try:
        fields = [{"customer": "acme"}, {"customer": "a\x00b"}, {"customer": "zen"}]
        items = [
            Incoming(Event(f"e{n}", f"T{n}", T0, Kind.CREATED, fields=f), "api", n)
            for n, f in enumerate(fields)
        ]
        got = store.add_events(items, received_at=T0)
        assert got[0] == got[2] == "accepted"
        refused = got[1]
        assert isinstance(refused, RowProblem)
        assert "cannot contain NUL" in refused.reason  # psycopg's words, not the server's
    finally:
        store.close()
