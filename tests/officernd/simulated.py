"""Helpers to run the client against the OfficeRnD simulator with one shared fake time."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from orsync.officernd import ClientCredentials, OfficeRndClient, RateBudget
from orsync.retry import RetryPolicy
from orsync.sandbox.officernd import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    OfficeRndSimConfig,
    OfficeRndSimulator,
    small_org_seed,
)
from orsync.sandbox.server import in_process_transport
from orsync.sandbox.world import OfficeRndOrgSeed

SIM_HOST = "http://officernd.sandbox"
EPOCH = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
HISTORY_START = datetime(2023, 1, 1, tzinfo=UTC)
HISTORY_END = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class SharedTime:
    """Seconds since EPOCH, moved only by sleeps: the simulator's clock and the client's."""

    seconds: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.seconds

    def utc(self) -> datetime:
        return EPOCH + timedelta(seconds=self.seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds


def scaled_org(extra_invoices: int) -> OfficeRndOrgSeed:
    """The simulator's small org plus ``extra_invoices`` invoices spread over three years."""
    seed = small_org_seed()
    payments = seed.collections["payments"]
    template = next(p for p in payments if p["documentType"] == "invoice")
    span = (HISTORY_END - HISTORY_START).total_seconds()
    for n in range(extra_invoices):
        clone = copy.deepcopy(template)
        created = HISTORY_START + timedelta(seconds=span * n / max(extra_invoices, 1))
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        clone.update(
            _id=f"6499{n:020x}",
            number=f"BULK-{n:06d}",
            date=stamp,
            dueDate=stamp,
            createdAt=stamp,
            modifiedAt=stamp,
            status=("paid", "awaiting_payment", "voided")[n % 3],
        )
        payments.append(clone)
    return seed


def simulator(
    seed: OfficeRndOrgSeed | None = None, time: SharedTime | None = None, **config: object
) -> OfficeRndSimulator:
    settings = OfficeRndSimConfig(**config)  # type: ignore[arg-type]
    if time is not None:
        settings.clock = time.utc
        settings.sleep = time.sleep
    return OfficeRndSimulator(seed or small_org_seed(), settings)


def client_for(
    http: httpx.Client,
    base_url: str,
    *,
    org: str,
    time: SharedTime | None = None,
    credentials: ClientCredentials | None = None,
    read_budget: RateBudget | None = None,
) -> OfficeRndClient:
    time = time or SharedTime()
    return OfficeRndClient(
        http,
        org=org,
        credentials=credentials or ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        api_url=base_url,
        token_url=f"{base_url}/oauth/token",
        read_budget=read_budget or RateBudget(None),
        write_budget=RateBudget(None),
        retry=RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=30.0),
        sleep=time.sleep,
        clock=time.monotonic,
        allow_http=True,  # the in-process sandbox host is not loopback by name
    )


def in_process(sim: OfficeRndSimulator) -> httpx.Client:
    return httpx.Client(transport=in_process_transport(sim), base_url=SIM_HOST)
