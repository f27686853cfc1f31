"""A write is on disk as `sending` before its request leaves, and survives the process dying."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from orsync.state import (
    ProfileLock,
    RunOutcome,
    StateStore,
    Status,
    TargetKeys,
    controlid,
    lock_path_for,
)
from tests.state.conftest import PROFILE

KILLED_MID_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from orsync.state import ProfileLock, StateStore, lock_path_for

    db = Path(sys.argv[1])
    lock = ProfileLock(lock_path_for(db), profile="acme").acquire("orsync sync")
    store = StateStore.open(db, profile="acme")
    run = store.begin_run(lock, "sync", {})
    with store.ledger.batch():
        for number in range(3):
            store.ledger.mark_sending("invoice", f"inv{number}", "v1", action="create")
    # Here the request would leave; the process dies instead, without closing anything.
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_write_marked_sending_survives_the_process_being_killed_before_the_send(
    db_path: Path,
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WRITE, str(db_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    lock_path = lock_path_for(db_path)
    assert ProfileLock.holder(lock_path) is None, "the kernel released the dead process's lock"
    with StateStore.open(db_path, profile=PROFILE) as store:
        rows = store.ledger.get_many("invoice", ["inv0", "inv1", "inv2"])
        assert {row.status for row in rows.values()} == {Status.SENDING}
        assert rows["inv1"].controlid == controlid(PROFILE, "invoice", "inv1", "v1")
        (dead_run,) = store.runs.last(1)
        assert dead_run.is_open and not dead_run.is_alive(ProfileLock.holder(lock_path))

        # The next run takes over: the dead run is closed and its writes must be looked up.
        with ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync") as lock:
            run = store.begin_run(lock, "sync", {})
            reaped = store.runs.get(dead_run.id)
            assert reaped is not None and reaped.outcome is RunOutcome.INTERRUPTED
            assert reaped.message is not None and str(dead_run.pid) in reaped.message
            recovered = store.ledger.get_many("invoice", ["inv0", "inv1", "inv2"])
            assert {row.status for row in recovered.values()} == {Status.UNCONFIRMED}
            assert all(row.updated_run == run.id for row in recovered.values())
            store.finish_run(run.id, exit_code=75, counts={"invoice.unconfirmed": 3})


def test_a_batch_becomes_visible_to_other_connections_only_when_it_ends(db_path: Path) -> None:
    with (
        StateStore.open(db_path, profile=PROFILE) as writer,
        StateStore.open(db_path, profile=PROFILE) as reader,
    ):
        with writer.ledger.batch():
            writer.ledger.mark_sending("invoice", "inv1", "v1")
            writer.ledger.mark_sending("invoice", "inv2", "v1")
            assert reader.ledger.get("invoice", "inv1") is None
        assert reader.ledger.get("invoice", "inv1").status is Status.SENDING  # type: ignore[union-attr]
        assert reader.ledger.get("invoice", "inv2") is not None


def test_a_store_closed_without_finishing_still_shows_the_write_as_sending(db_path: Path) -> None:
    store = StateStore.open(db_path, profile=PROFILE)
    store.ledger.mark_sending("invoice", "inv1", "v1")
    store.close()
    with StateStore.open(db_path, profile=PROFILE) as reopened:
        assert reopened.ledger.get("invoice", "inv1").status is Status.SENDING  # type: ignore[union-attr]


def test_the_state_file_uses_wal_and_fsyncs_every_commit(store: StateStore) -> None:
    conn = store._db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_outcomes_recorded_from_worker_threads_are_all_kept(store: StateStore) -> None:
    ledger = store.ledger
    with ledger.batch():
        for number in range(400):
            ledger.mark_sending("invoice", f"inv{number:03d}", "v1")

    def confirm_slice(start: int) -> None:
        for number in range(start, 400, 4):
            ledger.confirm("invoice", f"inv{number:03d}", TargetKeys(key=str(number)))

    workers = [threading.Thread(target=confirm_slice, args=(start,)) for start in range(4)]
    for worker in workers:
        worker.start()
    streamed = sum(1 for _ in ledger.iter_rows())  # a reader interleaved with the writers
    for worker in workers:
        worker.join(timeout=30)
    assert streamed == 400
    assert ledger.counts() == {"invoice": {Status.CONFIRMED: 400}}
