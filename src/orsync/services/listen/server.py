"""Serving the receiver with waitress: a production WSGI server (pure Python, maintained by the
Pylons project) that reads each whole request body, within ``max_request_body_size``, before
the application sees it, and keeps slow clients off the worker threads.

Stopping is graceful: the listening socket closes first (no new connection), the threads finish
the requests they hold (an event being recorded is recorded and answered), then every
connection closes and the serving thread returns.
"""

from __future__ import annotations

import errno
import threading
from dataclasses import dataclass, field
from typing import Any

from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from orsync.errors import ConfigError

SERVER_THREADS = 8
IDENT = "orsync"


@dataclass
class Served:
    host: str
    port: int
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopping: threading.Event = field(repr=False)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        server = self._server
        self._stopping.set()
        if server.accepting:
            wasyncore.dispatcher.close(server)  # the listening socket: no new connection
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=int(timeout))
        wasyncore.close_all(server._map)  # type: ignore[attr-defined]
        self._thread.join(timeout)


def serve(app: Any, host: str, port: int, *, max_body: int) -> Served:
    """Serve ``app`` on ``host:port`` (0: a free port) on a thread; ConfigError when the
    address cannot be used."""
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=SERVER_THREADS,
            max_request_body_size=max_body,
            ident=IDENT,
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            hint = "Pick another --port, or stop what already listens there."
        else:  # not an address of this machine, or a name that does not resolve
            hint = "Give --host an address of this machine (127.0.0.1 behind a reverse proxy)."
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or error}", hint=hint
        ) from None
    if not isinstance(server, BaseWSGIServer):  # one address, never several
        server.close()
        raise ConfigError(f"{host} names several addresses; give one (e.g. 127.0.0.1)")
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # Sockets closed under the loop while stopping; anything else is a real failure.
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="orsync-listen-http", daemon=True)
    thread.start()
    assert server.socket is not None
    port = int(server.socket.getsockname()[1])
    return Served(host, port, server, thread, stopping)
