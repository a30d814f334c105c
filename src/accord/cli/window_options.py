"""The options that choose a review's clocks by when they started (``accord review whatif``
and ``accord review drivers``): ``--period`` or ``--from``/``--to``, in ``--tz``."""

from __future__ import annotations

from typing import Annotated

import typer

Period = Annotated[
    str | None,
    typer.Option(metavar="PERIOD", help="Clocks started in 2026-11, 2026-Q3 or 2026"),
]
Start = Annotated[
    str | None,
    typer.Option("--from", metavar="DATE", help="Clocks started from this date or instant"),
]
End = Annotated[
    str | None,
    typer.Option("--to", metavar="DATE", help="... up to this date (included) or instant"),
]
Zone = Annotated[str, typer.Option(metavar="ZONE", help="Time zone of the period and dates")]
