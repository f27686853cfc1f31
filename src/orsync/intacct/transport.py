"""One request to the gateway, with the retries that are always safe.

Retried: HTTP 429 / GW-0010 and "too many operations" (200024) (nothing ran), failures to
connect (nothing was sent), and, for reads only, 5xx, timeouts and lost connections. For a
write, any answer that leaves it unknown whether the gateway executed the functions (timeout
after sending, 5xx, 524, connection lost, unreadable body) is returned as :class:`Ambiguous`
and never retried here.
"""

from __future__ import annotations

import ipaddress
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from orsync import __version__
from orsync.bounded import Deadline, Limits, fetch
from orsync.endpoints import INTACCT, not_found, unreachable
from orsync.errors import (
    AuthError,
    ConfigError,
    DeadlineExceeded,
    InternalError,
    RateLimited,
    ResponseTooLarge,
    ServiceUnavailable,
)
from orsync.intacct import codes
from orsync.intacct.wirelog import log_exchange
from orsync.intacct.xml.response import MalformedResponse, Response, parse_response
from orsync.retry import RetryPolicy, parse_retry_after

# Sage's gateway sits behind Cloudflare, which answers 524 after 100 s without a response
# (intacct-api.md s1): a wait of 150 s for a byte is spent only on a stalled connection.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=150.0, write=60.0, pool=600.0)
# One call, every attempt and wait included (a stalled first attempt, then quick retries):
# past it the call ends, whatever a trickling server still sends. Each socket wait is cut to
# what is left of it.
CALL_DEADLINE_SECONDS = 180.0
# The largest answer read: a readByQuery page of 2,000 records with their lines is a few MB.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
LIMITS = Limits(MAX_RESPONSE_BYTES, "Intacct")
HEADERS = {
    "Content-Type": "application/xml",
    "Accept": "application/xml, text/xml",
    "Accept-Encoding": "gzip",
    "User-Agent": f"orsync/{__version__}",
}


