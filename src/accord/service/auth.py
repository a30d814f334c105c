"""Bearer tokens with scopes and optional customer isolation.

A token reads ``acc_<id>_<secret>``: the id (12 hex digits) finds the stored row, and the
store keeps only the SHA-256 of the whole token, compared in constant time. It is shown once,
when created. Scopes nest: ``read`` (every GET), ``write`` (ingest, and read), ``admin``
(configuration, recompute, tokens, and the rest). A token may be bound to one customer, and
then only with ``read``: it sees that customer's tickets and summaries only, and every other
ticket answers 404 as if it did not exist.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.core.timeutil import Instant
from accord.errors import AuthError, InputError, PermissionDeniedError
from accord.io.store import Scope, Store, TokenRecord

TOKEN_PREFIX = "acc"
# The dashboard's sign-in keeps the token in this HttpOnly, SameSite=Strict cookie. Only safe
# methods accept it: a write needs the bearer header, which a cross-site page cannot send.
COOKIE_NAME = "accord_token"
_COOKIE_METHODS = frozenset({"GET", "HEAD"})
_TOKEN_RE = re.compile(r"^acc_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's id, scope and customer (``None``: every customer)."""

    token_id: str
    scope: Scope
    customer: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    store: Store, *, scope: Scope, customer: str | None, name: str, now: Instant
) -> tuple[str, TokenRecord]:
    """Make and store a new token; return it (the only time it is seen) and its record."""
    if customer is not None and scope is not Scope.READ:
        raise InputError(
            f"a customer-scoped token can only read; use --scope read with --customer "
            f"(got --scope {scope.value})"
        )
    if customer is not None and not customer.strip():
        raise InputError("the customer of a token cannot be empty")
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    record = TokenRecord(
        id=token_id,
        secret_hash=hash_token(token),
        scope=scope,
        customer=customer,
        name=name,
        created_at=now,
    )
    store.add_token(record)
    return token, record


def authenticate(store: Store, token: str | None) -> Principal:
    """The principal of a bearer token; :class:`AuthError` (401) when it is missing, malformed,
    unknown or revoked (one message for all, so a caller learns nothing from it)."""
    if not token:
        raise AuthError("this endpoint needs 'Authorization: Bearer <token>'")
    m = _TOKEN_RE.match(token.strip())
    record = store.get_token(m.group(1)) if m else None
    if (
        record is None
        or record.revoked_at is not None
        or not hmac.compare_digest(record.secret_hash, hash_token(token.strip()))
    ):
        raise AuthError("the token is not valid (unknown, revoked or mistyped)")
    return Principal(record.id, record.scope, record.customer)


_bearer = HTTPBearer(auto_error=False, description="A token from `accord token create`.")


def require(scope: Scope, *, all_customers: bool = False) -> Callable[..., Principal]:
    """A FastAPI dependency: the caller's principal, which must have at least ``scope``.

    ``all_customers``: the endpoint shows data across customers (configuration, metrics, jobs),
    so a customer-scoped token is refused (403).
    """

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> Principal:
        store: Store = request.app.state.runtime.store
        token = credentials.credentials if credentials else None
        if token is None and request.method in _COOKIE_METHODS:
            token = request.cookies.get(COOKIE_NAME)
        principal = authenticate(store, token)
        if not principal.scope.allows(scope):
            raise PermissionDeniedError(
                f"this needs a token with scope '{scope.value}'; this one has "
                f"'{principal.scope.value}'"
            )
        if all_customers and principal.customer is not None:
            raise PermissionDeniedError(
                "this shows data across customers; a customer-scoped token cannot read it"
            )
        return principal

    return dependency
