"""One process per profile: an exclusive ``flock`` on a lock file beside the database.

The kernel releases a ``flock`` when its process dies, however it dies, so a lock file left
behind by a killed run is free and simply taken over: there is no stale-pid guessing. The
file's content (pid, host, start time, command) only serves the message a second process
shows. The file is never deleted: unlinking it would let two processes lock two different
files of the same name.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from orsync.env import ensure_private_dir, unusable_path
from orsync.errors import InternalError, LockHeld
from orsync.state._db import FILE_MODE, Clock, narrow_to_private, utc_now

# `orsync listen` holds the lock one short batch at a time (it is the command its lock file
# names). Another run that finds it there waits for its turn instead of exiting 75: listen and
# cron's `orsync sync` take turns, and neither fails because the other is running.
LISTEN_COMMAND = "orsync listen"
TURN_WAIT_SECONDS = 300.0
_TURN_POLL_SECONDS = 0.05
_BLANK_RECORD_WAIT_SECONDS = 0.5


@dataclass(frozen=True)
class LockHolder:
    """Who holds a profile lock, as written in the lock file (fields None if unreadable)."""

    pid: int | None
    hostname: str | None
    started_at: datetime | None
    command: str | None

    def describe(self, profile: str, now: datetime) -> str:
        if self.pid is None:
            return f"profile '{profile}' is being synced by another orsync process"
        where = f" on host {self.hostname}" if self.hostname else ""
        since = ""
        if self.started_at is not None:
            started = self.started_at.astimezone(UTC)
            same_day = started.date() == now.astimezone(UTC).date()
            shape = "%H:%M:%SZ" if same_day else "%Y-%m-%d %H:%M:%SZ"
            since = f" since {started.strftime(shape)}"
        command = f" ({self.command})" if self.command else ""
        return f"profile '{profile}' is being synced by pid {self.pid}{where}{since}{command}"


class ProfileLock:
    """The exclusive lock of one profile. Use as ``with ProfileLock(...).acquire(cmd):``."""

    def __init__(self, path: Path, *, profile: str, clock: Clock | None = None) -> None:
        self.path = path
        self.profile = profile
        self._clock: Clock = clock or utc_now
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(
        self,
        command: str,
        *,
        turn_wait: float = TURN_WAIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ProfileLock:
        """Take the lock at once or raise ``LockHeld`` (exit 75) naming the holder.

        Held by a listen batch (``LISTEN_COMMAND``), the lock is waited for, up to
        ``turn_wait`` seconds: that holder lets go within seconds."""
        if self._fd is not None:
            raise InternalError(f"the lock of profile '{self.profile}' is already held here")
        fd = _open_lock_file(self.path)
        started = monotonic()
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _read_holder(fd)
                    # A blank record may be a holder between taking the lock and naming itself.
                    patience = turn_wait if holder.command == LISTEN_COMMAND else 0.0
                    if holder.pid is None:
                        patience = min(turn_wait, _BLANK_RECORD_WAIT_SECONDS)
                    if command != LISTEN_COMMAND and monotonic() - started < patience:
                        sleep(_TURN_POLL_SECONDS)
                        continue
                    raise LockHeld(
                        holder.describe(self.profile, self._clock()),
                        hint="Wait for that run to finish; a scheduled run will simply try again.",
                    ) from None
        except BaseException:
            os.close(fd)
            raise
        now = self._clock()
        record = {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "started_at": now.isoformat(),
            "command": command,
            "profile": self.profile,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> ProfileLock:
        if not self.held:
            raise InternalError("use `with lock.acquire(command):`")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    @staticmethod
    def holder(path: Path) -> LockHolder | None:
        """Who holds the lock at ``path`` now, or None when nobody does.

        Probing takes a shared lock for an instant; a sync starting in that instant would
        see the lock held and exit 75 (and run next time), which is why only ``status``
        should probe.
        """
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_holder(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def lock_path_for(database: Path) -> Path:
    """The lock file beside a profile's database: ``<name>.sqlite3.lock``."""
    return database.with_name(database.name + ".lock")


def _open_lock_file(path: Path) -> int:
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as error:
        raise unusable_path(path, error) from None
    narrow_to_private(path)
    return fd


def _read_holder(fd: int) -> LockHolder:
    """The holder's record; blank if it has not written it yet or the file is foreign."""
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8"))
        pid = int(data["pid"])
        started_text = data.get("started_at")
        started_at = datetime.fromisoformat(started_text) if started_text else None
        if started_at is not None and started_at.tzinfo is None:
            started_at = None
    except (OSError, ValueError, KeyError, TypeError):
        return LockHolder(None, None, None, None)
    hostname = data.get("hostname")
    command = data.get("command")
    return LockHolder(
        pid=pid,
        hostname=str(hostname) if hostname else None,
        started_at=started_at,
        command=str(command) if command else None,
    )
