"""Fixtures for the state tests: a hand-driven clock and a store in a temp folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orsync.state import ProfileLock, StateStore, database_path, lock_path_for

PROFILE = "acme"


class ManualClock:
    """A clock that moves only when told to, so instants in assertions are exact."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return database_path(tmp_path / "home" / "state", PROFILE)


@pytest.fixture
def store(db_path: Path, clock: ManualClock) -> Iterator[StateStore]:
    with StateStore.open(db_path, profile=PROFILE, clock=clock) as opened:
        yield opened


@pytest.fixture
def lock(db_path: Path, clock: ManualClock) -> Iterator[ProfileLock]:
    with ProfileLock(lock_path_for(db_path), profile=PROFILE, clock=clock).acquire(
        "orsync sync"
    ) as held:
        yield held
