"""OAuth2 client credentials for the OfficeRnD v2 API, with a cached token and a 5/min guard.

The token endpoint allows 5 requests a minute, counted across processes, and a token lives an
hour: a person running a few commands in a row would wait for the limit. So a token may also
be kept between runs in a ``TokenStore`` (the OS keyring, where the client secret is kept) and
reused by the next run while it is valid. A run holds one token per scope set (the read token,
and a write token once it writes): the store keeps each of them beside the others, so neither
evicts the other and each is asked for once an hour, not once a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from orsync.bounded import Deadline, Limits, fetch
from orsync.endpoints import OFFICERND_TOKEN, not_found, unreachable
from orsync.errors import RateLimited, ServiceUnavailable
from orsync.officernd.budget import SlidingWindowGuard
from orsync.officernd.errors import MissingScope, OfficeRndAuthError
from orsync.redact import redact, register_secret
from orsync.retry import parse_retry_after

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_URL = "https://identity.officernd.com/oauth/token"

# The scopes orsync uses and no more (reference/officernd-api.md §2.2).
READ_SCOPES: tuple[str, ...] = (
    "flex.billing.payments.read",
    "flex.billing.payments.methods.read",
    "flex.billing.charges.read",
    "flex.billing.taxRates.read",
    "flex.billing.revenueAccounts.read",
    "flex.billing.plans.read",
    "flex.community.companies.read",
    "flex.community.members.read",
    "flex.community.fees.read",
    "flex.space.locations.read",
)
WRITE_SCOPES: tuple[str, ...] = (
    "flex.billing.charges.create",
    "flex.billing.charges.delete",
    "flex.billing.payments.update",
    "flex.billing.payments.create",
    "flex.billing.payments.allocations.create",
    "flex.billing.payments.allocations.update",
)
ORSYNC_SCOPES: tuple[str, ...] = READ_SCOPES + WRITE_SCOPES
# `orsync listen --register` and its check in `orsync test` only: a token with these scopes is
# asked for by those two, so a profile that never listens needs no webhook permission.
WEBHOOK_SCOPES: tuple[str, ...] = ("flex.settings.webhooks.read", "flex.settings.webhooks.create")

# The writes each feature makes in OfficeRnD. A token asks for the reads and the writes of the
# features in use, no more: one ungranted scope fails the whole token request, so asking for
# scopes nothing uses would refuse a correctly configured application. Customers, invoices and
# credit notes flow to Intacct only; payments keyed in Intacct come back as charges (a sync
# whose mapping has payment_methods); overpayments and allocations are not written yet.
FEATURE_SCOPES: dict[str, tuple[str, ...]] = {
    # Charges for Intacct's payments, removed again when Intacct reverses the payment.
    "payments": ("flex.billing.charges.create", "flex.billing.charges.delete"),
    "overpayments": (
        "flex.billing.payments.create",
        "flex.billing.payments.allocations.create",
        "flex.billing.payments.allocations.update",
    ),
    "write_back": ("flex.billing.payments.update",),
}


def scopes_needed(features: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The scopes a profile using ``features`` (keys of FEATURE_SCOPES) must be granted."""
    extra = [scope for feature in features for scope in FEATURE_SCOPES[feature]]
    return READ_SCOPES + tuple(dict.fromkeys(extra))


TOKEN_REQUESTS_PER_MINUTE = 5  # documented limit of the token endpoint, failures included
REFRESH_MARGIN_SECONDS = 60.0
# A token answer is a few hundred bytes, given at once: a token request ends within a minute
# and reads at most 64 kB, whatever the endpoint does.
TOKEN_DEADLINE_SECONDS = 60.0
TOKEN_LIMITS = Limits(64 * 1024, "OfficeRnD's token endpoint")
_SCOPE_NAME = re.compile(r"flex(?:\.[A-Za-z]+)+")


