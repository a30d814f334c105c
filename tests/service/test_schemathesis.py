"""Property-based: requests generated from the app's own OpenAPI schema (valid and invalid)
never make it answer 500. In-process (ASGI), with an admin token, over a store that holds a
few tickets so that the reads have something to do."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.service.conftest import T0, created, make_api, reply

_api = make_api(Path(tempfile.mkdtemp(prefix="accord-schemathesis-")))
_api.send(
    created("e1", "T1", 0, status="new", priority="high", customer="acme"),
    reply("e2", "T1", 30),
    created("e3", "T2", 10, status="new", priority="low", customer="globex"),
)
_api.clock.now = T0 + 3600
_api.drain()

schema = schemathesis.openapi.from_asgi("/openapi.json", _api.app)


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx: object, value: object) -> bytes:
    # the schema says "a string": send it as the stream's text, whatever it holds
    return str(value).encode("utf-8", "surrogatepass")


@schema.parametrize()
# derandomize: the same requests on every run, so a 500 found here is reproducible (and CI
# does not turn red by chance); raise max_examples locally to explore further
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_500(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers=_api.auth("admin"), checks=[not_a_server_error])
