"""Internal agreements (OLAs) in the batch engine: :mod:`accord.core.engine.agreements` for
every ticket at once, equal to it record for record.

Each agreement's rules are one more policy version of the timeline (its calendar, pause set,
one metric with its targets, warnings: :func:`~accord.core.engine.agreements.agreement_version`),
so that the cycle rule, the judging and the records' columns are those of every other clock.
The agreement's clock reads a *view* of the timeline in which that version is in force after
every event and the stretches are measured on the agreement's calendar; its start and stop
are the edges of the holding mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import cast

import numpy as np
from numpy.typing import NDArray

from accord.core.agreements.models import Agreement
from accord.core.calendar import BusinessCalendar
from accord.core.config.resolved import Configuration, Policy, test_field
from accord.core.engine.agreements import agreement_clock, agreement_version
from accord.core.engine.batch import _jit
from accord.core.engine.batch.cycles import Cycles, pause_table, run_cycles
from accord.core.engine.batch.timeline import CATEGORIES, BatchTimeline, member_table

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]


def agreement_fields(agreements: Sequence[Agreement]) -> list[str]:
    """The ticket fields the agreements' holdings test."""
    return list(dict.fromkeys(f for ag in agreements for f in ag.fields))


def with_agreements(
    tl: BatchTimeline, config: Configuration, agreements: Sequence[Agreement]
) -> tuple[BatchTimeline, list[int]]:
    """The timeline with one more policy version (and policy, and calendar) per agreement,
    and the index of each agreement's version."""
    pvs = list(tl.pvs)
    policies = list(tl.policies)
    pv_policy = tl.pv_policy[:-1].tolist()
    pv_calendar = tl.pv_calendar[:-1].tolist()
    names = list(tl.calendar_names)
    calendars = dict(tl.calendars)
    index: list[int] = []
    for ag in agreements:
        version = agreement_version(ag)
        policies.append(Policy(ag.name, len(policies), {}, (version,)))
        if ag.calendar not in names:
            names.append(ag.calendar)
            calendars[len(names) - 1] = cast(BusinessCalendar, config.calendars[ag.calendar])
        index.append(len(pvs))
        pvs.append(version)
        pv_policy.append(len(policies) - 1)
        pv_calendar.append(names.index(ag.calendar))
    return (
        replace(
            tl,
            pvs=pvs,
            policies=policies,
            pv_policy=np.array([*pv_policy, -1], dtype=np.int32),
            pv_calendar=np.array([*pv_calendar, -1], dtype=np.int32),
            calendar_names=names,
            calendars=calendars,
        ),
        index,
    )


def held(tl: BatchTimeline, ag: Agreement) -> BoolArray:
    """After every event: the ticket is held (:meth:`Agreement.holds`)."""
    out = ~tl.solved
    cats = ag.spec.categories
    if cats is not None:
        table = member_table([CATEGORIES.index(c) for c in cats], len(CATEGORIES))
        out &= _jit.lookup(table, tl.status)
    for name, test in ag.spec.while_.items():
        tr = tl.fields[name]
        is_tags = name == "tags"
        values = [test_field(test, v, is_tags=is_tags) for v in tr.values]
        table = np.array([*values, test_field(test, None, is_tags=is_tags)], dtype=bool)
        out &= _jit.lookup(table, tr.after)
    return out


def run_agreement(
    tl: BatchTimeline,
    ag: Agreement,
    version: int,
    bt: I64,
    track: bool,
) -> tuple[BatchTimeline, Cycles]:
    """The cycles of one agreement, and the view of ``tl`` (extended by
    :func:`with_agreements`; ``version`` is the agreement's) that judges them; ``bt``: the
    business seconds of every stretch on the agreement's calendar."""
    n = tl.n
    view = replace(tl, pv=np.full(n, version, dtype=np.int32), bt=bt)
    now = held(tl, ag)
    before = tl.seg.prev(now, 0)
    zeros = np.zeros(n, dtype=bool)
    cy = run_cycles(
        view,
        start=now & ~before & ~tl.deleted,
        stop=before & ~now,
        cancel=tl.deleted,
        reopen=zeros,
        reopen_new=zeros,
        restart_on_stop=zeros,
        stop_at_start=zeros,
        restart=zeros,
        repeat=True,
        measured=np.ones(n, dtype=bool),
        pause=pause_table(view, ag.metric, agreement_clock(ag)),
        track=track,
    )
    # the end moment of a holding handed off (or solved) is its last event before that:
    # its target and fields are those of the holding, not of the next holder
    cy.end_idx = np.where(cy.closed & ~cy.cancelled, cy.end_idx - 1, cy.end_idx)
    return view, cy
