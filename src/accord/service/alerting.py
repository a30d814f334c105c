"""Alert delivery over the store: one round (:func:`deliver_round`, also what
``accord alerts run --once`` runs) and the background loop of ``accord serve``
(:class:`AlertLoop`).

A round reads what the rules watch from the store (:mod:`accord.service.alert_readings`: open
SLA clocks, KPI bands, contract budgets and forecasts, source activity), evaluates the rules at
``now`` (pure, in :mod:`accord.core.alerts.evaluate`), takes every alert whose threshold has
come in charge by claiming its dedupe key in the store (an atomic insert: of two evaluators, or
of a process and its restarted self, exactly one wins), then tries every (alert, channel) pair
that is due, claiming each attempt before sending it. The stored log is the only state, so a
restart reads it back and neither sends an alert twice nor loses one.

An attempt whose outcome was never recorded (the process stopped while sending) counts as
failed and is retried after its backoff: an alert may then reach a channel twice, which the
receiver can tell by its ``key`` (JSON body, ``X-Accord-Alert`` mail header), rather than
never.

A rule ignores thresholds reached more than ``grace`` seconds before the first round that
evaluated it (that instant is kept in the store, so a restart does not move it): the first
start over a long history does not alert on old breaches of clocks still open.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from accord.core.alerts.alert import Alert
from accord.core.alerts.check import AlertConfig
from accord.core.alerts.delivery import Attempt, Backoff, Pending, pending
from accord.core.alerts.evaluate import HORIZON, Readings, evaluate
from accord.core.alerts.models import AlertRule, Channel
from accord.core.calendar import BusinessCalendar
from accord.core.config.loader import (
    check_config_alerts,
    check_config_contracts,
    check_config_kpis,
)
from accord.core.config.resolved import Configuration
from accord.core.contracts.models import ContractSpec
from accord.core.kpi.models import KpiSpec
from accord.core.timeutil import Instant
from accord.errors import ConfigError, DeliveryError
from accord.io.notifiers import Notifier, notifier_for
from accord.io.store import Store, StoredAlert
from accord.service.alert_clocks import OpenClocks
from accord.service.alert_readings import FigureSource, ReadingsSource
from accord.service.alert_readings import open_clock_readings as open_clock_readings

log = logging.getLogger("accord.alerts")

NotifierFactory = Callable[[str, Channel], Notifier]
UNFINISHED = "no outcome recorded: the process stopped during the attempt"


@dataclass(frozen=True)
class AlertSetup:
    """What a round needs from the configuration: the rules, the calendars (of the clocks and
    of quiet hours) and a notifier per channel; for the KPI and contract rules, the
    configuration, the KPI catalog and the contracts."""

    rules: Mapping[str, AlertRule]
    calendars: Mapping[str, BusinessCalendar]
    notifiers: Mapping[str, Notifier]
    config: Configuration | None = None
    kpis: Mapping[str, KpiSpec] = field(default_factory=dict)
    contracts: Mapping[str, ContractSpec] = field(default_factory=dict)
    # the stored configuration version it was built from (None: a directory's)
    version: int | None = None


@dataclass(frozen=True)
class Sent:
    """One attempt made by a round."""

    alert_id: int
    key: str
    channel: str
    number: int
    ok: bool
    error: str | None


@dataclass(frozen=True)
class RoundResult:
    """What one round did and when the next one is worth running (``None``: nothing
    foreseen from the current readings)."""

    claimed: tuple[StoredAlert, ...] = ()
    attempts: tuple[Sent, ...] = ()
    wake_at: Instant | None = None

    @property
    def failed(self) -> int:
        return sum(not a.ok for a in self.attempts)


def env_notifiers(env: Mapping[str, str] | None = None) -> NotifierFactory:
    """Notifiers with their secrets from ``env`` (default: the process environment)."""
    source = os.environ if env is None else env
    return lambda name, channel: notifier_for(name, channel, source)


def build_setup(
    alerts: AlertConfig,
    calendars: Mapping[str, object],
    factory: NotifierFactory,
) -> AlertSetup:
    """The setup of a checked configuration; a channel's missing secret raises
    :class:`ConfigError` here, at start-up, not at the first alert."""
    notifiers = {name: factory(name, ch) for name, ch in alerts.channels.items()}
    cals = {k: v for k, v in calendars.items() if isinstance(v, BusinessCalendar)}
    return AlertSetup(dict(alerts.rules), cals, notifiers)


def setup_from_dir(path: Path, factory: NotifierFactory) -> AlertSetup:
    """The setup of a configuration directory (or file); every problem raises
    :class:`ConfigError`."""
    config, alerts, issues = check_config_alerts(path)
    if config is None or any(i.severity == "error" for i in issues):
        raise ConfigError(issues)
    setup = build_setup(alerts, config.calendars, factory)
    kinds = {r.kind for r in alerts.rules.values()}
    # the same loaders as the KPI and contract API; read only when a rule needs them
    kpis = check_config_kpis(path)[1] if "kpi_band" in kinds else {}
    contracts = check_config_contracts(path)[1] if kinds & {"budget_burn", "forecast_below"} else {}
    return replace(setup, config=config, kpis=kpis, contracts=contracts)


def setup_from_files(files: Mapping[str, str], factory: NotifierFactory) -> AlertSetup:
    """The setup of a stored configuration version (file name -> YAML text)."""
    with tempfile.TemporaryDirectory(prefix="accord-alerts-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        return setup_from_dir(root, factory)


def rule_cutoffs(
    store: Store, rules: Collection[str], now: Instant, grace: int
) -> dict[str, Instant]:
    """Per rule, the earliest threshold instant it alerts on: the first round that evaluated
    it (kept in the store: the first writer wins, restarts keep it) minus ``grace``."""
    keys = {name: f"since:{name}" for name in rules}
    got = store.get_watch(list(keys.values()))
    missing = [k for k in keys.values() if k not in got]
    for key in missing:
        store.set_watch(key, str(now), at=now, expected=None)
    if missing:
        got = store.get_watch(list(keys.values()))
    return {name: int(got.get(key, now)) - grace for name, key in keys.items()}


def _log_attempts(entry: StoredAlert) -> list[Attempt]:
    return [
        Attempt(
            entry.alert.key,
            t.channel,
            t.number,
            t.at,
            bool(t.ok),
            t.error if t.ok is not None else UNFINISHED,
            entry.alert,
        )
        for t in entry.attempts
    ]


def _plan(entry: StoredAlert, attempts: list[Attempt], backoff: Backoff) -> list[Pending]:
    return pending([entry.alert], attempts, backoff)


def _settled_state(entry: StoredAlert, attempts: list[Attempt]) -> str:
    ok = {a.channel for a in attempts if a.ok}
    return "sent" if all(ch in ok for ch in entry.alert.channels) else "failed"


class KnownKeys:
    """The dedupe keys already in the store's log, as far as a loop learned them. A key the
    store was asked about and did not hold stays free until its threshold comes (an alert is
    claimed only once its threshold has come, by any evaluator); after that it is claimed,
    which tells whether another evaluator took it first. So the store is asked only about
    keys it was never asked about: after the first round, the new candidates' only."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._asked: set[str] = set()

    def learn(self, store: Store, keys: Sequence[str]) -> None:
        new = [k for k in keys if k not in self._asked]
        if new:
            self._known |= store.known_alert_keys(new)
            self._asked.update(new)

    def taken(self, key: str) -> None:
        self._known.add(key)
        self._asked.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._known


