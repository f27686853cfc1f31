"""Configuration of the simulated gateway: credentials, limits, latency, faults, schema."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from orsync.sandbox.faults import FaultPlan, Latency

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"

# Names accepted by ``FaultPlan`` for this simulator (see ``IntacctSimulator`` for what each does).
FAULT_LOST_RESPONSE = "lost-response"
FAULT_HTTP_5XX = "http-5xx"
FAULT_HTTP_524 = "http-524"
FAULT_RATE_LIMIT = "rate-limit"
FAULT_SESSION_EXPIRED = "session-expired"
FAULT_NAMES = (
    FAULT_LOST_RESPONSE,
    FAULT_HTTP_5XX,
    FAULT_HTTP_524,
    FAULT_RATE_LIMIT,
    FAULT_SESSION_EXPIRED,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IntacctCredentials:
    """What a client needs to sign in. Deterministic defaults so tests and the demo agree."""

    sender_id: str = "orsync-sandbox"
    sender_password: str = "sandbox-sender-secret"
    company_id: str = "ORSYNC-DEMO"
    user_id: str = "xml_gateway"
    user_password: str = "sandbox-user-secret"

    def __repr__(self) -> str:
        # Even fixture passwords stay out of reprs so a habit of printing configs leaks nothing.
        return (
            f"IntacctCredentials(sender_id={self.sender_id!r}, company_id={self.company_id!r}, "
            f"user_id={self.user_id!r})"
        )


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` requests in any sliding window of ``per_seconds``."""

    requests: int
    per_seconds: float = 1.0
    retry_after_seconds: int = 1


@dataclass
class IntacctSimConfig:
    """Everything about the simulated gateway that is not company data.

    ``clock`` returns an aware instant (sessions, WHENMODIFIED, rate windows); ``sleep`` is what
    the latency model and the concurrency wait call, so tests can run without real waiting.
    ``xsd_path`` overrides ``ORSYNC_INTACCT_XSD``; an empty string disables validation even when
    the environment variable is set.
    """

    credentials: IntacctCredentials = field(default_factory=IntacctCredentials)
    gateway_path: str = GATEWAY_PATH
    session_duration: timedelta = timedelta(hours=2)
    latency: Latency = field(default_factory=Latency)
    max_concurrent_requests: int = 2
    # The real gateway holds an extra request ~30 s before refusing it; tests shorten this.
    concurrency_wait_seconds: float = 30.0
    rate_limit: RateLimit | None = None
    faults: FaultPlan = field(default_factory=FaultPlan)
    xsd_path: str | None = None
    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = time.sleep
    # Deterministic ids (sessions, resultIds) derive from this.
    seed: int = 0
    invoice_number_format: str = "INV-{n:06d}"
    # The newer front end refuses a bad login with HTTP 401 and XMLGW_JPP0002
    # (resp-http401-XMLGW_JPP0002.xml); the default is the classic 200 + XL03000006 answer.
    login_failure_http_401: bool = False
    max_read_keys: int = 100
