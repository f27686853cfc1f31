"""Connection settings of one Intacct company, and the defaults the benchmark chose."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from orsync.errors import ServiceUnavailable
from orsync.intacct.transport import DEFAULT_TIMEOUT
from orsync.intacct.xml.envelope import LoginCredentials, SenderCredentials
from orsync.retry import RetryPolicy

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
# Chosen with benchmarks/bench_intacct.py (1000 invoices, 20 ms/request + 5 ms/function, 2 in
# flight): 25 -> 3.21 s, 50 -> 3.00 s, 100 -> 2.87 s against a best possible 2.52 s. 100 gains
# 4% over 50 but doubles the records left unconfirmed by one ambiguous failure (each needs a
# lookup before it may be resent), so 50.
DEFAULT_BATCH_SIZE = 50
DEFAULT_MAX_IN_FLIGHT = 2  # what most companies' performance tier allows (intacct-api.md s6)


class ReadFailed(ServiceUnavailable):
    """A read function came back with an error (wrong object, field or filter)."""

    def __init__(self, message: str, *, errors: tuple[object, ...] = (), hint: str | None = None):
        super().__init__(message, hint=hint)
        self.errors = errors


@dataclass(frozen=True)
class IntacctSettings:
    """Everything that configures one company's connection."""

    sender: SenderCredentials
    login: LoginCredentials
    endpoint: str = DEFAULT_ENDPOINT
    batch_size: int = DEFAULT_BATCH_SIZE
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
