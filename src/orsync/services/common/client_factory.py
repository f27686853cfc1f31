"""Build the two remote clients of a profile: its settings, its secrets, one httpx.Client each.

Every command that talks to OfficeRnD or Intacct goes through :func:`open_connections`, so the
timeouts, User-Agent, HTTPS rule and secret resolution are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from orsync import __version__, secrets
from orsync.bounded import RunBudget, guarded_transport
from orsync.config import Profile
from orsync.endpoints import note_reached
from orsync.intacct import IntacctClient, IntacctSettings, LoginCredentials, SenderCredentials
from orsync.officernd import ClientCredentials, OfficeRndClient, scopes_needed
from orsync.officernd.client import build_http_client as build_officernd_http
from orsync.secrets import Secret

# OfficeRnD allows 5 token requests a minute, counted across processes: a person running a few
# commands in a row would hit it, and waiting up to a minute beats failing with exit 75.
TOKEN_RATE_LIMIT_WAIT = 65.0
# The time one command may spend talking to both services (every call is bounded on its own,
# see orsync.bounded): far beyond a first sync of a large history, so only a service that
# answers at a crawl reaches it; the run then stops (exit 69) and the next one carries on.
RUN_BUDGET_SECONDS = 6 * 3600.0


def build_intacct_http(
    transport: httpx.BaseTransport | None = None, *, budget: RunBudget | None = None
) -> httpx.Client:
    """Timeouts are per request (set by the Intacct client); retries only before anything was
    sent, because a resent write is the one thing the gateway must never see blindly. With a
    ``budget``, no request leaves once the run has spent it."""
    return httpx.Client(
        headers={"User-Agent": f"orsync/{__version__}", "Accept-Encoding": "gzip"},
        transport=transport or guarded_transport(retries=2),
        event_hooks={
            "request": [budget.hook] if budget is not None else [],
            "response": [note_reached],
        },
    )


def intacct_settings(
    profile_name: str, profile: Profile, *, entity: str | None = None
) -> IntacctSettings:
    """The client settings of ``profile``; resolves both Intacct secrets (CredentialError)."""
    cfg = profile.intacct
    return IntacctSettings(
        sender=SenderCredentials(
            cfg.sender_id, secrets.resolve(profile_name, Secret.INTACCT_SENDER_PASSWORD)
        ),
        login=LoginCredentials(
            cfg.user_id,
            cfg.company_id,
            secrets.resolve(profile_name, Secret.INTACCT_USER_PASSWORD),
            entity if entity is not None else cfg.entity,
        ),
        endpoint=cfg.url,
    )


def officernd_credentials(
    profile_name: str, profile: Profile, features: tuple[str, ...] = ()
) -> ClientCredentials:
    """``features``: what the run writes to OfficeRnD (keys of ``FEATURE_SCOPES``), so the
    token asks for those scopes too and no more."""
    secret = secrets.resolve(profile_name, Secret.OFFICERND_CLIENT_SECRET)
    return ClientCredentials(profile.officernd.client_id, secret, scopes_needed(features))


@dataclass
class Connections:
    """Both clients of one profile, and the HTTP clients they own."""

    intacct: IntacctClient
    officernd: OfficeRndClient
    _http: tuple[httpx.Client, ...]
    # Builds an OfficeRnD client whose token also asks for a feature's write scopes.
    _writer: Callable[[tuple[str, ...]], OfficeRndClient] | None = None
    _writers: dict[tuple[str, ...], OfficeRndClient] = field(default_factory=dict)

    def officernd_for(self, *features: str) -> OfficeRndClient:
        """The OfficeRnD client for a write of ``features``: its own token, asked for only
        when such a write happens, so runs that write nothing keep the read-only token."""
        if not features or self._writer is None:
            return self.officernd
        if features not in self._writers:
            self._writers[features] = self._writer(features)
        return self._writers[features]

    def on_answer(self, hook: Callable[[httpx.Response], None]) -> None:
        """Call ``hook`` with each answer either service gives (listen's /healthz tells a
        long sync that makes progress from one no service answers)."""
        for http in self._http:
            http.event_hooks["response"].append(hook)

    def close(self) -> None:
        self.intacct.close()
        for http in self._http:
            http.close()


@contextmanager
def open_connections(
    profile_name: str,
    profile: Profile,
    *,
    intacct_transport: httpx.BaseTransport | None = None,
    officernd_transport: httpx.BaseTransport | None = None,
    features: tuple[str, ...] = (),
) -> Iterator[Connections]:
    """Both clients for ``profile``, closed on exit, sharing one run budget (RUN_BUDGET_SECONDS).
    Transports are injectable for tests."""
    budget = RunBudget(RUN_BUDGET_SECONDS)
    intacct_http = build_intacct_http(intacct_transport, budget=budget)
    officernd_http = build_officernd_http(transport=officernd_transport)
    officernd_http.event_hooks["request"].append(budget.hook)
    connections: Connections | None = None

    def officernd(wanted: tuple[str, ...]) -> OfficeRndClient:
        return OfficeRndClient(
            officernd_http,
            org=profile.officernd.org,
            credentials=officernd_credentials(profile_name, profile, wanted),
            api_url=profile.officernd.api_url,
            token_url=profile.officernd.token_url,
            token_rate_limit_wait=TOKEN_RATE_LIMIT_WAIT,
            token_store=secrets.officernd_token_store(profile_name),
        )

    try:
        connections = Connections(
            intacct=IntacctClient(intacct_http, intacct_settings(profile_name, profile)),
            officernd=officernd(features),
            _http=(intacct_http, officernd_http),
            _writer=officernd,
        )
        yield connections
    finally:
        if connections is not None:
            connections.intacct.close()  # its write slots finish before the HTTP client goes
        intacct_http.close()
        officernd_http.close()
