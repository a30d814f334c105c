"""Configuration versions and API tokens."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.timeutil import Instant
from accord.io.store import schema as t
from accord.io.store.base import (
    ConfigVersion,
    TokenRecord,
)
from accord.io.store.sql.connection import (
    SqlBase,
    _guard,
)
from accord.io.store.sql.rows import (
    _token_from_row,
)


class AdminPart(SqlBase):
    @_guard
    def add_config_version(
        self, files: Mapping[str, str], *, effective_from: Instant, uploaded_at: Instant
    ) -> ConfigVersion:
        def work(conn: Connection) -> ConfigVersion:
            top = conn.execute(sa.select(sa.func.max(t.config_versions.c.version))).scalar()
            version = ConfigVersion(int(top or 0) + 1, dict(files), effective_from, uploaded_at)
            conn.execute(
                t.config_versions.insert(),
                {
                    "version": version.version,
                    "files": dict(files),
                    "effective_from": effective_from,
                    "uploaded_at": uploaded_at,
                },
            )
            return version

        return self._retrying(work)

    @_guard
    def config_versions(self) -> list[ConfigVersion]:
        q = sa.select(t.config_versions).order_by(t.config_versions.c.version)
        with self._read.connect() as conn:
            return [
                ConfigVersion(row.version, dict(row.files), row.effective_from, row.uploaded_at)
                for row in conn.execute(q)
            ]

    # ---------------------------------------------------------------- tokens

    @_guard
    def add_token(self, token: TokenRecord) -> None:
        with self._writing() as conn:
            conn.execute(
                t.tokens.insert(),
                {
                    "id": token.id,
                    "secret_hash": token.secret_hash,
                    "scope": token.scope.value,
                    "customer": token.customer,
                    "name": token.name,
                    "created_at": token.created_at,
                    "revoked_at": token.revoked_at,
                },
            )

    @_guard
    def get_token(self, token_id: str) -> TokenRecord | None:
        with self._read.connect() as conn:
            row = conn.execute(sa.select(t.tokens).where(t.tokens.c.id == token_id)).first()
        return None if row is None else _token_from_row(row)

    @_guard
    def list_tokens(self) -> list[TokenRecord]:
        q = sa.select(t.tokens).order_by(t.tokens.c.created_at, t.tokens.c.id)
        with self._read.connect() as conn:
            return [_token_from_row(row) for row in conn.execute(q)]

    @_guard
    def revoke_token(self, token_id: str, *, at: Instant) -> bool:
        stmt = (
            t.tokens.update()
            .where(t.tokens.c.id == token_id)
            .values(revoked_at=sa.func.coalesce(t.tokens.c.revoked_at, at))
        )
        with self._writing() as conn:
            return bool(conn.execute(stmt).rowcount)
