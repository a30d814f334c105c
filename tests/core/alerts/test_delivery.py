"""Delivery planning: new alerts are due at their delivery instant; a failed try is retried
after an exponential backoff, capped; a delivered pair is never tried again; after the last
allowed attempt a pair is given up."""

from __future__ import annotations

from accord.core.alerts.delivery import Attempt, Backoff, due_now, next_retry, pending
from accord.core.alerts.evaluate import Alert

T0 = 1772445600

ALERT = Alert(
    key="b|T1|first_response|1|breach", rule="b", kind="sla_breach", subject="T1",
    metric="first_response", cycle="1", threshold="breach", at=T0, deliver_at=T0,
    channels=("hook", "mail"), summary="breached",
)  # fmt: skip


def attempt(channel: str, number: int, at: int, ok: bool) -> Attempt:
    return Attempt(ALERT.key, channel, number, at, ok, None if ok else "503", ALERT)


def test_backoff_doubles_from_its_base_up_to_its_cap() -> None:
    b = Backoff(base=60, cap=600)
    assert [b.delay(n) for n in range(1, 6)] == [60, 120, 240, 480, 600]


def test_a_new_alert_is_due_on_every_channel_at_its_delivery_instant() -> None:
    plan = pending([ALERT], [])
    assert [(p.channel, p.number, p.due) for p in plan] == [("hook", 1, T0), ("mail", 1, T0)]
    assert due_now(plan, T0 - 1) == [] and next_retry(plan, T0 - 1) == T0


def test_a_failed_channel_is_retried_after_its_backoff_and_a_delivered_one_never_again() -> None:
    log = [attempt("hook", 1, T0, False), attempt("mail", 1, T0, True)]
    plan = pending([], log, Backoff(base=60))
    assert [(p.channel, p.number, p.due) for p in plan] == [("hook", 2, T0 + 60)]
    log.append(attempt("hook", 2, T0 + 60, False))
    (again,) = pending([], log, Backoff(base=60))
    assert again.due == T0 + 60 + 120 and again.number == 3


def test_a_pair_is_given_up_after_the_last_allowed_attempt() -> None:
    log = [attempt("hook", n, T0 + n, False) for n in (1, 2, 3)] + [attempt("mail", 1, T0, True)]
    assert pending([], log, Backoff(max_attempts=3)) == []
