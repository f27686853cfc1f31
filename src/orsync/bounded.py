"""Bounded exchanges with the two services: every answer read under a size cap and a deadline.

The service URLs are the user's to configure, and what answers there may be a broken gateway, a
proxy or a hostile server. So no answer is read whole into memory on trust: bodies are streamed
and refused past a cap on the bytes received *and* on the bytes they decompress to (orsync asks
for gzip, and a few kilobytes of gzip can expand to gigabytes); and every call carries a
deadline, checked between received chunks, with each socket wait (from connect to the last
header byte, on the transports :func:`guarded_transport` builds) cut to what is left of it, so
a stalled or trickling server ends the call instead of hanging cron.

A run has a budget too (:class:`RunBudget`), checked before each request leaves: a run that
has spent it stops with the time spent, and cron's next run carries on.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from orsync.errors import DeadlineExceeded, ResponseTooLarge, ServiceUnavailable

Clock = Callable[[], float]

# A socket wait never shorter than this, so that a nearly spent deadline still gives a healthy
# server the chance to answer a small request.
MIN_WAIT_SECONDS = 1.0


@dataclass
class Deadline:
    """``seconds`` from when it is made (monotonic clock)."""

    seconds: float
    clock: Clock = time.monotonic
    started: float | None = None  # the clock's reading when made, unless given

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def elapsed(self) -> float:
        assert self.started is not None
        return self.clock() - self.started

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def timeout(self, base: httpx.Timeout) -> httpx.Timeout:
        """``base`` with every wait cut to what is left (and at least MIN_WAIT_SECONDS)."""
        left = max(self.remaining(), MIN_WAIT_SECONDS)

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(base.connect),
            read=cut(base.read),
            write=cut(base.write),
            pool=cut(base.pool),
        )


class RunBudget:
    """The time one command may spend talking to the services, shared by every thread."""

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic) -> None:
        self.deadline = Deadline(seconds, clock)
        self._lock = threading.Lock()

    def check(self, what: str) -> None:
        """Raise DeadlineExceeded once the budget is spent (before ``what`` is sent)."""
        with self._lock:
            if not self.deadline.expired():
                return
            spent = self.deadline.elapsed()
        raise DeadlineExceeded(
            f"the run's time budget of {_duration(self.deadline.seconds)} is spent "
            f"({_duration(spent)} so far); stopped before {what}",
            hint="A service answers far slower than usual: check its status page. The next run "
            "carries on where this one stopped; nothing is sent twice.",
        )

    def hook(self, request: httpx.Request) -> None:
        """An httpx ``request`` event hook: no request leaves once the budget is spent."""
        self.check(f"{request.method} {request.url.host}")


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


@dataclass(frozen=True)
class Limits:
    """What one answer may hold: ``max_bytes`` after decompression (and on the wire)."""

    max_bytes: int
    service: str  # "Intacct" or "OfficeRnD", for the messages


def read_body(
    response: httpx.Response, limits: Limits, deadline: Deadline | None, what: str
) -> bytes:
    """The decoded body of a streamed ``response``, or ResponseTooLarge / DeadlineExceeded.

    Decompression is orsync's own, so that no step produces more than the room left under the
    cap: memory stays within the cap plus one received chunk, whatever the compression ratio.
    A transport failure while reading comes out as the httpx error it is (callers already
    decide what a lost connection means for a write).
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_large(limits, what, f"it announced {int(declared):,} bytes")
    if response.is_stream_consumed:  # built in memory (an in-process transport): already read
        if len(response.content) > limits.max_bytes:
            raise too_large(limits, what, f"more than {limits.max_bytes:,} bytes")
        return response.content
    decoder = _decoder(response, limits, what)
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        if response.num_bytes_downloaded > limits.max_bytes:
            raise too_large(limits, what, f"more than {limits.max_bytes:,} bytes")
        data = raw
        while data:
            if decoder is None:
                out, data = data, b""
            else:
                out = decoder.decompress(data, limits.max_bytes - size + 1)
                data = decoder.unconsumed_tail
            size += len(out)
            if size > limits.max_bytes:
                raise too_large(limits, what, f"more than {limits.max_bytes:,} bytes decoded")
            chunks.append(out)
            if decoder is not None and not out:
                break  # the stream ended; what follows is not part of it
        if deadline is not None and deadline.expired():
            raise too_slow(limits, what, deadline)
    return b"".join(chunks)


