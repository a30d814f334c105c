"""``accord demo``: a realistic synthetic helpdesk, end to end on the embedded store."""

from __future__ import annotations

import logging
import shutil
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.common import err, handle_errors, out
from accord.cli.help import App
from accord.cli.progress import Progress, Quiet
from accord.core.timeutil import from_instant, iso, parse_instant, to_instant

# Events turned into text at once by `demo generate`: each batch makes the text of its
# distinct field combinations once (a few thousand), so larger batches repeat that less.
WRITE_BATCH = 1_000_000

app = App(help="Generate and run the demo helpdesk.", no_args_is_help=True)


def copy_demo_config(dest: Path, *, alerts: bool = True) -> Path:
    """Copy the demo configuration (calendars, policies, statuses, contracts, KPI targets and,
    unless ``alerts`` is false, alert rules) into ``dest``. The benchmarks leave the alert
    rules out: their rounds (and the failing deliveries to the demo's webhook) would load the
    server whose reads they time."""
    dest.mkdir(parents=True, exist_ok=True)
    src = resources.files("accord.demo") / "config"
    for item in src.iterdir():
        if item.name == "alerts.yaml" and not alerts:
            continue
        if item.name.endswith((".yaml", ".yml")):
            with resources.as_file(item) as p:
                shutil.copyfile(p, dest / item.name)
    return dest


def _end(value: str | None) -> datetime:
    if value:
        return parse_instant(value)
    # the CLI is the edge that reads the clock; whole seconds keep the log tidy
    return from_instant(to_instant(datetime.now(UTC)))


