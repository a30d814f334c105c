"""Bearer tokens with scopes and optional customer isolation.

A token reads ``acc_<id>_<secret>``: the id (12 hex digits) finds the stored row, and the
store keeps only the SHA-256 of the whole token, compared in constant time. It is shown once,
when created. Scopes nest: ``read`` (every GET), ``write`` (ingest, and read), ``admin``
(configuration, recompute, tokens, and the rest). A token may be bound to one customer, and
then only with ``read``: it sees that customer's tickets and summaries only, and every other
ticket answers 404 as if it did not exist.

A token verified by this process is remembered for :data:`VERIFIED_FOR` seconds (by its hash),
so a burst of requests costs one look-up in the store. Revoking through this service forgets
it at once; a revocation made by another process (``accord token revoke``) takes effect here
within those seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.core.timeutil import Instant
from accord.errors import AuthError, InputError, PermissionDeniedError
from accord.io.store import Scope, Store, TokenRecord

TOKEN_PREFIX = "acc"
# The dashboard's sign-in keeps the token in this HttpOnly, SameSite=Strict cookie. Only safe
# methods accept it: a write needs the bearer header, which a cross-site page cannot send.
COOKIE_NAME = "accord_token"
_COOKIE_METHODS = frozenset({"GET", "HEAD"})
# POSTs that only compute (they store nothing), so the dashboard's forms may send the cookie
_COOKIE_POSTS = frozenset({"/api/v1/review/capacity"})
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


VERIFIED_FOR = 5.0  # seconds


class VerifiedTokens:
    """Principals of tokens verified in the last ``ttl`` seconds, by the token's hash.

    Only successes are kept, so a token created a moment ago works at once. ``clock`` is a
    monotonic clock (an argument, for tests)."""

    def __init__(
        self, ttl: float = VERIFIED_FOR, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[Principal, float]] = {}

    def get(self, digest: str) -> Principal | None:
        with self._lock:
            got = self._known.get(digest)
            if got is None:
                return None
            if got[1] <= self._clock():
                del self._known[digest]
                return None
            return got[0]

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._known) >= 10_000:  # a bound, not a cache policy: start afresh
                self._known.clear()
            self._known[digest] = (principal, self._clock() + self._ttl)

    def forget(self, token_id: str) -> None:
        """Forget every remembered token with this id (it was just revoked)."""
        with self._lock:
            for digest in [d for d, (p, _) in self._known.items() if p.token_id == token_id]:
                del self._known[digest]


def authenticate(
    store: Store, token: str | None, verified: VerifiedTokens | None = None
) -> Principal:
    """The principal of a bearer token; :class:`AuthError` (401) when it is missing, malformed,
    unknown or revoked (one message for all, so a caller learns nothing from it)."""
    if not token:
        raise AuthError("this endpoint needs 'Authorization: Bearer <token>'")
    token = token.strip()
    digest = hash_token(token)
    if verified is not None and (known := verified.get(digest)) is not None:
        return known
    m = _TOKEN_RE.match(token)
    record = store.get_token(m.group(1)) if m else None
    if (
        record is None
        or record.revoked_at is not None
        or not hmac.compare_digest(record.secret_hash, digest)
    ):
        raise AuthError("the token is not valid (unknown, revoked or mistyped)")
    principal = Principal(record.id, record.scope, record.customer)
    if verified is not None:
        verified.put(digest, principal)
    return principal


_bearer = HTTPBearer(auto_error=False, description="A token from `accord token create`.")


def require(scope: Scope, *, all_customers: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller's principal, which must have at least ``scope``.

    ``all_customers``: the endpoint shows data across customers (configuration, metrics, jobs),
    so a customer-scoped token is refused (403).
    """

    async def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> Principal:
        runtime = request.app.state.runtime
        token = credentials.credentials if credentials else None
        if token is None and (
            request.method in _COOKIE_METHODS
            or (request.method == "POST" and request.url.path in _COOKIE_POSTS)
        ):
            token = request.cookies.get(COOKIE_NAME)
        # a token verified a moment ago is answered here, on the event loop: a sync dependency
        # costs every request a hand-off to a worker thread; only the store's look-up needs one
        known = runtime.verified_tokens.get(hash_token(token.strip())) if token else None
        principal = (
            known
            if known is not None
            else await run_in_threadpool(
                authenticate, runtime.store, token, runtime.verified_tokens
            )
        )
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
