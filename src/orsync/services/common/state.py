"""A profile's state opened read-only: the dry run and ``orsync status`` write nothing.

``StateStore.open`` creates, migrates and stamps the file (writes), and takes no notice of a
run in progress; here the file is opened with SQLite's ``mode=ro`` instead, and a profile that
never ran has no state at all (None; see ``open_read_only``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from orsync.state import (
    INBOX_RECORDS_VERSION,
    Cursors,
    EventInbox,
    LedgerReads,
    Runs,
    RunSettings,
    RunWrites,
    open_read_only,
    schema_version,
)


@dataclass(frozen=True)
class ReadOnlyState:
    path: Path
    ledger: LedgerReads
    cursors: Cursors
    runs: Runs
    settings: RunSettings
    inbox: EventInbox | None  # None: a state file from before `orsync listen`
    writes: RunWrites


@contextmanager
def read_only_state(path: Path) -> Iterator[ReadOnlyState | None]:
    db = open_read_only(path)
    if db is None:
        yield None
        return
    try:
        with db.reading() as conn:
            listens = schema_version(conn) >= INBOX_RECORDS_VERSION
        inbox = EventInbox(db) if listens else None
        yield ReadOnlyState(
            path, LedgerReads(db), Cursors(db), Runs(db), RunSettings(db), inbox, RunWrites(db)
        )
    finally:
        db.close()
