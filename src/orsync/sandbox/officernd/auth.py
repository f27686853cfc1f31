"""OAuth2 client credentials: applications, scopes, tokens and the token endpoint's rules.

Facts (reference/officernd-api.md §2): form POST with ``grant_type=client_credentials``,
``client_id``, ``client_secret`` and a space-separated ``scope``; the answer is
``{access_token, token_type: "Bearer", expires_in: 3599, scope}``; tokens live 3600 s; a token
cannot carry a scope its application was not granted and (peer report) the whole request fails
when one requested scope is not granted or ``scope`` is omitted; 5 requests a minute counting
failures, then 429 "Too many requests, please try again later".
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orsync.sandbox.world import OfficeRndApplication

# Every scope orsync's client may ask for (issue 4: "the scopes orsync needs and no more").
ORSYNC_SCOPES: tuple[str, ...] = (
    "flex.billing.payments.read",
    "flex.billing.payments.update",
    "flex.billing.payments.create",
    "flex.billing.payments.methods.read",
    "flex.billing.payments.allocations.create",
    "flex.billing.payments.allocations.update",
    "flex.billing.charges.read",
    "flex.billing.charges.create",
    "flex.billing.charges.update",
    "flex.billing.charges.delete",
    "flex.billing.revenueAccounts.read",
    "flex.billing.taxRates.read",
    "flex.billing.plans.read",
    "flex.community.companies.read",
    "flex.community.members.read",
    "flex.community.fees.read",
    "flex.space.locations.read",
    "flex.settings.webhooks.read",
    "flex.settings.webhooks.create",
    "flex.settings.webhooks.delete",
)

# The application a simulator without seeded applications registers (sandbox only).
DEFAULT_CLIENT_ID = "orsync-sandbox-client"
DEFAULT_CLIENT_SECRET = "orsync-sandbox-secret-not-for-production"


def default_application() -> OfficeRndApplication:
    return OfficeRndApplication(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, scopes=ORSYNC_SCOPES
    )


# The token answer says "expires_in: 3599" for a 3600 s token (the official example).
TOKEN_LIFETIME = timedelta(seconds=3600)


class TokenRequestError(Exception):
    """A refused token request: RFC 6749 error code, HTTP status and description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class IssuedToken:
    value: str = field(repr=False)
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime


class TokenIssuer:
    """Checks client credentials, grants scopes and remembers the tokens it issued."""

    def __init__(
        self, applications: Iterable[OfficeRndApplication], lifetime: timedelta = TOKEN_LIFETIME
    ) -> None:
        self._applications = {app.client_id: app for app in applications}
        self._tokens: dict[str, IssuedToken] = {}
        self.lifetime = lifetime

    @property
    def applications(self) -> list[OfficeRndApplication]:
        return list(self._applications.values())

    def issue(self, form: dict[str, str], now: datetime) -> IssuedToken:
        if form.get("grant_type") != "client_credentials":
            raise TokenRequestError(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        client_id = form.get("client_id", "")
        app = self._applications.get(client_id)
        given_secret = form.get("client_secret", "").encode()
        if app is None or not hmac.compare_digest(given_secret, app.client_secret.encode()):
            raise TokenRequestError(401, "invalid_client", "Client authentication failed")
        requested = form.get("scope", "").split()
        if not requested:
            raise TokenRequestError(400, "invalid_scope", "scope is required")
        not_granted = sorted(set(requested) - set(app.scopes))
        if not_granted:
            raise TokenRequestError(
                400,
                "invalid_scope",
                "scope not granted to this application: " + " ".join(not_granted),
            )
        token = IssuedToken(
            value=secrets.token_hex(20),
            client_id=client_id,
            scopes=frozenset(requested),
            expires_at=now + self.lifetime,
        )
        self._tokens[token.value] = token
        return token

    def lookup(self, value: str, now: datetime) -> IssuedToken | None:
        """The live token with this value, or None (unknown or expired)."""
        token = self._tokens.get(value)
        if token is None:
            return None
        if now >= token.expires_at:
            del self._tokens[value]
            return None
        return token

    def expire_all(self) -> None:
        """Scenario hook: every issued token stops working (as after a secret rotation)."""
        self._tokens.clear()


def token_answer(token: IssuedToken, now: datetime) -> dict[str, object]:
    remaining = int((token.expires_at - now).total_seconds()) - 1
    return {
        "access_token": token.value,
        "token_type": "Bearer",
        "expires_in": remaining,
        "scope": " ".join(sorted(token.scopes)),
    }
