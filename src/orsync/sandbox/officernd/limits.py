"""Rate limits and injectable faults of the simulated API.

Limits are sliding one-minute windows read from the simulator's clock, so tests move time
instead of sleeping. Faults come from the shared :class:`~orsync.sandbox.faults.FaultPlan`:
each name has its own deterministic stream, drawn once per API request in a fixed order.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

# Every fault the simulator implements; FaultPlan.validate refuses any other name.
FAULT_HTTP_5XX = "http-5xx"  # 503 before any work is done
FAULT_RATE_LIMIT = "rate-limit"  # 429 with Retry-After before any work is done
FAULT_LOST_RESPONSE = "lost-response"  # the work is committed, then the connection drops
FAULT_WEBHOOK_FAILURE = "webhook-failure"  # a delivery attempt fails without reaching the URL
FAULT_NAMES: tuple[str, ...] = (
    FAULT_HTTP_5XX,
    FAULT_RATE_LIMIT,
    FAULT_LOST_RESPONSE,
    FAULT_WEBHOOK_FAILURE,
)

# Retry-After the `rate-limit` fault announces (seconds).
FAULT_RETRY_AFTER_SECONDS = 1

WINDOW = timedelta(minutes=1)


class SlidingWindowLimit:
    """At most ``per_minute`` admitted events in any 60 s window; ``None`` means unlimited."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self._admitted: deque[datetime] = deque()

    def admit(self, now: datetime) -> int | None:
        """Record an event and return None, or return the seconds to wait when over the limit.

        Refused events are not recorded: a client that waits ``Retry-After`` gets in.
        """
        if self.per_minute is None:
            return None
        while self._admitted and now - self._admitted[0] >= WINDOW:
            self._admitted.popleft()
        if len(self._admitted) >= self.per_minute:
            wait = (self._admitted[0] + WINDOW - now).total_seconds()
            return max(1, math.ceil(wait))
        self._admitted.append(now)
        return None

    def reset(self) -> None:
        self._admitted.clear()
