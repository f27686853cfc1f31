"""`orsync status` says what a row left without an error means, and what happens next."""

from __future__ import annotations

import json

from orsync.env import state_dir
from orsync.state import ProfileLock, StateStore, database_path, lock_path_for
from tests.conftest import CliRunner
from tests.foundation.profiles_data import write_profiles


def _killed_mid_write() -> None:
    """What a sync killed with SIGKILL leaves: one row sent, one only planned, no errors."""
    write_profiles("acme")
    with StateStore.open(database_path(state_dir(), "acme"), profile="acme") as store:
        store.ledger.mark_sending("invoice", "inv1", "v1")
        store.ledger.plan("invoice", "inv2", "v1")


def test_a_row_left_sending_by_a_killed_run_says_the_next_sync_looks_it_up(
    run_cli: CliRunner,
) -> None:
    _killed_mid_write()
    rows = {r["source_id"]: r for r in json.loads(run_cli("status", "--json").stdout)["unresolved"]}

    assert "may or may not have it" in rows["inv1"]["message"]
    assert "looks it up" in rows["inv1"]["fix"]
    assert "stopped before sending" in rows["inv2"]["message"]
    assert "sends it" in rows["inv2"]["fix"]
    text = run_cli("status").stdout
    assert "invoice inv1: the run stopped while sending it" in text
    assert "fix: Nothing to do by hand" in text


def test_while_a_sync_runs_its_rows_are_shown_as_being_written(run_cli: CliRunner) -> None:
    _killed_mid_write()
    path = database_path(state_dir(), "acme")
    lock = ProfileLock(lock_path_for(path), profile="acme").acquire("sync")
    try:
        rows = json.loads(run_cli("status", "--json").stdout)["unresolved"]
    finally:
        lock.release()

    assert {r["message"] for r in rows} == {
        "invoice inv1: the running sync is writing it",
        "invoice inv2: the running sync is writing it",
    }
    assert {r["fix"] for r in rows} == {None}
