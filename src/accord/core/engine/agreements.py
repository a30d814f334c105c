"""The clocks of internal agreements (OLAs) in the reference engine, one ticket at a time.

An agreement's clock runs while the ticket is *held* (:meth:`Agreement.holds`: its ``while``
tests and ``categories`` hold after the event, and the ticket is not solved or closed):

- a cycle opens at every event after which the ticket is held and was not before (a deletion
  opens nothing): each holding is one cycle;
- it stops at the event after which the ticket is no longer held (a hand-off, or the ticket
  solved or closed), and is judged met or breached;
- a deletion while held cancels it (``cancelled``, or ``breached`` if already late);
- between events it counts the business seconds of the agreement's own calendar, as paused
  time while the status is in the agreement's ``pause`` list;
- the target is the agreement's for the ticket's priority at the *last moment of the
  holding* (the event before the hand-off; the deletion; or the last event while still
  held), and so are the record's ticket fields: an ``ola:L2-response`` record shows team L2,
  not the team it was handed to.

The rules of an agreement are expressed as a policy version of their own (its calendar,
pause set, one metric with its targets, warnings), so that the accounting and the judging
are those of every other clock (:mod:`.accounting`, :func:`.reference._judge`).
"""

from __future__ import annotations

from datetime import datetime

from accord.core.agreements.models import Agreement
from accord.core.calendar import BusinessCalendar
from accord.core.config.models import EventCondition
from accord.core.config.resolved import Configuration, PolicyVersionResolved
from accord.core.engine.accounting import (
    Cycle,
    Rules,
    account,
    describe,
    note_changes,
    note_pause,
)
from accord.core.engine.clocks import ClockSpec
from accord.core.engine.timeline import Moment, Timeline
from accord.core.events import SOLVED_CATEGORIES, Kind
from accord.core.records import Step
from accord.core.timeutil import Instant

__all__ = ["agreement_clock", "agreement_version", "run_agreement"]


def agreement_version(ag: Agreement) -> PolicyVersionResolved:
    """The agreement's rules as a policy version that measures its one metric."""
    return PolicyVersionResolved(
        number=1,
        effective_from=None,
        calendar=ag.calendar,
        pause=ag.spec.pause,
        reopen="new_cycle",
        priority_change="keep",
        warnings=ag.spec.warnings,
        metrics={ag.metric: ag.metric_targets()},
    )


_NOTHING = EventCondition(kind=())


def agreement_clock(ag: Agreement) -> ClockSpec:
    """A clock spec whose pause rule is the version's pause set. Its start and stop are the
    edges of a holding, which no event condition expresses: :func:`run_agreement` (and the
    batch engine) find them; the conditions here match nothing."""
    return ClockSpec(ag.metric, start=_NOTHING, stop=_NOTHING, repeat=True, pause="policy")


def run_agreement(
    tl: Timeline, ag: Agreement, config: Configuration, as_of: Instant
) -> tuple[list[Cycle], Rules]:
    """The cycles of ``ag`` on one ticket's timeline, and the rules that judge them."""
    version = agreement_version(ag)
    clock = agreement_clock(ag)
    metric = ag.metric

    def rules(_: Moment) -> tuple[str | None, PolicyVersionResolved | None]:
        return ag.name, version

    cycles: list[Cycle] = []
    cur: Cycle | None = None
    prev: Moment | None = None
    for m in tl.moments:
        eid = m.event.event_id
        held = ag.holds(m.fields, m.status)
        if cur is not None and prev is not None:
            account(cur, prev, m.t, metric, clock, config, rules)
            note_changes(cur, prev, m, metric, rules)
        just_opened = False
        if cur is not None and prev is not None:
            if not held:
                why = "solved" if m.status in SOLVED_CATEGORIES else "hand-off"
                cur.stop, cur.end_moment = m.t, prev
                cur.steps.append(Step(m.t, "stop", f"{describe(m)} ({why})", eid))
                cur = None
            elif m.event.kind is Kind.DELETED:
                cur.stop, cur.end_moment, cur.cancelled = m.t, m, True
                cur.steps.append(Step(m.t, "cancel", describe(m), eid))
                cur = None
        elif held and m.event.kind is not Kind.DELETED:
            cur = Cycle(start=m.t, accounted_to=m.t)
            cur.steps.append(Step(m.t, "start", f"{describe(m)}; {_in_force(ag, m, config)}", eid))
            cycles.append(cur)
            just_opened = True
        if cur is not None:
            note_pause(cur, m, metric, clock, just_opened, rules)
        prev = m
    if cur is not None and prev is not None:
        account(cur, prev, as_of, metric, clock, config, rules)
        cur.end_moment = None
    return cycles, rules


def _in_force(ag: Agreement, m: Moment, config: Configuration) -> str:
    text = f"agreement {ag.name}, calendar {ag.calendar}"
    cal = config.calendars.get(ag.calendar)
    if isinstance(cal, BusinessCalendar):
        local_day = datetime.fromtimestamp(m.t, cal.tz).date()
        text += f" v{cal.version_on(local_day)} ({cal.describe(local_day)})"
    return text
