"""Small hostile HTTP servers on 127.0.0.1: each answers every request the same bad way.

Real sockets, because what they prove is about sockets: a server that stalls is only noticed
by a read timeout, one that trickles only by a deadline across reads. Each server runs on a
daemon thread and stops (closing every connection) when its context ends.
"""

from __future__ import annotations

import gzip
import io
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Behaviour = Callable[[socket.socket, threading.Event], None]


def _read_request(conn: socket.socket) -> None:
    """Read up to the end of the request's headers and its declared body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def stall(conn: socket.socket, stop: threading.Event) -> None:
    """Take the request, then never answer."""
    _read_request(conn)
    stop.wait()


def trickle(conn: socket.socket, stop: threading.Event, interval: float = 0.02) -> None:
    """Answer 200 at once, then one byte of body per ``interval``, for ever."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n")
    while not stop.wait(interval):
        conn.sendall(b" ")


def trickle_headers(conn: socket.socket, stop: threading.Event, interval: float = 0.02) -> None:
    """Send the status line, then header bytes one per ``interval``, never ending the headers."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(interval):
        conn.sendall(b"a")


def endless(conn: socket.socket, stop: threading.Event) -> None:
    """Answer 200 with a body that never ends (no length: it runs until the connection
    closes), as fast as the client reads it."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    block = b"[" * 65536
    while not stop.is_set():
        conn.sendall(block)


def gzip_bomb_body(decoded_bytes: int) -> bytes:
    """``decoded_bytes`` zeros, gzip-compressed (about a thousandth of the size)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        block = b"\0" * (1024 * 1024)
        for _ in range(decoded_bytes // len(block)):
            packed.write(block)
    return out.getvalue()


def answering(body: bytes, headers: dict[str, str]) -> Behaviour:
    """Answer 200 with ``body`` and ``headers`` (a gzip bomb, say)."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        _read_request(conn)
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        status = f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n"
        conn.sendall(status.encode() + b"Connection: close\r\n\r\n" + body)
        stop.wait()

    return behave


@contextmanager
def hostile_server(behaviour: Behaviour) -> Iterator[str]:
    """A server applying ``behaviour`` to every connection; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            behaviour(conn, stop)
        except OSError:
            pass  # the client gave up and closed: what we wanted
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in connections:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
