"""API sessions: one per entity (None = top level), renewed before ``sessiontimeout``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

# UNVERIFIED: a response without <sessiontimeout> (older captures) leaves the lifetime unknown.
# Company settings range from ~2 h to 24 h, so assume the short end of what we have seen minus
# plenty; an early renewal costs one request, a late one a failed request and a re-login.
DEFAULT_SESSION_LIFETIME = timedelta(minutes=30)
RENEW_MARGIN = timedelta(seconds=60)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Session:
    session_id: str = field(repr=False)
    endpoint: str
    entity: str | None
    expires_at: datetime

    def usable_at(self, now: datetime) -> bool:
        return now + RENEW_MARGIN < self.expires_at


class SessionStore:
    """Thread-safe cache of sessions; ``opener`` logs in and returns a fresh session."""

    def __init__(self, opener: Callable[[str | None], Session], clock: Clock) -> None:
        self._opener = opener
        self._clock = clock
        self._sessions: dict[str | None, Session] = {}
        self._locks: dict[str | None, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, entity: str | None) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(entity, threading.Lock())

    def get(self, entity: str | None) -> Session:
        with self._lock(entity):
            session = self._sessions.get(entity)
            if session is None or not session.usable_at(self._clock()):
                session = self._opener(entity)
                self._sessions[entity] = session
            return session

    def invalidate(self, stale: Session) -> None:
        """Forget ``stale`` unless another thread already replaced it."""
        with self._lock(stale.entity):
            if self._sessions.get(stale.entity) is stale:
                del self._sessions[stale.entity]

    def extend(self, session: Session, timeout: datetime | None) -> None:
        """Each call slides the session's expiry; record what the gateway announced."""
        if timeout is None:
            return
        with self._lock(session.entity):
            current = self._sessions.get(session.entity)
            if current is not None and current.session_id == session.session_id:
                self._sessions[session.entity] = replace(current, expires_at=timeout)
