"""Per-stream high-water marks for incremental reads (DESIGN.md section 4).

The protocol for one stream (e.g. ``officernd.invoices``):

1. ``read_started_at = <now>`` (the signpost), taken before the first page is requested.
2. ``since = cursors.read_from(stream, overlap=...)`` and read with an INCLUSIVE bound
   (``modifiedAt[$gte]=since``); ``None`` means read everything.
3. Record every record read in the ledger (confirmed, failed, unconfirmed or planned rows
   are all fine: the ledger, not the cursor, remembers unfinished work).
4. ``cursors.advance(stream, read_from=since, max_seen=<largest modifiedAt read>,
   read_started_at=read_started_at)``.

Why an overlap and not "ids already seen at the cursor instant": a record can be modified
twice within one timestamp tick, and skipping it by id would lose the second change. Reading
``>= cursor - overlap`` re-reads a few records each run instead, and the ledger's version
hashes make a re-read of an unchanged record cost nothing. The overlap also absorbs clock
skew between the services and index lag in the source.

The cursor never goes beyond the signpost (a record modified while the pages were being read
may have been passed over, since OfficeRnD pages by ``_id``, not by ``modifiedAt``), and
``advance`` never moves it backwards; ``set`` and ``reset`` are the explicit overrides.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from orsync.errors import InternalError
from orsync.state._db import DamagedState, Database, from_text, stored_int, to_text

# Generous on purpose: a re-read of an unchanged record costs a hash comparison, a missed one
# costs a missing invoice. Covers clock skew, index lag and same-second ties.
DEFAULT_OVERLAP = timedelta(minutes=5)
# A cursor is never later than the read that set it started (min(max_seen, read start)), so
# one past now by more than a clock correction is a hand edit; kept, it would read nothing
# new for years and silently skip every document created meanwhile.
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Cursor:
    stream: str
    value: datetime
    updated_at: datetime
    updated_run: int | None


class Cursors:
    """High-water marks of one profile. Obtain it from ``StateStore.cursors``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, stream: str) -> Cursor | None:
        with self._db.reading() as conn:
            return self._load(conn, stream)

    def all(self) -> list[Cursor]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT stream, value, updated_at, updated_run FROM cursors ORDER BY stream"
            ).fetchall()
        return [_cursor(values) for values in rows]

    def read_from(
        self,
        stream: str,
        *,
        overlap: timedelta = DEFAULT_OVERLAP,
        since: datetime | None = None,
    ) -> datetime | None:
        """Inclusive lower bound of the next read: ``since`` (``--since``) when given, else
        the cursor minus ``overlap``; None when there is no cursor (read everything)."""
        if overlap < timedelta(0):
            raise InternalError("a cursor overlap cannot be negative")
        if since is not None:
            to_text(since)  # rejects a naive datetime
            return since
        cursor = self.get(stream)
        if cursor is None:
            return None
        if cursor.value > self._db.now() + FUTURE_SLACK:
            raise DamagedState(
                f"the {stream} cursor {to_text(cursor.value)!r}, later than now",
                path=self._db.path,
            )
        return cursor.value - overlap

    def advance(
        self,
        stream: str,
        *,
        read_from: datetime | None,
        max_seen: datetime | None,
        read_started_at: datetime,
    ) -> Cursor | None:
        """After a read from ``read_from``, move the cursor to ``min(max_seen,
        read_started_at)`` when that is later than it is; return the cursor.

        Call only after the ledger rows for everything read are committed. It stays put when
        nothing was read (``max_seen`` None), and when the read started later than the cursor
        (a ``--since`` after it): moving past records never read would lose them for good.
        A ``--since`` read on a stream with no cursor yet does set one ("start from DATE").
        """
        read_start_text = to_text(read_started_at)
        with self._db.transaction() as conn:
            current = self._load(conn, stream)
            if max_seen is None:
                return current
            if current is not None and read_from is not None and read_from > current.value:
                return current
            candidate = min(to_text(max_seen), read_start_text)
            if current is not None and to_text(current.value) >= candidate:
                return current
            self._write(conn, stream, candidate)
            return self._load(conn, stream)

    def set(self, stream: str, value: datetime) -> Cursor:
        """Put the cursor at ``value``, earlier or later (an explicit override)."""
        with self._db.transaction() as conn:
            self._write(conn, stream, to_text(value))
            cursor = self._load(conn, stream)
        assert cursor is not None
        return cursor

    def reset(self, stream: str | None = None) -> int:
        """Forget one stream's cursor, or all of them: the next read starts from scratch."""
        with self._db.transaction() as conn:
            if stream is None:
                return conn.execute("DELETE FROM cursors").rowcount
            return conn.execute("DELETE FROM cursors WHERE stream = ?", (stream,)).rowcount

    def _write(self, conn: sqlite3.Connection, stream: str, value_text: str) -> None:
        if not stream:
            raise InternalError("a cursor needs a stream name")
        conn.execute(
            "INSERT INTO cursors (stream, value, updated_at, updated_run) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (stream) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, updated_run = excluded.updated_run",
            (stream, value_text, self._db.now_text(), self._db.active_run_id),
        )

    def _load(self, conn: sqlite3.Connection, stream: str) -> Cursor | None:
        values = conn.execute(
            "SELECT stream, value, updated_at, updated_run FROM cursors WHERE stream = ?",
            (stream,),
        ).fetchone()
        return None if values is None else _cursor(values)


def _cursor(values: tuple[object, ...]) -> Cursor:
    stream, value, updated_at, updated_run = values
    return Cursor(
        stream=str(stream),
        value=from_text(str(value)),
        updated_at=from_text(str(updated_at)),
        updated_run=None if updated_run is None else stored_int(updated_run, "run id"),
    )
