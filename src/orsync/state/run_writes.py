"""What each run wrote: one row per document or customer created, updated, reversed or
adopted, with the OfficeRnD number, the Intacct key, the amount and the currency.

Rows are added in the transaction that records the write's outcome in the ledger, tagged with
the active run; ``orsync status --run N`` lists them. The table is absent from a state file
written before it existed and opened read-only: such a file reads as "nothing recorded".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from orsync.state._db import Database, from_text, stored_decimal


@dataclass(frozen=True)
class RunWrite:
    run_id: int
    kind: str  # invoice, credit_note, company, member
    source_id: str
    number: str | None  # the OfficeRnD number (or a customer's name)
    action: str  # created, updated, reversed, adopted
    target_key: str | None
    entity: str | None
    amount: Decimal | None
    currency: str | None
    written_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source_id": self.source_id,
            "number": self.number,
            "action": self.action,
            "target_key": self.target_key,
            "entity": self.entity,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "currency": self.currency,
            "written_at": self.written_at.isoformat(),
        }


_COLUMNS = (
    "run_id, kind, source_id, number, action, target_key, entity, amount, currency, written_at"
)


class RunWrites:
    """The writes of a profile's runs. Obtain it from ``StateStore.writes``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        kind: str,
        source_id: str,
        action: str,
        *,
        number: str | None = None,
        target_key: str | None = None,
        entity: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        """Record a write of the active run (nothing outside a run: a dry run writes none)."""
        run_id = self._db.active_run_id
        if run_id is None:
            return
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO run_writes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                (
                    run_id,
                    kind,
                    source_id,
                    number,
                    action,
                    target_key,
                    entity,
                    None if amount is None else str(amount),
                    currency,
                    self._db.now_text(),
                ),
            )

    def for_run(self, run_id: int) -> Iterator[RunWrite]:
        """The run's writes in the order they were recorded (streamed)."""
        with self._db.reading() as conn:
            if not _exists(conn):
                return
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM run_writes WHERE run_id = ? ORDER BY id",  # noqa: S608
                (run_id,),
            ).fetchall()
        for values in rows:
            yield _write(values)


def _exists(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_writes'"
    ).fetchone()
    return found is not None


def _write(values: tuple[Any, ...]) -> RunWrite:
    run_id, kind, source_id, number, action, key, entity, amount, currency, at = values
    return RunWrite(
        run_id=int(run_id),
        kind=str(kind),
        source_id=str(source_id),
        number=number,
        action=str(action),
        target_key=key,
        entity=entity,
        amount=None if amount is None else stored_decimal(amount, "amount"),
        currency=currency,
        written_at=from_text(at),
    )
