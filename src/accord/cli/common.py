"""What every command shares: the consoles, error handling, the as-of instant."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from accord.core.timeutil import Instant, parse_as_of, to_instant
from accord.errors import AccordError, ConfigError, InputError
from accord.io.quarantine import QuarantineRecord

# Piped output gets 120 columns rather than Rich's 80 so the tables stay readable in logs.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn an :class:`AccordError` into a message on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ConfigError as e:
            for issue in e.issues:
                err.print(issue.render(), markup=False, highlight=False)
            err.print(f"[red]error:[/red] {e.message}")
            raise typer.Exit(e.exit_code) from None
        except AccordError as e:
            err.print(f"[red]error:[/red] {e.message}", highlight=False)
            raise typer.Exit(e.exit_code) from None
        except OSError as e:
            # a missing or unreadable file is bad input, not a crash
            where = f"{e.filename}: " if e.filename else ""
            err.print(f"[red]error:[/red] {where}{e.strerror or e}", highlight=False)
            raise typer.Exit(InputError.exit_code) from None

    return wrapper


def as_of_or_now(value: str | None) -> Instant:
    """The ``--as-of`` instant, or now: the CLI is the edge where the system clock is read."""
    if value:
        try:
            return parse_as_of(value)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--as-of") from None
    return to_instant(datetime.now(UTC))


def warn_rejected(quarantined: Sequence[QuarantineRecord]) -> None:
    """Say on stderr that rows were rejected (for commands that keep no quarantine file)."""
    if quarantined:
        first = quarantined[0]
        err.print(
            f"[yellow]{len(quarantined)} row(s) rejected[/yellow] (first: {first.source}:"
            f"{first.row}: {first.reason}); `accord sla` keeps them in a quarantine file",
            highlight=False,
        )
