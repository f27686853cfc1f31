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
from orsync.services.common import read_only_state
from orsync.services.reconcile import existing_ledger
from orsync.services.status import profile_status
from orsync.state import (
    SCHEMA_VERSION,
    NewerStateSchema,
    StateStore,
    TargetKeys,
    database_path,
)
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


def damage_ledger_pages(path: Path) -> None:
    """Overwrite the ledger table's root page: what a disk error or a partial copy leaves."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ledger'").fetchone()
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xa5" * page_size)


def filled_state_file() -> Path:
    path = state_file()
    with StateStore.open(path, profile=PROFILE) as store:
        for number in range(300):
            store.ledger.adopt("invoice", f"inv{number}", "v1", TargetKeys(key=str(number)))
    return path


def test_damage_found_after_opening_is_a_configuration_error() -> None:
    path = filled_state_file()
    damage_ledger_pages(path)
    with StateStore.open(path, profile=PROFILE) as store, pytest.raises(ConfigError) as raised:
        store.ledger.counts()
    assert str(path) in raised.value.message
    assert "rebuild-ledger" in raised.value.hint
    with StateStore.open(path, profile=PROFILE) as store, pytest.raises(ConfigError):
        store.ledger.mark_sending("invoice", "inv1", "v2")
    with pytest.raises(ConfigError):
        profile_status(PROFILE)


def test_a_foreign_database_whose_tables_clash_is_refused_untouched() -> None:
    foreign_database(state_file(), "CREATE TABLE meta (x TEXT)")
    with pytest.raises(ConfigError) as raised:
        StateStore.open(state_file(), profile=PROFILE)
    assert str(state_file()) in raised.value.message
    conn = sqlite3.connect(state_file())
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert tables == {"meta"}


def test_status_of_a_damaged_state_file_is_a_configuration_error(run_cli: CliRunner) -> None:
    write_profiles(PROFILE)
    damage_ledger_pages(filled_state_file())
    result = run_cli("status")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert "internal error" not in result.stderr
    assert "rebuild-ledger" in result.stderr
