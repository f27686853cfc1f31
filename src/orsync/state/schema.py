"""The state schema and its ordered migrations, versioned by ``PRAGMA user_version``.

``MIGRATIONS[n]`` brings a database from version ``n`` to ``n + 1``. Each runs in its own
transaction together with the version bump, so a failure leaves the file at the previous
version, untouched. Never edit a released migration: append a new one.

No column is constrained to a list of kinds, so later record kinds (payments, allocations,
write-backs) need no migration; statuses are a closed protocol and are checked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from orsync.errors import ConfigError

Migration = Sequence[str]

_V1_LEDGER_CURSORS_RUNS: Migration = (
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        source_id TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('planned', 'sending', 'confirmed', 'unconfirmed', 'failed')),
        version_hash TEXT NOT NULL,
        confirmed_version TEXT,
        action TEXT,
        controlid TEXT,
        send_round INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        target_key TEXT,
        target_number TEXT,
        target_entity TEXT,
        error_code TEXT,
        error_message TEXT,
        error_field TEXT,
        error_hint TEXT,
        first_attempt_at TEXT,
        last_attempt_at TEXT,
        status_at TEXT NOT NULL,
        confirmed_at TEXT,
        updated_run INTEGER,
        UNIQUE (kind, source_id)
    )
    """,
    "CREATE INDEX ledger_by_status ON ledger (status, status_at, id)",
    "CREATE INDEX ledger_by_run ON ledger (updated_run, id)",
    "CREATE INDEX ledger_by_target ON ledger (kind, target_key)",
    """
    CREATE TABLE cursors (
        stream TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_run INTEGER
    )
    """,
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        command TEXT NOT NULL,
        options TEXT NOT NULL,
        pid INTEGER NOT NULL,
        hostname TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT
            CHECK (outcome IS NULL OR outcome IN ('ok', 'partial', 'error', 'interrupted')),
        exit_code INTEGER,
        counts TEXT,
        message TEXT
    )
    """,
    "CREATE INDEX runs_open ON runs (id) WHERE outcome IS NULL",
)

_V2_EVENT_INBOX: Migration = (
    """
    CREATE TABLE inbox (
        event_id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        received_at TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        processed_at TEXT
    )
    """,
    "CREATE INDEX inbox_pending ON inbox (received_at, event_id) WHERE processed_at IS NULL",
)

# `orsync listen`: which record an event is about (so the worker syncs it by id without
# keeping the payload), and the backoff of events a service refused for now.
_V3_INBOX_RECORDS: Migration = (
    "ALTER TABLE inbox ADD COLUMN record_kind TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE inbox ADD COLUMN record_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE inbox ADD COLUMN not_before TEXT",
    "ALTER TABLE inbox ADD COLUMN last_error TEXT",
)

# What each run wrote, one row per write (a document, a customer): finance's "what did last
# night's run post, for how much" without reading Intacct. Money as text (exact decimals).
RUN_WRITES: Migration = (
    """
    CREATE TABLE run_writes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        source_id TEXT NOT NULL,
        number TEXT,
        action TEXT NOT NULL,
        target_key TEXT,
        entity TEXT,
        amount TEXT,
        currency TEXT,
        written_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX run_writes_by_run ON run_writes (run_id, id)",
    # The OfficeRnD number (or customer name) of each record sent, so that `orsync status`
    # names a write left sending or unconfirmed by its number, not by OfficeRnD's internal id.
    """
    CREATE TABLE source_numbers (
        kind TEXT NOT NULL,
        source_id TEXT NOT NULL,
        number TEXT NOT NULL,
        PRIMARY KEY (kind, source_id)
    )
    """,
)

MIGRATIONS: tuple[Migration, ...] = (
    _V1_LEDGER_CURSORS_RUNS,
    _V2_EVENT_INBOX,
    _V3_INBOX_RECORDS,
    RUN_WRITES,
)
SCHEMA_VERSION = len(MIGRATIONS)
# The first version whose inbox knows the record of each event (read-only readers check it).
INBOX_RECORDS_VERSION = MIGRATIONS.index(_V3_INBOX_RECORDS) + 1
NEWER_SCHEMA_HINT = "Upgrade orsync (a downgrade cannot read state written by a newer one)."


class NewerStateSchema(ConfigError):
    """The state file was written by a newer orsync than this one."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every migration the database lacks, in order; return the resulting version.

    The version is re-read inside each write transaction, so two processes opening the same
    old file at once apply each migration exactly once.
    """
    target = len(migrations)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > target:
                raise NewerStateSchema(
                    f"the state file has schema version {current}, newer than the {target} "
                    "this orsync knows",
                    hint=NEWER_SCHEMA_HINT,
                )
            if current == target:
                conn.execute("COMMIT")
                return current
            for statement in migrations[current]:
                conn.execute(statement)
            # PRAGMA does not take parameters; the value is an int we computed.
            conn.execute(f"PRAGMA user_version = {current + 1:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
