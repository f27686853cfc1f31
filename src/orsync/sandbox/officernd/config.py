"""Knobs of the OfficeRnD simulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from orsync.sandbox.faults import FaultPlan, Latency
from orsync.sandbox.officernd.auth import TOKEN_LIFETIME
from orsync.sandbox.officernd.store import utc_now


@dataclass
class OfficeRndSimConfig:
    """How the simulated service behaves. Every field has a realistic default.

    Rate limits are per simulated organization and per sliding minute of ``clock``; ``None``
    turns a limit off. The data API's numbers are NOT FOUND in OfficeRnD sources (one peer
    reports about 400 reads a minute); the write default is our guess.
    """

    token_lifetime: timedelta = TOKEN_LIFETIME
    token_requests_per_minute: int | None = 5
    read_requests_per_minute: int | None = 400
    write_requests_per_minute: int | None = 100
    latency: Latency = field(default_factory=Latency)
    faults: FaultPlan = field(default_factory=FaultPlan)
    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    # Webhook delivery: the client used to POST to subscriber URLs (None: a plain httpx.Client
    # with a 5 s timeout), and how many attempts a delivery gets before it is given up.
    webhook_http: httpx.Client | None = None
    webhook_max_attempts: int = 5
    # Seeds the id counter, so two simulators built alike hand out the same ids.
    id_seed: int = 0
    # UNVERIFIED whether PATCH /payments/{id} takes ``number`` (officernd-api.md): it does
    # here by default; False answers 400 naming the field, as an undocumented field would be.
    number_writable: bool = True
