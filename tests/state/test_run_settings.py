"""The state remembers the mapping the last complete sync ran under, across runs."""

from __future__ import annotations

from pathlib import Path

from orsync.services.common import read_only_state
from orsync.state import StateStore
from tests.state.conftest import PROFILE


def test_a_new_state_remembers_no_mapping(store: StateStore) -> None:
    assert store.settings.mapping_fingerprint() is None


def test_the_last_remembered_mapping_survives_a_reopen_and_reads_read_only(
    store: StateStore, db_path: Path
) -> None:
    store.settings.remember_mapping("first")
    store.settings.remember_mapping("second")
    store.close()
    with StateStore.open(db_path, profile=PROFILE) as reopened:
        assert reopened.settings.mapping_fingerprint() == "second"
    with read_only_state(db_path) as state:
        assert state is not None and state.settings.mapping_fingerprint() == "second"
