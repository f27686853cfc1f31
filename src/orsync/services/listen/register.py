"""`orsync listen --register` and its check in `orsync test`: the OfficeRnD webhook that delivers
billing events to this listener, and its signing secret stored like the profile's other secrets.

Registering is idempotent: a subscription for the same URL is reused (its secret, which
OfficeRnD's list answers, is stored again), never duplicated. Only these two calls ask for the
``flex.settings.webhooks.*`` scopes, so a profile that never listens needs no such permission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from orsync import secrets
from orsync.config import Profile
from orsync.errors import ConfigError, CredentialError
from orsync.officernd import WEBHOOK_SCOPES, ClientCredentials, OfficeRndClient
from orsync.officernd.client import build_http_client
from orsync.redact import register_secret
from orsync.secrets import Secret
from orsync.services.common import TOKEN_RATE_LIMIT_WAIT, officernd_credentials
from orsync.services.listen.events import BILLING_EVENT_TYPES
from orsync.services.listen.receiver import WEBHOOK_PATH

DESCRIPTION = "orsync listen"


@dataclass(frozen=True)
class Registration:
    profile: str
    webhook_id: str
    url: str
    created: bool  # False: an existing subscription for this URL was reused
    event_types: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "webhook_id": self.webhook_id,
            "url": self.url,
            "created": self.created,
            "event_types": list(self.event_types),
        }


def webhook_url(public_url: str) -> str:
    """The delivery URL for a public base URL (``https://sync.example.com``)."""
    base = public_url.strip().rstrip("/")
    if base.endswith(WEBHOOK_PATH):
        return base
    if not base.startswith(("https://", "http://")):
        raise ConfigError(
            f"--public-url {public_url!r} is not an http(s) URL",
            hint="Give the HTTPS address OfficeRnD reaches, e.g. https://sync.example.com.",
        )
    return base + WEBHOOK_PATH


@contextmanager
def _webhook_client(profile_name: str, profile: Profile) -> Iterator[OfficeRndClient]:
    base = officernd_credentials(profile_name, profile)
    http = build_http_client()
    try:
        yield OfficeRndClient(
            http,
            org=profile.officernd.org,
            credentials=ClientCredentials(base.client_id, base.client_secret, WEBHOOK_SCOPES),
            api_url=profile.officernd.api_url,
            token_url=profile.officernd.token_url,
            token_rate_limit_wait=TOKEN_RATE_LIMIT_WAIT,
        )
    finally:
        http.close()


def register_webhook(
    profile_name: str,
    profile: Profile,
    public_url: str,
    *,
    keep_secret: Callable[[str], None] | None = None,
) -> Registration:
    """Create (or reuse) the subscription for ``public_url`` and store its signing secret
    (in the keyring; ``keep_secret`` instead hands it to the caller, e.g. the demo, which
    keeps its secrets in its own environment only)."""
    url = webhook_url(public_url)
    if keep_secret is None and not secrets.keyring_available():
        raise CredentialError(
            "cannot store the webhook signing secret: this machine has no keyring backend",
            hint="Register on a machine with a keyring, or create the webhook in OfficeRnD "
            f"(Developer Tools) and set {Secret.OFFICERND_WEBHOOK_SECRET.env_var}.",
        )
    with _webhook_client(profile_name, profile) as client:
        existing = [w for w in client.webhooks() if w.get("url") == url]
        for found in existing:
            if found.get("secret"):
                register_secret(str(found["secret"]))
        if existing and existing[0].get("secret"):
            answer, created = existing[0], False
        else:
            answer, created = client.create_webhook(url, BILLING_EVENT_TYPES, DESCRIPTION), True
    secret = answer.get("secret") if isinstance(answer, dict) else None
    if not secret:
        raise ConfigError(
            "OfficeRnD created the webhook but sent no signing secret",
            hint="Copy the secret from OfficeRnD (Developer Tools) into "
            f"{Secret.OFFICERND_WEBHOOK_SECRET.env_var}.",
        )
    register_secret(str(secret))
    if keep_secret is not None:
        keep_secret(str(secret))
    else:
        secrets.store(profile_name, Secret.OFFICERND_WEBHOOK_SECRET, str(secret))
    return Registration(
        profile=profile_name,
        webhook_id=str(answer.get("_id", "")),
        url=url,
        created=created,
        event_types=tuple(answer.get("eventTypes") or BILLING_EVENT_TYPES),
    )


@dataclass(frozen=True)
class RegistrationCheck:
    ok: bool
    detail: str
    fix: str | None = None


def check_registration(profile_name: str, profile: Profile) -> RegistrationCheck:
    """Is an enabled OfficeRnD webhook signed with the stored secret, and does it send the
    billing events? (``orsync test``; a profile without a stored secret does not listen.)"""
    status = secrets.status(profile_name, Secret.OFFICERND_WEBHOOK_SECRET)
    if not status.is_set:
        return RegistrationCheck(True, "not registered (orsync listen not set up)")
    stored = secrets.resolve(profile_name, Secret.OFFICERND_WEBHOOK_SECRET)
    with _webhook_client(profile_name, profile) as client:
        hooks = client.webhooks()
    for hook in hooks:
        if hook.get("secret"):
            register_secret(str(hook["secret"]))
    mine = [h for h in hooks if h.get("secret") == stored]
    register_fix = f"Run `orsync --profile {profile_name} listen --register --public-url URL`."
    if not mine:
        return RegistrationCheck(
            False, "no OfficeRnD webhook is signed with the stored secret", fix=register_fix
        )
    hook = mine[0]
    if not hook.get("isEnabled", True):
        return RegistrationCheck(
            False,
            f"the webhook to {hook.get('url')} is disabled in OfficeRnD",
            fix="Enable it in OfficeRnD (Developer Tools > Webhooks).",
        )
    missing = [e for e in BILLING_EVENT_TYPES if e not in (hook.get("eventTypes") or [])]
    if missing:
        return RegistrationCheck(
            False,
            f"the webhook to {hook.get('url')} does not send {', '.join(missing)}",
            fix=register_fix,
        )
    return RegistrationCheck(True, f"webhook to {hook.get('url')} ({status.source})")
