"""The OpenAPI schema, made to say what the service does where FastAPI's defaults do not.

- Query parameters: every one is optional and an empty value means "absent" (see
  :mod:`accord.service.protocol`), so each says ``allowEmptyValue: true``; the ``null`` that
  FastAPI adds for an ``Optional`` parameter is dropped (a query string cannot send a null).
- Text parameters say they hold no NUL character (:mod:`accord.service.protocol` refuses it).
- Every error answer has the one error shape (FastAPI documents its own 422 shape, which the
  service never sends).
- The canonical event is ``components/schemas/Event``: ingest reads any JSON and judges each
  item against it in its answer, so the request body's own schema cannot require it.
- Every operation may answer 503 ``store_unavailable``: each one reads the store, if only to
  check the caller's token; and 400 to a NUL in its path or query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from accord.service.events_schema import EVENT_SCHEMA
from accord.service.plumbing import UNAVAILABLE, error_doc

_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


# no stored text holds a NUL, and the service refuses one in a path or query (400)
NO_NUL = "^[^\\x00]*$"


def _no_nul(schema: dict[str, Any]) -> None:
    """Text with no pattern, enum or format of its own gets :data:`NO_NUL`."""
    if schema.get("type") == "string" and not {"pattern", "enum", "format", "anyOf"} & set(schema):
        schema["pattern"] = NO_NUL
    if isinstance(schema.get("items"), dict):
        _no_nul(schema["items"])


def _query_parameter(parameter: dict[str, Any]) -> None:
    schema: dict[str, Any] = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            schema = {**kept[0], **rest}
        else:
            schema = {**schema, "anyOf": kept}
    _no_nul(schema)
    parameter["schema"] = schema
    if not parameter.get("required"):
        parameter["allowEmptyValue"] = True


def _operation(op: dict[str, Any]) -> None:
    for parameter in op.get("parameters", []):
        if parameter.get("in") == "query":
            _query_parameter(parameter)
        elif parameter.get("in") == "path":
            _no_nul(parameter.get("schema", {}))
    responses: dict[str, Any] = op.setdefault("responses", {})
    for status, answer in list(responses.items()):
        if status.isdigit() and int(status) >= 400:
            description = answer.get("description", "An error")
            responses[status] = error_doc(description)
    for code, doc in UNAVAILABLE.items():
        responses.setdefault(str(code), doc)
    responses.setdefault("400", error_doc("A NUL character in the path or a query parameter"))


def tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Apply the module's rules to a schema FastAPI generated (in place; returned)."""
    for path_item in schema.get("paths", {}).values():
        for method, op in path_item.items():
            if method in _METHODS:
                _operation(op)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)  # documented by FastAPI's 422, which the service never sends
    components["Event"] = EVENT_SCHEMA  # what each item of POST /api/v1/events should be
    return schema


def install(app: FastAPI) -> None:
    """Serve the tidied schema at ``/openapi.json`` (built once, on first request)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = tidy(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
