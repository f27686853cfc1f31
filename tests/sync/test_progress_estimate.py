"""A first sync tells its progress how many documents OfficeRnD holds (so the bar and the -v
lines can estimate the time left); an incremental one, reading only changes, does not ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.sync.conftest import Configure

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


class Recorder:
    def __init__(self) -> None:
        self.expected: dict[str, int] = {}
        self.read = 0

    def expect(self, stage: str, total: int) -> None:
        self.expected[stage] = self.expected.get(stage, 0) + total

    def advance(self, stage: str, count: int = 1) -> None:
        if stage == "reading":
            self.read += count

    def note(self, message: str) -> None:
        del message


def test_the_first_sync_expects_what_officernd_counts(
    mapped_profile: Configure, sandbox: RunningSandbox
) -> None:
    from orsync.config import load_config
    from orsync.env import default_config_path
    from orsync.services.common import open_connections
    from orsync.services.sync import SyncOptions, run_sync

    name = mapped_profile()
    profile = load_config(default_config_path()).profiles[name]
    with open_connections(name, profile) as connections:
        first = Recorder()
        run_sync(name, profile, SyncOptions(), progress=first, connections=connections)
        again = Recorder()
        run_sync(name, profile, SyncOptions(), progress=again, connections=connections)

    documents = sum(
        len(sandbox.officernd.records("payments", documentType=kind))
        for kind in ("invoice", "creditNote")
    )
    assert first.expected == {"reading": documents}
    assert first.read == documents  # the estimate's end is where the read ends
    assert again.expected == {}
