"""Token administration over the API (the CLI ``accord token`` does the same)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from accord.core.timeutil import iso
from accord.errors import NotFoundError
from accord.io.store import Scope, TokenRecord
from accord.service.auth import Principal, create_token, require
from accord.service.plumbing import AUTH_ERRORS, NOT_FOUND, READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["tokens"])


class NewToken(BaseModel):
    scope: Scope
    customer: str | None = Field(None, description="Bind a read token to one customer")
    name: str = Field("", max_length=200)


def token_json(t: TokenRecord) -> dict[str, Any]:
    return {
        "id": t.id,
        "scope": t.scope.value,
        "customer": t.customer,
        "name": t.name,
        "created_at": iso(t.created_at),
        "revoked_at": iso(t.revoked_at),
    }


@router.get("/tokens", summary="Every token (never the secrets)", responses=AUTH_ERRORS)
def list_tokens(
    request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> dict[str, Any]:
    tokens = request.app.state.runtime.store.list_tokens()
    return {"items": [token_json(t) for t in tokens]}


@router.post(
    "/tokens",
    status_code=201,
    summary="Create a token; the answer is the only time it is shown",
    responses=READ_ERRORS,
    response_class=JSONResponse,
)
def post_token(
    body: NewToken, request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> JSONResponse:
    runtime = request.app.state.runtime
    token, record = create_token(
        runtime.store,
        scope=body.scope,
        customer=body.customer,
        name=body.name,
        now=runtime.clock(),
    )
    return JSONResponse({**token_json(record), "token": token}, status_code=201)


@router.delete(
    "/tokens/{token_id}",
    summary="Revoke a token",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
def revoke_token(
    token_id: str, request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    if not runtime.store.revoke_token(token_id, at=runtime.clock()):
        raise NotFoundError(f"no token '{token_id}'")
    runtime.verified_tokens.forget(token_id)
    return {"id": token_id, "revoked": True}
