"""Runs of a profile: what ran, when, with which options, and how it ended.

A run row is opened under the profile lock and closed by ``finish``. A row still open when the
next process takes the lock belongs to a process that died (SIGKILL, power cut): it is marked
``interrupted`` then. ``status``, which does not take the lock, tells a live run from a dead
one by comparing the row's pid and host with the lock holder (``RunRecord.is_alive``).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from orsync.errors import ExitCode, InternalError
from orsync.redact import redact
from orsync.state._db import (
    DamagedState,
    Database,
    from_optional_text,
    from_text,
    stored_int,
)
from orsync.state.lock import LockHolder, ProfileLock


class RunOutcome(StrEnum):
    OK = "ok"  # exit 0
    PARTIAL = "partial"  # exit 1: some records failed / differences found
    ERROR = "error"  # any other exit code
    INTERRUPTED = "interrupted"  # Ctrl-C (130), or the process died without finishing


def outcome_for(exit_code: int) -> RunOutcome:
    if exit_code == ExitCode.OK:
        return RunOutcome.OK
    if exit_code == ExitCode.PARTIAL:
        return RunOutcome.PARTIAL
    if exit_code == ExitCode.INTERRUPTED:
        return RunOutcome.INTERRUPTED
    return RunOutcome.ERROR


@dataclass(frozen=True)
class RunRecord:
    id: int
    command: str
    options: dict[str, Any]
    pid: int
    hostname: str
    started_at: datetime
    ended_at: datetime | None
    outcome: RunOutcome | None  # None while the row is open
    exit_code: int | None
    counts: dict[str, int]
    message: str | None

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    def is_alive(self, holder: LockHolder | None) -> bool:
        """An open run whose process still holds the profile lock (see ``ProfileLock.holder``)."""
        return (
            self.is_open
            and holder is not None
            and holder.pid == self.pid
            and holder.hostname == self.hostname
        )


_COLUMNS = (
    "id, command, options, pid, hostname, started_at, ended_at, outcome, exit_code, counts, message"
)


class Runs:
    """Run history of one profile. Obtain it from ``StateStore.runs``; runs are opened and
    closed through ``StateStore.begin_run`` and ``StateStore.finish_run``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, run_id: int) -> RunRecord | None:
        with self._db.reading() as conn:
            return _load(conn, run_id)

    def last(self, limit: int = 10) -> list[RunRecord]:
        """The ``limit`` most recent runs, newest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?",  # noqa: S608
                (limit,),
            ).fetchall()
        return [_record(values) for values in rows]

    def open_runs(self) -> list[RunRecord]:
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM runs WHERE outcome IS NULL ORDER BY id"  # noqa: S608
            ).fetchall()
        return [_record(values) for values in rows]

    def _start(self, conn: sqlite3.Connection, command: str, options: Mapping[str, Any]) -> int:
        options_text = redact(json.dumps(dict(options), sort_keys=True, default=str))
        cursor = conn.execute(
            "INSERT INTO runs (command, options, pid, hostname, started_at) VALUES (?, ?, ?, ?, ?)",
            (command, options_text, os.getpid(), socket.gethostname(), self._db.now_text()),
        )
        run_id = cursor.lastrowid
        if run_id is None:
            raise InternalError("the run row was not inserted")
        return run_id

    def _mark_interrupted(self, conn: sqlite3.Connection, lock: ProfileLock) -> list[int]:
        """Close every open run: with the lock held here, their processes are gone."""
        if not lock.held:
            raise InternalError("open runs may be marked interrupted only under the lock")
        open_rows = conn.execute(
            f"SELECT {_COLUMNS} FROM runs WHERE outcome IS NULL ORDER BY id"  # noqa: S608
        ).fetchall()
        interrupted = [_record(values) for values in open_rows]
        for record in interrupted:
            conn.execute(
                "UPDATE runs SET outcome = ?, message = ? WHERE id = ?",
                (
                    RunOutcome.INTERRUPTED.value,
                    f"the process (pid {record.pid} on host {record.hostname}) ended without "
                    "finishing the run",
                    record.id,
                ),
            )
        return [record.id for record in interrupted]

    def _finish(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        exit_code: int,
        counts: Mapping[str, int],
        message: str | None,
    ) -> None:
        record = _load(conn, run_id)
        if record is None or not record.is_open:
            raise InternalError(f"run {run_id} is not open")
        conn.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, exit_code = ?, counts = ?, message = ? "
            "WHERE id = ?",
            (
                self._db.now_text(),
                outcome_for(exit_code).value,
                exit_code,
                json.dumps({str(key): int(value) for key, value in counts.items()}),
                None if message is None else redact(message),
                run_id,
            ),
        )


def _load(conn: sqlite3.Connection, run_id: int) -> RunRecord | None:
    values = conn.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()  # noqa: S608
    return None if values is None else _record(values)


def _record(values: tuple[Any, ...]) -> RunRecord:
    (
        run_id,
        command,
        options,
        pid,
        hostname,
        started_at,
        ended_at,
        outcome,
        exit_code,
        counts,
        message,
    ) = values
    return RunRecord(
        id=int(run_id),
        command=str(command),
        options=_json_object(options, "options"),
        pid=_integer(pid, "pid"),
        hostname=str(hostname),
        started_at=from_text(started_at),
        ended_at=from_optional_text(ended_at),
        outcome=None if outcome is None else _outcome(outcome),
        exit_code=None if exit_code is None else _integer(exit_code, "exit code"),
        counts={}
        if counts is None
        else {str(k): _integer(v, "count") for k, v in _json_object(counts, "counts").items()},
        message=message,
    )


def _json_object(text: Any, what: str) -> dict[str, Any]:
    """A run's JSON column as orsync wrote it (an object), or DamagedState for a hand edit."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise DamagedState(f"the run {what} {str(text)[:40]!r}")
    return value


def _integer(value: Any, what: str) -> int:
    return stored_int(value, f"run {what}")


def _outcome(value: str) -> RunOutcome:
    try:
        return RunOutcome(value)
    except ValueError:
        raise DamagedState(f"a run with the outcome {value[:40]!r}") from None
