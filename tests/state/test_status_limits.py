"""`orsync status --runs N --limit N`: any count a person can type is read as "at most N"."""

from __future__ import annotations

import pytest

from orsync.env import state_dir
from orsync.state import StateStore, database_path
from tests.conftest import CliRunner
from tests.foundation.profiles_data import write_profiles

HUGE = "99999999999999999999"  # beyond SQLite's INTEGER and Python's sys.maxsize


@pytest.mark.parametrize("option", ["--runs", "--limit"])
def test_a_count_beyond_what_sqlite_can_hold_shows_everything(
    run_cli: CliRunner, option: str
) -> None:
    write_profiles("acme")
    with StateStore.open(database_path(state_dir(), "acme"), profile="acme") as store:
        store.ledger.mark_sending("invoice", "inv1", "v1")
    result = run_cli("--json", "status", option, HUGE)
    assert result.exit_code == 0, result.stderr
    assert '"unresolved_not_listed": 0' in result.stdout
