"""Running the server for ``accord serve`` and ``accord demo serve``: the port checked before
any work, the URL printed once the socket accepts connections (not before), and Ctrl-C a
clean stop (uvicorn re-raises the signal after its graceful shutdown; that is the end of the
run here, not a traceback)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from typing import Any

from accord.errors import InputError


def check_port_free(host: str, port: int) -> None:
    """Refuse a port something already listens on, before generating or loading anything."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise InputError(f"cannot listen on {host}: {e.strerror or e}") from e
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
        try:
            s.bind(address)
        except OSError as e:
            raise InputError(
                f"port {port} on {host} is in use ({e.strerror}): stop what listens there or "
                "pass another --port",
                details=[{"parameter": "port"}],
            ) from e


def run_server(
    app: Any, host: str, port: int, log_level: str, on_ready: Callable[[], None]
) -> None:
    """Serve ``app`` until stopped; ``on_ready`` runs once the socket accepts connections."""
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                on_ready()

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    # the Ctrl-C uvicorn handled, raised again once it had shut down: the end of the run
    with contextlib.suppress(KeyboardInterrupt):
        _Server(config).run()
