"""Staffing arithmetic: how many agents a queue needs to answer in time. Pure: no I/O.

Two queue models, both with Poisson arrivals, exponential handle times and ``n`` agents
answering first come, first served (docs/review.md, "Capacity", defines every figure):

- **Erlang C** (M/M/n): every contact waits as long as it takes. Stable only when the load
  ``a`` (Erlangs: arrival rate × average handle time) is below ``n``; at or above it the
  queue grows without bound and the figures say so (``stable`` false, no ASA).
- **Erlang A** (M/M/n+M, Palm's model): a waiting contact leaves after an exponential patience
  of mean ``p``. Always stable. With ``x = n·p/h`` and ``y = a·p/h`` (``h`` the handle time),
  the stationary law of the queue gives, with ``S(x, z) = Σ_j z^j / ((x+1)…(x+j))``
  (the confluent series ``x·e^z·z^-x·γ(x, z)``, ``γ`` the lower incomplete gamma function)
  and ``E`` the Erlang B blocking probability of ``n`` agents:

  - P(wait) = E·S(x, y) / (1 + (S(x, y) − 1)·E);
  - a contact that finds ``j`` others waiting is answered with probability ``x/(x+j+1)``;
  - P(offered wait > t | wait) = γ(x, y·w) / γ(x, y), ``w = e^(−t/p)``;
  - P(answered, waiting more than t | wait) = γ(x+1, y·w) / (y·γ(x, y)).

  The series is summed in log space over the terms that matter (within e^-40 of the largest,
  found from where the term ratio ``z/(x+j)`` crosses 1), so no factorial or power overflows;
  its cost grows with the square root of ``x`` and ``y``, which :data:`MAX_SERIES` bounds.

Erlang B comes from its recurrence ``B(k) = a·B(k−1) / (k + a·B(k−1))``, which stays in
[0, 1] for any load: 2,000 or 200,000 Erlangs need no factorial and lose no precision.

A **service level** is the share of contacts answered within ``t`` seconds of arriving, over
all contacts (one who leaves unanswered counts as not answered in time). ``concurrency``
lets one agent work on several contacts at once: ``n`` agents are ``⌊n·concurrency⌋``
servers of the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError

__all__ = [
    "MAX_AGENTS",
    "MAX_ERLANGS",
    "Figures",
    "Queue",
    "agents_needed",
    "best_target",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "service_level",
]

MAX_ERLANGS = 1_000_000.0
"""The largest load the calculator takes (Erlang B's recurrence costs one step per agent)."""
MAX_AGENTS = 2_000_000
"""The most agents (or servers) the calculator considers."""
MAX_SERIES = 1e9
"""The largest ``n·p/h`` and ``a·p/h`` of Erlang A (patience this far beyond handle time
behaves as Erlang C; the series would need too many terms)."""

_DROP = 40.0  # series terms below e^-40 of the largest change no double
_FIRST_BLOCK = 256

Targets = Sequence[tuple[float, float]]
"""``(weight, seconds)`` pairs: the share of contacts held to each answer-within target."""


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue to staff: ``erlangs`` of load (contacts per second × ``aht``), the average
    handle time ``aht`` in seconds, the mean ``patience`` in seconds (``None``: contacts never
    leave, Erlang C; ``0``: a contact that cannot be answered at once leaves, Erlang B), and
    how many contacts one agent works at once (``concurrency``, at least 1)."""

    erlangs: float
    aht: float
    patience: float | None = None
    concurrency: float = 1.0

    def __post_init__(self) -> None:
        _check("load", self.erlangs, low=0.0, high=MAX_ERLANGS)
        _check("handle time", self.aht, low=0.0, strict=True)
        if self.patience is not None:
            _check("patience", self.patience, low=0.0)
            if self.erlangs > 0 and self.patience > 0:
                ratio = self.patience / self.aht
                if ratio * max(self.erlangs, 1.0) > MAX_SERIES:
                    raise InputError(
                        f"a patience {ratio:,.0f} times the handle time at {self.erlangs:,.0f} "
                        "Erlang is beyond Erlang A's reach here; leave the patience out "
                        "(Erlang C is the same model with contacts that never leave)"
                    )
        _check("concurrency", self.concurrency, low=1.0, high=1000.0)

    @property
    def model(self) -> Literal["erlang_c", "erlang_a"]:
        return "erlang_c" if self.patience is None else "erlang_a"

    def servers(self, agents: int) -> int:
        # the epsilon keeps 3 × (1/3 as typed) from flooring to 0.99…
        return math.floor(agents * self.concurrency + 1e-9)


def _check(
    name: str,
    value: float,
    *,
    low: float,
    high: float | None = None,
    strict: bool = False,
) -> None:
    if not math.isfinite(value):
        raise InputError(f"the {name} must be a finite number, not {value}")
    if value < low or (strict and value == low):
        bound = f"more than {low:g}" if strict else f"at least {low:g}"
        raise InputError(f"the {name} must be {bound}, not {value:g}")
    if high is not None and value > high:
        raise InputError(f"the {name} must be at most {high:,.0f}, not {value:,.0f}")


# ------------------------------------------------------------------ Erlang B and C


@dataclass(slots=True)
class _Blocking:
    """Erlang B of one load for 0, 1, 2, … servers, extended on demand (the recurrence is
    cheap per step, and searches reuse it)."""

    load: float
    values: list[float] = field(default_factory=lambda: [1.0])

    def __call__(self, n: int) -> float:
        if n > MAX_AGENTS:
            raise InputError(f"more than {MAX_AGENTS:,} agents are beyond this calculator")
        values, a = self.values, self.load
        b = values[-1]
        for k in range(len(values), n + 1):
            b = a * b / (k + a * b)
            values.append(b)
        return values[n]


def erlang_b(erlangs: float, servers: int) -> float:
    """The share of contacts that find every one of ``servers`` busy, with no queue."""
    if servers < 0:
        raise InputError("the number of agents cannot be negative")
    return _Blocking(erlangs)(servers)


def erlang_c(erlangs: float, servers: int) -> float:
    """P(wait) of Erlang C; 1 when the queue is unstable (load at or above ``servers``)."""
    if servers < 0:
        raise InputError("the number of agents cannot be negative")
    if erlangs <= 0:
        return 0.0
    if erlangs >= servers:
        return 1.0
    return _wait_c(erlangs, servers, erlang_b(erlangs, servers))


def _wait_c(a: float, n: int, b: float) -> float:
    return n * b / (n - a * (1.0 - b))


# ------------------------------------------------------------------ the figures


@dataclass(frozen=True, slots=True)
class Figures:
    """What a queue does with ``agents``: the share of contacts that wait, that leave, that are
    answered within the target; the average wait of those answered (``None``: no contact is
    ever answered, or the wait grows without bound); the agents' occupancy."""

    model: Literal["erlang_c", "erlang_a"]
    erlangs: float
    agents: int
    servers: int
    stable: bool
    p_wait: float
    p_abandon: float | None
    service_level: float
    asa_seconds: float | None
    occupancy: float | None
    message: str | None


class _State:
    """One queue with a fixed number of servers; ``within(t)`` is the service level."""

    p_wait: float = 0.0
    p_abandon: float | None = None
    asa: float | None = 0.0
    stable: bool = True
    message: str | None = None
    occupancy: float | None = 0.0

    def within(self, t: float) -> float:
        return 1.0 - self.p_wait


class _Idle(_State):
    """No load: nobody waits."""

    def __init__(self, erlang_a: bool) -> None:
        self.p_abandon = 0.0 if erlang_a else None


class _NoAgents(_State):
    def __init__(self, erlang_a: bool) -> None:
        self.p_wait = 1.0
        self.asa = None
        self.occupancy = None
        if erlang_a:
            self.p_abandon = 1.0
            self.message = "no agents: every contact leaves unanswered"
        else:
            self.stable = False
            self.message = "no agents: no contact is ever answered (the wait is infinite)"

    def within(self, t: float) -> float:
        return 0.0


class _ErlangC(_State):
    def __init__(self, a: float, n: int, h: float, blocking: _Blocking) -> None:
        self.a, self.n, self.h = a, n, h
        if a >= n:
            self.p_wait, self.asa, self.stable, self.occupancy = 1.0, None, False, 1.0
            self.message = (
                f"a load of {a:,.4g} Erlang needs more than {n:,} agent(s): the queue grows "
                "without bound and the wait is infinite"
            )
            return
        self.p_wait = _wait_c(a, n, blocking(n))
        self.asa = self.p_wait * h / (n - a)
        self.occupancy = a / n

    def within(self, t: float) -> float:
        if not self.stable:
            return 0.0
        return 1.0 - self.p_wait * math.exp(-(self.n - self.a) * t / self.h)


class _Loss(_State):
    """Erlang A with no patience at all: a contact who would wait leaves at once (Erlang B)."""

    def __init__(self, a: float, n: int, blocking: _Blocking) -> None:
        self.p_wait = self.p_abandon = blocking(n)
        self.occupancy = a * (1.0 - self.p_wait) / n


class _ErlangA(_State):
    def __init__(self, a: float, n: int, h: float, p: float, blocking: _Blocking) -> None:
        self.p = p
        x = self.x = n * p / h
        y = self.y = a * p / h
        j, logt = _terms(x, y)
        self.log_s = _logsumexp(logt)
        weight = np.exp(logt - self.log_s)  # the law of the queue a waiting contact joins
        b = blocking(n)
        # P(wait) = E·S/(1 + (S−1)·E), in a form that neither overflows nor divides by 0
        self.p_wait = 0.0 if b == 0.0 else 1.0 / (1.0 + (1.0 - b) * math.exp(-self.log_s) / b)
        answered = float(np.dot(weight, x / (x + j + 1.0)))  # P(answered | wait)
        self.answered = answered
        self.p_abandon = self.p_wait * float(np.dot(weight, (j + 1.0) / (x + j + 1.0)))
        harmonic = _harmonic(x, j)
        waited = p * x * float(np.dot(weight, harmonic / (x + j + 1.0)))  # E[V; answered|wait]
        self.asa = self.p_wait * waited / (1.0 - self.p_abandon)
        self.occupancy = a * (1.0 - self.p_abandon) / n

    def within(self, t: float) -> float:
        if t <= 0:
            return 1.0 - self.p_wait
        x, y = self.x, self.y
        # P(answered after more than t | wait) = x/(x+1) · w^(x+1) · e^(y(1−w)) · S(x+1, y·w)/S
        w = math.exp(-t / self.p)
        _, logt = _terms(x + 1.0, y * w)
        log_late = (
            math.log(x / (x + 1.0))
            - (x + 1.0) * t / self.p
            - y * math.expm1(-t / self.p)
            + _logsumexp(logt)
            - self.log_s
        )
        late = math.exp(log_late) if log_late < 0 else 1.0
        return (1.0 - self.p_wait) + self.p_wait * max(0.0, self.answered - late)


def _terms(x: float, z: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The indices ``j`` and logarithms of the terms of ``S(x, z)`` that matter.

    Term ``j`` is ``Π_{i≤j} z/(x+i)``: it grows while ``z/(x+i) ≥ 1`` and falls after, so the
    largest is at ``⌊z − x⌋`` (or 0), and the terms are walked outwards from it, in blocks,
    until they drop below e^-40 of it.
    """
    if z <= 0.0:
        return np.zeros(1), np.zeros(1)
    top = max(0, math.floor(z - x))
    log_z = math.log(z)
    log_top = 0.0 if top == 0 else top * log_z - (math.lgamma(x + top + 1) - math.lgamma(x + 1))
    floor_ = log_top - _DROP
    parts_j: list[NDArray[np.float64]] = [np.array([float(top)])]
    parts_t: list[NDArray[np.float64]] = [np.array([log_top])]
    # rightwards: log t(j) = log t(j−1) + log z − log(x + j)
    start, last, block = top + 1, log_top, _FIRST_BLOCK
    while True:
        idx = np.arange(start, start + block, dtype=np.float64)
        logs = last + np.cumsum(log_z - np.log(x + idx))
        below = np.flatnonzero(logs < floor_)
        if below.size:
            parts_j.append(idx[: below[0]])
            parts_t.append(logs[: below[0]])
            break
        parts_j.append(idx)
        parts_t.append(logs)
        start, last, block = start + block, float(logs[-1]), block * 2
    # leftwards: log t(j−1) = log t(j) − log z + log(x + j)
    end, last, block = top, log_top, _FIRST_BLOCK
    while end > 0:
        idx = np.arange(end, max(0, end - block), -1, dtype=np.float64)  # j, j−1, …
        logs = last - np.cumsum(log_z - np.log(x + idx))  # the terms of j−1, j−2, …
        below = np.flatnonzero(logs < floor_)
        stop = below[0] if below.size else idx.size
        parts_j.append(idx[:stop] - 1.0)
        parts_t.append(logs[:stop])
        if below.size:
            break
        end, last, block = end - idx.size, float(logs[-1]), block * 2
    return np.concatenate(parts_j), np.concatenate(parts_t)


def _logsumexp(logs: NDArray[np.float64]) -> float:
    m = float(np.max(logs))
    return m + math.log(float(np.sum(np.exp(logs - m))))


_DIRECT_HARMONIC = 1_000_000


def _harmonic(x: float, j: NDArray[np.float64]) -> NDArray[np.float64]:
    """``H(j) = Σ_{m=1}^{j+1} 1/(x+m)`` for each ``j`` (a contiguous range once sorted)."""
    order = np.argsort(j)
    js = j[order]
    lo = int(js[0])
    if lo <= _DIRECT_HARMONIC:
        base = float(np.sum(1.0 / (x + np.arange(1, lo + 1, dtype=np.float64))))
    else:  # far from 0 the difference of digammas has no cancellation to fear
        base = _digamma(x + lo + 1) - _digamma(x + 1)
    steps = 1.0 / (x + js + 1.0)  # the term each j adds
    out = np.empty_like(j)
    out[order] = base + np.cumsum(steps)
    return out


def _digamma(v: float) -> float:
    """ψ(v) for v > 0: the recurrence up to 6, then the asymptotic series."""
    acc = 0.0
    while v < 6.0:
        acc -= 1.0 / v
        v += 1.0
    inv = 1.0 / (v * v)
    series = inv * (1 / 12 - inv * (1 / 120 - inv * (1 / 252 - inv * (1 / 240 - inv / 132))))
    return acc + math.log(v) - 0.5 / v - series


def _state(q: Queue, agents: int, blocking: _Blocking | None = None) -> _State:
    if agents < 0:
        raise InputError("the number of agents cannot be negative")
    n = q.servers(agents)
    erlang_a = q.patience is not None
    if q.erlangs == 0:
        return _Idle(erlang_a)
    if n == 0:
        return _NoAgents(erlang_a)
    blocking = blocking or _Blocking(q.erlangs)
    if q.patience is None:
        return _ErlangC(q.erlangs, n, q.aht, blocking)
    if q.patience == 0:
        return _Loss(q.erlangs, n, blocking)
    return _ErlangA(q.erlangs, n, q.aht, q.patience, blocking)


def _mixed(state: _State, targets: Targets) -> float:
    total = sum(w for w, _ in targets)
    if total <= 0:
        raise InputError("a service level needs at least one target with a positive weight")
    return sum(w * state.within(t) for w, t in targets) / total


def evaluate(q: Queue, agents: int, within: float) -> Figures:
    """The figures of ``q`` with ``agents``; the service level is for ``within`` seconds."""
    _check("answer-within time", within, low=0.0)
    s = _state(q, agents)
    return Figures(
        model=q.model,
        erlangs=q.erlangs,
        agents=agents,
        servers=q.servers(agents),
        stable=s.stable,
        p_wait=s.p_wait,
        p_abandon=s.p_abandon,
        service_level=s.within(within),
        asa_seconds=s.asa,
        occupancy=s.occupancy,
        message=s.message,
    )


def service_level(q: Queue, agents: int, targets: Targets) -> float:
    """The share of contacts answered within their target, ``targets`` weighing each."""
    return _mixed(_state(q, agents), targets)


def _check_goal(goal: float) -> None:
    if not (math.isfinite(goal) and 0.0 < goal < 1.0):
        raise InputError(
            f"the service level goal must lie between 0 and 1 (0.8 is 80 %), not {goal}"
        )


def agents_needed(q: Queue, goal: float, targets: Targets) -> int:
    """The fewest agents that answer the share ``goal`` of contacts within their targets."""
    _check_goal(goal)
    for _, t in targets:
        _check("answer-within time", t, low=0.0)
    if q.erlangs == 0:
        return 0
    blocking = _Blocking(q.erlangs)

    def enough(agents: int) -> bool:
        return _mixed(_state(q, agents, blocking), targets) >= goal

    # service level grows with agents (couple two systems: more servers never delay anyone),
    # so a doubling search and a bisection find the first that is enough
    lo = 0  # not enough: no agents answer nobody
    hi = max(1, math.ceil(q.erlangs / q.concurrency))
    while not enough(hi):
        lo, hi = hi, hi * 2
        if q.servers(hi) > MAX_AGENTS:
            raise InputError(f"the goal needs more than {MAX_AGENTS:,} agents; check the inputs")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid
    return hi


def best_target(q: Queue, agents: int, goal: float) -> float | None:
    """The shortest answer-within time (seconds) that ``agents`` meet for the share ``goal``
    of contacts; ``None`` when no time is long enough (an unstable queue, or too many contacts
    leave before an answer)."""
    _check_goal(goal)
    s = _state(q, agents)
    if s.within(0.0) >= goal:
        return 0.0
    if isinstance(s, _ErlangC):
        if not s.stable:
            return None
        return q.aht * math.log(s.p_wait / (1.0 - goal)) / (s.n - s.a)
    if not isinstance(s, _ErlangA) or 1.0 - (s.p_abandon or 0.0) < goal:
        return None  # no agents, or a loss queue, or answered share below the goal for ever
    lo, hi = 0.0, max(q.aht, 1.0)
    while s.within(hi) < goal:
        lo, hi = hi, hi * 2
        if hi > 1e12:  # the limit 1 − P(abandon) lies a hair above the goal
            return None
    for _ in range(100):
        mid = (lo + hi) / 2
        if s.within(mid) >= goal:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-3:
            break
    return hi
