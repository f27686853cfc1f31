"""A profile's state opened read-only: the dry run and ``orsync status`` write nothing.

``StateStore.open`` creates, migrates and stamps the file (writes), and takes no notice of a
run in progress; here the file is opened with SQLite's ``mode=ro`` instead, and a profile that
never ran has no state at all (None).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from orsync.errors import ConfigError
from orsync.state import Cursors, Runs
from orsync.state._db import Database, utc_now
from orsync.state.ledger_reads import LedgerReads


@dataclass(frozen=True)
class ReadOnlyState:
    path: Path
    ledger: LedgerReads
    cursors: Cursors
    runs: Runs


@contextmanager
def read_only_state(path: Path) -> Iterator[ReadOnlyState | None]:
    if not path.exists():
        yield None
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"the state file {path} cannot be read ({exc})",
            hint="Move the file aside; `orsync reconcile --rebuild-ledger` rebuilds it.",
        ) from exc
    # A Database around the read-only connection: only its reading() path is used by the
    # ledger reads, cursors and runs below (no transaction is ever opened on it).
    db = Database.__new__(Database)
    db.path, db.clock, db.active_run_id, db.conn = path, utc_now, None, conn
    db._lock, db._depth = threading.RLock(), 0
    try:
        yield ReadOnlyState(path, LedgerReads(db), Cursors(db), Runs(db))
    finally:
        conn.close()
