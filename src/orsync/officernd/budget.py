"""Client-side request budgets: a token bucket per kind of call, shared by every thread."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable

from orsync.errors import RateLimited


class RateBudget:
    """Token bucket: at most ``per_minute`` requests a minute, bursts up to ``burst``.

    ``acquire()`` blocks (through the injectable ``sleep``) until a request may leave. Every
    worker thread of a windowed read shares one budget, so concurrency never exceeds the rate.
    ``per_minute=None`` disables the budget (benchmarks against a local simulator).
    """

    def __init__(
        self,
        per_minute: float | None,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute is not None and per_minute <= 0:
            msg = "per_minute must be positive (or None for no budget)"
            raise ValueError(msg)
        self.per_minute = per_minute
        self._rate = (per_minute or 0.0) / 60.0
        # A small default burst keeps a cold start from firing a minute's worth at once.
        self._capacity = burst if burst is not None else max(1.0, (per_minute or 0.0) / 6.0)
        self._tokens = self._capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take one token now, possibly going into debt; return how long the caller must wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self._rate

    def acquire(self) -> None:
        if self.per_minute is None:
            return
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)


class SlidingWindowGuard:
    """Refuse a call that would be the ``limit + 1``-th within ``window`` seconds.

    Used for the token endpoint, whose documented limit (5 a minute, failures included) is
    enforced by OfficeRnD with a 429; refusing locally keeps a broken setup from locking the
    application out for the next minute as well.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        what: str = "requests",
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._what = what
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def check_and_record(self) -> float:
        """Record a call now, or raise :class:`RateLimited`; returns the call's stamp."""
        with self._lock:
            now = self._clock()
            while self._calls and now - self._calls[0] >= self.window:
                self._calls.popleft()
            if len(self._calls) >= self.limit:
                retry_after = self.window - (now - self._calls[0])
                raise RateLimited(
                    f"refusing a {self._what}: {self.limit} already sent in the last "
                    f"{self.window:.0f} s",
                    retry_after=retry_after,
                    hint=f"Wait {retry_after:.0f} s and run again.",
                )
            self._calls.append(now)
            return now

    def release(self, stamp: float) -> None:
        """Forget a recorded call that never reached the server (it could not connect)."""
        with self._lock, contextlib.suppress(ValueError):
            self._calls.remove(stamp)
