"""The request layer: bearer token, budgets, retries for reads, no blind retries for writes."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from orsync.bounded import Deadline, Limits, fetch
from orsync.endpoints import OFFICERND_API, unreachable
from orsync.errors import (
    DeadlineExceeded,
    RateLimited,
    RecordError,
    ResponseTooLarge,
    ServiceUnavailable,
)
from orsync.officernd import jsonio
from orsync.officernd.auth import TokenProvider
from orsync.officernd.budget import RateBudget
from orsync.officernd.errors import (
    BillingLocked,
    MissingScope,
    OfficeRndAuthError,
    OfficeRndUnconfirmed,
)
from orsync.redact import redact
from orsync.retry import RetryPolicy, parse_retry_after

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://app.officernd.com"
# A Retry-After above this ends the run (exit 75) instead of blocking a cron job for long.
# Defaults well under the ~400 reads/min a peer observed (no official number for either).
READS_PER_MINUTE = 300
WRITES_PER_MINUTE = 60
MAX_RETRY_AFTER_SECONDS = 120.0
# GETs one client sends at once: the windowed reader's 8 windows (no official limit is known).
MAX_READS_IN_FLIGHT = 8
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, 520, 522, 524})
# One call, every attempt and wait included (Retry-After waits too): past it the call ends,
# whatever a stalled or trickling server still sends. Each socket wait is cut to what is left.
CALL_DEADLINE_SECONDS = 180.0
# A page holds at most 50 records (a few kB each); a single record answer is smaller still.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
LIMITS = Limits(MAX_RESPONSE_BYTES, "OfficeRnD")

HINT_UNREACHABLE = (
    "Check the network and the OfficeRnD API URL (`orsync profiles show`), then run again."
)
HINT_FAILING = (
    "OfficeRnD is failing: check https://status.officernd.com and run again later; a repeated "
    "run is safe."
)
HINT_RATE_LIMITED = "OfficeRnD is rate limiting orsync: wait a few minutes and run again."
HINT_UNREADABLE = (
    "Check that the OfficeRnD API URL (`orsync profiles show`) points at OfficeRnD itself, "
    "not a proxy or sign-in portal, then run again."
)

# Transport failures after which the request certainly never reached the server: even a write
# may be sent again. Everything else (read timeout, dropped connection) is ambiguous.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def write_may_retry_after(status: int) -> bool:
    """Whether a write refused with ``status`` can be sent again without a lookup.

    Unverified (reference/officernd-api.md §4): we assume OfficeRnD's rate limiter answers 429
    before the request is executed, as rate limiters in front of NestJS apps do. If that proves
    false, return False here and 429 on a write becomes "unconfirmed" like a 5xx.
    """
    return status == 429


def is_billing_lock_refusal(status: int, message: str) -> bool:
    """Whether an error answer is the billing lock date refusal.

    Unverified: OfficeRnD documents that the lock blocks API writes (help center "What is the
    billing lock date") but not the answer's shape; we match a 4xx whose message mentions the
    lock. Kept here so the one guess has one place.
    """
    lowered = message.lower()
    return 400 <= status < 500 and "lock" in lowered and ("billing" in lowered or "date" in lowered)


def error_message(response: httpx.Response) -> str:
    """The human message of an error answer (NestJS ``{statusCode, message, error}`` assumed,
    unverified; plain text accepted), redacted and cut short."""
    try:
        body = jsonio.loads(response.content)
    except ValueError:
        return redact(response.text[:300]).strip()
    if isinstance(body, dict):
        message = body.get("message") or body.get("error_description") or body.get("error")
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        if message:
            return redact(str(message)[:300])
    return redact(response.text[:300])


class ApiSession:
    """Sends authenticated requests to ``{api_url}/api/v2/organizations/{org}``."""

    def __init__(
        self,
        http: httpx.Client,
        tokens: TokenProvider,
        *,
        org: str,
        api_url: str = DEFAULT_API_URL,
        read_budget: RateBudget | None = None,
        write_budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_retry_after: float = MAX_RETRY_AFTER_SECONDS,
        max_reads_in_flight: int = MAX_READS_IN_FLIGHT,
        clock: Callable[[], float] = time.monotonic,
        call_deadline: float | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.http = http
        self._clock = clock
        # Read at construction (not definition) so one setting moves every client made after.
        self.call_deadline = CALL_DEADLINE_SECONDS if call_deadline is None else call_deadline
        self.limits = LIMITS if limits is None else limits
        # Every reader of one client (windows, customer look-ups) shares this cap, so adding
        # a reader never raises the load orsync puts on OfficeRnD at once.
        self._reads_in_flight = threading.BoundedSemaphore(max(1, max_reads_in_flight))
        self.max_retry_after = max_retry_after
        self.tokens = tokens
        self.base_url = f"{api_url.rstrip('/')}/api/v2/organizations/{org}"
        # Read at construction, as the deadline above (tests raise the write pace).
        self.read_budget = read_budget or RateBudget(READS_PER_MINUTE)
        self.write_budget = write_budget or RateBudget(WRITES_PER_MINUTE)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- reads ---------------------------------------------------------------------------------

    def get(
        self, path: str, *, scope: str, params: Sequence[tuple[str, str]] = ()
    ) -> httpx.Response:
        """GET with retries on 429/5xx/transport errors; returns any non-retryable answer."""
        deadline = Deadline(self.call_deadline, self._clock)
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            self.read_budget.acquire()
            token = self.tokens.require(scope)
            try:
                with self._reads_in_flight:
                    response = fetch(
                        self.http,
                        "GET",
                        self.url(path),
                        limits=self.limits,
                        deadline=deadline,
                        what=f"GET {path}",
                        params=list(params),
                        headers=self._headers(token.value),
                    )
            except httpx.TransportError as exc:
                if self._may_wait(attempt, None, deadline):
                    self._pause(attempt, None, f"GET {path}: {type(exc).__name__}")
                    continue
                if deadline.expired():
                    raise DeadlineExceeded(
                        f"OfficeRnD did not answer GET {path} within "
                        f"{self.call_deadline:.0f} s ({attempt} attempts, {type(exc).__name__})"
                    ) from exc
                raise unreachable(OFFICERND_API, self.url(path), exc, attempts=attempt) from exc
            if response.status_code == 401 and not reauthenticated:
                reauthenticated = True  # token revoked or expired early: fetch one more
                self.tokens.invalidate(token.value)
                continue
            if response.status_code in RETRYABLE_STATUS:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if self._may_wait(attempt, retry_after, deadline):
                    self._pause(attempt, retry_after, f"GET {path}: HTTP {response.status_code}")
                    continue
                if response.status_code == 429:
                    raise RateLimited(
                        f"OfficeRnD kept answering 429 to GET {path}",
                        retry_after=retry_after,
                        hint=HINT_RATE_LIMITED,
                    )
                raise ServiceUnavailable(
                    f"OfficeRnD answered HTTP {response.status_code} to GET {path} {attempt} times",
                    hint=HINT_FAILING,
                )
            self._raise_for_auth(response, scope)
            return response

    def get_json(
        self, path: str, *, scope: str, params: Sequence[tuple[str, str]] = ()
    ) -> Any | None:
        """Parsed body of a GET; None on 404.

        Another refusal of a read means OfficeRnD does not accept a query orsync built (a
        filter this organization does not allow, say) or the service misbehaves: the run
        cannot read what it needs (exit 69), and retrying now would be refused the same way.
        """
        response = self.get(path, scope=scope, params=params)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ServiceUnavailable(
                f"OfficeRnD refused GET {path}: HTTP {response.status_code} "
                f"{error_message(response)}",
                hint="Check the OfficeRnD API URL and organization "
                "(`orsync profiles show`); if it persists, run the command again with "
                "`--debug` and report the refusal.",
            )
        return _json(response, f"GET {path}")

    # -- writes --------------------------------------------------------------------------------

    def write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        *,
        scope: str,
        lookup: str,
        record: str | None = None,
    ) -> Any:
        """Send a write once; retry only when it provably did not execute.

        An ambiguous outcome raises OfficeRndUnconfirmed naming ``lookup`` (how to find out
        whether the write happened); a definite refusal raises RecordError/BillingLocked.
        """
        operation = f"{method} {path}"
        content = jsonio.dumps(body)
        deadline = Deadline(self.call_deadline, self._clock)
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            self.write_budget.acquire()
            token = self.tokens.require(scope)
            headers = {**self._headers(token.value), "Content-Type": "application/json"}
            try:
                response = fetch(
                    self.http,
                    method,
                    self.url(path),
                    limits=self.limits,
                    deadline=deadline,
                    what=operation,
                    content=content,
                    headers=headers,
                )
            except _NOT_SENT as exc:
                if self._may_wait(attempt, None, deadline):
                    self._pause(attempt, None, f"{operation}: {type(exc).__name__}")
                    continue
                raise unreachable(OFFICERND_API, self.url(path), exc, attempts=attempt) from exc
            except (ResponseTooLarge, DeadlineExceeded) as exc:
                raise OfficeRndUnconfirmed(
                    f"{operation}: {exc.message}", operation=operation, lookup=lookup
                ) from exc
            except httpx.TransportError as exc:
                raise OfficeRndUnconfirmed(
                    f"{operation}: connection lost before the answer ({type(exc).__name__})",
                    operation=operation,
                    lookup=lookup,
                ) from exc
            status = response.status_code
            if status == 401 and not reauthenticated:
                reauthenticated = True
                self.tokens.invalidate(token.value)
                continue
            if write_may_retry_after(status):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if self._may_wait(attempt, retry_after, deadline):
                    self._pause(attempt, retry_after, f"{operation}: HTTP 429")
                    continue
                raise RateLimited(
                    f"OfficeRnD kept answering 429 to {operation}",
                    retry_after=retry_after,
                    hint=HINT_RATE_LIMITED,
                )
            if status >= 500:
                raise OfficeRndUnconfirmed(
                    f"{operation}: HTTP {status}", operation=operation, lookup=lookup
                )
            if status >= 400:
                message = error_message(response)
                # Before the scope check: the lock refusal may well come as a 403.
                if is_billing_lock_refusal(status, message):
                    raise BillingLocked(
                        f"OfficeRnD refused {operation}: {message}", record=record, code="locked"
                    )
                self._raise_for_auth(response, scope)
                raise RecordError(
                    f"OfficeRnD refused {operation}: HTTP {status} {message}",
                    record=record,
                    code=str(status),
                )
            return _json(response, operation) if response.content else None

    # -- helpers -------------------------------------------------------------------------------

    def _raise_for_auth(self, response: httpx.Response, scope: str) -> None:
        if response.status_code == 403:
            raise MissingScope((scope,), detail=error_message(response))
        if response.status_code == 401:
            raise OfficeRndAuthError("OfficeRnD refused a freshly issued token (HTTP 401)")

    def _headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def _may_wait(self, attempt: int, retry_after: float | None, deadline: Deadline) -> bool:
        # Retrying before the Retry-After the service asked for would only earn another 429;
        # a wait longer than the policy allows ends the run (exit 75) to be resumed later, and
        # so does one that would outlast the call's deadline.
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        if deadline.remaining() <= (retry_after or 0.0):
            return False
        return self.retry.should_retry(attempt)

    def _pause(self, attempt: int, retry_after: float | None, why: str) -> None:
        # RetryPolicy caps waits at its max_delay; a Retry-After is honoured in full instead
        # (OfficeRnD's limits are per minute, so up to 60 s is normal).
        delay = retry_after if retry_after is not None else self.retry.delay(attempt, self._rng)
        log.info("retrying in %.2f s after %s", delay, redact(why))
        self._sleep(delay)


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return jsonio.loads(response.content)
    except ValueError as exc:
        raise ServiceUnavailable(
            f"OfficeRnD sent an unreadable answer to {what} (HTTP {response.status_code})",
            hint=HINT_UNREADABLE,
        ) from exc
