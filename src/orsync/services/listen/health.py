"""What `GET /healthz` answers (schema ``orsync.health/1``): per profile, the inbox backlog and
the last event, write and error, shared between the receiver's threads and the worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orsync.state import InboxBacklog

HEALTH_SCHEMA = "orsync.health/1"
# A sync under way this long while events wait is a service that does not answer (hung, or
# slower than its timeouts): the retries of one request alone take minutes.
STALLED_SECONDS = 120.0


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat().replace("+00:00", "Z")


@dataclass
class ProfileHealth:
    """One profile's moving parts; every field is written under the owner's lock."""

    name: str
    backlog: Callable[[], InboxBacklog]
    last_event_at: datetime | None = None
    last_write_at: datetime | None = None  # the last batch or catch-up that wrote to Intacct
    last_batch_at: datetime | None = None
    last_catch_up_at: datetime | None = None
    last_poll_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    waiting_for: str | None = None  # e.g. the cron run holding the profile lock
    working_since: datetime | None = None  # the batch, catch-up or poll under way
    last_answer_at: datetime | None = None  # the last HTTP answer from either service
    events_received: int = 0
    events_duplicate: int = 0
    deliveries_refused: int = 0
    batches: int = 0

    def stalled(self, pending: int) -> str | None:
        """Why events wait on a sync that no service has answered for STALLED_SECONDS (a
        long catch-up that keeps getting answers is progress, not a stall), else None."""
        if not pending or self.working_since is None:
            return None
        quiet_since = max(self.working_since, self.last_answer_at or self.working_since)
        seconds = (datetime.now(UTC) - quiet_since).total_seconds()
        if seconds < STALLED_SECONDS:
            return None
        return (
            f"a sync under way since {_iso(self.working_since)}, no answer from Intacct or "
            f"OfficeRnD for {seconds:.0f} s (see the log)"
        )

    def to_dict(self) -> dict[str, Any]:
        backlog = self.backlog()
        stalled = self.stalled(backlog.pending)
        return {
            "profile": self.name,
            "backlog": backlog.pending,
            "oldest_pending_at": _iso(backlog.oldest_received_at),
            "last_event_at": _iso(self.last_event_at or backlog.last_received_at),
            "last_write_at": _iso(self.last_write_at),
            "last_batch_at": _iso(self.last_batch_at),
            "last_catch_up_at": _iso(self.last_catch_up_at),
            "last_poll_at": _iso(self.last_poll_at),
            "last_error": self.last_error or backlog.last_error,
            "last_error_at": _iso(self.last_error_at),
            "waiting_for": self.waiting_for or stalled,
            "working_since": _iso(self.working_since),
            "stalled": stalled is not None,
            "events_received": self.events_received,
            "events_duplicate": self.events_duplicate,
            "deliveries_refused": self.deliveries_refused,
            "batches": self.batches,
        }


@dataclass
class Health:
    listening: bool = False
    started_at: datetime | None = None
    profiles: dict[str, ProfileHealth] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, profile: str, **changes: Any) -> None:
        with self.lock:
            target = self.profiles[profile]
            for key, value in changes.items():
                setattr(target, key, value)

    def count(self, profile: str, counter: str) -> None:
        with self.lock:
            target = self.profiles[profile]
            setattr(target, counter, getattr(target, counter) + 1)

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            profiles = [p.to_dict() for p in self.profiles.values()]
        # Unhealthy: events wait and the last attempt at them failed (a service down, bad
        # credentials) or has not ended for minutes (a service hung), or the receiver is not
        # accepting deliveries.
        stuck = [
            p["profile"] for p in profiles if p["backlog"] and (p["last_error"] or p["stalled"])
        ]
        return {
            "schema": HEALTH_SCHEMA,
            "ok": self.listening and not stuck,
            "listening": self.listening,
            "started_at": _iso(self.started_at),
            "backlog": sum(p["backlog"] for p in profiles),
            "profiles": profiles,
        }
