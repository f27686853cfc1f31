"""The webhook event inbox: events recorded durably on receipt, processed later, once each.

OfficeRnD may deliver an event more than once; the event id is the table's primary key, so a
repeat is ignored (``record`` returns False) and processing stays idempotent. Only a hash of
the payload is kept, with the record the event is about (``record_kind``, ``record_id``): the
record itself is re-read from the API when the event is processed. An event a service refused
for now waits (``defer``) until ``not_before``; ``due`` hands out only events whose time came.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from orsync.errors import InternalError
from orsync.state._db import (
    Database,
    from_optional_text,
    from_text,
    keyset_scan,
    stored_int,
    to_text,
)

_PAGE = 500
_COLUMNS = (
    "event_id, event_type, received_at, payload_hash, processed_at, "
    "record_kind, record_id, attempts, not_before, last_error"
)


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    event_type: str
    received_at: datetime
    payload_hash: str
    processed_at: datetime | None
    record_kind: str = ""  # "document", "customer", or "" (nothing orsync syncs)
    record_id: str = ""
    attempts: int = 0
    not_before: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class InboxBacklog:
    """What ``/healthz`` and ``orsync status`` say about the inbox."""

    pending: int
    oldest_received_at: datetime | None
    last_received_at: datetime | None
    last_error: str | None  # of the pending event refused last, None when nothing waits


class EventInbox:
    """Webhook events of one profile. Obtain it from ``StateStore.inbox``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        event_id: str,
        *,
        event_type: str,
        payload_hash: str,
        received_at: datetime | None = None,
        record_kind: str = "",
        record_id: str = "",
    ) -> bool:
        """Store an event; False when this event id was already recorded (a redelivery).

        The commit is durable (``synchronous=FULL``) when this returns: only then may the
        delivery be acknowledged."""
        if not event_id:
            raise InternalError("a webhook event needs an id")
        received = to_text(received_at) if received_at is not None else self._db.now_text()
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO inbox (event_id, event_type, received_at, payload_hash, "
                "record_kind, record_id) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (event_id) DO NOTHING",
                (event_id, event_type, received, payload_hash, record_kind, record_id),
            )
            return cursor.rowcount == 1

    def get(self, event_id: str) -> InboxEvent | None:
        with self._db.reading() as conn:
            values = conn.execute(
                f"SELECT {_COLUMNS} FROM inbox WHERE event_id = ?",  # noqa: S608
                (event_id,),
            ).fetchone()
        return None if values is None else _event(values)

    def pending(self) -> Iterator[InboxEvent]:
        """Unprocessed events, oldest first, page by page."""
        scan = keyset_scan(
            self._db,
            select=f"SELECT {_COLUMNS} FROM inbox",  # noqa: S608
            where="processed_at IS NULL",
            params=(),
            order="received_at",
            tie="event_id",
            positions=(2, 0),
            page_size=_PAGE,
        )
        for values in scan:
            yield _event(values)

    def due(self, limit: int, now: datetime | None = None) -> list[InboxEvent]:
        """Up to ``limit`` unprocessed events whose wait (if any) is over, oldest first."""
        at = to_text(now) if now is not None else self._db.now_text()
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM inbox "  # noqa: S608
                "WHERE processed_at IS NULL AND (not_before IS NULL OR not_before <= ?) "
                "ORDER BY received_at, event_id LIMIT ?",
                (at, limit),
            ).fetchall()
        return [_event(values) for values in rows]

    def next_due_at(self) -> datetime | None:
        """When the earliest waiting event becomes due (None: none waits)."""
        with self._db.reading() as conn:
            value = conn.execute(
                "SELECT min(not_before) FROM inbox WHERE processed_at IS NULL"
            ).fetchone()[0]
        return None if value is None else from_text(str(value))

    def defer(self, event_ids: Iterable[str], *, until: datetime, error: str | None) -> int:
        """Keep events pending until ``until``, counting the attempt and its reason; without a
        reason (the lock held by another run: a wait, not a failure) no attempt is counted."""
        done = 0
        counted = 0 if error is None else 1
        iterator = iter(event_ids)
        while chunk := list(islice(iterator, _PAGE)):
            marks = ", ".join("?" * len(chunk))
            with self._db.transaction() as conn:
                done += conn.execute(
                    f"UPDATE inbox SET attempts = attempts + ?, not_before = ?, "  # noqa: S608
                    f"last_error = ? WHERE processed_at IS NULL AND event_id IN ({marks})",
                    (counted, to_text(until), error, *chunk),
                ).rowcount
        return done

    def mark_processed(self, event_ids: Iterable[str]) -> int:
        """Mark events processed; returns how many were pending."""
        done = 0
        now = self._db.now_text()
        iterator = iter(event_ids)
        while chunk := list(islice(iterator, _PAGE)):
            marks = ", ".join("?" * len(chunk))
            with self._db.transaction() as conn:
                done += conn.execute(
                    f"UPDATE inbox SET processed_at = ? WHERE processed_at IS NULL "  # noqa: S608
                    f"AND event_id IN ({marks})",
                    (now, *chunk),
                ).rowcount
        return done

    def count_pending(self) -> int:
        with self._db.reading() as conn:
            query = "SELECT count(*) FROM inbox WHERE processed_at IS NULL"
            return int(conn.execute(query).fetchone()[0])

    def backlog(self) -> InboxBacklog:
        with self._db.reading() as conn:
            pending, oldest = conn.execute(
                "SELECT count(*), min(received_at) FROM inbox WHERE processed_at IS NULL"
            ).fetchone()
            last = conn.execute("SELECT max(received_at) FROM inbox").fetchone()[0]
            error = conn.execute(
                "SELECT last_error FROM inbox WHERE processed_at IS NULL "
                "AND last_error IS NOT NULL ORDER BY not_before DESC LIMIT 1"
            ).fetchone()
        return InboxBacklog(
            pending=int(pending),
            oldest_received_at=from_optional_text(None if oldest is None else str(oldest)),
            last_received_at=from_optional_text(None if last is None else str(last)),
            last_error=None if error is None else str(error[0]),
        )

    def prune_processed(self, before: datetime) -> int:
        """Forget processed events received before ``before``; returns how many.

        Keep well over OfficeRnD's redelivery window, or a late repeat is processed again
        (harmless for correctness, since the ledger's version hashes dedupe the writes).
        """
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM inbox WHERE processed_at IS NOT NULL AND received_at < ?",
                (to_text(before),),
            ).rowcount


def _event(values: sqlite3.Row | tuple[object, ...]) -> InboxEvent:
    (
        event_id,
        event_type,
        received_at,
        payload_hash,
        processed_at,
        record_kind,
        record_id,
        attempts,
        not_before,
        last_error,
    ) = tuple(values)
    return InboxEvent(
        event_id=str(event_id),
        event_type=str(event_type),
        received_at=from_text(str(received_at)),
        payload_hash=str(payload_hash),
        processed_at=from_optional_text(None if processed_at is None else str(processed_at)),
        record_kind=str(record_kind),
        record_id=str(record_id),
        attempts=stored_int(attempts, "attempt count"),
        not_before=from_optional_text(None if not_before is None else str(not_before)),
        last_error=None if last_error is None else str(last_error),
    )
