"""``accord token create|list|revoke``: the API's bearer tokens, straight in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import err, handle_errors, out
from accord.cli.help import App
from accord.core.timeutil import iso, to_instant
from accord.errors import NotFoundError
from accord.io.store import Scope, SqlStore, open_store

app = App(help="Create, list and revoke API tokens.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Default: $ACCORD_DATABASE_URL, else sqlite:///accord.db",
    ),
]


def _now() -> int:
    return to_instant(datetime.now(UTC))


def _open(url: str | None) -> SqlStore:
    return open_store(url)


@app.command("create")
@handle_errors
def create(
    scope: Annotated[
        Scope, typer.Option(metavar="SCOPE", help="read (GETs), write (ingest + read), admin (all)")
    ],
    customer: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Bind a read token to this customer's tickets only"),
    ] = None,
    name: Annotated[
        str, typer.Option(metavar="LABEL", help="A label to recognise the token by")
    ] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a token and print it once (only its SHA-256 is stored)."""
    from accord.service.auth import create_token

    store = _open(database_url)
    try:
        token, record = create_token(store, scope=scope, customer=customer, name=name, now=_now())
    finally:
        store.close()
    err.print(
        f"token {record.id} ({record.scope.value}"
        + (f", customer {record.customer}" if record.customer else "")
        + "): shown only now, keep it safe"
    )
    typer.echo(token)


@app.command("list")
@handle_errors
def list_(database_url: DatabaseUrl = None) -> None:
    """List tokens (ids, scopes, customers; never the secrets)."""
    store = _open(database_url)
    try:
        tokens = store.list_tokens()
    finally:
        store.close()
    table = Table(title="Tokens", title_justify="left")
    for col in ("id", "scope", "customer", "name", "created", "revoked"):
        table.add_column(col)
    for t in tokens:
        table.add_row(
            t.id,
            t.scope.value,
            t.customer or "-",
            t.name or "-",
            iso(t.created_at) or "-",
            iso(t.revoked_at) or "-",
        )
    out.print(table)


@app.command("revoke")
@handle_errors
def revoke(
    token_id: Annotated[
        str, typer.Argument(metavar="TOKEN_ID", help="The token's id (see `accord token list`)")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token: it stops working at once."""
    store = _open(database_url)
    try:
        found = store.revoke_token(token_id, at=_now())
    finally:
        store.close()
    if not found:
        raise NotFoundError(f"no token '{token_id}'")
    err.print(f"token {token_id} revoked")
