"""The SQLite connection behind a profile's state: file modes, pragmas, transactions, instants.

One connection per open store, shared by the ledger, cursors, runs and inbox, guarded by one
re-entrant lock so that engine worker threads may record outcomes. Transactions are explicit
(``BEGIN IMMEDIATE`` ... ``COMMIT``): the write lock is taken up front, so a transaction never
fails half-way on a lock upgrade, and nested ``transaction()`` blocks join the outer one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from orsync.env import ensure_private_dir, state_dir, unusable_path
from orsync.errors import ConfigError, InternalError, OrsyncError, TemporaryError

Clock = Callable[[], datetime]

# Waiting this long for another connection's write (``orsync status`` reading while a sync
# commits) is far better than failing; a sync holds the write lock only for milliseconds.
BUSY_TIMEOUT_MS = 10_000

# FULL, not NORMAL: in WAL mode NORMAL skips the fsync at commit, so after a power cut or OS
# crash the last commits can vanish. The commit that matters most is the one that marks a
# write ``sending`` just before the request leaves: if it vanished while Intacct executed the
# request, the next run would not know to look the record up before resending. FULL costs
# one fsync per commit; writes are marked in batches (one commit per Intacct request of up to
# 100 functions) against ~100 ms of network per request, so the cost is noise.
SYNCHRONOUS = "FULL"

FILE_MODE = 0o600

REBUILD_HINT = "Move the file aside; `orsync reconcile --rebuild-ledger` rebuilds it."


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_text(instant: datetime) -> str:
    """Store an instant as fixed-width UTC text, so that text order is time order."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InternalError(f"naive datetime {instant!r} given where an instant is required")
    utc = instant.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


class DamagedState(ConfigError):
    """A value in the state file that orsync never writes (a hand edit, another program):
    the file is the user's to move aside, not a bug (exit 78)."""

    def __init__(self, what: str, *, path: Path | None = None) -> None:
        # Found while parsing a row the connection already returned: the folder is named
        # when the file is not known here (each profile's file is <profile>.sqlite3 in it).
        where = f"the state file {path}" if path is not None else f"a state file in {state_dir()}"
        super().__init__(f"{where} holds {what}, which orsync never writes", hint=REBUILD_HINT)
        self.what = what
        self.path = path