def deliver_round(
    store: Store,
    setup: AlertSetup,
    readings: Readings,
    now: Instant,
    *,
    backoff: Backoff = Backoff(),
    since: Mapping[str, Instant] | Instant | None = None,
    clocks: OpenClocks | None = None,
    known: KnownKeys | None = None,
) -> RoundResult:
    """Take in charge every alert whose threshold has come (:func:`take_in_charge`), and try
    every pair due at ``now`` (:func:`deliver_due`); every attempt goes to the store's
    delivery log."""
    claimed, wake = take_in_charge(
        store, setup, readings, now, since=since, clocks=clocks, known=known
    )
    sent, later = deliver_due(store, setup, now, backoff=backoff)
    return RoundResult(claimed, sent, min(wake, later, key=_or_never))


def _or_never(at: Instant | None) -> Instant:
    return HORIZON if at is None else at


def take_in_charge(
    store: Store,
    setup: AlertSetup,
    readings: Readings,
    now: Instant,
    *,
    since: Mapping[str, Instant] | Instant | None = None,
    clocks: OpenClocks | None = None,
    known: KnownKeys | None = None,
) -> tuple[tuple[StoredAlert, ...], Instant | None]:
    """Claim every alert of the readings whose threshold has come and that is not in the log
    yet; the alerts claimed, and the next threshold to come (``None``: none foreseen).
    ``since`` (one instant, or one per rule) leaves out thresholds reached before it: they are
    never sent.

    ``clocks``: the SLA rules' candidates come from the open clocks kept between rounds
    (caught up already) instead of the rules evaluated on ``readings.records``; ``known``: the
    keys a loop learned were taken in earlier rounds, so that the store is asked only about
    keys it was never asked about (a round of a loop), instead of every candidate's (one
    round)."""

    def keep(a: Alert) -> bool:
        return _after_cutoff(a.rule, a.at, since)

    if clocks is not None:
        readings = replace(readings, records=())
    # every candidate the readings foresee; those already in the log are done with
    pool = [a for a in evaluate(setup.rules, readings, setup.calendars, (), HORIZON) if keep(a)]
    fresh = clocks.fresh_candidates(setup.rules, setup.calendars) if clocks is not None else []
    if known is None:
        known = KnownKeys()
    known.learn(store, [a.key for a in pool] + [a.key for a in fresh if keep(a)])
    wake: Instant | None = None
    due: list[Alert] = []
    for a in pool:
        if a.key in known:
            continue
        if a.at <= now:
            due.append(a)
        elif wake is None or a.at < wake:
            wake = a.at  # claimed (held or pending) once its threshold comes
    if clocks is not None:
        due.extend(clocks.due(now, known, keep))
    due.sort(key=lambda a: (a.deliver_at, a.key))  # evaluate's order
    entries = store.claim_alerts(due, now=now)
    claimed: list[StoredAlert] = []
    for a, entry in zip(due, entries, strict=True):
        known.taken(a.key)  # by this round, or by another evaluator first
        if entry is not None:
            claimed.append(entry)
    if clocks is not None:
        wake = min(wake, clocks.next_at(known, keep), key=_or_never)
    return tuple(claimed), wake


