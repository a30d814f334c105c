"""What every command shares: the consoles, error handling, the as-of instant."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from accord.core.timeutil import Instant, parse_as_of, to_instant
from accord.errors import AccordError, ConfigError, InputError, NotFoundError
from accord.io.compression import damage_reason

# Piped output gets 120 columns rather than Rich's 80 so the tables stay readable in logs.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True)

JOBS_HELP = (
    "Local processes for the batch engine (default: chosen from the input size: 1 below "
    "10M events, then one per 5M events, at most the cores)"
)

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
        except FileNotFoundError as e:
            err.print(f"[red]error:[/red] '{e.filename}' does not exist", highlight=False)
            raise typer.Exit(NotFoundError.exit_code) from None
        except Exception as e:
            # an unreadable or damaged file is bad input, not a crash (and an EOFError must
            # not reach Click, which would print a bare "Aborted.")
            reason = damage_reason(e, "compressed")
            if reason is None and not isinstance(e, OSError):
                raise
            where = f"{e.filename}: " if isinstance(e, OSError) and e.filename else ""
            shown = reason or (e.strerror if isinstance(e, OSError) else None) or str(e)
            err.print(f"[red]error:[/red] {where}{shown}", highlight=False)
            raise typer.Exit(InputError.exit_code) from None

    return wrapper


def must_exist(path: Path, what: str) -> None:
    """Refuse a path that does not exist before any work: not found (exit 5)."""
    if not path.exists():
        raise NotFoundError(f"{what} '{path}' does not exist")


def as_of_or_now(value: str | None) -> Instant:
    """The ``--as-of`` instant, or now: the CLI is the edge where the system clock is read."""
    if value:
        try:
            return parse_as_of(value)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--as-of") from None
    return to_instant(datetime.now(UTC))


def jobs_for(jobs: int | None, events: int) -> int:
    """``--jobs`` as given, or chosen from the number of events and the cores this process
    may run on (:func:`accord.core.engine.batch.auto_jobs`)."""
    if jobs is not None:
        return jobs
    from accord.core.engine.batch.parallel import auto_jobs

    return auto_jobs(events, usable_cores())


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1
