"""Run history for `orsync status`, including runs whose process died."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from orsync.errors import InternalError
from orsync.redact import forget_secrets, register_secret
from orsync.state import ProfileLock, RunOutcome, StateStore, lock_path_for
from tests.state.conftest import PROFILE, ManualClock


def test_a_run_records_its_command_options_times_counts_and_outcome(
    store: StateStore, lock: ProfileLock, clock: ManualClock
) -> None:
    run = store.begin_run(lock, "sync", {"full": True, "only": ["invoices"]})
    assert run.is_open and run.outcome is None and run.ended_at is None
    assert (run.pid, run.hostname) == (os.getpid(), socket.gethostname())
    assert run.started_at == clock()
    assert store.active_run_id == run.id

    clock.advance(seconds=42)
    done = store.finish_run(
        run.id, exit_code=1, counts={"invoice.created": 10, "invoice.failed": 2}, message="2 failed"
    )
    assert done.outcome is RunOutcome.PARTIAL and done.exit_code == 1
    assert done.ended_at == clock()
    assert done.options == {"full": True, "only": ["invoices"]}
    assert done.counts == {"invoice.created": 10, "invoice.failed": 2}
    assert done.message == "2 failed"
    assert store.active_run_id is None


@pytest.mark.parametrize(
    ("exit_code", "outcome"),
    [
        (0, RunOutcome.OK),
        (1, RunOutcome.PARTIAL),
        (75, RunOutcome.ERROR),
        (78, RunOutcome.ERROR),
        (130, RunOutcome.INTERRUPTED),
    ],
)
def test_the_outcome_follows_the_exit_code(
    store: StateStore, lock: ProfileLock, exit_code: int, outcome: RunOutcome
) -> None:
    run = store.begin_run(lock, "sync", {})
    assert store.finish_run(run.id, exit_code=exit_code, counts={}).outcome is outcome


def test_the_last_runs_are_listed_newest_first(store: StateStore, lock: ProfileLock) -> None:
    for command in ("sync", "reconcile", "sync"):
        run = store.begin_run(lock, command, {})
        store.finish_run(run.id, exit_code=0, counts={})
    latest = store.runs.last(2)
    assert [run.command for run in latest] == ["sync", "reconcile"]
    assert latest[0].id > latest[1].id
    assert len(store.runs.last(10)) == 3


def test_an_open_run_is_alive_while_its_process_holds_the_lock(
    store: StateStore, db_path: Path
) -> None:
    lock = ProfileLock(lock_path_for(db_path), profile=PROFILE).acquire("orsync sync")
    run = store.begin_run(lock, "sync", {})
    assert run.is_alive(ProfileLock.holder(store.lock_path))

    lock.release()  # the process "dies" without finishing the run
    (dead,) = store.runs.open_runs()
    assert dead.is_open and not dead.is_alive(ProfileLock.holder(store.lock_path))

    with ProfileLock(lock_path_for(db_path), profile=PROFILE).acquire("orsync sync") as again:
        store._db.active_run_id = None  # a fresh process would start with none
        next_run = store.begin_run(again, "sync", {})
        reaped = store.runs.get(run.id)
        assert reaped is not None and reaped.outcome is RunOutcome.INTERRUPTED
        assert reaped.ended_at is None, "when it died is unknown"
        assert store.runs.open_runs() == [store.runs.get(next_run.id)]


def test_a_run_needs_this_profiles_lock_held(store: StateStore, tmp_path: Path) -> None:
    other = ProfileLock(tmp_path / "other.sqlite3.lock", profile="other").acquire("orsync sync")
    with pytest.raises(InternalError):
        store.begin_run(other, "sync", {})
    other.release()
    mine = ProfileLock(store.lock_path, profile=PROFILE)
    with pytest.raises(InternalError):
        store.begin_run(mine, "sync", {})
    assert store.runs.last() == []


def test_a_run_is_opened_and_closed_once(store: StateStore, lock: ProfileLock) -> None:
    run = store.begin_run(lock, "sync", {})
    with pytest.raises(InternalError, match="still open"):
        store.begin_run(lock, "sync", {})
    store.finish_run(run.id, exit_code=0, counts={})
    with pytest.raises(InternalError, match="not open"):
        store.finish_run(run.id, exit_code=0, counts={})
    with pytest.raises(InternalError, match="not open"):
        store.finish_run(run.id + 100, exit_code=0, counts={})


def test_secrets_in_options_or_messages_are_not_stored(
    store: StateStore, lock: ProfileLock
) -> None:
    register_secret("hunter2-client-secret")
    try:
        run = store.begin_run(lock, "connect", {"client_secret": "hunter2-client-secret"})
        done = store.finish_run(
            run.id, exit_code=77, counts={}, message="refused hunter2-client-secret"
        )
    finally:
        forget_secrets()
    assert "hunter2" not in str(done.options) and "hunter2" not in (done.message or "")
