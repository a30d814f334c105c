"""``PUT /api/v1/config`` (upload a new version) and ``GET /api/v1/config`` (the current one
and every version).

An upload is either JSON ``{"files": {"policies.yaml": "...", ...}, "effective_from": "..."}``
or ``multipart/form-data`` with one file part per YAML file (and an optional
``effective_from`` field). It is checked like ``accord check``: every problem, with file and
line, comes back in one 422 and nothing is stored. ``effective_from`` (ISO instant or date,
default now) is when the version takes effect.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.requests import Request as StarletteRequest

from accord.core.timeutil import iso
from accord.errors import ConfigError, ConfigIssue, InputError, UnsupportedFormatError
from accord.io import safejson
from accord.io.store import ConfigVersion, Scope
from accord.service.auth import Principal, require
from accord.service.configuration import FILE_NAME_PATTERN, MAX_FILES
from accord.service.ingest import media_type
from accord.service.params import INSTANT_OR_DATE_SCHEMA, instant_or_date
from accord.service.plumbing import (
    READ_ERRORS,
    TOO_LARGE,
    UNSUPPORTED,
    error_doc,
    read_body,
    replay,
)

router = APIRouter(prefix="/api/v1", tags=["configuration"])

MAX_CONFIG_BYTES = 4 * 1024 * 1024

_EFFECTIVE_FROM: dict[str, Any] = {
    **INSTANT_OR_DATE_SCHEMA,
    "description": "A date (00:00 UTC) or an instant with an offset; default now",
}

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "propertyNames": {"pattern": FILE_NAME_PATTERN},
            "maxProperties": MAX_FILES,
            "description": "File name (ending in .yaml or .yml) -> YAML text",
        },
        "effective_from": _EFFECTIVE_FROM,
    },
}


def version_json(v: ConfigVersion, *, with_text: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": v.version,
        "effective_from": iso(v.effective_from),
        "uploaded_at": iso(v.uploaded_at),
        "files": dict(v.files) if with_text else sorted(v.files),
    }
    return out


async def _parse_upload(request: Request, body: bytes) -> tuple[dict[str, str], str | None]:
    kind = media_type(request.headers.get("content-type"))
    if kind == "multipart/form-data":
        replayed = StarletteRequest(request.scope, receive=replay(body))
        form = await replayed.form()
        files: dict[str, str] = {}
        effective: str | None = None
        unreadable: list[ConfigIssue] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                file = value.filename or name
                try:
                    files[file] = data.decode("utf-8")
                except UnicodeDecodeError as e:
                    where = f"byte {e.start + 1} is not UTF-8"
                    hint = "save the file as UTF-8 text"
                    unreadable.append(ConfigIssue(file, None, f"not UTF-8 text ({where})", hint))
            elif name == "effective_from":
                effective = value
        if unreadable:
            # like any other problem of a file: 422 config_invalid, with every such file
            raise ConfigError(unreadable)
        return files, effective
    if kind != "application/json":
        raise UnsupportedFormatError(
            f"send the configuration as application/json or multipart/form-data, not '{kind}'"
        )
    # a file's text is one JSON string: it may take the whole upload
    limits = safejson.LIMITS.but(max_bytes=MAX_CONFIG_BYTES, max_string_chars=MAX_CONFIG_BYTES)
    payload = safejson.loads(body, limits=limits)
    if not isinstance(payload, dict) or not isinstance(payload.get("files"), dict):
        raise InputError('expected {"files": {"name.yaml": "text", ...}}')
    files = payload["files"]
    if not all(isinstance(v, str) for v in files.values()):
        raise InputError("each file's content must be text (the YAML)")
    effective = payload.get("effective_from")
    if effective is not None and not isinstance(effective, str):
        raise InputError("effective_from must be an ISO instant or date, as text")
    return {str(k): v for k, v in files.items()}, effective


@router.put(
    "/config",
    status_code=201,
    summary="Upload a configuration version (validated: every problem with file and line)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": UPLOAD_SCHEMA},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                            "effective_from": _EFFECTIVE_FROM,
                        },
                    }
                },
            },
        }
    },
    responses={
        **READ_ERRORS,
        **TOO_LARGE,
        **UNSUPPORTED,
        422: error_doc("The configuration has problems: details lists each with file and line"),
    },
    response_class=JSONResponse,
)
async def put_config(
    request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> JSONResponse:
    runtime = request.app.state.runtime
    body = await read_body(request, MAX_CONFIG_BYTES)
    files, effective = await _parse_upload(request, body)
    now = runtime.clock()
    effective_from = now
    if effective is not None:
        effective_from = instant_or_date(effective, "effective_from")
    version, config = await run_in_threadpool(
        runtime.configs.add, files, effective_from=effective_from, uploaded_at=now
    )
    out = version_json(version, with_text=False)
    out["warnings"] = [i.to_dict() for i in config.issues]
    out["hint"] = "POST /api/v1/recompute to recompute stored tickets under this version"
    return JSONResponse(out, status_code=201)


@router.get(
    "/config",
    summary="The configuration in force (with its files) and every version",
    responses=READ_ERRORS,
)
def get_config(
    request: Request,
    _principal: Principal = Depends(require(Scope.READ, all_customers=True)),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    current = runtime.configs.current(runtime.clock())
    return {
        "current": version_json(current[0], with_text=True) if current else None,
        "versions": [version_json(v, with_text=False) for v in runtime.configs.versions()],
    }
