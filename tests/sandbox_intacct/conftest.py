"""Fixtures for driving the Intacct simulator: a fake clock, the simulator, an httpx client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator
from orsync.sandbox.server import in_process_transport

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
XSD = SHARED / "reference" / "intacct-schemas" / "v3.0" / "api.xsd"
SAMPLES = SHARED / "reference" / "intacct-samples"

# Until the foundation's root conftest does it: every request these tests send is validated.
if XSD.exists():
    os.environ.setdefault("ORSYNC_INTACCT_XSD", str(XSD))


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC))


@pytest.fixture
def config(clock: FakeClock) -> IntacctSimConfig:
    return IntacctSimConfig(clock=clock, sleep=clock.sleep, concurrency_wait_seconds=0.05)


@pytest.fixture
def sim(config: IntacctSimConfig) -> IntacctSimulator:
    return IntacctSimulator(config=config)


@pytest.fixture
def client(sim: IntacctSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=in_process_transport(sim), base_url="https://gw.sandbox.test") as c:
        yield c


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SAMPLES.exists(), reason=f"{SAMPLES} is absent (no ../shared)")
