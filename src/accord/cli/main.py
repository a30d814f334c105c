"""``accord``: check, compute, demo. Each command is a few lines over the library."""

from __future__ import annotations

import typer

from accord import __version__
from accord.cli import alerts as alerts_cmd
from accord.cli import check as check_cmd
from accord.cli import demo as demo_cmd
from accord.cli import importer, kpi, serve, statement, token
from accord.cli import review as review_cmd
from accord.cli import sla as sla_cmd
from accord.cli.help import App

app = App(
    name="accord",
    help="Exact SLA clocks, KPI scoreboards and contract compliance from ticket events.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("check")(check_cmd.check)
app.command("sla")(sla_cmd.sla)
app.command("import")(importer.import_)
app.command("kpi")(kpi.kpi)
app.command("statement")(statement.statement)
app.add_typer(demo_cmd.app, name="demo")
app.command("serve")(serve.serve)
app.add_typer(token.app, name="token")
app.add_typer(alerts_cmd.app, name="alerts")
app.add_typer(review_cmd.app, name="review")


@app.command()
def version() -> None:
    """Print Accord's version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
