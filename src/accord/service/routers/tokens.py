"""Token administration over the API (the CLI ``accord token`` does the same)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from accord.core.timeutil import iso
from accord.errors import NotFoundError
from accord.io.store import Scope, TokenRecord
from accord.service.auth import Principal, create_token, require
from accord.service.plumbing import (
    AUTH_ERRORS,
    NOT_FOUND,
    READ_ERRORS,
    TOO_LARGE,
    UNSUPPORTED,
    json_body,
)

router = APIRouter(prefix="/api/v1", tags=["tokens"])


# No control characters (NUL among them: no database keeps it) and something besides spaces;
# JSON Schema and pydantic read this pattern alike
_TEXT = "[^\\x00-\\x1f\\x7f]"
_NAME_PATTERN = f"^{_TEXT}*$"
_CUSTOMER_PATTERN = f"^{_TEXT}*[^\\x00-\\x20\\x7f]{_TEXT}*$"
MAX_NAME = 200
MAX_CUSTOMER = 1000


class NewToken(BaseModel):
    scope: Scope
    customer: str | None = Field(
        None,
        description="Bind a read token to one customer",
        min_length=1,
        max_length=MAX_CUSTOMER,
        pattern=_CUSTOMER_PATTERN,
    )
    name: str = Field("", max_length=MAX_NAME, pattern=_NAME_PATTERN)

    @model_validator(mode="after")
    def _read_only_for_a_customer(self) -> NewToken:
        if self.customer is not None and self.scope is not Scope.READ:
            raise ValueError("a customer-scoped token can only read: give scope 'read'")
        return self


def _new_token_schema() -> dict[str, Any]:
    """The body's schema, saying what the validator does: a customer only with scope read."""
    schema = NewToken.model_json_schema()
    # the scope's enum in place: a "#/$defs/..." reference inside an operation's body would be
    # read against the OpenAPI document's root, where no "$defs" is
    schema["properties"]["scope"] = schema.pop("$defs")["Scope"]
    schema["anyOf"] = [
        {"properties": {"scope": {"const": Scope.READ.value}}},
        {"not": {"required": ["customer"]}},
        {"properties": {"customer": {"type": "null"}}},
    ]
    return schema


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
    responses={**READ_ERRORS, **TOO_LARGE, **UNSUPPORTED},
    response_class=JSONResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _new_token_schema()}},
        }
    },
)
async def post_token(
    request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> JSONResponse:
    body = await json_body(request, NewToken)
    return await run_in_threadpool(_create, request, body)


def _create(request: Request, body: NewToken) -> JSONResponse:
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
