"""A hand-edited state file (a status or timestamp orsync never writes) is the user's file to
move aside, exit 78 naming it and the fix, never an internal error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from orsync.env import state_dir
from orsync.errors import ExitCode
from orsync.state import RecordFailure, StateStore, TargetKeys, database_path
from tests.conftest import CliRunner
from tests.foundation.profiles_data import write_profiles

PROFILE = "acme"

EDITS = {
    "a status 'bogus'": "UPDATE ledger SET status = 'bogus' WHERE source_id = 'inv3'",
    "a timestamp 'yesterday'": "UPDATE ledger SET first_attempt_at = 'yesterday'",
    "an attempt time 'soon'": "UPDATE ledger SET last_attempt_at = 'soon'",
    "a run outcome 'meh'": "UPDATE runs SET outcome = 'meh'",
    "a run start 'dawn'": "UPDATE runs SET started_at = 'dawn'",
    "run counts that are not JSON": "UPDATE runs SET counts = '{{{'",
    "run counts that are a list": "UPDATE runs SET counts = '[1]'",
    "a run count 'many'": """UPDATE runs SET counts = '{"invoices.created": "many"}'""",
    "run options that are not JSON": "UPDATE runs SET options = '['",
    "a run pid 'abc'": "UPDATE runs SET pid = 'abc'",
    "an attempt count 'abc'": "UPDATE ledger SET attempts = 'abc' WHERE source_id = 'inv3'",
}


def edited_state_file(statement: str) -> Path:
    path = database_path(state_dir(), PROFILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with StateStore.open(path, profile=PROFILE) as store:
        for number in range(5):
            store.ledger.mark_sending("invoice", f"inv{number}", "v1")
            if number == 3:
                store.ledger.fail("invoice", "inv3", RecordFailure("refused", code="BL01"))
            else:
                store.ledger.confirm("invoice", f"inv{number}", TargetKeys("k"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # what a hand edit can do
    conn.execute(
        "INSERT INTO runs (command, options, pid, hostname, started_at, ended_at, outcome, "
        "exit_code, counts) VALUES ('sync', '{}', 1, 'h', '2026-12-01T10:00:00.000000Z', "
        "'2026-12-01T10:01:00.000000Z', 'partial', 1, '{}')"
    )
    conn.execute(statement)
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("statement", EDITS.values(), ids=EDITS.keys())
def test_status_of_a_hand_edited_state_file_is_a_configuration_error(
    run_cli: CliRunner, statement: str
) -> None:
    write_profiles(PROFILE)
    path = edited_state_file(statement)
    result = run_cli("--profile", PROFILE, "status")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "which orsync never writes" in result.stderr
    assert str(path.parent) in result.stderr and "rebuild-ledger" in result.stderr


def test_status_of_a_run_with_a_hand_edited_amount_is_a_configuration_error(
    run_cli: CliRunner,
) -> None:
    write_profiles(PROFILE)
    path = edited_state_file(
        "INSERT INTO run_writes (run_id, kind, source_id, number, action, amount, currency, "
        "written_at) SELECT id, 'invoice', 'inv0', 'INV-1', 'created', 'lots', 'USD', "
        "'2026-12-01T10:00:30.000000Z' FROM runs"
    )
    result = run_cli("--profile", PROFILE, "status", "--run", "1")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "'lots', which orsync never writes" in result.stderr
    assert str(path.parent) in result.stderr and "rebuild-ledger" in result.stderr
