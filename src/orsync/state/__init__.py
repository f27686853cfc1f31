"""Per-profile state in SQLite: the write ledger, read cursors, runs, webhook inbox, lock.

See DESIGN.md section 4 and docs/architecture.md. Everything a caller needs is exported here,
including ``utc_now``: the clock every instant in the state is taken from.
"""

from orsync.state._db import utc_now
from orsync.state.controlid import CONTROLID_MAX_LENGTH, controlid
from orsync.state.cursors import DEFAULT_OVERLAP, Cursor, Cursors
from orsync.state.inbox import EventInbox, InboxBacklog, InboxEvent
from orsync.state.ledger import MAX_VERSION_LENGTH, Ledger
from orsync.state.ledger_reads import LedgerReads
from orsync.state.lock import LISTEN_COMMAND, LockHolder, ProfileLock, lock_path_for
from orsync.state.records import (
    UNRESOLVED,
    Adoption,
    IllegalTransition,
    Kind,
    LedgerRow,
    RecordFailure,
    Status,
    TargetKeys,
)
from orsync.state.run_writes import RunWrite, RunWrites
from orsync.state.runs import RunOutcome, RunRecord, Runs
from orsync.state.schema import (
    INBOX_RECORDS_VERSION,
    SCHEMA_VERSION,
    NewerStateSchema,
    schema_version,
)
from orsync.state.settings import RunSettings
from orsync.state.store import StateStore, check_profile_name, database_path, open_read_only

__all__ = [
    "CONTROLID_MAX_LENGTH",
    "DEFAULT_OVERLAP",
    "INBOX_RECORDS_VERSION",
    "LISTEN_COMMAND",
    "MAX_VERSION_LENGTH",
    "SCHEMA_VERSION",
    "UNRESOLVED",
    "Adoption",
    "Cursor",
    "Cursors",
    "EventInbox",
    "IllegalTransition",
    "InboxBacklog",
    "InboxEvent",
    "Kind",
    "Ledger",
    "LedgerReads",
    "LedgerRow",
    "LockHolder",
    "NewerStateSchema",
    "ProfileLock",
    "RecordFailure",
    "RunOutcome",
    "RunRecord",
    "RunSettings",
    "RunWrite",
    "RunWrites",
    "Runs",
    "StateStore",
    "Status",
    "TargetKeys",
    "check_profile_name",
    "controlid",
    "database_path",
    "lock_path_for",
    "open_read_only",
    "schema_version",
    "utc_now",
]