@app.command("generate")
@handle_errors
def generate(
    out_path: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Event file (.jsonl/.csv/.parquet)")
    ] = Path("demo-events.jsonl"),
    config_dir: Annotated[
        Path | None,
        typer.Option("--config-out", metavar="DIR", help="Also write the demo configuration here"),
    ] = None,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Random seed (same seed and end → same log)")
    ] = 7,
    days: Annotated[int, typer.Option(metavar="N", help="Days of history")] = 90,
    tickets: Annotated[int | None, typer.Option(metavar="N", help="Number of tickets")] = None,
    events: Annotated[
        int | None, typer.Option(metavar="N", help="Aim for about this many events")
    ] = None,
    end: Annotated[
        str | None, typer.Option(metavar="TS", help="Last instant of the log (default: now)")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Write a seeded synthetic event log of a multi-customer helpdesk."""
    from accord.demo.generate import generate_log, log_table
    from accord.io.readers import detect_format
    from accord.io.table_writers import write_event_table

    end_dt = _end(end)
    detect_format(out_path)  # an unusable file name fails before the generation
    progress = Progress(quiet)
    with progress.phase("generating", events) as phase:
        log = generate_log(
            seed=seed,
            end=end_dt,
            days=days,
            tickets=tickets,
            target_events=events,
            progress=phase.update,
        )
        phase.update(len(log))
    with progress.phase("writing", len(log)) as phase:
        batches = (log_table(log, i, i + WRITE_BATCH) for i in range(0, len(log), WRITE_BATCH))
        n = write_event_table(out_path, batches, on_rows=phase.advance)
    err.print(
        f"wrote {n:,} events to {out_path} (seed {seed}, {days} days to {iso(to_instant(end_dt))})"
    )
    if config_dir is not None:
        copy_demo_config(config_dir)
        err.print(f"wrote the demo configuration to {config_dir}")


@app.command("run")
@handle_errors
def run(
    directory: Annotated[
        Path, typer.Option("--dir", metavar="DIR", help="Where the demo's files go")
    ] = Path("demo-data"),
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed")] = 7,
    events: Annotated[
        int | None, typer.Option(metavar="N", help="Aim for about this many events")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Generate the demo log, compute every SLA clock and print the scoreboard."""
    from accord.cli.summary import render_summary
    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch, records_from_table
    from accord.demo.generate import generate_log, log_table
    from accord.io.columnar import read_columnar
    from accord.io.records_text import write_table_file
    from accord.io.table_writers import write_event_table

    end_dt = _end(None)
    directory.mkdir(parents=True, exist_ok=True)
    events_path = directory / "events.jsonl"
    records_path = directory / "records.csv"
    config_dir = copy_demo_config(directory / "config")
    progress = Progress(quiet)
    with progress.phase("generating", events) as phase:
        log = generate_log(seed=seed, end=end_dt, target_events=events, progress=phase.update)
        phase.update(len(log))
    with progress.phase("writing", len(log)) as phase:
        batches = (log_table(log, i, i + WRITE_BATCH) for i in range(0, len(log), WRITE_BATCH))
        write_event_table(events_path, batches, on_rows=phase.advance)
    cfg = load_config(config_dir)
    as_of = to_instant(end_dt)
    # the log is read back from its file, as `accord sla` would read it
    with progress.phase("reading") as phase:
        read = read_columnar([events_path], status_category=cfg.status_category)
        phase.update(read.events.num_rows)
    n = read.events.num_rows
    with progress.phase("computing", n) as phase:
        table = compute_batch(read.events, cfg, as_of, progress=phase.update)
    with progress.phase("writing records", table.num_rows, "records") as phase:
        write_table_file(table, records_path, "csv")
        phase.update(table.num_rows)
    render_summary(records_from_table(table), out)
    out.print(
        f"\nEvents: {events_path}  Configuration: {config_dir}  Records: {records_path}"
        f"\nTry: accord sla {events_path} --config {config_dir} --as-of {iso(as_of)}"
    )


class Interrupts:
    """Ctrl-C while the demo is prepared. Raised at once only after the store is migrated:
    Python drops a ``KeyboardInterrupt`` raised inside a garbage collector's callback (with
    "Exception ignored" and a traceback), and SQLAlchemy registers such callbacks while it
    migrates; an interrupt is also remembered and checked between the steps."""

    def __init__(self) -> None:
        self.seen = False
        self.armed = False

    def handler(self, _signum: int, _frame: object) -> None:
        self.seen = True
        if self.armed:
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt


def prepare_store(
    directory: Path,
    *,
    seed: int = 7,
    events: int | None = None,
    end: datetime | None = None,
    interrupts: Interrupts | None = None,
    progress: Progress | None = None,
) -> str:
    """Generate the demo helpdesk into a fresh SQLite store under ``directory`` (events,
    configuration, every ticket's clocks computed); return the store's URL.

    The store is made anew each time: the generated log depends on its end instant, so the
    same event ids would come back with other content and be refused by an old store.
    With ``interrupts``, a Ctrl-C ends the preparation with ``KeyboardInterrupt``."""
    guard = interrupts or Interrupts()
    progress = progress or Progress()
    check = guard.check

    from accord.demo.generate import generate_log
    from accord.io.store import SqlStore
    from accord.io.store.base import Incoming
    from accord.service.app import create_app
    from accord.service.settings import Settings

    end_dt = end or _end(None)
    now = to_instant(end_dt)
    directory.mkdir(parents=True, exist_ok=True)
    config_dir = copy_demo_config(directory / "config")
    db = directory / "accord.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{db.resolve()}"
    store = SqlStore(url, sqlite_synchronous="NORMAL")
    try:
        # the app's own runtime seeds the configuration and computes the clocks, exactly as
        # `accord serve` does after an ingest; only the background thread is left off
        settings = Settings(database_url=url, config_dir=config_dir, background=False)
        runtime = create_app(settings, store=store, clock=lambda: now).state.runtime
        guard.armed = True  # the store is migrated: an interrupt may be raised from here on
        check()
        with progress.phase("generating", events) as phase:
            log = generate_log(seed=seed, end=end_dt, target_events=events, progress=phase.update)
            phase.update(len(log))
        check()
        batch: list[Incoming] = []
        with progress.phase("storing", len(log)) as phase:
            for n, ev in enumerate(log.events(), start=1):
                batch.append(Incoming(ev, "demo", n))
                if len(batch) == 1_000:
                    check()
                    store.add_events(batch, received_at=now)
                    phase.advance(len(batch))
                    batch.clear()
            if batch:
                store.add_events(batch, received_at=now)
                phase.advance(len(batch))
        check()
        with progress.phase("computing clocks", store.count_tickets(), "tickets") as phase:
            runtime.recomputer.drain(phase.update)
        check()
        with err.status("evaluating the demo's alert rules over its last week…"):
            _alert_history(store, config_dir, now)
    finally:
        store.close()
    return url


# the demo's alert log starts with the alerts of its last week (a weekend alone has none), so
# the Alerts page has entries from the first minute (a server's rounds take thresholds from
# its start on)
ALERT_HISTORY = 7 * 86_400


def _alert_history(store: Any, config_dir: Path, now: int) -> None:
    from accord.service.alert_readings import ReadingsSource
    from accord.service.alerting import deliver_round, env_notifiers, setup_from_dir

    setup = setup_from_dir(config_dir, env_notifiers())
    readings = ReadingsSource(store, every=30.0).read(setup, now)
    deliver_round(store, setup, readings, now, since=now - ALERT_HISTORY)


def demo_app(url: str, directory: Path, clock: Callable[[], int] | None = None) -> Any:
    """The service app over the demo store, with the demo's candidate suggested on the Review
    page's what-if (a copy is left in ``directory`` for ``accord review whatif``). ``clock``
    (default: the system's) fixes the server's now, for screenshots that do not change."""
    from accord.demo import CANDIDATE
    from accord.service.app import create_app
    from accord.service.settings import Settings

    candidate = CANDIDATE.read_text(encoding="utf-8")
    (directory / "candidate.yaml").write_text(candidate, encoding="utf-8")
    settings = Settings(database_url=url, config_dir=directory / "config")
    application = create_app(settings, clock=clock)
    # the overrides only: the comments explain the file, the form needs the lines
    lines = [ln for ln in candidate.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    application.state.review_candidate = "\n".join(lines) + "\n"
    return application


@app.command("serve")
@handle_errors
def serve(
    directory: Annotated[
        Path, typer.Option("--dir", metavar="DIR", help="Where the demo's store goes")
    ] = Path("demo-data"),
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on")] = 8000,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed")] = 7,
    events: Annotated[
        int | None, typer.Option(metavar="N", help="Aim for about this many events")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Generate the demo into an embedded SQLite store, compute everything, print a sign-in
    link for a read-only token and serve the dashboard (Ctrl-C stops it)."""
    from accord.cli.serving import check_port_free, run_server
    from accord.core.timeutil import to_instant as _to_instant
    from accord.io.store import Scope, SqlStore
    from accord.service.auth import create_token
    from accord.service.dashboard.signin_links import SigninLinks

    check_port_free(host, port)  # before minutes of generating, not after
    # the demo's alert channel points at no receiver on purpose (its failures are shown on
    # the Alerts page): one warning per delivery attempt would bury the sign-in link
    logging.getLogger("accord.alerts").setLevel(logging.ERROR)
    interrupts = Interrupts()
    previous = signal.signal(signal.SIGINT, interrupts.handler)
    try:
        url = prepare_store(
            directory, seed=seed, events=events, interrupts=interrupts, progress=Progress(quiet)
        )
    except KeyboardInterrupt:
        err.print("Stopped before the demo was ready.")
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    store = SqlStore(url)
    try:
        now = _to_instant(datetime.now(UTC))
        token, _ = create_token(store, scope=Scope.READ, customer=None, name="demo", now=now)
        # the Review page's what-if replays every customer's clocks: it needs a write token
        write, _ = create_token(
            store, scope=Scope.WRITE, customer=None, name="demo what-if", now=now
        )
    finally:
        store.close()
    application = demo_app(url, directory)
    links = SigninLinks()
    application.state.signin_links = links
    base = f"http://{host}:{port}"
    link = f"{base}/signin/link/{links.add(token)}"

    def ready() -> None:
        # printed once the server accepts connections: the link works when it is shown
        out.print(
            f"\nAccord demo: {base}/\n"
            f"Open this link to sign in with the read-only token (valid while this runs):\n"
            f"  {link}\n"
            f"or paste the read-only token on the sign-in page:\n  {token}\n"
            f"Write token (the Review page's what-if; acknowledge and snooze on Alerts):\n"
            f"  {write}\n"
            f"Store: {directory / 'accord.db'}   Stop with Ctrl-C.",
            soft_wrap=True,
        )

    run_server(application, host, port, "warning", ready)
    err.print("Accord demo stopped.")
