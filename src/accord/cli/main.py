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


if __name__ == "__main__":  # pragma: no cover
    app()
