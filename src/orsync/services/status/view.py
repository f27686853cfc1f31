"""``orsync status``: the last runs of a profile and what is left over, oldest first.

Read-only: the state file is opened with SQLite's read-only mode and the lock is only probed,
so ``status`` can run beside a sync (and under cron) without disturbing it.

``--json`` schema ``orsync.status/1``::

    {
      "schema": "orsync.status/1",
      "profile": "main",
      "state_file": "/.../main.sqlite3",          # null when the profile never ran
      "running": {"pid", "hostname", "started_at", "command"} | null,
      "runs": [{"id", "command", "started_at", "ended_at", "outcome", "exit_code", "counts",
                "message", "alive"}],             # newest first
      "ledger": {kind: {status: n}},
      "cursors": [{"stream", "value", "updated_at"}],
      "unresolved": [{"kind", "source_id", "status", "since", "attempts", "number",
                      "code", "field", "message", "fix"}],   # oldest first
      "unresolved_not_listed": 0,
      "inbox": {"pending", "oldest_pending_at", "last_event_at", "last_error"}
    }                                             # inbox: webhook events orsync listen keeps
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from orsync.env import state_dir as default_state_dir
from orsync.errors import UsageError
from orsync.services.common import read_only_state
from orsync.state import (
    Cursor,
    InboxBacklog,
    LedgerRow,
    LockHolder,
    ProfileLock,
    RunRecord,
    RunWrite,
    Status,
    database_path,
    lock_path_for,
)

STATUS_SCHEMA = "orsync.status/1"
DEFAULT_RUNS = 10
DEFAULT_ROWS = 200


@dataclass
class StatusReport:
    profile: str
    state_file: Path | None
    running: LockHolder | None = None
    runs: list[RunRecord] = field(default_factory=list)
    ledger: dict[str, dict[str, int]] = field(default_factory=dict)
    cursors: list[Cursor] = field(default_factory=list)
    unresolved: list[LedgerRow] = field(default_factory=list)
    unresolved_not_listed: int = 0
    inbox: InboxBacklog | None = None
    # The OfficeRnD number (or customer name) of unresolved rows, by (kind, source id).
    numbers: dict[tuple[str, str], str] = field(default_factory=dict)

    def number(self, row: LedgerRow) -> str | None:
        return self.numbers.get((row.kind, row.source_id)) or row.target.number

    @property
    def unresolved_total(self) -> int:
        return len(self.unresolved) + self.unresolved_not_listed

    def count(self, status: Status) -> int:
        return sum(by_status.get(status.value, 0) for by_status in self.ledger.values())

    def explain(self, row: LedgerRow) -> tuple[str, str]:
        """The message and fix shown for an unresolved row: its recorded error, or, when none
        was recorded (a run killed mid-write leaves rows ``sending``), what its status means."""
        if row.error is not None:
            return row.error.message, row.error.hint or ""
        record = f"{row.kind} {self.number(row) or row.source_id}"
        if self.running is not None:
            return f"{record}: the running sync is writing it", ""
        if row.status in (Status.SENDING, Status.UNCONFIRMED):
            return (
                f"{record}: the run stopped while sending it, so Intacct may or may not have it",
                NEXT_SYNC_LOOKS_UP,
            )
        return f"{record}: planned by a run that stopped before sending it", NEXT_SYNC_SENDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": STATUS_SCHEMA,
            "profile": self.profile,
            "state_file": None if self.state_file is None else str(self.state_file),
            "running": None if self.running is None else _holder(self.running),
            "runs": [_run(r, self.running) for r in self.runs],
            "ledger": self.ledger,
            "cursors": [
                {
                    "stream": c.stream,
                    "value": c.value.isoformat(),
                    "updated_at": c.updated_at.isoformat(),
                }
                for c in self.cursors
            ],
            "unresolved": [
                unresolved_row(r, self.explain(r), self.number(r)) for r in self.unresolved
            ],
            "unresolved_not_listed": self.unresolved_not_listed,
            "inbox": None if self.inbox is None else _inbox(self.inbox),
        }


def profile_status(
    profile_name: str,
    *,
    state_dir: Path | None = None,
    runs: int = DEFAULT_RUNS,
    rows: int = DEFAULT_ROWS,
) -> StatusReport:
    """What the profile's state says now; a profile that never ran has an empty report."""
    # More than SQLite's LIMIT or islice() can take means "all of them".
    runs, rows = min(runs, sys.maxsize), min(rows, sys.maxsize)
    path = database_path(state_dir or default_state_dir(), profile_name)
    with read_only_state(path) as state:
        if state is None:
            return StatusReport(profile_name, None)
        report = StatusReport(profile_name, path)
        report.running = ProfileLock.holder(lock_path_for(path))
        report.runs = state.runs.last(runs)
        report.ledger = {
            kind: {status.value: n for status, n in by_status.items()}
            for kind, by_status in sorted(state.ledger.counts().items())
        }
        report.cursors = state.cursors.all()
        statuses = (Status.SENDING, Status.UNCONFIRMED, Status.FAILED, Status.PLANNED)
        unresolved = state.ledger.iter_unresolved(statuses)
        report.unresolved = list(islice(unresolved, rows))
        report.unresolved_not_listed = sum(1 for _ in unresolved)
        if state.inbox is not None:
            report.inbox = state.inbox.backlog()
        report.numbers = state.ledger.source_numbers(report.unresolved)
        return report


