"""Page cursors: where the next page starts, as text a client hands back unchanged.

Each list has its kind of cursor, with a grammar that is its OpenAPI ``pattern``, and every
text of that grammar names a position of that list: a cursor is refused (400
``input_invalid``) exactly when it is outside its pattern, and any cursor inside it is read
(a cursor the service never handed out names some position, and the page after it is
answered). Keyset positions, so a page costs the same however deep it is.

- ticket list: the last ticket's id, as the hex digits of its UTF-8 (``5431`` for ``T1``);
- at-risk queue: ``<due>.<cycle>.<ticket>.<metric>``: the due instant in seconds (``p`` for a
  paused clock, which has none), the cycle, then the ticket id and the metric in hex;
- alert log: the last entry's id, in decimal.
"""

from __future__ import annotations

import re
from typing import Any

from accord.errors import InputError
from accord.io.store import ClockCursor
from accord.io.store.base import NO_DUE

_HEX = "(?:[0-9a-f]{2})*"
_MAX_TEXT = 4096  # bytes of one id in a cursor: longer ids are refused at ingest
_MAX_DUE = 10**15 - 1  # seconds: far past any due instant (the year 9000 is 2.2e11)

TICKET_PATTERN = "^(?:[0-9a-f]{2})+$"
QUEUE_PATTERN = f"^(?:p|-?[0-9]{{1,15}})\\.[0-9]{{1,9}}\\.{_HEX}\\.{_HEX}$"
ALERT_PATTERN = "^[1-9][0-9]{0,17}$"

_TICKET = re.compile(TICKET_PATTERN)
_QUEUE = re.compile(QUEUE_PATTERN)
_ALERT = re.compile(ALERT_PATTERN)


def schema(pattern: str, max_length: int) -> dict[str, Any]:
    return {"pattern": pattern, "maxLength": max_length}


TICKET_SCHEMA = schema(TICKET_PATTERN, 2 * _MAX_TEXT)
QUEUE_SCHEMA = schema(QUEUE_PATTERN, 4 * _MAX_TEXT + 30)
ALERT_SCHEMA = schema(ALERT_PATTERN, 18)


def cursor_error() -> InputError:
    return InputError(
        "the cursor is not valid; pass the next_cursor of a previous page unchanged",
        details=[{"parameter": "cursor"}],
    )


def _hex(text: str) -> str:
    return text.encode("utf-8")[:_MAX_TEXT].hex()


def _text(digits: str) -> str:
    # any bytes name a position; NUL cannot reach a query (no id holds it)
    return bytes.fromhex(digits).decode("utf-8", "replace").replace("\x00", "")


def _checked(cursor: str, grammar: re.Pattern[str], max_length: int) -> str:
    if len(cursor) > max_length or not grammar.fullmatch(cursor):
        raise cursor_error()
    return cursor


def ticket_cursor(ticket_id: str) -> str:
    return _hex(ticket_id)


def read_ticket_cursor(cursor: str) -> str:
    return _text(_checked(cursor, _TICKET, 2 * _MAX_TEXT))


def queue_cursor(position: ClockCursor) -> str:
    due = position.due_sort
    text = "p" if due >= NO_DUE else str(max(-_MAX_DUE, min(_MAX_DUE, due)))
    cycle = min(max(position.cycle, 0), 999_999_999)
    return f"{text}.{cycle}.{_hex(position.ticket_id)}.{_hex(position.metric)}"


def read_queue_cursor(cursor: str) -> ClockCursor:
    due, cycle, ticket, metric = _checked(cursor, _QUEUE, 4 * _MAX_TEXT + 30).split(".")
    return ClockCursor(NO_DUE if due == "p" else int(due), _text(ticket), _text(metric), int(cycle))


def alert_cursor(alert_id: int) -> str:
    return str(alert_id)


def read_alert_cursor(cursor: str) -> int:
    return int(_checked(cursor, _ALERT, 18))
