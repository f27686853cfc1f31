"""The receiver, a WSGI application: ``POST /webhooks/officernd`` and ``GET /healthz``.

A delivery goes through, in order: size limit (413), the ``officernd-signature`` header over
the raw body with each listening profile's secret (constant time, timestamp window; 401 and
nothing written when none matches), JSON with an ``eventType`` (400), then one durable inbox
write (deduplicated by event id, else the documented fallback key) and only then the 200.
A refusal is logged with its reason and size, never the body. A state file that cannot be
written answers 503, so OfficeRnD delivers the event again later.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from orsync.errors import OrsyncError
from orsync.officernd.webhooks import (
    DEFAULT_TOLERANCE_SECONDS,
    WebhookSignatureError,
    parse_delivery,
    verify_signature,
)
from orsync.services.listen.events import payload_hash, target_of
from orsync.services.listen.health import Health
from orsync.state import EventInbox, utc_now

log = logging.getLogger("orsync.listen")

WEBHOOK_PATH = "/webhooks/officernd"
HEALTH_PATH = "/healthz"
# OfficeRnD's largest documents (hundreds of lines) stay well under this.
MAX_BODY_BYTES = 1024 * 1024

StartResponse = Callable[..., Any]


@dataclass
class Endpoint:
    """One listening profile: its signing secret, its inbox and how to wake its worker."""

    profile: str
    secret: str = field(repr=False)
    inbox: EventInbox
    wake: Callable[[], None]


class Receiver:
    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        health: Health,
        *,
        max_body: int = MAX_BODY_BYTES,
        tolerance: float = DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._endpoints = tuple(endpoints)
        self._health = health
        self._max_body = max_body
        self._tolerance = tolerance
        self._clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", "/")).rstrip("/") or "/"
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return _answer(start_response, 405, {"error": "use GET"}, allow="GET")
            document = self._health.to_dict()
            return _answer(start_response, 200 if document["ok"] else 503, document)
        if path != WEBHOOK_PATH:
            return _answer(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _answer(start_response, 405, {"error": "use POST"}, allow="POST")
        return self._delivery(environ, start_response)

    def _delivery(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        peer = str(environ.get("REMOTE_ADDR", "?"))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self._max_body:
            self._refused(None, peer, length, "body missing or over the size limit")
            return _answer(start_response, 413, {"error": "body too large"})
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        header = environ.get("HTTP_OFFICERND_SIGNATURE")
        endpoint, reason = self._verified(body, None if header is None else str(header))
        if endpoint is None:
            self._refused(None, peer, len(body), reason)
            return _answer(start_response, 401, {"error": "signature refused"})
        try:
            delivery = parse_delivery(body)
        except WebhookSignatureError as error:
            self._refused(endpoint.profile, peer, len(body), error.message)
            return _answer(start_response, 400, {"error": error.message})
        target = target_of(delivery)
        try:
            new = endpoint.inbox.record(
                delivery.dedupe_key,
                event_type=delivery.event_type,
                payload_hash=payload_hash(body),
                record_kind=target.kind,
                record_id=target.record_id,
            )
        except OrsyncError as error:
            log.error("profile %s: event not recorded: %s", endpoint.profile, error.message)
            self._health.update(endpoint.profile, last_error=f"inbox: {error.message}")
            return _answer(start_response, 503, {"error": "not recorded, deliver again"})
        self._health.count(endpoint.profile, "events_received" if new else "events_duplicate")
        if new:
            self._health.update(endpoint.profile, last_event_at=utc_now())
            log.info(
                "profile %s: event %s %s recorded",
                endpoint.profile,
                delivery.dedupe_key,
                delivery.event_type,
            )
            endpoint.wake()
        return _answer(start_response, 200, {"received": True, "duplicate": not new})

    def _verified(self, body: bytes, header: str | None) -> tuple[Endpoint | None, str]:
        """The endpoint whose secret signed ``body``; every secret is tried (constant time
        each), so the answer takes as long whichever matched."""
        found: Endpoint | None = None
        reason = "no profile is listening"
        for endpoint in self._endpoints:
            try:
                verify_signature(
                    endpoint.secret,
                    body,
                    header,
                    tolerance=self._tolerance,
                    clock=self._clock,
                )
            except WebhookSignatureError as error:
                reason = error.message
                continue
            found = found or endpoint
        return found, reason

    def _refused(self, profile: str | None, peer: str, size: int, reason: str) -> None:
        log.warning("refused a webhook delivery from %s (%d bytes): %s", peer, size, reason)
        for name in [profile] if profile else list(self._health.profiles):
            self._health.count(name, "deliveries_refused")


def _answer(
    start_response: StartResponse, status: int, document: dict[str, Any], allow: str = ""
) -> list[bytes]:
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Content Too Large",
        503: "Service Unavailable",
    }
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
    ]
    if allow:
        headers.append(("Allow", allow))
    start_response(f"{status} {reasons[status]}", headers)
    return [body]
