"""``accord serve``: run the service (uvicorn) over the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import err, handle_errors, must_exist


@handle_errors
def serve(
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="sqlite:///file.db or postgresql+psycopg://… (default: $ACCORD_DATABASE_URL, "
            "else sqlite:///accord.db)",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="DIR",
            help="Configuration directory to load as a new version when it differs from the "
            "stored one",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(metavar="LEVEL", help="uvicorn log level")] = "info",
) -> None:
    """Serve the REST API, the webhooks and /metrics (settings also from ACCORD_* variables)."""
    from accord.cli.serving import check_port_free, run_server
    from accord.io.store import database_url as resolve_url
    from accord.service.app import create_app
    from accord.service.settings import Settings

    if config is not None:
        must_exist(config, "the configuration")
    check_port_free(host, port)
    settings = Settings.from_env(database_url=resolve_url(database_url), config_dir=config)
    app = create_app(settings)

    def ready() -> None:
        # printed once the server accepts connections: a script may wait for this line
        err.print(f"Accord on http://{host}:{port}  (docs: /docs, store: {_safe(settings)})")

    run_server(app, host, port, log_level, ready)
    err.print("Accord stopped.")


def _safe(settings: object) -> str:
    from sqlalchemy import make_url

    url = str(getattr(settings, "database_url", ""))
    return make_url(url).render_as_string(hide_password=True)