def require_safe_endpoint(url: str) -> str:
    """HTTPS, or plain HTTP to a loopback host (the simulator); anything else is refused."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigError(f"Intacct endpoint is not a URL: {url!r}") from exc
    if not parsed.scheme or not parsed.host:
        raise ConfigError(
            f"Intacct endpoint is not a full URL: {url!r}",
            hint="Write it with its scheme and host: https://api.intacct.com/ia/xml/xmlgw.phtml.",
        )
    if parsed.scheme == "https":
        return url
    if parsed.scheme == "http" and _is_loopback(parsed.host):
        return url
    raise ConfigError(
        f"Intacct endpoint must use HTTPS: {url}",
        hint="Use https://api.intacct.com/ia/xml/xmlgw.phtml (plain HTTP only for 127.0.0.1).",
    )


def require_session_endpoint(endpoint: str, configured: str) -> str:
    """The endpoint getAPISession returned, if it is on the configured gateway's host or
    another host of that host's domain (``api.intacct.com`` moves a company to
    ``na12.intacct.com``; Sage's SDKs accept any ``*.intacct.com``); anything else is refused,
    since the session id and every request would go there."""
    require_safe_endpoint(endpoint)
    host = (httpx.URL(endpoint).host or "").lower()
    home = (httpx.URL(configured).host or "").lower()
    if host == home or _same_domain(host, home):
        return endpoint
    raise ServiceUnavailable(
        f"Intacct's sign-in named a session endpoint on another host ({host}) than the "
        f"configured gateway ({home}); refused",
        hint="Check the Intacct URL with `orsync profiles show PROFILE`: it must be Sage's gateway "
        "(https://api.intacct.com/ia/xml/xmlgw.phtml) or a proxy that keeps its host.",
    )


def _same_domain(host: str, home: str) -> bool:
    """``host`` is a sibling of ``home`` (same domain after its first label), for names of at
    least three labels; an IP address or a two-label name has no siblings."""
    labels = home.split(".")
    if len(labels) < 3 or _is_ip(home):
        return False
    return host.endswith("." + ".".join(labels[1:]))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Ambiguous:
    """The request may have been executed; the caller must not resend it blindly."""

    reason: str


class _Retry(Exception):
    def __init__(
        self,
        reason: str,
        *,
        rate_limited: bool,
        retry_after: float | None = None,
        unanswered: Exception | None = None,
    ):
        super().__init__(reason)
        self.reason = reason
        self.rate_limited = rate_limited
        self.retry_after = retry_after
        self.unanswered = unanswered  # no answer at all: the URL may be wrong


class Gateway:
    """Posts request bodies; at most ``max_in_flight`` at a time for this company."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        max_in_flight: int,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        rng: random.Random,
        call_deadline: float | None = None,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._http = http
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._rng = rng
        self._rng_lock = threading.Lock()
        # Read at construction (not definition) so one setting moves every client made after.
        self._call_deadline = CALL_DEADLINE_SECONDS if call_deadline is None else call_deadline
        self._limits = LIMITS if limits is None else limits
        self._clock = clock

    def roundtrip(self, url: str, body: bytes, *, write: bool) -> Response | Ambiguous:
        """Send ``body``; the parsed response, whatever its authentication status, or Ambiguous.

        Raises AuthError (credentials refused), RateLimited / ServiceUnavailable (retry budget
        spent; nothing was executed, or it was a read), InternalError (gateway says our XML is
        malformed).
        """
        deadline = Deadline(self._call_deadline, self._clock)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(url, body, write=write, deadline=deadline)
            except _Retry as retry:
                if not self._retry.should_retry(attempt):
                    if retry.rate_limited:
                        raise RateLimited(
                            f"Intacct is rate limiting this company: {retry.reason}",
                            retry_after=retry.retry_after,
                            hint="Wait a few minutes and run again; nothing was lost.",
                        ) from None
                    if retry.unanswered is not None:
                        raise unreachable(
                            INTACCT, url, retry.unanswered, attempts=attempt
                        ) from None
                    raise ServiceUnavailable(
                        f"Intacct did not answer usefully after {attempt} attempts: {retry.reason}",
                        hint="Check https://status.intacct.com and try again later.",
                    ) from None
                with self._rng_lock:
                    delay = self._retry.delay(attempt, self._rng, retry.retry_after)
                if deadline.remaining() <= delay:
                    raise DeadlineExceeded(
                        f"Intacct did not answer within {self._call_deadline:.0f} s "
                        f"({attempt} attempts): {retry.reason}",
                        hint="The gateway stalls or answers too slowly: check "
                        "https://status.intacct.com and the Intacct URL, then run again.",
                    ) from None
                self._sleep(delay)

    def _once(
        self, url: str, body: bytes, *, write: bool, deadline: Deadline
    ) -> Response | Ambiguous:
        log_exchange("->", url, body)
        try:
            with self._slots:
                reply = fetch(
                    self._http,
                    "POST",
                    url,
                    limits=self._limits,
                    deadline=deadline,
                    timeout=self._timeout,
                    what="a request",
                    content=body,
                    headers=HEADERS,
                )
        except (ResponseTooLarge, DeadlineExceeded) as exc:
            if write:  # the functions may have run: look the records up before any resend
                return Ambiguous(exc.message)
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never reached the gateway: safe to repeat, even a write.
            raise _Retry(
                f"cannot connect ({type(exc).__name__})", rate_limited=False, unanswered=exc
            ) from exc
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if write:
                return Ambiguous(reason)
            raise _Retry(reason, rate_limited=False) from exc
        log_exchange("<-", url, reply.content, reply.status_code)
        status = reply.status_code
        if status == 429:
            raise _Retry(
                "HTTP 429 (GW-0010)",
                rate_limited=True,
                retry_after=parse_retry_after(reply.headers.get("Retry-After")),
            )
        if status == 401:
            raise AuthError(
                f"Intacct refused the sign-in (HTTP 401): {_body_summary(reply.content)}",
                hint="Check the sender ID/password and the user credentials: "
                "`orsync connect --sender-id ID --user-id ID`.",
            )
        if status >= 500:
            reason = f"HTTP {status}"
            if write:
                return Ambiguous(reason)
            raise _Retry(reason, rate_limited=False)
        try:
            response = parse_response(reply.content)
        except MalformedResponse as exc:
            if status in (404, 405):  # no gateway at this path: a wrong URL
                raise not_found(INTACCT, url, status) from exc
            if 400 <= status < 500:
                # The front end refused the request outright: nothing ran, and repeating the
                # same request will be refused the same way.
                raise ServiceUnavailable(
                    f"Intacct refused the request with HTTP {status}",
                    hint="A proxy or firewall in front of the gateway may be refusing it: "
                    "check the Intacct URL with `orsync profiles show PROFILE`, then run again.",
                ) from exc
            if write:
                return Ambiguous(f"HTTP {status} with an unreadable body")
            raise _Retry(f"HTTP {status} with an unreadable body", rate_limited=False) from exc
        if response.control_failed:
            _raise_for_control(response)
        if codes.is_rate_limited(response.authentication_errors):
            raise _Retry(codes.summary(response.authentication_errors), rate_limited=True)
        return response


def _raise_for_control(response: Response) -> None:
    """Nothing ran: decide between retrying and stopping."""
    errors = response.control_errors
    text = codes.summary(errors)
    if codes.is_rate_limited(errors):
        raise _Retry(text, rate_limited=True)
    if codes.is_auth_failure(errors):
        raise AuthError(
            f"Intacct refused the Web Services sender: {text}",
            hint="Check the sender ID and password, and that the sender is authorised "
            "in the company (Company > Setup > Company > Security).",
        )
    if any(e.errorno == codes.MALFORMED_REQUEST for e in errors):
        raise InternalError(f"Intacct could not parse orsync's request: {text}")
    raise ServiceUnavailable(
        f"Intacct refused the request: {text}",
        hint=codes.correction(errors)
        or "Check https://status.intacct.com; if it persists, report the error text to Sage.",
    )


def _body_summary(body: bytes) -> str:
    try:
        response = parse_response(body)
    except MalformedResponse:
        return "no details"
    return codes.summary(response.control_errors)
