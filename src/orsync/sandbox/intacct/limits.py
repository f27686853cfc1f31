"""The company's limits: concurrent requests, request rate, and remembered function ids."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime

from orsync.sandbox.intacct.config import RateLimit


class ConcurrencyGate:
    """At most ``limit`` requests run at once; a further one waits up to ``wait_seconds``."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self._semaphore = threading.BoundedSemaphore(max(1, limit))
        self._wait = wait_seconds
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.refused = 0

    def enter(self) -> bool:
        if not self._semaphore.acquire(timeout=self._wait):
            with self._lock:
                self.refused += 1
            return False
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        return True

    def leave(self) -> None:
        with self._lock:
            self.running -= 1
        self._semaphore.release()


class RateLimiter:
    """A sliding window of request instants, read from the injectable clock."""

    def __init__(self, limit: RateLimit | None, clock: Callable[[], datetime]) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: deque[datetime] = deque()

    def allow(self) -> bool:
        if self.limit is None:
            return True
        now = self._clock()
        with self._lock:
            while self._seen and (now - self._seen[0]).total_seconds() >= self.limit.per_seconds:
                self._seen.popleft()
            if len(self._seen) >= self.limit.requests:
                return False
            self._seen.append(now)
            return True


class ControlIds:
    """Function controlids seen with ``uniqueid=true``: running, or completed (committed).

    Only a function that completed is remembered as done: a failed or rolled-back function
    changed nothing, so sending it again with the same controlid is allowed.
    """

    RUNNING = "running"
    DONE = "done"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, str] = {}

    def claim(self, controlid: str) -> str | None:
        """Mark ``controlid`` running; returns the state that prevents it, if any."""
        with self._lock:
            state = self._state.get(controlid)
            if state is not None:
                return state
            self._state[controlid] = self.RUNNING
            return None

    def finish(self, controlid: str, completed: bool) -> None:
        with self._lock:
            if completed:
                self._state[controlid] = self.DONE
            else:
                self._state.pop(controlid, None)

    def forget(self) -> None:
        with self._lock:
            self._state.clear()
