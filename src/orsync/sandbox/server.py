"""Serve a WSGI simulator on loopback with a threaded server (for CLI, demo and benchmarks)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

import httpx

WSGIApp = Callable[..., Any]


class DropConnection(Exception):
    """Raised by a simulator to close the connection without any response ("lost response").

    Served on loopback the socket is closed with nothing written; in process the transport
    from :func:`in_process_transport` turns it into ``httpx.RemoteProtocolError``, which is what
    a real client sees when a connection drops after the server committed the work.
    """


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _DroppingServerHandler(ServerHandler):
    def handle_error(self) -> None:
        import sys

        if isinstance(sys.exc_info()[1], DropConnection):
            return  # write nothing; the socket closes when the request handler finishes
        super().handle_error()


class _QuietHandler(WSGIRequestHandler):
    def handle(self) -> None:
        """As wsgiref's, but with a handler that can drop the connection on request."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        stdin: Any = self.rfile
        stdout: Any = self.wfile
        handler = _DroppingServerHandler(
            stdin, stdout, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Access logs would go to stderr of every test; the simulators keep their own journal."""


@dataclass
class ServedApp:
    """A running loopback server; ``stop()`` shuts it down and joins its thread."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def host(self) -> str:
        return str(self.server.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> ServedApp:
    """Start ``app`` on ``host:port`` (0 picks a free port) in a background thread."""
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    # A short poll interval: stop() waits for the serve loop to notice, and tests stop often.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name=f"sandbox:{port}", daemon=True
    )
    thread.start()
    return ServedApp(server=server, thread=thread)


class _DroppingWSGITransport(httpx.WSGITransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except DropConnection as exc:
            msg = "Server disconnected without sending a response."
            raise httpx.RemoteProtocolError(msg, request=request) from exc


def in_process_transport(app: WSGIApp) -> httpx.BaseTransport:
    """An httpx transport that calls ``app`` in this process, with lost responses as errors."""
    return _DroppingWSGITransport(app=app)
