"""The `map` commands' scans run on the seeded world's clock, not the wall clock: the default
window (the last 13 months) then holds the same documents whatever day the tests run."""

from __future__ import annotations

import pytest

from orsync.sandbox.seed.generator import world_clock


@pytest.fixture(autouse=True)
def scan_on_the_world_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("orsync.services.mapping.scan.utc_now", world_clock)
