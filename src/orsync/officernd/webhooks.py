"""Verify OfficeRnD webhook deliveries: ``officernd-signature: t=<seconds>,signature=<hex>``.

The signed message is the raw body bytes, then ``.``, then the timestamp exactly as sent in the
header (body first, timestamp second — unlike Stripe; reference/officernd-api.md §6). The body
must be the bytes received, never a re-serialisation of parsed JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orsync.errors import AuthError, ConfigError
from orsync.officernd import jsonio

SIGNATURE_HEADER = "officernd-signature"
# No official tolerance exists (60 s in OfficeRnD's extension example, 300 s in n8n): 300 s
# absorbs clock skew between OfficeRnD and a small server without inviting long replays.
DEFAULT_TOLERANCE_SECONDS = 300.0
# Everything here reads unauthenticated input, so each part has a shape and a size: a header
# longer than a few signatures, a timestamp that is not 1 to 12 ASCII digits, a signature that
# is not 64 lower-case hex digits, or a body over MAX_BODY_BYTES is refused before any work.
MAX_HEADER_CHARS = 1024
MAX_BODY_BYTES = 1024 * 1024
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class WebhookSignatureError(AuthError):
    """A delivery whose signature is missing, malformed, wrong or outside the time window."""

    default_hint = "Check the webhook secret of this endpoint (orsync stores it at registration)."


@dataclass(frozen=True)
class SignatureHeader:
    timestamp: str  # kept as sent: it is part of the signed message
    signatures: tuple[str, ...]


def parse_signature_header(value: str | None) -> SignatureHeader:
    """Parse ``t=<seconds>,signature=<hex>`` (several ``signature=`` entries are all accepted)."""
    if not value:
        raise WebhookSignatureError(f"missing {SIGNATURE_HEADER} header")
    if len(value) > MAX_HEADER_CHARS:
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} header is too long")
    timestamp: str | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamp = item.strip()
        elif key == "signature":
            signatures.append(item.strip().lower())
    # str.isdigit() accepts Arabic-Indic and other digits int() reads but ASCII cannot encode.
    if timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} header has no valid t= timestamp")
    signatures = [s for s in signatures if _SIGNATURE.fullmatch(s)]
    if not signatures:
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} header has no signature= value")
    return SignatureHeader(timestamp=timestamp, signatures=tuple(signatures))


def compute_signature(secret: str, body: bytes, timestamp: str | int) -> str:
    """Lower-case hex HMAC-SHA256 of ``body + b"." + timestamp`` keyed by the webhook secret."""
    message = body + b"." + str(timestamp).encode("ascii")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The header value OfficeRnD would send for ``body`` at ``timestamp`` (tests, simulator)."""
    return f"t={timestamp},signature={compute_signature(secret, body, timestamp)}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> int:
    """Check a delivery; return its timestamp (unix seconds) or raise WebhookSignatureError.

    An empty or blank secret is orsync's configuration (ConfigError), never a delivery's fault:
    with it, anyone could sign.
    """
    if not secret.strip():
        raise ConfigError(
            "the webhook secret is empty or blank: every delivery would verify",
            hint="Register the webhook again so that orsync stores its secret.",
        )
    if len(body) > MAX_BODY_BYTES:
        raise WebhookSignatureError(f"webhook body is over {MAX_BODY_BYTES:,} bytes")
    parsed = parse_signature_header(header)
    expected = compute_signature(secret, body, parsed.timestamp).encode("ascii")
    # Compare every candidate without short-circuiting so timing does not reveal which matched.
    matched = False
    for candidate in parsed.signatures:
        matched |= hmac.compare_digest(expected, candidate.encode("ascii"))
    if not matched:
        raise WebhookSignatureError("webhook signature does not match the body")
    sent_at = int(parsed.timestamp)
    skew = abs(clock() - sent_at)
    if skew > tolerance:
        raise WebhookSignatureError(
            f"webhook timestamp is {skew:.0f} s away from now (allowed {tolerance:.0f} s)",
            hint="Check this server's clock; an old delivery may be a replay.",
        )
    return sent_at


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified delivery's envelope: ``{event, eventType, data: {object, previousAttributes},
    createdAt}`` (the official example; ``event`` and ``createdAt`` may be absent)."""

    event_id: str | None
    event_type: str
    object: dict[str, Any]
    previous_attributes: dict[str, Any]
    data: dict[str, Any]
    created_at: str | None

    @property
    def object_id(self) -> str | None:
        value = self.object.get("_id")
        return None if value is None else str(value)

    @property
    def dedupe_key(self) -> str:
        """``event`` when present, else (eventType, object id, object modifiedAt)."""
        if self.event_id:
            return self.event_id
        return f"{self.event_type}:{self.object_id}:{self.object.get('modifiedAt')}"


def parse_delivery(body: bytes) -> WebhookDelivery:
    """Parse a delivery body (verify it first); amounts stay Decimal."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookSignatureError(f"webhook body is over {MAX_BODY_BYTES:,} bytes")
    try:
        payload = jsonio.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting thousands deep
        raise WebhookSignatureError("webhook body is not JSON orsync can read") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("eventType"), str):
        raise WebhookSignatureError("webhook body has no eventType")
    data = _mapping(payload.get("data"))
    obj = _mapping(data.get("object"))
    previous = _mapping(data.get("previousAttributes"))
    event = payload.get("event")
    created = payload.get("createdAt")
    return WebhookDelivery(
        event_id=str(event) if event else None,
        event_type=payload["eventType"],
        object=obj,
        previous_attributes=previous,
        data=data,
        created_at=str(created) if created else None,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
