"""Fixtures for the OfficeRnD simulator tests: a clock the test moves, a simulator, clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orsync.sandbox.officernd import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ORSYNC_SCOPES,
    SMALL_ORG_SLUG,
    OfficeRndSimConfig,
    OfficeRndSimulator,
)
from orsync.sandbox.server import in_process_transport

BASE = f"/api/v2/organizations/{SMALL_ORG_SLUG}"


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 20, 12, 0, 0, tzinfo=UTC))


@pytest.fixture
def config(clock: FakeClock) -> OfficeRndSimConfig:
    return OfficeRndSimConfig(clock=clock, sleep=lambda _s: None)


@pytest.fixture
def sim(config: OfficeRndSimConfig) -> OfficeRndSimulator:
    return OfficeRndSimulator(config=config)


@pytest.fixture
def http(sim: OfficeRndSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test") as client:
        yield client


def token_form(scopes: tuple[str, ...] = ORSYNC_SCOPES, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "scope": " ".join(scopes),
    }
    form.update(overrides)
    return form


@pytest.fixture
def api(sim: OfficeRndSimulator, http: httpx.Client) -> httpx.Client:
    """A client already carrying a token with every scope orsync uses."""
    http.headers["Authorization"] = f"Bearer {sim.mint_token()}"
    return http