def _decoder(response: httpx.Response, limits: Limits, what: str) -> Any:
    """A zlib decompressor for the answer's encoding, None for identity; orsync asks for gzip
    only, so any other encoding is an answer it cannot read."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise ServiceUnavailable(
        f"{limits.service} answered {what} in an encoding orsync did not ask for ({encoding})",
        hint="Check that the URL in `orsync profiles show` points at the service itself, "
        "not a proxy that re-encodes its answers.",
    )


def too_large(limits: Limits, what: str, detail: str) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"{limits.service} sent an answer too large to read for {what} ({detail}); "
        "refused without reading the rest"
    )


def too_slow(limits: Limits, what: str, deadline: Deadline) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"{limits.service} did not complete its answer to {what} within "
        f"{_duration(deadline.seconds)} (a stalled or trickling connection)"
    )


# -- every socket wait of a call within its deadline ----------------------------------------
#
# httpx's timeouts apply to each socket wait, so a server sending its status line and headers
# a byte at a time is never timed out by them. The deadline of the call a thread is making is
# kept here, and the network backend of the transports orsync builds cuts each wait to it (and
# refuses a wait once it has passed), from connecting to the last byte.

_calls = threading.local()


def _socket_wait(
    timeout: float | None, late: type[httpcore.TimeoutException] = httpcore.ReadTimeout
) -> float | None:
    """``timeout`` cut to what is left of the thread's call deadline; ``late`` once it passed
    (a connection never made is ConnectTimeout: nothing was sent)."""
    deadline: Deadline | None = getattr(_calls, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise late("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _socket_wait(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _socket_wait(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        wait = _socket_wait(timeout, httpcore.ConnectTimeout)
        secured = self._inner.start_tls(ssl_context, server_hostname, wait)
        return _GuardedStream(secured)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        wait = _socket_wait(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, wait, local_address, socket_options)
        return _GuardedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        wait = _socket_wait(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, wait, socket_options)
        return _GuardedStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_transport(**options: Any) -> httpx.HTTPTransport:
    """``httpx.HTTPTransport(**options)`` whose every socket wait honours the deadline of the
    call being made (see :func:`fetch`). The backend is swapped on the transport's pool, an
    httpcore detail (httpx is pinned below 0.29); without it, waits fall back to httpx's."""
    transport = httpx.HTTPTransport(**options)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _GuardedBackend(backend)  # type: ignore[union-attr]
    return transport


def fetch(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    limits: Limits,
    deadline: Deadline | None,
    timeout: httpx.Timeout | None = None,
    what: str,
    **kwargs: object,
) -> httpx.Response:
    """Send one request and read its answer within ``limits`` and ``deadline``.

    Returns a detached response holding the decoded body (``content``, ``text``, ``headers``
    as usual), so the caller handles it as if read by ``http.request``.
    """
    if timeout is not None and deadline is not None:
        timeout = deadline.timeout(timeout)
    elif deadline is not None:
        timeout = deadline.timeout(_timeout_of(http))
    options: dict[str, object] = dict(kwargs)
    if timeout is not None:
        options["timeout"] = timeout
    previous = getattr(_calls, "deadline", None)
    _calls.deadline = deadline
    try:
        return _fetch(http, method, url, limits, deadline, what, options)
    finally:
        _calls.deadline = previous


def _fetch(
    http: httpx.Client,
    method: str,
    url: str,
    limits: Limits,
    deadline: Deadline | None,
    what: str,
    options: dict[str, object],
) -> httpx.Response:
    with http.stream(method, url, **options) as streamed:  # type: ignore[arg-type]
        try:
            body = read_body(streamed, limits, deadline, what)
            headers = [
                (name, value)
                for name, value in streamed.headers.multi_items()
                if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
            ]
            return httpx.Response(
                streamed.status_code, headers=headers, content=body, request=streamed.request
            )
        finally:
            # httpx binds a sent response and its stream to each other (a reference cycle):
            # left so, every exchange and the request body it holds (an Intacct batch) waited
            # for Python's rare full collection, ~20 MB at a time in a first sync (#22).
            _closing_breaks_cycle(streamed)


def _closing_breaks_cycle(streamed: httpx.Response) -> None:
    """Close ``streamed`` and unbind its stream (which refers back to it): freed at once."""
    streamed.close()
    streamed.stream = httpx.ByteStream(b"")


def _timeout_of(http: httpx.Client) -> httpx.Timeout:
    return http.timeout
