"""The webhook event inbox: events recorded durably on receipt, processed later, once each.

OfficeRnD may deliver an event more than once; the event id is the table's primary key, so a
repeat is ignored (``record`` returns False) and processing stays idempotent. Only a hash of
the payload is kept: the record itself is re-read from the API when the event is processed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from orsync.errors import InternalError
from orsync.state._db import Database, from_optional_text, from_text, keyset_scan, to_text

_PAGE = 500
_COLUMNS = "event_id, event_type, received_at, payload_hash, processed_at"


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    event_type: str
    received_at: datetime
    payload_hash: str
    processed_at: datetime | None


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
    ) -> bool:
        """Store an event; False when this event id was already recorded (a redelivery)."""
        if not event_id:
            raise InternalError("a webhook event needs an id")
        received = to_text(received_at) if received_at is not None else self._db.now_text()
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO inbox (event_id, event_type, received_at, payload_hash) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                (event_id, event_type, received, payload_hash),
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
    event_id, event_type, received_at, payload_hash, processed_at = tuple(values)
    return InboxEvent(
        event_id=str(event_id),
        event_type=str(event_type),
        received_at=from_text(str(received_at)),
        payload_hash=str(payload_hash),
        processed_at=from_optional_text(None if processed_at is None else str(processed_at)),
    )