def stored_int(value: object, what: str) -> int:
    """An integer column as orsync writes it, or DamagedState for a hand edit ('abc', 1.5)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise DamagedState(f"the {what} {str(value)[:40]!r}")


def stored_decimal(value: object, what: str) -> Decimal:
    """An amount column as orsync writes it (decimal text), or DamagedState for a hand edit."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise DamagedState(f"the {what} {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise DamagedState(f"the {what} {str(value)[:40]!r}")
    return amount


def from_text(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise DamagedState(f"the timestamp {text[:40]!r}") from None
    return instant


def from_optional_text(text: str | None) -> datetime | None:
    return None if text is None else from_text(text)


def ensure_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if absent; narrow it to 0600 if it is wider.

    Creating the file before SQLite opens it means SQLite never creates it with the process
    umask; SQLite then gives its ``-wal`` and ``-shm`` files the main file's permissions.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        narrow_to_private(path)
    else:
        os.close(fd)


def narrow_to_private(path: Path) -> None:
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & ~FILE_MODE:
        os.chmod(path, FILE_MODE)


def unusable_state_file(path: Path, exc: sqlite3.Error) -> OrsyncError | None:
    """What a failed SQLite call on the state file means for the user, or None for a bug.

    A damaged or foreign file, a full or failing disk, a busy file: each is named with the
    file and the fix. A broken constraint or a misused API is a bug in orsync and stays one.
    """
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return None
    name = getattr(exc, "sqlite_errorname", None) or ""
    reason = str(exc) if len(str(exc)) <= 120 else f"{str(exc)[:117]}..."
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return TemporaryError(
            f"the state file {path} is busy ({reason})", hint="Run the command again."
        )
    if name.startswith(
        ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN")
    ):
        return ConfigError(
            f"the state file {path} cannot be read or written ({reason})",
            hint=f"Check the free space and the permissions of {path.parent}.",
        )
    return ConfigError(
        f"the state file {path} cannot be used as an orsync state database ({reason})",
        hint=REBUILD_HINT,
    )


class Database:
    """A connection to one profile's state file, with its lock, clock and active run."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        self.path = path
        self.clock: Clock = clock or utc_now
        self.active_run_id: int | None = None
        self._lock = threading.RLock()
        self._depth = 0
        ensure_private_dir(path.parent)
        try:
            ensure_private_file(path)
        except OSError as exc:
            raise unusable_path(path, exc) from None
        try:
            self.conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise unusable_state_file(path, exc) or exc from exc
        try:
            self._configure()
        except BaseException as exc:
            self.conn.close()
            error = unusable_state_file(path, exc) if isinstance(exc, sqlite3.Error) else None
            if error is None:
                raise
            raise error from exc
        for suffix in ("-wal", "-shm"):
            narrow_to_private(path.with_name(path.name + suffix))

    @classmethod
    def read_only(cls, path: Path) -> Database:
        """``path`` opened with SQLite's ``mode=ro``: nothing is created, migrated or written.

        Only ``reading()`` is meant to be used on it (no transaction is ever opened).
        """
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise unusable_state_file(path, exc) or exc from exc
        db = cls.__new__(cls)
        db.path, db.clock, db.active_run_id, db.conn = path, utc_now, None, conn
        db._lock, db._depth = threading.RLock(), 0
        return db

    def _configure(self) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ConfigError(
                f"the state file {self.path} cannot use write-ahead logging (got {mode!r})",
                hint="Keep ORSYNC_HOME on a local disk (not a network share).",
            )
        self.conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        self.conn.execute("PRAGMA foreign_keys = ON")

    def now(self) -> datetime:
        instant = self.clock()
        if instant.tzinfo is None:
            raise InternalError("the state clock returned a naive datetime")
        return instant

    def now_text(self) -> str:
        return to_text(self.now())

    @contextmanager
    def explained(self) -> Iterator[None]:
        """Turn a failed SQLite call on this file into the error the user can act on (a
        damaged page may only show when a read reaches it, long after the file opened)."""
        try:
            yield
        except DamagedState as exc:
            if exc.path is not None:
                raise
            raise DamagedState(exc.what, path=self.path) from None
        except sqlite3.Error as exc:
            error = unusable_state_file(self.path, exc)
            if error is None:
                raise
            raise error from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable unit; nested blocks join the outermost, which commits."""
        with self._lock, self.explained():
            outermost = self._depth == 0
            if outermost:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (disk full, I/O error) can leave the transaction open.
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Exclusive use of the connection for a read (no transaction of its own)."""
        with self._lock, self.explained():
            yield self.conn

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def close(self) -> None:
        with self._lock:
            if self._depth:
                raise InternalError("the state database was closed inside a transaction")
            self.conn.close()


def keyset_scan(
    db: Database,
    *,
    select: str,
    where: str,
    params: Sequence[object],
    order: str,
    tie: str,
    positions: tuple[int, int],
    upper: object | None = None,
    page_size: int = 500,
) -> Iterator[tuple[object, ...]]:
    """Stream ``select ... where`` ordered by ``(order, tie)``, one page in memory at a time.

    Each page is read afresh from where the last one ended, so the caller may write between
    rows. ``(order, tie) > (?, ?)`` as a row value is not an index seek in SQLite (it seeks
    on ``order`` only and filters ``tie``, which is quadratic when many rows share an
    ``order`` value, e.g. rows recovered in one statement), so the rest of the current
    ``order`` value and the later values are two separate seeks on an index that starts
    with the ``where`` equality columns and ends with ``(order, tie)``. ``positions`` are
    the indexes of ``order`` and ``tie`` in the selected columns; ``upper`` bounds
    ``order`` (inclusive).
    """
    bound = "" if upper is None else f" AND {order} <= ?"
    bound_params: tuple[object, ...] = () if upper is None else (upper,)
    first_sql = f"{select} WHERE {where}{bound} ORDER BY {order}, {tie} LIMIT ?"
    same_sql = f"{select} WHERE {where} AND {order} = ? AND {tie} > ? ORDER BY {tie} LIMIT ?"
    later_sql = f"{select} WHERE {where} AND {order} > ?{bound} ORDER BY {order}, {tie} LIMIT ?"
    last: tuple[object, object] | None = None
    while True:
        with db.reading() as conn:
            if last is None:
                page = conn.execute(first_sql, (*params, *bound_params, page_size)).fetchall()
            else:
                page = conn.execute(same_sql, (*params, *last, page_size)).fetchall()
                if len(page) < page_size:
                    rest = page_size - len(page)
                    later_params = (*params, last[0], *bound_params, rest)
                    page += conn.execute(later_sql, later_params).fetchall()
        yield from page
        if len(page) < page_size:
            return
        last = (page[-1][positions[0]], page[-1][positions[1]])
