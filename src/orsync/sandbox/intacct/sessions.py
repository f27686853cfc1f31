"""API sessions: created by login or getAPISession, expiring when idle past their duration."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class Session:
    session_id: str
    user_id: str
    entity_id: str
    created: datetime
    expires: datetime
    uses: int = 0


class Sessions:
    """Sliding expiry: every use moves ``expires`` to now + duration (api-sessions page)."""

    def __init__(self, duration: timedelta, seed: int) -> None:
        self.duration = duration
        self._seed = seed
        self._counter = 0
        self._lock = threading.Lock()
        self._open: dict[str, Session] = {}

    def create(self, user_id: str, entity_id: str, now: datetime) -> Session:
        with self._lock:
            self._counter += 1
            digest = hashlib.sha256(f"{self._seed}:session:{self._counter}".encode()).hexdigest()
            session = Session(f"{digest[:40]}..", user_id, entity_id, now, now + self.duration)
            self._open[session.session_id] = session
            return session

    def use(self, session_id: str, now: datetime) -> Session | None:
        """The live session (its expiry slid forward), or None when unknown or expired."""
        with self._lock:
            session = self._open.get(session_id)
            if session is None:
                return None
            if now >= session.expires:
                del self._open[session_id]
                return None
            session.expires = now + self.duration
            session.uses += 1
            return session

    def expire(self, session_id: str) -> None:
        with self._lock:
            self._open.pop(session_id, None)

    def expire_all(self) -> None:
        with self._lock:
            self._open.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
