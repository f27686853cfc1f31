"""The ledger: one row per (kind, source id), the write protocol of DESIGN.md section 4.

Transitions (anything else raises ``IllegalTransition``):

    (none|planned|confirmed|failed) --plan--------> planned
    (none|planned|confirmed|failed) --mark_sending-> sending      new controlid
    sending     --confirm-----------> confirmed
    sending     --mark_unconfirmed--> unconfirmed  (ambiguous outcome)
    sending     --fail--------------> failed       (definite business error)
    unconfirmed --confirm-----------> confirmed    (the lookup found it)
    unconfirmed --resend------------> sending      (the lookup proved it absent; same controlid)
    unconfirmed --mark_absent-------> planned      (proved absent; a newer version goes next)
    (none|planned|confirmed|failed) --fail--> failed (refused before sending: unmapped value,
                                                      conflict with a paid document, ...)
    any         --adopt-------------> confirmed    (both systems' truth, from reconcile)
    failed      --restore_confirmed-> confirmed    (read again as the confirmed version)
    sending     --recover_in_flight-> unconfirmed  (a previous process died mid-write)

There is deliberately no way from ``sending`` or ``unconfirmed`` to a fresh send: such a
write may have happened, and only a lookup in the target may decide.

Controlids are ``controlid(namespace, kind, source_id, version_hash, send_round=n)``. ``resend``
reuses the row's id; every ``mark_sending`` takes the next round of the row, so a version that
comes back after an edit is undone, or a deliberate re-post, never repeats an id Intacct
already executed (with ``uniqueid=true`` it would refuse it as a duplicate).

Note for the engine: after an *update* went unconfirmed, "found" means the document holds the
version sent, not merely that it exists (it existed before the update).

Every mutation commits on its own unless it runs inside ``batch()``, which makes the whole
block one transaction (one fsync): mark a request's functions ``sending`` in one batch, and the
commit at the end of the block is what makes it safe to send.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from itertools import islice

from orsync.errors import InternalError
from orsync.redact import redact
from orsync.state._db import Database, to_text
from orsync.state.controlid import check_kind, controlid
from orsync.state.ledger_reads import PAGE_SIZE, LedgerReads, select_one
from orsync.state.records import (
    DATA_COLUMNS,
    Adoption,
    IllegalTransition,
    LedgerRow,
    RecordFailure,
    Status,
    TargetKeys,
)

MAX_VERSION_LENGTH = 128

_FRESH = (None, Status.PLANNED, Status.CONFIRMED, Status.FAILED)

_UPSERT = (
    f"INSERT INTO ledger ({', '.join(DATA_COLUMNS)}) VALUES ({', '.join('?' * len(DATA_COLUMNS))}) "  # noqa: S608
    "ON CONFLICT (kind, source_id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in DATA_COLUMNS[2:])
)  # the column names are this package's constants; every value is a bound parameter


class Ledger(LedgerReads):
    """Write state of one profile's records. Obtain it from ``StateStore.ledger``."""

    def __init__(self, db: Database, namespace: str) -> None:
        super().__init__(db)
        self._namespace = namespace

    # -- identifiers ---------------------------------------------------------------------

    def controlid_for(
        self, kind: str, source_id: str, version_hash: str, *, send_round: int = 0
    ) -> str:
        """The controlid this profile uses (``controlid(namespace, ...)``)."""
        return controlid(self._namespace, kind, source_id, version_hash, send_round=send_round)

    def batch(self) -> AbstractContextManager[sqlite3.Connection]:
        """Group mutations into one transaction, committed (durably) when the block ends."""
        return self._db.transaction()

    # -- the write protocol --------------------------------------------------------------

    def plan(
        self, kind: str, source_id: str, version_hash: str, *, action: str | None = None
    ) -> LedgerRow:
        """Record that this version is to be written (nothing sent yet)."""
        check_version(version_hash)
        with self._db.transaction() as conn:
            old = self._require(conn, kind, source_id, _FRESH, "plan")
            new = self._base(old, kind, source_id, version_hash)
            new = replace(new, status=Status.PLANNED, action=action or new.action, error=None)
            return self._save(conn, old, new)

    def mark_sending(
        self,
        kind: str,
        source_id: str,
        version_hash: str,
        *,
        action: str | None = None,
        number: str | None = None,
    ) -> LedgerRow:
        """Start a new write of this version; the returned row carries its controlid.
        ``number``: the record's OfficeRnD number (or name), kept for ``orsync status``.

        Commit (leave the ``batch()`` block) before the request leaves.
        """
        check_version(version_hash)
        with self._db.transaction() as conn:
            if number:
                conn.execute(
                    "INSERT INTO source_numbers (kind, source_id, number) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, source_id) DO UPDATE SET number = excluded.number",
                    (kind, source_id, number),
                )
            old = self._require(conn, kind, source_id, _FRESH, "mark_sending")
            new = self._base(old, kind, source_id, version_hash)
            # Each new write gets a round never used before for this row, so that a version
            # that comes back (an edit undone) or a deliberate re-post is not refused by
            # Intacct as a repeat of an earlier, executed function.
            send_round = new.send_round + 1 if new.controlid is not None else new.send_round
            now = self._db.now()
            new = replace(
                new,
                status=Status.SENDING,
                action=action or new.action,
                send_round=send_round,
                controlid=self.controlid_for(kind, source_id, version_hash, send_round=send_round),
                attempts=new.attempts + 1,
                first_attempt_at=new.first_attempt_at or now,
                last_attempt_at=now,
                error=None,
            )
            return self._save(conn, old, new)

    def resend(self, kind: str, source_id: str) -> LedgerRow:
        """Send an unconfirmed write again, same version and controlid: only after a lookup in
        the target proved the record absent."""
        with self._db.transaction() as conn:
            old = self._existing(conn, kind, source_id, (Status.UNCONFIRMED,), "resend")
            now = self._db.now()
            new = replace(
                old, status=Status.SENDING, attempts=old.attempts + 1, last_attempt_at=now
            )
            return self._save(conn, old, replace(new, error=None))

    def confirm(self, kind: str, source_id: str, target: TargetKeys | None = None) -> LedgerRow:
        """The target holds the version sent; ``target`` keys given replace the stored ones."""
        with self._db.transaction() as conn:
            allowed = (Status.SENDING, Status.UNCONFIRMED)
            old = self._existing(conn, kind, source_id, allowed, "confirm")
            new = replace(
                old,
                status=Status.CONFIRMED,
                confirmed_version=old.version_hash,
                confirmed_at=self._db.now(),
                target=(target or TargetKeys()).merged_over(old.target),
                error=None,
            )
            return self._save(conn, old, new)

    def restore_confirmed(self, kind: str, source_id: str) -> LedgerRow:
        """A failed record read again exactly as Intacct holds it (its confirmed version): the
        failure was of an input that is gone (a broken answer, an edit undone), so the row is
        confirmed again instead of staying failed, and listed, on every later run."""
        with self._db.transaction() as conn:
            old = self._existing(conn, kind, source_id, (Status.FAILED,), "restore_confirmed")
            if old.confirmed_version is None:
                raise IllegalTransition(
                    f"restore_confirmed: {kind} {source_id!r} was never confirmed"
                )
            new = replace(
                old,
                status=Status.CONFIRMED,
                version_hash=old.confirmed_version,
                attempts=0,
                error=None,
            )
            return self._save(conn, old, new)

    def mark_unconfirmed(self, kind: str, source_id: str, error: RecordFailure) -> LedgerRow:
        """The outcome of the send is unknown (timeout, 5xx, 524, lost connection, ...)."""
        with self._db.transaction() as conn:
            old = self._existing(conn, kind, source_id, (Status.SENDING,), "mark_unconfirmed")
            return self._save(conn, old, replace(old, status=Status.UNCONFIRMED, error=error))

    def mark_absent(self, kind: str, source_id: str) -> LedgerRow:
        """A lookup proved an unconfirmed write absent and the record changed since: plan anew
        (``mark_sending`` with the new version gets a fresh controlid)."""
        with self._db.transaction() as conn:
            old = self._existing(conn, kind, source_id, (Status.UNCONFIRMED,), "mark_absent")
            return self._save(conn, old, replace(old, status=Status.PLANNED, error=None))

    def fail(
        self,
        kind: str,
        source_id: str,
        error: RecordFailure,
        *,
        version_hash: str | None = None,
    ) -> LedgerRow:
        """A definite business error. ``version_hash`` names the version that failed; it is
        required unless the row is ``sending`` (then the version sent is the one)."""
        with self._db.transaction() as conn:
            old = self._require(conn, kind, source_id, (*_FRESH, Status.SENDING), "fail")
            if old is not None and old.status is Status.SENDING:
                if version_hash not in (None, old.version_hash):
                    raise IllegalTransition(
                        f"fail: {kind} {source_id!r} is sending version {old.version_hash!r}, "
                        f"not {version_hash!r}"
                    )
                new = old
            else:
                if version_hash is None:
                    raise IllegalTransition(
                        f"fail: {kind} {source_id!r} was not being sent; name the version "
                        "that failed"
                    )
                check_version(version_hash)
                new = self._base(old, kind, source_id, version_hash)
            return self._save(conn, old, replace(new, status=Status.FAILED, error=error))

    def recover_in_flight(self) -> int:
        """Turn every ``sending`` row into ``unconfirmed``: their process is gone (call with
        the profile lock held) and whether Intacct executed them is unknown."""
        failure = RecordFailure(
            "the previous run stopped while this write was in flight; its outcome is unknown",
            code="interrupted",
            hint="The next sync looks the record up in Intacct before sending it again.",
        )
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE ledger SET status = ?, error_code = ?, error_message = ?, "
                "error_field = NULL, error_hint = ?, status_at = ?, updated_run = ? "
                "WHERE status = ?",
                (
                    Status.UNCONFIRMED.value,
                    failure.code,
                    failure.message,
                    failure.hint,
                    self._db.now_text(),
                    self._db.active_run_id,
                    Status.SENDING.value,
                ),
            )
            return cursor.rowcount

    # -- rebuild support -----------------------------------------------------------------

    def adopt(self, kind: str, source_id: str, version_hash: str, target: TargetKeys) -> LedgerRow:
        """Record a document found in the target as the confirmed write of this version."""
        with self._db.transaction() as conn:
            return self._adopt(conn, Adoption(kind, source_id, version_hash, target))

    def adopt_many(self, adoptions: Iterable[Adoption]) -> int:
        """``adopt`` each item, committing every ``PAGE_SIZE`` rows; returns the count."""
        count = 0
        iterator = iter(adoptions)
        while chunk := list(islice(iterator, PAGE_SIZE)):
            with self._db.transaction() as conn:
                for adoption in chunk:
                    self._adopt(conn, adoption)
            count += len(chunk)
        return count

    def _adopt(self, conn: sqlite3.Connection, adoption: Adoption) -> LedgerRow:
        check_version(adoption.version_hash)
        old = select_one(conn, check_kind(adoption.kind), adoption.source_id)
        new = self._base(old, adoption.kind, adoption.source_id, adoption.version_hash)
        now = self._db.now()
        # The documents adopted may have been posted by an earlier ledger (lost or cleared)
        # whose rounds are unknown; starting the row's next round at the current Unix time
        # keeps its controlids apart from any a small per-row counter could have reached.
        next_round = max(new.send_round + 1, int(now.timestamp()))
        new = replace(
            new,
            status=Status.CONFIRMED,
            confirmed_version=adoption.version_hash,
            confirmed_at=now,
            controlid=None,
            send_round=next_round,
            target=adoption.target.merged_over(new.target),
            error=None,
        )
        return self._save(conn, old, new)

    def forget_target(self, kind: str, source_id: str) -> None:
        """The row no longer points at any Intacct document (reconcile found it gone): sync
        then plans a create. Its send round jumps past every round used so far (as ``adopt``
        does), so the new create's controlid differs from the one Intacct already executed
        for the deleted document and ``uniqueid`` does not refuse it as a repeat. No row: no
        change."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE ledger SET status = 'planned', confirmed_version = NULL, "
                "target_key = NULL, target_number = NULL, target_entity = NULL, "
                "controlid = NULL, send_round = MAX(send_round + 1, ?), attempts = 0, "
                "error_code = NULL, error_message = NULL, error_field = NULL, "
                "error_hint = NULL, status_at = ? WHERE kind = ? AND source_id = ?",
                (int(self._db.now().timestamp()), self._db.now_text(), check_kind(kind), source_id),
            )

    def clear(self, kinds: Iterable[str] | None = None) -> int:
        """Delete the ledger's rows (of ``kinds`` only, if given); returns how many."""
        with self._db.transaction() as conn:
            if kinds is None:
                return conn.execute("DELETE FROM ledger").rowcount
            chosen = [check_kind(kind) for kind in kinds]
            marks = ", ".join("?" * len(chosen))
            return conn.execute(f"DELETE FROM ledger WHERE kind IN ({marks})", chosen).rowcount  # noqa: S608

    # -- internals -----------------------------------------------------------------------

    def _require(
        self,
        conn: sqlite3.Connection,
        kind: str,
        source_id: str,
        allowed: Sequence[Status | None],
        operation: str,
    ) -> LedgerRow | None:
        check_kind(kind)
        if not source_id:
            raise InternalError(f"{operation}: empty source id for {kind}")
        row = select_one(conn, kind, source_id)
        current = None if row is None else row.status
        if current not in allowed:
            state = "no ledger row" if current is None else f"status {current.value!r}"
            raise IllegalTransition(f"{operation}: {kind} {source_id!r} has {state}")
        return row

    def _existing(
        self,
        conn: sqlite3.Connection,
        kind: str,
        source_id: str,
        allowed: Sequence[Status],
        operation: str,
    ) -> LedgerRow:
        row = self._require(conn, kind, source_id, allowed, operation)
        if row is None:  # unreachable: None is never in ``allowed`` here
            raise IllegalTransition(f"{operation}: {kind} {source_id!r} has no ledger row")
        return row

    def _base(
        self, old: LedgerRow | None, kind: str, source_id: str, version_hash: str
    ) -> LedgerRow:
        """``old`` (or a new row) set to ``version_hash``; attempts restart for a new version."""
        now = self._db.now()
        if old is None:
            return LedgerRow(
                kind=kind,
                source_id=source_id,
                status=Status.PLANNED,
                version_hash=version_hash,
                confirmed_version=None,
                action=None,
                controlid=None,
                send_round=0,
                attempts=0,
                target=TargetKeys(),
                error=None,
                first_attempt_at=None,
                last_attempt_at=None,
                status_at=now,
                confirmed_at=None,
                updated_run=None,
            )
        if old.version_hash == version_hash:
            return old
        return replace(old, version_hash=version_hash, attempts=0, first_attempt_at=None)

    def _save(self, conn: sqlite3.Connection, old: LedgerRow | None, row: LedgerRow) -> LedgerRow:
        # status_at says since when the row is in its status (for this version): "oldest
        # first" then means the longest-waiting problem, not the least recently retried one.
        moved = old is None or old.status != row.status or old.version_hash != row.version_hash
        status_at = self._db.now() if moved else row.status_at
        row = replace(row, status_at=status_at, updated_run=self._db.active_run_id)
        error = row.error
        if error is not None:
            # Intacct's error text can quote the request; nothing secret may reach the file.
            error = RecordFailure(
                redact(error.message),
                code=error.code,
                field=error.field,
                hint=None if error.hint is None else redact(error.hint),
            )
            row = replace(row, error=error)
        conn.execute(_UPSERT, _row_values(row))
        return row


def check_version(version_hash: str) -> None:
    if not version_hash or len(version_hash) > MAX_VERSION_LENGTH:
        raise InternalError(
            f"version hash must be 1-{MAX_VERSION_LENGTH} characters (got {len(version_hash)})"
        )


def _row_values(row: LedgerRow) -> tuple[object, ...]:
    error = row.error
    return (
        row.kind,
        row.source_id,
        row.status.value,
        row.version_hash,
        row.confirmed_version,
        row.action,
        row.controlid,
        row.send_round,
        row.attempts,
        row.target.key,
        row.target.number,
        row.target.entity,
        None if error is None else error.code,
        None if error is None else error.message,
        None if error is None else error.field,
        None if error is None else error.hint,
        _opt_text(row.first_attempt_at),
        _opt_text(row.last_attempt_at),
        to_text(row.status_at),
        _opt_text(row.confirmed_at),
        row.updated_run,
    )


def _opt_text(instant: datetime | None) -> str | None:
    return None if instant is None else to_text(instant)
