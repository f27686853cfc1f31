"""Serve a WSGI simulator on loopback with a threaded server (for CLI, demo and benchmarks).

Connections are kept alive (HTTP/1.1, every response with its Content-Length), as the real
gateways do: a client that reuses its pooled connections pays no TCP set-up per request, so
the benchmarks charge the latency model rather than loopback socket churn.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

WSGIApp = Callable[..., Any]
IDLE_TIMEOUT_S = 60.0  # an idle kept-alive connection is closed after this long
logger = logging.getLogger("orsync.sandbox.server")


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

    def server_activate(self) -> None:
        super().server_activate()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-exchange (Ctrl-C, killed, timed out) is no fault of the
        # simulator: socketserver would print a traceback on the sandbox's terminal.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        """Stop serving kept-alive connections too: a stopped sandbox answers nothing."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)


class _KeepAliveHandler(WSGIRequestHandler):
    """One connection: requests are served one after another until the client closes it.

    The body is read whole before the application runs and the response is buffered whole,
    so a connection can never be left mid-message for the next request (simulator bodies are
    small).
    """

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's
    # delayed ACK of the headers (40 ms on Linux), adding that to every answer. Real front
    # ends send at once, so the latency model must be the only delay a client sees.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Send the body with a Content-Length")
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self._respond(self._run_app(body))

    def _run_app(self, body: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
        environ = self.get_environ()
        environ.update(
            {
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": sys.stderr,
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
        )
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable: the simulators never use it

        app = self.server.get_app()  # type: ignore[attr-defined]
        try:
            result: Iterable[bytes] = app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except DropConnection:
            return None
        except Exception:
            logger.exception("sandbox: the simulator failed on %s %s", self.command, self.path)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"simulator error"
        status, headers = started
        return status, headers, payload

    def _respond(self, response: tuple[str, list[tuple[str, str]], bytes] | None) -> None:
        if response is None:  # a lost response: close with nothing written
            self.close_connection = True
            return
        status, headers, payload = response
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

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
        if isinstance(self.server, _ThreadingWSGIServer):
            self.server.close_open_connections()
        self.thread.join(timeout=5)

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> ServedApp:
    """Start ``app`` on ``host:port`` (0 picks a free port) in a background thread."""
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_KeepAliveHandler
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