RUN_SCHEMA = "orsync.run/1"


@dataclass
class RunDetail:
    """What one run did: its record, each write it made, and totals per entity and currency.

    ``--json`` schema ``orsync.run/1``::

        {"schema": "orsync.run/1", "profile": "main",
         "run": {... as in orsync.status/1 ...},
         "writes": [{"kind", "source_id", "number", "action", "target_key", "entity",
                     "amount", "currency", "written_at"}],      # in the order written
         "totals": [{"entity", "currency", "kind", "action", "count", "amount"}]}
    """

    profile: str
    run: RunRecord
    writes: list[RunWrite]
    running: LockHolder | None = None

    def totals(self) -> list[dict[str, Any]]:
        sums: dict[tuple[str, str, str, str], list[Any]] = {}
        for write in self.writes:
            if write.amount is None or write.currency is None:
                continue
            key = (write.entity or "", write.currency, write.kind, write.action)
            entry = sums.setdefault(key, [0, Decimal(0)])
            entry[0] += 1
            entry[1] += write.amount
        return [
            {
                "entity": entity or None,
                "currency": currency,
                "kind": kind,
                "action": action,
                "count": count,
                "amount": f"{amount:.2f}",
            }
            for (entity, currency, kind, action), (count, amount) in sorted(sums.items())
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RUN_SCHEMA,
            "profile": self.profile,
            "run": _run(self.run, self.running),
            "writes": [w.to_dict() for w in self.writes],
            "totals": self.totals(),
        }


def run_detail(profile_name: str, run_id: int, *, state_dir: Path | None = None) -> RunDetail:
    """Run ``run_id`` of the profile and its writes; a usage error (exit 2, as ``--run 0``)
    when there is no such run: the number was mistyped, nothing is misconfigured."""
    path = database_path(state_dir or default_state_dir(), profile_name)
    with read_only_state(path) as state:
        record = None if state is None else state.runs.get(run_id)
        if state is None or record is None:
            last = state.runs.last(1) if state is not None else []
            raise UsageError(
                f"profile {profile_name!r} has no run {run_id}",
                hint=f"The last run is {last[0].id}; `orsync status` lists the recent ones."
                if last
                else "It has never run: `orsync sync` starts the first.",
            )
        return RunDetail(
            profile_name,
            record,
            list(state.writes.for_run(run_id)),
            ProfileLock.holder(lock_path_for(path)),
        )


NEXT_SYNC_LOOKS_UP = (
    "Nothing to do by hand: the next `orsync sync` looks it up in Intacct by its OfficeRnD "
    "number and sends it only if Intacct does not have it."
)
NEXT_SYNC_SENDS = "Nothing to do by hand: the next `orsync sync` sends it."


def unresolved_row(
    row: LedgerRow, explained: tuple[str, str], number: str | None = None
) -> dict[str, Any]:
    error = row.error
    message, fix = explained
    return {
        "kind": row.kind,
        "source_id": row.source_id,
        "status": row.status.value,
        "since": row.status_at.isoformat(),
        "attempts": row.attempts,
        "number": number or row.target.number,
        "code": None if error is None else error.code,
        "field": None if error is None else error.field,
        "message": message,
        "fix": fix or None,
    }


def _inbox(backlog: InboxBacklog) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return None if value is None else str(value.isoformat())

    return {
        "pending": backlog.pending,
        "oldest_pending_at": iso(backlog.oldest_received_at),
        "last_event_at": iso(backlog.last_received_at),
        "last_error": backlog.last_error,
    }


def _holder(holder: LockHolder) -> dict[str, Any]:
    return {
        "pid": holder.pid,
        "hostname": holder.hostname,
        "started_at": None if holder.started_at is None else holder.started_at.isoformat(),
        "command": holder.command,
    }


def _run(run: RunRecord, holder: LockHolder | None) -> dict[str, Any]:
    return {
        "id": run.id,
        "command": run.command,
        "started_at": run.started_at.isoformat(),
        "ended_at": None if run.ended_at is None else run.ended_at.isoformat(),
        "outcome": None if run.outcome is None else run.outcome.value,
        "exit_code": run.exit_code,
        "counts": run.counts,
        "message": run.message,
        "alive": run.is_alive(holder),
    }
