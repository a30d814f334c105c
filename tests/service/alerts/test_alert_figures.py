"""What a delivered SLA alert says, end to end: the clock's figures at its threshold instant,
although the stored record the round reads was computed when the ticket was created, and
whether the round runs on time or late."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.core.timeutil import iso
from tests.io.notifiers.conftest import HttpReceiver
from tests.service.alerts.test_alerts import HOUR, MINUTE, alert_api, bodies, drive
from tests.service.conftest import T0, Api


@pytest.fixture
def hooked(tmp_path: Path, http_receiver: HttpReceiver) -> Iterator[Api]:
    api = alert_api(tmp_path, http_receiver.url)
    try:
        yield api
    finally:
        api.store.close()


def figures(receiver: HttpReceiver, rule: str, ticket: str) -> dict[str, Any]:
    (body,) = [b for b in bodies(receiver) if (b["rule"], b["subject"]) == (rule, ticket)]
    found: dict[str, Any] = body["figures"]
    return found


def test_each_alert_of_a_simulated_day_carries_the_figures_of_its_threshold_instant(
    hooked: Api, http_receiver: HttpReceiver
) -> None:
    drive(hooked, T0, T0 + 12 * HOUR)
    # T1 (Gold, first response 1h) is created at T0, T2 (Standard, 4h) two hours later
    warn = figures(http_receiver, "risk", "T1")
    assert (warn["elapsed"], warn["remaining"], warn["state"]) == ("45m", "15m", "running")
    assert warn["due"] == iso(T0 + HOUR)
    breach = figures(http_receiver, "breach", "T1")
    assert (breach["elapsed"], breach["remaining"], breach["state"]) == ("1h", "0s", "breached")
    assert breach["breached_at"] == breach["due"] == iso(T0 + HOUR)
    warn2 = figures(http_receiver, "risk", "T2")
    assert (warn2["elapsed"], warn2["remaining"]) == ("3h", "1h")
    assert warn2["due"] == iso(T0 + 6 * HOUR)


def test_a_round_run_late_reports_the_figures_of_the_threshold_not_of_the_round(
    hooked: Api, http_receiver: HttpReceiver
) -> None:
    # T1 is stored and recomputed at T0; the next round comes 40 minutes after its warning
    # and 25 after its breach (the loop was stopped)
    drive(hooked, T0, T0 + 1)
    hooked.clock.now = T0 + 85 * MINUTE
    hooked.runtime.alerting.run_once()
    warn = figures(http_receiver, "risk", "T1")
    assert (warn["elapsed"], warn["remaining"], warn["due"]) == ("45m", "15m", iso(T0 + HOUR))
    assert figures(http_receiver, "breach", "T1")["elapsed"] == "1h"
