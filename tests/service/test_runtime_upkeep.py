"""The server logs, once as it starts, each warning its store gives about the database's
upkeep (e.g. PostgreSQL's autovacuum off), so the operator reads it before the store bloats."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from accord.io.store import MemoryStore
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from tests.service.conftest import Clock


class _NeglectedStore(MemoryStore):
    def upkeep_warnings(self) -> list[str]:
        return ["the database is never vacuumed"]


def test_a_start_logs_each_upkeep_warning_of_the_store_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = Runtime(replace(Settings(), background=False), _NeglectedStore(), Clock())
    with caplog.at_level(logging.WARNING, logger="accord.service"):
        runtime.start()
        runtime.start()  # a second start is no start
    warned = [r for r in caplog.records if r.getMessage() == "the database is never vacuumed"]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING


def test_a_store_with_nothing_to_say_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    runtime = Runtime(replace(Settings(), background=False), MemoryStore(), Clock())
    with caplog.at_level(logging.WARNING, logger="accord.service"):
        runtime.start()
    assert not [r for r in caplog.records if r.name == "accord.service"]
