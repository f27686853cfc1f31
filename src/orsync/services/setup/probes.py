"""Live probes of a profile's two connections, shared by ``orsync connect`` and ``orsync test``.

A probe is one cheap request whose failure names the credential or permission at fault. The
clients here are built from settings and secret *values* handed in (not resolved from the
keyring), because ``connect`` must test what the user just typed before anything is saved.
Probes use a short retry budget: a setup check should answer in seconds, not minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx

from orsync.bounded import guarded_transport
from orsync.config import IntacctSettings as IntacctProfileSettings
from orsync.config import OfficeRndSettings
from orsync.errors import AuthError, ConfigError, OrsyncError, ServiceUnavailable
from orsync.intacct import IntacctClient, IntacctSettings, LoginCredentials, SenderCredentials
from orsync.officernd import (
    ClientCredentials,
    MissingScope,
    OfficeRndClient,
    Query,
    scopes_needed,
)
from orsync.officernd.auth import TokenStore
from orsync.officernd.client import build_http_client as build_officernd_http
from orsync.officernd.collections import LOCATIONS
from orsync.retry import RetryPolicy
from orsync.services.common import TOKEN_RATE_LIMIT_WAIT, build_intacct_http

# A check waits for at most two attempts a little apart; a sync keeps the full policy.
PROBE_RETRY = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1.0)
PROBE_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=60.0)

IntacctAuthPart = Literal["sender", "login"]

T = TypeVar("T")


@dataclass(frozen=True)
class IntacctSecrets:
    sender_password: str
    user_password: str

    def __repr__(self) -> str:
        return "IntacctSecrets(<hidden>)"


def intacct_auth_part(error: AuthError) -> IntacctAuthPart:
    """Which half of Intacct's two-part authentication an AuthError is about.

    The client words a control-level refusal (``Intacct refused the Web Services sender``)
    differently from a sign-in refusal; a bare HTTP 401 (``XMLGW_JPP0002``) does not say, and
    the public samples show it for wrong user credentials, so it counts as ``login``.
    """
    return "sender" if "Web Services sender" in error.message else "login"


def intacct_fix(part: IntacctAuthPart, entity: str | None = None) -> str:
    if part == "sender":
        return (
            "Check the Web Services sender ID and sender password, and that the sender is "
            "authorised in the company (Company > Setup > Company > Security > Web Services "
            "authorizations)."
        )
    text = "Check the company ID, user ID and user password (Intacct does not say which)"
    if entity:
        text += f", and that entity {entity!r} exists and the user may sign in to it"
    return text + "; the user must be a Web Services user."


@contextmanager
def intacct_client(
    settings: IntacctProfileSettings,
    secrets: IntacctSecrets,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[IntacctClient]:
    """An Intacct client for ``settings`` with the given secrets and the probe retry budget."""
    http = build_intacct_http(transport or guarded_transport(retries=1))
    try:
        client = IntacctClient(
            http,
            IntacctSettings(
                sender=SenderCredentials(settings.sender_id, secrets.sender_password),
                login=LoginCredentials(
                    settings.user_id, settings.company_id, secrets.user_password, settings.entity
                ),
                endpoint=settings.url,
                timeout=PROBE_TIMEOUT,
                retry=PROBE_RETRY,
            ),
        )
        yield client
    finally:
        http.close()


@contextmanager
def officernd_client(
    settings: OfficeRndSettings,
    client_secret: str,
    *,
    scopes: tuple[str, ...] | None = None,
    transport: httpx.BaseTransport | None = None,
    token_store: TokenStore | None = None,
) -> Iterator[OfficeRndClient]:
    """An OfficeRnD client for ``settings`` asking for the scopes orsync's features need;
    ``scopes`` narrows what the token asks for."""
    http = build_officernd_http(timeout=30.0, transport=transport or guarded_transport(retries=1))
    try:
        wanted = scopes if scopes is not None else scopes_needed()
        credentials = ClientCredentials(settings.client_id, client_secret, wanted)
        yield OfficeRndClient(
            http,
            org=settings.org,
            credentials=credentials,
            api_url=settings.api_url,
            token_url=settings.token_url,
            retry=PROBE_RETRY,
            token_rate_limit_wait=TOKEN_RATE_LIMIT_WAIT,
            token_store=token_store,
        )
    finally:
        http.close()


def read_one_location(client: OfficeRndClient) -> None:
    """The cheapest organization-scoped read: one location (404 means a wrong org slug)."""
    next(client.pages(LOCATIONS, Query().page_size(1)), None)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """``action()`` and how long it took, in milliseconds."""
    started = time.perf_counter()
    value = action()
    return value, (time.perf_counter() - started) * 1000.0


# -- what connect verifies -------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeFailure:
    """One thing ``connect`` found wrong: which credential or permission, and the error."""

    service: Literal["intacct", "officernd"]
    part: str  # sender, login, entity, token, scope, organization, network
    error: OrsyncError


def verify_intacct(
    settings: IntacctProfileSettings,
    secrets: IntacctSecrets,
    *,
    transport: httpx.BaseTransport | None = None,
) -> ProbeFailure | None:
    """Sign in at the top level (sender, then user), then to the entity when one is set."""
    top_level = settings.model_copy(update={"entity": None})
    try:
        with intacct_client(top_level, secrets, transport=transport) as client:
            try:
                client.sign_in()
            except AuthError as error:
                part = intacct_auth_part(error)
                return ProbeFailure(
                    "intacct", part, AuthError(error.message, hint=intacct_fix(part))
                )
            if settings.entity:
                try:
                    client.sign_in(settings.entity)
                except AuthError as error:
                    return ProbeFailure(
                        "intacct",
                        "entity",
                        AuthError(
                            f"Intacct refused entity {settings.entity!r}: {error.message}",
                            hint="Use the ID of an entity of this company (Company > Entities), "
                            "or leave --entity empty to post at the top level.",
                        ),
                    )
    except (ServiceUnavailable, ConfigError) as error:
        return ProbeFailure("intacct", "network", error)
    return None


def verify_officernd(
    settings: OfficeRndSettings,
    client_secret: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> ProbeFailure | None:
    """A token with every scope orsync needs, then one read inside the organization."""
    try:
        with officernd_client(settings, client_secret, transport=transport) as client:
            try:
                client.tokens.token()
            except MissingScope as error:
                return ProbeFailure("officernd", "scope", error)
            except AuthError as error:
                return ProbeFailure(
                    "officernd",
                    "token",
                    AuthError(
                        f"{error.message}: the client id or client secret is wrong",
                        hint=error.hint,
                    ),
                )
            try:
                read_one_location(client)
            except ConfigError as error:
                return ProbeFailure("officernd", "organization", error)
            except AuthError as error:
                return ProbeFailure("officernd", "scope", error)
    except (ServiceUnavailable, ConfigError) as error:
        return ProbeFailure("officernd", "network", error)
    return None
