"""A state file that is empty, foreign, damaged or newer, met by the commands that read it.

Every case is a configuration problem (exit 78) naming the file and the fix, or, for a file a
run created but never got to fill, simply no state yet; never an internal error (exit 70).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from orsync.env import state_dir
from orsync.errors import ConfigError, ExitCode
from orsync.services.reconcile_ledger import existing_ledger
from orsync.services.status import profile_status
from orsync.services.sync_state import read_only_state
from orsync.state import SCHEMA_VERSION, NewerStateSchema, StateStore, database_path
from tests.conftest import CliRunner
from tests.foundation.profiles_data import write_profiles

PROFILE = "acme"


def state_file() -> Path:
    path = database_path(state_dir(), PROFILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def foreign_database(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_an_empty_state_file_is_a_profile_that_never_ran() -> None:
    # What a run leaves when it stops between creating the file and migrating it.
    state_file().write_bytes(b"")
    with read_only_state(state_file()) as state:
        assert state is None
    with existing_ledger(PROFILE) as ledger:
        assert ledger is None
    assert profile_status(PROFILE).state_file is None


def test_an_unmigrated_foreign_database_has_no_orsync_state() -> None:
    foreign_database(state_file(), "CREATE TABLE notes (x TEXT)")
    with read_only_state(state_file()) as state:
        assert state is None
    with existing_ledger(PROFILE) as ledger:
        assert ledger is None


def test_a_newer_state_file_is_refused_by_the_readers_too() -> None:
    with StateStore.open(state_file(), profile=PROFILE):
        pass
    foreign_database(state_file(), f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(NewerStateSchema), read_only_state(state_file()):
        pass
    with pytest.raises(NewerStateSchema), existing_ledger(PROFILE):
        pass


def test_a_file_that_is_not_a_database_is_a_configuration_error_for_every_reader() -> None:
    state_file().write_bytes(b"this is not sqlite" * 100)
    for opener in (lambda: read_only_state(state_file()), lambda: existing_ledger(PROFILE)):
        with pytest.raises(ConfigError) as raised, opener():
            pass
        assert raised.value.exit_code == ExitCode.CONFIG
        assert str(state_file()) in raised.value.message
        assert "rebuild-ledger" in raised.value.hint


def test_status_of_an_empty_state_file_says_the_profile_never_ran(run_cli: CliRunner) -> None:
    write_profiles(PROFILE)
    state_file().write_bytes(b"")
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr
    assert "never been synced" in result.stdout
