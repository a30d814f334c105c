"""``accord``: check, compute, demo. Each command is a few lines over the library.

The sub-commands are imported only when run (:mod:`accord.cli.lazy`): ``accord --help`` and
``accord version`` load neither the engine nor the server stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import typer

from accord import __version__
from accord.cli.help import App
from accord.cli.lazy import Entry, LazyGroup


class AccordGroup(LazyGroup):
    """The top-level command: every sub-command by where it lives and its one-line summary."""

    entries: ClassVar[Mapping[str, Entry]] = {
        "check": Entry(
            "accord.cli.check",
            "check",
            "Validate a configuration: print every problem with file:line and a hint.",
        ),
        "sla": Entry(
            "accord.cli.sla",
            "sla",
            "Compute one record per ticket × metric × cycle and print or write them (the "
            "internal agreements' records too, metric ola:<name>).",
        ),
        "import": Entry(
            "accord.cli.importer",
            "import_",
            "Import a helpdesk export as canonical events, streaming, with every row "
            "accounted for.",
        ),
        "kpi": Entry(
            "accord.cli.kpi",
            "kpi",
            "Evaluate KPIs over the last periods: value, target, band, change and forecast.",
        ),
        "statement": Entry(
            "accord.cli.statement",
            "statement",
            "A customer's statement for one contract period: objectives, breaches, budget, "
            "credits.",
        ),
        "demo": Entry("accord.cli.demo", "app", "Generate and run the demo helpdesk."),
        "serve": Entry(
            "accord.cli.serve",
            "serve",
            "Serve the REST API, the webhooks and /metrics (settings also from ACCORD_* "
            "variables).",
        ),
        "token": Entry("accord.cli.token", "app", "Create, list and revoke API tokens."),
        "alerts": Entry(
            "accord.cli.alerts",
            "app",
            "Alert rules: check them, deliver what is due, read the delivery log.",
        ),
        "review": Entry(
            "accord.cli.review",
            "app",
            "Review targets: replay history under a candidate configuration, recommend targets.",
        ),
    }


app = App(
    name="accord",
    help="Exact SLA clocks, KPI scoreboards and contract compliance from ticket events.",
    no_args_is_help=True,
    add_completion=False,
    cls=AccordGroup,
)


@app.callback()
def _main() -> None:
    # a callback makes Typer build a group, whose sub-commands AccordGroup adds lazily
    pass


@app.command()
def version() -> None:
    """Print Accord's version."""
    typer.echo(__version__)


#: Whether the process ends when the command returns (set by :func:`main`, not when the app
#: is run in-process, as by tests): what a command would only give back to the system for
#: later use, such as free heap memory, it may then leave to the process's end.
process_ends = False


def main() -> None:
    """The ``accord`` console script: run the command, then end the process at once.

    Tearing the interpreter down (every module's objects freed one by one, the compiled
    kernels' LLVM objects disposed of) costs ``accord sla`` about a fifth of a second of CPU
    after its output is written and closed. What must happen at exit still does: the
    ``atexit`` handlers run (logging, temporary directories, worker pools) and the standard
    streams are flushed. When a thread the command started is still running, the process
    ends the usual way, which waits for it."""
    global process_ends
    process_ends = True
    try:
        app()
        code: int | str | None = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int | str) else (0 if e.code is None else 1)
    finish(code)


def finish(code: int | str | None) -> None:
    """End the process with ``code`` as :class:`SystemExit` would, without the teardown."""
    import atexit
    import os
    import sys
    import threading

    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        sys.exit(code)
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # the reader went away: Python's own exit gives 120
            code = code or 120
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
