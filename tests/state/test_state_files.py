"""The state file: private modes, schema migrations, and refusing what it cannot read."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from orsync.errors import ConfigError, ExitCode
from orsync.state import (
    SCHEMA_VERSION,
    NewerStateSchema,
    StateStore,
    Status,
    TargetKeys,
    controlid,
    database_path,
)
from orsync.state.schema import MIGRATIONS, migrate, schema_version
from tests.state.conftest import PROFILE


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_state_files_are_readable_by_the_user_alone_even_with_a_permissive_umask(
    tmp_path: Path,
) -> None:
    path = database_path(tmp_path / "home" / "state", PROFILE)
    with umask(0), StateStore.open(path, profile=PROFILE) as store:
        store.ledger.mark_sending("invoice", "inv1", "v1")
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            sidecar = path.with_name(path.name + suffix)
            assert sidecar.exists() and mode(sidecar) == 0o600, suffix
        assert mode(path.parent) == 0o700
        assert mode(path.parent.parent) == 0o700, "every folder created is private"


def test_a_state_file_with_wider_permissions_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    with StateStore.open(path, profile=PROFILE):
        pass
    path.chmod(0o644)
    with StateStore.open(path, profile=PROFILE):
        assert mode(path) == 0o600


def test_an_existing_parent_folder_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with StateStore.open(shared / "acme.sqlite3", profile=PROFILE):
        pass
    assert mode(shared) == 0o755


def test_a_file_that_is_not_a_state_database_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError) as raised:
        StateStore.open(path, profile=PROFILE)
    assert raised.value.exit_code == ExitCode.CONFIG
    assert "rebuild-ledger" in raised.value.hint


def test_an_older_schema_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    assert migrate(old, MIGRATIONS[:1]) == 1
    old.execute(
        "INSERT INTO ledger (kind, source_id, status, version_hash, confirmed_version, "
        "target_key, status_at) VALUES ('invoice', 'inv1', 'confirmed', 'v1', 'v1', '8346', "
        "'2026-11-01T00:00:00.000000Z')"
    )
    old.execute("INSERT INTO meta (key, value) VALUES ('controlid_namespace', 'acme')")
    old.close()

    with StateStore.open(path, profile=PROFILE) as store:
        assert schema_version(store._db.conn) == SCHEMA_VERSION == len(MIGRATIONS)
        row = store.ledger.get("invoice", "inv1")
        assert row is not None and row.is_confirmed_at("v1") and row.target.key == "8346"
        assert store.inbox.record("evt1", event_type="invoice.updated", payload_hash="h")


def test_reopening_a_current_file_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    with StateStore.open(path, profile=PROFILE) as store:
        store.ledger.adopt("invoice", "inv1", "v1", TargetKeys(key="1"))
    with StateStore.open(path, profile=PROFILE) as store:
        assert store.ledger.counts() == {"invoice": {Status.CONFIRMED: 1}}


def test_a_file_from_a_newer_orsync_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    with StateStore.open(path, profile=PROFILE):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(NewerStateSchema) as raised:
        StateStore.open(path, profile=PROFILE)
    assert raised.value.exit_code == ExitCode.CONFIG
    assert "Upgrade orsync" in raised.value.hint
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    conn.close()


def test_a_failing_migration_leaves_the_file_at_its_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    broken = (
        ("CREATE TABLE a (x INTEGER)",),
        ("CREATE TABLE b (y INTEGER)", "INSERT INTO nowhere VALUES (1)"),
    )
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    assert schema_version(conn) == 1
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"a"}, "the half-applied second migration was rolled back"


def test_controlids_keep_the_namespace_the_file_was_created_with(tmp_path: Path) -> None:
    path = tmp_path / "acme.sqlite3"
    with StateStore.open(path, profile=PROFILE):
        pass
    with StateStore.open(path, profile="acme-renamed") as renamed:
        row = renamed.ledger.mark_sending("invoice", "inv1", "v1")
        assert row.controlid == controlid(PROFILE, "invoice", "inv1", "v1")


def test_profile_names_become_safe_file_names(tmp_path: Path) -> None:
    assert database_path(tmp_path, "acme-eu.2") == tmp_path / "acme-eu.2.sqlite3"
    for bad in ("", "../etc", "a/b", ".hidden", "x" * 65, "sp ace"):
        with pytest.raises(ConfigError):
            database_path(tmp_path, bad)


def test_a_state_folder_that_is_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    from orsync.state import ProfileLock, lock_path_for

    state = tmp_path / "state"
    state.write_text("not a folder")
    path = database_path(state, PROFILE)
    with pytest.raises(ConfigError, match=f"{state} is not a folder"):
        ProfileLock(lock_path_for(path), profile=PROFILE).acquire("orsync sync")
    with pytest.raises(ConfigError, match=f"{state} is not a folder"):
        StateStore.open(path, profile=PROFILE)


def test_a_lock_file_that_cannot_be_opened_is_a_configuration_error(tmp_path: Path) -> None:
    from orsync.state import ProfileLock, lock_path_for

    lock_path = lock_path_for(database_path(tmp_path, PROFILE))
    lock_path.mkdir()
    with pytest.raises(ConfigError, match=str(lock_path)):
        ProfileLock(lock_path, profile=PROFILE).acquire("orsync sync")


def test_a_state_file_that_cannot_be_opened_names_the_folder_not_a_rebuild(
    tmp_path: Path,
) -> None:
    path = database_path(tmp_path, PROFILE)
    path.mkdir()  # SQLite cannot open it: as for a file the user may not read
    with pytest.raises(ConfigError) as raised:
        StateStore.open(path, profile=PROFILE)
    assert "rebuild-ledger" not in raised.value.hint
