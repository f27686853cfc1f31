"""Value types of the ledger: statuses, kinds, target keys, failures and rows."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orsync.errors import InternalError, OrsyncError, RecordError
from orsync.state._db import DamagedState, from_optional_text, from_text, stored_int


class Status(StrEnum):
    """Where one write stands (DESIGN.md section 4)."""

    PLANNED = "planned"  # decided, not yet sent
    SENDING = "sending"  # committed just before the request left; outcome not yet known
    CONFIRMED = "confirmed"  # the target holds this version
    UNCONFIRMED = "unconfirmed"  # outcome ambiguous: look the record up before any resend
    FAILED = "failed"  # definite business error; retried when the input changes or on request


UNRESOLVED = (Status.UNCONFIRMED, Status.FAILED)


class Kind(StrEnum):
    """Record kinds known today. The ledger takes any ``[a-z][a-z0-9_]{0,31}`` string, so a
    new kind needs a member here, not a migration."""

    CUSTOMER = "customer"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    OVERPAYMENT = "overpayment"
    ALLOCATION = "allocation"
    WRITEBACK = "writeback"


class IllegalTransition(InternalError):
    """The engine asked the ledger for a status change the write protocol forbids."""


@dataclass(frozen=True)
class TargetKeys:
    """Where a record lives in the target system.

    ``key`` is what update/reverse functions take (Intacct RECORDNO, or the Sales document id
    ``<definition>-<docno>``); ``number`` is the human document number or CUSTOMERID;
    ``entity`` the Intacct entity (location id) whose session owns it, None at top level.
    """

    key: str | None = None
    number: str | None = None
    entity: str | None = None

    def merged_over(self, older: TargetKeys) -> TargetKeys:
        """These keys, falling back to ``older`` for each one not given."""
        return TargetKeys(
            key=self.key if self.key is not None else older.key,
            number=self.number if self.number is not None else older.number,
            entity=self.entity if self.entity is not None else older.entity,
        )


@dataclass(frozen=True)
class RecordFailure:
    """The last error of a write, in the terms a finance user can act on."""

    message: str
    code: str | None = None
    field: str | None = None
    hint: str | None = None

    @classmethod
    def from_error(cls, error: OrsyncError) -> RecordFailure:
        if isinstance(error, RecordError):
            return cls(error.message, code=error.code, field=error.field, hint=error.hint or None)
        return cls(error.message, code=type(error).__name__, hint=error.hint or None)


@dataclass(frozen=True)
class Adoption:
    """A record found in both systems, to be recorded as confirmed (ledger rebuild, relink)."""

    kind: str
    source_id: str
    version_hash: str
    target: TargetKeys


@dataclass(frozen=True)
class LedgerRow:
    """One record's write state.

    ``version_hash`` is the version last planned, sent or failed; ``confirmed_version`` the
    one the target is known to hold (kept through a later update's attempts, so an edit after
    a confirmed post reads as a change, and an unchanged record as nothing to do).
    ``attempts`` and ``first_attempt_at`` count sends of the current ``version_hash``.
    """

    kind: str
    source_id: str
    status: Status
    version_hash: str
    confirmed_version: str | None
    action: str | None
    controlid: str | None
    send_round: int
    attempts: int
    target: TargetKeys
    error: RecordFailure | None
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    status_at: datetime
    confirmed_at: datetime | None
    updated_run: int | None

    def is_confirmed_at(self, version_hash: str) -> bool:
        """True when the target already holds exactly this version: nothing to write."""
        return self.status is Status.CONFIRMED and self.confirmed_version == version_hash

    def failed_at(self, version_hash: str) -> bool:
        """True when this very version already failed (skip unless retrying failures)."""
        return self.status is Status.FAILED and self.version_hash == version_hash


DATA_COLUMNS = (
    "kind",
    "source_id",
    "status",
    "version_hash",
    "confirmed_version",
    "action",
    "controlid",
    "send_round",
    "attempts",
    "target_key",
    "target_number",
    "target_entity",
    "error_code",
    "error_message",
    "error_field",
    "error_hint",
    "first_attempt_at",
    "last_attempt_at",
    "status_at",
    "confirmed_at",
    "updated_run",
)
ROW_COLUMNS = ", ".join(("id", *DATA_COLUMNS))
# Positions in a ROW_COLUMNS result, for keyset pagination.
ID_INDEX = 0
STATUS_AT_INDEX = 1 + DATA_COLUMNS.index("status_at")
UPDATED_RUN_INDEX = 1 + DATA_COLUMNS.index("updated_run")


def row_from_sql(values: sqlite3.Row | tuple[object, ...]) -> LedgerRow:
    (
        _id,
        kind,
        source_id,
        status,
        version_hash,
        confirmed_version,
        action,
        controlid,
        send_round,
        attempts,
        target_key,
        target_number,
        target_entity,
        error_code,
        error_message,
        error_field,
        error_hint,
        first_attempt_at,
        last_attempt_at,
        status_at,
        confirmed_at,
        updated_run,
    ) = tuple(values)
    error = (
        None
        if error_message is None
        else RecordFailure(
            str(error_message),
            code=_opt(error_code),
            field=_opt(error_field),
            hint=_opt(error_hint),
        )
    )
    return LedgerRow(
        kind=str(kind),
        source_id=str(source_id),
        status=parse_status(status),
        version_hash=str(version_hash),
        confirmed_version=_opt(confirmed_version),
        action=_opt(action),
        controlid=_opt(controlid),
        send_round=stored_int(send_round, "send round"),
        attempts=stored_int(attempts, "attempt count"),
        target=TargetKeys(_opt(target_key), _opt(target_number), _opt(target_entity)),
        error=error,
        first_attempt_at=from_optional_text(_opt(first_attempt_at)),
        last_attempt_at=from_optional_text(_opt(last_attempt_at)),
        status_at=from_text(str(status_at)),
        confirmed_at=from_optional_text(_opt(confirmed_at)),
        updated_run=None if updated_run is None else stored_int(updated_run, "run id"),
    )


def parse_status(value: object) -> Status:
    """A ledger status as stored; anything else is a damaged file (exit 78), not a bug."""
    try:
        return Status(str(value))
    except ValueError:
        raise DamagedState(f"a ledger row with the status {str(value)[:40]!r}") from None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
