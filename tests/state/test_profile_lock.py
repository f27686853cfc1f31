"""One process per profile: a second run is refused at once, naming the one running."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orsync.errors import ExitCode, InternalError, LockHeld
from orsync.state import ProfileLock, lock_path_for
from tests.state.conftest import PROFILE, ManualClock

HOLD_UNTIL_STDIN_CLOSES = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orsync.state import ProfileLock

    with ProfileLock(Path(sys.argv[1]), profile="acme").acquire("orsync sync --full"):
        print("locked", flush=True)
        sys.stdin.read()
    """
)


@pytest.fixture
def lock_path(db_path: Path) -> Path:
    return lock_path_for(db_path)


def test_a_second_acquisition_fails_at_once_naming_the_holder(
    lock_path: Path, clock: ManualClock
) -> None:
    with ProfileLock(lock_path, profile=PROFILE, clock=clock).acquire("orsync sync"):
        clock.advance(minutes=2, seconds=11)
        with pytest.raises(LockHeld) as raised:
            ProfileLock(lock_path, profile=PROFILE, clock=clock).acquire("orsync sync")
    error = raised.value
    assert error.exit_code == ExitCode.TEMPORARY == 75
    assert str(error) == (
        f"profile 'acme' is being synced by pid {os.getpid()} on host {socket.gethostname()} "
        "since 10:00:00Z (orsync sync)"
    )
    assert error.hint


def test_a_lock_held_by_another_process_names_that_process(lock_path: Path) -> None:
    lock_path.parent.mkdir(parents=True)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_UNTIL_STDIN_CLOSES, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld, match=rf"by pid {child.pid} on host .*\(orsync sync --full\)"):
            ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync")
        holder = ProfileLock.holder(lock_path)
        assert holder is not None and holder.pid == child.pid
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync") as lock:
        assert lock.held


def test_a_lock_file_left_by_a_dead_process_is_taken_over(lock_path: Path) -> None:
    lock_path.parent.mkdir(parents=True)
    stale = {"pid": 999_999, "hostname": "gone", "started_at": "2026-01-01T00:00:00+00:00"}
    lock_path.write_text(json.dumps(stale))
    assert ProfileLock.holder(lock_path) is None, "nobody holds a flock on it"
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync"):
        record = json.loads(lock_path.read_text())
        assert record["pid"] == os.getpid()
        assert record["command"] == "orsync sync"
        assert record["hostname"] == socket.gethostname()


def test_the_lock_is_released_on_exit_even_after_an_error(lock_path: Path) -> None:
    with (
        pytest.raises(RuntimeError),
        ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync"),
    ):
        raise RuntimeError("the sync crashed")
    assert ProfileLock.holder(lock_path) is None
    assert lock_path.exists(), "the file stays, so that every process locks the same inode"
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync"):
        pass


def test_holder_reports_who_holds_the_lock(lock_path: Path, clock: ManualClock) -> None:
    assert ProfileLock.holder(lock_path) is None, "no lock file yet"
    with ProfileLock(lock_path, profile=PROFILE, clock=clock).acquire("orsync reconcile"):
        holder = ProfileLock.holder(lock_path)
        assert holder is not None
        assert (holder.pid, holder.command) == (os.getpid(), "orsync reconcile")
        assert holder.started_at == clock()
    assert ProfileLock.holder(lock_path) is None


def test_a_holder_since_an_earlier_day_is_shown_with_its_date(lock_path: Path) -> None:
    yesterday = ManualClock(datetime(2026, 11, 25, 23, 59, 0, tzinfo=UTC))
    with ProfileLock(lock_path, profile=PROFILE, clock=yesterday).acquire("orsync sync"):
        yesterday.advance(hours=1)
        with pytest.raises(LockHeld, match="since 2026-11-25 23:59:00Z"):
            ProfileLock(lock_path, profile=PROFILE, clock=yesterday).acquire("orsync sync")


def test_a_holder_that_has_not_written_its_details_yet_still_gives_a_clear_message(
    lock_path: Path,
) -> None:
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync"):
        lock_path.write_text("")  # as between the holder's flock and its write
        with pytest.raises(LockHeld, match="profile 'acme' is being synced by another orsync"):
            ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync")


def test_acquiring_twice_through_one_object_is_a_bug(lock_path: Path) -> None:
    lock = ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync")
    try:
        with pytest.raises(InternalError):
            lock.acquire("orsync sync")
    finally:
        lock.release()
    lock.release()  # releasing twice is harmless
    assert not lock.held


def test_the_lock_file_is_private(lock_path: Path) -> None:
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync"):
        assert lock_path.stat().st_mode & 0o777 == 0o600
        assert lock_path.parent.stat().st_mode & 0o777 == 0o700


def test_started_at_is_recorded_as_an_instant(lock_path: Path, clock: ManualClock) -> None:
    with ProfileLock(lock_path, profile=PROFILE, clock=clock).acquire("orsync sync"):
        started = datetime.fromisoformat(json.loads(lock_path.read_text())["started_at"])
    assert started.utcoffset() == timedelta(0) and started == clock()


class _FakeTime:
    """monotonic() and sleep() that move together, without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


def test_a_run_waits_its_turn_while_a_listen_batch_holds_the_lock(lock_path: Path) -> None:
    from orsync.state import LISTEN_COMMAND

    batch = ProfileLock(lock_path, profile=PROFILE).acquire(LISTEN_COMMAND)
    fake = _FakeTime()

    def sleep(seconds: float) -> None:
        fake.sleep(seconds)
        if fake.sleeps == 3:
            batch.release()  # the batch is done

    with ProfileLock(lock_path, profile=PROFILE).acquire(
        "orsync sync", monotonic=fake.monotonic, sleep=sleep
    ) as cron:
        assert cron.held
    assert fake.sleeps == 3


def test_the_turn_has_a_limit_and_other_holders_are_not_waited_for(lock_path: Path) -> None:
    from orsync.state import LISTEN_COMMAND

    fake = _FakeTime()
    with ProfileLock(lock_path, profile=PROFILE).acquire(LISTEN_COMMAND):
        with pytest.raises(LockHeld, match="orsync listen"):
            ProfileLock(lock_path, profile=PROFILE).acquire(
                "orsync sync", turn_wait=2.0, monotonic=fake.monotonic, sleep=fake.sleep
            )
        assert 2.0 <= fake.now < 2.2
        waited = fake.sleeps
        # A second listener does not queue behind the first: it defers its own events.
        with pytest.raises(LockHeld):
            ProfileLock(lock_path, profile=PROFILE).acquire(
                LISTEN_COMMAND, monotonic=fake.monotonic, sleep=fake.sleep
            )
        assert fake.sleeps == waited
    with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync --full"):
        with pytest.raises(LockHeld):
            ProfileLock(lock_path, profile=PROFILE).acquire(
                "orsync sync", monotonic=fake.monotonic, sleep=fake.sleep
            )
        assert fake.sleeps == waited, "cron never waits for cron"
