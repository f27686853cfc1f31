"""``StateStore``: one profile's state file, opened, migrated, and split into its parts.

Typical use by a command that writes::

    db = database_path(state_dir, profile)
    with ProfileLock(lock_path_for(db), profile=profile).acquire("orsync sync") as lock, \\
            StateStore.open(db, profile=profile) as store:
        run = store.begin_run(lock, "sync", {"full": False})
        ...  # store.ledger, store.cursors
        store.finish_run(run.id, exit_code=0, counts={"invoice.created": 12})

``orsync status`` opens the store without the lock and reads ``runs.last()``,
``ledger.counts()`` and ``ledger.iter_unresolved()``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from orsync.errors import ConfigError, InternalError
from orsync.state._db import Clock, Database
from orsync.state.cursors import Cursors
from orsync.state.inbox import EventInbox
from orsync.state.ledger import Ledger
from orsync.state.lock import ProfileLock, lock_path_for
from orsync.state.run_writes import RunWrites
from orsync.state.runs import RunRecord, Runs
from orsync.state.schema import (
    NEWER_SCHEMA_HINT,
    SCHEMA_VERSION,
    NewerStateSchema,
    migrate,
    schema_version,
)
from orsync.state.settings import RunSettings

PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DATABASE_SUFFIX = ".sqlite3"


def check_profile_name(profile: str) -> str:
    """Profile names become file names: letters, digits, ``_ . -``, at most 64."""
    if not PROFILE_NAME.fullmatch(profile):
        raise ConfigError(
            f"profile name {profile!r} is not usable",
            hint="Use letters, digits, '_', '.' and '-' (up to 64, starting with a letter or "
            "digit).",
        )
    return profile


def database_path(state_dir: Path, profile: str) -> Path:
    """Where a profile's state lives: ``<state_dir>/<profile>.sqlite3``."""
    return state_dir / f"{check_profile_name(profile)}{DATABASE_SUFFIX}"


def open_read_only(path: Path) -> Database | None:
    """The state at ``path`` for a command that writes nothing, or None when there is none yet.

    A missing file, or one never migrated (a run stopped between creating and migrating it,
    or a foreign SQLite file), holds no orsync state: the next writing run starts it afresh,
    and a reader must see the same. A file from a newer orsync is refused, as by ``open``.
    """
    if not path.exists():
        return None
    db = Database.read_only(path)
    try:
        with db.reading() as conn:
            version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise NewerStateSchema(
                f"the state file {path} has schema version {version}, newer than the "
                f"{SCHEMA_VERSION} this orsync knows",
                hint=NEWER_SCHEMA_HINT,
            )
    except BaseException:
        db.close()
        raise
    if version == 0:
        db.close()
        return None
    return db


class StateStore:
    """The ledger, cursors, runs and event inbox of one profile, over one SQLite file."""

    def __init__(self, db: Database, *, profile: str, namespace: str) -> None:
        self._db = db
        self.profile = profile
        self.ledger = Ledger(db, namespace)
        self.cursors = Cursors(db)
        self.runs = Runs(db)
        self.inbox = EventInbox(db)
        self.settings = RunSettings(db)
        self.writes = RunWrites(db)

    @classmethod
    def open(cls, path: Path, *, profile: str, clock: Clock | None = None) -> StateStore:
        """Open (creating and migrating as needed) the state file at ``path``.

        Created files are 0600 in a 0700 folder. The controlid namespace is the profile name
        recorded when the file was created, so renaming a profile keeps its controlids.
        """
        db = Database(path, clock=clock)
        try:
            with db.explained():
                migrate(db.conn)
            with db.transaction() as conn:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('controlid_namespace', ?) "
                    "ON CONFLICT (key) DO NOTHING",
                    (profile,),
                )
                namespace = conn.execute(
                    "SELECT value FROM meta WHERE key = 'controlid_namespace'"
                ).fetchone()[0]
        except BaseException:
            db.close()
            raise
        return cls(db, profile=profile, namespace=str(namespace))

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def lock_path(self) -> Path:
        return lock_path_for(self._db.path)

    @property
    def active_run_id(self) -> int | None:
        return self._db.active_run_id

    def begin_run(self, lock: ProfileLock, command: str, options: Mapping[str, Any]) -> RunRecord:
        """Open a run under the profile lock.

        In the same transaction, runs left open by dead processes become ``interrupted`` and
        writes they left ``sending`` become ``unconfirmed`` (to be looked up, never resent
        blind). Every ledger and cursor change until ``finish_run`` is tagged with this run.
        """
        if lock.path != self.lock_path or not lock.held:
            raise InternalError("begin_run needs this profile's lock, held")
        if self._db.active_run_id is not None:
            raise InternalError(f"run {self._db.active_run_id} is still open in this process")
        try:
            with self._db.transaction() as conn:
                self.runs._mark_interrupted(conn, lock)
                self._db.active_run_id = self.runs._start(conn, command, options)
                self.ledger.recover_in_flight()
        except BaseException:
            self._db.active_run_id = None
            raise
        record = self.runs.get(self._db.active_run_id)
        assert record is not None
        return record

    def finish_run(
        self,
        run_id: int,
        *,
        exit_code: int,
        counts: Mapping[str, int],
        message: str | None = None,
    ) -> RunRecord:
        """Close a run with its exit code (which gives the outcome) and counts by outcome."""
        with self._db.transaction() as conn:
            self.runs._finish(conn, run_id, exit_code, counts, message)
        if self._db.active_run_id == run_id:
            self._db.active_run_id = None
        record = self.runs.get(run_id)
        assert record is not None
        return record

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