def deliver_due(
    store: Store, setup: AlertSetup, now: Instant, *, backoff: Backoff = Backoff()
) -> tuple[tuple[Sent, ...], Instant | None]:
    """Try every (alert, channel) pair of the log due at ``now``, each attempt claimed before
    it is made; the attempts made, and the next instant one is due (``None``: none)."""
    wake: list[Instant] = []
    sent: list[Sent] = []
    for entry in store.alerts_to_deliver():
        if entry.snoozed_until is not None and entry.snoozed_until > now:
            wake.append(entry.snoozed_until)
            continue
        attempts = _log_attempts(entry)
        for p in _plan(entry, attempts, backoff):
            if p.due > now:
                continue
            if not store.claim_attempt(entry.id, p.channel, p.number, at=now):
                continue  # another loop is making this very attempt
            error = _send(setup.notifiers.get(p.channel), p)
            attempts.append(
                Attempt(entry.alert.key, p.channel, p.number, now, error is None, error, p.alert)
            )
            rest = _plan(entry, attempts, backoff)
            state = "pending" if rest else _settled_state(entry, attempts)
            next_at = min((r.due for r in rest), default=None)
            store.finish_attempt(
                entry.id, p.channel, p.number, ok=error is None, error=error, at=now,
                state=state, next_attempt_at=next_at,
            )  # fmt: skip
            sent.append(Sent(entry.id, entry.alert.key, p.channel, p.number, error is None, error))
            if error is not None:
                log.warning("alert %s, %s, attempt %d: %s", p.alert.key, p.channel, p.number, error)
        wake.extend(p.due for p in _plan(entry, attempts, backoff) if p.due > now)
    return tuple(sent), min(wake, default=None)


def _after_cutoff(rule: str, at: Instant, since: Mapping[str, Instant] | Instant | None) -> bool:
    if since is None:
        return True
    cutoff = since.get(rule) if isinstance(since, Mapping) else since
    return cutoff is None or at >= cutoff


def _send(notifier: Notifier | None, p: Pending) -> str | None:
    if notifier is None:
        return f"no notifier for channel '{p.channel}'"
    try:
        notifier.send(p.alert)
    except DeliveryError as exc:
        return exc.message
    return None


SetupAt = Callable[[Instant], AlertSetup | None]


