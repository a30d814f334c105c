"""``accord alerts check|run|log``: validate the alert rules, deliver what is due (for cron:
``run --once``), read the delivery log. The store's log is the only state, so ``run --once``
every minute sends each alert once, like ``accord serve`` does.

Exit codes of ``run --once``: 0 when every attempt of the round succeeded (or nothing was
due), 9 when at least one failed (it is retried by a later run, after its backoff), 3 for an
invalid configuration or a channel secret that is unset, 8 when the store is unavailable.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from accord.cli.common import as_of_or_now, err, handle_errors, must_exist, out
from accord.cli.help import App
from accord.core.config.loader import check_config_alerts
from accord.core.timeutil import Instant, iso
from accord.errors import ConfigError, ConfigIssue, DeliveryError
from accord.io.store import ALERT_STATES, AlertQuery, SqlStore, open_store
from accord.service.settings import MAX_ALERT_POLL

if TYPE_CHECKING:
    from accord.service.alerting import AlertSetup, RoundResult

app = App(
    help="Alert rules: check them, deliver what is due, read the delivery log.",
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Default: $ACCORD_DATABASE_URL, else sqlite:///accord.db",
    ),
]
Now = Annotated[
    str | None,
    typer.Option(
        "--now", metavar="TS", help="Act as if it were this instant (default: the system clock)"
    ),
]
Format = Annotated[str, typer.Option("--format", metavar="FORMAT", help="text or json")]


@app.command("check")
@handle_errors
def check(
    config_dir: Annotated[
        Path,
        typer.Argument(metavar="CONFIG_DIR", help="Configuration directory (or one YAML file)."),
    ],
    env: Annotated[
        bool, typer.Option("--env", help="Also check that every channel's secrets are set")
    ] = False,
) -> None:
    """Validate the alert rules and channels (every problem with file:line); exit 3 if any."""
    from accord.service.alerting import build_setup, env_notifiers

    must_exist(config_dir, "the configuration")
    config, alerts, issues = check_config_alerts(config_dir)
    errors = [i for i in issues if i.severity == "error"]
    if errors or config is None:
        raise ConfigError(issues or [ConfigIssue(str(config_dir), None, "no configuration")])
    if env:
        build_setup(alerts, config.calendars, env_notifiers())
    for issue in issues:
        out.print(f"[yellow]{issue.render()}[/yellow]", highlight=False)
    out.print(
        f"[green]OK[/green]: {config_dir}: {len(alerts.rules)} alert rule(s), "
        f"{len(alerts.channels)} channel(s)"
    )


def _setup(store: SqlStore, config: Path | None, now: Instant) -> AlertSetup | None:
    from accord.service.alerting import env_notifiers, setup_from_dir, setup_from_files
    from accord.service.configuration import ConfigState

    if config is not None:
        return setup_from_dir(config, env_notifiers())
    current = ConfigState(store).current(now)
    if current is None:
        return None
    return setup_from_files(current[0].files, env_notifiers())


@app.command("run")
@handle_errors
def run(
    once: Annotated[
        bool, typer.Option("--once", help="One round, then exit (for cron); else loop")
    ] = False,
    database_url: DatabaseUrl = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="DIR",
            help="Rules and channels from this directory (default: the "
            "configuration version in force in the store)",
        ),
    ] = None,
    now: Now = None,
    poll: Annotated[
        float,
        typer.Option(metavar="SECONDS", help="Longest sleep between rounds, seconds (at most 30)"),
    ] = 30.0,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TS",
            help="Send no threshold reached before this instant (default: each rule's first "
            "round in this store, minus --grace)",
        ),
    ] = None,
    grace: Annotated[
        int,
        typer.Option(
            min=0, metavar="SECONDS", help="Seconds before a rule's first round still sent"
        ),
    ] = 3600,
    figures_every: Annotated[
        float,
        typer.Option(
            min=1.0,
            metavar="SECONDS",
            help="Recompute KPI and contract figures at most this often, s",
        ),
    ] = 30.0,
    fmt: Format = "text",
) -> None:
    """Evaluate the rules against the store and deliver what is due, retrying failed
    channels with backoff; every attempt goes to the delivery log.

    Exits 0 when every attempt succeeded (or nothing was due), 9 when one failed (a later run
    retries it), 3 for a configuration problem, 8 when the store is unavailable.
    """
    from accord.service.alert_readings import ReadingsSource
    from accord.service.alerting import deliver_round, rule_cutoffs

    if not 0 < poll <= MAX_ALERT_POLL:
        # alerts go out within 60 s of their threshold only if a round runs this often
        raise typer.BadParameter(f"above 0 and at most {MAX_ALERT_POLL:g}", param_hint="--poll")
    cutoff = as_of_or_now(since) if since is not None else None
    store = open_store(database_url)
    readings = ReadingsSource(store, every=figures_every)
    try:
        while True:
            at = as_of_or_now(now)
            setup = _setup(store, config, at)
            if setup is None:
                raise ConfigError(
                    [ConfigIssue("<store>", None, "no configuration: pass --config DIR")]
                )
            cutoffs = cutoff if cutoff is not None else rule_cutoffs(store, setup.rules, at, grace)
            got = readings.read(setup, at)
            result = deliver_round(store, setup, got, at, since=cutoffs)
            _report(result, fmt)
            if once:
                if result.failed:
                    raise typer.Exit(DeliveryError.exit_code)
                return
            wake = [w for w in (result.wake_at, readings.next_refresh(at)) if w is not None]
            wait = min(poll, max(1.0, min(wake) - at)) if wake else poll
            time.sleep(wait)
    finally:
        store.close()


def _report(result: RoundResult, fmt: str) -> None:
    if fmt == "json":
        body = {
            "claimed": [e.alert.key for e in result.claimed],
            "attempts": [
                {"id": a.alert_id, "key": a.key, "channel": a.channel, "number": a.number,
                 "ok": a.ok, "error": a.error}
                for a in result.attempts
            ],
            "next_wakeup": iso(result.wake_at),
        }  # fmt: skip
        out.print_json(json.dumps(body))
        return
    for a in result.attempts:
        mark = "[green]sent[/green]" if a.ok else f"[red]failed[/red]: {a.error}"
        out.print(f"#{a.alert_id} {a.key} -> {a.channel} (attempt {a.number}): {mark}")
    err.print(
        f"{len(result.claimed)} new alert(s), {len(result.attempts)} attempt(s), "
        f"{result.failed} failed; next due: {iso(result.wake_at) or 'nothing foreseen'}"
    )


@app.command("log")
@handle_errors
def log(
    database_url: DatabaseUrl = None,
    state: Annotated[
        str | None, typer.Option(metavar="STATE", help=f"One of {', '.join(ALERT_STATES)}")
    ] = None,
    rule: Annotated[str | None, typer.Option(metavar="NAME", help="Only this rule")] = None,
    metric: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only alerts about this metric's clocks")
    ] = None,
    customer: Annotated[str | None, typer.Option(metavar="NAME", help="Only this customer")] = None,
    limit: Annotated[int, typer.Option(min=1, metavar="N", help="How many, newest first")] = 50,
    now: Now = None,
    fmt: Format = "text",
) -> None:
    """Print the delivery log, newest first: state, rule, subject, threshold and attempts."""
    from accord.service.routers.alerts import alert_json

    if state is not None and state not in ALERT_STATES:
        raise typer.BadParameter(f"one of {', '.join(ALERT_STATES)}", param_hint="--state")
    at = as_of_or_now(now)
    store = open_store(database_url)
    try:
        entries = store.list_alerts(
            AlertQuery(
                now=at, state=state, rule=rule, metric=metric, customer=customer, limit=limit
            )
        )
    finally:
        store.close()
    if fmt == "json":
        out.print_json(json.dumps({"items": [alert_json(e, at) for e in entries]}))
        return
    table = Table("id", "state", "rule", "subject", "threshold", "at", "attempts", "last error")
    for e in entries:
        last = e.attempts[-1] if e.attempts else None
        table.add_row(
            str(e.id),
            e.state_at(at),
            e.alert.rule,
            e.alert.subject,
            e.alert.threshold,
            iso(e.alert.at) or "",
            str(len(e.attempts)),
            (last.error or "") if last is not None else "",
        )
    out.print(table)
