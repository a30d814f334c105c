"""Event conditions (:class:`~accord.core.config.models.EventCondition`) over a batch
timeline: :func:`accord.core.engine.timeline.matches` for every event at once."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from accord.core.config.models import EventCondition
from accord.core.engine.batch import _jit
from accord.core.engine.batch.timeline import (
    ACTORS,
    CATEGORIES,
    K_CREATED,
    K_UPDATED,
    KINDS,
    BatchTimeline,
    member_table,
)
from accord.core.events import FieldValue, Kind

BoolArray = NDArray[np.bool_]


def _set_value(new: FieldValue) -> bool:
    return not (new is None or new == "" or new == ())


def _has_tag(tags: FieldValue, tag: str) -> bool:
    if isinstance(tags, tuple):
        return tag in tags
    return tags is not None and str(tags) == tag


class Matcher:
    """Evaluates conditions on one timeline, remembering each distinct condition's answer."""

    def __init__(self, tl: BatchTimeline) -> None:
        self.tl = tl
        self._memo: dict[EventCondition, BoolArray] = {}
        own = np.where(tl.kind == K_CREATED, np.int8(K_UPDATED), tl.kind)
        self._own = own
        self._creation_created = tl.is_creation & (tl.kind == K_CREATED)

    def __call__(self, cond: EventCondition) -> BoolArray:
        got = self._memo.get(cond)
        if got is None:
            got = self._memo[cond] = self._eval(cond)
        return got

    def _eval(self, cond: EventCondition) -> BoolArray:
        tl = self.tl
        m = np.ones(tl.n, dtype=bool)
        if cond.kind is not None:
            wanted = set(cond.kind)
            kinds = member_table([KINDS.index(k) for k in wanted], len(KINDS))
            by_creation = tl.is_creation if Kind.CREATED in wanted else np.zeros(tl.n, bool)
            m &= by_creation | (~self._creation_created & _jit.lookup(kinds, self._own))
        if cond.actor is not None:
            actors = member_table([ACTORS.index(a) for a in cond.actor], len(ACTORS))
            m &= _jit.lookup(actors, tl.actor)
        if cond.public is not None:
            m &= tl.public == (1 if cond.public else 0)
        if cond.status is not None:
            cats = member_table([CATEGORIES.index(s) for s in cond.status], len(CATEGORIES))
            m &= (tl.status != tl.status_before) & _jit.lookup(cats, tl.status)
        if cond.reopened is not None:
            m &= tl.reopened == cond.reopened
        if cond.field is not None:
            tr = tl.fields.get(cond.field)
            if tr is None:
                return np.zeros(tl.n, dtype=bool)
            want_eq = None if cond.equals is None else str(cond.equals)
            want_in = None if cond.in_ is None else {str(x) for x in cond.in_}

            def ok(new: FieldValue) -> bool:
                if not _set_value(new):
                    return False
                if want_eq is not None and str(new) != want_eq:
                    return False
                return want_in is None or str(new) in want_in

            m &= tr.changed & _jit.lookup(tr.table(ok, False), tr.code)
        if cond.tag_added is not None:
            tags = tl.fields["tags"]
            tag = cond.tag_added
            has = tags.table(lambda v: _has_tag(v, tag), False)
            m &= tags.changed & _jit.lookup(has, tags.code) & ~_jit.lookup(has, tags.before)
        return m