@dataclass(frozen=True)
class ClientCredentials:
    """An OfficeRnD application's client id and secret, and the scopes to request."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = ORSYNC_SCOPES

    def __post_init__(self) -> None:
        register_secret(self.client_secret)


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # on the provider's clock
    scopes: frozenset[str]


class TokenStore(Protocol):
    """Where tokens outlive the run that fetched them: one text entry (the tokens of every
    scope set, by owner), best effort."""

    def read(self) -> str | None: ...

    def write(self, text: str) -> None: ...

    def clear(self) -> None: ...


class TokenProvider:
    """Fetches and caches the bearer token; thread-safe (one fetch for many waiting workers)."""

    def __init__(
        self,
        http: httpx.Client,
        credentials: ClientCredentials,
        *,
        token_url: str = DEFAULT_TOKEN_URL,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        requests_per_minute: int = TOKEN_REQUESTS_PER_MINUTE,
        rate_limit_wait: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        store: TokenStore | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._token_url = token_url
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._guard = SlidingWindowGuard(
            requests_per_minute, 60.0, clock=clock, what="token request to OfficeRnD"
        )
        # Seconds worth waiting once when the token endpoint answers 429: its limit is per
        # minute and counted across processes, so a person running a few commands in a row hits
        # it; a command-line run prefers a short wait to exit 75. 0 raises at once.
        self._rate_limit_wait = rate_limit_wait
        self._sleep = sleep
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self.requests_made = 0
        self._store = store
        self._store_read = store is None
        self._wall_clock = wall_clock
        # A stored token is only reused by the same application, endpoint and scopes.
        identity = "\n".join((token_url, credentials.client_id, *sorted(credentials.scopes)))
        self._owner = hashlib.sha256(identity.encode()).hexdigest()[:32]

    @property
    def requested_scopes(self) -> tuple[str, ...]:
        return self._credentials.scopes

    def token(self) -> AccessToken:
        with self._lock:
            current = self._token
            if current is not None and self._clock() < current.expires_at:
                return current
            if not self._store_read:
                self._store_read = True
                stored = self._stored()
                if stored is not None:
                    self._token = stored
                    return stored
            self._token = self._fetch()
            self._keep(self._token)
            return self._token

    def invalidate(self, value: str) -> None:
        """Forget ``value`` after the API refused it (401), unless a newer one replaced it."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None
                self._update_store(lambda entries: entries.pop(self._owner, None))

    def _stored(self) -> AccessToken | None:
        """The token a previous run kept for this application and scope set, if still valid."""
        entry = _stored_entries(self._store_call(lambda store: store.read())).get(self._owner)
        if entry is None:
            return None
        try:
            value = str(entry["value"])
            remaining = float(entry["expires_at"]) - self._wall_clock()
            scopes = frozenset(str(s) for s in entry.get("scopes", ()))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable: fetch a new one, which replaces it
        if remaining <= 0:
            return None
        register_secret(value)
        return AccessToken(value=value, expires_at=self._clock() + remaining, scopes=scopes)

    def _keep(self, token: AccessToken) -> None:
        remaining = token.expires_at - self._clock()
        entry = {
            "value": token.value,
            "expires_at": self._wall_clock() + remaining,  # the store outlives this clock
            "scopes": sorted(token.scopes),
        }
        self._update_store(lambda entries: entries.__setitem__(self._owner, entry))

    def _update_store(self, change: Callable[[dict[str, dict[str, Any]]], object]) -> None:
        """Read the kept tokens, apply ``change`` to them, drop the expired ones and write the
        rest back: the other scope sets' tokens stay (best effort: two processes writing at
        once may lose one token, which only costs a token request)."""
        entries = _stored_entries(self._store_call(lambda store: store.read()))
        change(entries)
        now = self._wall_clock()
        alive = {owner: e for owner, e in entries.items() if _expires_after(e, now)}
        if alive:
            text = json.dumps({"tokens": alive})
            self._store_call(lambda store: store.write(text))
        else:
            self._store_call(lambda store: store.clear())

    def _store_call(self, action: Callable[[TokenStore], str | None]) -> str | None:
        # The store only saves token requests; a failing one must never fail the run.
        if self._store is None:
            return None
        try:
            return action(self._store)
        except Exception as exc:  # noqa: BLE001 - any backend failure means "no stored token"
            logger.debug("token store unavailable: %s", type(exc).__name__)
            return None

    def require(self, scope: str) -> AccessToken:
        """A token, after checking locally that ``scope`` was granted (no doomed request)."""
        token = self.token()
        if token.scopes and scope not in token.scopes:
            raise MissingScope((scope,), detail="not granted to this token")
        return token

    def _fetch(self) -> AccessToken:
        try:
            return self._fetch_once()
        except RateLimited as limited:
            wait = limited.retry_after if limited.retry_after is not None else 60.0
            if not 0 < wait <= self._rate_limit_wait:
                raise
            logger.warning(
                "OfficeRnD's token endpoint allows 5 requests a minute; waiting %.0f s", wait
            )
            self._sleep(wait)
            return self._fetch_once()

    def _fetch_once(self) -> AccessToken:
        stamp = self._guard.check_and_record()
        self.requests_made += 1
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
            "scope": " ".join(self._credentials.scopes),
        }
        started = self._clock()
        try:
            response = fetch(
                self._http,
                "POST",
                self._token_url,
                limits=TOKEN_LIMITS,
                deadline=Deadline(TOKEN_DEADLINE_SECONDS),
                what="a token request",
                data=form,
            )
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                # Never reached OfficeRnD, so not one of its 5 a minute: an unreachable
                # endpoint is reported at once, not after a wait for the limit.
                self._guard.release(stamp)
            raise unreachable(OFFICERND_TOKEN, self._token_url, exc) from exc
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RateLimited(
                "OfficeRnD token endpoint rate limit (5 requests a minute) reached",
                retry_after=retry_after if retry_after is not None else 60.0,
            )
        if response.status_code >= 500:
            raise ServiceUnavailable(
                f"OfficeRnD token endpoint answered HTTP {response.status_code}",
                hint="OfficeRnD is failing: check https://status.officernd.com and run again "
                "later.",
            )
        if response.status_code in (404, 405):  # no token endpoint at this path
            raise not_found(OFFICERND_TOKEN, self._token_url, response.status_code)
        if response.status_code != 200:
            raise self._refusal(response)
        return self._parse(response, started)

    def _parse(self, response: httpx.Response, started: float) -> AccessToken:
        try:
            body = response.json()
            value = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceUnavailable(
                "OfficeRnD token endpoint sent an unreadable answer",
                hint="Check that the OfficeRnD identity URL (`orsync profiles show`) "
                "points at OfficeRnD itself, not a proxy or sign-in portal.",
            ) from exc
        register_secret(value)
        granted = frozenset(str(body.get("scope") or "").split())
        missing = tuple(s for s in self._credentials.scopes if granted and s not in granted)
        if missing:
            raise MissingScope(missing, detail="the token endpoint granted fewer scopes")
        # Refresh early: the margin covers clock skew and requests in flight at expiry, but
        # never more than half the lifetime, so a short-lived token is still reused.
        margin = min(self._refresh_margin, expires_in / 2)
        return AccessToken(value=value, expires_at=started + expires_in - margin, scopes=granted)

    def _refusal(self, response: httpx.Response) -> OfficeRndAuthError:
        text = redact(response.text[:500])
        try:
            body = json.loads(response.text)
        except ValueError:
            body = {}
        code = str(body.get("error", "")) if isinstance(body, dict) else ""
        named = tuple(
            dict.fromkeys(s for s in _SCOPE_NAME.findall(text) if s in self._credentials.scopes)
        )
        if code == "invalid_scope" or "scope" in text.lower():
            # Peers report that one ungranted scope fails the whole token request; name it when
            # the answer does, otherwise list what was asked for so the admin can compare.
            return MissingScope(named or self._credentials.scopes, detail=text)
        return OfficeRndAuthError(
            f"OfficeRnD refused the client credentials (HTTP {response.status_code}"
            f"{', ' + code if code else ''})"
        )


def _stored_entries(text: str | None) -> dict[str, dict[str, Any]]:
    """The kept tokens by owner (application, endpoint and scope set). An entry written
    before tokens were kept per scope set (one token, its ``owner`` inside) reads as one."""
    if not text:
        return {}
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("owner"), str):
        return {body["owner"]: body}
    tokens = body.get("tokens")
    if not isinstance(tokens, dict):
        return {}
    return {str(k): v for k, v in tokens.items() if isinstance(v, dict)}


def _expires_after(entry: dict[str, Any], now: float) -> bool:
    try:
        return float(entry["expires_at"]) > now
    except (KeyError, TypeError, ValueError):
        return False