@dataclass
class AlertLoop:
    """Rounds in a background thread. It sleeps until the next instant a round foresees, but
    never longer than ``poll`` seconds (new events change the readings), and wakes early on
    :meth:`notify` (after each recompute). KPI and contract figures are recomputed at most
    every ``figures_every`` seconds (:class:`~accord.service.alert_readings.ReadingsSource`);
    thresholds older than a rule's first round minus ``grace`` are not sent. The clock is
    injected: tests drive :meth:`run_once` with their own."""

    store: Store
    clock: Callable[[], Instant]
    setup_at: SetupAt
    poll: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)
    figures_every: float = 30.0
    grace: int = 3600
    rounds: int = 0
    last: RoundResult | None = None
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    # where the KPI and contract rules' inputs come from (None: every stored event replayed)
    figures: FigureSource | None = None
    # the open clocks kept between rounds (None: every open clock read each round)
    clocks: OpenClocks | None = None
    _known: KnownKeys = field(default_factory=lambda: KnownKeys(), repr=False)
    _readings: ReadingsSource | None = field(default=None, repr=False)
    _cutoffs: dict[str, Instant] = field(default_factory=dict, repr=False)

    def run_once(self) -> RoundResult:
        """One round at the clock's now (no-op without a configuration)."""
        with self._lock:  # one round at a time: notify() may race the loop's own timer
            now = self.clock()
            setup = self.setup_at(now)
            if setup is None or not setup.rules:
                result = RoundResult()
            else:
                if self._readings is None:
                    self._readings = ReadingsSource(
                        self.store, every=self.figures_every, figures=self.figures,
                        clocks=self.clocks,
                    )  # fmt: skip
                readings = self._readings.read(setup, now)
                if set(setup.rules) - set(self._cutoffs):
                    self._cutoffs = rule_cutoffs(self.store, setup.rules, now, self.grace)
                result = deliver_round(
                    self.store, setup, readings, now, backoff=self.backoff, since=self._cutoffs,
                    clocks=self.clocks, known=self._known,
                )  # fmt: skip
                result = _with_refresh(result, self._readings.next_refresh(now))
            self.rounds += 1
            self.last = result
            return result

    def notify(self) -> None:
        if self._readings is not None:
            self._readings.mark_changed()
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="accord-alerts", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.poll
            started = time.monotonic()
            try:
                result = self.run_once()
                if result.wake_at is not None:
                    wait = min(self.poll, max(0.0, float(result.wake_at - self.clock())))
            except Exception:  # keep the loop alive: the log in the store keeps the state
                log.exception("alert round failed")
            ended = time.monotonic()
            self._wake.wait(wait)
            self._wake.clear()
            # however often recomputes wake it, the loop keeps to its share of the process
            rest = ended + round_gap(ended - started) - time.monotonic()
            if rest > 0:
                self._stop.wait(rest)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


# a round is followed by at least this many times its duration without one (rounds take at
# most a fifth of the time), but never more than GAP_CAP seconds: an alert still goes out well
# within the promised 60 s of its threshold
BUSY_RATIO = 4.0
GAP_CAP = 15.0


def round_gap(took: float) -> float:
    """The least pause after a round that took ``took`` seconds before the next one.

    Every recompute wakes the loop, and under a steady stream recomputes come every second;
    a long round (the first, which reads every open clock: seconds with a hundred thousand of
    them; one that refreshes the figures) back to back with the next would hold the server's
    interpreter from ingest and the recompute."""
    return min(GAP_CAP, BUSY_RATIO * max(0.0, took))


def _with_refresh(result: RoundResult, refresh: Instant | None) -> RoundResult:
    """The round's wake-up, brought forward to when the figures are next worth recomputing."""
    if refresh is None or (result.wake_at is not None and result.wake_at <= refresh):
        return result
    return replace(result, wake_at=refresh)


class VersionedSetup:
    """The setup of the configuration version in force, built once per version."""

    def __init__(
        self,
        current: Callable[[Instant], tuple[int, Mapping[str, str]] | None],
        factory: NotifierFactory,
    ) -> None:
        self._current = current
        self._factory = factory
        self._built: dict[int, AlertSetup] = {}
        self._lock = threading.Lock()

    def __call__(self, now: Instant) -> AlertSetup | None:
        got = self._current(now)
        if got is None:
            return None
        version, files = got
        with self._lock:
            setup = self._built.get(version)
            if setup is None:
                setup = replace(setup_from_files(files, self._factory), version=version)
                self._built[version] = setup
            return setup
