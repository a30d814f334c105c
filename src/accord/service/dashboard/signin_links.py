"""Sign-in links: a random code that stands for a read token, kept in the memory of the
process that serves the dashboard, so a link it prints signs that token in with one click
and stops working when the process stops. Only read tokens may have one (checked again when
the link is followed): a link may end up in a browser's history."""

from __future__ import annotations

import hmac
import secrets


class SigninLinks:
    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def add(self, token: str) -> str:
        """A new code for ``token``: the last part of ``/signin/link/{code}``."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = token
        return code

    def token_of(self, code: str) -> str | None:
        # compared in constant time, as a token is
        for known, token in self._codes.items():
            if hmac.compare_digest(known.encode(), code.encode()):
                return token
        return None
